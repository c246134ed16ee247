"""The `track` processing stage: relevance, observations and developments per document version.

It runs after `extract` (it reads that stage's claims and entities). For each
version it scores every active thread, reads the slot values a relevant version
reports and replaces that version's observations; every slot those observations
touch (or touched before) is marked, in the same transaction, and replayed once
when the run has no batch left (`finish_run`): a slot's timeline is replayed from
all its observations, so replaying it per batch made an article's cost grow with
the corpus (bench/scale.py).

Why a stage and not a step after all stages: `storywatch process` and the
process DAG run exactly the registered stages, claims come per version, and
the stage framework already gives what the tracker needs (SKIP LOCKED claims,
one savepoint per version, a recorded outcome, re-runs on a new version). The
cross-version part, a slot's timeline, is recomputed from all its observations
under one lock for all tracking, so it is the same whichever version, worker or
order triggered it, and a recomputation keeps development ids.
"""
from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass

import psycopg2.sql

from storywatch.store.db import Connection, insert_rows
from storywatch.store.stagework import PendingVersion
from storywatch.tracking.developments import Replay, TimelineEntry, replay_slot
from storywatch.tracking.observations import (
    ArticleReading,
    ClaimRecord,
    Observation,
    SlotValue,
    read_article,
)
from storywatch.tracking.relevance import ParsedText, parse_text, score_relevance
from storywatch.tracking.threads import Slot, Thread, read_threads, thread_from_definition

log = logging.getLogger(__name__)

STAGE_NAME = "track"
# Bump when a change to the tracker should re-derive every version's observations.
TRACKER_VERSION = "2"

