-- robots.txt per origin (scheme, host and port), kept until expires_at (RFC 9309 allows up to a day).
create table robots_cache (
    origin      text primary key,
    -- 'parsed' (body holds the file), 'allow_all' (4xx: no restrictions) or 'disallow_all' (5xx or unreachable)
    verdict     text not null,
    status      integer,
    body        text,
    fetched_at  timestamptz not null,
    expires_at  timestamptz not null,
    constraint robots_cache_verdict_check check (verdict in ('parsed', 'allow_all', 'disallow_all'))
);
comment on table robots_cache is 'One row per origin: its robots.txt (or the verdict when it had none) until expires_at.';
