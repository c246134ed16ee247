"""The CLI tells a lost database connection from a database error, whatever class libpq gives it."""
from __future__ import annotations

import psycopg2

from storywatch.cli.main import _connection_lost


def test_a_server_gone_mid_query_is_a_lost_connection_even_as_a_plain_database_error():
    assert _connection_lost(psycopg2.DatabaseError(
        "server closed the connection unexpectedly\n\tThis probably means the server terminated"))
    assert _connection_lost(psycopg2.OperationalError("terminating connection"))
    assert _connection_lost(psycopg2.InterfaceError("connection already closed"))


def test_any_other_database_error_is_not_taken_for_one():
    assert not _connection_lost(psycopg2.DatabaseError("column x does not exist"))
    assert not _connection_lost(psycopg2.errors.UniqueViolation("duplicate key"))
