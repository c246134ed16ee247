"""The `copies` processing stage: link each document to the earliest document it copies.

For each version, `prepare` computes its copy features (pure); `write` keeps them as the
document's signature, finds candidates through the GIN-indexed word anchors, quotation
shingles, skeleton band keys and body hash (never a scan of the corpus), compares each
(copies.compare_copies: containment of the shorter text in the longer), and records the
pairs that copy each other in copy_matches. A candidate that is not a copy as a whole
but shares passages is read paragraph by paragraph (copies.segments), both ways, for
blurbs, recorded in copy_blurbs. The links in story_copies are then recomputed for every
chain the document was or now is part of (copies.chains): each copy links to the
earliest document of its chain, so a copy of a copy resolves to the first, and a
later-ingested but earlier-published document re-roots the chain.
"""
from __future__ import annotations

import datetime as dt
import logging
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from storywatch.copies.chains import Chains
from storywatch.copies.features import (
    MIN_WORDS,
    CopyFeatures,
    CopyMatch,
    compare_copies,
    copy_features,
)
from storywatch.copies.segments import BlurbMatch, Page, blurb_matches
from storywatch.store.db import Connection
from storywatch.store.stagework import NothingShared, PendingVersion, SkipItem

log = logging.getLogger(__name__)

# Candidates compared per version, earliest first. Whether two documents are linked must
# not depend on which of them was processed last, and it does not while both find each
# other; past this many candidates a document no longer sees every later one, so the cap
# is a guard against pathological text (thousands of pages sharing one quotation), set
# well above a real syndication cluster; a comparison costs about 20 microseconds. When
# it is reached, the documents already linked to this one are compared as well, so a
# link is kept up to date by either side, and the cap is logged.
MAX_CANDIDATES = 2000
# A candidate that is no copy as a whole is read for blurbs when it shares this many
# five-word runs (a blurb of MIN_WORDS words shares more) or a quotation and skeleton runs.
BLURB_SHARED_SHINGLES = 12

DOCUMENT_ORDERED_AT = """
select min(ordered_at) from document_versions where document_id = %s
"""
UPSERT_SIGNATURE = """
insert into copy_signatures (
    document_id, document_version_id, ordered_at, body_fold_sha256, word_count,
    word_shingles, word_anchors, skeleton_shingles, skeleton_minhash, skeleton_bands,
    quote_shingles, numbers, sentence_hashes
) values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
on conflict (document_id) do update set
    document_version_id = excluded.document_version_id,
    ordered_at = excluded.ordered_at,
    body_fold_sha256 = excluded.body_fold_sha256,
    word_count = excluded.word_count,
    word_shingles = excluded.word_shingles,
    word_anchors = excluded.word_anchors,
    skeleton_shingles = excluded.skeleton_shingles,
    skeleton_minhash = excluded.skeleton_minhash,
    skeleton_bands = excluded.skeleton_bands,
    quote_shingles = excluded.quote_shingles,
    numbers = excluded.numbers,
    sentence_hashes = excluded.sentence_hashes
where copy_signatures.document_version_id <= excluded.document_version_id
returning document_id
"""
CANDIDATES = """
select document_id, document_version_id, ordered_at, body_fold_sha256, word_count,
       word_shingles, word_anchors, skeleton_shingles, skeleton_minhash, quote_shingles,
       numbers, sentence_hashes
from copy_signatures
where document_id <> %(document_id)s
  and (body_fold_sha256 = %(sha)s
       or word_anchors && %(anchors)s::bigint[]
       or skeleton_bands && %(skeleton_bands)s::bigint[]
       or quote_shingles && %(quotes)s::bigint[])
order by ordered_at, document_id
limit %(limit)s
"""
SIGNATURES_OF = """
select document_id, document_version_id, ordered_at, body_fold_sha256, word_count,
       word_shingles, word_anchors, skeleton_shingles, skeleton_minhash, quote_shingles,
       numbers, sentence_hashes
from copy_signatures
where document_id = any(%(ids)s)
order by ordered_at, document_id
"""
NO_SEQSCAN = "set local enable_seqscan = off; set local max_parallel_workers_per_gather = 0"
RESTORE_SEQSCAN = ("set local enable_seqscan = on;"
                   " set local max_parallel_workers_per_gather to default")
