"""Storing one version's extraction: canonical entities, mentions, claims, spin.

Article-level names become corpus-level entities here, in this order: an
alias in `entity_aliases` (analysts extend it), an entity of the same name and
type, a person whose surname the name is ("Raisi" -> "Ebrahim Raisi", also when
the model typed the bare surname as a place), else a new entity.

Rewriting is atomic inside the stage's savepoint. Mentions are deleted and
inserted; claims are upserted on their natural key (version, kind, span) and
the ones no longer found are deleted, so a rerun with the same extractor
version changes no row and keeps every claim_id, and a new extractor version
replaces exactly that version's rows.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from psycopg2.extras import Json

from storywatch.language.analysis import Extraction
from storywatch.language.claims import Claim
from storywatch.language.entities import Mention
from storywatch.store.db import Connection, insert_rows

# Everything the resolution needs about a set of names, in one round trip: each name's
# key, and the aliases, same-key entities and surname holders that match it.
NAME_MATCHES = """
with keyed as (
    select name, storywatch_name_key(name) as key
    from unnest(%s::text[]) as wanted (name)
)
select k.name, k.key, 'alias' as how, e.entity_id, e.type
from keyed as k
join entity_aliases as a on a.alias_key = k.key
join entities as e on e.entity_id = a.entity_id
union all
select k.name, k.key, 'entity', e.entity_id, e.type
from keyed as k
join entities as e on e.name_key = k.key
union all
select k.name, k.key, 'surname', holder.entity_id, 'PERSON'
from keyed as k
cross join lateral (
    -- two holders at most: a surname resolves only when one person holds it, and a large
    -- corpus has thousands of people sharing a common one
    select e.entity_id from entities as e
    where e.type = 'PERSON'
      and regexp_replace(e.name_key, '^.* ', '') = k.key
      and position(' ' in e.name_key) > 0
    limit 2
) as holder
where position(' ' in k.key) = 0
union all
select k.name, k.key, 'key', null, null
from keyed as k
"""
# One lock for creating entities ("ent1"), held to the end of the transaction.
ENTITY_CREATION_LOCK_KEY = 0x656E7431
LOCK_ENTITY_CREATION = "select pg_advisory_xact_lock(%s)"
INSERT_ENTITY = """
insert into entities (name, type) values (%s, %s)
on conflict (name_key, type) do nothing
"""
ENTITY_ID = "select entity_id from entities where name_key = storywatch_name_key(%s) and type = %s"
ENTITY_NAMES = "select entity_id, name from entities where entity_id = any(%s)"
OUTLET = """
select s.name
from document_versions as v
join documents as d on d.document_id = v.document_id
left join sources as s on s.source_id = d.source_id
where v.document_version_id = %s
"""
DELETE_MENTIONS = "delete from entity_mentions where document_version_id = %s"
INSERT_MENTIONS = """
insert into entity_mentions (
    document_version_id, start_char, end_char, entity_id, type, label, how, text,
    sentence_index, extractor_version
) values %s
on conflict (document_version_id, start_char, end_char) do nothing
"""
UPSERT_CLAIMS = """
insert into claims (
    document_version_id, kind, start_char, end_char, text, speaker_entity_id, speaker_text,
    attribution, attributed_to, reporting_verb, value_num, value_low, value_high, unit,
    qualifier, negated, modality, subject, predicate, details, evidence, sentence_index,
    extractor_version, speaker_link, speaker_institution
) values %s
on conflict (document_version_id, kind, start_char, end_char) do update set
    text = excluded.text,
    speaker_entity_id = excluded.speaker_entity_id,
    speaker_text = excluded.speaker_text,
    attribution = excluded.attribution,
    attributed_to = excluded.attributed_to,
    reporting_verb = excluded.reporting_verb,
    value_num = excluded.value_num,
    value_low = excluded.value_low,
    value_high = excluded.value_high,
    unit = excluded.unit,
    qualifier = excluded.qualifier,
    negated = excluded.negated,
    modality = excluded.modality,
    subject = excluded.subject,
    predicate = excluded.predicate,
    details = excluded.details,
    evidence = excluded.evidence,
    sentence_index = excluded.sentence_index,
    extractor_version = excluded.extractor_version,
    speaker_link = excluded.speaker_link,
    speaker_institution = excluded.speaker_institution
