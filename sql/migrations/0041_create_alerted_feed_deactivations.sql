-- Which feed deactivations an alert has reported, so each is reported once: a feed that is
-- re-added and fails again gets a new deactivated_at, hence a new alert.
create table alerted_feed_deactivations (
    feed_id         bigint not null references feeds (feed_id) on delete cascade,
    deactivated_at  timestamptz not null,
    -- the channels it went out through: webhook, smtp, or log when none is configured
    channels        text not null,
    alerted_at      timestamptz not null default now(),
    constraint alerted_feed_deactivations_pkey primary key (feed_id, deactivated_at)
);
comment on table alerted_feed_deactivations is
    'One row per feed deactivation reported by a feed-health alert (key feed_id, deactivated_at).';
