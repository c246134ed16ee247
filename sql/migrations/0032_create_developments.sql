-- Developments (moves of a thread slot), analysts' reviews of them, and each slot's state.
-- A development is keyed by (slot, document version, value): recomputing a slot's timeline
-- (a late article, a new extractor version) updates the row in place and keeps its id, so
-- nothing alerts twice. One that a recomputation no longer yields is marked withdrawn.

create table developments (
    development_id               bigint generated always as identity primary key,
    thread_slot_id               bigint not null references thread_slots (thread_slot_id),
    document_version_id          bigint not null references document_versions (document_version_id),
    value_key                    text not null,
    kind                         text not null,
    value_text                   text not null,
    value_num                    double precision,
    value_low                    double precision,
    qualifier                    text,
    previous_value_key           text,
    previous_value_text          text,
    previous_value_num           double precision,
    previous_value_low           double precision,
    previous_qualifier           text,
    attributed_to                text,
    source_line                  text not null,
    evidence                     text not null,
    ordered_at                   timestamptz not null,
    -- when the development was first seen: never changes, so alerts key on it
    detected_at                  timestamptz not null default now(),
    updated_at                   timestamptz not null default now(),
    withdrawn_at                 timestamptz,
    constraint developments_key unique (thread_slot_id, document_version_id, value_key),
    constraint developments_kind_check
        check (kind in ('new', 'update', 'revision', 'conflict')),
    constraint developments_qualifier_check
        check (qualifier is null or qualifier in ('approx', 'at_least', 'at_most', 'range'))
);
comment on table developments is
    'One row per (thread slot, document version, value) that moved the slot; withdrawn_at set when a recomputation no longer yields it.';
create index developments_slot_idx on developments (thread_slot_id, ordered_at);
create index developments_detected_idx on developments (detected_at);
create index developments_version_idx on developments (document_version_id);

create table development_reviews (
    development_review_id bigint generated always as identity primary key,
    development_id        bigint not null references developments (development_id),
    action                text not null,
    reason                text,
    reviewed_by           text not null,
    reviewed_at           timestamptz not null default now(),
    constraint development_reviews_action_check check (action in ('confirm', 'dismiss', 'reopen'))
);
comment on table development_reviews is
    'One row per analyst review of a development (confirm, dismiss, reopen), with who and when; the latest one is its status.';
create index development_reviews_development_idx on development_reviews (development_id, reviewed_at desc);

create table thread_state (
    thread_slot_id       bigint primary key references thread_slots (thread_slot_id),
    value_key            text not null,
    value_text           text not null,
    value_num            double precision,
    value_low            double precision,
    qualifier            text,
    since                timestamptz not null,
    document_version_id  bigint not null references document_versions (document_version_id),
    source_line          text not null,
    attributed_to        text,
    source_count         integer not null,
    last_observed_at     timestamptz not null,
    computed_at          timestamptz not null default now()
);
comment on table thread_state is 'One row per thread slot with a value: the value as of the latest observation.';
