"""Articles per second and peak memory of `storywatch process`, beside spaCy alone on the same texts.

    PYTHONPATH=plugins python bench/throughput.py [--corpus real|generated] [--articles 300]
                                                  [--workers N] [--database-url URL]

`--corpus real` (the default) reads the bodies of the public article-extraction benchmark
in the shared folder (`../shared/bench/article-extraction/`, STORYWATCH_SHARED_DIR
overrides; real pages of many sites and subjects, read at run time, never copied here);
`--corpus generated` makes N articles by repeating and varying the seed and the articles
of bench/extraction_gold/ (names, figures, paragraph order and length change): every one
of them copies the others in part, the worst case for the copies stage. Then it
measures, each in a fresh process so peak memory (max RSS) is its own:
- `spacy`: the pipeline alone (`nlp.pipe`, the stage's batch size) over the texts;
- `rules`: parse + every rule of the stage (entities, quotes, quantities, statuses,
  spin), no database;
- `process`: the extract stage end to end through `pipeline.run_stage` on a scratch
  database (claim, parse, rules, write, record);
- `pipeline`: every stage (extract, copies, track, with the shipped threads synced)
  end to end as `storywatch process` runs them (`workers.process_with_workers`), once
  with one worker and once with `--workers` (default: the usable cores), worker
  start and model loads included.
"Overhead" is what the extract stage costs beyond spaCy, as a ratio of spaCy's cost. The
headline ratio is `storywatch process` on every core against spaCy alone on one, both
with the model's load counted (a user waits for both); above 1.0, processing keeps up
with the parser itself.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "plugins"))
sys.path.insert(0, str(REPO / "bench"))

GOLD_DIR = REPO / "bench" / "extraction_gold"
SWAPS = [("Raisi", "Rouhani"), ("Putin", "Lavrov"), ("Biden", "Blinken"), ("Vienna", "Geneva"),
         ("100,000", "110,000"), ("130,000", "127,000"), ("Ukraine", "Ukraine"),
         ("Borrell", "Mora"), ("Kremlin", "Kremlin")]


def fixture_texts() -> list[str]:
    """The seed and the gold articles' bodies (front matter removed)."""
    texts = [(REPO / "seeds" / "000_d3ec237e47cabcad.txt").read_text(encoding="utf-8")]
    for path in sorted(GOLD_DIR.glob("*.txt")):
        texts.append(path.read_text(encoding="utf-8").split("---", 2)[-1].strip())
    return texts


