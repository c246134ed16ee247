"""Fixtures shared by every test layer.

Integration tests get a fresh database per test session, created on the server
named by STORYWATCH_TEST_DATABASE_URL (a maintenance database URL), or on the
embedded server when that is unset, with every migration applied from zero.
"""
from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg2
import psycopg2.sql
import pytest

from storywatch.settings import REPO_ROOT, Settings
from storywatch.store import db, migrate
from storywatch.store.embedded import EmbeddedServer

pytest_plugins = ["tests.netguard", "tests.httpserver", "tests.ownserver", "pytester"]

TEST_SERVER_HOME = REPO_ROOT / ".storywatch" / "test-server"
SHARED_DIR = Path(os.environ.get("STORYWATCH_SHARED_DIR") or REPO_ROOT.parent / "shared")


def shared_path(*parts: str) -> Path:
    """A path under ../shared, skipping the test (with the reason) when it is absent."""
    path = SHARED_DIR.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is absent: the shared fixtures are read at test time, never copied")
    return path


@pytest.fixture(scope="session")
def server_url() -> Iterator[str]:
    """URL of a maintenance database on the test server (started here if embedded)."""
    configured = os.environ.get("STORYWATCH_TEST_DATABASE_URL")
    if configured:
        yield configured
        return
    server = EmbeddedServer(TEST_SERVER_HOME)
    started = server.start()
    try:
        db.wait_until_ready(server.url())
        yield server.url()
    finally:
        if started:
            server.stop()


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))


@pytest.fixture(scope="session")
def database_url(server_url: str) -> Iterator[str]:
    """A fresh database for this test session, migrated from zero, dropped at the end."""
    name = f"storywatch_test_{os.getpid()}_{secrets.token_hex(3)}"
    admin = psycopg2.connect(server_url)
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(psycopg2.sql.SQL("create database {}").format(psycopg2.sql.Identifier(name)))
    url = _with_database(server_url, name)
    conn = db.connect(url)
    migrate.upgrade(conn, Settings.from_env().sql_dir)
    conn.close()
    try:
        yield url
    finally:
        with admin.cursor() as cur:
            cur.execute(
                psycopg2.sql.SQL("drop database if exists {} with (force)").format(
                    psycopg2.sql.Identifier(name)
                )
            )
        admin.close()


DATA_TABLES_QUERY = """
select quote_ident(tablename) from pg_tables
where schemaname = 'public' and tablename <> 'schema_migrations'
"""


@pytest.fixture
def conn(database_url: str) -> Iterator[db.Connection]:
    """A connection to the session database; every data table is emptied after the test."""
    connection = db.connect(database_url)
    try:
        yield connection
    finally:
        connection.rollback()
        with connection.cursor() as cur:
            cur.execute(DATA_TABLES_QUERY)
            tables = [row[0] for row in cur.fetchall()]
            if tables:
                cur.execute(
                    psycopg2.sql.SQL("truncate {} restart identity cascade").format(
                        psycopg2.sql.SQL(", ").join(psycopg2.sql.SQL(t) for t in tables)
                    )
                )
        connection.commit()
        connection.close()


def count_rows(conn: db.Connection, table: str) -> int:
    """Rows in `table` (a name from this test suite, never from input)."""
    with conn.cursor() as cur:
        cur.execute(psycopg2.sql.SQL("select count(*) from {}").format(psycopg2.sql.Identifier(table)))
        return int(cur.fetchone()[0])
