-- Canonical entities, the aliases analysts extend, and mentions per document version.
-- A name is matched through storywatch_name_key(): case, periods, curly apostrophes,
-- a leading "the" and repeated spaces do not make two names differ.

create function storywatch_name_key(name text) returns text
language sql immutable parallel safe
as $$
    select regexp_replace(
        regexp_replace(lower(btrim(translate(name, '’‘.', ''''''))), '^the\s+', ''),
        '\s+', ' ', 'g')
$$;
comment on function storywatch_name_key(text) is
    'The matching key of an entity name or alias: lower case, no periods, no leading "the".';

create table entities (
    entity_id  bigint generated always as identity primary key,
    name       text not null,
    type       text not null,
    name_key   text generated always as (storywatch_name_key(name)) stored,
    created_at timestamptz not null default now(),
    constraint entities_name_type_key unique (name_key, type),
    constraint entities_type_check check (type in ('PERSON', 'ORG', 'GPE', 'LOC', 'NORP')),
    constraint entities_name_check check (btrim(name) <> '')
);
comment on table entities is 'One row per canonical entity (a person, organisation, place or group) across the corpus.';

create table entity_aliases (
    alias      text not null,
    alias_key  text generated always as (storywatch_name_key(alias)) stored,
    entity_id  bigint not null references entities (entity_id) on delete cascade,
    origin     text not null default 'analyst',
    note       text,
    created_at timestamptz not null default now(),
    constraint entity_aliases_pkey primary key (alias_key),
    constraint entity_aliases_origin_check check (origin in ('seed', 'analyst')),
    constraint entity_aliases_alias_check check (btrim(alias) <> '')
);
comment on table entity_aliases is
    'Other names of an entity (alias text -> canonical entity). Analysts add rows: '
    'insert into entity_aliases (alias, entity_id) values (...); versions processed '
    'afterwards use them.';
create index entity_aliases_entity_idx on entity_aliases (entity_id);

create table entity_mentions (
    document_version_id bigint not null references document_versions (document_version_id),
    start_char          integer not null,
    end_char            integer not null,
    -- null for a kept date or amount (type DATE, MONEY, ...), which names no entity
    entity_id           bigint references entities (entity_id),
    type                text not null,
    -- the model's own label, before article-level fixes ('' when the model missed the span)
    label               text not null,
    -- ner (the model's span), surname (a surname of a full name in the article),
    -- nominal (a role phrase naming a person), metonym (Washington, the Kremlin), value
    how                 text not null,
    text                text not null,
    sentence_index      integer not null,
    extractor_version   text not null,
    constraint entity_mentions_pkey primary key (document_version_id, start_char, end_char),
    constraint entity_mentions_offsets_check check (0 <= start_char and start_char < end_char),
    constraint entity_mentions_how_check
        check (how in ('ner', 'surname', 'nominal', 'metonym', 'value')),
    constraint entity_mentions_entity_check check ((entity_id is null) = (how = 'value'))
);
comment on table entity_mentions is
    'One row per mention of an entity (or a date/amount a claim needs) in a document version.';
create index entity_mentions_entity_idx on entity_mentions (entity_id);
-- Surname look-ups ("Raisi" -> "Ebrahim Raisi") go through the last word of a name.
create index entities_last_word_idx on entities (type, (regexp_replace(name_key, '^.* ', '')));
