-- v_story_copies: one row per document that copies an earlier one (key: document_id), for
-- analysts weighing sources: a copy's facts come from the document it copies, so they count
-- as that source, not as corroboration. copy_of_* is the earliest document it copies (by
-- publication time, else first fetch). kind: 'exact' (same text once case, punctuation and
-- spacing are folded), 'near_duplicate' (most word runs and sentences shared: an edited wire
-- copy), 'spun' (synonyms swapped, quotations, figures and names kept). score is 0-1: 1 for
-- exact, the share of the shorter text's five-word runs found in the other for near
-- duplicates, and for spun copies the mean of the quotation, skeleton and figure overlaps.
drop view if exists v_story_copies cascade;
create view v_story_copies as
with final as (
    select
        c.document_id,
        d.url,
        l.title,
        s.name as source,
        c.copy_of_document_id,
        od.url as copy_of_url,
        ol.title as copy_of_title,
        os.name as copy_of_source,
        c.kind,
        c.score,
        c.word_similarity,
        c.quote_similarity,
        c.number_similarity,
        c.skeleton_similarity,
        c.sentence_similarity,
        c.document_version_id,
        c.detected_at
    from story_copies as c
    join documents as d on d.document_id = c.document_id
    join documents as od on od.document_id = c.copy_of_document_id
    -- each document's latest title through the (document_id, version_no) key, so a filter
    -- on one story reads its rows only, not every version of the corpus
    left join lateral (
        select v.title
        from document_versions as v
        where v.document_id = c.document_id
        order by v.version_no desc
        limit 1
    ) as l on true
    left join lateral (
        select v.title
        from document_versions as v
        where v.document_id = c.copy_of_document_id
        order by v.version_no desc
        limit 1
    ) as ol on true
    left join sources as s on s.source_id = d.source_id
    left join sources as os on os.source_id = od.source_id
)

select
    document_id,
    url,
    title,
    source,
    copy_of_document_id,
    copy_of_url,
    copy_of_title,
    copy_of_source,
    kind,
    score,
    word_similarity,
    quote_similarity,
    number_similarity,
    skeleton_similarity,
    sentence_similarity,
    document_version_id,
    detected_at
from final;
comment on view v_story_copies is 'One row per document that copies an earlier one (key document_id): the earliest document it copies, the kind of copy (exact, near_duplicate, spun) and a 0-1 score.';
comment on column v_story_copies.score is '1 for exact; share of shared five-word runs for near_duplicate; mean of quotation, skeleton and figure overlaps for spun.';
comment on column v_story_copies.skeleton_similarity is 'Overlap of the names and figures in reading order: kept by spinners, not by independent reports of the same event.';
