-- Feeds to poll and the items seen in each, with the state the adaptive schedule needs.
-- A feed is keyed by its URL; an item by (feed, item_key): the GUID, else the canonical link.

create table feeds (
    feed_id             bigint generated always as identity primary key,
    url                 text not null,
    name                text,
    -- validators and body hash of the last 200 answer: conditional GET plus a content check,
    -- because some servers send stale validators (or none) for an unchanged body
    etag                text,
    last_modified       text,
    body_sha256         text,
    last_polled_at      timestamptz,
    -- HTTP status of the last poll; null when it failed before any answer (timeout, refused address)
    last_status         integer,
    last_error          text,
    error_count         integer not null default 0,
    poll_interval       interval not null default interval '30 minutes',
    next_poll_at        timestamptz not null default now(),
    active              boolean not null default true,
    deactivated_at      timestamptz,
    deactivated_reason  text,
    -- a poll in progress holds the feed until this time, so two workers never poll it together
    claimed_until       timestamptz,
    created_at          timestamptz not null default now(),
    constraint feeds_url_key unique (url),
    constraint feeds_error_count_check check (error_count >= 0),
    constraint feeds_poll_interval_check check (poll_interval > interval '0')
);
comment on table feeds is 'One row per feed (RSS, Atom or JSON Feed) polled by storywatch poll.';
create index feeds_due_idx on feeds (next_poll_at) where active;

create table feed_items (
    feed_id             bigint not null references feeds (feed_id) on delete cascade,
    -- the entry's GUID/id, else its normalised link, else a hash of its title and summary
    item_key            text not null,
    link                text,
    title               text,
    summary             text,
    author              text,
    published_at        timestamptz,
    first_seen_at       timestamptz not null default now(),
    -- 'pending': its page is still to fetch; 'stored': document_id holds it;
    -- 'failed': given up (the reason is in last_error and item_errors)
    status              text not null default 'pending',
    document_id         bigint references documents (document_id),
    attempts            integer not null default 0,
    last_error          text,
    constraint feed_items_pkey primary key (feed_id, item_key),
    constraint feed_items_status_check check (status in ('pending', 'stored', 'failed'))
);
comment on table feed_items is 'One row per entry seen in a feed; new entries are the ones not yet here.';
create index feed_items_pending_idx on feed_items (feed_id, first_seen_at) where status = 'pending';
create index feed_items_document_idx on feed_items (document_id);