CLAIM_COLUMNS = (
    "claim_id", "kind", "text", "evidence", "sentence_index", "start_char", "end_char",
    "value_num", "value_low", "value_high", "unit", "qualifier", "subject", "predicate", "speaker",
    "attributed_to", "negated", "modality", "extractor_version", "details", "attribution",
)
VIEW_COLUMNS = """
select column_name from information_schema.columns
where table_schema = current_schema() and table_name = %s
"""
RELATION_EXISTS = "select to_regclass(%s) is not null"
VERSION_ENTITIES = """
select entity, sum(mention_count)::int from v_entities
where document_version_id = %s group by entity
"""
VERSION_OUTLET = """
select coalesce(s.name, d.identity)
from document_versions as v
join documents as d on d.document_id = v.document_id
left join sources as s on s.source_id = d.source_id
where v.document_version_id = %s
"""
ACTIVE_SLOTS = """
select t.slug, s.slot, s.thread_slot_id, t.thread_id
from thread_slots as s join threads as t on t.thread_id = s.thread_id
where t.is_active and s.is_active
"""
UPSERT_RELEVANCE = """
insert into thread_relevance (
    document_version_id, thread_id, score, is_relevant, matched_terms, matched_entities, reason
) values (%s, %s, %s, %s, %s, %s, %s)
on conflict (document_version_id, thread_id) do update set
    score = excluded.score,
    is_relevant = excluded.is_relevant,
    matched_terms = excluded.matched_terms,
    matched_entities = excluded.matched_entities,
    reason = excluded.reason,
    computed_at = case
        when thread_relevance.score is distinct from excluded.score
          or thread_relevance.reason is distinct from excluded.reason
        then now() else thread_relevance.computed_at end
"""
DELETE_OBSERVATIONS = """
delete from observations where document_version_id = %s
returning thread_slot_id, value_key, source_line, evidence, claim_id
"""
INSERT_OBSERVATIONS = """
insert into observations (
    thread_slot_id, document_version_id, value_key, value_text, value_num, value_low,
    qualifier, state, attributed_to, party, source_line, evidence, sentence_index, claim_id,
    nominal, as_of
) values %s
on conflict (thread_slot_id, document_version_id, source_line) do nothing
"""
DELETE_READINGS = "delete from figure_readings where document_version_id = %s"
INSERT_READINGS = """
insert into figure_readings (document_version_id, thread_slot_id, claim_id, taken, reason)
values %s
on conflict (document_version_id, thread_slot_id, claim_id) do update set
    taken = excluded.taken, reason = excluded.reason
"""
# One lock for all tracking, taken before a version's first tracking write and held to the end
# of the transaction: two workers never track or replay at once, and a single lock cannot
# deadlock. Taken only for the replay, it did: a worker that had deleted a version's
# observations waited for it while the holder, renumbering the slot's timeline, waited for
# those rows (found by the chaos soak, bench/chaos_soak.py).
RECOMPUTE_LOCK_KEY = 0x74726B31  # "trk1"
LOCK_RECOMPUTE = "select pg_advisory_xact_lock(%s)"
SLOT_DEFINITION = """
select t.definition, s.slot
from thread_slots as s join threads as t on t.thread_id = s.thread_id
where s.thread_slot_id = %s
"""
DISMISSED = """
select dev.document_version_id, dev.value_key
from developments as dev
where dev.thread_slot_id = %s and dev.review_action = 'dismiss'
"""
SLOT_OBSERVATIONS = """
select v.document_id, d.identity, v.version_no, o.document_version_id, v.ordered_at,
       o.value_key, o.value_text, o.value_num, o.value_low, o.qualifier, o.state,
       o.source_line, o.evidence, o.attributed_to, o.sentence_index, o.nominal,
       o.observation_id, o.timeline_position, o.as_of
from observations as o
join document_versions as v on v.document_version_id = o.document_version_id
join documents as d on d.document_id = v.document_id
where o.thread_slot_id = %s
"""
# Positions are stored, not numbered by the view, so that a page of a long timeline is an
# index range (bench/scale.py: at 1M versions a slot has tens of thousands of observations).
SET_POSITIONS = """
update observations as o set timeline_position = x.position
from (values %s) as x (observation_id, position)
where o.observation_id = x.observation_id
"""
STORY_COPIES = """
select c.document_id, c.copy_of_document_id
from v_story_copies as c
where c.document_id = any(%s)
"""
# Until the copies view exists: a document whose body is byte-identical to an earlier
# document's is a copy of it.
EXACT_COPIES = """
select distinct on (v.document_id) v.document_id, o.document_id
from document_versions as v
join document_versions as o
    on o.content_sha256 = v.content_sha256 and o.document_id <> v.document_id
join documents as dv on dv.document_id = v.document_id
join documents as dov on dov.document_id = o.document_id
where v.document_id = any(%s)
  and (o.ordered_at, dov.identity) < (v.ordered_at, dv.identity)
order by v.document_id, o.ordered_at, dov.identity
"""
UPSERT_DEVELOPMENT = """
insert into developments (
    thread_slot_id, document_version_id, value_key, kind, value_text, value_num, value_low,
    qualifier, previous_value_key, previous_value_text, previous_value_num,
    previous_value_low, previous_qualifier, attributed_to, source_line, evidence, ordered_at
) values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
on conflict (thread_slot_id, document_version_id, value_key) do update set
    kind = excluded.kind,
    value_text = excluded.value_text,
    value_num = excluded.value_num,
    value_low = excluded.value_low,
    qualifier = excluded.qualifier,
    previous_value_key = excluded.previous_value_key,
    previous_value_text = excluded.previous_value_text,
    previous_value_num = excluded.previous_value_num,
    previous_value_low = excluded.previous_value_low,
    previous_qualifier = excluded.previous_qualifier,
    attributed_to = excluded.attributed_to,
    source_line = excluded.source_line,
    evidence = excluded.evidence,
    ordered_at = excluded.ordered_at,
    withdrawn_at = null,
    updated_at = now()
where (developments.kind, developments.previous_value_key, developments.value_text,
       developments.attributed_to, developments.source_line, developments.evidence,
       developments.ordered_at, developments.withdrawn_at)
  is distinct from
      (excluded.kind, excluded.previous_value_key, excluded.value_text,
       excluded.attributed_to, excluded.source_line, excluded.evidence,
       excluded.ordered_at, null::timestamptz)
"""
UPSERT_DEVELOPMENTS = UPSERT_DEVELOPMENT.replace(
    ") values (" + ", ".join(["%s"] * 17) + ")", ") values %s")
