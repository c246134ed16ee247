-- A slot whose observations changed since its timeline was last replayed. The track stage
-- marks the slots each batch touches, in the batch's own transaction, and replays every marked
-- slot once at the end of the run (tracking/stage.py): a busy slot's replay reads all its
-- observations, so replaying it per batch made the cost of an article grow with the corpus.
-- Kept in the table, not in the worker: a run killed before its replays leaves the marks, and
-- the next run replays them.
alter table thread_slots add column replay_pending boolean not null default false;
comment on column thread_slots.replay_pending is
    'Observations of the slot changed since its timeline was last replayed; the track stage replays it at the end of a run.';
