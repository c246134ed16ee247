"""Analyst commands: `threads sync`, `developments` (list, confirm, dismiss), `search`, `digest`."""
from __future__ import annotations

import argparse
import datetime as dt
import getpass
import os
import sys
from pathlib import Path
from typing import Any

from storywatch.errors import StorywatchError
from storywatch.settings import Settings
from storywatch.store import db


def parse_since(text: str) -> dt.datetime:
    """An ISO 8601 date or datetime, UTC unless it says otherwise (argparse type)."""
    try:
        moment = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a date or datetime (e.g. 2022-02-13 or 2022-02-13T08:00)") from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC)


def cmd_threads_sync(args: argparse.Namespace, settings: Settings) -> int:
    """Load threads.yml into the database."""
    from storywatch.tracking.sync import sync_threads, threads_file
    from storywatch.tracking.threads import load_threads_file

    path = args.file or threads_file(settings.seeds_dir)
    threads = load_threads_file(path)  # a bad file fails here, before any connection
    from storywatch.seeding import sync_discovery
    from storywatch.sources.discovery import parse_templates

    parse_templates(settings.discovery_urls)  # a bad variable fails before anything is written
    with db.session(settings) as conn:
        report = sync_threads(conn, threads)
        discovery = sync_discovery(conn, settings)
    print(f"{path}: {len(threads)} threads; added {len(report.added)}, changed "
          f"{len(report.changed)}, unchanged {len(report.unchanged)}, deactivated "
          f"{len(report.deactivated)}")
    for label, slugs in (("added", report.added), ("changed", report.changed),
                         ("deactivated", report.deactivated)):
        for slug in slugs:
            print(f"  {label}: {slug}")
    if discovery is not None:
        print(f"search feeds: {discovery.feeds} ({discovery.added} new, {discovery.retired} "
              "retired); see `storywatch feeds list`")
    if report.any_change:
        print("run `storywatch process` to re-read stored articles under the new definitions")
    return 0


def cmd_threads_list(args: argparse.Namespace, settings: Settings) -> int:
    """Print the synced threads and their slots."""
    from storywatch.tracking.threads import read_threads

    with db.session(settings) as conn:
        threads = read_threads(conn)
    if not threads:
        print("no threads: run `storywatch threads sync`")
    for thread in threads:
        print(f"{thread.slug}: {thread.title}")
        for slot in thread.slots:
            states = f" ({', '.join(s.name for s in slot.states)})" if slot.states else ""
            unit = f" [{slot.unit}]" if slot.unit else ""
            print(f"  {slot.name}: {slot.type}{unit}{states}")
    return 0


def cmd_developments(args: argparse.Namespace, settings: Settings) -> int:
    """List developments, or confirm/dismiss one."""
    from storywatch.tracking.review import list_developments, render, review_development

    if args.action in ("confirm", "dismiss", "reopen"):
        who = args.by or os.environ.get("USER") or getpass.getuser()
        with db.session(settings) as conn:
            review = review_development(conn, args.development_id, args.action,
                                        reviewed_by=who, reason=args.reason)
        verb = {"confirm": "confirmed", "dismiss": "dismissed", "reopen": "reopened"}[args.action]
        note = "" if review.recorded else " (already so; nothing recorded)"
        print(f"development {review.development_id} {verb} by {review.reviewed_by}{note}")
        return 0
    with db.session(settings) as conn:
        listing = list_developments(conn, thread=args.thread, since=args.since,
                                    include_dismissed=args.all)
    sys.stdout.write(render(listing, args.format))
    return 0


def cmd_search(args: argparse.Namespace, settings: Settings) -> int:
    """Full-text search over stored articles."""
    from storywatch.store.search import render_hits, search_articles

    if not args.query.strip():
        raise StorywatchError("the search query is empty")
    with db.session(settings) as conn:
        hits = search_articles(conn, args.query, since=args.since, limit=args.limit)
    sys.stdout.write(render_hits(hits))
    return 0