# Developments of the slot that the replay no longer yields. One nobody was told about and
# nobody reviewed is deleted: it was an artefact of the order versions were tracked in (two
# workers, a late article), and keeping it would make the table depend on that order. One
# that was alerted, or is being alerted right now (an alert holds a key-share lock on the
# rows it names until it records them, so SKIP LOCKED passes them over), is kept and marked
# withdrawn, so the ledger still points at it and a recomputation never alerts it twice.
DROPPED_DEVELOPMENTS = """
select dev.development_id from developments as dev
where dev.development_id = any(%s)
  and not exists (select 1 from development_reviews as r
                  where r.development_id = dev.development_id)
"""
# What the slot holds, in the terms UPSERT_DEVELOPMENT compares (kind, previous key, text,
# attributed_to, source line, evidence, ordered_at, withdrawn): a replay writes only the
# developments that differ, not the thousands of a busy slot that did not move.
STORED_DEVELOPMENTS = """
select development_id, document_version_id, value_key, kind, previous_value_key, value_text,
       attributed_to, source_line, evidence, ordered_at, withdrawn_at is not null
from developments
where thread_slot_id = %s
"""
DELETE_UNSEEN = """
delete from developments
where development_id in (
    select dev.development_id from developments as dev
    where dev.development_id = any(%s)
      and not exists (select 1 from alerted_developments as a
                      where a.development_id = dev.development_id)
    for update skip locked)
returning development_id
"""
WITHDRAW = """
update developments set withdrawn_at = now(), updated_at = now()
where development_id = any(%s) and withdrawn_at is null
"""
UPSERT_STATE = """
insert into thread_state (
    thread_slot_id, value_key, value_text, value_num, value_low, qualifier, since,
    document_version_id, source_line, attributed_to, source_count, last_observed_at
) values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
on conflict (thread_slot_id) do update set
    value_key = excluded.value_key,
    value_text = excluded.value_text,
    value_num = excluded.value_num,
    value_low = excluded.value_low,
    qualifier = excluded.qualifier,
    since = excluded.since,
    document_version_id = excluded.document_version_id,
    source_line = excluded.source_line,
    attributed_to = excluded.attributed_to,
    source_count = excluded.source_count,
    last_observed_at = excluded.last_observed_at,
    computed_at = now()
where (thread_state.value_key, thread_state.since, thread_state.document_version_id,
       thread_state.source_count, thread_state.last_observed_at)
  is distinct from
      (excluded.value_key, excluded.since, excluded.document_version_id,
       excluded.source_count, excluded.last_observed_at)
"""
DELETE_STATE = "delete from thread_state where thread_slot_id = %s"
ALL_SLOTS = "select thread_slot_id from thread_slots order by thread_slot_id"
MARK_REPLAY = """
update thread_slots set replay_pending = true
where thread_slot_id = any(%s) and not replay_pending
"""
PENDING_REPLAYS = """
select thread_slot_id from thread_slots where replay_pending order by thread_slot_id
"""
REPLAYED = """
update thread_slots set replay_pending = false where thread_slot_id = %s and replay_pending
"""


# --- reading what the extract stage wrote --------------------------------------------


def relation_exists(conn: Connection, name: str) -> bool:
    """Whether a table or view called `name` exists (other stages add theirs over time)."""
    with conn.cursor() as cur:
        cur.execute(RELATION_EXISTS, (name,))
        return bool(cur.fetchone()[0])  # type: ignore[index]


