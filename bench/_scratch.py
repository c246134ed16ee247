"""A scratch database for the benches: created beside the server's, dropped afterwards."""
from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit, urlunsplit

import psycopg2
import psycopg2.sql


@contextmanager
def scratch_database(server_url: str, prefix: str = "storywatch_bench") -> Iterator[str]:
    """The URL of a fresh database on the server of `server_url`, dropped when the block ends."""
    name = f"{prefix}_{os.getpid()}"
    admin = psycopg2.connect(server_url)
    admin.autocommit = True
    ident = psycopg2.sql.Identifier(name)
    with admin.cursor() as cur:
        cur.execute(psycopg2.sql.SQL("drop database if exists {}").format(ident))
        cur.execute(psycopg2.sql.SQL("create database {}").format(ident))
    try:
        yield urlunsplit(urlsplit(server_url)._replace(path="/" + name))
    finally:
        with admin.cursor() as cur:
            cur.execute(psycopg2.sql.SQL("drop database if exists {} with (force)").format(ident))
        admin.close()
