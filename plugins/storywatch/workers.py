"""`process` on every core: worker processes that share the pending versions through claims.

Each worker is `stages.process_pending` on a connection of its own. The claims of
`store.stagework` (`for update skip locked`) already make several workers safe: a
version is processed by one of them, and a version waits for the earlier stages
wherever they run. This module only starts the workers, merges what they report and
adds up their counts. The calling process is itself the first worker, so with one
worker nothing is started and nothing is different from calling `process_pending`.

Workers are started with `spawn` (a fresh interpreter each): a forked copy of a parent
that holds a database connection or a loaded model shares both, which neither allows.
Each loads its own language model (about 200 MB), so the number of workers is what
memory and cores allow, not more (STORYWATCH_PROCESS_WORKERS, default the usable cores).
A process that may not have children (a daemonic one, as some task runners make) runs
as the only worker and says so in the log.
"""
from __future__ import annotations

import logging
import multiprocessing
import os
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from storywatch.errors import StorywatchError
from storywatch.progress import Progress
from storywatch.store.db import connect

log = logging.getLogger(__name__)

Counts = dict[str, dict[str, int]]
# How often a worker checks that the process that started it is still there.
PARENT_CHECK_SECONDS = 1.0


def process_with_workers(
    database_url: str, workers: int, *, batch_size: int = 8,
    only_ids: Sequence[int] | None = None, progress: Progress | None = None,
) -> Counts:
    """Run every stage over every pending version with `workers` processes; counts summed."""
    if workers > 1 and multiprocessing.current_process().daemon:
        log.info("this process may not start workers (it is daemonic): processing in one")
        workers = 1
    if workers <= 1:
        return _process(database_url, batch_size, only_ids, progress)
    context = multiprocessing.get_context("spawn")
    events: Any = context.Queue()
    merged = MergedProgress(progress, workers) if progress is not None else None
    children = [
        context.Process(target=_child, name=f"storywatch-process-{n}", daemon=True,
                        args=(database_url, batch_size, only_ids, n, events,
                              progress is not None, os.getpid()))
        for n in range(1, workers)
    ]
    for child in children:
        child.start()
    relay = Relay(events, merged)
    relay.start()
    try:
        mine = _process(database_url, batch_size, only_ids,
                        merged.worker(0) if merged is not None else None)
    except BaseException:
        # Interrupted (Ctrl-C, SIGTERM, a lost connection): the workers stop too, their
        # unfinished batches rolled back and pending again, as a killed worker's are.
        for child in children:
            child.terminate()
        raise
    finally:
        for child in children:
            child.join()
        relay.stop()
        if merged is not None:
            merged.finish()
    failed = [c.name for c in children if c.exitcode != 0]
    if failed:
        # A worker that died left its claims to the others (claims end with its connection);
        # what it had not finished is still pending for the next run.
        raise StorywatchError(f"{len(failed)} of {workers} workers ended with an error (see the"
                              " log above); the versions they had not finished stay pending")
    return sum_counts([mine, *relay.counts])


def _process(database_url: str, batch_size: int, only_ids: Sequence[int] | None,
             progress: Progress | None) -> Counts:
    from storywatch.stages import process_pending

    conn = connect(database_url, application_name="storywatch-process")
    try:
        return process_pending(conn, batch_size=batch_size, only_ids=only_ids, progress=progress)
    finally:
        conn.close()


def _child(database_url: str, batch_size: int, only_ids: Sequence[int] | None, number: int,
           events: Any, report_progress: bool, parent: int) -> None:
    """A worker process: process, then send its counts (progress events on the way)."""
    _exit_with(parent)
    progress = QueueProgress(events, number) if report_progress else None
    counts = _process(database_url, batch_size, only_ids, progress)
    events.put(("counts", number, counts))


def _exit_with(parent: int) -> None:
    """End this worker as soon as the process that started it is gone (killed with SIGKILL, it
    could not stop its workers), as if killed with it: the open batch is rolled back."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_CHECK_SECONDS)
        os._exit(1)

    threading.Thread(target=watch, name="storywatch-parent-watch", daemon=True).start()


class Relay(threading.Thread):
    """Passes the workers' progress events on and collects their counts, until stopped."""

    def __init__(self, events: Any, merged: MergedProgress | None) -> None:
        super().__init__(name="storywatch-process-relay", daemon=True)
        self.events, self.merged = events, merged
        self.counts: list[Counts] = []

    def run(self) -> None:
        while True:
            kind, number, payload = self.events.get()
            if kind == "stop":
                return
            if kind == "counts":
                self.counts.append(payload)
            elif self.merged is not None:
                self.merged.worker(number).replay(kind, payload)

    def stop(self) -> None:
        """Every worker has ended: read what is left in the queue, then end."""
        self.events.put(("stop", -1, None))
        self.join()