def read_claims(conn: Connection, document_version_id: int) -> list[ClaimRecord]:
    """The version's quantity and status claims from `v_claims` (none if it does not exist)."""
    if not relation_exists(conn, "v_claims"):
        return []
    with conn.cursor() as cur:
        cur.execute(VIEW_COLUMNS, ("v_claims",))
        present = {row[0] for row in cur.fetchall()}
        columns = [
            psycopg2.sql.Identifier(c) if c in present else psycopg2.sql.SQL("null")
            for c in CLAIM_COLUMNS
        ]
        query = psycopg2.sql.SQL(
            "select {} from v_claims where document_version_id = %s "
            "and kind in ('quantity', 'status') order by start_char, claim_id"
        ).format(psycopg2.sql.SQL(", ").join(columns))
        cur.execute(query, (document_version_id,))
        rows = cur.fetchall()
    claims = []
    for row in rows:
        values = dict(zip(CLAIM_COLUMNS, row, strict=True))
        attribution = values.pop("attribution")
        if attribution == "narrator":
            values["attributed_to"] = None  # the outlet speaks: not a source line of its own
        for key in ("value_num", "value_low", "value_high"):
            if values[key] is not None:
                values[key] = float(values[key])
        claims.append(ClaimRecord(**values))
    return claims


def read_entities(conn: Connection, document_version_id: int) -> dict[str, int]:
    """Canonical entity name -> mentions in the version (empty without `v_entities`)."""
    if not relation_exists(conn, "v_entities"):
        return {}
    with conn.cursor() as cur:
        cur.execute(VERSION_ENTITIES, (document_version_id,))
        return {name: int(count) for name, count in cur.fetchall()}


def read_outlet(conn: Connection, document_version_id: int) -> str:
    """The source name of the version's document (its identity when it has none)."""
    with conn.cursor() as cur:
        cur.execute(VERSION_OUTLET, (document_version_id,))
        row = cur.fetchone()
    return str(row[0]) if row else "unknown"


# --- the stage -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Tracked:
    """What the stage wrote for one version."""

    relevant: tuple[str, ...]
    observations: int
    touched_slots: tuple[int, ...]  # slots it reports on, now or before: to be replayed


class TrackStage:
    """Stage `track`: thread relevance, slot observations and developments per version."""

    name = STAGE_NAME

    def __init__(self) -> None:
        self.version = f"{TRACKER_VERSION}+extract.{_extractor_version()}"
        self._threads: list[Thread] | None = None
        self._touched: set[int] = set()

    def prepare(self, versions: Sequence[PendingVersion]) -> list[object]:
        """Split each version's text into sentences and words (pure)."""
        return [parse_text(v.title, v.body) for v in versions]

    def write(self, conn: Connection, version: PendingVersion, prepared: object) -> None:
        """Replace the version's relevance and observations; note the slots it touched."""
        assert isinstance(prepared, ParsedText)
        if self._threads is None:
            self._threads = read_threads(conn)
        tracked = track_version(conn, version, prepared, self._threads)
        self._touched.update(tracked.touched_slots)

    def finish_batch(self, conn: Connection) -> None:
        """Mark the slots the batch's versions touched for replay, in the batch's transaction."""
        touched, self._touched = sorted(self._touched), set()
        if touched:
            with conn.cursor() as cur:
                cur.execute(MARK_REPLAY, (touched,))

    def finish_run(self, conn: Connection) -> None:
        """Replay every marked slot once (a busy slot has tens of thousands of observations at
        a million versions: replayed per batch, it made an article's cost grow with the corpus)."""
        replay_pending_slots(conn)


def _extractor_version() -> str:
    """The extract stage's version, so that re-extracted claims are tracked again."""
    try:
        from storywatch.extraction.stage import EXTRACTOR_VERSION
    except ImportError:  # no extract stage installed: claims never change under us
        return "none"
    return EXTRACTOR_VERSION


