"""Helpers for integration tests that process articles once and check many things on them."""
from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit, urlunsplit

import psycopg2
import psycopg2.sql

from storywatch.settings import Settings
from storywatch.store import db, migrate


@contextmanager
def scratch_database(server_url: str, label: str) -> Iterator[str]:
    """A migrated database of its own for a module's tests (processing articles takes seconds)."""
    name = f"storywatch_test_{label}_{secrets.token_hex(3)}"
    admin = psycopg2.connect(server_url)
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(psycopg2.sql.SQL("create database {}").format(psycopg2.sql.Identifier(name)))
    url = urlunsplit(urlsplit(server_url)._replace(path="/" + name))
    try:
        conn = db.connect(url)
        migrate.upgrade(conn, Settings.from_env().sql_dir)
        conn.close()
        yield url
    finally:
        with admin.cursor() as cur:
            cur.execute(psycopg2.sql.SQL("drop database if exists {} with (force)").format(
                psycopg2.sql.Identifier(name)))
        admin.close()
