"""`db upgrade`: every migration once, in order, atomically; views re-created; edits refused."""
from __future__ import annotations

import re
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg2
import psycopg2.sql
import pytest

from storywatch.errors import MigrationError
from storywatch.settings import REPO_ROOT
from storywatch.store import db, migrate

pytestmark = pytest.mark.integration


@pytest.fixture
def empty_db(server_url: str) -> Iterator[db.Connection]:
    """A brand-new empty database, dropped after the test."""
    name = f"storywatch_mig_{secrets.token_hex(4)}"
    admin = psycopg2.connect(server_url)
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(psycopg2.sql.SQL("create database {}").format(psycopg2.sql.Identifier(name)))
    conn = db.connect(urlunsplit(urlsplit(server_url)._replace(path="/" + name)))
    try:
        yield conn
    finally:
        conn.close()
        with admin.cursor() as cur:
            cur.execute(psycopg2.sql.SQL("drop database {} with (force)").format(
                psycopg2.sql.Identifier(name)))
        admin.close()


@pytest.fixture
def sql_copy(tmp_path: Path) -> Path:
    """A private copy of sql/ that a test may edit."""
    target = tmp_path / "sql"
    shutil.copytree(REPO_ROOT / "sql", target)
    return target


def schema_snapshot(conn: db.Connection) -> list[tuple[str, str, str]]:
    with conn.cursor() as cur:
        cur.execute("""
            select table_name, column_name, data_type from information_schema.columns
            where table_schema = 'public' order by 1, 2""")
        return cur.fetchall()


def test_upgrade_from_zero_applies_every_migration_in_order(empty_db: db.Connection) -> None:
    result = migrate.upgrade(empty_db, REPO_ROOT / "sql")
    files = [m.path.name for m in migrate.list_migrations(REPO_ROOT / "sql")]
    assert result.applied == files
    with empty_db.cursor() as cur:
        cur.execute("select filename from schema_migrations order by version")
        assert [row[0] for row in cur.fetchall()] == files
        cur.execute("select count(*) from pg_views where schemaname = 'public'")
        # One view per view file; a file that creates none (zz_grants.sql) adds none.
        view_files = [path for path in migrate.list_views(REPO_ROOT / "sql")
                      if re.search(r"^create (or replace )?view ", path.read_text(), re.M)]
        assert cur.fetchone()[0] == len(view_files)


def test_second_upgrade_changes_nothing(empty_db: db.Connection) -> None:
    migrate.upgrade(empty_db, REPO_ROOT / "sql")
    before = schema_snapshot(empty_db)
    result = migrate.upgrade(empty_db, REPO_ROOT / "sql")
    assert result.applied == []
    assert schema_snapshot(empty_db) == before


def test_edited_applied_migration_is_refused_with_a_clear_message(
    empty_db: db.Connection, sql_copy: Path
) -> None:
    migrate.upgrade(empty_db, sql_copy)
    first = sorted((sql_copy / "migrations").glob("*.sql"))[0]
    first.write_text(first.read_text() + "\n-- edited\n")
    with pytest.raises(MigrationError, match="changed after it was applied"):
        migrate.upgrade(empty_db, sql_copy)


def test_failing_migration_leaves_nothing_half_applied(
    empty_db: db.Connection, sql_copy: Path
) -> None:
    migrate.upgrade(empty_db, sql_copy)
    (sql_copy / "migrations" / "9998_create_partial.sql").write_text(
        "create table half_done (id int);\nselect * from no_such_table;\n")
    with pytest.raises(MigrationError, match="9998_create_partial.sql failed and was rolled back"):
        migrate.upgrade(empty_db, sql_copy)
    with empty_db.cursor() as cur:
        cur.execute("select to_regclass('half_done'), count(*) from schema_migrations where version = 9998")
        assert cur.fetchone() == (None, 0)


def test_badly_named_migration_is_refused(sql_copy: Path) -> None:
    (sql_copy / "migrations" / "add_things.sql").write_text("select 1;")
    with pytest.raises(MigrationError, match="NNNN_verb_object.sql"):
        migrate.list_migrations(sql_copy)
