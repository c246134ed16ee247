"""The chaos soak in two minutes: faults on every worker and the server, then the clean run's result.

bench/chaos_soak.py runs for 30 minutes over 200 feeds for bench/RESULTS.md;
this is the same soak over 20 feeds with two minutes of faults (about five
minutes in all, with the clean run and the quiet ends).
"""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from storywatch.settings import REPO_ROOT

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def test_two_minutes_of_kills_and_restarts_end_equal_to_a_clean_run(tmp_path: Path):
    sys.path.insert(0, str(REPO_ROOT / "bench"))
    try:
        import chaos_soak
    finally:
        sys.path.remove(str(REPO_ROOT / "bench"))
    result = chaos_soak.soak(feeds=20, duration=120, epochs=4, seed=2, log=tmp_path / "soak.log")
    figures = result.chaos
    assert sum(figures.kills.values()) >= 10 and set(figures.kills) >= {"poll", "process"}, figures
    assert sum(figures.restarts.values()) >= 1, figures
    counts = result.counts
    # The history did what it says: articles were edited and removed, and developments alerted.
    assert counts["document_versions"] > counts["documents"] > 0, counts
    assert counts["document_events"] > 0 and counts["claims"] > 0, counts
    assert counts["alerted_developments"] == counts["developments"] > 0, counts
    assert result.differences == [], "\n".join(result.differences)
    assert result.rows_compared > 1000
