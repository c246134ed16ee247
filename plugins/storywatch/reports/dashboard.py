"""What the Threads page in the Airflow dashboard shows, as plain records (no HTML here).

Per active thread: each slot's current value (since when, how many independent
sources) and every observation of each slot over time, for its timeline. The
developments of all threads as one list, newest first, filtered and cut into
pages. Per article: its versions and what changed between them, its claims,
the developments it produced and the copies linked to it. Search hits with
the matching words marked. Everything is read from the analyst views, so the
page shows exactly what an analyst's SQL would.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from storywatch.reports.timeline import Mark
from storywatch.store import search
from storywatch.store.db import Connection

PAGE_SIZE = 50
SEARCH_LIMIT = 50
KINDS = ("new", "update", "revision", "conflict")
# The status filter: None shows what the CLI lists by default (everything but dismissed).
STATUSES = ("open", "confirmed", "dismissed", "all")
# ts_headline's marks around matching words: private-use characters, so no text is mistaken
# for them; any that a feed smuggles in only splits a passage, never becomes markup.
MATCH_START, MATCH_END = "\ue000", "\ue001"

THREADS = """
select slug, title, description
from threads
where is_active and (%(thread)s::text is null or slug = %(thread)s)
order by slug
"""
STATE = """
select thread_slug, slot, slot_type, value_text, since, source_count, attributed_to, url, title,
       source, document_version_id
from v_thread_state
where %(thread)s::text is null or thread_slug = %(thread)s
order by thread_slug, slot
"""
TIMELINE = """
select tl.thread_slug, tl.slot, tl.ordered_at, tl.value_text, tl.value_num, tl.value_low,
       tl.qualifier, tl.attributed_to, tl.source, tl.development_kind,
       case when tl.development_id is null then null
            when lr.action = 'confirm' then 'confirmed'
            when lr.action = 'dismiss' then 'dismissed'
            else 'open' end as status
from v_thread_timeline as tl
-- the latest review decides the status, as in v_developments (through the reviews index)
left join lateral (
    select r.action from development_reviews as r
    where r.development_id = tl.development_id
    order by r.reviewed_at desc, r.development_review_id desc
    limit 1
) as lr on true
where %(thread)s::text is null or tl.thread_slug = %(thread)s
order by tl.thread_slug, tl.slot, tl.timeline_position
"""
DEVELOPMENT_PAGE = """
select
    d.development_id,
    d.thread_slug,
    d.thread_title,
    d.slot,
    d.kind,
    d.value_text,
    d.previous_value_text,
    d.attributed_to,
    d.published_at,
    d.detected_at,
    d.status,
    d.reviewed_by,
    d.reviewed_at,
    d.review_reason,
    d.url,
    d.title,
    d.source,
    d.evidence,
    d.document_version_id,
    d.document_id,
    d.version_no,
    (select count(*) from document_versions as v where v.document_id = d.document_id)
        as version_count,
    coalesce(st.document_version_id = d.document_version_id
             and st.value_text = d.value_text, false) as sets_state,
    count(*) over () as total
from v_developments as d
left join v_thread_state as st on st.thread_slug = d.thread_slug and st.slot = d.slot
where (%(thread)s::text is null or d.thread_slug = %(thread)s)
  and (%(slot)s::text is null or d.slot = %(slot)s)
  and (%(kind)s::text is null or d.kind = %(kind)s)
  and case
      when %(status)s::text is null then d.status <> 'dismissed'
      when %(status)s = 'all' then true
      else d.status = %(status)s
  end
  and (%(since)s::date is null or coalesce(d.published_at, d.ordered_at) >= %(since)s::date)
  and (%(until)s::date is null
       or coalesce(d.published_at, d.ordered_at) < %(until)s::date + 1)
order by coalesce(d.published_at, d.ordered_at) desc, d.development_id desc
limit %(limit)s offset %(offset)s
"""
CHOICES = """
select t.slug, s.slot
from threads as t join thread_slots as s on s.thread_id = t.thread_id
where t.is_active and s.is_active
order by t.slug, s.slot
"""
VERSIONS = """
select document_version_id, version_no, title, url, source, fetched_at, published_at,
       is_trivial, title_changed, sentences_added, sentences_removed, added_sentences,
       removed_sentences, is_current, removed_at, removal_reason
from v_article_versions
where document_id = %s
order by version_no
"""
CLAIMS = """
select kind, speaker, attributed_to, reporting_verb, text, evidence
from v_claims
where document_version_id = %s
order by sentence_index, start_char, claim_id
"""
ARTICLE_DEVELOPMENTS = """
select development_id, thread_slug, slot, kind, value_text, previous_value_text, status,
       reviewed_by, review_reason, version_no
