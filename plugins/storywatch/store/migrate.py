"""Schema migrations: `sql/migrations/NNNN_*.sql` applied once each, then every view re-created.

Each migration runs in one transaction together with its row in
`schema_migrations`, so a failure leaves nothing half applied. An applied file
whose checksum changed is refused: migrations are append-only, add the next one.
"""
from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from pathlib import Path

import psycopg2

from storywatch.errors import MigrationError
from storywatch.store.db import Connection

log = logging.getLogger(__name__)

MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
# Serialises concurrent upgrades (two Airflow workers, or CLI + scheduler).
UPGRADE_LOCK_KEY = 0x73747779  # "styw"

CREATE_LEDGER = """
create table if not exists schema_migrations (
    version     integer primary key,
    filename    text not null,
    checksum    text not null,
    applied_at  timestamptz not null default now()
)
"""


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    path: Path

    @property
    def sql(self) -> str:
        return self.path.read_text(encoding="utf-8")

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.path.read_bytes()).hexdigest()


@dataclass(frozen=True, slots=True)
class UpgradeResult:
    applied: list[str]
    views: list[str]


def list_migrations(sql_dir: Path) -> list[Migration]:
    """The migration files in version order; refuses odd names and duplicate numbers."""
    folder = sql_dir / "migrations"
    migrations: dict[int, Migration] = {}
    for path in sorted(folder.glob("*.sql")):
        match = MIGRATION_NAME.match(path.name)
        if not match:
            raise MigrationError(f"{path}: migration files are named NNNN_verb_object.sql")
        version = int(match.group(1))
        if version in migrations:
            raise MigrationError(f"{path}: number {version:04d} is used twice")
        migrations[version] = Migration(version, path)
    return [migrations[v] for v in sorted(migrations)]


def list_views(sql_dir: Path) -> list[Path]:
    """View files in name order (prefix them with a number when one depends on another)."""
    return sorted((sql_dir / "views").glob("*.sql"))


def upgrade(conn: Connection, sql_dir: Path) -> UpgradeResult:
    """Apply pending migrations, then re-create every view; running it twice changes nothing."""
    migrations = list_migrations(sql_dir)
    with conn.cursor() as cur:
        cur.execute("select pg_advisory_lock(%s)", (UPGRADE_LOCK_KEY,))
    try:
        applied = _apply_pending(conn, migrations)
        views = _recreate_views(conn, list_views(sql_dir))
    finally:
        conn.rollback()
        with conn.cursor() as cur:
            cur.execute("select pg_advisory_unlock(%s)", (UPGRADE_LOCK_KEY,))
        conn.commit()
    return UpgradeResult(applied=applied, views=views)


def _apply_pending(conn: Connection, migrations: list[Migration]) -> list[str]:
    with conn.cursor() as cur:
        cur.execute(CREATE_LEDGER)
        cur.execute("select version, filename, checksum from schema_migrations")
        done = {row[0]: (row[1], row[2]) for row in cur.fetchall()}
    conn.commit()
    for migration in migrations:
        if migration.version in done and done[migration.version][1] != migration.checksum:
            raise MigrationError(
                f"{migration.path.name} was changed after it was applied (checksum differs from "
                "the one recorded in schema_migrations): restore the original file and put the "
                "change in a new migration"
            )
    applied = []
    for migration in migrations:
        if migration.version in done:
            continue
        try:
            with conn.cursor() as cur:
                cur.execute(migration.sql)
                cur.execute(
                    "insert into schema_migrations (version, filename, checksum) values (%s, %s, %s)",
                    (migration.version, migration.path.name, migration.checksum),
                )
            conn.commit()
        except psycopg2.Error as exc:
            conn.rollback()
            raise MigrationError(
                f"{migration.path.name} failed and was rolled back: {_first_line(exc)}"
            ) from exc
        log.info("applied migration %s", migration.path.name)
        applied.append(migration.path.name)
    return applied


def _recreate_views(conn: Connection, views: list[Path]) -> list[str]:
    """All views in one transaction: analysts never see a half-built set."""
    try:
        with conn.cursor() as cur:
            for path in views:
                cur.execute(path.read_text(encoding="utf-8"))
        conn.commit()
    except psycopg2.Error as exc:
        conn.rollback()
        raise MigrationError(f"view {path.name} failed: {_first_line(exc)}") from exc
    return [path.name for path in views]


def _first_line(exc: psycopg2.Error) -> str:
    text = (exc.pgerror or str(exc)).strip()
    return text.splitlines()[0] if text else type(exc).__name__
