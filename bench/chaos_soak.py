"""Chaos soak: workers SIGKILLed and PostgreSQL restarted for a while, then compared with a clean run.

A loopback site serves N feeds (default 200) whose articles appear, are edited
and are removed as a clock of epochs advances (`FeedHistory`). The chaos run
keeps `storywatch poll`, `storywatch revisit` and two `storywatch process`
workers running (each restarted when it exits) against a PostgreSQL server the
soak starts for itself (the embedded server machinery, data under
.storywatch/soak/), SIGKILLs a random worker every few seconds and restarts the
server (fast or immediate shutdown) every minute or so, for `--duration`
seconds. Then a quiet full run (poll, revisit, process, alert) finishes it.

The clean run goes through the same epochs once each, uninterrupted, on a
second database of the same server, before the chaos starts.
The two final databases are compared table by table: every row of every table,
without generated ids and times, each reference to another row replaced by that
row's natural key (a document's identity, a version's identity and number, a
feed's URL, a slot's thread and name, ...). Any difference is printed and makes
the exit status 1; a duplicate or lost article, version, claim, observation,
development or alert shows up there.

Why epochs, and why the chaos run waits for each to settle: a page's text at a
given moment is only ever seen by whoever fetches it then. For "the same feed
history" to mean the same input, every run must see every state: an epoch ends
(the clock moves on) only once every feed was polled, every pending page
fetched and every tracked article revisited at that epoch's state. Epochs are
spread over the duration; faults never stop. At an epoch's end every fetching
worker is SIGKILLed (counted among the kills) and its sessions waited out, so
no fetch of the old state lands after the clock moved.

    PYTHONPATH=plugins python bench/chaos_soak.py                  # 200 feeds, 30 minutes
    PYTHONPATH=plugins python bench/chaos_soak.py --feeds 20 --duration 120 --no-write
"""
from __future__ import annotations

import argparse
import datetime as dt
import email.utils
import hashlib
import html
import http.server
import os
import random
import secrets
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import benchkit
import psycopg2  # noqa: E402
import psycopg2.sql  # noqa: E402
from benchkit import REPO

from storywatch.reports.alerts import mark_alerted, read_development_alert  # noqa: E402
from storywatch.settings import Settings  # noqa: E402
from storywatch.sources.feeds import add_feed  # noqa: E402
from storywatch.store import migrate  # noqa: E402
from storywatch.store.db import connect  # noqa: E402
from storywatch.store.embedded import EmbeddedServer, wait_until_ready  # noqa: E402
from storywatch.tracking.sync import sync_seed_threads  # noqa: E402

SOAK_HOMES = REPO / ".storywatch" / "soak"
ARTICLES_PER_FEED = 3
# Tables whose rows carry the moment they were written in a way the comparison cannot strip
# (a raw body holds the server's Date header; politeness and robots rows are clocks): their
# row counts are compared, their contents are not.
COUNT_ONLY = frozenset({"raw_responses", "host_politeness", "robots_cache"})
T = TypeVar("T")


# --- the feed history: a pure function of (feed, article, epoch) --------------------------------
PLACES = ["Geneva", "Vienna", "Brussels", "Berlin", "Warsaw", "Ankara", "Oslo"]
SPEAKERS = [("Sergei Lavrov", "Russian Foreign Minister"), ("Antony Blinken", "U.S. Secretary of State"),
            ("Jens Stoltenberg", "NATO Secretary General"), ("Olaf Scholz", "German Chancellor")]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]


