"""The `storywatch` command line (also `python -m storywatch`).

Exit status: 0 on success, 1 on failure (also when some items of a batch
failed; the others are kept), 2 on usage errors.
"""
from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

import psycopg2

from storywatch.cli import feeds as cli_feeds
from storywatch.cli import process as cli_process
from storywatch.cli import progress as cli_progress
from storywatch.cli import threads as cli_threads
from storywatch.cli.commands import add_command
from storywatch.errors import StorywatchError
from storywatch.settings import Settings
from storywatch.store import db, migrate
from storywatch.store.embedded import EmbeddedServer

log = logging.getLogger("storywatch")


def cmd_db_upgrade(args: argparse.Namespace, settings: Settings) -> int:
    with db.session(settings) as conn:
        result = migrate.upgrade(conn, settings.sql_dir)
    applied = ", ".join(result.applied) if result.applied else "none pending"
    print(f"migrations applied: {applied}; views re-created: {len(result.views)}")
    return 0


def cmd_db_start(args: argparse.Namespace, settings: Settings) -> int:
    if settings.database_url:
        raise StorywatchError("STORYWATCH_DATABASE_URL is set: there is no embedded server to start")
    server = EmbeddedServer(settings.home, settings.embedded_port)
    started = server.start()
    db.wait_until_ready(server.url())
    db.ensure_database(server.url(), db.EMBEDDED_DATABASE)
    print(server.url(db.EMBEDDED_DATABASE))
    log.info("embedded server %s in %s", "started" if started else "already running", server.pgdata)
    return 0


def cmd_db_stop(args: argparse.Namespace, settings: Settings) -> int:
    if settings.database_url:
        raise StorywatchError("STORYWATCH_DATABASE_URL is set: there is no embedded server to stop")
    EmbeddedServer(settings.home, settings.embedded_port).stop()
    return 0


def cmd_db_url(args: argparse.Namespace, settings: Settings) -> int:
    if settings.database_url:
        print(db.redact_url(settings.database_url))
    else:
        print(EmbeddedServer(settings.home, settings.embedded_port).url(db.EMBEDDED_DATABASE))
    return 0


def cmd_ingest(args: argparse.Namespace, settings: Settings) -> int:
    from storywatch.sources.ingest import ingest_paths

    missing = [p for p in args.paths if not p.exists()]
    if missing:
        raise StorywatchError(f"no such file or folder: {', '.join(map(str, missing))}")
    progress = cli_progress.for_command(args.quiet)
    with db.session(settings) as conn, cli_progress.logs_above_bars(progress):
        report = ingest_paths(conn, args.paths, progress=progress)
    new = len(report.new_versions)
    print(f"{len(report.stored)} files read, {new} new versions, {len(report.failed)} failed")
    for path, reason in report.failed:
        print(f"failed: {path}: {reason}", file=sys.stderr)
    return 0 if report.ok else 1


def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    from storywatch.cli.demo import run_demo

    return run_demo(settings, out=sys.stdout)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="storywatch",
        description="News monitoring with change tracking. Configuration comes from "
        "STORYWATCH_* environment variables (see the README).",
    )
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="log debug detail, and a line per file, feed or article")
    parser.add_argument("-q", "--quiet", action="store_true", help="log warnings and errors only")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    db_parser = commands.add_parser("db", help="database: upgrade, start, stop, url")
    db_commands = db_parser.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    add_command(db_commands, "upgrade", cmd_db_upgrade, "apply pending migrations and re-create views")
    add_command(db_commands, "start", cmd_db_start, "start the embedded server and leave it running")
    add_command(db_commands, "stop", cmd_db_stop, "stop the embedded server")
    add_command(db_commands, "url", cmd_db_url, "print the database URL in use")

    ingest = add_command(commands, "ingest", cmd_ingest, "ingest article files or folders of them")
    ingest.add_argument("paths", nargs="+", type=Path, metavar="PATH")

    cli_feeds.register(commands)
    cli_process.register(commands)
    cli_threads.register(commands)
    add_command(commands, "demo", cmd_demo, "run the whole pipeline once and print what it found")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `storywatch` console script."""
    args = build_parser().parse_args(argv)
    level = logging.DEBUG if args.verbose else logging.WARNING if args.quiet else logging.INFO
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    try:
        settings = Settings.from_env()
        return int(args.handler(args, settings))
    except StorywatchError as exc:
        print(f"storywatch: error: {exc}", file=sys.stderr)
        return 1
    except (psycopg2.InterfaceError, psycopg2.DatabaseError) as exc:
        # The server went away mid-command (restart, terminated backend, network). Every
        # item is written in its own transaction, so nothing is half written: say so once.
        # libpq reports some losses (a server shut down mid-query) as a plain DatabaseError
        # without an SQLSTATE; any other database error is a bug and keeps its traceback.
        if not _connection_lost(exc):
            raise
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        print(f"storywatch: error: lost the database connection ({reason}); work not yet "
              "committed was rolled back, nothing is half written: run the command again",
              file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("storywatch: interrupted", file=sys.stderr)
        return 130


def _connection_lost(exc: psycopg2.Error) -> bool:
    """Whether `exc` says the connection to the server is gone (not an error in a statement)."""
    if isinstance(exc, psycopg2.OperationalError | psycopg2.InterfaceError):
        return True
    return exc.pgcode is None and "server closed the connection" in str(exc)
