-- Claims of each document version: quotes, reported speech, quantities and statuses,
-- each with the sentence that carries it and who asserts it.
create table claims (
    claim_id            bigint generated always as identity primary key,
    document_version_id bigint not null references document_versions (document_version_id),
    kind                text not null,
    start_char          integer not null,
    end_char            integer not null,
    text                text not null,
    -- who asserts it: an entity, or a described source ('a U.S. official')
    speaker_entity_id   bigint references entities (entity_id),
    speaker_text        text,
    -- speaker (said it), cited_source ('according to ...'), narrator (the outlet), unattributed
    attribution         text not null,
    attributed_to       text,
    reporting_verb      text,
    value_num           double precision,
    value_low           double precision,
    value_high          double precision,
    unit                text,
    qualifier           text,
    negated             boolean,
    modality            text,
    subject             text,
    predicate           text,
    -- what else the rules said: unit_kind, measured, per_unit, previous_value, vague,
    -- time_text, tense, object, reported_by, ... (keys absent when empty)
    details             jsonb not null default '{}',
    evidence            text not null,
    sentence_index      integer not null,
    extractor_version   text not null,
    created_at          timestamptz not null default now(),
    constraint claims_natural_key unique (document_version_id, kind, start_char, end_char),
    constraint claims_kind_check
        check (kind in ('quote', 'reported_speech', 'quantity', 'status')),
    constraint claims_attribution_check
        check (attribution in ('speaker', 'cited_source', 'narrator', 'unattributed')),
    constraint claims_qualifier_check
        check (qualifier is null or qualifier in ('approx', 'at_least', 'at_most', 'range')),
    constraint claims_offsets_check check (0 <= start_char and start_char <= end_char)
);
comment on table claims is
    'One row per claim of a document version; rewritten when the extractor version changes.';
create index claims_speaker_idx on claims (speaker_entity_id);
create index claims_kind_idx on claims (kind, document_version_id);

-- What the extractor made of each version as a whole: the model, what was parsed, and
-- how much the text reads like synonym-substituted ("spun") copy.
create table version_extractions (
    document_version_id bigint primary key references document_versions (document_version_id),
    extractor_version   text not null,
    model               text not null,
    chars_parsed        integer not null,
    truncated           boolean not null,
    -- 0 = reads like ordinary copy, 1 = dense with synonym-spinner substitutions
    spin_score          real not null,
    spin_terms          text[] not null,
    processed_at        timestamptz not null default now(),
    constraint version_extractions_spin_check check (spin_score between 0 and 1)
);
comment on table version_extractions is
    'One row per processed document version: model, parsed length, spin score and its evidence terms.';
