"""`storywatch threads sync`: thread and slot definitions written to the database.

A changed definition makes every version pending again for the tracker and
replays the slots of the changed threads, so stored observations follow the
new tolerances at once and the articles are re-read on the next `process`.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from storywatch.store.db import Connection
from storywatch.tracking.stage import STAGE_NAME, recompute_slot
from storywatch.tracking.threads import Thread, load_threads_file

UPSERT_THREAD = """
insert into threads (slug, title, description, definition, definition_sha256, is_active)
values (%s, %s, %s, %s, %s, %s)
on conflict (slug) do update set
    title = excluded.title,
    description = excluded.description,
    definition = excluded.definition,
    definition_sha256 = excluded.definition_sha256,
    is_active = excluded.is_active,
    synced_at = case
        when threads.definition_sha256 is distinct from excluded.definition_sha256
          or threads.is_active is distinct from excluded.is_active
        then now() else threads.synced_at end
returning thread_id, (xmax = 0) as inserted
"""
SELECT_THREAD_SHA = "select definition_sha256, is_active from threads where slug = %s"
UPSERT_SLOT = """
insert into thread_slots (thread_id, slot, slot_type, unit, description, is_active)
values (%s, %s, %s, %s, %s, true)
on conflict (thread_id, slot) do update set
    slot_type = excluded.slot_type,
    unit = excluded.unit,
    description = excluded.description,
    is_active = true
"""
DEACTIVATE_SLOTS = """
update thread_slots set is_active = false
where thread_id = %s and is_active and slot <> all(%s::text[])
"""
DEACTIVATE_THREADS = """
update threads set is_active = false, synced_at = now()
where is_active and slug <> all(%s::text[])
returning slug
"""
# A changed thread set makes every version pending again for the tracker.
INVALIDATE_TRACKING = "delete from stage_runs where stage = %s"
SLOTS_OF_THREADS = """
select s.thread_slot_id from thread_slots as s join threads as t on t.thread_id = s.thread_id
where t.slug = any(%s) and s.is_active order by s.thread_slot_id
"""


@dataclass(frozen=True, slots=True)
class SyncReport:
    """What `threads sync` changed."""

    added: tuple[str, ...]
    changed: tuple[str, ...]
    unchanged: tuple[str, ...]
    deactivated: tuple[str, ...]

    @property
    def any_change(self) -> bool:
        return bool(self.added or self.changed or self.deactivated)


def sync_threads(conn: Connection, threads: list[Thread], *, prune: bool = True) -> SyncReport:
    """Write thread and slot definitions idempotently; commit; say what changed.

    Threads missing from the file are deactivated (their history is kept) when
    `prune` is true. Any change makes every document version pending again for
    the tracking stage, so existing articles are re-read under the new rules.
    """
    added: list[str] = []
    changed: list[str] = []
    unchanged: list[str] = []
    try:
        with conn.cursor() as cur:
            for thread in threads:
                cur.execute(SELECT_THREAD_SHA, (thread.slug,))
                before = cur.fetchone()
                cur.execute(UPSERT_THREAD, (
                    thread.slug, thread.title, thread.description,
                    json.dumps(thread.definition, sort_keys=True), thread.definition_sha256,
                    thread.active,
                ))
                thread_id = cur.fetchone()[0]  # type: ignore[index]
                for slot in thread.slots:
                    cur.execute(UPSERT_SLOT, (thread_id, slot.name, slot.type, slot.unit,
                                              slot.description))
                cur.execute(DEACTIVATE_SLOTS, (thread_id, [s.name for s in thread.slots]))
                if before is None:
                    added.append(thread.slug)
                elif before[0] != thread.definition_sha256 or before[1] != thread.active:
                    changed.append(thread.slug)
                else:
                    unchanged.append(thread.slug)
            deactivated: list[str] = []
            if prune:
                cur.execute(DEACTIVATE_THREADS, ([t.slug for t in threads],))
                deactivated = [row[0] for row in cur.fetchall()]
            report = SyncReport(tuple(added), tuple(changed), tuple(unchanged),
                                tuple(deactivated))
            if report.any_change:
                cur.execute(INVALIDATE_TRACKING, (STAGE_NAME,))
            if changed:
                # New tolerances or supersedes apply to the observations already stored now;
                # re-reading the articles under new phrases happens when `process` next runs.
                cur.execute(SLOTS_OF_THREADS, (list(changed),))
                for (slot_id,) in cur.fetchall():
                    recompute_slot(conn, int(slot_id))
    except BaseException:
        conn.rollback()
        raise
    conn.commit()
    return report


def threads_file(seeds_dir: Path) -> Path:
    """Where the shipped threads live: `seeds/threads.yml`."""
    return seeds_dir / "threads.yml"


def sync_seed_threads(conn: Connection, seeds_dir: Path) -> int:
    """Sync `seeds/threads.yml` if the folder has one; the number of threads it defines."""
    path = threads_file(seeds_dir)
    if not path.exists():
        return 0
    threads = load_threads_file(path)
    sync_threads(conn, threads)
    return len(threads)
