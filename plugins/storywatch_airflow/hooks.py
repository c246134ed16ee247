"""psycopg2 connections from the Airflow Connection `storywatch_db`, resolved at run time.

The postgres provider's hook hands out psycopg 3 connections in this setup,
while the library speaks psycopg2 only, so the libpq URL is built here from the
Connection's fields. The host may be a Unix socket folder (the embedded server).
"""
from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

from storywatch.store import db

CONN_ID = "storywatch_db"
APPLICATION_NAME = "storywatch-airflow"
log = logging.getLogger(__name__)

# libpq keywords that may ride in the Connection's extra; anything else there
# (the provider's own options such as `cursor`) means nothing to libpq and would
# make it refuse the URL.
LIBPQ_OPTIONS = frozenset({
    "application_name", "channel_binding", "connect_timeout", "gssencmode", "hostaddr",
    "keepalives", "keepalives_count", "keepalives_idle", "keepalives_interval", "options",
    "passfile", "require_auth", "service", "sslcert", "sslcrl", "sslkey", "sslmode",
    "sslnegotiation", "sslrootcert", "target_session_attrs",
})


def connect(conn_id: str = CONN_ID) -> db.Connection:
    """A psycopg2 connection to the database the Airflow Connection `conn_id` names."""
    return db.connect(database_url(conn_id), application_name=APPLICATION_NAME)


def database_url(conn_id: str = CONN_ID) -> str:
    """The libpq URL of the Airflow Connection `conn_id` (for code that opens its own connections)."""
    from airflow.sdk import Connection  # at run time: DAG files import this module when parsed

    airflow_conn = Connection.get(conn_id)
    return libpq_url(
        host=airflow_conn.host, port=airflow_conn.port, login=airflow_conn.login,
        password=airflow_conn.password, database=airflow_conn.schema,
        extra=airflow_conn.extra_dejson,
    )


def libpq_url(
    *,
    host: str | None,
    port: int | None,
    login: str | None,
    password: str | None,
    database: str | None,
    extra: Mapping[str, Any] | None = None,
) -> str:
    """A `postgresql://` URL from a Connection's fields (a host starting with / is a socket folder)."""
    userinfo = quote(login or "", safe="")
    if password:
        userinfo += ":" + quote(password, safe="")
    query: dict[str, str] = {}
    netloc = userinfo + "@" if userinfo else ""
    if host and host.startswith("/"):
        # A socket folder cannot sit in the authority part of a URL; libpq takes it as a parameter.
        query["host"] = host
        if port:
            query["port"] = str(port)
    elif host:
        netloc += f"[{host}]" if ":" in host else host
        if port:
            netloc += f":{port}"
    for key, value in sorted((extra or {}).items()):
        if key in LIBPQ_OPTIONS and value is not None:
            query[key] = str(value)
        else:
            log.debug("ignoring Connection extra %r: not a libpq option", key)
    path = "/" + quote(database, safe="") if database else "/"
    return f"postgresql://{netloc}{path}" + ("?" + urlencode(query, quote_via=quote) if query else "")


def connection_json(url: str) -> str:
    """The JSON form of an Airflow Connection (for AIRFLOW_CONN_STORYWATCH_DB) from a libpq URL."""
    parts = urlsplit(url)
    if parts.scheme not in ("postgresql", "postgres"):
        raise ValueError(f"not a PostgreSQL URL: {db.redact_url(url)}")
    params = dict(parse_qsl(parts.query))
    host = params.pop("host", None) or parts.hostname
    port = params.pop("port", None) or parts.port
    fields: dict[str, Any] = {
        "conn_type": "postgres",
        "host": host,
        "port": int(port) if port else None,
        "login": unquote(parts.username) if parts.username else None,
        "password": unquote(parts.password) if parts.password else None,
        "schema": unquote(parts.path.lstrip("/")) or None,
        "extra": params or None,
    }
    return json.dumps({key: value for key, value in fields.items() if value is not None})
