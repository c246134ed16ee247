"""The analysts' role: a login granted storywatch_reader reads every v_* view and nothing else."""
from __future__ import annotations

import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg2
import psycopg2.errors
import psycopg2.sql
import pytest

from storywatch.settings import REPO_ROOT
from storywatch.store import db, migrate

pytestmark = pytest.mark.integration

READER_ROLE = "storywatch_reader"
VIEWS = """
select c.relname from pg_class as c join pg_namespace as n on n.oid = c.relnamespace
where n.nspname = 'public' and c.relkind = 'v' and c.relname like 'v\\_%' order by 1
"""
TABLES = "select tablename from pg_tables where schemaname = 'public' order by 1"


def _as_user(url: str, user: str) -> str:
    parts = urlsplit(url)
    host = parts.netloc.rsplit("@", 1)[-1]
    return urlunsplit(parts._replace(netloc=f"{user}:unused@{host}"))


@pytest.fixture
def reader(database_url: str, conn: db.Connection) -> Iterator[db.Connection]:
    """A connection as a fresh login that is a member of storywatch_reader (dropped after)."""
    login = f"analyst_{secrets.token_hex(4)}"
    with conn.cursor() as cur:
        cur.execute(psycopg2.sql.SQL("create role {} login in role {}").format(
            psycopg2.sql.Identifier(login), psycopg2.sql.Identifier(READER_ROLE)))
    conn.commit()
    reader_conn = db.connect(_as_user(database_url, login))
    try:
        yield reader_conn
    finally:
        reader_conn.close()
        with conn.cursor() as cur:
            cur.execute(psycopg2.sql.SQL("drop role {}").format(psycopg2.sql.Identifier(login)))
        conn.commit()


def _names(conn: db.Connection, query: str) -> list[str]:
    with conn.cursor() as cur:
        cur.execute(query)
        names = [row[0] for row in cur.fetchall()]
    conn.commit()
    return names


def _refused(conn: db.Connection, statement: psycopg2.sql.Composable) -> bool:
    """True when `statement` fails for lack of privilege (and the session stays usable)."""
    try:
        with conn.cursor() as cur:
            cur.execute(statement)
    except psycopg2.errors.InsufficientPrivilege:
        conn.rollback()
        return True
    conn.rollback()
    return False


def test_reader_can_query_every_analyst_view(reader: db.Connection, conn: db.Connection) -> None:
    views = _names(conn, VIEWS)
    assert "v_article_versions" in views
    for view in views:
        with reader.cursor() as cur:
            cur.execute(psycopg2.sql.SQL("select * from {} limit 5").format(
                psycopg2.sql.Identifier(view)))
            cur.fetchall()
        reader.rollback()


def test_reader_cannot_read_any_raw_table(reader: db.Connection, conn: db.Connection) -> None:
    tables = _names(conn, TABLES)
    assert {"documents", "document_versions", "schema_migrations"} <= set(tables)
    readable = [
        table for table in tables
        if not _refused(reader, psycopg2.sql.SQL("select 1 from {} limit 1").format(
            psycopg2.sql.Identifier(table)))
    ]
    assert readable == []


@pytest.mark.parametrize("statement", [
    "insert into sources (name) values ('intruder')",
    "update documents set url = null",
    "delete from document_versions",
    "truncate documents",
    "drop view v_article_versions",
    "create or replace view v_article_versions as select 1 as x",
])
def test_reader_cannot_change_anything(reader: db.Connection, statement: str) -> None:
    assert _refused(reader, psycopg2.sql.SQL(statement))


@pytest.fixture
def updatable_view(conn: db.Connection) -> Iterator[str]:
    """A simple (auto-updatable) analyst view over a raw table, granted by a normal upgrade."""
    with conn.cursor() as cur:
        cur.execute("create view v_zz_probe as select source_id, name from sources")
    conn.commit()
    migrate.upgrade(conn, REPO_ROOT / "sql")
    try:
        yield "v_zz_probe"
    finally:
        with conn.cursor() as cur:
            cur.execute("drop view if exists v_zz_probe")
        conn.commit()


def test_reader_cannot_write_through_an_updatable_view(reader: db.Connection,
                                                       updatable_view: str) -> None:
    view = psycopg2.sql.Identifier(updatable_view)
    with reader.cursor() as cur:
        cur.execute(psycopg2.sql.SQL("select count(*) from {}").format(view))
        assert cur.fetchone() == (0,)
    reader.rollback()
    assert _refused(reader, psycopg2.sql.SQL("insert into {} (name) values ('x')").format(view))
    assert _refused(reader, psycopg2.sql.SQL("delete from {}").format(view))


def test_views_recreated_by_upgrade_keep_the_grant(reader: db.Connection,
                                                   conn: db.Connection) -> None:
    result = migrate.upgrade(conn, REPO_ROOT / "sql")
    assert "v_article_versions.sql" in result.views
    with reader.cursor() as cur:
        cur.execute("select count(*) from v_article_versions")
        assert cur.fetchone() is not None
    reader.rollback()


def test_role_migration_runs_again_when_the_role_exists(conn: db.Connection) -> None:
    sql = (REPO_ROOT / "sql" / "migrations" / "0040_create_reader_role.sql").read_text()
    with conn.cursor() as cur:
        cur.execute(sql)
        cur.execute(sql)
        cur.execute("select rolcanlogin from pg_roles where rolname = %s", (READER_ROLE,))
        assert cur.fetchone() == (False,)
    conn.rollback()


# -- the README's example queries, run as a reader ---------------------------------------------------
TIMELINE = REPO_ROOT / "tests" / "fixtures" / "timeline"


def readme_example_queries() -> list[str]:
    """The statements of the SQL block under "Five questions in SQL" in README.md."""
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Analyst access"):]
    block = section[section.index("Five questions in SQL"):]
    sql = block[block.index("```sql") + len("```sql"):]
    sql = sql[:sql.index("```")]
    return [statement.strip() for statement in sql.split(";") if statement.strip()]


def test_readme_has_five_example_queries() -> None:
    queries = readme_example_queries()
    assert len(queries) == 5
    for query, view in zip(queries, ("v_developments", "v_thread_timeline", "v_thread_timeline",
                                     "v_article_versions", "v_story_copies"), strict=True):
        assert view in query


def test_readme_example_queries_answer_a_reader(reader: db.Connection, conn: db.Connection,
                                               tmp_path: Path) -> None:
    from storywatch import seeding
    from storywatch import stages as pipeline
    from storywatch.sources import ingest

    edited = tmp_path / "edited.txt"
    shutil.copy(TIMELINE / "06_us_estimate_130k.txt", edited)
    seeding.load_seeds(conn, REPO_ROOT / "seeds")
    ingest.ingest_paths(conn, [*sorted(TIMELINE.glob("0[1-6]_*.txt")), edited])
    edited.write_text(edited.read_text() + "\nThe Pentagon declined to comment.\n")
    ingest.ingest_paths(conn, [edited])
    pipeline.process_pending(conn)
    for query in readme_example_queries():
        with reader.cursor() as cur:
            cur.execute(query)
            rows = cur.fetchall()
        reader.rollback()
        assert rows, f"no row for the README query:\n{query}"
