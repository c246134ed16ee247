"""From pairs of copies to links: every document of a chain links to its earliest document.

`copy_matches` holds each pair of documents found to copy each other, whichever came
first. The documents joined by such pairs form a chain (a story, its excerpts, their
spins, the copies of those); each links to the earliest of the chain (by publication
time, else first fetch; ties by identity), through the pair that joins it to the chain on the
shortest path from the earliest (`via_document_id` names the intermediate document when
there is one). Because links are derived from the pairs and not from the order documents
arrived in, a late document that is earlier than a chain re-roots it, and any ingestion
order gives the same links.

A page of several stories is no copy of any one of them: a document whose blurbs
(copy_blurbs) carry parts of two or more stories, in separate paragraphs, the stories
being copies neither of each other nor (as wholes) of the page, does not join a chain
through the pairs in which it is the longer text (the stories' leads it carries); it
still does through a pair in which it is copied whole (a mirror of the page). While only
the leads of its stories are stored, a page cannot be told from a story with excerpts and
is treated as one.
"""
from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from storywatch.copies.features import WHOLE_COVERAGE
from storywatch.store.db import Connection

PAIRS_OF = """
select m.document_id, m.other_document_id, m.kind, m.score, m.word_similarity,
       m.quote_similarity, m.number_similarity, m.skeleton_similarity, m.sentence_similarity,
       m.covered_share, m.shorter_document_id
from copy_matches as m
where m.document_id = %(id)s or m.other_document_id = %(id)s
"""
BLURB_PARTS = """
select first_paragraph, last_paragraph, story_document_id
from copy_blurbs
where document_id = %s and is_part_of_story
order by first_paragraph
"""
ARE_PAIRED = """
select exists (select 1 from copy_matches where document_id = %s and other_document_id = %s)
"""
ORDER_OF = """
select s.document_id, s.ordered_at, s.document_version_id, d.identity
from copy_signatures as s join documents as d on d.document_id = s.document_id
where s.document_id = any(%s::bigint[])
"""
DELETE_LINK = "delete from story_copies where document_id = %s"
CURRENT_LINKS = """
select document_id, copy_of_document_id from story_copies where document_id = any(%s)
"""
# The stages that read story_copies (the tracker counts a copy as its original, not as a
# source of its own): when a document's link changes after they ran on it, its versions are
# pending for them again, so what they wrote follows the link.
READ_BY_STAGES = ["track"]
RERUN_READERS = """
delete from stage_runs
where stage = any(%s)
  and document_version_id in (select document_version_id from document_versions
                              where document_id = any(%s))
"""
MARK_PAGE = """
update copy_signatures set holds_several_stories = %s
where document_id = %s and holds_several_stories <> %s
"""
UPSERT_LINK = """
insert into story_copies (
    document_id, copy_of_document_id, kind, score, word_similarity, quote_similarity,
    number_similarity, skeleton_similarity, sentence_similarity, is_partial, covered_share,
    via_document_id, document_version_id, detected_at
) values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, now())
on conflict (document_id) do update set
    copy_of_document_id = excluded.copy_of_document_id,
    kind = excluded.kind,
    score = excluded.score,
    word_similarity = excluded.word_similarity,
    quote_similarity = excluded.quote_similarity,
    number_similarity = excluded.number_similarity,
    skeleton_similarity = excluded.skeleton_similarity,
    sentence_similarity = excluded.sentence_similarity,
    is_partial = excluded.is_partial,
    covered_share = excluded.covered_share,
    via_document_id = excluded.via_document_id,
    document_version_id = excluded.document_version_id,
    detected_at = excluded.detected_at
where (story_copies.copy_of_document_id, story_copies.kind, story_copies.score,
       story_copies.word_similarity, story_copies.quote_similarity,
       story_copies.number_similarity, story_copies.skeleton_similarity,
       story_copies.sentence_similarity, story_copies.is_partial, story_copies.covered_share,
       story_copies.via_document_id, story_copies.document_version_id)
      is distinct from
      (excluded.copy_of_document_id, excluded.kind, excluded.score,
       excluded.word_similarity, excluded.quote_similarity,
       excluded.number_similarity, excluded.skeleton_similarity,
       excluded.sentence_similarity, excluded.is_partial, excluded.covered_share,
       excluded.via_document_id, excluded.document_version_id)
"""


# From the closest copy to the loosest: a chain is as loose as its loosest pair.
KIND_LOOSENESS = ["exact", "near_duplicate", "excerpt", "spun"]


@dataclass(frozen=True, slots=True)
class Pair:
    """One row of copy_matches, seen from `document_id`'s side."""

    document_id: int
    other_id: int
    kind: str
    score: float
    similarities: tuple[float, float, float, float, float]
    covered_share: float
    shorter_id: int | None


