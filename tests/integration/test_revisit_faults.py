"""Revisiting under faults: a revisit SIGKILLed mid-batch frees its articles with its session.

Runs on a PostgreSQL server of its own (tests/ownserver.py) against a loopback
site whose page is held on an Event, so the kill lands while the revisit waits
for that page.
"""
from __future__ import annotations

import signal
import time

import pytest

from storywatch.sources.feeds import add_feed
from storywatch.store import db
from tests.integration.test_poll_faults import allowed, gate, held, news_site  # noqa: F401
from tests.newssite import PARAGRAPHS_A, article_page
from tests.ownserver import leaked_failures, other_backends, start_cli, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def revisit_counts(stdout: str) -> dict[str, int]:
    """`storywatch revisit`'s summary line as numbers ('articles: 2, unchanged: 2, ...')."""
    line = [line for line in stdout.splitlines() if line.startswith("articles:")][-1]
    counts = line.split(";")[0]
    return {key.strip(): int(value) for key, value in
            (part.split(":") for part in counts.split(","))}


def test_revisit_killed_mid_batch_leaves_no_claim_and_the_next_revisit_takes_its_articles_at_once(
    fresh_database, http_server, gate  # noqa: F811
):
    news_site(http_server, "/feed.xml", 3)
    url = fresh_database()
    conn = db.connect(url)
    add_feed(conn, http_server.url("/feed.xml"))
    poll = start_cli(url, "poll", **allowed(http_server))
    _, err = poll.communicate(timeout=120)
    assert poll.returncode == 0, err
    with conn.cursor() as cur:
        cur.execute("update tracked_articles set next_fetch_at = now()")
        cur.execute("select count(*) from tracked_articles")
        assert cur.fetchone()[0] == 3
    conn.commit()
    # The second article's page is held: the revisit is killed while it waits for it.
    held(http_server, "/p/1", article_page("Story /p 1", [f"Dispatch /p 1: {PARAGRAPHS_A[0]}",
                                                         *PARAGRAPHS_A[1:]]), gate)
    revisiting = start_cli(url, "revisit", **allowed(http_server))
    wait_for(lambda: http_server.hits("/p/1") == 2, "the revisit to ask for the held page")
    revisiting.send_signal(signal.SIGKILL)
    revisiting.wait(timeout=30)
    gate.set()
    wait_for(lambda: other_backends(url, conn) == 0, "the killed revisit's session to end", 30)
    with conn.cursor() as cur:
        cur.execute("select d.url like '%/p/1', coalesce(t.claimed_until > now(), false), t.next_fetch_at <= now()"
                    " from tracked_articles as t join documents as d using (document_id)"
                    " where d.url like '%/p/1' or d.url like '%/p/2' order by d.url")
        # The killed revisit's mark is still on the held article, and both are still due.
        assert cur.fetchall() == [(True, True, True), (False, False, True)]
    conn.rollback()

    started = time.monotonic()
    again = start_cli(url, "revisit", **allowed(http_server))
    out, err = again.communicate(timeout=120)
    assert again.returncode == 0, err
    assert not leaked_failures(err)
    counts = revisit_counts(out)
    assert counts["articles"] == 2 and counts["unchanged"] == 2, out  # the held one included
    assert time.monotonic() - started < 60
    assert http_server.hits("/p/1") == 3 and http_server.hits("/p/2") == 2
    with conn.cursor() as cur:
        cur.execute("select count(*) from tracked_articles"
                    " where next_fetch_at <= now() or claimed_until is not null")
        assert cur.fetchone()[0] == 0
    conn.close()
