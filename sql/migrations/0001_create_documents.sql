-- Sources, documents (one per article identity) and document versions (one per distinct text).
-- Every write in the package is an insert ... on conflict against the keys below,
-- so rerunning any stage never duplicates a row.

create table sources (
    source_id    bigint generated always as identity primary key,
    name         text not null,
    homepage_url text,
    created_at   timestamptz not null default now(),
    constraint sources_name_key unique (name)
);
comment on table sources is 'One row per publisher or origin named by an article file or a feed.';

create table documents (
    document_id       bigint generated always as identity primary key,
    -- canonical URL for fetched articles; for a local file its url, else its path
    -- relative to the folder ingested (DESIGN.md: article files).
    identity          text not null,
    url               text,
    source_id         bigint references sources (source_id),
    origin            text not null,
    first_seen_at     timestamptz not null default now(),
    removed_at        timestamptz,
    removal_reason    text,
    constraint documents_identity_key unique (identity),
    constraint documents_origin_check check (origin in ('file', 'feed_item', 'page'))
);
comment on table documents is 'One row per article identity; its texts are in document_versions.';

create table document_versions (
    document_version_id bigint generated always as identity primary key,
    document_id         bigint not null references documents (document_id),
    version_no          integer not null,
    -- sha256 of the stored body: identifies the text exactly
    content_sha256      text not null,
    -- sha256 of the folded text (whitespace, punctuation, quote styles): equal means "same article text"
    fingerprint         text not null,
    title               text,
    body                text not null,
    author              text,
    published_at        timestamptz,
    -- where published_at came from; 'missing' means ordering falls back to fetched_at
    published_at_source text not null,
    fetched_at          timestamptz not null default now(),
    -- the time the timeline uses: publication time, or ingestion time when none is known
    ordered_at          timestamptz generated always as (coalesce(published_at, fetched_at)) stored,
    constraint document_versions_no_key unique (document_id, version_no),
    constraint document_versions_version_no_check check (version_no >= 1),
    constraint document_versions_published_source_check
        check (published_at_source in ('metadata', 'feed', 'page', 'missing')),
    constraint document_versions_published_consistent
        check ((published_at is null) = (published_at_source = 'missing'))
);
comment on table document_versions is 'One row per distinct text of a document, numbered from 1.';
create index document_versions_content_idx on document_versions (document_id, content_sha256);
create index document_versions_ordered_at_idx on document_versions (ordered_at);

-- Per-item failures of any stage, so a batch can go on and the reason stays readable.
create table item_errors (
    item_error_id bigint generated always as identity primary key,
    stage         text not null,
    item          text not null,
    message       text not null,
    occurred_at   timestamptz not null default now()
);
comment on table item_errors is 'One row per failed item of a batch (a file, a feed, a page, a version).';
create index item_errors_stage_idx on item_errors (stage, occurred_at desc);