class Chains:
    """Recomputes the links of the chains that hold given documents (one transaction)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self._pairs: dict[int, list[Pair]] = {}
        self._page: dict[int, bool] = {}

    def relink(self, document_ids: Iterable[int]) -> None:
        """Rewrite story_copies for every document in the chains of `document_ids`, and mark
        which of `document_ids` are pages of several stories."""
        document_ids = list(document_ids)
        with self.conn.cursor() as cur:
            for document_id in document_ids:
                page = self.is_page_of_stories(document_id)
                cur.execute(MARK_PAGE, (page, document_id, page))
        done: set[int] = set()
        for document_id in document_ids:
            if document_id in done:
                continue
            members = self._chain(document_id)
            done |= members
            self._write_links(members)

    def pairs(self, document_id: int) -> list[Pair]:
        if document_id not in self._pairs:
            with self.conn.cursor() as cur:
                cur.execute(PAIRS_OF, {"id": document_id})
                rows = cur.fetchall()
            found = []
            for a, b, kind, score, w, q, n, k, s, covered, shorter in rows:
                other = b if a == document_id else a
                found.append(Pair(document_id, int(other), kind, score, (w, q, n, k, s), covered,
                                  shorter))
            self._pairs[document_id] = found
        return self._pairs[document_id]

    def joins(self, pair: Pair) -> bool:
        """Does this pair join a chain (not a page carrying a lead of one of its stories)?"""
        if pair.covered_share >= WHOLE_COVERAGE or pair.shorter_id is None:
            return True
        longer = pair.other_id if pair.shorter_id == pair.document_id else pair.document_id
        return not self.is_page_of_stories(longer)

    def is_page_of_stories(self, document_id: int) -> bool:
        """Blurbs of two or more stories, each a part of its story, in separate paragraphs,
        the stories copies neither of each other nor, as wholes, of the page."""
        if document_id not in self._page:
            whole = {p.other_id for p in self.pairs(document_id)}
            with self.conn.cursor() as cur:
                cur.execute(BLURB_PARTS, (document_id,))
                parts = [row for row in cur.fetchall() if int(row[2]) not in whole]
                found = False
                for i, (_first_a, last_a, story_a) in enumerate(parts):
                    for first_b, _last_b, story_b in parts[i + 1:]:
                        if first_b <= last_a or story_a == story_b:
                            continue
                        low, high = sorted((int(story_a), int(story_b)))
                        cur.execute(ARE_PAIRED, (low, high))
                        if not cur.fetchone()[0]:  # type: ignore[index]
                            found = True
                            break
                    if found:
                        break
            self._page[document_id] = found
        return self._page[document_id]

    def _chain(self, start: int) -> set[int]:
        members, queue = {start}, deque([start])
        while queue:
            current = queue.popleft()
            for pair in self.pairs(current):
                if pair.other_id not in members and self.joins(pair):
                    members.add(pair.other_id)
                    queue.append(pair.other_id)
        return members

    def _write_links(self, members: set[int]) -> None:
        with self.conn.cursor() as cur:
            cur.execute(CURRENT_LINKS, (sorted(members),))
            before = {int(d): int(o) for d, o in cur.fetchall()}
            self._write_chain_links(cur, members)
            cur.execute(CURRENT_LINKS, (sorted(members),))
            after = {int(d): int(o) for d, o in cur.fetchall()}
            changed = sorted(m for m in members if before.get(m) != after.get(m))
            if changed:
                cur.execute(RERUN_READERS, (READ_BY_STAGES, changed))

    def _write_chain_links(self, cur: Any, members: set[int]) -> None:
        """Link every present member to the chain's earliest document (story_copies)."""
        cur.execute(ORDER_OF, (sorted(members),))
        order = {int(d): (at, int(v), identity) for d, at, v, identity in cur.fetchall()}
        present = [m for m in members if m in order]
        if len(present) < 2:
            for member in members:
                cur.execute(DELETE_LINK, (member,))
            return
        # Ties by identity, not id: ids follow the order documents were first ingested in.
        root = min(present, key=lambda m: (order[m][0], order[m][2]))
        tree = self._tree(root, set(present), {m: order[m][2] for m in present})
        for member, parent in tree.items():
            pair = self._pair(member, parent)
            kind, covered = self._path_kind(member, tree)
            cur.execute(UPSERT_LINK, (
                member, root, kind, pair.score, *pair.similarities,
                covered < WHOLE_COVERAGE, covered,
                None if parent == root else parent, order[member][1],
            ))
        cur.execute(DELETE_LINK, (root,))

    def _pair(self, member: int, other: int) -> Pair:
        return next(p for p in self.pairs(member) if p.other_id == other)

    def _path_kind(self, member: int, tree: dict[int, int]) -> tuple[str, float]:
        """The kind of copy `member` is of the root, through the chain: the loosest kind on the
        path (a verbatim excerpt of a spun copy is spun), and the smallest covered share."""
        kind, covered = "exact", 1.0
        current = member
        while current in tree:
            pair = self._pair(current, tree[current])
            kind = max(kind, pair.kind, key=KIND_LOOSENESS.index)
            covered = min(covered, pair.covered_share)
            current = tree[current]
        return kind, covered

    def _tree(self, root: int, members: set[int], identity: dict[int, str]) -> dict[int, int]:
        """Each member's parent on a shortest path from the root (breadth first, in the order
        of the documents' identities, so that any ingestion order gives the same tree)."""
        parent: dict[int, int] = {}
        seen, queue = {root}, deque([root])
        while queue:
            current = queue.popleft()
            for pair in sorted(self.pairs(current),
                               key=lambda p: (identity.get(p.other_id, ""), p.other_id)):
                other = pair.other_id
                if other in members and other not in seen and self.joins(pair):
                    seen.add(other)
                    parent[other] = current
                    queue.append(other)
        return parent

