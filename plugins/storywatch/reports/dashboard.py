"""What the Threads page in the Airflow dashboard shows, as plain records (no HTML here).

Per active thread: each slot's current value (since when, how many independent
sources), its developments newest first with the evidence sentence, the
article and how many versions it has, and the figures of each quantity slot
over time for a chart. Per article: its versions and what changed between
them. Everything is read from the analyst views, so the page shows exactly what
an analyst's SQL would.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from storywatch.reports.digest import Point
from storywatch.store.db import Connection

DEFAULT_DEVELOPMENTS_PER_THREAD = 50

THREADS = """
select slug, title, description
from threads
where is_active
order by slug
"""
STATE = """
select thread_slug, slot, value_text, since, source_count, attributed_to, url, title, source
from v_thread_state
order by thread_slug, slot
"""
DEVELOPMENTS = """
with ranked as (
    select
        d.*,
        row_number() over (
            partition by d.thread_slug
            order by coalesce(d.published_at, d.detected_at) desc, d.development_id desc
        ) as position
    from v_developments as d
    where d.status <> 'dismissed'
),
version_counts as (
    select document_id, count(*) as version_count
    from v_article_versions
    group by document_id
)
select
    r.development_id,
    r.thread_slug,
    r.slot,
    r.kind,
    r.value_text,
    r.previous_value_text,
    r.attributed_to,
    r.published_at,
    r.detected_at,
    r.status,
    r.url,
    r.title,
    r.source,
    r.evidence,
    r.document_version_id,
    av.document_id,
    av.version_no,
    coalesce(vc.version_count, 1) as version_count
from ranked as r
join v_article_versions as av on av.document_version_id = r.document_version_id
left join version_counts as vc on vc.document_id = av.document_id
where r.position <= %(limit)s
order by r.thread_slug, r.position
"""
SERIES = """
select thread_slug, slot, published_at, value_num, value_low, qualifier, value_text,
       attributed_to, development_id
from v_thread_timeline
where value_num is not null
order by thread_slug, slot, published_at nulls last
"""
VERSIONS = """
select document_version_id, version_no, title, url, source, fetched_at, published_at,
       is_trivial, title_changed, sentences_added, sentences_removed, added_sentences,
       removed_sentences, is_current, removed_at, removal_reason
from v_article_versions
where document_id = %s
order by version_no
"""


@dataclass(frozen=True, slots=True)
class SlotState:
    """A slot's current value (value_text None while nothing was observed)."""

    slot: str
    value_text: str | None
    since: dt.datetime | None
    source_count: int | None
    attributed_to: str | None
    url: str | None
    title: str | None
    source: str | None


@dataclass(frozen=True, slots=True)
class DevelopmentCard:
    """One development with what the page links to: the article and its versions."""

    development_id: int
    slot: str
    kind: str
    value_text: str
    previous_value_text: str | None
    attributed_to: str | None
    published_at: dt.datetime | None
    detected_at: dt.datetime
    status: str
    url: str | None
    title: str | None
    source: str | None
    evidence: str | None
    document_version_id: int
    document_id: int
    version_no: int
    version_count: int


@dataclass(frozen=True, slots=True)
class ThreadPanel:
    """Everything the page shows for one thread."""

    slug: str
    title: str
    description: str
    state: tuple[SlotState, ...]
    developments: tuple[DevelopmentCard, ...]
    series: dict[str, tuple[Point, ...]]


@dataclass(frozen=True, slots=True)
class VersionRow:
    """One version of an article and what changed from the previous one."""

    document_version_id: int
    version_no: int
    title: str | None
    url: str | None
    source: str | None
    fetched_at: dt.datetime
    published_at: dt.datetime | None
    is_trivial: bool
    title_changed: bool | None
    sentences_added: int | None
    sentences_removed: int | None
    added_sentences: tuple[str, ...]
    removed_sentences: tuple[str, ...]
    is_current: bool
    removed_at: dt.datetime | None
    removal_reason: str | None


def read_threads(conn: Connection, *,
                 developments_per_thread: int = DEFAULT_DEVELOPMENTS_PER_THREAD) -> list[ThreadPanel]:
    """Every active thread with its state, newest developments and quantity series."""
    with conn.cursor() as cur:
        cur.execute(THREADS)
        threads = cur.fetchall()
        cur.execute(STATE)
        state: dict[str, list[SlotState]] = {}
        for slug, *fields in cur.fetchall():
            state.setdefault(slug, []).append(SlotState(*fields))
        cur.execute(DEVELOPMENTS, {"limit": developments_per_thread})
        cards: dict[str, list[DevelopmentCard]] = {}
        for row in cur.fetchall():
            development_id, slug, *fields = row
            cards.setdefault(slug, []).append(DevelopmentCard(development_id, *fields))
        cur.execute(SERIES)
        series: dict[str, dict[str, list[Point]]] = {}
        for slug, slot, at, num, low, qualifier, text, who, development_id in cur.fetchall():
            if at is None:  # an undated figure has no place on a time axis
                continue
            label = f"{text} ({who or 'unattributed'}, {at:%Y-%m-%d})"
            series.setdefault(slug, {}).setdefault(slot, []).append(
                Point(at, float(num), float(low) if low is not None else None, qualifier, label,
                      development_id is not None))
    conn.rollback()
    return [
        ThreadPanel(slug, title, description or "", tuple(state.get(slug, ())),
                    tuple(cards.get(slug, ())),
                    {slot: tuple(points) for slot, points in series.get(slug, {}).items()})
        for slug, title, description in threads
    ]


def read_versions(conn: Connection, document_id: int) -> list[VersionRow]:
    """The versions of one article in order (empty when there is no such article)."""
    with conn.cursor() as cur:
        cur.execute(VERSIONS, (document_id,))
        rows = cur.fetchall()
    conn.rollback()
    versions = []
    for row in rows:
        (*head, added, removed, is_current, removed_at, reason) = row
        versions.append(VersionRow(*head, tuple(added or ()), tuple(removed or ()),
                                   bool(is_current), removed_at, reason))
    return versions