def track_version(conn: Connection, version: PendingVersion, text: ParsedText,
                  threads: Sequence[Thread]) -> Tracked:
    """Score, read and store one version for every thread; say which slots it touched (the
    caller has them replayed, once for every version of a run)."""
    version_id = version.document_version_id
    with conn.cursor() as cur:
        cur.execute(LOCK_RECOMPUTE, (RECOMPUTE_LOCK_KEY,))
    claims = read_claims(conn, version_id)
    entities = read_entities(conn, version_id)
    outlet = read_outlet(conn, version_id)
    slot_ids = _slot_ids(conn)
    thread_ids = {slug: thread_id for (slug, _), (_, thread_id) in slot_ids.items()}
    rows: list[tuple[object, ...]] = []
    readings: dict[tuple[int, int], tuple[object, ...]] = {}
    relevant: list[str] = []
    with conn.cursor() as cur:
        for thread in threads:
            if thread.slug not in thread_ids:
                continue
            relevance = score_relevance(thread, text, entities)
            cur.execute(UPSERT_RELEVANCE, (
                version_id, thread_ids[thread.slug], relevance.score, relevance.is_relevant,
                json.dumps(relevance.matched_terms), json.dumps(relevance.matched_entities),
                relevance.reason,
            ))
            if not relevance.is_relevant:
                continue
            relevant.append(thread.slug)
            if relevance.sentences is None:
                reading = read_article(thread, text, claims, version.published_at, outlet)
            else:  # one story of a page of several: only its sentences report on the thread
                story = set(relevance.sentences)
                reading = read_article(thread, text.masked(relevance.sentences),
                                       [c for c in claims if c.sentence_index in story],
                                       version.published_at, outlet)
            for obs in reading.observations:
                slot_id = slot_ids.get((thread.slug, obs.slot))
                if slot_id is not None:
                    rows.append(_observation_row(slot_id[0], version_id, obs, outlet))
            readings.update(_figure_readings(thread, reading, slot_ids, version_id))
        cur.execute(DELETE_OBSERVATIONS, (version_id,))
        before = {(r[0], r[1], r[2], r[3], r[4]) for r in cur.fetchall()}
    insert_rows(conn, INSERT_OBSERVATIONS, rows)
    with conn.cursor() as cur:
        cur.execute(DELETE_READINGS, (version_id,))
    insert_rows(conn, INSERT_READINGS, list(readings.values()))
    after = {(r[0], r[2], r[10], r[11], r[13]) for r in rows}
    # Every slot the version reports on, changed or not: a version tracked again because its
    # document's copy link changed (copies/stage.py) has the same observations, but the
    # replay counts a copy differently.
    touched = tuple(sorted({int(r[0]) for r in before | after}))  # type: ignore[call-overload]
    return Tracked(tuple(relevant), len(rows), touched)


def _figure_readings(thread: Thread, reading: ArticleReading,
                     slot_ids: dict[tuple[str, str], tuple[int, int]], version_id: int
                     ) -> dict[tuple[int, int], tuple[object, ...]]:
    """One row per (quantity slot, figure): taken, or set aside with the reason."""
    found: dict[tuple[int, int], tuple[object, ...]] = {}
    for item in reading.rejections:
        slot_id = slot_ids.get((thread.slug, item.slot))
        if slot_id is not None and item.claim_id is not None:
            found[(slot_id[0], item.claim_id)] = (version_id, slot_id[0], item.claim_id, False,
                                                  item.reason)
    for obs in reading.observations:
        slot_id = slot_ids.get((thread.slug, obs.slot))
        if slot_id is not None and obs.claim_id is not None:
            found[(slot_id[0], obs.claim_id)] = (version_id, slot_id[0], obs.claim_id, True, None)
    return found


def _slot_ids(conn: Connection) -> dict[tuple[str, str], tuple[int, int]]:
    with conn.cursor() as cur:
        cur.execute(ACTIVE_SLOTS)
        return {(slug, slot): (slot_id, thread_id)
                for slug, slot, slot_id, thread_id in cur.fetchall()}


def _observation_row(slot_id: int, version_id: int, obs: Observation,
                     outlet: str) -> tuple[object, ...]:
    value = obs.value
    return (slot_id, version_id, value.key, value.text, value.num, value.low, value.qualifier,
            value.state, obs.attributed_to, obs.party, obs.line(outlet), obs.evidence,
            obs.sentence_index, obs.claim_id, obs.nominal, obs.as_of)


