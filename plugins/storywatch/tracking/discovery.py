"""What a thread searches for, and which search results it wants fetched.

`thread_queries` turns a thread's `discover:` into queries: the ones written
there, plus (with `seed_entities: true`) one built from the seed article's most
salient stored entities. `relevance_filter` is the `EntryFilter` the poller
applies to search feeds (sources/discovery.py): the thread's own relevance
rules over the entry's title and summary, so a search result is fetched only
when the article would count for the thread.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence

from storywatch.store.db import Connection
from storywatch.tracking.relevance import entry_relevance
from storywatch.tracking.threads import Thread, read_threads

SEED_ENTITIES = 3
# The thread's seed article: the ingested article file the thread finds most relevant (the
# seed folder's articles are files; feeds bring pages), earliest first on a tie. Its latest
# version's entities, most mentioned first, then the earliest mentioned.
SEED_ENTITY_NAMES = """
with seed as (
    select v.document_version_id
    from thread_relevance as r
    join threads as t on t.thread_id = r.thread_id
    join document_versions as v on v.document_version_id = r.document_version_id
    join documents as d on d.document_id = v.document_id
    where t.slug = %(slug)s and r.is_relevant and d.origin = 'file'
      and not exists (select 1 from document_versions as later
                      where later.document_id = v.document_id and later.version_no > v.version_no)
    order by r.score desc, v.ordered_at, d.identity
    limit 1
)
select e.entity
from v_entities as e
join seed on seed.document_version_id = e.document_version_id
order by e.mention_count desc, e.first_char, e.entity
limit %(limit)s
"""


def seed_entity_query(conn: Connection, thread_slug: str, limit: int = SEED_ENTITIES) -> str | None:
    """A query of the seed article's most salient entities (None before it was processed)."""
    with conn.cursor() as cur:
        cur.execute(SEED_ENTITY_NAMES, {"slug": thread_slug, "limit": limit})
        names = [str(row[0]) for row in cur.fetchall()]
    conn.rollback()
    if not names:
        return None
    return " ".join(f'"{name}"' if " " in name else name for name in names)


def thread_queries(conn: Connection, threads: Sequence[Thread]) -> list[tuple[str, str]]:
    """(thread slug, query) for every active thread's discovery, in file order."""
    queries: list[tuple[str, str]] = []
    for thread in threads:
        if not thread.active or not thread.discover.enabled:
            continue
        wanted = list(thread.discover.queries)
        if thread.discover.seed_entities:
            built = seed_entity_query(conn, thread.slug)
            if built and built not in wanted:
                wanted.append(built)
        queries.extend((thread.slug, query) for query in wanted)
    return queries


def relevance_filter(conn: Connection) -> Callable[[str, str | None, str], bool]:
    """The poller's EntryFilter: does the thread's relevance accept this title and summary?"""
    threads = {thread.slug: thread for thread in read_threads(conn)}
    conn.rollback()

    def accepts(thread_slug: str, title: str | None, summary: str) -> bool:
        thread = threads.get(thread_slug)
        return thread is not None and entry_relevance(thread, title, summary).is_relevant

    return accepts
