-- Articles fetched from the web are revisited on a schedule that slows as they age, to catch
-- edits and removals. tracked_articles holds the schedule; document_events the history of
-- removals and returns (documents.removed_at says whether an article is removed now).

create table tracked_articles (
    document_id      bigint primary key references documents (document_id),
    fetch_url        text not null,
    -- the age the schedule uses: publication time, or first sight when it is unknown or later
    born_at          timestamptz not null,
    etag             text,
    last_modified    text,
    last_fetched_at  timestamptz,
    last_status      integer,
    last_error       text,
    error_count      integer not null default 0,
    -- null once the article is old enough to stop revisiting
    next_fetch_at    timestamptz,
    claimed_until    timestamptz,
    constraint tracked_articles_error_count_check check (error_count >= 0)
);
comment on table tracked_articles is 'One row per fetched article that storywatch revisit re-fetches to catch edits.';
create index tracked_articles_due_idx on tracked_articles (next_fetch_at) where next_fetch_at is not null;

create table document_events (
    document_event_id  bigint generated always as identity primary key,
    document_id        bigint not null references documents (document_id),
    -- 'removed': 404/410 or a redirect elsewhere; 'restored': it answered with the article again
    kind               text not null,
    http_status        integer,
    final_url          text,
    reason             text not null,
    occurred_at        timestamptz not null default now(),
    constraint document_events_kind_check check (kind in ('removed', 'restored'))
);
comment on table document_events is 'One row per change of an article''s availability (removed, restored), in time order.';
create index document_events_document_idx on document_events (document_id, occurred_at);
