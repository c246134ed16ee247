"""`storywatch demo`: the follow-up news served on loopback, polled, processed, each slot's path."""
from __future__ import annotations

import dataclasses
import io

import pytest

from storywatch.cli.demo import run_demo
from storywatch.settings import Settings
from storywatch.store.db import Connection
from tests.conftest import count_rows

pytestmark = [pytest.mark.integration, pytest.mark.slow]

TABLES = ("documents", "document_versions", "feeds", "feed_items", "observations",
          "developments", "development_reviews", "thread_state")


def test_demo_polls_the_follow_ups_and_prints_every_slots_path(conn: Connection,
                                                               database_url: str) -> None:
    settings = dataclasses.replace(Settings.from_env(), database_url=database_url)
    out = io.StringIO()
    assert run_demo(settings, out) == 0
    text = out.getvalue()
    assert "5 feeds polled, 18 new items, 18 new articles, 0 failed" in text
    assert ("troop_estimate: about 100,000 troops \u2192 more than 130,000 troops \u2192 "
            "more than 150,000 troops \u2192 169,000\u2013190,000 troops") in text
    assert "invasion_status: threatened \u2192 underway" in text
    assert "withdrawal_claim: claimed \u2192 disputed" in text
    assert "talks_status: stalled \u2192 ongoing \u2192 paused \u2192 final_text" in text
    assert "the invasion has begun" in " ".join(text.split())  # evidence is printed
    # One published article is edited on the demo site: its second version and the diff show.
    assert "06_us_estimate_130k.html; revisited: 1 new version(s)" in text
    assert "v2 fetched" in text and "+1 / -0 sentences" in text
    assert "+ This article has been updated" in text
    with conn.cursor() as cur:
        cur.execute("select count(*) from feeds where active")
        assert cur.fetchone()[0] == 0  # the loopback feeds are parked after the demo
    conn.rollback()
    counts = {t: count_rows(conn, t) for t in TABLES}
    again = io.StringIO()
    assert run_demo(settings, again) == 0
    assert "0 new articles" in again.getvalue()
    assert "revisited: 0 new version(s)" in again.getvalue()
    assert {t: count_rows(conn, t) for t in TABLES} == counts
