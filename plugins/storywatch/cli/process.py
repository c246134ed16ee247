"""`storywatch process`: run every processing stage over every pending document version."""
from __future__ import annotations

import argparse
import sys
from typing import Any

from storywatch.cli import progress as cli_progress
from storywatch.settings import Settings
from storywatch.store import db


def cmd_process(args: argparse.Namespace, settings: Settings) -> int:
    """Process pending versions; exit 1 when any version failed (the others are kept)."""
    from storywatch.workers import process_with_workers

    only = args.version_ids or None
    progress = cli_progress.for_command(args.quiet)
    workers = args.workers or settings.process_workers
    with db.database_url(settings) as url, cli_progress.logs_above_bars(progress):
        results = process_with_workers(url, workers, batch_size=args.batch_size, only_ids=only,
                                       progress=progress)
    failed = 0
    for stage, counts in results.items():
        print(f"{stage}: {counts['done']} done, {counts['skipped']} skipped, "
              f"{counts['failed']} failed")
        failed += counts["failed"]
    if not results:
        print("no processing stage is registered")
    if failed:
        print(f"storywatch: {failed} version(s) failed; see stage_runs.message for the reasons",
              file=sys.stderr)
    return 1 if failed else 0


def _at_least_one(raw: str) -> int:
    value = int(raw)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def register(commands: Any) -> None:
    """Add the `process` command to the CLI's subcommands."""
    parser = commands.add_parser(
        "process", help="extract entities and claims (and run every later stage) for "
        "every document version not yet processed",
        description="Run every processing stage over pending document versions.")
    parser.add_argument("--batch-size", type=int, default=8, metavar="N",
                        help="versions claimed per transaction (default 8)")
    parser.add_argument("--workers", type=_at_least_one, default=None, metavar="N",
                        help="worker processes (default STORYWATCH_PROCESS_WORKERS, else the "
                        "usable cores)")
    parser.add_argument("--version-id", dest="version_ids", type=int, action="append",
                        metavar="ID", help="process only this document version (repeatable)")
    parser.set_defaults(handler=cmd_process)