from v_developments
where document_id = %s
order by version_no, thread_slug, slot, development_id
"""
COPIES_OF_IT = """
select document_id, title, source, url, kind, score
from v_story_copies
where copy_of_document_id = %s
order by score desc, document_id
"""
ORIGINAL = """
select copy_of_document_id, copy_of_title, copy_of_source, copy_of_url, kind, score
from v_story_copies
where document_id = %s
"""


@dataclass(frozen=True, slots=True)
class SlotState:
    """A slot's current value (value_text None while nothing was observed)."""

    slot: str
    slot_type: str
    value_text: str | None
    since: dt.datetime | None
    source_count: int | None
    attributed_to: str | None
    url: str | None
    title: str | None
    source: str | None
    document_version_id: int | None


@dataclass(frozen=True, slots=True)
class ThreadPanel:
    """A thread's state and, per slot, every observation for its timeline."""

    slug: str
    title: str
    description: str
    state: tuple[SlotState, ...]
    timeline: dict[str, tuple[Mark, ...]]

    def slot_type(self, slot: str) -> str:
        return next((s.slot_type for s in self.state if s.slot == slot), "text")


@dataclass(frozen=True, slots=True)
class DevelopmentFilters:
    """What the development list is narrowed to; None everywhere is the default list."""

    thread: str | None = None
    slot: str | None = None
    kind: str | None = None
    status: str | None = None
    since: dt.date | None = None
    until: dt.date | None = None
    page: int = 1

    def __post_init__(self) -> None:
        if self.kind is not None and self.kind not in KINDS:
            raise ValueError(f"unknown kind {self.kind!r} (one of {', '.join(KINDS)})")
        if self.status is not None and self.status not in STATUSES:
            raise ValueError(f"unknown status {self.status!r} (one of {', '.join(STATUSES)})")
        if self.page < 1:
            raise ValueError("pages are numbered from 1")


@dataclass(frozen=True, slots=True)
class DevelopmentCard:
    """One development with what the page links to: the article, its versions, its review."""

    development_id: int
    thread_slug: str
    thread_title: str
    slot: str
    kind: str
    value_text: str
    previous_value_text: str | None
    attributed_to: str | None
    published_at: dt.datetime | None
    detected_at: dt.datetime
    status: str
    reviewed_by: str | None
    reviewed_at: dt.datetime | None
    review_reason: str | None
    url: str | None
    title: str | None
    source: str | None
    evidence: str | None
    document_version_id: int
    document_id: int
    version_no: int
    version_count: int
    sets_state: bool  # this development's value is the slot's state now


