"""A PostgreSQL server the fault tests start, stop and restart themselves (a pytest plugin).

The shared test server (tests/conftest.py) is never restarted: tests that kill
backends or restart the server use `own_server`, an embedded server on a fresh
home under REPO_ROOT/.storywatch/test-homes (mkdtemp folders are 0700, which the
server's own user cannot enter when the tests run as root). `fresh_database`
makes a migrated database on it for one test.

Helpers compare database states table by table, every table of the public
schema, so a fault test can say "same result as an uninterrupted run".
"""
from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg2
import psycopg2.sql
import pytest

from storywatch.settings import REPO_ROOT, Settings
from storywatch.store import db, migrate
from storywatch.store.embedded import EmbeddedServer, wait_until_ready

HOMES = REPO_ROOT / ".storywatch" / "test-homes"
# Tables whose ids are the same in two databases loaded with the same input in the
# same order; a reference to any other identity (claims, entities, ...) may differ
# after a rolled-back batch consumed sequence numbers, so state comparisons drop it.
INPUT_TABLES = frozenset({"sources", "documents", "document_versions", "feeds"})

TABLES = """
select tablename from pg_tables where schemaname = 'public' order by tablename
"""
COMPARABLE_COLUMNS = r"""
select c.column_name
from information_schema.columns as c
where c.table_schema = 'public' and c.table_name = %(table)s
  and c.is_identity = 'NO'
  and c.data_type not like 'timestamp%%'
  and c.data_type not in ('interval', 'bytea')
  and not exists (
      select 1
      from pg_constraint as k
      join pg_attribute as a on a.attrelid = k.conrelid and a.attnum = any(k.conkey)
      where k.contype = 'f' and k.conrelid = ('public.' || quote_ident(%(table)s))::regclass
        and a.attname = c.column_name
        and not (k.confrelid::regclass::text = any(%(inputs)s))
  )
  -- an id without a declared key (claims.claim_id kept in observations) is generated too
  and (c.column_name not like '%%\_id' or c.column_name = any(%(input_ids)s) or exists (
      select 1
      from pg_constraint as k
      join pg_attribute as a on a.attrelid = k.conrelid and a.attnum = any(k.conkey)
      where k.contype = 'f' and k.conrelid = ('public.' || quote_ident(%(table)s))::regclass
        and a.attname = c.column_name and k.confrelid::regclass::text = any(%(inputs)s)
  ))
order by c.ordinal_position
"""
INPUT_IDS = ["source_id", "document_id", "document_version_id", "feed_id"]


@pytest.fixture(scope="session")
def own_server() -> Iterator[EmbeddedServer]:
    """An embedded PostgreSQL server of the test session's own, free to kill and restart."""
    HOMES.mkdir(parents=True, exist_ok=True)
    home = HOMES / secrets.token_hex(4)
    server = EmbeddedServer(home)
    server.start()
    try:
        wait_until_ready(server.url())
        yield server
    finally:
        server.remove_data()
        shutil.rmtree(home, ignore_errors=True)


def _with_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path="/" + name))


def create_database(server: EmbeddedServer) -> str:
    """A new database on `server`, migrated from zero; its URL."""
    name = f"fault_{secrets.token_hex(4)}"
    admin = psycopg2.connect(server.url())
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(psycopg2.sql.SQL("create database {}").format(psycopg2.sql.Identifier(name)))
    admin.close()
    url = _with_database(server.url(), name)
    conn = db.connect(url)
    migrate.upgrade(conn, Settings.from_env().sql_dir)
    conn.close()
    return url


def drop_databases(server: EmbeddedServer, urls: list[str]) -> None:
    """Drop the databases of `urls` (restarting `server` first if a test left it stopped)."""
    if not server.is_running():
        server.start()
    wait_until_ready(server.url())
    admin = psycopg2.connect(server.url())
    admin.autocommit = True
    with admin.cursor() as cur:
        for url in urls:
            name = urlsplit(url).path.lstrip("/")
            cur.execute(psycopg2.sql.SQL("drop database if exists {} with (force)").format(
                psycopg2.sql.Identifier(name)))
    admin.close()


