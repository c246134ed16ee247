"""The `copies` processing stage: link each document to the earliest document it copies.

For each version, `prepare` computes its copy features (pure); `write` keeps
them as the document's signature, finds candidates through the GIN-indexed band
keys, quotation shingles and body hash, compares each (copies.compare_copies),
and links the document to the earliest match. A link is a function of the current
signatures only, whatever order documents and versions were processed in: a
changed signature re-links this document and every document that matches it now
or was linked to it (a late-arriving older document takes their links over; an
edit that ends a match ends the link), each to its earliest match. Copies are
written under one transaction-level lock, so two workers never compare against
each other's uncommitted signatures.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from storywatch.copies.features import (
    MIN_WORDS,
    CopyFeatures,
    CopyMatch,
    compare_copies,
    copy_features,
)
from storywatch.store.db import Connection
from storywatch.store.stagework import PendingVersion, SkipItem

# Candidates compared per version, earliest first: enough for any real syndication cluster.
MAX_CANDIDATES = 500

DOCUMENT_ORDERED_AT = """
select min(ordered_at) from document_versions where document_id = %s
"""
UPSERT_SIGNATURE = """
insert into copy_signatures (
    document_id, document_version_id, ordered_at, body_fold_sha256, word_count,
    word_shingle_count, word_minhash, word_bands, skeleton_shingle_count, skeleton_minhash,
    skeleton_bands, quote_shingles, numbers, sentence_hashes
) values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
on conflict (document_id) do update set
    document_version_id = excluded.document_version_id,
    ordered_at = excluded.ordered_at,
    body_fold_sha256 = excluded.body_fold_sha256,
    word_count = excluded.word_count,
    word_shingle_count = excluded.word_shingle_count,
    word_minhash = excluded.word_minhash,
    word_bands = excluded.word_bands,
    skeleton_shingle_count = excluded.skeleton_shingle_count,
    skeleton_minhash = excluded.skeleton_minhash,
    skeleton_bands = excluded.skeleton_bands,
    quote_shingles = excluded.quote_shingles,
    numbers = excluded.numbers,
    sentence_hashes = excluded.sentence_hashes
where copy_signatures.document_version_id <= excluded.document_version_id
returning document_id
"""
CANDIDATES = """
select document_id, ordered_at, body_fold_sha256, word_count, word_shingle_count, word_minhash,
       skeleton_shingle_count, skeleton_minhash, quote_shingles, numbers, sentence_hashes
from copy_signatures
where document_id <> %(document_id)s
  and (body_fold_sha256 = %(sha)s
       or word_bands && %(word_bands)s::bigint[]
       or skeleton_bands && %(skeleton_bands)s::bigint[]
       or quote_shingles && %(quotes)s::bigint[])
order by ordered_at, document_id
limit %(limit)s
"""
NO_SEQSCAN = "set local enable_seqscan = off"
RESTORE_SEQSCAN = "set local enable_seqscan = on"
DELETE_LINK = "delete from story_copies where document_id = %s"
UPSERT_LINK = """
insert into story_copies (
    document_id, copy_of_document_id, kind, score, word_similarity, quote_similarity,
    number_similarity, skeleton_similarity, sentence_similarity, document_version_id, detected_at
) values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, now())
on conflict (document_id) do update set
    copy_of_document_id = excluded.copy_of_document_id,
    kind = excluded.kind,
    score = excluded.score,
    word_similarity = excluded.word_similarity,
    quote_similarity = excluded.quote_similarity,
    number_similarity = excluded.number_similarity,
    skeleton_similarity = excluded.skeleton_similarity,
    sentence_similarity = excluded.sentence_similarity,
    document_version_id = excluded.document_version_id,
    detected_at = excluded.detected_at
