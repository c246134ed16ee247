"""Scoring the tracker against an annotated timeline (a folder of articles and `gold.yml`).

Used by `bench/score_developments.py` and by the timeline tests: both ingest
the seed and a folder of article files, run `process`, and compare what
`v_developments`, `v_thread_relevance` and `v_thread_state` say with the gold.
A development matches on (article, thread, slot, value); kind, previous value
and evidence are checked separately so a report says what exactly is wrong.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from storywatch.sources.article_files import ArticleFileError, find_article_files, read_article_file
from storywatch.store.db import Connection

SEED_LABEL = "seed"

PRODUCED = """
select identity, thread_slug, slot, kind, value_text, previous_value_text, evidence
from v_developments
where status <> 'dismissed'
order by ordered_at, development_id
"""
RELEVANCE = """
select d.identity, r.thread_slug, r.is_relevant, r.score
from v_thread_relevance as r
join documents as d on d.document_id = r.document_id
join document_versions as v on v.document_version_id = r.document_version_id
where v.version_no = (select max(version_no) from document_versions as w
                      where w.document_id = v.document_id)
"""
STATE = "select thread_slug, slot, value_text from v_thread_state"


@dataclass(frozen=True, slots=True)
class LabelledDevelopment:
    """A development labelled with its article file: expected by a gold file, or recorded."""

    file: str
    thread: str
    slot: str
    kind: str
    value: str
    previous: str | None
    evidence: str

    @property
    def key(self) -> tuple[str, str, str, str]:
        """What a match is judged on: article, thread, slot, value."""
        return (self.file, self.thread, self.slot, self.value)


@dataclass(frozen=True, slots=True)
class Gold:
    """An annotated timeline."""

    developments: tuple[LabelledDevelopment, ...]
    relevance: dict[str, dict[str, bool]]
    state: dict[str, dict[str, str]]


def load_gold(path: Path) -> Gold:
    """Read a gold file (see tests/fixtures/timeline/gold.yml for the format)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    developments = tuple(
        LabelledDevelopment(d["file"], d["thread"], d["slot"], d["kind"], str(d["value"]),
                        None if d.get("previous") is None else str(d["previous"]),
                        str(d.get("evidence") or ""))
        for d in data.get("developments") or ()
    )
    return Gold(developments, dict(data.get("relevance") or {}), dict(data.get("state") or {}))


def file_labels(folder: Path, seeds_dir: Path) -> dict[str, str]:
    """Document identity -> article file name (the seed articles as `seed`)."""
    labels: dict[str, str] = {}
    for base, label in ((folder, None), (seeds_dir, SEED_LABEL)):
        for path, root in find_article_files([base]):
            try:
                labels[read_article_file(path, root).identity] = label or path.name
            except ArticleFileError:
                continue  # not stored either: nothing of it can be scored
    return labels


def read_produced(conn: Connection, labels: dict[str, str]) -> list[LabelledDevelopment]:
    """The open and confirmed developments, labelled by article file."""
    with conn.cursor() as cur:
        cur.execute(PRODUCED)
        rows = cur.fetchall()
    conn.rollback()
    return [LabelledDevelopment(labels.get(r[0], r[0]), r[1], r[2], r[3], r[4], r[5], r[6])
            for r in rows]


@dataclass(slots=True)
class Score:
    """Precision and recall with the items behind them."""

    true_positives: list[Any] = field(default_factory=list)
    false_positives: list[Any] = field(default_factory=list)
    false_negatives: list[Any] = field(default_factory=list)

    @property
    def precision(self) -> float:
        found = len(self.true_positives) + len(self.false_positives)
        return len(self.true_positives) / found if found else 1.0

    @property
    def recall(self) -> float:
        expected = len(self.true_positives) + len(self.false_negatives)
        return len(self.true_positives) / expected if expected else 1.0


def score_developments(gold: Iterable[LabelledDevelopment],
                       produced: Iterable[LabelledDevelopment]) -> Score:
    """Precision/recall of developments matched on (article, thread, slot, value)."""
    expected = {g.key for g in gold}
    found = {p.key for p in produced}
    return Score(sorted(expected & found), sorted(found - expected), sorted(expected - found))


def details_mismatches(gold: Iterable[LabelledDevelopment],
                       produced: Iterable[LabelledDevelopment]) -> list[str]:
    """For matched developments: wrong kind, previous value or evidence, one line each."""
    by_key = {p.key: p for p in produced}
    problems = []
    for g in gold:
        p = by_key.get(g.key)
        if p is None:
            continue
        if p.kind != g.kind:
            problems.append(f"{g.key}: kind {p.kind}, expected {g.kind}")
        if p.previous != g.previous:
            problems.append(f"{g.key}: previous {p.previous!r}, expected {g.previous!r}")
        if g.evidence and g.evidence.lower() not in p.evidence.lower():
            problems.append(f"{g.key}: evidence {p.evidence!r} lacks {g.evidence!r}")
    return problems


def score_relevance(conn: Connection, gold: Gold, labels: dict[str, str]) -> Score:
    """Precision/recall of (article, thread) pairs judged relevant."""
    with conn.cursor() as cur:
        cur.execute(RELEVANCE)
        rows = cur.fetchall()
    conn.rollback()
    judged = {(labels.get(identity, identity), slug): bool(rel) for identity, slug, rel, _ in rows}
    score = Score()
    for file, threads in gold.relevance.items():
        for slug, expected in threads.items():
            got = judged.get((file, slug), False)
            if expected and got:
                score.true_positives.append((file, slug))
            elif got:
                score.false_positives.append((file, slug))
            elif expected:
                score.false_negatives.append((file, slug))
    return score


def read_state(conn: Connection) -> dict[str, dict[str, str | None]]:
    """thread -> slot -> value_text from v_thread_state."""
    with conn.cursor() as cur:
        cur.execute(STATE)
        rows = cur.fetchall()
    conn.rollback()
    state: dict[str, dict[str, str | None]] = {}
    for slug, slot, value in rows:
        state.setdefault(slug, {})[slot] = value
    return state
