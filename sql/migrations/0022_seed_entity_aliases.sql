-- A small, checkable set of aliases: common abbreviations and other names of entities
-- the threads follow, and names the small model types wrongly on its own.
with seed (name, type, alias, note) as (
    values
        ('United States', 'GPE', 'US', null),
        ('United States', 'GPE', 'U.S.', null),
        ('United States', 'GPE', 'USA', null),
        ('United States', 'GPE', 'America', 'the country; "American" stays a NORP group'),
        ('United States', 'GPE', 'United States of America', null),
        ('United Kingdom', 'GPE', 'UK', null),
        ('United Kingdom', 'GPE', 'U.K.', null),
        ('United Kingdom', 'GPE', 'Britain', null),
        ('United Kingdom', 'GPE', 'Great Britain', null),
        ('Soviet Union', 'GPE', 'USSR', null),
        ('Kyiv', 'GPE', 'Kiev', 'older transliteration'),
        ('Kyiv', 'GPE', 'Kyiv', 'the model sometimes calls it a person'),
        ('the West', 'LOC', 'West', 'the geopolitical West'),
        ('Caucasus', 'LOC', 'Caucasus', 'the model calls it a NORP group'),
        ('European Union', 'ORG', 'EU', null),
        ('European Union', 'ORG', 'E.U.', null),
        ('United Nations', 'ORG', 'UN', null),
        ('United Nations', 'ORG', 'U.N.', null),
        ('NATO', 'ORG', 'North Atlantic Treaty Organization', null),
        ('International Atomic Energy Agency', 'ORG', 'IAEA', null),
        ('Russian Ministry of Defence', 'ORG', 'Russian Defense Ministry', null),
        ('Russian Ministry of Defence', 'ORG', 'Russian Defence Ministry', null),
        ('Russian Ministry of Defence', 'ORG', 'Russian Ministry of Defense', null),
        ('Russian Ministry of Defence', 'ORG', 'Russian Ministry of Defence', null),
        ('US Department of State', 'ORG', 'State Department', null),
        ('US Department of State', 'ORG', 'US State Department', null),
        ('Twitter', 'ORG', 'Twitter', 'the model calls it a person')
),
inserted as (
    insert into entities (name, type)
    select distinct name, type from seed
    on conflict (name_key, type) do nothing
    returning entity_id, name_key, type
)
insert into entity_aliases (alias, entity_id, origin, note)
select s.alias, e.entity_id, 'seed', s.note
from seed as s
join (
    select entity_id, name_key, type from inserted
    union
    select entity_id, name_key, type from entities
) as e on e.name_key = storywatch_name_key(s.name) and e.type = s.type
on conflict (alias_key) do nothing;