"""
SIGNATURE = """
insert into copy_signatures (
    document_id, document_version_id, ordered_at, body_fold_sha256, word_count,
    word_shingle_count, word_minhash, word_bands, skeleton_shingle_count, skeleton_minhash,
    skeleton_bands, quote_shingles, numbers, sentence_hashes
) values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
on conflict (document_id) do update set
    document_version_id = excluded.document_version_id,
    ordered_at = excluded.ordered_at,
    body_fold_sha256 = excluded.body_fold_sha256,
    word_count = excluded.word_count,
    word_shingle_count = excluded.word_shingle_count,
    word_minhash = excluded.word_minhash,
    word_bands = excluded.word_bands,
    skeleton_shingle_count = excluded.skeleton_shingle_count,
    skeleton_minhash = excluded.skeleton_minhash,
    skeleton_bands = excluded.skeleton_bands,
    quote_shingles = excluded.quote_shingles,
    numbers = excluded.numbers,
    sentence_hashes = excluded.sentence_hashes
where copy_signatures.document_version_id <= excluded.document_version_id
returning document_id
"""
CANDIDATES = """
select document_id, ordered_at, body_fold_sha256, word_count, word_shingle_count, word_minhash,
       skeleton_shingle_count, skeleton_minhash, quote_shingles, numbers, sentence_hashes
from copy_signatures
where document_id <> %(document_id)s
  and (body_fold_sha256 = %(sha)s
       or word_bands && %(word_bands)s::bigint[]
       or skeleton_bands && %(skeleton_bands)s::bigint[]
       or quote_shingles && %(quotes)s::bigint[])
order by ordered_at, document_id
limit %(limit)s
"""
NO_SEQSCAN = "set local enable_seqscan = off"
RESTORE_SEQSCAN = "set local enable_seqscan = on"
DELETE_LINK = "delete from story_copies where document_id = %s"
UPSERT_LINK = """
insert into story_copies (
    document_id, copy_of_document_id, kind, score, word_similarity, quote_similarity,
    number_similarity, skeleton_similarity, sentence_similarity, document_version_id, detected_at
) values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, now())
on conflict (document_id) do update set
    copy_of_document_id = excluded.copy_of_document_id,
    kind = excluded.kind,
    score = excluded.score,
    word_similarity = excluded.word_similarity,
    quote_similarity = excluded.quote_similarity,
    number_similarity = excluded.number_similarity,
    skeleton_similarity = excluded.skeleton_similarity,
    sentence_similarity = excluded.sentence_similarity,
    document_version_id = excluded.document_version_id,
    detected_at = excluded.detected_at
"""
LINK_OF = """
select c.copy_of_document_id, s.ordered_at
from story_copies as c
join copy_signatures as s on s.document_id = c.copy_of_document_id
where c.document_id = %s
"""
SIGNATURE_VERSION = "select document_version_id from copy_signatures where document_id = %s"
SIGNATURE = """
select ordered_at, document_version_id, body_fold_sha256, word_count, word_shingle_count,
       word_minhash, skeleton_shingle_count, skeleton_minhash, quote_shingles, numbers,
       sentence_hashes
from copy_signatures where document_id = %s
"""
LINKED_TO = "select document_id from story_copies where copy_of_document_id = %s"
CURRENT_LINK = "select copy_of_document_id from story_copies where document_id = %s"
# The stages that read story_copies (the tracker counts a copy as its original, not as a
# source of its own): when a document's link changes after they ran on it, its versions are
# pending for them again, so what they wrote follows the link.
READ_BY_STAGES = ("track",)
RERUN_READERS = """
delete from stage_runs
where stage = any(%s)
  and document_version_id in (select document_version_id from document_versions
                              where document_id = %s)
"""
# One lock for every copies write, held to the end of the transaction ("cpy1").
COPIES_LOCK_KEY = 0x63707931
LOCK_COPIES = "select pg_advisory_xact_lock(%s)"


@dataclass(frozen=True, slots=True)
class Candidate:
    document_id: int
    ordered_at: dt.datetime
    match: CopyMatch


class CopiesStage:
    """Links documents to the earliest document they copy (exact, near duplicate, spun)."""

    name = "copies"
    version = "1"

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
        """Keep the document's signature and re-link every document whose link it may change."""
        with conn.cursor() as cur:
            cur.execute(LOCK_COPIES, (COPIES_LOCK_KEY,))
        ordered_at = _document_ordered_at(conn, version.document_id)
        if not _keep_signature(conn, version, prepared, ordered_at):
            return  # a newer version of this document was compared already
        matches = [c for c in _candidates(conn, version.document_id, prepared) if c.match.kind]
        mine = (ordered_at, version.document_id)
        _relink(conn, version.document_id, mine, version.document_version_id, matches)
        with conn.cursor() as cur:
            cur.execute(LINKED_TO, (version.document_id,))
            affected = {int(row[0]) for row in cur.fetchall()}
        affected |= {c.document_id for c in matches if (c.ordered_at, c.document_id) > mine}
        for document_id in sorted(affected - {version.document_id}):
            _relink_stored(conn, document_id)


