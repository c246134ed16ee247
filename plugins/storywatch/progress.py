"""How long library calls report their progress, with no idea how it is shown.

A long call (ingesting a folder, a processing stage, a poll, a revisit) takes a
`progress` argument and tells it: `begin(task, total, unit)` once, `advance()`
as each item ends (with running tallies such as `new_versions=1`), `batch_done()`
after each batch of work, and `end()`. Without a terminal (a log, CI, an
Airflow task) `LogProgress` writes one INFO summary line per batch and one at
the end; on a terminal the command line draws a bar instead
(`storywatch.cli.progress`, the only place that knows about terminals). Callers
that pass nothing get `SILENT`. Calls from several threads are allowed.
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Protocol


class Progress(Protocol):
    """What a long call reports while it runs."""

    def begin(self, task: str, total: int | None, unit: str) -> None:
        """A task starts: `total` items (None when not known) counted in `unit`s."""
        ...

    def advance(self, count: int = 1, **tallies: int) -> None:
        """`count` more items are done; `tallies` add to named counts (new_versions, failed...)."""
        ...

    def batch_done(self) -> None:
        """A batch of work is committed (a log gets its summary line here)."""
        ...

    def end(self) -> None:
        """The task is over (also after an error)."""
        ...


class Silent:
    """A Progress that shows nothing."""

    def begin(self, task: str, total: int | None, unit: str) -> None:
        """Nothing to show."""

    def advance(self, count: int = 1, **tallies: int) -> None:
        """Nothing to show."""

    def batch_done(self) -> None:
        """Nothing to show."""

    def end(self) -> None:
        """Nothing to show."""


SILENT = Silent()


class LogProgress:
    """One summary line per batch (and one at the end) on a logger, for logs without a terminal.

    `min_interval` keeps a fast run from writing a line per few items: a batch that ends
    sooner than that after the last line only counts towards the next one.
    """

    def __init__(self, logger: logging.Logger | None = None, *, min_interval: float = 0.0) -> None:
        self.logger = logger or logging.getLogger("storywatch.progress")
        self.min_interval = min_interval
        self._lock = threading.Lock()
        self._begin("", None, "item")

    def _begin(self, task: str, total: int | None, unit: str) -> None:
        self.task, self.total, self.unit = task, total, unit
        self.done = 0
        self.tallies: dict[str, int] = {}
        self.started = self._last_line = time.monotonic()

    def begin(self, task: str, total: int | None, unit: str) -> None:
        """A task starts: `total` items (None when not known) counted in `unit`s."""
        with self._lock:
            self._begin(task, total, unit)

    def advance(self, count: int = 1, **tallies: int) -> None:
        """`count` more items are done; `tallies` add to named counts."""
        with self._lock:
            self.done += count
            for name, value in tallies.items():
                self.tallies[name] = self.tallies.get(name, 0) + value

    def batch_done(self) -> None:
        """Write the summary line, unless the last one was under `min_interval` ago."""
        with self._lock:
            now = time.monotonic()
            if now - self._last_line >= self.min_interval:
                self._last_line = now
                self.logger.info("%s", self.summary(now))

    def end(self) -> None:
        """Write the final summary line."""
        with self._lock:
            self.logger.info("%s", self.summary(time.monotonic(), final=True))

    def summary(self, now: float, final: bool = False) -> str:
        """`poll: 150/400 feeds, 2.5 feeds/s, about 1 min 40 s left (new documents 12, failed 1)`."""
        elapsed = max(now - self.started, 1e-9)
        units = plural(self.unit, self.total if self.total is not None else self.done)
        done = f"{self.done}/{self.total}" if self.total is not None else str(self.done)
        parts = [f"{self.task}: {done} {units}", f"{self.done / elapsed:.1f} {plural(self.unit, 2)}/s"]
        if final:
            parts.append(f"done in {duration(elapsed)}")
        elif self.total is not None and self.done:
            parts.append(f"about {duration((self.total - self.done) * elapsed / self.done)} left")
        line = ", ".join(parts)
        shown = describe_tallies(self.tallies)
        return f"{line} ({shown})" if shown else line


def describe_tallies(tallies: Mapping[str, int]) -> str:
    """`new versions 3, failed 1`: the tallies that are not zero, failures always."""
    return ", ".join(f"{name.replace('_', ' ')} {value}" for name, value in tallies.items()
                     if value or name == "failed")


def plural(unit: str, count: int) -> str:
    """`feed` or `feeds` for `count` of them."""
    return unit if count == 1 else f"{unit}s"


def duration(seconds: float) -> str:
    """`42 s`, `3 min 5 s`, `2 h 10 min`."""
    seconds = max(int(round(seconds)), 0)
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60} min"


@contextmanager
def task(progress: Progress | None, name: str, total: int | None, unit: str) -> Iterator[Progress]:
    """`progress` (or SILENT) with `name` begun, and ended however the block ends."""
    reporter = progress or SILENT
    reporter.begin(name, total, unit)
    try:
        yield reporter
    finally:
        reporter.end()
