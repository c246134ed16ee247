-- v_story_copies: one row per document that copies an earlier one (key: document_id), for
-- analysts weighing sources: a copy's facts come from the document it copies, so they count
-- as that source, not as corroboration. copy_of_* is the earliest document it copies (by
-- publication time, else first fetch) of its chain: a copy of a copy links to the first,
-- through via_document_id. kind: 'exact' (same text once case, punctuation and spacing are
-- folded), 'near_duplicate' (most word runs and sentences shared, covering most of the story:
-- an edited wire copy), 'excerpt' (verbatim, but only a part of the story, or the story is
-- the part: an aggregator's lead, a truncated or abridged copy), 'spun' (synonyms swapped,
-- quotations, figures and names kept; is_partial says whether of a part). Through a chain,
-- the loosest kind on the way. score is 0-1: 1 for exact, the share of the shorter text's
-- five-word runs found in the longer for near duplicates and excerpts, and for spun copies
-- the mean of the quotation, skeleton and figure containments. covered_share: how much of
-- the longer of the two texts the shorter carries.
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
        c.is_partial,
        c.covered_share,
        c.via_document_id,
        vd.url as via_url,
        c.document_version_id,
        c.detected_at
    from story_copies as c
    left join documents as vd on vd.document_id = c.via_document_id
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
    is_partial,
    covered_share,
    via_document_id,
    via_url,
    document_version_id,
    detected_at
from final;
comment on view v_story_copies is 'One row per document that copies an earlier one (key document_id): the earliest document of its chain of copies, the kind of copy (exact, near_duplicate, excerpt, spun), whether it carries only part of the story and how much, and a 0-1 score.';
comment on column v_story_copies.kind is 'exact, near_duplicate (verbatim, most of the story), excerpt (verbatim, part of the story: a lead, a truncated or abridged copy) or spun (reworded narration, quotations, figures and names kept); through a chain, the loosest kind on the way.';
comment on column v_story_copies.score is '1 for exact; share of the shorter text''s five-word runs found in the longer for near_duplicate and excerpt; mean of quotation, skeleton and figure containments for spun (with the document it was matched to: via_document_id, else copy_of_document_id).';
comment on column v_story_copies.is_partial is 'True when one of the two texts carries only part of the other (covered_share under 0.8): an excerpt, an abridged or truncated copy, a spun excerpt; or a full story published after an excerpt of it.';
comment on column v_story_copies.covered_share is 'Share of the longer of the two texts that the shorter carries (five-word runs for verbatim copies, names-and-figures skeleton for spun ones); the smallest along a chain.';
comment on column v_story_copies.via_document_id is 'For a copy of a copy: the document it was found to copy, itself linked to copy_of_document_id; null when it copies copy_of_document_id directly.';
comment on column v_story_copies.skeleton_similarity is 'Overlap of the names and figures in reading order: kept by spinners, not by independent reports of the same event.';
