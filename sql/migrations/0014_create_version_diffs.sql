-- What changed between a document version and the one before it, written in the same
-- transaction as the version (store.store_article), so a version never lacks its diff.

create table version_diffs (
    document_version_id  bigint primary key references document_versions (document_version_id),
    previous_version_id  bigint not null references document_versions (document_version_id),
    title_changed        boolean not null,
    sentences_added      integer not null,
    sentences_removed    integer not null,
    added_sentences      text[] not null,
    removed_sentences    text[] not null,
    unified_diff         text not null,
    -- only date lines, whitespace, quote styles or re-encoding differ: analysts may hide it
    is_trivial           boolean not null,
    created_at           timestamptz not null default now(),
    constraint version_diffs_counts_check check (sentences_added >= 0 and sentences_removed >= 0)
);
comment on table version_diffs is 'One row per document version after the first: its changes from the previous version.';
