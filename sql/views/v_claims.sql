-- v_claims: one row per claim (key: claim_id): quotes, reported speech, quantities and
-- statuses, with who asserts them and the sentence that carries them.
drop view if exists v_claims cascade;
create view v_claims as
select
    c.claim_id,
    c.document_version_id,
    v.document_id,
    c.kind,
    coalesce(e.name, c.speaker_text) as speaker,
    c.speaker_entity_id,
    c.speaker_link,
    c.speaker_institution,
    c.attribution,
    c.attributed_to,
    c.reporting_verb,
    c.text,
    c.value_num,
    c.value_low,
    c.value_high,
    c.unit,
    c.qualifier,
    c.negated,
    c.modality,
    c.subject,
    c.predicate,
    c.details,
    c.evidence,
    c.sentence_index,
    c.start_char,
    c.end_char,
    v.published_at,
    c.extractor_version
from claims as c
join document_versions as v on v.document_version_id = c.document_version_id
left join entities as e on e.entity_id = c.speaker_entity_id;
comment on view v_claims is
    'One row per claim (key claim_id): kind (quote, reported_speech, quantity, status), speaker, values and evidence sentence.';
comment on column v_claims.speaker is 'Canonical entity or described source ("a U.S. official"); null when the narrator asserts it.';
comment on column v_claims.details is 'Further fields of the rule that found the claim (previous_value, time_text, per_unit, tense, ...).';
comment on column v_claims.attributed_to is 'Who asserts the claim: the speaker, the cited source, or the outlet for the narrator.';
comment on column v_claims.speaker_link is 'How the speaker was found: name, role, roles_file (seeds/roles.yml by date), pronoun, description, described, continuation, carryover.';
comment on column v_claims.speaker_institution is 'The institution the speaker speaks for (a spokesman''s ministry), when known.';
