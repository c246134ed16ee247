-- The versions some stage still has to run on, so that claiming work reads the few versions
-- waiting instead of every version stored. Before, the claim compared all document versions
-- against stage_runs: at a million versions that cost 0.8 s a batch, for every stage.
--
-- The invariant (store/stagework.py keeps it; every step below is needed for it): for every
-- registered stage S and every version V that S has no run on, V is in unfinished_versions.
-- * a new version is queued by the trigger on document_versions;
-- * a deleted stage run (a stage invalidated, a copy link changed) queues its version again,
--   by the trigger on stage_runs;
-- * a stage seen for the first time is registered, and the versions it has no run on are
--   queued then, once;
-- * a version leaves the queue only when every registered stage has a run on it.
-- Versions an older stage version ran on are found apart, through stage_runs' index by stage
-- version (a stage's version bump makes them pending; they are few except right after one).
--
-- Leaving the queue and re-entering it race: a version whose stage run is being deleted must
-- not leave because the pruner's snapshot still saw that run. The trigger takes the queue lock
-- shared until its transaction ends, and the pruner takes it exclusively (or skips pruning).
create table registered_stages (
    stage         text primary key,
    registered_at timestamptz not null default now()
);
comment on table registered_stages is
    'Every processing stage that has run here; a version leaves unfinished_versions once each has a run on it.';

create table unfinished_versions (
    document_version_id bigint primary key
        references document_versions (document_version_id) on delete cascade
);
comment on table unfinished_versions is
    'Versions some registered stage has no run on yet: what the stages claim from (see store/stagework.py).';

-- The advisory lock key the pruner takes exclusively ("unfv").
create function queue_versions_of_deleted_runs() returns trigger
language plpgsql as $$
begin
    perform pg_advisory_xact_lock_shared(1970169462);
    insert into unfinished_versions (document_version_id)
    select distinct gone.document_version_id
    from gone
    where exists (select 1 from document_versions as v
                  where v.document_version_id = gone.document_version_id)
    on conflict do nothing;
    return null;
end;
$$;

create trigger stage_runs_deleted_requeue
after delete on stage_runs
referencing old table as gone
for each statement execute function queue_versions_of_deleted_runs();

create function queue_new_versions() returns trigger
language plpgsql as $$
begin
    insert into unfinished_versions (document_version_id)
    select added.document_version_id from added
    on conflict do nothing;
    return null;
end;
$$;

create trigger document_versions_added_queue
after insert on document_versions
referencing new table as added
for each statement execute function queue_new_versions();
