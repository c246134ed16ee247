"""A stage's batch-wide step (`finish_batch`): run once per batch, and a failure in it is
recorded against the version that causes it, the rest of the batch kept."""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from storywatch.sources.ingest import ingest_paths
from storywatch.store.db import Connection
from storywatch.store.stagework import PendingVersion, run_stage
from tests.ownserver import write_articles

pytestmark = pytest.mark.integration


class NotingStage:
    """Writes a note per version; its batch step writes one row per batch, and fails when the
    batch holds a version it was told to refuse (as a replay failing on one slot would)."""

    name = "noting"
    version = "1"

    def __init__(self, refuse: int | None = None) -> None:
        self.refuse = refuse
        self.pending: list[int] = []
        self.finished: list[tuple[int, ...]] = []

    def prepare(self, versions: Sequence[PendingVersion]) -> list[Any]:
        return [v.document_version_id for v in versions]

    def write(self, conn: Connection, version: PendingVersion, prepared: Any) -> None:
        with conn.cursor() as cur:
            cur.execute("insert into batch_notes (kind, version_id) values ('write', %s)",
                        (prepared,))
        self.pending.append(prepared)

    def finish_batch(self, conn: Connection) -> None:
        batch, self.pending = tuple(self.pending), []
        if self.refuse in batch:
            raise ValueError(f"cannot finish version {self.refuse}")
        with conn.cursor() as cur:
            cur.execute("insert into batch_notes (kind, version_id) "
                        "select 'finish', unnest(%s::bigint[])", (list(batch),))
        self.finished.append(batch)

    def finish_run(self, conn: Connection) -> None:
        conn.commit()


@pytest.fixture
def versions(conn: Connection, tmp_path: Path) -> list[int]:
    ingest_paths(conn, write_articles(tmp_path / "articles", 6))
    with conn.cursor() as cur:
        cur.execute("create table batch_notes (kind text not null, version_id bigint not null)")
        cur.execute("select document_version_id from document_versions "
                    "order by ordered_at, document_version_id")
        ids = [int(row[0]) for row in cur.fetchall()]
    conn.commit()
    yield ids
    conn.rollback()
    with conn.cursor() as cur:
        cur.execute("drop table batch_notes")
    conn.commit()


def notes(conn: Connection) -> list[tuple[str, int]]:
    with conn.cursor() as cur:
        cur.execute("select kind, version_id from batch_notes order by kind, version_id")
        return [(kind, int(version_id)) for kind, version_id in cur.fetchall()]


def runs(conn: Connection) -> dict[int, tuple[str, str | None]]:
    with conn.cursor() as cur:
        cur.execute("select document_version_id, status, message from stage_runs "
                    "where stage = 'noting'")
        return {int(v): (status, message) for v, status, message in cur.fetchall()}


def test_the_batch_step_runs_once_per_batch_over_its_versions(conn: Connection,
                                                             versions: list[int]) -> None:
    stage = NotingStage()
    counts = run_stage(conn, stage, batch_size=4)
    assert counts.as_dict() == {"done": 6, "skipped": 0, "failed": 0}
    assert stage.finished == [tuple(versions[:4]), tuple(versions[4:])]
    assert notes(conn) == sorted([("finish", v) for v in versions] + [("write", v) for v in versions])


def test_a_failing_batch_step_fails_only_the_version_that_causes_it(conn: Connection,
                                                                    versions: list[int]) -> None:
    refused = versions[2]
    stage = NotingStage(refuse=refused)
    counts = run_stage(conn, stage, batch_size=4)
    assert counts.as_dict() == {"done": 5, "skipped": 0, "failed": 1}
    assert counts.failures == [(refused, f"ValueError: cannot finish version {refused}")]
    recorded = runs(conn)
    assert recorded[refused] == ("failed", f"ValueError: cannot finish version {refused}")
    assert all(recorded[v] == ("done", None) for v in versions if v != refused)
    # the refused version's rows were rolled back with it; every other version kept its rows,
    # written once (the batch was rolled back before it was written again version by version)
    kept = [v for v in versions if v != refused]
    assert notes(conn) == sorted([("finish", v) for v in kept] + [("write", v) for v in kept])
    # the first batch was finished one version at a time; the second, in one step
    assert stage.finished == [(v,) for v in versions[:4] if v != refused] + [tuple(versions[4:])]
