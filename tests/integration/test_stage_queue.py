"""The queue of unfinished versions the stages claim from (migration 0080): a version waits
in it until every registered stage has run on it, comes back when one of its runs is deleted,
and a stage registered late still reaches every version stored before it."""
from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from storywatch.sources.ingest import ingest_paths
from storywatch.store import db
from storywatch.store.db import Connection
from storywatch.store.stagework import (
    NothingShared,
    PendingVersion,
    count_pending,
    forget_finished_versions,
    run_stage,
)
from tests.ownserver import write_articles

pytestmark = pytest.mark.integration


class CountingStage(NothingShared):
    """Writes nothing; remembers which versions it was given."""

    def __init__(self, name: str, version: str = "1") -> None:
        self.name, self.version = name, version
        self.seen: list[int] = []

    def prepare(self, versions: Sequence[PendingVersion]) -> list[Any]:
        return [None] * len(versions)

    def write(self, conn: Connection, version: PendingVersion, prepared: Any) -> None:
        self.seen.append(version.document_version_id)


def queued(conn: Connection) -> set[int]:
    with conn.cursor() as cur:
        cur.execute("select document_version_id from unfinished_versions")
        found = {int(row[0]) for row in cur.fetchall()}
    conn.rollback()
    return found


@pytest.fixture
def versions(conn: Connection, tmp_path: Path) -> list[int]:
    ingest_paths(conn, write_articles(tmp_path / "articles", 5))
    with conn.cursor() as cur:
        cur.execute("select document_version_id from document_versions order by 1")
        ids = [int(row[0]) for row in cur.fetchall()]
    conn.commit()
    return ids


def test_a_version_waits_until_every_registered_stage_has_run_on_it(
        conn: Connection, versions: list[int]) -> None:
    assert queued(conn) == set(versions)  # stored: queued for every stage to come
    first, second = CountingStage("first"), CountingStage("second")
    run_stage(conn, first)
    run_stage(conn, second, batch_size=2, max_versions=2)
    # `second` has not run on three of them yet: those stay, the two it ran on leave
    forget_finished_versions(conn)
    assert queued(conn) == set(versions[2:])
    run_stage(conn, second)
    forget_finished_versions(conn)
    assert queued(conn) == set()
    assert count_pending(conn, first) == 0 and count_pending(conn, second) == 0


def test_a_deleted_run_puts_its_version_back_in_the_queue(conn: Connection,
                                                          versions: list[int]) -> None:
    stage = CountingStage("only")
    run_stage(conn, stage)
    forget_finished_versions(conn)
    assert queued(conn) == set()
    with conn.cursor() as cur:  # what invalidating a stage or relinking a copy does
        cur.execute("delete from stage_runs where document_version_id = %s", (versions[3],))
    conn.commit()
    assert queued(conn) == {versions[3]}
    again = CountingStage("only")
    run_stage(conn, again)
    assert again.seen == [versions[3]]


def test_a_stage_added_later_reaches_the_versions_stored_before_it(conn: Connection,
                                                                  versions: list[int]) -> None:
    run_stage(conn, CountingStage("old"))
    forget_finished_versions(conn)
    assert queued(conn) == set()  # finished for every stage known so far
    late = CountingStage("late")
    assert run_stage(conn, late).done == len(versions)
    assert sorted(late.seen) == versions


def test_a_version_bump_makes_every_run_pending_again(conn: Connection,
                                                      versions: list[int]) -> None:
    run_stage(conn, CountingStage("bumped", "1"))
    forget_finished_versions(conn)
    bumped = CountingStage("bumped", "2")
    assert count_pending(conn, bumped) == len(versions)
    run_stage(conn, bumped)
    assert sorted(bumped.seen) == versions
    older = CountingStage("bumped", "0")  # a lower version is as different as a higher one
    assert count_pending(conn, older) == len(versions)


@pytest.fixture
def other(database_url: str) -> Iterator[Connection]:
    connection = db.connect(database_url)
    yield connection
    connection.rollback()
    connection.close()


def test_pruning_waits_out_a_run_being_deleted(conn: Connection, other: Connection,
                                               versions: list[int]) -> None:
    """The pruner must not drop a version on a stale view of its runs: while another
    transaction deletes one of its runs (and re-queues it when it commits), pruning skips."""
    run_stage(conn, CountingStage("raced"))
    with conn.cursor() as cur:  # finished, but not yet pruned (as between two batches)
        cur.execute("insert into unfinished_versions select document_version_id "
                    "from document_versions")
    conn.commit()
    with other.cursor() as cur:
        cur.execute("delete from stage_runs where document_version_id = %s", (versions[0],))
    # `other` has not committed: its deletion is invisible here, so pruning now would drop
    # versions[0] for good; it waits its turn instead
    assert forget_finished_versions(conn) == 0
    assert queued(conn) == set(versions)
    other.commit()
    forget_finished_versions(conn)
    assert queued(conn) == {versions[0]}


def test_a_deleted_version_leaves_the_queue(conn: Connection, versions: list[int]) -> None:
    with conn.cursor() as cur:
        cur.execute("delete from document_versions where document_version_id = %s",
                    (versions[-1],))
    conn.commit()
    assert queued(conn) == set(versions[:-1])