@dataclass(frozen=True)
class FeedHistory:
    """What the site serves at each epoch: feed i's articles appear, change and disappear."""

    feeds: int
    epochs: int
    # Publication times count from here: recent, since articles older than a month are no
    # longer revisited; the same for both runs, which share one history.
    base: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC).replace(
        second=0, microsecond=0) - dt.timedelta(days=2))

    def first_epoch(self, feed: int, article: int) -> int:
        return min(2 * article + feed % 2, self.epochs - 1)

    def edits(self, feed: int, article: int, epoch: int) -> int:
        """How many times the article was edited by `epoch` (0, 1 or 2 edits over its life)."""
        planned = (feed + article) % 3  # 0: never edited, 1: once, 2: twice
        start = self.first_epoch(feed, article)
        return sum(1 for n in range(planned) if start + 2 + 2 * n <= epoch)

    def removed(self, feed: int, article: int, epoch: int) -> bool:
        return (7 * feed + article) % 11 == 0 and epoch >= self.first_epoch(feed, article) + 3

    def published(self, feed: int, article: int) -> dt.datetime:
        return self.base + dt.timedelta(hours=6 * article, minutes=feed)

    def live_articles(self, feed: int, epoch: int) -> list[int]:
        return [a for a in range(ARTICLES_PER_FEED)
                if self.first_epoch(feed, a) <= epoch and not self.removed(feed, a, epoch)]

    def title(self, feed: int, article: int) -> str:
        return f"{PLACES[(feed + article) % len(PLACES)]} talks, wire {feed}, story {article}"

    def paragraphs(self, feed: int, article: int, epoch: int) -> list[str]:
        version = self.edits(feed, article, epoch)
        person, role = SPEAKERS[(feed + 2 * article) % len(SPEAKERS)]
        place = PLACES[(feed + article) % len(PLACES)]
        troops = 100_000 + 5_000 * ((feed + 3 * article) % 9) + 15_000 * version
        percent = 20 + (feed + article) % 7 + 2 * version
        day = DAYS[(feed + article) % len(DAYS)]
        text = [
            f"Russia has massed some {troops:,} troops near the border with Ukraine, Western "
            f"officials said on {day}, as talks in {place} ended without a breakthrough.",
            f"\u201cWe will not accept ultimatums,\u201d {person}, the {role}, told reporters after "
            "the meeting, adding that the next round could take place within weeks.",
            f"Iran said it had enriched uranium to {percent} percent purity, according to a U.S. "
            "official, while negotiations over the nuclear deal remained paused.",
            f"Wire {feed} filed story {article} from {place}; the weather there was mild.",
        ]
        if version:
            text.append(f"This story was updated {version} time{'s' if version > 1 else ''} "
                        "with new figures from officials.")
        return text

    def article_page(self, feed: int, article: int, epoch: int) -> str:
        title = html.escape(self.title(feed, article))
        published = self.published(feed, article).isoformat()
        body = "\n".join(f"<p>{html.escape(p)}</p>" for p in self.paragraphs(feed, article, epoch))
        return ("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
                f"<title>{title}</title><meta name=\"author\" content=\"Wire {feed} Desk\">"
                f"<meta property=\"article:published_time\" content=\"{published}\"></head><body>"
                f"<article><h1>{title}</h1>{body}</article>"
                "<footer><p>Copyright Soak Wire.</p></footer></body></html>")

    def feed_xml(self, feed: int, epoch: int, site: str) -> str:
        parts = [f"<rss version=\"2.0\"><channel><title>Soak Wire {feed}</title>"
                 f"<link>{site}/</link>"]
        for article in reversed(self.live_articles(feed, epoch)):
            parts.append(
                f"<item><title>{html.escape(self.title(feed, article))}</title>"
                f"<link>{site}/news/{feed}/{article}</link>"
                f"<guid isPermaLink=\"false\">wire-{feed}-{article}</guid>"
                f"<description>{html.escape(self.paragraphs(feed, article, epoch)[0])}</description>"
                f"<pubDate>{email.utils.format_datetime(self.published(feed, article))}</pubDate>"
                "</item>")
        parts.append("</channel></rss>")
        return "".join(parts)


