-- v_entities: one row per (document version, entity) (key: document_version_id, entity_id),
-- for analysts asking who and what an article mentions and how often.
drop view if exists v_entities cascade;
create view v_entities as
with mentions as (
    select
        m.document_version_id,
        m.entity_id,
        count(*) filter (where m.how in ('ner', 'surname', 'repeat', 'nominal', 'metonym',
                                          'roles_file'))
            as mention_count,
        count(*) filter (where m.how in ('ner', 'surname', 'repeat', 'metonym')) as name_count,
        count(*) filter (where m.how in ('role', 'pronoun', 'description', 'quote_speaker'))
            as linked_count,
        min(m.start_char) as first_char,
        min(m.sentence_index) as first_sentence_index,
        array_agg(distinct m.text order by m.text) as surface_forms
    from entity_mentions as m
    where m.entity_id is not null
    group by m.document_version_id, m.entity_id
)
select
    mentions.document_version_id,
    v.document_id,
    mentions.entity_id,
    e.name as entity,
    e.type,
    mentions.mention_count,
    mentions.name_count,
    mentions.linked_count,
    mentions.first_sentence_index,
    mentions.first_char,
    mentions.surface_forms
from mentions
join entities as e on e.entity_id = mentions.entity_id
join document_versions as v on v.document_version_id = mentions.document_version_id;
comment on view v_entities is
    'One row per document version and entity (key document_version_id, entity_id): canonical name, type and mention count.';
comment on column v_entities.entity is 'Canonical name (aliases and surnames resolved; see entity_aliases).';
comment on column v_entities.surface_forms is 'The distinct texts that mention the entity in this version.';
comment on column v_entities.mention_count is 'Mentions by name or surname, by a role phrase with its country ("Iran''s foreign minister"), or by a role seeds/roles.yml resolves; other linked mentions are in linked_count.';
comment on column v_entities.linked_count is 'Role phrases and appositions ("the judge"), pronouns, descriptions ("the 31-year-old") and first-person words in its quotes linked to the entity (entity_mentions.how says how).';
