-- v_article_versions: one row per document version (key: document_version_id), for analysts
-- following how an article changed. The first version of a document has no diff (null
-- counts); later ones say which sentences were added and removed, whether the headline
-- changed, whether the edit is trivial (date lines, whitespace, quote styles, re-encoding:
-- filter `where not is_trivial` to hide them), and a unified diff. is_current is false for
-- superseded versions and for every version of an article that has been removed since.
drop view if exists v_article_versions cascade;
create view v_article_versions as
with versions as (
    select
        v.document_version_id,
        v.document_id,
        v.version_no,
        d.url,
        d.identity,
        v.title,
        v.fetched_at,
        v.published_at,
        v.published_at_source,
        v.content_sha256,
        length(v.body) as body_chars,
        s.name as source,
        d.removed_at,
        d.removal_reason,
        -- through the (document_id, version_no) key rather than a window over every version,
        -- so a filter on one article (its url, its id) reads that article's rows only
        not exists (
            select 1
            from document_versions as later
            where later.document_id = v.document_id
              and later.version_no > v.version_no
        ) as is_latest
    from document_versions as v
    join documents as d on d.document_id = v.document_id
    left join sources as s on s.source_id = d.source_id
),

final as (
    select
        versions.document_version_id,
        versions.document_id,
        versions.version_no,
        versions.url,
        versions.identity,
        versions.title,
        versions.source,
        versions.fetched_at,
        versions.published_at,
        versions.published_at_source,
        versions.content_sha256,
        versions.body_chars,
        diffs.previous_version_id,
        coalesce(diffs.is_trivial, false) as is_trivial,
        diffs.title_changed,
        diffs.sentences_added,
        diffs.sentences_removed,
        diffs.added_sentences,
        diffs.removed_sentences,
        diffs.unified_diff as diff,
        versions.is_latest and versions.removed_at is null as is_current,
        versions.removed_at,
        versions.removal_reason,
        raw.document_version_id is not null and raw.body_gz is not null as has_raw_response
    from versions
    left join version_diffs as diffs on diffs.document_version_id = versions.document_version_id
    left join raw_responses as raw on raw.document_version_id = versions.document_version_id
)

select
    document_version_id,
    document_id,
    version_no,
    url,
    identity,
    title,
    source,
    fetched_at,
    published_at,
    published_at_source,
    content_sha256,
    body_chars,
    previous_version_id,
    is_trivial,
    title_changed,
    sentences_added,
    sentences_removed,
    added_sentences,
    removed_sentences,
    diff,
    is_current,
    removed_at,
    removal_reason,
    has_raw_response
from final;
comment on view v_article_versions is 'One row per version of an article (key document_version_id), numbered from 1 per document, with what changed from the previous version.';
comment on column v_article_versions.is_trivial is 'Only date lines, whitespace, quote styles or the text encoding changed (false for first versions).';
comment on column v_article_versions.diff is 'Unified diff from the previous version, one sentence per line, headline first (null for first versions).';
comment on column v_article_versions.is_current is 'The latest version of an article that has not been removed since.';
comment on column v_article_versions.removed_at is 'When the article started answering 404/410 or redirecting elsewhere (null while it is available).';
