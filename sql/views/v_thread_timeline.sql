-- v_thread_timeline: one row per observation (key: observation_id), numbered in publication
-- order per slot (timeline_position, stored by the tracker: a page of a long timeline is an
-- index range), for analysts following a slot over time. development_id
-- is null for an observation that corroborated the value it found.
drop view if exists v_thread_timeline cascade;
create view v_thread_timeline as
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
    o.timeline_position,
    o.thread_slot_id
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
  and s.is_active;
comment on view v_thread_timeline is
    'One row per observation (key observation_id) of a thread slot; timeline_position numbers them in publication order per slot; development_id is null for corroboration.';

-- thread_timeline_page: one page of a slot's timeline, newest first, read backwards from a
-- position (keyset paging). The slot is looked up first, so the page is a range of the
-- observations' (thread_slot_id, timeline_position) index however long the timeline is; a
-- filter on the view's thread_slug and slot cannot reach that index in order, and the
-- database would join and sort every observation of the slot to return the page.
create function thread_timeline_page(
    thread text, slot_name text, before_position integer default null, page_size integer default 100
) returns setof v_thread_timeline
language sql stable as $$
    select tl.*
    from v_thread_timeline as tl
    where tl.thread_slot_id = (
            select s.thread_slot_id
            from thread_slots as s join threads as t on t.thread_id = s.thread_id
            where t.slug = thread and s.slot = slot_name)
      and (before_position is null or tl.timeline_position < before_position)
    order by tl.timeline_position desc
    limit page_size
$$;
comment on function thread_timeline_page(text, text, integer, integer) is
    'A page of a slot''s timeline (v_thread_timeline rows), newest first: pass the previous page''s smallest timeline_position as before_position for the next.';
