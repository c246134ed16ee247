-- A slot's timeline position is stored on the observation by the tracker when it replays the
-- slot (tracking/stage.py), instead of numbered by v_thread_timeline on every read: the view
-- numbered every observation of the slot to show any of them (66 ms for a busy slot at 100k
-- versions), while a stored position makes a page of the timeline an index range.
alter table observations add column timeline_position integer;
comment on column observations.timeline_position is
    'Place in its slot''s timeline (1 = earliest), in the order the tracker replays it: publication time, a later version never before an earlier one of the same article.';

-- Until each slot is replayed again, the order the view used to number them by.
update observations as o
set timeline_position = numbered.position
from (
    select o2.observation_id,
           row_number() over (
               partition by o2.thread_slot_id
               order by v.ordered_at, d.identity, v.version_no, o2.sentence_index, o2.value_key,
                   o2.source_line
           ) as position
    from observations as o2
    join document_versions as v on v.document_version_id = o2.document_version_id
    join documents as d on d.document_id = v.document_id
) as numbered
where numbered.observation_id = o.observation_id;

create index observations_timeline_idx on observations (thread_slot_id, timeline_position);