def sum_counts(results: Sequence[Counts]) -> Counts:
    """Counts per stage, added over the workers (stages in the order they ran)."""
    total: Counts = {}
    for counts in results:
        for stage, by_status in counts.items():
            into = total.setdefault(stage, {})
            for status, n in by_status.items():
                into[status] = into.get(status, 0) + n
    return total


class QueueProgress:
    """A worker's Progress: every call goes to the parent through a queue."""

    def __init__(self, events: Any, number: int) -> None:
        self.events, self.number = events, number

    def begin(self, task: str, total: int | None, unit: str) -> None:
        self.events.put(("begin", self.number, (task, total, unit)))

    def advance(self, count: int = 1, **tallies: int) -> None:
        self.events.put(("advance", self.number, (count, tallies)))

    def batch_done(self) -> None:
        self.events.put(("batch_done", self.number, None))

    def end(self) -> None:
        self.events.put(("end", self.number, None))


@dataclass
class _Task:
    total: int | None
    unit: str
    done: int = 0
    tallies: dict[str, int] = field(default_factory=dict)


class MergedProgress:
    """One display for several workers that run the same stages in the same order.

    The display follows the slowest worker: a stage is shown from the moment the first
    worker begins it, with the work of every worker on it, and the next stage is shown
    once every worker has moved on to it (what faster workers did there meanwhile is
    counted when it appears). The total of a stage is the largest any worker saw (each
    counts the versions pending for all).
    """

    def __init__(self, shown: Progress, workers: int) -> None:
        self.shown = shown
        self.workers = workers
        self._lock = threading.Lock()
        self._tasks: dict[str, _Task] = {}
        self._order: list[str] = []
        self._at: dict[int, int] = {}  # worker -> index in _order of the stage it is on
        self._displayed: int | None = None

    def worker(self, number: int) -> _WorkerProgress:
        return _WorkerProgress(self, number)

    def begin(self, number: int, task: str, total: int | None, unit: str) -> None:
        with self._lock:
            if task not in self._tasks:
                self._tasks[task] = _Task(total, unit)
                self._order.append(task)
            entry = self._tasks[task]
            if total is not None and (entry.total is None or total > entry.total):
                entry.total = total
            self._at[number] = self._order.index(task)
            self._follow_slowest()

    def advance(self, number: int, count: int, tallies: dict[str, int]) -> None:
        with self._lock:
            index = self._at.get(number)
            if index is None:
                return
            entry = self._tasks[self._order[index]]
            entry.done += count
            for name, value in tallies.items():
                entry.tallies[name] = entry.tallies.get(name, 0) + value
            if index == self._displayed:
                self.shown.advance(count, **tallies)

    def batch_done(self, number: int) -> None:
        with self._lock:
            if self._at.get(number) == self._displayed:
                self.shown.batch_done()

    def _follow_slowest(self) -> None:
        slowest = min(self._at.values()) if len(self._at) == self.workers else 0
        if self._displayed == slowest or slowest >= len(self._order):
            return
        if self._displayed is not None:
            self.shown.end()
        self._displayed = slowest
        entry = self._tasks[self._order[slowest]]
        self.shown.begin(self._order[slowest], entry.total, entry.unit)
        if entry.done or entry.tallies:
            self.shown.advance(entry.done, **entry.tallies)

    def finish(self) -> None:
        with self._lock:
            if self._displayed is not None:
                self.shown.end()
                self._displayed = None


class _WorkerProgress:
    """The Progress one worker is given (in process, or replayed from its queue)."""

    def __init__(self, merged: MergedProgress, number: int) -> None:
        self.merged, self.number = merged, number

    def begin(self, task: str, total: int | None, unit: str) -> None:
        self.merged.begin(self.number, task, total, unit)

    def advance(self, count: int = 1, **tallies: int) -> None:
        self.merged.advance(self.number, count, tallies)

    def batch_done(self) -> None:
        self.merged.batch_done(self.number)

    def end(self) -> None:
        """A worker ending a stage begins the next one (or stops): nothing to show here."""

    def replay(self, kind: str, payload: Any) -> None:
        if kind == "begin":
            self.begin(*payload)
        elif kind == "advance":
            count, tallies = payload
            self.advance(count, **tallies)
        elif kind == "batch_done":
            self.batch_done()
