-- v_thread_relevance: one row per (document version, thread) (key: document_version_id,
-- thread_slug): how much the version concerns the thread, and which terms and entities say so.
drop view if exists v_thread_relevance cascade;
create view v_thread_relevance as
select
    r.document_version_id,
    t.slug as thread_slug,
    r.score,
    r.is_relevant,
    r.reason,
    r.matched_terms,
    r.matched_entities,
    v.document_id,
    d.url,
    v.title,
    v.published_at,
    r.computed_at
from thread_relevance as r
join threads as t on t.thread_id = r.thread_id
join document_versions as v on v.document_version_id = r.document_version_id
join documents as d on d.document_id = v.document_id
where t.is_active;
comment on view v_thread_relevance is
    'One row per (document version, thread) (key document_version_id, thread_slug): relevance score 0-1, whether it counts, and why.';
