-- Coreference of people and the institutions speakers speak for.
-- entity_mentions.how gains the ways a mention that is not a name links to its person:
--   role         a role phrase the article gives to one named person ("the judge")
--   roles_file   a role phrase resolved through seeds/roles.yml by the publication date
--   pronoun      he/she/him/her/his/... linked to the most salient compatible person
--   description  "the 31-year-old", "the Italian": the person just talked about
--   quote_speaker  "I", "me", "my" inside a quote: its speaker
alter table entity_mentions drop constraint entity_mentions_how_check;
alter table entity_mentions add constraint entity_mentions_how_check
    check (how in ('ner', 'surname', 'nominal', 'metonym', 'value', 'role', 'roles_file',
                   'pronoun', 'description', 'quote_speaker'));

-- claims: how the speaker was linked, and the institution the speaker speaks for
-- ("Delhi Police" for its spokesman; from the article, else from seeds/roles.yml).
alter table claims add column speaker_link text;
alter table claims add column speaker_institution text;
alter table claims add constraint claims_speaker_link_check
    check (speaker_link in ('name', 'role', 'roles_file', 'pronoun', 'description',
                            'described', 'continuation', 'carryover'));
comment on column claims.speaker_link is
    'How the speaker was found: name, role, roles_file, pronoun, description, described, continuation (same quotation), carryover (conversation); null without a speaker.';
comment on column claims.speaker_institution is
    'The institution the speaker speaks for (a spokesman''s ministry), when the article or seeds/roles.yml says.';
