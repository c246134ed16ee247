-- Copies and syndication. copy_signatures keeps, per document, the features of its latest
-- processed version (MinHash of word shingles, shingles of its quotations, its numbers, its
-- proper-noun skeleton and its sentences) with LSH band keys for candidate search through
-- GIN indexes (built in, no extension).
-- story_copies links a document to the earliest document it copies.

create table copy_signatures (
    document_id          bigint primary key references documents (document_id),
    document_version_id  bigint not null references document_versions (document_version_id),
    -- earliest publication (else first fetch) time of the document: "earliest" means this
    ordered_at           timestamptz not null,
    body_fold_sha256     text not null,
    word_count           integer not null,
    word_shingle_count   integer not null,
    word_minhash         bigint[] not null,
    word_bands           bigint[] not null,
    skeleton_shingle_count integer not null,
    skeleton_minhash     bigint[] not null,
    skeleton_bands       bigint[] not null,
    quote_shingles       bigint[] not null,
    numbers              text[] not null,
    sentence_hashes      bigint[] not null
);
comment on table copy_signatures is 'One row per document: similarity features of its latest processed version.';
create index copy_signatures_word_bands_idx on copy_signatures using gin (word_bands);
create index copy_signatures_skeleton_bands_idx on copy_signatures using gin (skeleton_bands);
create index copy_signatures_quotes_idx on copy_signatures using gin (quote_shingles);
create index copy_signatures_fold_idx on copy_signatures (body_fold_sha256);

create table story_copies (
    document_id          bigint primary key references documents (document_id),
    copy_of_document_id  bigint not null references documents (document_id),
    kind                 text not null,
    score                double precision not null,
    word_similarity      double precision not null,
    quote_similarity     double precision not null,
    number_similarity    double precision not null,
    skeleton_similarity  double precision not null,
    sentence_similarity  double precision not null,
    -- the version of the copying document that was compared
    document_version_id  bigint not null references document_versions (document_version_id),
    detected_at          timestamptz not null default now(),
    constraint story_copies_kind_check check (kind in ('exact', 'near_duplicate', 'spun')),
    constraint story_copies_score_check check (score >= 0 and score <= 1),
    constraint story_copies_not_self check (document_id <> copy_of_document_id)
);
comment on table story_copies is 'One row per document that copies an earlier one: the earliest document it copies.';
create index story_copies_copy_of_idx on story_copies (copy_of_document_id);
