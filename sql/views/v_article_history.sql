-- v_article_history: one row per event in an article's life (key: document_id, event_no),
-- in time order, for analysts reading what happened to a story: each version stored (the
-- first one, then edits, trivial or not), and each time it disappeared (404/410, or a
-- redirect to another page) or came back. An article removed since its last version shows
-- 'removed' as its last event: its text is not silently kept as current.
drop view if exists v_article_history cascade;
create view v_article_history as
with versions as (
    select
        v.document_id,
        v.fetched_at as occurred_at,
        case
            when v.version_no = 1 then 'first_version'
            when diffs.is_trivial then 'trivial_edit'
            else 'edit'
        end as kind,
        v.version_no,
        v.document_version_id,
        null::integer as http_status,
        case
            when v.version_no = 1 then v.title
            else concat_ws(
                '; ',
                case when diffs.title_changed then 'headline changed' end,
                format('%s sentences added, %s removed', diffs.sentences_added, diffs.sentences_removed)
            )
        end as detail
    from document_versions as v
    left join version_diffs as diffs on diffs.document_version_id = v.document_version_id
),

events as (
    select
        e.document_id,
        e.occurred_at,
        e.kind,
        null::integer as version_no,
        null::bigint as document_version_id,
        e.http_status,
        e.reason as detail
    from document_events as e
),

history as (
    select * from versions
    union all
    select * from events
),

final as (
    select
        h.document_id,
        row_number() over (
            partition by h.document_id
            order by h.occurred_at, h.version_no nulls last, h.kind
        ) as event_no,
        d.url,
        h.occurred_at,
        h.kind,
        h.version_no,
        h.document_version_id,
        h.http_status,
        h.detail
    from history as h
    join documents as d on d.document_id = h.document_id
)

select
    document_id,
    event_no,
    url,
    occurred_at,
    kind,
    version_no,
    document_version_id,
    http_status,
    detail
from final;
comment on view v_article_history is 'One row per event of an article (key document_id, event_no): first_version, edit, trivial_edit, removed, restored, in time order.';
