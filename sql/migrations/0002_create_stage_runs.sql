-- Which processing stage has handled which document version, at which stage version.
-- A stage whose version changes re-derives its rows: the pending query compares versions.
create table stage_runs (
    document_version_id bigint not null references document_versions (document_version_id),
    stage               text not null,
    stage_version       text not null,
    status              text not null,
    message             text,
    finished_at         timestamptz not null default now(),
    constraint stage_runs_pkey primary key (document_version_id, stage),
    constraint stage_runs_status_check check (status in ('done', 'skipped', 'failed'))
);
comment on table stage_runs is 'One row per (document version, stage): the last outcome of that stage on that version.';
create index stage_runs_stage_idx on stage_runs (stage, stage_version, status);
