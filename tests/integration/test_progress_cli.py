"""Long commands show progress: a bar on a terminal, summary lines without one, items at -v."""
from __future__ import annotations

import fcntl
import logging
import os
import select
import struct
import subprocess
import sys
import termios
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from storywatch.progress import LogProgress
from storywatch.settings import REPO_ROOT
from storywatch.sources.ingest import ingest_paths
from storywatch.store import db
from storywatch.store.stagework import PendingVersion, run_stage

pytestmark = pytest.mark.integration

FILES = 60


@pytest.fixture
def articles(tmp_path: Path) -> Path:
    folder = tmp_path / "articles"
    folder.mkdir()
    for n in range(FILES):
        (folder / f"{n:03}.txt").write_text(
            f"---\ntitle: Story {n}\npublished: 2023-03-{n % 28 + 1:02}\n---\n"
            f"Officials said on day {n} that the talks would resume.\n", encoding="utf-8")
    return folder


def environment(database_url: str, **extra: str) -> dict[str, str]:
    # The run's STORYWATCH_PROCESS_WORKERS is kept: CI runs the suite with one worker too.
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("STORYWATCH_") or k == "STORYWATCH_PROCESS_WORKERS"}
    env.update(STORYWATCH_DATABASE_URL=database_url, PYTHONPATH=str(REPO_ROOT / "plugins"), **extra)
    return env


def storywatch(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "storywatch", *args], env=env,
                          capture_output=True, text=True, timeout=120)


def test_without_a_terminal_ingest_prints_a_summary_not_a_line_per_file(conn, database_url,
                                                                       articles) -> None:
    result = storywatch("ingest", str(articles), env=environment(database_url))
    assert result.returncode == 0, result.stderr
    summaries = [line for line in result.stderr.splitlines()
                 if line.startswith("INFO storywatch.progress: ingest: ")]
    assert summaries and summaries[-1].startswith(
        f"INFO storywatch.progress: ingest: {FILES}/{FILES} files, ")
    assert f"new versions {FILES}" in summaries[-1]
    assert "001.txt" not in result.stderr  # per-file lines wait for -v
    assert "\r" not in result.stderr and "%|" not in result.stderr  # no bar in a log
    assert f"{FILES} files read, {FILES} new versions" in result.stdout


def test_verbose_lists_every_file(conn, database_url, articles) -> None:
    result = storywatch("-v", "ingest", str(articles), env=environment(database_url))
    assert result.returncode == 0, result.stderr
    assert sum("storywatch.sources.ingest" in line and ".txt: " in line
               for line in result.stderr.splitlines()) == FILES


def test_quiet_prints_no_progress(conn, database_url, articles) -> None:
    result = storywatch("-q", "ingest", str(articles), env=environment(database_url))
    assert result.returncode == 0, result.stderr
    assert "progress" not in result.stderr


def run_on_a_terminal(args: Sequence[str], env: dict[str, str]) -> tuple[int, str, str]:
    """Run storywatch with its stderr on a pseudo-terminal of 100 x 30; (status, stdout, screen)."""
    leader, follower = os.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    child = subprocess.Popen([sys.executable, "-m", "storywatch", *args], env=env,
                             stdout=subprocess.PIPE, stderr=follower, stdin=subprocess.DEVNULL)
    os.close(follower)
    screen = b""
    while True:
        ready, _, _ = select.select([leader], [], [], 60)
        if not ready:
            break
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the child closed its end
            break
        if not chunk:
            break
        screen += chunk
    os.close(leader)
    stdout = child.stdout.read().decode() if child.stdout else ""
    return child.wait(timeout=60), stdout, screen.decode(errors="replace")


def test_on_a_terminal_ingest_draws_a_bar_with_total_rate_and_tallies(conn, database_url,
                                                                     articles) -> None:
    status, stdout, screen = run_on_a_terminal(
        ["ingest", str(articles)], environment(database_url, TERM="xterm"))
    assert status == 0, screen
    assert "ingest: 100%|" in screen
    assert f"{FILES}/{FILES} [" in screen and " files/s" in screen
    assert f"new versions {FILES}" in screen
    assert "\r" in screen  # redrawn in place
    assert "INFO storywatch.progress" not in screen  # the bar replaces the summary lines
    assert f"{FILES} files read" in stdout


def test_dumb_terminal_gets_summary_lines(conn, database_url, articles) -> None:
    status, _, screen = run_on_a_terminal(
        ["ingest", str(articles)], environment(database_url, TERM="dumb"))
    assert status == 0, screen
    assert "INFO storywatch.progress: ingest: " in screen and "%|" not in screen


class QuietStage:
    """A stage that only counts: the runner's own progress is what is under test."""

    name = "progress_probe"
    version = "1"

    def prepare(self, versions: Sequence[PendingVersion]) -> list[Any]:
        return [None] * len(versions)

    def write(self, conn: db.Connection, version: PendingVersion, prepared: Any) -> None:
        pass

    def finish_batch(self, conn: db.Connection) -> None:
        pass

    def finish_run(self, conn: db.Connection) -> None:
        pass


def test_a_stage_reports_one_summary_line_per_batch(conn, articles, caplog) -> None:
    ingest_paths(conn, [articles])
    caplog.set_level(logging.INFO, logger="storywatch.progress")
    counts = run_stage(conn, QuietStage(), batch_size=25, progress=LogProgress())
    assert counts.done == FILES
    lines = [r.getMessage() for r in caplog.records if r.name == "storywatch.progress"]
    assert [line.split(",")[0] for line in lines] == [
        f"progress_probe: {done}/{FILES} versions" for done in (25, 50, 60, 60)]
    assert "left" in lines[0] and "done in" in lines[-1]