PAIRED_WITH = """
select case when document_id = %(id)s then other_document_id else document_id end
from copy_matches where document_id = %(id)s or other_document_id = %(id)s
"""
DELETE_PAIRS = "delete from copy_matches where document_id = %(id)s or other_document_id = %(id)s"
INSERT_PAIR = """
insert into copy_matches (
    document_id, other_document_id, kind, score, word_similarity, quote_similarity,
    number_similarity, skeleton_similarity, sentence_similarity, covered_share,
    shorter_document_id
) values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
on conflict (document_id, other_document_id) do nothing
"""
BLURB_PAGES = """
select distinct document_id from copy_blurbs where document_id = %(id)s or story_document_id = %(id)s
"""
DELETE_BLURBS = "delete from copy_blurbs where document_id = %(id)s or story_document_id = %(id)s"
INSERT_BLURB = """
insert into copy_blurbs (
    document_id, first_paragraph, story_document_id, last_paragraph, word_count, kind,
    score, covered_share, is_part_of_story, document_version_id
) values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
on conflict (document_id, first_paragraph, story_document_id) do nothing
"""
BODY_OF = "select body from document_versions where document_version_id = %s"
# Pages read for blurbs, kept by version (a version's body never changes): a candidate is
# read again for every later document of its story.
PAGES_KEPT = 512
# One lock for every copies write, held to the end of the transaction ("cpy1").
COPIES_LOCK_KEY = 0x63707931
LOCK_COPIES = "select pg_advisory_xact_lock(%s)"


@dataclass(frozen=True, slots=True)
class Candidate:
    document_id: int
    document_version_id: int
    ordered_at: dt.datetime
    features: CopyFeatures
    match: CopyMatch


class PageCache:
    """The last PAGES_KEPT pages read, by version id (memoisation: a version never changes)."""

    def __init__(self, size: int = PAGES_KEPT) -> None:
        self.size = size
        self._pages: OrderedDict[int, Page] = OrderedDict()

    def get(self, version_id: int) -> Page | None:
        page = self._pages.get(version_id)
        if page is not None:
            self._pages.move_to_end(version_id)
        return page

    def read(self, version_id: int, body: str) -> Page:
        page = self.get(version_id)
        if page is None:
            page = self._pages[version_id] = Page(body)
            if len(self._pages) > self.size:
                self._pages.popitem(last=False)
        return page


class CopiesStage(NothingShared):
    """Links documents to the earliest document they copy (exact, near duplicate, excerpt, spun)."""

    name = "copies"
    version = "2"

    def __init__(self) -> None:
        self._pages = PageCache()

    def prepare(self, versions: Sequence[PendingVersion]) -> list[CopyFeatures | SkipItem]:
        """Copy features of each version (texts too short to judge are skipped)."""
        prepared: list[CopyFeatures | SkipItem] = []
        for version in versions:
            features = copy_features(version.body)
            if features.word_count < MIN_WORDS:
                prepared.append(SkipItem(f"{features.word_count} words: too short to compare"))
            else:
                prepared.append(features)
        return prepared

    def write(self, conn: Connection, version: PendingVersion, prepared: CopyFeatures) -> None:
        """Keep the document's signature, record its pairs and blurbs, relink its chains."""
        with conn.cursor() as cur:
            # Two workers never compare against each other's uncommitted signatures.
            cur.execute(LOCK_COPIES, (COPIES_LOCK_KEY,))
        document_id = version.document_id
        ordered_at = _document_ordered_at(conn, document_id)
        if not _keep_signature(conn, version, prepared, ordered_at):
            return  # a newer version of this document was compared already
        with conn.cursor() as cur:
            cur.execute(PAIRED_WITH, {"id": document_id})
            linked = {int(r[0]) for r in cur.fetchall()}
            cur.execute(BLURB_PAGES, {"id": document_id})
            linked |= {int(r[0]) for r in cur.fetchall()}
            linked.discard(document_id)
            touched = {document_id} | linked
            cur.execute(DELETE_PAIRS, {"id": document_id})
            cur.execute(DELETE_BLURBS, {"id": document_id})
            page: Page | None = None  # read when a first candidate needs it
            for candidate in _candidates(conn, document_id, prepared, linked):
                m = candidate.match
                if m.kind is not None:
                    _insert_pair(cur, document_id, prepared, candidate)
                    touched.add(candidate.document_id)
                if (m.kind is None or m.is_partial) and _worth_reading(prepared, candidate):
                    if page is None:
                        page = self._pages.read(version.document_version_id, version.body)
                    pages = _record_blurbs(cur, version, page, prepared, candidate, self._pages)
                    touched |= pages
                    if pages:
                        touched.add(candidate.document_id)
        Chains(conn).relink(sorted(touched))


def _document_ordered_at(conn: Connection, document_id: int) -> dt.datetime:
    with conn.cursor() as cur:
        cur.execute(DOCUMENT_ORDERED_AT, (document_id,))
        return cur.fetchone()[0]  # type: ignore[index,no-any-return]


def _keep_signature(
    conn: Connection, version: PendingVersion, f: CopyFeatures, ordered_at: dt.datetime
) -> bool:
    with conn.cursor() as cur:
        cur.execute(UPSERT_SIGNATURE, (
            version.document_id, version.document_version_id, ordered_at, f.body_fold_sha256,
            f.word_count, sorted(f.word_shingles), sorted(f.word_anchors),
            sorted(f.skeleton_shingles), list(f.skeleton_minhash), f.skeleton_bands,
            sorted(f.quote_shingles), sorted(f.numbers), sorted(f.sentence_hashes),
        ))
        return cur.fetchone() is not None