class Site:
    """The loopback server of a FeedHistory at the current epoch (ETag and If-None-Match honoured)."""

    def __init__(self, history: FeedHistory) -> None:
        self.history = history
        self.epoch = 0
        self.requests = 0
        self._lock = threading.Lock()
        site = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                with site._lock:
                    site.requests += 1
                status, body, kind = site.respond(self.path)
                etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
                if status == 200 and self.headers.get("If-None-Match") == etag:
                    status, body = 304, b""
                self.send_response(status)
                if status in (200, 304):
                    self.send_header("ETag", etag)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def respond(self, path: str) -> tuple[int, bytes, str]:
        epoch, history = self.epoch, self.history
        parts = path.split("?")[0].strip("/").split("/")
        if parts == ["robots.txt"]:
            return 200, b"User-agent: *\nAllow: /\n", "text/plain"
        try:
            if parts[0] == "feed" and len(parts) == 2 and parts[1].endswith(".xml"):
                feed = int(parts[1][:-4])
                if 0 <= feed < history.feeds:
                    return (200, history.feed_xml(feed, epoch, self.url).encode(),
                            "application/rss+xml")
            if parts[0] == "news" and len(parts) == 3:
                feed, article = int(parts[1]), int(parts[2])
                if (0 <= feed < history.feeds and 0 <= article < ARTICLES_PER_FEED
                        and history.first_epoch(feed, article) <= epoch
                        and not history.removed(feed, article, epoch)):
                    return (200, history.article_page(feed, article, epoch).encode(),
                            "text/html; charset=utf-8")
        except ValueError:
            pass
        return 404, b"not here", "text/plain"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


# --- the database --------------------------------------------------------------------------------
def retrying(action: Callable[[], T], what: str, timeout: float = 300.0) -> T:
    """Run `action` until it gets through a restarting server (each try on a new connection)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return action()
        except psycopg2.Error as exc:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{what}: the database did not come back: {exc}") from exc
            time.sleep(0.5)


def run_sql(url: str, statement: str, params: Sequence[object] = ()) -> list[tuple[Any, ...]]:
    conn = psycopg2.connect(url, connect_timeout=5)
    try:
        with conn.cursor() as cur:
            cur.execute(statement, params)
            rows = cur.fetchall() if cur.description else []
        conn.commit()
        return rows
    finally:
        conn.close()


FORCE_DUE = """
with f as (update feeds set next_poll_at = now() where active returning 1),
     a as (update tracked_articles set next_fetch_at = now() where next_fetch_at is not null
           returning 1)
select now()
"""
UNSETTLED = """
select (select count(*) from feeds where active and (next_poll_at <= %(since)s or last_error is not null))
     + (select count(*) from feed_items where status = 'pending')
     + (select count(*) from tracked_articles where next_fetch_at <= %(since)s or last_error is not null)
"""
CLIENTS = """
select count(*) from pg_stat_activity
where backend_type = 'client backend' and pid <> pg_backend_pid()
  and datname = current_database() and application_name like 'storywatch%%'
"""


RETAKE_FAILED = """
with f as (update feeds set next_poll_at = %(since)s where active and last_error is not null
           returning 1),
     a as (update tracked_articles set next_fetch_at = %(since)s where last_error is not null
           returning 1)
select (select count(*) from f) + (select count(*) from a)
"""


def retake_failed(url: str, since: dt.datetime) -> int:
    """Make the feeds and articles whose last fetch failed due again within the epoch."""
    return int(retrying(lambda: run_sql(url, RETAKE_FAILED, {"since": since})[0][0], "retaking"))


def force_due(url: str) -> dt.datetime:
    """Make every feed and tracked article due now; the database's now()."""
    return retrying(lambda: run_sql(url, FORCE_DUE)[0][0], "making the epoch due")


def unsettled(url: str, since: dt.datetime) -> int:
    """Feeds, pending pages and tracked articles not yet taken at the epoch that began at `since`."""
    return int(retrying(lambda: run_sql(url, UNSETTLED, {"since": since})[0][0], "checking"))


def prepare_database(server: EmbeddedServer, name: str, site: Site) -> str:
    admin = psycopg2.connect(server.url())
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(psycopg2.sql.SQL("drop database if exists {}").format(psycopg2.sql.Identifier(name)))
        cur.execute(psycopg2.sql.SQL("create database {}").format(psycopg2.sql.Identifier(name)))
    admin.close()
    url = server.url(name)
    settings = Settings.from_env()
    conn = connect(url)
    migrate.upgrade(conn, settings.sql_dir)
    sync_seed_threads(conn, settings.seeds_dir)
    for feed in range(site.history.feeds):
        add_feed(conn, f"{site.url}/feed/{feed}.xml")
    conn.close()
    return url