@pytest.fixture
def fresh_database(own_server: EmbeddedServer) -> Iterator[Callable[[], str]]:
    """A factory of migrated databases on `own_server`, all dropped when the test ends."""
    urls: list[str] = []

    def make() -> str:
        urls.append(create_database(own_server))
        return urls[-1]

    yield make
    drop_databases(own_server, urls)


def table_counts(conn: db.Connection) -> dict[str, int]:
    """Rows in every table of the public schema."""
    with conn.cursor() as cur:
        cur.execute(TABLES)
        tables = [row[0] for row in cur.fetchall()]
        counts = {}
        for table in tables:
            cur.execute(psycopg2.sql.SQL("select count(*) from {}").format(
                psycopg2.sql.Identifier(table)))
            counts[table] = int(cur.fetchone()[0])
    conn.rollback()
    return counts


def table_contents(
    conn: db.Connection, skip: frozenset[str] = frozenset(), where: dict[str, str] | None = None
) -> dict[str, Counter]:
    """Every table's rows as a multiset, without ids, times and references to generated ids.

    `where` maps a table to a condition (a constant of the test) its compared rows must meet.
    """
    contents: dict[str, Counter] = {}
    with conn.cursor() as cur:
        cur.execute(TABLES)
        tables = [row[0] for row in cur.fetchall() if row[0] not in skip]
        for table in tables:
            cur.execute(COMPARABLE_COLUMNS, {"table": table, "inputs": sorted(INPUT_TABLES),
                                             "input_ids": INPUT_IDS})
            columns = [row[0] for row in cur.fetchall()]
            if not columns:
                continue
            condition = psycopg2.sql.SQL((where or {}).get(table, "true"))
            cur.execute(psycopg2.sql.SQL("select {} from {} where {}").format(
                psycopg2.sql.SQL(", ").join(psycopg2.sql.Identifier(c) for c in columns),
                psycopg2.sql.Identifier(table), condition))
            contents[table] = Counter(repr(row) for row in cur.fetchall())
    conn.rollback()
    return contents


def assert_same_contents(actual: dict[str, Counter], expected: dict[str, Counter]) -> None:
    """Fail naming each table whose rows differ, with a few of the differing rows."""
    differences = []
    for table in sorted(set(actual) | set(expected)):
        a, e = actual.get(table, Counter()), expected.get(table, Counter())
        if a != e:
            extra, missing = list((a - e).elements())[:3], list((e - a).elements())[:3]
            differences.append(f"{table}: extra {extra}, missing {missing}")
    assert not differences, "\n".join(differences)


def cli_env(database_url: str, **extra: str) -> dict[str, str]:
    """The environment of a `storywatch` subprocess on `database_url` and this checkout."""
    # The run's STORYWATCH_PROCESS_WORKERS is kept: CI runs the suite with one worker too.
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("STORYWATCH_") or k == "STORYWATCH_PROCESS_WORKERS"}
    env.update(STORYWATCH_DATABASE_URL=database_url, PYTHONPATH=str(REPO_ROOT / "plugins"),
               STORYWATCH_HOST_INTERVAL="0", **extra)
    return env


_SPAWNED: list[subprocess.Popen[str]] = []


