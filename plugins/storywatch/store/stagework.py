"""Processing stages over document versions: claim, compute, write, record.

A stage has a name, a version, a pure `prepare` step (parsing, no database)
and a `write` step (database rows for one version). This module claims pending
versions with `FOR UPDATE SKIP LOCKED`, so two workers running the same stage
never take the same version; it writes each version inside a savepoint, so a
failing item leaves no half-written rows and the rest of the batch is kept;
and it records the outcome in `stage_runs`, so a rerun finds nothing pending.
Bumping a stage's version makes every version pending for it again; `write`
must replace that version's earlier rows (delete, then insert) to stay atomic.

Then `finish_batch(conn)` does the work the versions of the batch share (the tracker
marks the slots the batch touched; other stages have none). It runs before the batch
commits; if it fails, the batch is rolled back and written again one version at a
time, each finished on its own, so the failure is recorded against the version that
causes it, as a failing `write` would be. `finish_run(conn)` does, once the run has no
batch left, what the batches deferred (the tracker replays each marked slot once), and
commits. Every stage defines both, so a stage wrapped by another cannot lose them
silently.
"""
from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

import psycopg2
from psycopg2 import sql

from storywatch.progress import Progress, task
from storywatch.store.db import Connection

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class PendingVersion:
    """What a stage reads of a document version."""

    document_version_id: int
    document_id: int
    version_no: int
    title: str | None
    body: str
    published_at: dt.datetime | None
    ordered_at: dt.datetime


class SkipItem(Exception):
    """Raised by a stage for a version it deliberately does not process (reason in the message)."""


class Stage(Protocol):
    name: str
    version: str

    def prepare(self, versions: Sequence[PendingVersion]) -> list[Any]:
        """Compute per-version results (no database); one entry per version, SkipItem allowed."""
        ...

    def write(self, conn: Connection, version: PendingVersion, prepared: Any) -> None:
        """Write one version's rows, replacing any earlier ones of this stage."""
        ...

    def finish_batch(self, conn: Connection) -> None:
        """Write what the batch's versions share, after their `write`s (may do nothing)."""
        ...

    def finish_run(self, conn: Connection) -> None:
        """Do what the run's batches deferred, and commit (may do nothing)."""
        ...


class NothingShared:
    """For a stage whose versions share no work: nothing to finish per batch or per run."""

    def finish_batch(self, conn: Connection) -> None:
        """Nothing is shared between the versions of a batch."""

    def finish_run(self, conn: Connection) -> None:
        """Nothing is deferred to the end of a run."""


