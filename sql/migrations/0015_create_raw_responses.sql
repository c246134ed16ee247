-- The raw HTTP response behind each stored page version, compressed, so extraction can be
-- rerun when the extractor improves. Bodies older than the retention setting are purged
-- (body_gz set to null, purged_at set); the metadata row stays.

create table raw_responses (
    document_version_id  bigint primary key references document_versions (document_version_id),
    requested_url        text not null,
    final_url            text not null,
    status               integer not null,
    content_type         text,
    headers              jsonb not null,
    -- gzip of the exact bytes received (after transfer decoding)
    body_gz              bytea,
    body_bytes           integer not null,
    body_sha256          text not null,
    fetched_at           timestamptz not null,
    purged_at            timestamptz,
    constraint raw_responses_purged_check check ((body_gz is null) = (purged_at is not null))
);
comment on table raw_responses is 'One row per page version stored from HTTP: the response it came from, gzip-compressed.';
create index raw_responses_fetched_idx on raw_responses (fetched_at) where body_gz is not null;
