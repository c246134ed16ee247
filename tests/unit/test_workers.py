"""Merging what several process workers report: counts and one progress display."""
from __future__ import annotations

from storywatch.workers import MergedProgress, sum_counts


class Recorder:
    def __init__(self) -> None:
        self.calls: list[tuple] = []

    def begin(self, task, total, unit):
        self.calls.append(("begin", task, total))

    def advance(self, count=1, **tallies):
        self.calls.append(("advance", count, tallies))

    def batch_done(self):
        self.calls.append(("batch",))

    def end(self):
        self.calls.append(("end",))


def test_counts_of_the_workers_add_up_per_stage() -> None:
    one = {"extract": {"done": 3, "skipped": 1, "failed": 0}, "copies": {"done": 2}}
    two = {"extract": {"done": 4, "skipped": 0, "failed": 1}}
    assert sum_counts([one, two]) == {"extract": {"done": 7, "skipped": 1, "failed": 1},
                                      "copies": {"done": 2}}


def test_the_display_follows_the_slowest_worker_and_counts_everyones_work() -> None:
    shown = Recorder()
    merged = MergedProgress(shown, workers=2)
    fast, slow = merged.worker(0), merged.worker(1)
    fast.begin("extract", 10, "version")
    fast.advance(4)
    slow.begin("extract", 10, "version")
    slow.advance(3, failed=1)
    fast.end()
    fast.begin("copies", 10, "version")  # the slow worker still extracts: no switch yet
    fast.advance(2)
    assert [c[1] for c in shown.calls if c[0] == "begin"] == ["extract"]
    slow.advance(3)
    slow.begin("copies", 8, "version")  # every worker is on copies now
    merged.finish()
    assert shown.calls == [
        ("begin", "extract", 10), ("advance", 4, {}), ("advance", 3, {"failed": 1}),
        ("advance", 3, {}), ("end",),
        ("begin", "copies", 10), ("advance", 2, {}), ("end",)]