def _relink(conn: Connection, document_id: int, mine: tuple[dt.datetime, int], version_id: int,
            matches: Sequence[Candidate]) -> bool:
    """Link the document to its earliest earlier match, or unlink it; True if its original changed."""
    earlier = [c for c in matches if (c.ordered_at, c.document_id) < mine]
    with conn.cursor() as cur:
        cur.execute(CURRENT_LINK, (document_id,))
        row = cur.fetchone()
        before = int(row[0]) if row else None
        if earlier:
            first = min(earlier, key=lambda c: (c.ordered_at, c.document_id))
            _link(cur, document_id, first, version_id)
            return before != first.document_id
        cur.execute(DELETE_LINK, (document_id,))
        return before is not None


def _relink_stored(conn: Connection, document_id: int) -> None:
    """Re-link a document from its stored signature (another document's signature changed)."""
    with conn.cursor() as cur:
        cur.execute(SIGNATURE, (document_id,))
        row = cur.fetchone()
    if row is None:
        return
    (ordered_at, version_id, sha, words, word_shingles, word_minhash, skeleton_shingles,
     skeleton_minhash, quotes, numbers, sentences) = row
    features = CopyFeatures(sha, words, word_shingles, tuple(word_minhash), skeleton_shingles,
                            tuple(skeleton_minhash), frozenset(quotes), frozenset(numbers),
                            frozenset(sentences))
    matches = [c for c in _candidates(conn, document_id, features) if c.match.kind]
    if _relink(conn, document_id, (ordered_at, document_id), int(version_id), matches):
        with conn.cursor() as cur:
            cur.execute(RERUN_READERS, (list(READ_BY_STAGES), document_id))


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
            f.word_count, f.word_shingle_count, list(f.word_minhash), f.word_bands,
            f.skeleton_shingle_count, list(f.skeleton_minhash), f.skeleton_bands,
            sorted(f.quote_shingles), sorted(f.numbers), sorted(f.sentence_hashes),
        ))
        return cur.fetchone() is not None


def _candidates(conn: Connection, document_id: int, f: CopyFeatures) -> list[Candidate]:
    with conn.cursor() as cur:
        # The planner prices `&&` with many keys (a long quotation) as matching most rows and
        # reads the whole table (a second at 100k documents); the GIN indexes answer in
        # milliseconds, so the sequential scan is ruled out for this one statement.
        cur.execute(NO_SEQSCAN)
        cur.execute(CANDIDATES, {
            "document_id": document_id, "sha": f.body_fold_sha256, "word_bands": f.word_bands,
            "skeleton_bands": f.skeleton_bands, "quotes": sorted(f.quote_shingles),
            "limit": MAX_CANDIDATES,
        })
        rows = cur.fetchall()
        cur.execute(RESTORE_SEQSCAN)
    found = []
    for (other_id, ordered_at, sha, words, word_shingles, word_minhash, skeleton_shingles,
         skeleton_minhash, quotes, numbers, sentences) in rows:
        other = CopyFeatures(sha, words, word_shingles, tuple(word_minhash), skeleton_shingles,
                             tuple(skeleton_minhash), frozenset(quotes), frozenset(numbers),
                             frozenset(sentences))
        found.append(Candidate(int(other_id), ordered_at, compare_copies(f, other)))
    return found


def _link(cur: object, document_id: int, target: Candidate, version_id: int) -> None:
    m = target.match
    cur.execute(UPSERT_LINK, (  # type: ignore[attr-defined]
        document_id, target.document_id, m.kind, m.score, m.word_similarity, m.quote_similarity,
        m.number_similarity, m.skeleton_similarity, m.sentence_similarity, version_id,
    ))
