-- Copies as the web serves them: containment of the shorter text in the longer, excerpts,
-- chains of copies and pages of several blurbs.
-- copy_signatures keeps every five-word run of the document (word_shingles, compared
-- exactly) and a winnowed sample of them (word_anchors, GIN-indexed: a short excerpt shares
-- anchors with the long text it comes from, which MinHash band keys do not promise), and
-- the skeleton runs themselves. The word MinHash is no longer needed. Features change, so the
-- stored signatures and links are dropped here and rebuilt by the copies stage (version 2).
delete from story_copies;
delete from copy_signatures;
drop index if exists copy_signatures_word_bands_idx;
alter table copy_signatures
    drop column word_minhash,
    drop column word_bands,
    drop column word_shingle_count,
    drop column skeleton_shingle_count,
    add column word_shingles bigint[] not null,
    add column word_anchors bigint[] not null,
    add column skeleton_shingles bigint[] not null,
    -- a page of several stories (its blurbs carry parts of two or more unrelated stories):
    -- no copy of any one of them, its blurbs listed in v_story_copy_blurbs
    add column holds_several_stories boolean not null default false;
create index copy_signatures_word_anchors_idx on copy_signatures using gin (word_anchors);

-- copy_matches: every pair of documents found to be copies of each other (containment of
-- the shorter in the longer), whichever came first; the links in story_copies are derived
-- from these pairs, so a late document that is earlier than its copies re-roots the chain.
create table copy_matches (
    document_id          bigint not null references documents (document_id),
    other_document_id    bigint not null references documents (document_id),
    kind                 text not null,
    score                double precision not null,
    word_similarity      double precision not null,
    quote_similarity     double precision not null,
    number_similarity    double precision not null,
    skeleton_similarity  double precision not null,
    sentence_similarity  double precision not null,
    covered_share        double precision not null,
    -- the shorter of the two: the one carried whole (null when they are alike in length)
    shorter_document_id  bigint references documents (document_id),
    primary key (document_id, other_document_id),
    constraint copy_matches_ordered check (document_id < other_document_id),
    constraint copy_matches_kind_check check (kind in ('exact', 'near_duplicate', 'excerpt', 'spun'))
);
comment on table copy_matches is 'Pairs of documents that copy each other (document_id < other_document_id); story_copies is derived from them.';
create index copy_matches_other_idx on copy_matches (other_document_id);

-- copy_blurbs: paragraphs of a document (a page of several stories) that copy a stored
-- story when the document as a whole does not.
create table copy_blurbs (
    document_id          bigint not null references documents (document_id),
    first_paragraph      integer not null,
    story_document_id    bigint not null references documents (document_id),
    last_paragraph       integer not null,
    word_count           integer not null,
    kind                 text not null,
    score                double precision not null,
    covered_share        double precision not null,
    -- the blurb carries a part of the story (the story is the longer text)
    is_part_of_story     boolean not null,
    document_version_id  bigint not null references document_versions (document_version_id),
    detected_at          timestamptz not null default now(),
    primary key (document_id, first_paragraph, story_document_id),
    constraint copy_blurbs_kind_check check (kind in ('exact', 'near_duplicate', 'excerpt', 'spun')),
    constraint copy_blurbs_not_self check (document_id <> story_document_id)
);
comment on table copy_blurbs is 'Blurbs: paragraph runs of a document that copy a stored story (paragraphs counted from 0, one per line).';
create index copy_blurbs_story_idx on copy_blurbs (story_document_id);

alter table story_copies
    drop constraint story_copies_kind_check,
    add constraint story_copies_kind_check check (kind in ('exact', 'near_duplicate', 'excerpt', 'spun')),
    add column is_partial boolean not null default false,
    add column covered_share double precision not null default 1,
    add column via_document_id bigint references documents (document_id);

-- Every new document's candidates are looked up in these GIN indexes right after its own
-- signature is inserted. With fastupdate on, inserts pile up in a pending list of up to
-- gin_pending_list_limit (4 MB) that every lookup reads in full: the lookup's cost would
-- depend on how long ago the table was vacuumed. Off, each insert puts its ~200 keys in
-- place (about a millisecond) and lookups stay index descents.
alter index copy_signatures_word_anchors_idx set (fastupdate = off);
alter index copy_signatures_skeleton_bands_idx set (fastupdate = off);
alter index copy_signatures_quotes_idx set (fastupdate = off);
