-- Story threads and their slots, as synced from seeds/threads.yml by `storywatch threads sync`.
-- The full definition (match rules, phrases, tolerances) is kept as JSON so the tracker reads
-- exactly what was synced; a thread or slot dropped from the file is deactivated, never
-- deleted, so its developments and reviews stay readable.

create table threads (
    thread_id         bigint generated always as identity primary key,
    slug              text not null,
    title             text not null,
    description       text not null default '',
    definition        jsonb not null,
    definition_sha256 text not null,
    is_active         boolean not null default true,
    created_at        timestamptz not null default now(),
    synced_at         timestamptz not null default now(),
    constraint threads_slug_key unique (slug)
);
comment on table threads is 'One row per story thread (key slug), with its definition as last synced.';

create table thread_slots (
    thread_slot_id bigint generated always as identity primary key,
    thread_id      bigint not null references threads (thread_id),
    slot           text not null,
    slot_type      text not null,
    unit           text,
    description    text not null default '',
    is_active      boolean not null default true,
    constraint thread_slots_key unique (thread_id, slot),
    constraint thread_slots_type_check check (slot_type in ('quantity', 'status', 'text'))
);
comment on table thread_slots is 'One row per fact a thread tracks (key thread_id, slot).';
