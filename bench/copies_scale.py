"""The copies stage's cost per new version as the corpus grows: 1k, 10k and 100k stored versions.

    PYTHONPATH=plugins .venv/bin/python bench/copies_scale.py [--sizes 1000,10000,100000]

For each size, on a scratch database of its own (on the server of STORYWATCH_DATABASE_URL,
else 127.0.0.1:5432):
1. a synthetic corpus is generated inside PostgreSQL (generate_series, no Python loop):
   documents and versions, and one copy signature per document with the sizes the stage
   stores for a 600-word article (600 five-word runs, about 130 winnowed anchors, 60 skeleton
   runs, 16 band keys, up to 30 quotation shingles, 25 sentence hashes), as random hashes:
   indexed like real ones, matching no new article (which is what almost all of a real
   corpus is to any one new article);
2. the texts of the copies sets (bench/copies_dev and bench/copies_frozen: 130 stories,
   their copies, independent reports and pages of blurbs, which find each other as
   candidates, pairs, chains and blurbs) are stored and run through the copies stage;
   each version's prepare + write is timed.
The new texts are then removed and the round repeated (--rounds, all sizes in turn, so a
busy minute on a shared machine hits every size). Prints per size the median and 90th
percentile milliseconds per new version over all rounds, each round's median, and the
candidates query's plan if it ever reads copy_signatures sequentially.
Aim (issue 13): the per-version cost flat from 1k to 100k (within the noise of a shared
machine: compare the ratios of one run).
"""
from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import time
from collections.abc import Sequence
from contextlib import ExitStack
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import benchkit  # noqa: E402
from benchkit import REPO  # noqa: E402
from psycopg2.sql import SQL, Identifier  # noqa: E402

from storywatch.copies.stage import CANDIDATES, NO_SEQSCAN, CopiesStage  # noqa: E402
from storywatch.store import migrate  # noqa: E402
from storywatch.store.articles import ArticleText, store_article  # noqa: E402
from storywatch.store.db import Connection, connect  # noqa: E402
from storywatch.store.stagework import PendingVersion, run_stage  # noqa: E402

SETS = [REPO / "bench" / "copies_dev", REPO / "bench" / "copies_frozen"]

SYNTHETIC_DOCUMENTS = """
insert into documents (identity, url, origin, first_seen_at)
select 'https://synthetic.example/' || g, 'https://synthetic.example/' || g, 'page',
       timestamptz '2024-01-01' + g * interval '5 minutes'
from generate_series(1, %(size)s) as g
"""
SYNTHETIC_VERSIONS = """
insert into document_versions (document_id, version_no, content_sha256, fingerprint, title, body,
                               published_at, published_at_source, fetched_at)
select d.document_id, 1, md5(d.identity), md5(d.identity), 'Synthetic ' || d.document_id,
       'Synthetic article ' || d.document_id, d.first_seen_at, 'metadata', d.first_seen_at
from documents as d
"""
# Each array is correlated with the row (g > -v.document_id) so PostgreSQL draws new random
# values per row instead of computing the subquery once.
SYNTHETIC_SIGNATURES = """
insert into copy_signatures (
    document_id, document_version_id, ordered_at, body_fold_sha256, word_count, word_shingles,
    word_anchors, skeleton_shingles, skeleton_minhash, skeleton_bands, quote_shingles, numbers,
    sentence_hashes
)
select v.document_id, v.document_version_id, v.ordered_at, md5(v.document_id::text), 600,
       array(select (random() * 4e18)::bigint from generate_series(1, 600) g where g > -v.document_id),
       array(select (random() * 4e18)::bigint from generate_series(1, 130) g where g > -v.document_id),
       array(select (random() * 4e18)::bigint from generate_series(1, 60) g where g > -v.document_id),
       array(select (random() * 4e18)::bigint from generate_series(1, 64) g where g > -v.document_id),
       array(select (random() * 4e18)::bigint from generate_series(1, 16) g where g > -v.document_id),
       array(select (random() * 4e18)::bigint from generate_series(1, (v.document_id % 31)::int) g
             where g > -v.document_id),
       array(select (1 + (random() * 5000)::int)::text from generate_series(1, 8) g
             where g > -v.document_id),
       array(select (random() * 4e18)::bigint from generate_series(1, 25) g where g > -v.document_id)
from document_versions as v
"""


class TimedCopiesStage(CopiesStage):
    """The copies stage, with each version's prepare + write timed."""

    def __init__(self) -> None:
        self.seconds: list[float] = []
        self._prepare_each = 0.0

    def prepare(self, versions: Sequence[PendingVersion]) -> list:  # type: ignore[override]
        t0 = time.perf_counter()
        prepared = super().prepare(versions)
        self._prepare_each = (time.perf_counter() - t0) / max(len(versions), 1)
        return prepared

    def write(self, conn: Connection, version: PendingVersion, prepared) -> None:  # type: ignore[override]
        t0 = time.perf_counter()
        super().write(conn, version, prepared)
        self.seconds.append(self._prepare_each + time.perf_counter() - t0)