def send_alerts(url: str) -> int:
    """What the process DAG does after processing: one alert of the settled developments."""
    def once() -> int:
        conn = connect(url)
        try:
            alert = read_development_alert(conn)
            return mark_alerted(conn, alert, ["log"]) if alert else 0
        finally:
            conn.close()
    return retrying(once, "alerting")


# --- workers --------------------------------------------------------------------------------------
def worker_env(url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("STORYWATCH_")}
    env.update(STORYWATCH_DATABASE_URL=url, PYTHONPATH=str(REPO / "plugins"),
               STORYWATCH_HOST_INTERVAL="0", STORYWATCH_ALLOWED_NETWORKS="127.0.0.0/8",
               STORYWATCH_PAGES_PER_POLL="1000")
    return env


COMMANDS = {"poll": ["poll"], "revisit": ["revisit"], "process": ["process", "--batch-size", "4"]}


def run_cli(url: str, kind: str, log: Path) -> int:
    """Run one storywatch command to its end (the quiet runs); its exit status."""
    with log.open("a") as out:
        return subprocess.call([sys.executable, "-m", "storywatch", *COMMANDS[kind]],
                               env=worker_env(url), stdout=out, stderr=out)


@dataclass
class Slot:
    """One worker kept running: restarted after it exits, unless paused."""

    kind: str
    process: subprocess.Popen[bytes] | None = None
    paused: bool = False
    exits: Counter = field(default_factory=Counter)
    ended_at: float = 0.0


class Workers:
    def __init__(self, url: str, log: Path) -> None:
        self.url = url
        self.log = log.open("a")
        self.slots = [Slot("poll"), Slot("revisit"), Slot("process"), Slot("process")]
        self.kills: Counter = Counter()
        self.lock = threading.Lock()

    def tend(self) -> None:
        """Restart every exited, unpaused worker; note how the exited ones ended."""
        with self.lock:
            for slot in self.slots:
                if slot.process is not None and slot.process.poll() is not None:
                    slot.exits[slot.process.returncode] += 1
                    slot.process = None
                    slot.ended_at = time.monotonic()
                # a pause between runs, so a worker failing on a stopped server does not spin
                if slot.process is None and not slot.paused and (
                        time.monotonic() - slot.ended_at > 0.5):
                    slot.process = subprocess.Popen(
                        [sys.executable, "-m", "storywatch", *COMMANDS[slot.kind]],
                        env=worker_env(self.url), stdout=self.log, stderr=self.log)

    def kill_random(self, rng: random.Random) -> str | None:
        with self.lock:
            running = [s for s in self.slots if s.process is not None and s.process.poll() is None]
            if not running:
                return None
            slot = rng.choice(running)
            slot.process.send_signal(signal.SIGKILL)  # type: ignore[union-attr]
            slot.process.wait()  # type: ignore[union-attr]
            self.kills[slot.kind] += 1
            slot.exits[-9] += 1
            slot.process = None
            slot.ended_at = time.monotonic()
            return slot.kind

    def stop(self, kinds: Sequence[str], *, count: bool = True) -> None:
        """SIGKILL and pause the workers of `kinds` (their sessions end with them)."""
        with self.lock:
            for slot in self.slots:
                if slot.kind not in kinds:
                    continue
                slot.paused = True
                if slot.process is not None and slot.process.poll() is None:
                    slot.process.send_signal(signal.SIGKILL)
                    slot.process.wait()
                    if count:
                        self.kills[slot.kind] += 1
                    slot.exits[-9] += 1
                slot.process = None

    def resume(self) -> None:
        with self.lock:
            for slot in self.slots:
                slot.paused = False


