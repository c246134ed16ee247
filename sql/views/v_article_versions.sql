-- v_article_versions: one row per document version (key: document_version_id), for analysts
-- following how an article changed. Columns added by later migrations extend it.
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
        s.name as source
    from document_versions as v
    join documents as d on d.document_id = v.document_id
    left join sources as s on s.source_id = d.source_id
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
    body_chars
from versions;
comment on view v_article_versions is 'One row per version of an article (key document_version_id), numbered from 1 per document.';