def new_texts() -> list[tuple[str, str]]:
    texts = []
    for root in SETS:
        for folder in ("texts", "derived"):
            for path in sorted((root / folder).glob("*.txt")):
                texts.append((f"{root.name}/{path.stem}", path.read_text(encoding="utf-8")))
    return texts


def build(conn: Connection, size: int) -> float:
    t0 = time.perf_counter()
    with conn.cursor() as cur:
        # loaded without the indexes, which are then built as the migrations define them
        cur.execute("select indexname, indexdef from pg_indexes where tablename = 'copy_signatures'"
                    " and indexname <> 'copy_signatures_pkey'")
        indexes = cur.fetchall()
        for name, _definition in indexes:
            cur.execute(SQL("drop index {}").format(Identifier(name)))
        cur.execute(SYNTHETIC_DOCUMENTS, {"size": size})
        cur.execute(SYNTHETIC_VERSIONS)
        cur.execute(SYNTHETIC_SIGNATURES)
        for _name, definition in indexes:
            cur.execute(definition)
    conn.commit()
    # A corpus that has been vacuumed, as autovacuum keeps a live one: the GIN indexes'
    # pending lists merged, statistics fresh.
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("vacuum analyze")
    conn.autocommit = False
    return time.perf_counter() - t0


NEW_ROWS = [
    "delete from copy_blurbs where document_id = any(%(ids)s) or story_document_id = any(%(ids)s)",
    "delete from copy_matches where document_id = any(%(ids)s) or other_document_id = any(%(ids)s)",
    "delete from story_copies where document_id = any(%(ids)s) or copy_of_document_id = any(%(ids)s)",
    "delete from copy_signatures where document_id = any(%(ids)s)",
    "delete from stage_runs where document_version_id in"
    " (select document_version_id from document_versions where document_id = any(%(ids)s))",
    "delete from document_versions where document_id = any(%(ids)s)",
    "delete from documents where document_id = any(%(ids)s)",
]


def measure(conn: Connection) -> tuple[list[float], str]:
    """Store the new texts, run the copies stage on them (timed), then remove them again."""
    start = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    ids = []
    for i, (name, body) in enumerate(new_texts()):
        article = ArticleText(identity=f"https://new.example/{name}", origin="page", body=body,
                              title=name, url=f"https://new.example/{name}", source="bench",
                              published_at=start + dt.timedelta(minutes=i))
        ids.append(store_article(conn, article).document_version_id)
    conn.commit()
    stage = TimedCopiesStage()
    run_stage(conn, stage, only_ids=ids)
    with conn.cursor() as cur:
        cur.execute("select word_anchors, skeleton_bands, quote_shingles, body_fold_sha256,"
                    " document_id from copy_signatures where document_version_id = %s", (ids[0],))
        anchors, bands, quotes, sha, document_id = cur.fetchone()
        cur.execute(NO_SEQSCAN)
        cur.execute(SQL("explain {}").format(SQL(CANDIDATES)), {
            "document_id": document_id, "sha": sha, "anchors": anchors,
            "skeleton_bands": bands, "quotes": quotes, "limit": 500})
        plan = "\n".join(row[0] for row in cur.fetchall())
    conn.rollback()
    with conn.cursor() as cur:
        cur.execute("select document_id from document_versions where document_version_id = any(%s)",
                    (ids,))
        documents = [row[0] for row in cur.fetchall()]
        for statement in NEW_ROWS:
            cur.execute(statement, {"ids": documents})
    conn.commit()
    return stage.seconds, plan


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--rounds", type=int, default=3,
                        help="rounds over all sizes in turn, so that a busy minute hits every size")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    with ExitStack() as stack:
        conns = {}
        for size in sizes:
            url = stack.enter_context(benchkit.scratch_database(f"storywatch_bench_copies_{size}"))
            conn = connect(url)
            stack.callback(conn.close)
            migrate.upgrade(conn, REPO / "sql")
            print(f"{size:>7} stored versions built in {build(conn, size):.0f} s", flush=True)
            conns[size] = conn
        timings: dict[int, list[float]] = {size: [] for size in sizes}
        round_medians: dict[int, list[float]] = {size: [] for size in sizes}
        for _ in range(args.rounds):
            for size in sizes:
                seconds, plan = measure(conns[size])
                ms = [s * 1000 for s in seconds]
                timings[size] += ms
                round_medians[size].append(statistics.median(ms))
                if "Seq Scan on copy_signatures" in plan:
                    print("  the candidates query read copy_signatures sequentially:\n" + plan)
    results = []
    for size in sizes:
        ms = sorted(timings[size])
        median, p90 = statistics.median(ms), ms[int(0.9 * (len(ms) - 1))]
        results.append((size, median))
        rounds = ", ".join(f"{m:.1f}" for m in round_medians[size])
        print(f"{size:>7} stored versions: {len(ms)} new versions timed, median {median:.1f} ms, "
              f"p90 {p90:.1f} ms per version (round medians {rounds})")
    base = results[0][1]
    print("median per version relative to the smallest corpus: " + ", ".join(
        f"{size}: {median / base:.2f}" for size, median in results))
    print(benchkit.machine())
    return 0


if __name__ == "__main__":
    sys.exit(main())
