"""Connections: the configured server, or the embedded one started on demand.

One driver (psycopg2) for the CLI, the tests and Airflow tasks. Functions that
touch the database take a connection as their first argument; this module is
where connections come from.
"""
from __future__ import annotations

import atexit
import logging
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg2
import psycopg2.extensions
import psycopg2.sql
from psycopg2.extras import execute_values

from storywatch.errors import DatabaseUnavailable
from storywatch.settings import Settings
from storywatch.store.embedded import EmbeddedServer, wait_until_ready

Connection = psycopg2.extensions.connection
log = logging.getLogger(__name__)

EMBEDDED_DATABASE = "storywatch"


def connect(url: str, *, application_name: str = "storywatch") -> Connection:
    """Open a psycopg2 connection to `url`, turning failures into one clear line."""
    try:
        conn = psycopg2.connect(url, connect_timeout=10, application_name=application_name)
    except psycopg2.OperationalError as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else "no answer"
        raise DatabaseUnavailable(
            f"cannot connect to the database at {redact_url(url)}: {reason}; check that the "
            "server runs and STORYWATCH_DATABASE_URL is right (unset it to use the embedded server)"
        ) from exc
    conn.set_session(autocommit=False)
    with conn.cursor() as cur:
        cur.execute("set time zone 'UTC'")
    conn.commit()
    return conn


def redact_url(url: str) -> str:
    """The URL without its password, for messages and logs."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return urlunsplit(parts._replace(netloc=netloc))
    return url


def ensure_database(server_url: str, name: str) -> None:
    """Create database `name` on the server of `server_url` if it does not exist."""
    conn = connect(server_url)
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute("select 1 from pg_database where datname = %s", (name,))
            if cur.fetchone() is None:
                cur.execute(
                    psycopg2.sql.SQL("create database {}").format(psycopg2.sql.Identifier(name))
                )
    finally:
        conn.close()


@contextmanager
def database_url(settings: Settings | None = None) -> Iterator[str]:
    """Yield the URL to use, starting the embedded server for the duration if needed.

    A server this call starts is stopped when the block ends (also on SIGTERM);
    a server that was already running, for instance under `make run`, is left alone.
    """
    settings = settings or Settings.from_env()
    if settings.database_url:
        yield settings.database_url
        return
    server = EmbeddedServer(settings.home, settings.embedded_port)
    started = server.start()
    if started:
        log.info("started the embedded PostgreSQL server in %s", server.pgdata)
    restore = _stop_on_signals() if started else None
    try:
        wait_until_ready(server.url())
        ensure_database(server.url(), EMBEDDED_DATABASE)
        yield server.url(EMBEDDED_DATABASE)
    finally:
        if started:
            server.stop(mode="smart")
            log.info("stopped the embedded PostgreSQL server")
        if restore:
            restore()


@contextmanager
def session(settings: Settings | None = None) -> Iterator[Connection]:
    """A connection to the configured database, closed (and the server stopped if ours) after."""
    with database_url(settings) as url:
        conn = connect(url)
        try:
            yield conn
        finally:
            conn.close()


def _stop_on_signals() -> Any:
    """Turn SIGTERM and SIGHUP into SystemExit so `finally` blocks stop the server."""

    def raise_exit(signum: int, _frame: object) -> None:
        raise SystemExit(128 + signum)

    if threading.current_thread() is not threading.main_thread():
        return None
    previous = {sig: signal.signal(sig, raise_exit) for sig in (signal.SIGTERM, signal.SIGHUP)}

    def restore() -> None:
        for sig, handler in previous.items():
            signal.signal(sig, handler)

    atexit.register(restore)
    return restore


def insert_rows(conn: Connection, sql: str, rows: list[tuple[Any, ...]], page_size: int = 1000) -> None:
    """Bulk insert through `execute_values` (far faster than `executemany`)."""
    if rows:
        with conn.cursor() as cur:
            execute_values(cur, sql, rows, page_size=page_size)