def cmd_digest(args: argparse.Namespace, settings: Settings) -> int:
    """Write a thread's digest to a .md or .html file."""
    from storywatch.reports.digest import write_digest

    if args.out.suffix.lower() not in (".md", ".markdown", ".txt", ".html", ".htm"):
        raise StorywatchError(f"{args.out}: the digest is written as .md or .html")
    if not args.out.parent.exists():
        raise StorywatchError(f"{args.out.parent} does not exist")
    with db.session(settings) as conn:
        path = write_digest(conn, args.thread, args.out, since=args.since)
    print(f"wrote {path}")
    return 0


def register(commands: Any) -> None:
    """Add the threads, developments, search and digest commands to the CLI."""
    threads = commands.add_parser("threads", help="story threads: sync, list",
                                  description="Story threads defined in seeds/threads.yml.")
    actions = threads.add_subparsers(dest="threads_command", required=True, metavar="ACTION")
    sync = actions.add_parser("sync", help="load seeds/threads.yml (or --file) into the database",
                              description="Load thread definitions; idempotent.")
    sync.add_argument("--file", type=Path, metavar="PATH",
                      help="threads YAML to load (default: seeds/threads.yml)")
    sync.set_defaults(handler=cmd_threads_sync)
    listing = actions.add_parser("list", help="print the synced threads and their slots")
    listing.set_defaults(handler=cmd_threads_list)

    dev = commands.add_parser(
        "developments", help="what moved in the threads: list; also confirm ID, dismiss ID",
        description="List developments (thread, slot, previous -> new, who, source, date, "
        "evidence), or review one: `developments confirm ID`, `developments dismiss ID "
        "--reason TEXT`.")
    dev.add_argument("--thread", metavar="SLUG", help="only this thread")
    dev.add_argument("--since", type=parse_since, metavar="DATE",
                     help="only developments published at or after DATE (UTC unless stated)")
    dev.add_argument("--format", choices=("table", "json", "csv"), default="table",
                     help="output format; JSON and CSV keys are v_developments' columns")
    dev.add_argument("--all", action="store_true", help="include dismissed developments")
    dev.set_defaults(handler=cmd_developments, action=None, reason=None, by=None)
    reviews = dev.add_subparsers(dest="action", metavar="ACTION")
    for name, help_text in (("confirm", "confirm a development"),
                            ("dismiss", "dismiss a development (needs --reason)"),
                            ("reopen", "undo a confirmation or dismissal")):
        review = reviews.add_parser(name, help=help_text, description=help_text)
        review.add_argument("development_id", type=int, metavar="ID")
        review.add_argument("--reason", required=name == "dismiss", metavar="TEXT",
                            help="why (kept with the review)")
        review.add_argument("--by", metavar="NAME", help="who reviews (default: $USER)")
        review.set_defaults(handler=cmd_developments)

    search = commands.add_parser("search", help="full-text search over stored articles",
                                 description="Full-text search (PostgreSQL web-search syntax: "
                                 "words, \"phrases\", OR, -word) over stored articles.")
    search.add_argument("query", metavar="QUERY")
    search.add_argument("--since", type=parse_since, metavar="DATE",
                        help="only articles published at or after DATE")
    search.add_argument("--limit", type=int, default=20, metavar="N", help="at most N results")
    search.set_defaults(handler=cmd_search)

    digest = commands.add_parser("digest", help="write a thread's digest (.md or .html)",
                                 description="A thread's state and developments as Markdown, "
                                 "or HTML with a chart of each quantity slot over time.")
    digest.add_argument("--thread", required=True, metavar="SLUG")
    digest.add_argument("--since", type=parse_since, metavar="DATE")
    digest.add_argument("--out", required=True, type=Path, metavar="FILE")
    digest.set_defaults(handler=cmd_digest)
