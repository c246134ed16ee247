-- entity_mentions.how gains `repeat`: a name the model tagged elsewhere in the article,
-- recurring untagged ("FIFA" in the headline and again in the body).
-- claims.speaker_link gains `announcement`: a quote with no cue of its own, said by the
-- subject of the sentence before it that announces it ("X issued a statement. "...").
alter table entity_mentions drop constraint entity_mentions_how_check;
alter table entity_mentions add constraint entity_mentions_how_check
    check (how in ('ner', 'surname', 'repeat', 'nominal', 'metonym', 'value', 'role',
                   'roles_file', 'pronoun', 'description', 'quote_speaker'));

alter table claims drop constraint claims_speaker_link_check;
alter table claims add constraint claims_speaker_link_check
    check (speaker_link in ('name', 'role', 'roles_file', 'pronoun', 'description',
                            'described', 'announcement', 'continuation', 'carryover'));
comment on column claims.speaker_link is
    'How the speaker was found: name, role, roles_file, pronoun, description, described, announcement (the sentence before the quote announces it), continuation (same quotation), carryover (conversation); null without a speaker.';