def wait_for_no_clients(url: str, timeout: float = 120.0) -> None:
    """Until no storywatch session is left on `url` (a killed worker's backend may linger)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if int(run_sql(url, CLIENTS)[0][0]) == 0:
                return
        except psycopg2.Error:
            pass  # restarting: its sessions are gone anyway once it is back
        time.sleep(0.2)
    raise RuntimeError("killed workers' sessions did not end")


# --- the runs -------------------------------------------------------------------------------------
@dataclass
class ChaosFigures:
    kills: Counter = field(default_factory=Counter)
    restarts: Counter = field(default_factory=Counter)
    epochs_under_chaos: int = 0
    exits: dict[str, Counter] = field(default_factory=dict)
    seconds: float = 0.0


def settle_quietly(url: str, since: dt.datetime, log: Path, rounds: int = 5) -> None:
    """Poll and revisit (no faults) until the epoch that began at `since` is fully taken."""
    for _ in range(rounds):
        run_cli(url, "poll", log)
        run_cli(url, "revisit", log)
        if unsettled(url, since) == 0:
            return
        retake_failed(url, since)
    raise RuntimeError(f"epoch not settled after {rounds} quiet rounds (see {log})")


def final_quiet_run(url: str, log: Path) -> None:
    """The quiet full run both databases end with: poll, revisit, process, alert."""
    settle_quietly(url, force_due(url), log)
    if run_cli(url, "process", log) != 0:
        raise RuntimeError(f"the final process failed (see {log})")
    send_alerts(url)


def clean_run(url: str, site: Site, log: Path) -> None:
    """Every epoch once, uninterrupted: poll, revisit, process; then the quiet full run."""
    for epoch in range(site.history.epochs):
        site.epoch = epoch
        settle_quietly(url, force_due(url), log)
        if run_cli(url, "process", log) != 0:
            raise RuntimeError(f"process failed in the clean run (see {log})")
    final_quiet_run(url, log)


def chaos_run(url: str, server: EmbeddedServer, site: Site, duration: float, log: Path,
              rng: random.Random) -> ChaosFigures:
    """Faults for `duration` seconds while the epochs go by; then the quiet full run."""
    figures = ChaosFigures()
    workers = Workers(url, log)
    epochs = site.history.epochs
    started = time.monotonic()
    end = started + duration
    epoch_length = duration / epochs
    site.epoch = 0
    since = force_due(url)
    next_kill = started + rng.uniform(1, 6)
    next_restart = started + rng.uniform(30, 60)
    next_check = started
    settled = False
    while time.monotonic() < end:
        now = time.monotonic()
        workers.tend()
        if now >= next_kill:
            workers.kill_random(rng)
            next_kill = now + rng.uniform(1, 6)
        if now >= next_restart:
            mode = rng.choice(["fast", "immediate"])
            server.stop(mode=mode)
            time.sleep(rng.uniform(0.2, 3.0))
            server.start()
            figures.restarts[mode] += 1
            next_restart = time.monotonic() + rng.uniform(40, 90)
        if now >= next_check:
            next_check = now + 2.0
            try:
                settled = settled or unsettled(url, since) == 0
                if not settled:
                    retake_failed(url, since)
            except RuntimeError:
                settled = False
            due_next = started + (site.epoch + 1) * epoch_length
            if settled and site.epoch + 1 < epochs and now >= due_next:
                # The epoch is fully taken: stop every worker (a fetch of the old state must not
                # land after the clock moved), wait their sessions out, then move the clock.
                workers.stop(["poll", "revisit", "process"])
                wait_for_no_clients(url)
                site.epoch += 1
                since = force_due(url)
                settled = False
                workers.resume()
        time.sleep(0.1)
    figures.epochs_under_chaos = site.epoch + 1
    workers.stop(["poll", "revisit", "process"], count=False)
    figures.kills = workers.kills
    figures.exits = {f"{s.kind}#{n}": s.exits for n, s in enumerate(workers.slots)}
    if not server.is_running():
        server.start()
    wait_until_ready(server.url())
    wait_for_no_clients(url)
    # The epochs the chaos did not reach, quietly, as the clean run has them.
    settle_quietly(url, force_due(url), log)
    while site.epoch + 1 < epochs:
        site.epoch += 1
        settle_quietly(url, force_due(url), log)
    final_quiet_run(url, log)
    figures.seconds = time.monotonic() - started
    return figures


# --- comparing two databases ----------------------------------------------------------------------
# How a reference to a row of these tables is compared: by that row's natural key.
NATURAL_KEYS = {
    "sources": "select name from sources where source_id = {}",
    "documents": "select identity from documents where document_id = {}",
    "document_versions": ("select d.identity || ' v' || v.version_no from document_versions as v"
                          " join documents as d using (document_id) where v.document_version_id = {}"),
    "feeds": "select url from feeds where feed_id = {}",
    "threads": "select slug from threads where thread_id = {}",
    "thread_slots": ("select t.slug || '/' || s.slot from thread_slots as s join threads as t"
                     " using (thread_id) where s.thread_slot_id = {}"),
    "developments": ("select t.slug || '/' || s.slot || ' ' || d.identity || ' v' || v.version_no"
                     " || ' ' || dev.value_key from developments as dev"
                     " join thread_slots as s using (thread_slot_id) join threads as t using (thread_id)"
                     " join document_versions as v using (document_version_id)"
                     " join documents as d on d.document_id = v.document_id"
                     " where dev.development_id = {}"),
}
# Tables whose first two compared columns name the two sides of an unordered pair.
UNORDERED_PAIRS = frozenset({"copy_matches"})
FOREIGN_KEYS = """
select a.attname, k.confrelid::regclass::text
from pg_constraint as k
join pg_attribute as a on a.attrelid = k.conrelid and a.attnum = k.conkey[1]
where k.contype = 'f' and k.conrelid = ('public.' || quote_ident(%s))::regclass
  and array_length(k.conkey, 1) = 1
