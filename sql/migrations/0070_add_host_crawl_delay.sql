-- A robots.txt Crawl-delay longer than STORYWATCH_HOST_INTERVAL becomes the host's interval,
-- for every worker, until the robots.txt entry that asked for it expires.
alter table host_politeness
    add column crawl_delay       double precision,
    add column crawl_delay_until timestamptz,
    add constraint host_politeness_crawl_delay_check check (crawl_delay >= 0);
comment on column host_politeness.crawl_delay is 'Seconds between requests asked by the host''s robots.txt (Crawl-delay), in force until crawl_delay_until.';
-- Entries cached before Crawl-delay was read are fetched again, so their delay is applied.
update robots_cache set expires_at = least(expires_at, now());