def generate_articles(count: int, seed: int = 7) -> list[str]:
    """`count` varied articles: fixtures with swapped names and figures, reordered, cut or doubled."""
    rng = random.Random(seed)
    base = fixture_texts()
    articles = []
    for i in range(count):
        # News articles run 2,000-6,000 characters; the fixtures are shorter, so most
        # generated articles carry on with the paragraphs of a second fixture.
        paragraphs = base[i % len(base)].split("\n")
        if rng.random() < 0.8:
            paragraphs += rng.choice(base).split("\n")[1:]
        if len(paragraphs) > 3 and rng.random() < 0.5:
            head, rest = paragraphs[:2], paragraphs[2:]
            rng.shuffle(rest)
            paragraphs = head + rest
        if rng.random() < 0.3:
            paragraphs = paragraphs[: max(2, len(paragraphs) * 2 // 3)]
        elif rng.random() < 0.2:
            paragraphs = paragraphs + paragraphs[1:3]
        text = "\n".join(paragraphs)
        for old, new in rng.sample(SWAPS, 3):
            text = text.replace(old, new)
        articles.append(f"{text}\nUpdate {i}: officials said talks would resume on day {i % 28 + 1}.")
    return articles


def peak_rss_mb() -> float:
    """Peak resident memory of this process, in MB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def peak_rss_children_mb() -> float:
    """Peak resident memory of the largest child process waited for, in MB."""
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def measure_spacy(texts: list[str]) -> dict[str, float]:
    from storywatch.language import nlp

    started = time.perf_counter()
    nlp.load_pipeline()
    loaded = time.perf_counter()
    tokens = sum(len(doc) for doc in nlp.parse_texts(texts))
    seconds = time.perf_counter() - loaded
    return {"seconds": seconds, "load_seconds": loaded - started, "tokens": tokens}


def measure_rules(texts: list[str]) -> dict[str, float]:
    from storywatch.language import nlp
    from storywatch.language.analysis import analyse_doc

    nlp.load_pipeline()
    started = time.perf_counter()
    rules = 0.0
    claims = 0
    for doc in nlp.parse_texts(texts):
        mark = time.perf_counter()
        claims += len(analyse_doc(doc).claims)
        rules += time.perf_counter() - mark
    return {"seconds": time.perf_counter() - started, "rules_seconds": rules, "claims": claims}


def _timed_stage_class() -> type:
    from storywatch.extraction.stage import ExtractStage

    class TimedStage(ExtractStage):
        """The extract stage, timing its parse-and-rules and its database writes apart."""

        prepare_seconds = 0.0
        write_seconds = 0.0

        def prepare(self, versions):  # type: ignore[no-untyped-def]
            started = time.perf_counter()
            try:
                return super().prepare(versions)
            finally:
                self.prepare_seconds += time.perf_counter() - started

        def write(self, conn, version, prepared):  # type: ignore[no-untyped-def]
            started = time.perf_counter()
            try:
                super().write(conn, version, prepared)
            finally:
                self.write_seconds += time.perf_counter() - started

    return TimedStage


def store_texts(conn: Any, texts: list[str]) -> None:
    """Each text as an article of its own, an hour apart, from seven outlets in turn."""
    import datetime as dt

    from storywatch.store.articles import ArticleText, store_article

    published = dt.datetime(2022, 2, 1, tzinfo=dt.UTC)
    for i, text in enumerate(texts):
        store_article(conn, ArticleText(
            identity=f"bench-{i}", origin="file", body=text, title=None,
            source=f"Outlet {i % 7}", published_at=published + dt.timedelta(hours=i)))


def measure_process(texts: list[str], server_url: str) -> dict[str, float]:

    from benchkit import scratch_database

    from storywatch.language import nlp
    from storywatch.settings import Settings
    from storywatch.store import db, migrate
    from storywatch.store.stagework import run_stage

    TimedStage = _timed_stage_class()  # noqa: N806 - a class
    with scratch_database(f"storywatch_throughput_{os.getpid()}", server=server_url) as url:
        conn = db.connect(url)
        try:
            migrate.upgrade(conn, Settings.from_env().sql_dir)
            store_texts(conn, texts)
            nlp.load_pipeline()
            stage = TimedStage()
            started = time.perf_counter()
            counts = run_stage(conn, stage, batch_size=8)
            seconds = time.perf_counter() - started
            with conn.cursor() as cur:
                cur.execute("select count(*) from claims")
                claims = cur.fetchone()[0]
                cur.execute("select count(*) from entity_mentions")
                mentions = cur.fetchone()[0]
        finally:
            conn.close()
    return {"seconds": seconds, "done": counts.done, "failed": counts.failed,
            "claims": claims, "mentions": mentions, "prepare_seconds": stage.prepare_seconds,
            "write_seconds": stage.write_seconds}


def measure_pipeline(texts: list[str], server_url: str, workers: int) -> dict[str, float]:
    """Every stage over `texts` with `workers` processes, as `storywatch process` runs them."""

    from benchkit import scratch_database

    from storywatch.settings import Settings
    from storywatch.store import db, migrate
    from storywatch.tracking.sync import sync_seed_threads
    from storywatch.workers import process_with_workers

    settings = Settings.from_env()
    with scratch_database(f"storywatch_pipeline_{os.getpid()}", server=server_url) as url:
        conn = db.connect(url)
        try:
            migrate.upgrade(conn, settings.sql_dir)
            sync_seed_threads(conn, settings.seeds_dir)
            store_texts(conn, texts)
            conn.commit()
            started = time.perf_counter()
            counts = process_with_workers(url, workers, batch_size=8)
            seconds = time.perf_counter() - started
            with conn.cursor() as cur:
                cur.execute("select count(*) from observations")
                observations = cur.fetchone()[0]
                cur.execute("select count(*) from developments")
                developments = cur.fetchone()[0]
        finally:
            conn.close()
    failed = sum(c.get("failed", 0) for c in counts.values())
    return {"seconds": seconds, "done": counts["track"]["done"], "failed": failed,
            "observations": observations, "developments": developments,
            "peak_rss_children_mb": peak_rss_children_mb()}


def real_texts() -> list[str]:
    """The article bodies of the shared extraction benchmark (60 words or more) that the
    extract stage reads (not those it sets aside as not English), so that spaCy alone and
    storywatch parse the same texts."""
    from scale import real_bodies

    from storywatch.extraction.stage import screen_text
    from storywatch.store.stagework import SkipItem

    kept = []
    for _url, _title, body in real_bodies():
        try:
            screen_text(body)
        except SkipItem:
            continue
        kept.append(body)
    return kept


def corpus_texts(corpus: str, count: int) -> list[str]:
    return real_texts() if corpus == "real" else generate_articles(count)


def child(mode: str, count: int, server_url: str | None, workers: int = 1,
          corpus: str = "generated") -> None:
    texts = corpus_texts(corpus, count)
    if mode == "spacy":
        result = measure_spacy(texts)
    elif mode == "rules":
        result = measure_rules(texts)
    elif mode == "pipeline":
        assert server_url is not None
        result = measure_pipeline(texts, server_url, workers)
    else:
        assert server_url is not None
        result = measure_process(texts, server_url)
    result["peak_rss_mb"] = peak_rss_mb()
    result["chars"] = sum(len(t) for t in texts)
    result["texts"] = len(texts)
    print(json.dumps(result))


def run_child(mode: str, count: int, server_url: str | None, repeat: int = 1,
              workers: int = 1, corpus: str = "generated") -> dict[str, float]:
    """The fastest of `repeat` fresh-process runs of `mode` (the machine's other load is noise)."""
    runs = [_run_child_once(mode, count, server_url, workers, corpus) for _ in range(repeat)]
    return min(runs, key=lambda r: r["seconds"])


def _run_child_once(mode: str, count: int, server_url: str | None,
                    workers: int, corpus: str) -> dict[str, float]:
    command = [sys.executable, __file__, "--child", mode, "--articles", str(count),
               "--workers", str(workers), "--corpus", corpus]
    if server_url:
        command += ["--database-url", server_url]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{mode} run failed:\n{done.stderr[-3000:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=2,
                        help="runs of each measurement; the fastest counts (default 2)")
    parser.add_argument("--database-url", help="maintenance database URL of the server to use "
                        "(default: STORYWATCH_DATABASE_URL, else the embedded server)")
    parser.add_argument("--corpus", choices=("real", "generated"), default="real",
                        help="real pages of the shared extraction benchmark (default), or "
                        "generated look-alikes of the seed (the copies stage's worst case)")
    parser.add_argument("--workers", type=int, default=None,
                        help="workers of the parallel pipeline run (default: the usable cores)")
    parser.add_argument("--child", choices=("spacy", "rules", "process", "pipeline"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child, args.articles, args.database_url, args.workers or 1, args.corpus)
        return 0

    from storywatch.settings import Settings, usable_cores
    from storywatch.store import db

    workers = args.workers or usable_cores()

    def measure(server_url: str) -> None:
        corpus = args.corpus
        spacy_only = run_child("spacy", args.articles, None, args.repeat, corpus=corpus)
        rules = run_child("rules", args.articles, None, args.repeat, corpus=corpus)
        process = run_child("process", args.articles, server_url, args.repeat, corpus=corpus)
        one = run_child("pipeline", args.articles, server_url, args.repeat, 1, corpus)
        every = run_child("pipeline", args.articles, server_url, args.repeat, workers, corpus)
        n = int(spacy_only["texts"])
        print(f"fastest of {args.repeat} runs each, every run in a fresh process")
        kind = "real pages (shared extraction benchmark)" if corpus == "real" else (
            "generated articles")
        print(f"{n} {kind}, {spacy_only['chars'] / n:,.0f} characters and "
              f"{spacy_only['tokens'] / n:,.0f} tokens each on average")
        print(f"{'run':<34}{'seconds':>9}{'articles/s':>12}{'peak MB':>9}")
        for label, result in (("spaCy alone (nlp.pipe)", spacy_only),
                              ("parse + rules (no database)", rules),
                              ("extract stage end to end", process)):
            print(f"{label:<34}{result['seconds']:>9.1f}{n / result['seconds']:>12.2f}"
                  f"{result['peak_rss_mb']:>9.0f}")
        spacy_loaded = spacy_only["seconds"] + spacy_only["load_seconds"]
        print(f"{'spaCy alone, load included':<34}{spacy_loaded:>9.1f}{n / spacy_loaded:>12.2f}"
              f"{spacy_only['peak_rss_mb']:>9.0f}")
        for label, result in (("storywatch process, 1 worker", one),
                              (f"storywatch process, {workers} workers", every)):
            peak = max(result["peak_rss_mb"], result["peak_rss_children_mb"])
            print(f"{label:<34}{result['seconds']:>9.1f}{n / result['seconds']:>12.2f}"
                  f"{peak:>9.0f}")
        print(f"storywatch process ({workers} workers, all stages, loads included) against spaCy "
              f"alone (one process, load included): {spacy_loaded / every['seconds']:.2f}x "
              f"(1 worker: {spacy_loaded / one['seconds']:.2f}x; aim >= 1.0)")
        print(f"peak memory per worker: {max(every['peak_rss_mb'], every['peak_rss_children_mb']):.0f}"
              f" MB (aim < 500); {every['observations']:,} observations, "
              f"{every['developments']:,} developments, {every['failed']} failed "
              f"(1 worker: {one['observations']:,}, {one['developments']:,})")
        base = spacy_only["seconds"]
        print(f"rules alone: {rules['rules_seconds']:.1f} s = {rules['rules_seconds'] / base:.2f}"
              " of spaCy's cost")
        print(f"everything beyond spaCy in the stage: {process['seconds'] - base:.1f} s = "
              f"{(process['seconds'] - base) / base:.2f} of spaCy's cost (aim < 0.5)")
        print(f"inside the stage: parse + rules {process['prepare_seconds']:.1f} s, database "
              f"writes {process['write_seconds']:.1f} s, claiming and recording "
              f"{process['seconds'] - process['prepare_seconds'] - process['write_seconds']:.1f} s")
        print(f"stage wrote {process['claims']:,} claims and {process['mentions']:,} mentions "
              f"for {process['done']} versions ({process['failed']} failed)")

    if args.database_url:
        measure(args.database_url)
    else:
        with db.database_url(Settings.from_env()) as url:
            measure(url)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