@dataclass(frozen=True, slots=True)
class DevelopmentPage:
    """One page of the filtered development list."""

    filters: DevelopmentFilters
    cards: tuple[DevelopmentCard, ...]
    total: int
    page_size: int = PAGE_SIZE
    slots: dict[str, tuple[str, ...]] = field(default_factory=dict)  # the filter's choices

    @property
    def page_count(self) -> int:
        return max(1, -(-self.total // self.page_size))


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


@dataclass(frozen=True, slots=True)
class ClaimRow:
    """A claim of the article's latest version, with who makes it."""

    kind: str
    speaker: str | None
    attributed_to: str | None
    reporting_verb: str | None
    text: str | None
    evidence: str | None


@dataclass(frozen=True, slots=True)
class ArticleDevelopment:
    """A development that a version of the article produced."""

    development_id: int
    thread_slug: str
    slot: str
    kind: str
    value_text: str
    previous_value_text: str | None
    status: str
    reviewed_by: str | None
    review_reason: str | None
    version_no: int


@dataclass(frozen=True, slots=True)
class CopyLink:
    """Another article linked to this one as a copy (of it, or the original it copies)."""

    document_id: int
    title: str | None
    source: str | None
    url: str | None
    kind: str
    score: float


@dataclass(frozen=True, slots=True)
class ArticlePage:
    """Everything the article page shows."""

    document_id: int
    versions: tuple[VersionRow, ...]
    claims: tuple[ClaimRow, ...]
    developments: tuple[ArticleDevelopment, ...]
    copies: tuple[CopyLink, ...]
    original: CopyLink | None


@dataclass(frozen=True, slots=True)
class SearchHit:
    """A matching article; `passage` alternates text and matching words (odd positions)."""

    document_id: int
    version_no: int
    title: str | None
    source: str | None
    published_at: dt.datetime | None
    url: str | None
    passage: tuple[str, ...]


def read_threads(conn: Connection, *, thread: str | None = None) -> list[ThreadPanel]:
    """Every active thread (or the one named) with its state and its slots' observations."""
    with conn.cursor() as cur:
        cur.execute(THREADS, {"thread": thread})
        threads = cur.fetchall()
        cur.execute(STATE, {"thread": thread})
        state: dict[str, list[SlotState]] = {}
        for slug, *fields in cur.fetchall():
            state.setdefault(slug, []).append(SlotState(*fields))
        cur.execute(TIMELINE, {"thread": thread})
        timeline: dict[str, dict[str, list[Mark]]] = {}
        for slug, slot, at, text, num, low, qualifier, who, source, kind, status in cur.fetchall():
            label = f"{text} ({who or source or 'unattributed'}, {at:%Y-%m-%d})"
            timeline.setdefault(slug, {}).setdefault(slot, []).append(Mark(
                at, text, float(num) if num is not None else None,
                float(low) if low is not None else None, qualifier, label, kind, status))
    conn.rollback()
    return [
        ThreadPanel(slug, title, description or "", tuple(state.get(slug, ())),
                    {slot: tuple(marks) for slot, marks in timeline.get(slug, {}).items()})
        for slug, title, description in threads
    ]


def read_developments(conn: Connection, filters: DevelopmentFilters, *,
                      page_size: int = PAGE_SIZE) -> DevelopmentPage:
    """One page of developments matching `filters`, newest publication first."""
    params = {
        "thread": filters.thread, "slot": filters.slot, "kind": filters.kind,
        "status": filters.status, "since": filters.since, "until": filters.until,
        "limit": page_size, "offset": (filters.page - 1) * page_size,
    }
    with conn.cursor() as cur:
        cur.execute(DEVELOPMENT_PAGE, params)
        rows = cur.fetchall()
        total = int(rows[0][-1]) if rows else 0
        if not rows and filters.page > 1:  # past the end: still say how many there are
            cur.execute(DEVELOPMENT_PAGE, {**params, "limit": 1, "offset": 0})
            first = cur.fetchone()
            total = int(first[-1]) if first else 0
        cur.execute(CHOICES)
        slots: dict[str, list[str]] = {}
        for slug, slot in cur.fetchall():
            slots.setdefault(slug, []).append(slot)
    conn.rollback()
    cards = tuple(DevelopmentCard(*row[:-3], int(row[-3] or 1), bool(row[-2])) for row in rows)
    return DevelopmentPage(filters, cards, total, page_size,
                           {slug: tuple(names) for slug, names in slots.items()})


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


def read_article(conn: Connection, document_id: int) -> ArticlePage | None:
    """An article's versions, its latest version's claims, its developments and copies."""
    versions = read_versions(conn, document_id)
    if not versions:
        return None
    with conn.cursor() as cur:
        cur.execute(CLAIMS, (versions[-1].document_version_id,))
        claims = tuple(ClaimRow(*row) for row in cur.fetchall())
        cur.execute(ARTICLE_DEVELOPMENTS, (document_id,))
        developments = tuple(ArticleDevelopment(*row) for row in cur.fetchall())
        cur.execute(COPIES_OF_IT, (document_id,))
        copies = tuple(CopyLink(*row[:5], float(row[5])) for row in cur.fetchall())
        cur.execute(ORIGINAL, (document_id,))
        row = cur.fetchone()
        original = CopyLink(*row[:5], float(row[5])) if row else None
    conn.rollback()
    return ArticlePage(document_id, tuple(versions), claims, developments, copies, original)


def search_articles(conn: Connection, query: str, *, limit: int = SEARCH_LIMIT) -> list[SearchHit]:
    """Stored articles matching `query`, as `storywatch search` finds them, words marked."""
    hits = search.search_articles(conn, query, limit=limit, marks=(MATCH_START, MATCH_END))
    return [SearchHit(hit.document_id, hit.version_no, hit.title, hit.source, hit.published_at,
                      hit.url, split_passage(hit.passage)) for hit in hits]


def split_passage(passage: str) -> tuple[str, ...]:
    """The passage cut at the marks: text at even positions, matching words at odd ones."""
    parts: list[str] = []
    for chunk in passage.split(MATCH_START):
        match, _, rest = chunk.partition(MATCH_END) if parts else ("", "", chunk)
        if parts:
            parts += [match.replace(MATCH_END, ""), rest.replace(MATCH_END, "")]
        else:
            parts.append(rest.replace(MATCH_END, ""))
    return tuple(parts)
