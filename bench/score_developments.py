"""Precision and recall of developments and of thread relevance on an annotated timeline.

Runs the real pipeline on a scratch database: sync seeds/threads.yml, ingest the
seed and every article of the timeline folder, `process` (extract + track), then
compares v_developments (matched on article + thread + slot + value) and
v_thread_relevance with the folder's gold.yml.

    python bench/score_developments.py                 # the held-out set
    python bench/score_developments.py --set both -v   # also the tuning fixtures, with details
    python bench/score_developments.py --dir FOLDER    # any annotated folder (gold.yml + articles)
    python bench/score_developments.py --dir FOLDER --threads FOLDER/threads.yml
                                                       # ... tracked with another threads file

The held-out set (bench/timeline_heldout) was written apart from the fixtures the
tracker is tuned on (tests/fixtures/timeline) and is not used for tuning.
Database: STORYWATCH_DATABASE_URL's server, else the embedded one; the scratch
database is dropped afterwards.
"""
from __future__ import annotations

import argparse
import logging
import secrets
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg2
import psycopg2.sql

from storywatch.reports import evaluation
from storywatch.seeding import load_seeds
from storywatch.settings import REPO_ROOT, Settings
from storywatch.sources.ingest import ingest_paths
from storywatch.stages import process_pending
from storywatch.store import db, migrate
from storywatch.tracking.sync import sync_threads
from storywatch.tracking.threads import load_threads_file

SETS = {
    "heldout": REPO_ROOT / "bench" / "timeline_heldout",
    "tuning": REPO_ROOT / "tests" / "fixtures" / "timeline",
}


def score_folder(server_url: str, folder: Path, settings: Settings, verbose: bool,
                 threads_path: Path | None = None, keep: bool = False) -> dict[str, float]:
    """Run the pipeline on `folder` in a scratch database and print its scores.

    `threads_path` replaces seeds/threads.yml (a thread written for one evaluation set);
    `keep` leaves the scratch database for inspection (its name is printed).
    """
    name = f"storywatch_bench_{secrets.token_hex(4)}"
    admin = psycopg2.connect(server_url)
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(psycopg2.sql.SQL("create database {}").format(psycopg2.sql.Identifier(name)))
    url = urlunsplit(urlsplit(server_url)._replace(path="/" + name))
    try:
        conn = db.connect(url)
        try:
            migrate.upgrade(conn, settings.sql_dir)
            started = time.perf_counter()
            load_seeds(conn, settings.seeds_dir)
            if threads_path is not None:
                sync_threads(conn, load_threads_file(threads_path))
            ingest_paths(conn, [folder])
            stages = process_pending(conn)
            elapsed = time.perf_counter() - started
            gold = evaluation.load_gold(folder / "gold.yml")
            labels = evaluation.file_labels(folder, settings.seeds_dir)
            produced = evaluation.read_produced(conn, labels)
            devs = evaluation.score_developments(gold.developments, produced)
            rel = evaluation.score_relevance(conn, gold, labels)
            details = evaluation.details_mismatches(gold.developments, produced)
            state = evaluation.read_state(conn)
        finally:
            conn.close()
    finally:
        if keep:
            print(f"kept the scratch database {name}")
        else:
            with admin.cursor() as cur:
                cur.execute(psycopg2.sql.SQL("drop database if exists {} with (force)").format(
                    psycopg2.sql.Identifier(name)))
        admin.close()
    articles = len(labels) - 1
    shown = folder.relative_to(REPO_ROOT) if folder.is_relative_to(REPO_ROOT) else folder
    print(f"\n{shown}: {articles} articles + the seed, "
          f"{len(gold.developments)} gold developments ({elapsed:.1f} s through ingest + process; "
          f"stages {stages})")
    print(f"  developments (thread+slot+value): precision {devs.precision:.3f}  "
          f"recall {devs.recall:.3f}  "
          f"({len(devs.true_positives)} right, {len(devs.false_positives)} spurious, "
          f"{len(devs.false_negatives)} missed)")
    print(f"  thread relevance:                  precision {rel.precision:.3f}  "
          f"recall {rel.recall:.3f}  "
          f"({len(rel.true_positives)} right, {len(rel.false_positives)} spurious, "
          f"{len(rel.false_negatives)} missed)")
    kind_ok = len(devs.true_positives) - len({m.split(":")[0] for m in details})
    print(f"  matched developments with the right kind, previous value and evidence: "
          f"{kind_ok}/{len(devs.true_positives)}")
    if verbose:
        for key in devs.false_positives:
            print("    spurious:", key)
        for key in devs.false_negatives:
            print("    missed:  ", key)
        for line in details:
            print("    detail:  ", line)
        for key in rel.false_positives:
            print("    relevance spurious:", key)
        for key in rel.false_negatives:
            print("    relevance missed:  ", key)
        for thread, slots in gold.state.items():
            for slot, value in slots.items():
                got = state.get(thread, {}).get(slot)
                if got != value:
                    print(f"    final state {thread}/{slot}: {got!r}, gold {value!r}")
    return {"dev_precision": devs.precision, "dev_recall": devs.recall,
            "rel_precision": rel.precision, "rel_recall": rel.recall}


def main(argv: list[str] | None = None) -> int:
    """Score the chosen timeline set(s); exit 0 (figures are printed, not judged)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--set", choices=("heldout", "tuning", "both"), default="heldout")
    parser.add_argument("--dir", type=Path, action="append", default=[],
                        help="score this annotated folder instead (repeatable)")
    parser.add_argument("--threads", type=Path, default=None,
                        help="track with this threads file instead of seeds/threads.yml")
    parser.add_argument("-v", "--verbose", action="store_true", help="list every miss")
    parser.add_argument("--keep", action="store_true",
                        help="keep each scratch database (development sets only: its rows "
                             "show what a frozen set missed)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    settings = Settings.from_env()
    names = ["tuning", "heldout"] if args.set == "both" else [args.set]
    folders = [d.resolve() for d in args.dir] or [SETS[name] for name in names]
    with db.database_url(settings) as url:
        server = urlunsplit(urlsplit(url)._replace(path="/postgres"))
        for folder in folders:
            score_folder(server, folder, settings, args.verbose, args.threads, args.keep)
    return 0


if __name__ == "__main__":
    sys.exit(main())
