-- Full-text search over stored articles (`storywatch search`): a GIN index on the same
-- expression the search query uses, so a search is an index scan, not a read of every body.
-- The first 200,000 characters are indexed: a tsvector is capped at 1 MB, and a hostile
-- multi-megabyte body must not make its version impossible to store.
create index document_versions_search_idx on document_versions using gin (
    to_tsvector('english'::regconfig, coalesce(title, '') || ' ' || left(body, 200000))
);