# --- a slot's timeline ---------------------------------------------------------------


def load_slot(conn: Connection, thread_slot_id: int) -> Slot:
    """The slot definition as last synced."""
    with conn.cursor() as cur:
        cur.execute(SLOT_DEFINITION, (thread_slot_id,))
        row = cur.fetchone()
    if row is None:
        raise LookupError(f"no thread slot {thread_slot_id}")
    slot = thread_from_definition(row[0]).slot(row[1])
    if slot is None:
        raise LookupError(f"slot {row[1]} is no longer in its thread's definition")
    return slot


def load_timeline(conn: Connection, thread_slot_id: int
                  ) -> tuple[list[TimelineEntry], dict[int, int | None]]:
    """Every observation of a slot as a timeline entry (copies and dismissals marked), and
    each observation's stored timeline position."""
    with conn.cursor() as cur:
        cur.execute(DISMISSED, (thread_slot_id,))
        dismissed = {(int(v), k) for v, k in cur.fetchall()}
        cur.execute(SLOT_OBSERVATIONS, (thread_slot_id,))
        rows = cur.fetchall()
    copies = _copies(conn, sorted({int(r[0]) for r in rows}))
    entries = []
    positions: dict[int, int | None] = {}
    for (document_id, identity, version_no, version_id, ordered_at, key, text, num, low,
         qualifier, state, line, evidence, attributed_to, sentence_index, nominal,
         observation_id, position, as_of) in rows:
        value = SlotValue(text, num=num, low=low, qualifier=qualifier, state=state)
        entries.append(TimelineEntry(
            document_id=int(document_id), document_identity=identity,
            version_no=int(version_no), document_version_id=int(version_id),
            ordered_at=ordered_at, value=value, line=line, evidence=evidence,
            attributed_to=attributed_to, sentence_index=int(sentence_index),
            copy_of=copies.get(int(document_id)),
            dismissed=(int(version_id), key) in dismissed, nominal=bool(nominal),
            observation_id=int(observation_id), as_of=as_of,
        ))
        positions[int(observation_id)] = position
    return entries, positions


def _store_positions(conn: Connection, replay: Replay, stored: dict[int, int | None]) -> None:
    """Number the slot's observations in the order the replay read them, writing only the
    positions that moved (a new article at the end of the timeline moves none but its own)."""
    moved = [(entry.observation_id, position)
             for position, entry in enumerate(replay.placed, 1)
             if entry.observation_id is not None and stored.get(entry.observation_id) != position]
    insert_rows(conn, SET_POSITIONS, moved)


def _copies(conn: Connection, document_ids: list[int]) -> dict[int, int]:
    if not document_ids:
        return {}
    query = STORY_COPIES if relation_exists(conn, "v_story_copies") else EXACT_COPIES
    with conn.cursor() as cur:
        cur.execute(query, (document_ids,))
        return {int(doc): int(original) for doc, original in cur.fetchall()
                if original is not None and int(original) != int(doc)}


