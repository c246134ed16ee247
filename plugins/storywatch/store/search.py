"""`storywatch search`: PostgreSQL full-text search over stored articles.

The WHERE clause repeats the expression of the GIN index created by migration
0033 (`document_versions_search_idx`) word for word, so the planner answers
from the index instead of reading every body. The query language is
PostgreSQL's web-search syntax: words, "quoted phrases", OR, -excluded.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from storywatch.store.db import Connection

HEADLINE_OPTIONS = 'MaxFragments=2, MinWords=6, MaxWords=28, FragmentDelimiter=" … "'
TERMINAL_MARKS = ("[", "]")

SEARCH = """
with matches as (
    select distinct on (v.document_id)
        v.document_version_id,
        v.document_id,
        v.version_no,
        v.title,
        v.published_at,
        v.ordered_at,
        v.body,
        ts_rank(
            to_tsvector('english'::regconfig, coalesce(v.title, '') || ' ' || left(v.body, 200000)),
            websearch_to_tsquery('english'::regconfig, %(query)s)
        ) as rank
    from document_versions as v
    where to_tsvector('english'::regconfig, coalesce(v.title, '') || ' ' || left(v.body, 200000))
          @@ websearch_to_tsquery('english'::regconfig, %(query)s)
      and (%(since)s::timestamptz is null or v.ordered_at >= %(since)s)
    order by v.document_id, v.version_no desc
)
select
    m.document_version_id,
    m.document_id,
    m.version_no,
    m.title,
    s.name as source,
    m.published_at,
    d.url,
    d.identity,
    ts_headline('english'::regconfig, left(m.body, 200000),
                websearch_to_tsquery('english'::regconfig, %(query)s),
                %(headline_options)s) as passage,
    m.rank
from matches as m
join documents as d on d.document_id = m.document_id
left join sources as s on s.source_id = d.source_id
order by m.rank desc, m.ordered_at desc, m.document_version_id
limit %(limit)s
"""


@dataclass(frozen=True, slots=True)
class Hit:
    """One matching article (its latest matching version) with the passage that matches."""

    document_version_id: int
    document_id: int
    version_no: int
    title: str | None
    source: str | None
    published_at: dt.datetime | None
    url: str | None
    identity: str
    passage: str
    rank: float


def search_articles(conn: Connection, query: str, *, since: dt.datetime | None = None,
                    limit: int = 20, marks: tuple[str, str] = TERMINAL_MARKS) -> list[Hit]:
    """Articles matching `query` (web-search syntax), best first.

    In each hit's passage the matching words stand between `marks` (opening,
    closing); a page passes marks that cannot be mistaken for text, so that it
    can escape the passage and highlight the words without trusting either.
    """
    if any('"' in mark for mark in marks):
        raise ValueError("a highlight mark cannot contain a double quote")
    options = f'{HEADLINE_OPTIONS}, StartSel="{marks[0]}", StopSel="{marks[1]}"'
    with conn.cursor() as cur:
        cur.execute(SEARCH, {"query": query, "since": since, "limit": limit,
                             "headline_options": options})
        rows = cur.fetchall()
    conn.rollback()
    return [Hit(int(r[0]), int(r[1]), int(r[2]), r[3], r[4], r[5], r[6], r[7],
                " ".join(str(r[8]).split()), float(r[9])) for r in rows]


def render_hits(hits: list[Hit]) -> str:
    """Search results for a terminal: title, source, date, then the matching passage."""
    if not hits:
        return "no matching articles\n"
    blocks = []
    for hit in hits:
        day = hit.published_at.strftime("%Y-%m-%d") if hit.published_at else "undated"
        where = hit.url or hit.identity
        blocks.append(
            f"{hit.title or '(no title)'}\n"
            f"    {hit.source or 'unknown source'} \u00b7 {day} \u00b7 {where} "
            f"(version {hit.version_no})\n"
            f"    {hit.passage}"
        )
    return "\n\n".join(blocks) + "\n"
