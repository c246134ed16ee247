"""Command line for feeds, polling, revisits and raw-body retention.

storywatch feeds add URL [--name N] | list [--format table|json] | remove URL | import FILE.opml
storywatch poll                  poll due feeds once, fetch new articles
storywatch revisit [--all]       re-fetch due (or all) tracked articles; purge old raw bodies
storywatch purge-raw [--days N]  drop raw HTTP bodies older than N days
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from storywatch.cli import progress as cli_progress
from storywatch.cli.commands import add_command
from storywatch.errors import StorywatchError
from storywatch.settings import Settings
from storywatch.store import db

if TYPE_CHECKING:
    from storywatch.web.fetch import Fetcher

# Hosts polled at once by `storywatch poll` (each host still gets one request at a time).
POLL_WORKERS = 8
JSON_KEYS = ("url", "name", "last_polled_at", "last_status", "last_error", "error_count",
             "next_poll_at", "active", "kind", "thread", "query")


def cmd_feeds_add(args: argparse.Namespace, settings: Settings) -> int:
    from storywatch.sources.feeds import add_feed

    with db.session(settings) as conn:
        added = add_feed(conn, args.url, args.name)
    print(f"{'added' if added else 'already followed (name updated, reactivated)'}: {args.url}")
    return 0


def cmd_feeds_remove(args: argparse.Namespace, settings: Settings) -> int:
    from storywatch.sources.feeds import remove_feed

    with db.session(settings) as conn:
        if not remove_feed(conn, args.url):
            raise StorywatchError(f"no feed with URL {args.url} (see `storywatch feeds list`)")
    print(f"removed: {args.url} (its stored articles stay)")
    return 0


def cmd_feeds_list(args: argparse.Namespace, settings: Settings) -> int:
    from storywatch.sources.feeds import list_feeds

    with db.session(settings) as conn:
        feeds = list_feeds(conn)
    if args.format == "json":
        rows = [{key: _jsonable(asdict(feed)[key]) for key in JSON_KEYS} for feed in feeds]
        json.dump(rows, sys.stdout, indent=2, ensure_ascii=False)
        print()
        return 0
    if not feeds:
        print("no feeds: add one with `storywatch feeds add URL`")
        return 0
    print(_table(["url", "name", "active", "last polled", "status", "errors", "next poll", "last error",
                  "search (thread: query)"], [
        [f.url, f.name or "", "yes" if f.active else "no", _when(f.last_polled_at),
         "" if f.last_status is None else str(f.last_status), str(f.error_count),
         _when(f.next_poll_at), (f.last_error or "")[:60],
         f"{f.thread}: {f.query}" if f.kind == "search" else ""]
        for f in feeds
    ]))
    return 0


def cmd_feeds_import(args: argparse.Namespace, settings: Settings) -> int:
    from storywatch.sources.feeds import import_opml

    try:
        data = args.file.read_bytes()
    except OSError as exc:
        raise StorywatchError(f"cannot read {args.file}: {exc.strerror or exc}") from exc
    with db.session(settings) as conn:
        report = import_opml(conn, data)
    print(f"{report.added} feeds added, {report.known} already followed, {len(report.skipped)} skipped")
    for url, reason in report.skipped:
        print(f"skipped: {url}: {reason}", file=sys.stderr)
    return 0


@contextmanager
def _session_with_fetcher(settings: Settings) -> Iterator[tuple[db.Connection, Fetcher]]:
    """A connection and a fetcher whose per-host pacing is shared with every other worker."""
    from storywatch.web.fetch import connect_fetcher

    with db.database_url(settings) as url:
        conn = db.connect(url)
        fetcher = connect_fetcher(settings, url)
        try:
            yield conn, fetcher
        finally:
            fetcher.close()
            conn.close()


def cmd_poll(args: argparse.Namespace, settings: Settings) -> int:
    from storywatch.sources.feeds import poll_due
    from storywatch.tracking.discovery import relevance_filter
    from storywatch.web.fetch import connect_fetcher

    with db.database_url(settings) as url:
        conn = db.connect(url)
        fetcher = connect_fetcher(settings, url)
        progress = cli_progress.for_command(args.quiet)
        try:
            # search feeds' entries are fetched only when their thread would keep them
            with cli_progress.logs_above_bars(progress):
                counts = poll_due(conn, fetcher, settings=settings, workers=POLL_WORKERS,
                                  database_url=url, progress=progress,
                                  entry_filter=relevance_filter(conn))
        finally:
            fetcher.close()
            conn.close()
    print(", ".join(f"{key.replace('_', ' ')}: {value}" for key, value in counts.items()))
    return 1 if counts["failed"] else 0


def cmd_revisit(args: argparse.Namespace, settings: Settings) -> int:
    from storywatch.sources.revisit import revisit
    from storywatch.store.raw import purge_raw_responses

    progress = cli_progress.for_command(args.quiet)
    with _session_with_fetcher(settings) as (conn, fetcher), cli_progress.logs_above_bars(progress):
        counts = revisit(conn, all_articles=args.all, fetcher=fetcher, settings=settings,
                         progress=progress)
        purged = purge_raw_responses(conn, settings.raw_retention_days)
    print(", ".join(f"{key.replace('_', ' ')}: {value}" for key, value in counts.items())
          + f"; raw bodies purged: {purged}")
    return 1 if counts["failed"] else 0


def cmd_purge_raw(args: argparse.Namespace, settings: Settings) -> int:
    from storywatch.store.raw import purge_raw_responses

    days = settings.raw_retention_days if args.days is None else args.days
    with db.session(settings) as conn:
        purged = purge_raw_responses(conn, days)
    print(f"raw bodies older than {days} days purged: {purged}")
    return 0


def register(commands: Any) -> None:
    """Add `feeds`, `poll`, `revisit` and `purge-raw` to the `storywatch` parser."""
    feeds = commands.add_parser("feeds", help="feeds: add, list, remove, import",
                                description="The RSS/Atom feeds storywatch polls.")
    actions = feeds.add_subparsers(dest="feeds_command", required=True, metavar="ACTION")
    add = add_command(actions, "add", cmd_feeds_add, "follow a feed (http or https URL)")
    add.add_argument("url", metavar="URL")
    add.add_argument("--name", metavar="N", help="a name for the feed (default: its title)")
    listing = add_command(actions, "list", cmd_feeds_list, "the feeds and their polling state")
    listing.add_argument("--format", choices=("table", "json"), default="table")
    remove = add_command(actions, "remove", cmd_feeds_remove, "stop following a feed (articles stay)")
    remove.add_argument("url", metavar="URL")
    opml = add_command(actions, "import", cmd_feeds_import, "follow every feed of an OPML file")
    opml.add_argument("file", type=Path, metavar="FILE.opml")

    add_command(commands, "poll", cmd_poll, "poll due feeds once and fetch their new articles")
    revisit = add_command(commands, "revisit", cmd_revisit,
                   "re-fetch tracked articles that are due, to catch edits and removals")
    revisit.add_argument("--all", action="store_true",
                         help="re-fetch every tracked article now, whatever its schedule")
    purge = add_command(commands, "purge-raw", cmd_purge_raw,
                 "drop stored raw HTTP bodies older than the retention period")
    purge.add_argument("--days", type=_days, metavar="N",
                       help="retention in days (default: STORYWATCH_RAW_RETENTION_DAYS, 90)")


def _days(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError("days must be zero or more")
    return value


def _jsonable(value: object) -> object:
    return value.isoformat() if isinstance(value, dt.datetime) else value


def _when(value: dt.datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else ""


def _table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True))]
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in rows]
    return "\n".join(line.rstrip() for line in lines)