def recompute_slot(conn: Connection, thread_slot_id: int) -> Replay:
    """Replay a slot's observations and write its developments and state (ids kept)."""
    with conn.cursor() as cur:
        cur.execute(LOCK_RECOMPUTE, (RECOMPUTE_LOCK_KEY,))
    slot = load_slot(conn, thread_slot_id)
    entries, positions = load_timeline(conn, thread_slot_id)
    replay = replay_slot(slot, entries)
    _store_positions(conn, replay, positions)
    with conn.cursor() as cur:
        # each development keyed like the table (the last of a key winning, as it did row by
        # row), with the fields UPSERT_DEVELOPMENT's `where` compares, read back the same way
        rows: dict[tuple[int, str], tuple[tuple[object, ...], tuple[object, ...]]] = {}
        for dev in replay.developments:
            entry, value, prev = dev.entry, dev.entry.value, dev.previous
            prev_key = prev.key if prev else None
            rows[(entry.document_version_id, value.key)] = ((
                thread_slot_id, entry.document_version_id, value.key, dev.kind, value.text,
                value.num, value.low, value.qualifier,
                prev_key, prev.text if prev else None,
                prev.num if prev else None, prev.low if prev else None,
                prev.qualifier if prev else None,
                entry.attributed_to, entry.line, entry.evidence, entry.ordered_at,
            ), (dev.kind, prev_key, value.text, entry.attributed_to, entry.line, entry.evidence,
                entry.ordered_at, False))
        cur.execute(STORED_DEVELOPMENTS, (thread_slot_id,))
        stored = {(int(row[1]), row[2]): (int(row[0]), row[3:]) for row in cur.fetchall()}
        # one statement for the developments that changed: a busy slot has thousands, and
        # writing them all (or a round trip each) made tracking cost grow with the corpus
        insert_rows(conn, UPSERT_DEVELOPMENTS, [
            row for key, (row, compared) in rows.items()
            if key not in stored or stored[key][1] != compared])
        gone = [development_id for key, (development_id, held) in stored.items()
                if key not in rows and not held[-1]]
        dropped: list[int] = []
        if gone:
            cur.execute(DROPPED_DEVELOPMENTS, (gone,))
            dropped = [int(row[0]) for row in cur.fetchall()]
        if dropped:
            cur.execute(DELETE_UNSEEN, (dropped,))
            deleted = {int(row[0]) for row in cur.fetchall()}
            withdrawn = [d for d in dropped if d not in deleted]
            if withdrawn:
                cur.execute(WITHDRAW, (withdrawn,))
        cur.execute(REPLAYED, (thread_slot_id,))
        state = replay.state
        if state is None:
            cur.execute(DELETE_STATE, (thread_slot_id,))
        else:
            value = state.value
            cur.execute(UPSERT_STATE, (
                thread_slot_id, value.key, value.text, value.num, value.low, value.qualifier,
                state.entry.ordered_at, state.entry.document_version_id, state.entry.line,
                state.entry.attributed_to, state.source_count, state.last_observed_at,
            ))
    return replay


def replay_pending_slots(conn: Connection) -> int:
    """Replay every slot marked since its last replay, each once; commit. A slot whose replay
    fails stays marked (for the next run) and the others are replayed; the number replayed."""
    with conn.cursor() as cur:
        cur.execute(LOCK_RECOMPUTE, (RECOMPUTE_LOCK_KEY,))
        cur.execute(PENDING_REPLAYS)
        slot_ids = [int(row[0]) for row in cur.fetchall()]
    replayed = 0
    for slot_id in slot_ids:
        with conn.cursor() as cur:
            cur.execute("savepoint slot_replay")
            try:
                recompute_slot(conn, slot_id)
                replayed += 1
            except LookupError as exc:  # dropped from its thread: nothing to replay
                log.info("slot %d not replayed: %s", slot_id, exc)
                cur.execute(REPLAYED, (slot_id,))
            except (psycopg2.OperationalError, psycopg2.InterfaceError):
                raise
            except Exception:
                cur.execute("rollback to savepoint slot_replay")
                log.exception("replaying slot %d failed; it stays marked for the next run",
                              slot_id)
                continue
            cur.execute("release savepoint slot_replay")
    conn.commit()
    if slot_ids:
        log.info("replayed %d of %d slots marked by tracking", replayed, len(slot_ids))
    return replayed


def recompute_all(conn: Connection) -> int:
    """Recompute every slot's timeline (after a dismissal or a definition change); commit."""
    with conn.cursor() as cur:
        cur.execute(ALL_SLOTS)
        slot_ids = [int(row[0]) for row in cur.fetchall()]
    count = 0
    for slot_id in slot_ids:
        try:
            recompute_slot(conn, slot_id)
            count += 1
        except LookupError as exc:  # a slot dropped from its thread: nothing to replay
            log.info("slot %d not recomputed: %s", slot_id, exc)
    conn.commit()
    return count
