-- Which developments an alert has reported, so each is reported once: developments keep their
-- ids when a slot is recomputed (see 0032_create_developments.sql), so neither a rerun nor a
-- new extractor version alerts twice.
create table alerted_developments (
    development_id  bigint primary key references developments (development_id),
    -- the channels it went out through: webhook, smtp, or log when none is configured
    channels        text not null,
    alerted_at      timestamptz not null default now()
);
comment on table alerted_developments is
    'One row per development reported by an alert (key development_id).';
