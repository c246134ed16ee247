"""The Connection `storywatch_db` becomes a psycopg2 connection, sockets and passwords included."""
from __future__ import annotations

import json
from urllib.parse import urlsplit

import psycopg2.extensions
import pytest

from storywatch_airflow.hooks import connection_json, libpq_url


def test_socket_folder_host_goes_into_the_query() -> None:
    url = libpq_url(host="/srv/sw home/pgdata", port=5432, login="postgres", password=None,
                    database="storywatch", extra={})
    assert url == "postgresql://postgres@/storywatch?host=%2Fsrv%2Fsw%20home%2Fpgdata&port=5432"


def test_tcp_host_password_with_reserved_characters_is_quoted() -> None:
    url = libpq_url(host="127.0.0.1", port=5433, login="sw", password="p@ss:/word?",
                    database="news", extra={"sslmode": "disable", "cursor": "dictcursor"})
    assert url == "postgresql://sw:p%40ss%3A%2Fword%3F@127.0.0.1:5433/news?sslmode=disable"


def test_ipv6_host_is_bracketed() -> None:
    url = libpq_url(host="::1", port=5432, login="sw", password=None, database="news")
    assert url == "postgresql://sw@[::1]:5432/news"


@pytest.mark.parametrize("url", [
    "postgresql://postgres@/storywatch?host=/tmp/sw/pgdata&port=5432",
    "postgresql://sw:p%40ss@127.0.0.1:5433/news?sslmode=disable",
    "postgresql://sw@127.0.0.1/news",
])
def test_connection_json_round_trips_through_libpq_url(url: str) -> None:
    fields = json.loads(connection_json(url))
    assert fields["conn_type"] == "postgres"
    rebuilt = libpq_url(host=fields.get("host"), port=fields.get("port"), login=fields.get("login"),
                        password=fields.get("password"), database=fields.get("schema"),
                        extra=fields.get("extra"))
    assert psycopg2.extensions.parse_dsn(rebuilt) == psycopg2.extensions.parse_dsn(url)


def test_connection_json_refuses_a_url_that_is_not_postgresql() -> None:
    with pytest.raises(ValueError, match="not a PostgreSQL URL"):
        connection_json("mysql://root:secret@127.0.0.1/news")


@pytest.mark.integration
def test_connect_reads_the_connection_at_run_time(airflow_home, storywatch_connection) -> None:
    from storywatch_airflow.hooks import connect

    conn = connect()
    try:
        with conn.cursor() as cur:
            cur.execute("select current_database(), current_setting('application_name')")
            database, application = cur.fetchone()
    finally:
        conn.close()
    assert database == urlsplit(storywatch_connection).path.lstrip("/")
    assert application == "storywatch-airflow"
