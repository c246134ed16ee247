-- Per-host request slots shared by every fetching process (CLI, Airflow and Celery workers).
-- A request reserves the next slot atomically (insert ... on conflict do update ... returning),
-- so workers on different machines keep the minimum interval between them without talking.
create table host_politeness (
    host          text primary key,
    -- the earliest time the next request to this host may start
    next_slot_at  timestamptz not null,
    -- set from Retry-After (or a default) after a 429 or 503: nobody asks before this
    blocked_until timestamptz,
    last_status   integer,
    updated_at    timestamptz not null default now()
);
comment on table host_politeness is 'One row per host name fetched: when it may next be asked, and any back-off it asked for.';
