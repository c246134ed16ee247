-- v_claim_frames: one row per quantity claim (key claim_id) with its frame, the reading of the
-- figure the tracker decides slots on (storywatch/language/frames.py): what kind of figure it
-- is, what it counts, whose it is, where, how it is asserted and when.
drop view if exists v_claim_frames cascade;
create view v_claim_frames as
select
    c.claim_id,
    c.document_version_id,
    v.document_id,
    c.text,
    c.value_num,
    c.value_low,
    c.value_high,
    c.qualifier,
    c.unit,
    c.details -> 'frame' ->> 'kind' as frame_kind,
    c.details -> 'frame' ->> 'counted' as counted,
    c.details -> 'frame' ->> 'owner' as owner,
    c.details -> 'frame' ->> 'owner_via' as owner_via,
    c.details -> 'frame' ->> 'place' as place,
    coalesce(c.details -> 'frame' ->> 'modality', 'asserted') as modality,
    c.details -> 'frame' ->> 'tense' as tense,
    c.details -> 'frame' ->> 'time_text' as time_text,
    c.details -> 'frame' ->> 'share_of' as share_of,
    c.attributed_to,
    c.evidence,
    c.sentence_index,
    v.published_at,
    c.extractor_version
from claims as c
join document_versions as v on v.document_version_id = c.document_version_id
where c.kind = 'quantity';
comment on view v_claim_frames is
    'One row per quantity claim (key claim_id): the frame the tracker reads (kind of figure, counted thing, owner, place, modality, time).';
comment on column v_claim_frames.frame_kind is 'total (a count), measure (kg, percent, ...), share ("60% of the units"), per_unit ("groups of up to 800 each"), change ("5,000 more", "up 40 kg") or previous (the earlier value of a change). Only total and measure fill a slot.';
comment on column v_claim_frames.counted is 'What the figure counts, as a class lemma (troops, soldiers, forces, personnel and servicemen are all "troop"), or the canonical unit of a measure (kg, percent).';
comment on column v_claim_frames.owner is 'Whose the figure is, from the parse: possessor ("Russia''s troops"), modifier ("Russian troops"), "of" phrase, or the subject that has, masses or sends them. Null when the text does not say.';
comment on column v_claim_frames.owner_via is 'How the owner was read: possessor, modifier, of, subject.';
comment on column v_claim_frames.modality is 'asserted, projected ("could reach"), conditional ("if"), negated, question or required ("needed for a weapon").';
comment on column v_claim_frames.tense is 'past, present, future, or past_perfect (background: "had massed").';
comment on column v_claim_frames.share_of is 'For a share: the whole it is a share of.';