where (
    claims.text, claims.speaker_entity_id, claims.speaker_text, claims.attribution,
    claims.attributed_to, claims.reporting_verb, claims.value_num, claims.value_low,
    claims.value_high, claims.unit, claims.qualifier, claims.negated, claims.modality,
    claims.subject, claims.predicate, claims.details, claims.evidence, claims.sentence_index,
    claims.extractor_version, claims.speaker_link, claims.speaker_institution
) is distinct from (
    excluded.text, excluded.speaker_entity_id, excluded.speaker_text, excluded.attribution,
    excluded.attributed_to, excluded.reporting_verb, excluded.value_num, excluded.value_low,
    excluded.value_high, excluded.unit, excluded.qualifier, excluded.negated,
    excluded.modality, excluded.subject, excluded.predicate, excluded.details,
    excluded.evidence, excluded.sentence_index, excluded.extractor_version,
    excluded.speaker_link, excluded.speaker_institution
)
"""
PRUNE_CLAIMS = """
delete from claims as c
where c.document_version_id = %s
  and (c.kind, c.start_char, c.end_char) not in (
      select k, s, e from unnest(%s::text[], %s::int[], %s::int[]) as kept (k, s, e)
  )
"""
UPSERT_EXTRACTION = """
insert into version_extractions (
    document_version_id, extractor_version, model, chars_parsed, truncated, spin_score,
    spin_terms
) values (%s, %s, %s, %s, %s, %s, %s)
on conflict (document_version_id) do update set
    extractor_version = excluded.extractor_version,
    model = excluded.model,
    chars_parsed = excluded.chars_parsed,
    truncated = excluded.truncated,
    spin_score = excluded.spin_score,
    spin_terms = excluded.spin_terms,
    processed_at = now()
where (version_extractions.extractor_version, version_extractions.model,
       version_extractions.chars_parsed, version_extractions.truncated,
       version_extractions.spin_score, version_extractions.spin_terms)
  is distinct from (excluded.extractor_version, excluded.model, excluded.chars_parsed,
                    excluded.truncated, excluded.spin_score, excluded.spin_terms)
"""
# Model labels the model confuses with a person's bare surname.
SURNAME_CONFUSABLE = ("GPE", "ORG", "NORP", "LOC")


@dataclass(frozen=True, slots=True)
class LocalEntity:
    """An article-level entity: its name, type and how the model labelled it."""

    name: str
    type: str
    label: str


def write_extraction(
    conn: Connection, document_version_id: int, extraction: Extraction, extractor_version: str
) -> None:
    """Replace version `document_version_id`'s mentions, claims and spin with `extraction`."""
    locals_ = local_entities(extraction.mentions)
    ids = resolve_entities(conn, locals_)
    write_mentions(conn, document_version_id, extraction, ids, extractor_version)
    outlet = _outlet(conn, document_version_id)
    speaker_ids = _speaker_ids(extraction.mentions, ids)
    write_claims(conn, document_version_id, extraction.claims, speaker_ids, outlet,
                 extractor_version)
    spin = extraction.spin
    with conn.cursor() as cur:
        cur.execute(UPSERT_EXTRACTION, (
            document_version_id, extractor_version, extraction.model, extraction.chars_parsed,
            extraction.truncated, spin.score, list(spin.terms)))


def local_entities(mentions: Iterable[Mention]) -> list[LocalEntity]:
    """The distinct (name, type) pairs of an article's mentions, first label kept."""
    seen: dict[tuple[str, str], LocalEntity] = {}
    for m in mentions:
        seen.setdefault((m.name, m.type), LocalEntity(m.name, m.type, m.label))
    return list(seen.values())


def resolve_entities(
    conn: Connection, wanted: Sequence[LocalEntity]
) -> dict[tuple[str, str], tuple[int, str]]:
    """(entity id, type) for article-level (name, type) pairs: alias, same name, surname, or new."""
    if not wanted:
        return {}
    keys: dict[str, str] = {}
    aliases: dict[str, tuple[int, str]] = {}
    existing: dict[tuple[str, str], int] = {}
    any_type: set[str] = set()
    surnames: dict[str, set[int]] = {}
    with conn.cursor() as cur:
        cur.execute(NAME_MATCHES, (sorted({w.name for w in wanted}),))
        for name, key, how, entity_id, type_ in cur.fetchall():
            keys[name] = key
            if how == "alias":
                aliases[key] = (entity_id, type_)
            elif how == "entity":
                existing[(key, type_)] = entity_id
                any_type.add(key)
            elif how == "surname":
                surnames.setdefault(key, set()).add(entity_id)
    resolved: dict[tuple[str, str], tuple[int, str]] = {}
    for item in wanted:
        key = keys[item.name]
        found = aliases.get(key)
        if found is None and (key, item.type) in existing:
            found = (existing[(key, item.type)], item.type)
        if found is None and key in surnames and len(surnames[key]) == 1:
            is_person = item.type == "PERSON"
            if is_person or (item.label in SURNAME_CONFUSABLE and key not in any_type):
                found = (next(iter(surnames[key])), "PERSON")
        if found is None:
            found = (_create_entity(conn, item.name, item.type), item.type)
            existing[(key, item.type)] = found[0]
            any_type.add(key)
        resolved[(item.name, item.type)] = found
    return resolved


