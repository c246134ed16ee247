-- v_story_copy_blurbs: one row per blurb (key: document_id, first_paragraph): paragraphs of a
-- page that copy a stored story when the page as a whole copies none (an aggregator's
-- listing, a newsletter), for analysts tracing where a story's lead travelled. story_* is the
-- earliest document of the story's chain of copies (matched_document_id the one the blurb
-- was compared with). Paragraphs are the page's lines, counted from 0.
drop view if exists v_story_copy_blurbs cascade;
create view v_story_copy_blurbs as
with resolved as (
    select
        b.document_id,
        b.first_paragraph,
        b.last_paragraph,
        b.word_count,
        coalesce(sc.copy_of_document_id, b.story_document_id) as story_document_id,
        b.story_document_id as matched_document_id,
        b.kind,
        b.score,
        b.covered_share,
        b.document_version_id,
        b.detected_at
    from copy_blurbs as b
    join copy_signatures as page on page.document_id = b.document_id
    left join story_copies as sc on sc.document_id = b.story_document_id
    where b.is_part_of_story
      and page.holds_several_stories
),

one_per_blurb as (
    select distinct on (r.document_id, r.first_paragraph) r.*
    from resolved as r
    order by r.document_id, r.first_paragraph, r.score desc, r.matched_document_id
),

final as (
    select
        o.document_id,
        d.url,
        (select v.title from document_versions as v where v.document_id = o.document_id
         order by v.version_no desc limit 1) as title,
        o.first_paragraph,
        o.last_paragraph,
        o.word_count,
        o.story_document_id,
        sd.url as story_url,
        (select v.title from document_versions as v where v.document_id = o.story_document_id
         order by v.version_no desc limit 1) as story_title,
        o.matched_document_id,
        o.kind,
        o.score,
        o.covered_share,
        o.document_version_id,
        o.detected_at
    from one_per_blurb as o
    join documents as d on d.document_id = o.document_id
    join documents as sd on sd.document_id = o.story_document_id
)

select
    document_id,
    url,
    title,
    first_paragraph,
    last_paragraph,
    word_count,
    story_document_id,
    story_url,
    story_title,
    matched_document_id,
    kind,
    score,
    covered_share,
    document_version_id,
    detected_at
from final;
comment on view v_story_copy_blurbs is 'One row per blurb (key document_id, first_paragraph): paragraphs of a page of several stories that copy a stored story, the page as a whole copying none.';
comment on column v_story_copy_blurbs.story_document_id is 'The earliest document of the chain of copies of the story the blurb carries.';
comment on column v_story_copy_blurbs.covered_share is 'Share of the story that the blurb carries.';
comment on column v_story_copy_blurbs.kind is 'excerpt (verbatim lead or passage), spun (reworded), near_duplicate or exact (the blurb is the whole stored text).';
