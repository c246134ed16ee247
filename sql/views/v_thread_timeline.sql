-- v_thread_timeline: one row per observation (key: observation_id), numbered in publication
-- order per slot (timeline_position, stored by the tracker: a page of a long timeline is an
-- index range), for analysts following a slot over time. development_id
-- is null for an observation that corroborated the value it found.
drop view if exists v_thread_timeline cascade;
create view v_thread_timeline as
with final as (
    select
        t.slug as thread_slug,
        s.slot,
        v.published_at,
        o.value_text,
        o.value_num,
        o.qualifier,
        o.attributed_to,
        o.document_version_id,
        d.url,
        o.evidence,
        dev.development_id,
        dev.kind as development_kind,
        o.observation_id,
        o.value_low,
        o.source_line,
        v.ordered_at,
        v.title,
        src.name as source,
        v.document_id,
        v.version_no,
        o.timeline_position
    from observations as o
    join thread_slots as s on s.thread_slot_id = o.thread_slot_id
    join threads as t on t.thread_id = s.thread_id
    join document_versions as v on v.document_version_id = o.document_version_id
    join documents as d on d.document_id = v.document_id
    left join sources as src on src.source_id = d.source_id
    left join developments as dev
        on dev.thread_slot_id = o.thread_slot_id
        and dev.document_version_id = o.document_version_id
        and dev.value_key = o.value_key
        and dev.source_line = o.source_line
        and (dev.withdrawn_at is null or dev.review_action is not null)
    where t.is_active
      and s.is_active
)
select
    thread_slug,
    slot,
    published_at,
    value_text,
    value_num,
    qualifier,
    attributed_to,
    document_version_id,
    url,
    evidence,
    development_id,
    development_kind,
    observation_id,
    value_low,
    source_line,
    ordered_at,
    title,
    source,
    document_id,
    version_no,
    timeline_position
from final;
comment on view v_thread_timeline is
    'One row per observation (key observation_id) of a thread slot; timeline_position numbers them in publication order per slot; development_id is null for corroboration.';
