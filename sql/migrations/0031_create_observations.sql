-- What the tracker read in each document version: its relevance to each thread, and the
-- slot values it reports (observations). Both are rewritten whole for a version whenever
-- the tracking stage reprocesses it (new extractor version, changed thread definitions).

create table thread_relevance (
    document_version_id bigint not null references document_versions (document_version_id),
    thread_id           bigint not null references threads (thread_id),
    score               real not null,
    is_relevant         boolean not null,
    -- [[term, mentions], ...] and [[entity, mentions], ...]: why the score is what it is
    matched_terms       jsonb not null default '[]',
    matched_entities    jsonb not null default '[]',
    reason              text not null,
    computed_at         timestamptz not null default now(),
    constraint thread_relevance_pkey primary key (document_version_id, thread_id),
    constraint thread_relevance_score_check check (score between 0 and 1)
);
comment on table thread_relevance is
    'One row per (document version, thread): relevance score 0-1, whether it counts, and the matched terms.';
create index thread_relevance_thread_idx on thread_relevance (thread_id, is_relevant);

create table observations (
    observation_id      bigint generated always as identity primary key,
    thread_slot_id      bigint not null references thread_slots (thread_slot_id),
    document_version_id bigint not null references document_versions (document_version_id),
    -- identity of the value: the canonical state, or qualifier:low:num for a figure
    value_key           text not null,
    value_text          text not null,
    value_num           double precision,
    value_low           double precision,
    qualifier           text,
    state               text,
    -- who asserts it (a speaker, a cited source, or the outlet for its own narration)
    attributed_to       text,
    -- the party the attribution names (us, russia, ...), when threads.yml knows it
    party               text,
    -- whose line of figures this is: a party, a named source, or the outlet
    source_line         text not null,
    evidence            text not null,
    sentence_index      integer not null,
    -- the claim it was read from; claims are replaced by a new extractor version, so no key
    claim_id            bigint,
    created_at          timestamptz not null default now(),
    constraint observations_key unique (thread_slot_id, document_version_id, source_line),
    constraint observations_qualifier_check
        check (qualifier is null or qualifier in ('approx', 'at_least', 'at_most', 'range'))
);
comment on table observations is
    'One row per value a document version reports for a thread slot, per source line (key thread_slot_id, document_version_id, source_line).';
create index observations_version_idx on observations (document_version_id);
