-- Figure readings: for every quantity claim of a relevant version and every quantity slot of
-- the thread, whether the tracker took the figure as the slot's value, and if not, why ("a
-- share of the units, not a total", "the figure is us's (The Pentagon), not russia's"). The
-- track stage replaces a version's rows whenever it reads the version again.
create table figure_readings (
    document_version_id bigint not null references document_versions (document_version_id),
    thread_slot_id      bigint not null references thread_slots (thread_slot_id),
    -- the claim read; claims are replaced by a new extractor version, so no key (as observations)
    claim_id            bigint not null,
    taken               boolean not null,
    reason              text,
    constraint figure_readings_key primary key (document_version_id, thread_slot_id, claim_id),
    constraint figure_readings_reason_check check (taken or reason is not null)
);
comment on table figure_readings is 'Whether each figure of a relevant version filled each quantity slot of its thread, and why not.';
comment on column figure_readings.reason is 'Why the figure was set aside (null when taken).';