def _create_entity(conn: Connection, name: str, type_: str) -> int:
    with conn.cursor() as cur:
        # Two workers creating the same new names in different orders would each wait for
        # the other's uncommitted row (a deadlock): new entities are created by one
        # transaction at a time, the lock held to its end (existing ones need no lock).
        cur.execute(LOCK_ENTITY_CREATION, (ENTITY_CREATION_LOCK_KEY,))
        cur.execute(INSERT_ENTITY, (name, type_))
        cur.execute(ENTITY_ID, (name, type_))
        row = cur.fetchone()
    assert row is not None
    return int(row[0])


def write_mentions(
    conn: Connection,
    document_version_id: int,
    extraction: Extraction,
    ids: dict[tuple[str, str], tuple[int, str]],
    extractor_version: str,
) -> None:
    """Replace the version's mentions (entities and the values its claims need)."""
    rows = [
        (document_version_id, m.start_char, m.end_char, *ids[(m.name, m.type)], m.label, m.how,
         m.text, m.sentence_index, extractor_version)
        for m in extraction.mentions
    ]
    rows += [
        (document_version_id, v.start_char, v.end_char, None, v.type, v.label, "value", v.text,
         v.sentence_index, extractor_version)
        for v in extraction.values
    ]
    with conn.cursor() as cur:
        cur.execute(DELETE_MENTIONS, (document_version_id,))
    insert_rows(conn, INSERT_MENTIONS, rows)


def _speaker_ids(
    mentions: Iterable[Mention], ids: dict[tuple[str, str], tuple[int, str]]
) -> dict[str, int]:
    """Entity id of each article-level name a speaker can carry (persons first)."""
    by_name: dict[str, int] = {}
    for m in sorted(mentions, key=lambda m: m.type != "PERSON"):
        by_name.setdefault(m.name, ids[(m.name, m.type)][0])
    return by_name


def _outlet(conn: Connection, document_version_id: int) -> str | None:
    with conn.cursor() as cur:
        cur.execute(OUTLET, (document_version_id,))
        row = cur.fetchone()
    return row[0] if row else None


def write_claims(
    conn: Connection,
    document_version_id: int,
    claims: Sequence[Claim],
    speaker_ids: dict[str, int],
    outlet: str | None,
    extractor_version: str,
) -> None:
    """Upsert the version's claims on their natural key and drop the ones no longer found."""
    with conn.cursor() as cur:
        cur.execute(ENTITY_NAMES, (sorted(set(speaker_ids.values())),))
        names = dict(cur.fetchall())
    rows = []
    for c in claims:
        speaker_id = speaker_ids.get(c.speaker_name) if c.speaker_name else None
        speaker_text = c.speaker_text if speaker_id is None else None
        if c.speaker_name and speaker_id is None:
            speaker_text = c.speaker_name
        if c.attribution == "narrator":
            attributed_to = outlet
        elif c.attribution == "speaker" and speaker_id is not None:
            attributed_to = names.get(speaker_id, c.attributed_to)
        else:
            attributed_to = c.attributed_to
        rows.append((
            document_version_id, c.kind, c.start_char, c.end_char, c.text, speaker_id,
            speaker_text, c.attribution, attributed_to, c.reporting_verb, c.value_num,
            c.value_low, c.value_high, c.unit, c.qualifier, c.negated, c.modality, c.subject,
            c.predicate, Json(c.details), c.evidence, c.sentence_index, extractor_version,
            c.speaker_link if c.attribution == "speaker" else None,
            c.speaker_institution if c.attribution == "speaker" else None,
        ))
    insert_rows(conn, UPSERT_CLAIMS, rows)
    with conn.cursor() as cur:
        cur.execute(PRUNE_CLAIMS, (
            document_version_id, [c.kind for c in claims], [c.start_char for c in claims],
            [c.end_char for c in claims]))