def _candidates(conn: Connection, document_id: int, f: CopyFeatures,
                linked: set[int]) -> list[Candidate]:
    """The documents that may copy this one or be copied by it, compared with it: the
    earliest MAX_CANDIDATES that share a key with it, and, when that many do, the
    documents already linked to it."""
    with conn.cursor() as cur:
        # The planner prices `&&` with many keys (a long quotation, a story's anchors) as
        # matching most rows and reads the whole table (a second at 100k documents), or from
        # about 50k documents starts parallel workers (tens of milliseconds to launch); the
        # GIN indexes answer in a fraction of a millisecond, so both are ruled out for this
        # one statement.
        cur.execute(NO_SEQSCAN)
        cur.execute(CANDIDATES, {
            "document_id": document_id, "sha": f.body_fold_sha256,
            "anchors": sorted(f.word_anchors), "skeleton_bands": f.skeleton_bands,
            "quotes": sorted(f.quote_shingles), "limit": MAX_CANDIDATES,
        })
        rows = cur.fetchall()
        cur.execute(RESTORE_SEQSCAN)
        if len(rows) >= MAX_CANDIDATES:
            log.warning("document %s shares keys with more than %s documents; the later ones"
                        " are compared only when linked to it already", document_id,
                        MAX_CANDIDATES)
            unseen = sorted(linked - {int(r[0]) for r in rows})
            if unseen:
                cur.execute(SIGNATURES_OF, {"ids": unseen})
                rows += cur.fetchall()
    found = []
    for (other_id, version_id, ordered_at, sha, words, word_shingles, anchors, skeleton_shingles,
         skeleton_minhash, quotes, numbers, sentences) in rows:
        other = CopyFeatures(sha, words, frozenset(word_shingles), frozenset(anchors),
                             frozenset(skeleton_shingles), tuple(skeleton_minhash),
                             frozenset(quotes), frozenset(numbers), frozenset(sentences))
        found.append(Candidate(int(other_id), int(version_id), ordered_at, other,
                               compare_copies(f, other)))
    return found


def _insert_pair(cur: object, document_id: int, mine: CopyFeatures, candidate: Candidate) -> None:
    m = candidate.match
    low, high = sorted((document_id, candidate.document_id))
    mine_size, other_size = len(mine.word_shingles), len(candidate.features.word_shingles)
    shorter = None
    if m.is_partial:
        shorter = document_id if mine_size < other_size else candidate.document_id
    cur.execute(INSERT_PAIR, (  # type: ignore[attr-defined]
        low, high, m.kind, m.score, m.word_similarity, m.quote_similarity, m.number_similarity,
        m.skeleton_similarity, m.sentence_similarity, m.covered_share, shorter,
    ))


def _worth_reading(mine: CopyFeatures, candidate: Candidate) -> bool:
    other = candidate.features
    shared = len(mine.word_shingles & other.word_shingles)
    return shared >= BLURB_SHARED_SHINGLES or bool(mine.quote_shingles & other.quote_shingles)


def _record_blurbs(cur: Any, version: PendingVersion, page: Page, mine: CopyFeatures,
                   candidate: Candidate, read_pages: PageCache) -> set[int]:
    """Blurbs of the candidate in this document and of this document in the candidate;
    the documents found to hold blurbs."""
    pages: set[int] = set()
    for blurb in blurb_matches(page, candidate.features):
        _insert_blurb(cur, version.document_id, candidate.document_id, blurb,
                      len(candidate.features.word_shingles), version.document_version_id)
        pages.add(version.document_id)
    other = read_pages.get(candidate.document_version_id)
    if other is None:
        cur.execute(BODY_OF, (candidate.document_version_id,))
        row = cur.fetchone()
        if row is not None:
            other = read_pages.read(candidate.document_version_id, row[0])
    if other is not None:
        for blurb in blurb_matches(other, mine):
            _insert_blurb(cur, candidate.document_id, version.document_id, blurb,
                          len(mine.word_shingles), candidate.document_version_id)
            pages.add(candidate.document_id)
    return pages


def _insert_blurb(cur: object, page_id: int, story_id: int, blurb: BlurbMatch, story_size: int,
                  page_version_id: int) -> None:
    m = blurb.match
    part_of_story = m.is_partial and story_size > blurb.shingle_count
    cur.execute(INSERT_BLURB, (  # type: ignore[attr-defined]
        page_id, blurb.first_paragraph, story_id, blurb.last_paragraph, blurb.word_count,
        m.kind, m.score, m.covered_share, part_of_story, page_version_id,
    ))
