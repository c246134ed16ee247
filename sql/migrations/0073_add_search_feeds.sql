-- Search feeds: a thread's discovery query run against a search endpoint's RSS/Atom template
-- (STORYWATCH_DISCOVERY_URLS). They are polled like any feed; `kind`, `thread_slug`,
-- `query` and `template` say where one came from, and an entry a search feed lists is
-- fetched only when the thread's relevance rules accept its title and summary (otherwise
-- the item is kept as 'irrelevant', never fetched).

alter table feeds
    add column kind text not null default 'feed',
    add column thread_slug text,
    add column query text,
    add column template text,
    add constraint feeds_kind_check check (kind in ('feed', 'search')),
    add constraint feeds_search_origin_check check (
        kind = 'feed' or (thread_slug is not null and query is not null and template is not null));
comment on column feeds.kind is 'feed: added by a user (feeds add, import, feeds.yml); search: a thread''s discovery query.';
comment on column feeds.thread_slug is 'The thread whose discover: query this search feed runs (search feeds only).';
comment on column feeds.query is 'The search query, as written in threads.yml or built from the seed article''s entities.';
comment on column feeds.template is 'The STORYWATCH_DISCOVERY_URLS template (or preset name) the query was substituted into.';

alter table feed_items drop constraint feed_items_status_check;
alter table feed_items add constraint feed_items_status_check
    check (status in ('pending', 'stored', 'failed', 'irrelevant'));
