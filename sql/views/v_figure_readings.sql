-- v_figure_readings: one row per (version, quantity slot, figure): whether the tracker took the
-- figure as the slot's value, and if not why, beside the figure's frame (v_claim_frames).
drop view if exists v_figure_readings cascade;
create view v_figure_readings as
select
    r.document_version_id,
    t.slug as thread_slug,
    s.slot,
    r.claim_id,
    f.text,
    f.value_num,
    f.frame_kind,
    f.counted,
    f.owner,
    f.modality,
    f.tense,
    r.taken,
    r.reason,
    f.evidence,
    f.published_at
from figure_readings as r
join thread_slots as s on s.thread_slot_id = r.thread_slot_id
join threads as t on t.thread_id = s.thread_id
left join v_claim_frames as f on f.claim_id = r.claim_id;
comment on view v_figure_readings is
    'One row per (version, quantity slot, figure): taken as the slot''s value or not, why, and the figure''s frame.';
comment on column v_figure_readings.reason is 'Why the figure was set aside: its kind (share, change, ...), owner, modality, time, or what it counts.';