@dataclass(slots=True)
class StageCounts:
    done: int = 0
    skipped: int = 0
    failed: int = 0
    failures: list[tuple[int, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, int]:
        return {"done": self.done, "skipped": self.skipped, "failed": self.failed}


# Pending: versions this stage has no run for, and versions an older stage version ran on,
# once every stage it comes after has run on them (at its current version). Without that last
# condition a second worker that reached `track` while the first was still extracting a
# version would track it without its claims and entities, and never again.
# The first half reads the queue of unfinished versions (migration 0080), not every version:
# the queue holds what is waiting, so a claim costs the same at a thousand versions and at a
# million. The second half is two ranges of stage_runs' index by stage version (`<>` cannot
# use an index), empty except after a stage's version changed.
PENDING_IDS = """
select q.document_version_id
from unfinished_versions as q
where not exists (
    select 1
    from stage_runs as r
    where r.document_version_id = q.document_version_id
      and r.stage = %(stage)s
)
  and (%(only_ids)s::bigint[] is null
       or q.document_version_id = any(%(only_ids)s::bigint[]))
union all
select r.document_version_id
from stage_runs as r
where r.stage = %(stage)s
  and (r.stage_version < %(stage_version)s or r.stage_version > %(stage_version)s)
"""

CLAIM_PENDING = sql.SQL("""
select v.document_version_id, v.document_id, v.version_no, v.title, v.body,
       v.published_at, v.ordered_at
from document_versions as v
where v.document_version_id in ({pending})
  and (%(only_ids)s::bigint[] is null or v.document_version_id = any(%(only_ids)s::bigint[]))
  and (select count(*) from stage_runs as e
       where e.document_version_id = v.document_version_id
         and (e.stage, e.stage_version) in (
             select * from unnest(%(after_names)s::text[], %(after_versions)s::text[])))
      = cardinality(%(after_names)s::text[])
order by v.ordered_at, v.document_version_id
limit %(limit)s
for update of v skip locked
""").format(pending=sql.SQL(PENDING_IDS))

# How many versions a run will take, for its progress (the same filter as the claim, unlocked).
COUNT_PENDING = sql.SQL("""
select count(*) from document_versions as v
where v.document_version_id in ({pending})
  and (%(only_ids)s::bigint[] is null or v.document_version_id = any(%(only_ids)s::bigint[]))
""").format(pending=sql.SQL(PENDING_IDS))

# Run right after CLAIM_PENDING, as a new statement (so with a new snapshot under READ
# COMMITTED): a version another worker finished between our query's snapshot and our
# lock on its row passed the claim's filter (PostgreSQL rechecks a locked row only if
# the row itself changed, and finishing a version changes stage_runs, not the version),
# and must not be handled twice. Its finisher committed before we got the lock, so this
# statement sees its stage_runs row.
FINISHED_MEANWHILE = """
select document_version_id from stage_runs
where stage = %(stage)s and stage_version = %(stage_version)s
  and document_version_id = any(%(ids)s::bigint[])
"""

RECORD_RUN = """
insert into stage_runs (document_version_id, stage, stage_version, status, message)
values (%s, %s, %s, %s, %s)
on conflict (document_version_id, stage) do update set
    stage_version = excluded.stage_version,
    status = excluded.status,
    message = excluded.message,
    finished_at = now()
"""

# The queue of unfinished versions (migration 0080) and the lock its trigger holds shared while
# it re-queues the versions of deleted stage runs; registering a stage and pruning the queue
# hold it exclusively, so a version never leaves the queue on a stale view of its runs.
QUEUE_LOCK_KEY = 0x756E6676  # "unfv"
UNREGISTERED = "select unnest(%s::text[]) except select stage from registered_stages"
REGISTER_STAGE = "insert into registered_stages (stage) values (%s) on conflict do nothing"
QUEUE_UNRUN = """
insert into unfinished_versions (document_version_id)
select v.document_version_id
from document_versions as v
where not exists (select 1 from stage_runs as r
                  where r.document_version_id = v.document_version_id and r.stage = %s)
on conflict do nothing
"""
FORGET_FINISHED = """
delete from unfinished_versions as q
where not exists (
    select 1
    from registered_stages as s
    where not exists (select 1 from stage_runs as r
                      where r.document_version_id = q.document_version_id
                        and r.stage = s.stage)
)
"""


def register_stages(conn: Connection, names: Sequence[str]) -> None:
    """Register the stages of `names` not seen here before, and queue every version each has
    no run on: once per stage, so a stage added to the pipeline still reaches the versions
    stored before it existed."""
    with conn.cursor() as cur:
        cur.execute(UNREGISTERED, (list(names),))
        unseen = sorted(row[0] for row in cur.fetchall())
        if not unseen:
            return
        cur.execute("select pg_advisory_xact_lock(%s)", (QUEUE_LOCK_KEY,))
        for name in unseen:
            cur.execute(REGISTER_STAGE, (name,))
            cur.execute(QUEUE_UNRUN, (name,))
    conn.commit()
    log.info("registered stage(s) %s", ", ".join(unseen))


def forget_finished_versions(conn: Connection, *, wait: bool = False) -> int:
    """Take out of the queue the versions every registered stage has run on; how many.

    Between batches it is skipped (0) while another transaction holds the queue's lock: a
    queue left longer for a while only costs its claims a little, never a version. At the
    end of a run it waits (`wait`), so the last worker to finish leaves the queue holding
    only what is still unfinished, whatever the timing of the others.
    """
    with conn.cursor() as cur:
        if wait:
            cur.execute("select pg_advisory_xact_lock(%s)", (QUEUE_LOCK_KEY,))
        else:
            cur.execute("select pg_try_advisory_xact_lock(%s)", (QUEUE_LOCK_KEY,))
            (locked,) = cur.fetchone()
            if not locked:
                conn.rollback()
                return 0
        cur.execute(FORGET_FINISHED)
        forgotten = cur.rowcount
    conn.commit()
    return forgotten


def run_stage(
    conn: Connection,
    stage: Stage,
    *,
    batch_size: int = 8,
    max_versions: int | None = None,
    only_ids: Sequence[int] | None = None,
    after: Sequence[Stage] = (),
    progress: Progress | None = None,
) -> StageCounts:
    """Run `stage` over pending versions in batches until none are left (or `max_versions`).

    Only versions every stage of `after` has run on (done, skipped or failed, at its current
    version) are pending: the stages it reads the rows of.
    """
    counts = StageCounts()
    register_stages(conn, [stage.name])
    forget_finished_versions(conn)
    total = count_pending(conn, stage, only_ids) if progress is not None else None
    if total is not None and max_versions is not None:
        total = min(total, max_versions)
    with task(progress, stage.name, total, "version") as shown:
        while max_versions is None or counts.done + counts.skipped + counts.failed < max_versions:
            before = counts.as_dict()
            handled = run_one_batch(conn, stage, batch_size, only_ids, counts, after)
            if handled == 0:
                break
            now = counts.as_dict()
            shown.advance(sum(now.values()) - sum(before.values()),
                          **{k: now[k] - before[k] for k in ("skipped", "failed")})
            shown.batch_done()
    stage.finish_run(conn)
    forget_finished_versions(conn, wait=True)
    return counts


def count_pending(conn: Connection, stage: Stage, only_ids: Sequence[int] | None = None) -> int:
    """Versions pending for `stage` (versions other workers hold included)."""
    with conn.cursor() as cur:
        cur.execute(COUNT_PENDING, {
            "stage": stage.name, "stage_version": stage.version,
            "only_ids": list(only_ids) if only_ids is not None else None,
        })
        (count,) = cur.fetchone()
    conn.rollback()
    return int(count)


def run_one_batch(
    conn: Connection,
    stage: Stage,
    batch_size: int,
    only_ids: Sequence[int] | None,
    counts: StageCounts,
    after: Sequence[Stage] = (),
) -> int:
    """Claim up to `batch_size` pending versions, run `stage` on them and commit; the
    number claimed (0: nothing is pending that the stages of `after` have run on). The stage
    is registered first (a query that finds it registered), so a caller that claims batches
    itself can never miss the versions stored before its stage first ran."""
    register_stages(conn, [stage.name])
    with conn.cursor() as cur:
        cur.execute(CLAIM_PENDING, {
            "stage": stage.name, "stage_version": stage.version,
            "only_ids": list(only_ids) if only_ids is not None else None, "limit": batch_size,
            "after_names": [s.name for s in after], "after_versions": [s.version for s in after],
        })
        versions = [PendingVersion(*row) for row in cur.fetchall()]
        claimed = len(versions)
        if versions:
            cur.execute(FINISHED_MEANWHILE, {
                "stage": stage.name, "stage_version": stage.version,
                "ids": [v.document_version_id for v in versions],
            })
            finished = {row[0] for row in cur.fetchall()}
            versions = [v for v in versions if v.document_version_id not in finished]
    if not versions:
        conn.rollback()
        return claimed  # 0 ends the run; otherwise claim again past the finished ones
    try:
        prepared = stage.prepare(versions)
    except Exception as exc:  # a stage bug must not lose the batch silently: record per item
        log.exception("stage %s failed to prepare a batch", stage.name)
        prepared = [exc] * len(versions)
    before = replace(counts, failures=list(counts.failures))
    with conn.cursor() as cur:
        cur.execute("savepoint stage_batch")
    for version, result in zip(versions, prepared, strict=True):
        _write_one(conn, stage, version, result, counts)
    try:
        stage.finish_batch(conn)
    except (psycopg2.OperationalError, psycopg2.InterfaceError):
        raise
    except Exception:
        log.exception("stage %s failed to finish a batch: writing it one version at a time",
                      stage.name)
        with conn.cursor() as cur:
            cur.execute("rollback to savepoint stage_batch")
        for name in ("done", "skipped", "failed", "failures"):
            setattr(counts, name, getattr(before, name))
        one_by_one = _FinishedEach(stage)
        for version, result in zip(versions, prepared, strict=True):
            _write_one(conn, one_by_one, version, result, counts)
    conn.commit()
    return len(versions)


class _FinishedEach:
    """A stage whose every write is followed by its batch's finishing step."""

    def __init__(self, stage: Stage) -> None:
        self.name, self.version = stage.name, stage.version
        self._stage = stage

    def prepare(self, versions: Sequence[PendingVersion]) -> list[Any]:
        return self._stage.prepare(versions)

    def write(self, conn: Connection, version: PendingVersion, prepared: Any) -> None:
        self._stage.write(conn, version, prepared)
        self._stage.finish_batch(conn)

    def finish_batch(self, conn: Connection) -> None:
        """Each write finished itself."""

    def finish_run(self, conn: Connection) -> None:
        self._stage.finish_run(conn)


def _write_one(
    conn: Connection, stage: Stage, version: PendingVersion, result: Any, counts: StageCounts
) -> None:
    with conn.cursor() as cur:
        cur.execute("savepoint stage_item")
        try:
            if isinstance(result, SkipItem):
                raise result
            if isinstance(result, Exception):
                raise result
            stage.write(conn, version, result)
            status, message = "done", None
            counts.done += 1
        except SkipItem as exc:
            cur.execute("rollback to savepoint stage_item")
            status, message = "skipped", str(exc)
            counts.skipped += 1
        except (psycopg2.OperationalError, psycopg2.InterfaceError):
            raise  # the connection is gone: nothing more can be recorded in this batch
        except Exception as exc:
            cur.execute("rollback to savepoint stage_item")
            status, message = "failed", f"{type(exc).__name__}: {exc}"
            counts.failed += 1
            counts.failures.append((version.document_version_id, message))
            log.warning("stage %s failed on version %d: %s", stage.name,
                        version.document_version_id, message)
        cur.execute(RECORD_RUN, (version.document_version_id, stage.name, stage.version,
                                 status, message))
        cur.execute("release savepoint stage_item")
