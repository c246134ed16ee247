"""Progress of long commands as people see it: a bar on a terminal, summary lines in a log.

`ingest`, `process`, `poll` and `revisit` hand `for_command()`'s Progress to
the library (`storywatch.progress` says what it reports). On a terminal
(stderr is a TTY and TERM is not `dumb`) it is a tqdm bar per task on stderr:
done / total, rate, time left, and the running tallies; log lines are written
above the bars instead of through them. Otherwise it is `LogProgress`: one INFO
line per batch of work (at most one every `LOG_INTERVAL` seconds) and one at
the end, which `-q` silences with the other INFO lines. The results themselves
go to stdout, as before.
"""
from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from typing import IO, Any

from tqdm import tqdm
from tqdm.contrib.logging import logging_redirect_tqdm

from storywatch.progress import SILENT, LogProgress, Progress, describe_tallies

LOG_INTERVAL = 10.0  # seconds between two summary lines in a log


class TerminalProgress:
    """A tqdm bar per task: `extract: 42%|████▏     | 420/1000 [01:10<01:37, 5.96 versions/s, failed=0]`."""

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream
        self._bar: Any = None
        self._tallies: dict[str, int] = {}
        self._lock = threading.Lock()

    def begin(self, task: str, total: int | None, unit: str) -> None:
        """Open a bar for `task`."""
        with self._lock:
            self._tallies = {}
            # A terminal that reports no size (some ptys) would get no bar at all.
            size = {"dynamic_ncols": True} if terminal_size(self.stream) else {"ncols": 80, "nrows": 24}
            self._bar = tqdm(total=total, desc=task, unit=f" {unit}s", file=self.stream,
                             leave=True, mininterval=0.2, **size)

    def advance(self, count: int = 1, **tallies: int) -> None:
        """Move the bar on and show the tallies beside it."""
        with self._lock:
            for name, value in tallies.items():
                self._tallies[name] = self._tallies.get(name, 0) + value
            if self._bar is not None:
                self._bar.set_postfix_str(describe_tallies(self._tallies), refresh=False)
                self._bar.update(count)

    def batch_done(self) -> None:
        """Nothing more to show than the bar does."""

    def end(self) -> None:
        """Close the bar, leaving its last state on the screen."""
        with self._lock:
            if self._bar is not None:
                self._bar.close()
                self._bar = None


def terminal_size(stream: IO[str]) -> bool:
    """True when the terminal behind `stream` reports a width and a height."""
    try:
        size = os.get_terminal_size(stream.fileno())
    except (OSError, ValueError):
        return False
    return size.columns > 0 and size.lines > 0


def on_terminal(stream: IO[str]) -> bool:
    """True when `stream` is a terminal that can redraw a line."""
    return stream.isatty() and os.environ.get("TERM", "") != "dumb"


def for_command(quiet: bool, stream: IO[str] | None = None) -> Progress:
    """The Progress a long command reports to: a bar, summary lines, or nothing (-q on a terminal)."""
    stream = stream or sys.stderr
    if on_terminal(stream):
        return SILENT if quiet else TerminalProgress(stream)
    return LogProgress(min_interval=LOG_INTERVAL)


@contextmanager
def logs_above_bars(progress: Progress) -> Iterator[None]:
    """While bars are drawn, write log lines above them rather than through them."""
    with logging_redirect_tqdm() if isinstance(progress, TerminalProgress) else nullcontext():
        yield