"""
COLUMNS = """
select column_name, data_type, is_identity from information_schema.columns
where table_schema = 'public' and table_name = %s order by ordinal_position
"""


def comparable_rows(conn: Any) -> tuple[dict[str, int], dict[str, Counter]]:
    """Row counts of every table, and each table's rows as a multiset, ids and times aside."""
    counts: dict[str, int] = {}
    contents: dict[str, Counter] = {}
    with conn.cursor() as cur:
        cur.execute("select tablename from pg_tables where schemaname = 'public' order by 1")
        tables = [row[0] for row in cur.fetchall()]
        for table in tables:
            ident = psycopg2.sql.Identifier(table)
            cur.execute(psycopg2.sql.SQL("select count(*) from {}").format(ident))
            counts[table] = int(cur.fetchone()[0])
            if table in COUNT_ONLY:
                continue
            cur.execute(FOREIGN_KEYS, (table,))
            references = dict(cur.fetchall())
            cur.execute(COLUMNS, (table,))
            expressions = []
            for column, data_type, is_identity in cur.fetchall():
                if is_identity == "YES" or data_type.startswith("timestamp") or data_type in (
                        "interval", "bytea"):
                    continue
                col = psycopg2.sql.SQL("compared.{}").format(psycopg2.sql.Identifier(column))
                target = references.get(column)
                if target in NATURAL_KEYS:
                    expressions.append(psycopg2.sql.SQL("(" + NATURAL_KEYS[target] + ")").format(col))
                elif target is None and not column.endswith("_id"):
                    expressions.append(col)
                # any other id (a generated key, a reference without a natural key) is left out
            if not expressions:
                continue
            cur.execute(psycopg2.sql.SQL("select {} from {} as compared").format(
                psycopg2.sql.SQL(", ").join(expressions), ident))
            rows = cur.fetchall()
            if table in UNORDERED_PAIRS:
                # (a, b) and (b, a) are the same pair: stored lower id first, and ids follow
                # the order of first ingestion, which differs between the two runs
                rows = [(*sorted(row[:2], key=str), *row[2:]) for row in rows]
            contents[table] = Counter(repr(row) for row in rows)
    conn.rollback()
    return counts, contents


def differences(chaos_url: str, clean_url: str) -> tuple[int, list[str]]:
    """(rows compared, one line per table that differs)."""
    found = []
    states = []
    for url in (chaos_url, clean_url):
        conn = connect(url)
        try:
            states.append(comparable_rows(conn))
        finally:
            conn.close()
    (chaos_counts, chaos_rows), (clean_counts, clean_rows) = states
    for table in sorted(set(chaos_counts) | set(clean_counts)):
        a, b = chaos_counts.get(table, 0), clean_counts.get(table, 0)
        if a != b:
            found.append(f"{table}: {a} rows after chaos, {b} in the clean run")
    for table in sorted(set(chaos_rows) | set(clean_rows)):
        a, b = chaos_rows.get(table, Counter()), clean_rows.get(table, Counter())
        if a != b:
            extra, missing = list((a - b).elements())[:3], list((b - a).elements())[:3]
            found.append(f"{table}: extra {extra}, missing {missing}")
    return sum(clean_counts.values()), found


