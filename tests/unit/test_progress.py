"""Progress as the library reports it and as a log shows it."""
from __future__ import annotations

import logging

import pytest

from storywatch.progress import SILENT, LogProgress, describe_tallies, duration, task


def test_log_progress_writes_done_total_rate_time_left_and_tallies(caplog) -> None:
    caplog.set_level(logging.INFO, logger="storywatch.progress")
    progress = LogProgress()
    with task(progress, "poll", 4, "feed") as shown:
        shown.advance(new_documents=2, failed=0)
        shown.batch_done()
        shown.advance(failed=1)
        progress.started -= 10  # as if the two feeds had taken ten seconds
        shown.batch_done()
        shown.advance(2)
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 3  # one per batch, one at the end
    assert lines[0].startswith("poll: 1/4 feeds, ")
    assert lines[1].startswith("poll: 2/4 feeds, 0.2 feeds/s, about 10 s left")
    assert lines[1].endswith("(new documents 2, failed 1)")
    assert lines[2].startswith("poll: 4/4 feeds, ") and "done in" in lines[2]


def test_min_interval_folds_quick_batches_into_the_next_line(caplog) -> None:
    caplog.set_level(logging.INFO, logger="storywatch.progress")
    progress = LogProgress(min_interval=3600)
    with task(progress, "extract", 100, "version") as shown:
        for _ in range(10):
            shown.advance(10)
            shown.batch_done()
    assert [r.getMessage().split(",")[0] for r in caplog.records] == ["extract: 100/100 versions"]


def test_unknown_total_still_reports_count_and_rate(caplog) -> None:
    caplog.set_level(logging.INFO, logger="storywatch.progress")
    with task(LogProgress(), "revisit", None, "article") as shown:
        shown.advance()
    assert caplog.records[-1].getMessage().startswith("revisit: 1 article, ")


def test_task_ends_the_progress_when_the_work_fails(caplog) -> None:
    caplog.set_level(logging.INFO, logger="storywatch.progress")
    with pytest.raises(RuntimeError), task(LogProgress(), "ingest", 3, "file") as shown:
        shown.advance()
        raise RuntimeError("database gone")
    assert caplog.records[-1].getMessage().startswith("ingest: 1/3 files")


def test_silent_is_the_default_and_shows_nothing(caplog) -> None:
    with task(None, "poll", 1, "feed") as shown:
        assert shown is SILENT
        shown.advance()
        shown.batch_done()
    assert caplog.records == []


def test_helpers_read_as_people_write() -> None:
    assert describe_tallies({"new_versions": 3, "removed": 0, "failed": 0}) == "new versions 3, failed 0"
    assert [duration(s) for s in (4.4, 185, 7800)] == ["4 s", "3 min 5 s", "2 h 10 min"]
