"""What the benchmarks share: the machine, scratch databases, timing figures, RESULTS.md.

Each benchmark owns one section of bench/RESULTS.md, between `<!-- NAME:start -->` and
`<!-- NAME:end -->`; rerunning a benchmark replaces its own section and leaves the others.
"""
from __future__ import annotations

import datetime as dt
import os
import platform
import re
import shlex
import statistics
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "plugins"))

import psycopg2  # noqa: E402
import psycopg2.sql  # noqa: E402

from storywatch.store.db import connect  # noqa: E402

RESULTS = REPO / "bench" / "RESULTS.md"
OUT_DIR = REPO / "bench" / "out"
DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"


def machine() -> str:
    """nproc, RAM and CPU model of this machine, in one line."""
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram_gb = 0.0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                ram_gb = int(line.split()[1]) / 1024 / 1024
    except OSError:
        pass
    return (f"{os.cpu_count()} CPUs (nproc {len(os.sched_getaffinity(0))}), {ram_gb:.0f} GB RAM, "
            f"{model}; Python {platform.python_version()}")


def command_line() -> str:
    """The command that ran this benchmark, as typed from the repository root."""
    return "PYTHONPATH=plugins python " + " ".join(shlex.quote(a) for a in sys.argv)


def server_url() -> str:
    """The PostgreSQL server to create scratch databases on (STORYWATCH_DATABASE_URL's server)."""
    return os.environ.get("STORYWATCH_DATABASE_URL") or DEFAULT_SERVER


def with_database(url: str, name: str) -> str:
    """`url` pointing at database `name` instead."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))


@contextmanager
def scratch_database(name: str, *, keep: bool = False, server: str | None = None) -> Iterator[str]:
    """A freshly created database on `server` (default: the benchmark server), dropped
    afterwards unless `keep`."""
    admin_url = with_database(server or server_url(), "postgres")
    _recreate(admin_url, name)
    try:
        yield with_database(admin_url, name)
    finally:
        if not keep:
            _drop(admin_url, name)


def _recreate(admin_url: str, name: str) -> None:
    _drop(admin_url, name)
    conn = connect(admin_url)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(psycopg2.sql.SQL("create database {}").format(psycopg2.sql.Identifier(name)))
    conn.close()


def _drop(admin_url: str, name: str) -> None:
    conn = connect(admin_url)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("select pg_terminate_backend(pid) from pg_stat_activity "
                    "where datname = %s and pid <> pg_backend_pid()", (name,))
        cur.execute(psycopg2.sql.SQL("drop database if exists {}").format(
            psycopg2.sql.Identifier(name)))
    conn.close()


def percentile(values: list[float], share: float) -> float:
    """The `share` quantile (nearest rank) of `values`."""
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(share * len(ordered) + 0.5) - 1))
    return ordered[rank]


def median(values: list[float]) -> float:
    """The median of `values`."""
    return statistics.median(values)


def write_section(name: str, body: str) -> None:
    """Replace (or add) benchmark `name`'s section of RESULTS.md with `body`."""
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    section = (f"<!-- {name}:start -->\n{body.rstrip()}\n\n"
               f"Machine: {machine()}. Date: {stamp}. Command: `{command_line()}`\n"
               f"<!-- {name}:end -->")
    text = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else (
        "# Benchmark results\n\nWritten by the benchmarks in `bench/` (see bench/README.md); "
        "each section is replaced when its benchmark runs again.\n")
    pattern = re.compile(rf"<!-- {re.escape(name)}:start -->.*?<!-- {re.escape(name)}:end -->",
                         re.S)
    if pattern.search(text):
        text = pattern.sub(lambda _m: section, text)
    else:
        text = text.rstrip() + "\n\n" + section + "\n"
    RESULTS.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")


def markdown_table(header: list[str], rows: list[list[object]]) -> str:
    """A GitHub-flavoured markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)