def start_cli(database_url: str, *args: str, **extra: str) -> subprocess.Popen[str]:
    """Start `python -m storywatch ARGS` on `database_url` (stdout and stderr piped)."""
    process = subprocess.Popen([sys.executable, "-m", "storywatch", *args],
                               env=cli_env(database_url, **extra), stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    _SPAWNED.append(process)
    return process


def start_python(database_url: str, script: str, **extra: str) -> subprocess.Popen[str]:
    """Start `python -c SCRIPT` with the storywatch environment (stdin, stdout, stderr piped)."""
    process = subprocess.Popen([sys.executable, "-c", script], env=cli_env(database_url, **extra),
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    _SPAWNED.append(process)
    return process


@pytest.fixture(autouse=True)
def reap_spawned() -> Iterator[None]:
    """Kill what a test started with start_cli/start_python and left running (a failed test)."""
    yield
    while _SPAWNED:
        process = _SPAWNED.pop()
        if process.poll() is None:
            process.kill()
        process.communicate(timeout=30)


WAITING_ON_LOCKS = """
select count(*) from pg_stat_activity
where datname = current_database() and wait_event_type = 'Lock' and pid <> pg_backend_pid()
"""
BACKENDS = """
select count(*) from pg_stat_activity
where datname = current_database() and pid <> pg_backend_pid() and backend_type = 'client backend'
  and pid <> all(%s::int[])
"""


def wait_for(condition: Callable[[], bool], what: str, timeout: float = 120.0) -> None:
    """Poll `condition` until true; fail naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.05)


def lock_waiters(database_url: str) -> int:
    """Backends of `database_url` waiting for a lock right now."""
    with psycopg2.connect(database_url) as probe, probe.cursor() as cur:
        cur.execute(WAITING_ON_LOCKS)
        count = int(cur.fetchone()[0])
    probe.close()
    return count


def other_backends(database_url: str, *ignore: db.Connection) -> int:
    """Client sessions on `database_url` other than the one asking and those of `ignore`."""
    with psycopg2.connect(database_url) as probe, probe.cursor() as cur:
        cur.execute(BACKENDS, ([c.get_backend_pid() for c in ignore],))
        count = int(cur.fetchone()[0])
    probe.close()
    return count


def error_lines(stderr: str) -> list[str]:
    """The `storywatch: error:` lines of a command's stderr."""
    return [line for line in stderr.splitlines() if line.startswith("storywatch: error:")]


def leaked_failures(stderr: str) -> list[str]:
    """Lines of a log that show a crash or a constraint error reaching the user."""
    markers = ("Traceback", "UniqueViolation", "duplicate key", "DeadlockDetected", "deadlock")
    return [line for line in stderr.splitlines() if any(m in line for m in markers)]


def write_articles(folder: Path, count: int) -> list[Path]:
    """`count` distinct short news articles with front matter (names, figures, quotes vary)."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for n in range(count):
        person, role, place = PEOPLE[n % len(PEOPLE)]
        troops = 100_000 + 5_000 * n
        text = ARTICLE.format(person=person, role=role, place=place, troops=f"{troops:,}",
                              percent=20 + n, day=DAYS[n % len(DAYS)], n=n)
        path = folder / f"article-{n:03d}.txt"
        path.write_text(
            f"---\ntitle: {place} talks, day {n}\nurl: https://news.test/world/{n}\n"
            f"source: Test Wire\npublished: 2022-02-{1 + n % 27:02d}T{n % 24:02d}:00:00Z\n---\n"
            + text, encoding="utf-8")
        paths.append(path)
    return paths


PEOPLE = [("Sergei Lavrov", "Russian Foreign Minister", "Geneva"),
          ("Antony Blinken", "U.S. Secretary of State", "Vienna"),
          ("Jens Stoltenberg", "NATO Secretary General", "Brussels"),
          ("Olaf Scholz", "German Chancellor", "Berlin"),
          ("Ebrahim Raisi", "Iranian President", "Tehran")]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]
ARTICLE = (
    "Russia has massed some {troops} troops near the border with Ukraine, Western officials "
    "said on {day}, as talks in {place} ended without a breakthrough.\n\n"
    "\u201cWe will not accept ultimatums,\u201d {person}, the {role}, told reporters after the "
    "meeting, adding that the next round could take place within weeks.\n\n"
    "Negotiations over the nuclear deal were paused, and Iran said it had enriched uranium "
    "to {percent} percent purity, according to a U.S. official.\n\n"
    "Item {n} of the test wire closes with a line about the weather in {place}."
)