# --- putting it together --------------------------------------------------------------------------
@dataclass
class SoakResult:
    feeds: int
    epochs: int
    duration: float
    chaos: ChaosFigures
    clean_seconds: float
    rows_compared: int
    counts: dict[str, int]
    differences: list[str]
    requests: int


@contextmanager
def soak_server() -> Iterator[EmbeddedServer]:
    """An embedded server of the soak's own, free to restart, removed afterwards."""
    SOAK_HOMES.mkdir(parents=True, exist_ok=True)
    home = SOAK_HOMES / secrets.token_hex(4)
    server = EmbeddedServer(home)
    server.start()
    try:
        wait_until_ready(server.url())
        yield server
    finally:
        server.stop()
        shutil.rmtree(home, ignore_errors=True)


def soak(feeds: int, duration: float, epochs: int, seed: int, log: Path) -> SoakResult:
    rng = random.Random(seed)
    site = Site(FeedHistory(feeds, epochs))
    try:
        with soak_server() as server:
            chaos_url = prepare_database(server, "soak_chaos", site)
            clean_url = prepare_database(server, "soak_clean", site)
            started = time.monotonic()
            clean_run(clean_url, site, log)
            clean_seconds = time.monotonic() - started
            chaos = chaos_run(chaos_url, server, site, duration, log, rng)
            rows, found = differences(chaos_url, clean_url)
            conn = connect(clean_url)
            try:
                counts, _ = comparable_rows(conn)
            finally:
                conn.close()
    finally:
        site.close()
    return SoakResult(feeds, epochs, duration, chaos, clean_seconds, rows, counts, found,
                      site.requests)


KEY_TABLES = ("documents", "document_versions", "document_events", "feed_items", "claims",
              "observations", "developments", "alerted_developments", "stage_runs")


def report(result: SoakResult) -> str:
    chaos = result.chaos
    kills = ", ".join(f"{kind} {n}" for kind, n in sorted(chaos.kills.items()))
    restarts = ", ".join(f"{mode} {n}" for mode, n in sorted(chaos.restarts.items()))
    rows = [[t, result.counts.get(t, 0)] for t in KEY_TABLES]
    lines = [
        "## Chaos soak",
        "",
        f"{result.feeds} loopback feeds ({ARTICLES_PER_FEED} articles each, appearing, edited "
        f"and removed over {result.epochs} epochs); {result.duration / 60:.0f} minutes of faults "
        "against `storywatch poll`, `revisit` and two `process` workers (each restarted when it "
        "exits), then a quiet full run; compared with a clean run over the same feed history.",
        "",
        f"- SIGKILLs: {sum(chaos.kills.values())} ({kills})",
        f"- PostgreSQL restarts: {sum(chaos.restarts.values())} ({restarts})",
        f"- epochs reached under faults: {chaos.epochs_under_chaos} of {result.epochs}",
        f"- HTTP requests served (both runs): {result.requests}",
        f"- wall time: chaos run {chaos.seconds:.0f} s (with its quiet end), clean run "
        f"{result.clean_seconds:.0f} s",
        f"- rows compared, table by table (ids and times aside): {result.rows_compared} in "
        f"{len(result.counts)} tables",
        f"- differences: {len(result.differences)}",
        "",
        benchkit.markdown_table(["table", "rows (clean run)"], rows),
    ]
    if result.differences:
        lines += ["", "Differences:", ""] + [f"- {d}" for d in result.differences]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--feeds", type=int, default=200)
    parser.add_argument("--duration", type=float, default=1800.0, help="seconds of faults")
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--no-write", action="store_true", help="do not write bench/RESULTS.md")
    args = parser.parse_args(argv)
    benchkit.OUT_DIR.mkdir(parents=True, exist_ok=True)
    log = benchkit.OUT_DIR / "chaos_soak.log"
    log.write_text("")
    result = soak(args.feeds, args.duration, args.epochs, args.seed, log)
    text = report(result)
    print(text)
    if not args.no_write:
        benchkit.write_section("chaos_soak", text)
    return 1 if result.differences else 0


if __name__ == "__main__":
    sys.exit(main())
