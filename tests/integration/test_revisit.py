"""Revisiting fetched articles over real HTTP: edits become versions with diffs, removals are kept."""
from __future__ import annotations

import datetime as dt

import pytest

from storywatch.sources.feeds import add_feed, poll_batch
from storywatch.sources.revisit import revisit, revisit_due
from tests.conftest import count_rows
from tests.httpserver import send
from tests.newssite import PARAGRAPHS_A, PARAGRAPHS_B, Item, article_page, loopback_fetcher, rss

pytestmark = pytest.mark.integration
TITLE = "Troops massed near Ukraine"


class Pages:
    """Serves /world/troops from a list the test changes between fetches."""

    def __init__(self, http_server, page: str) -> None:
        self.current: tuple[int, str | None] = (200, page)
        http_server.handler("/world/troops", self._respond)

    def _respond(self, handler) -> None:
        status, page = self.current
        send(handler, status, (page or "").encode("utf-8"))


def _poll_site(conn, http_server, page):
    pages = Pages(http_server, page)
    http_server.static("/feed.xml", rss([Item(TITLE, "/world/troops")]),
                       content_type="application/rss+xml")
    url = http_server.url("/feed.xml")
    add_feed(conn, url, "Test News")
    fetcher = loopback_fetcher(http_server)
    with conn.cursor() as cur:
        cur.execute("select feed_id from feeds")
        poll_batch(conn, [cur.fetchone()[0]], fetcher)
    return pages, fetcher


def _versions(conn):
    with conn.cursor() as cur:
        cur.execute("select version_no, is_trivial, sentences_added, sentences_removed,"
                    " added_sentences, removed_sentences, diff, is_current, removed_at"
                    " from v_article_versions order by version_no")
        return cur.fetchall()


def test_page_edited_between_fetches_yields_exactly_one_new_version_with_its_diff(conn, http_server):
    pages, fetcher = _poll_site(conn, http_server, article_page(TITLE, PARAGRAPHS_A))
    assert revisit(conn, all_articles=True, fetcher=fetcher)["unchanged"] == 1
    pages.current = (200, article_page(TITLE, PARAGRAPHS_B))
    first = revisit(conn, all_articles=True, fetcher=fetcher)
    second = revisit(conn, all_articles=True, fetcher=fetcher)
    assert first["new_versions"] == 1 and second["new_versions"] == 0 and second["unchanged"] == 1
    rows = _versions(conn)
    assert [r[0] for r in rows] == [1, 2]
    _, trivial, added, removed, added_s, removed_s, diff, current, removed_at = rows[1]
    assert (trivial, added, removed, current, removed_at) == (False, 2, 1, True, None)
    assert added_s == [PARAGRAPHS_B[0], PARAGRAPHS_B[-1]]
    assert removed_s == [PARAGRAPHS_A[0]]
    assert f"-{PARAGRAPHS_A[0]}" in diff and f"+{PARAGRAPHS_B[0]}" in diff
    assert rows[0][7] is False  # the first version is no longer current
    assert count_rows(conn, "raw_responses") == 2


def test_edit_of_only_a_date_line_is_flagged_trivial(conn, http_server):
    stamped = ["Updated Jan. 19, 2022, 10:02 a.m. ET", *PARAGRAPHS_A]
    pages, fetcher = _poll_site(conn, http_server, article_page(TITLE, stamped))
    restamped = ["Updated Jan. 19, 2022, 4:45 p.m. ET", *PARAGRAPHS_A]
    pages.current = (200, article_page(TITLE, restamped))
    assert revisit(conn, all_articles=True, fetcher=fetcher)["new_versions"] == 1
    assert _versions(conn)[1][1] is True


def test_article_flipping_between_two_texts_stops_at_four_versions(conn, http_server):
    page_a, page_b = article_page(TITLE, PARAGRAPHS_A), article_page(TITLE, PARAGRAPHS_B)
    pages, fetcher = _poll_site(conn, http_server, page_a)
    outcomes = []
    for page in (page_b, page_a, page_b, page_a, page_b, page_a):
        pages.current = (200, page)
        counts = revisit(conn, all_articles=True, fetcher=fetcher)
        outcomes.append("new" if counts["new_versions"] else "flapping" if counts["flapping"] else "same")
    assert outcomes == ["new", "new", "new", "flapping", "same", "flapping"]
    assert count_rows(conn, "document_versions") == 4


def test_page_that_starts_answering_410_is_recorded_removed_and_restored_when_back(conn, http_server):
    pages, fetcher = _poll_site(conn, http_server, article_page(TITLE, PARAGRAPHS_A))
    pages.current = (410, None)
    assert revisit(conn, all_articles=True, fetcher=fetcher)["removed"] == 1
    assert revisit(conn, all_articles=True, fetcher=fetcher)["removed"] == 0  # recorded once
    [(_, _, _, _, _, _, _, current, removed_at)] = _versions(conn)
    assert current is False and removed_at is not None
    with conn.cursor() as cur:
        cur.execute("select removal_reason from documents")
        assert cur.fetchone()[0] == "HTTP 410"
        cur.execute("select kind, http_status from document_events")
        assert cur.fetchall() == [("removed", 410)]
    pages.current = (200, article_page(TITLE, PARAGRAPHS_A))
    assert revisit(conn, all_articles=True, fetcher=fetcher)["restored"] == 1
    with conn.cursor() as cur:
        cur.execute("select kind from document_events order by document_event_id")
        assert [r[0] for r in cur.fetchall()] == ["removed", "restored"]
        cur.execute("select removed_at from documents")
        assert cur.fetchone()[0] is None


HOME_SHORT = ["Top stories of the day, all in one place."]
HOME_LONG = ["Top stories: " + p for p in PARAGRAPHS_B[1:]]  # a full page of text, not the article


@pytest.mark.parametrize("home", [HOME_SHORT, HOME_LONG], ids=["menu_page", "text_page"])
def test_page_that_starts_redirecting_to_the_home_page_is_recorded_removed(conn, http_server, home):
    _poll_site(conn, http_server, article_page(TITLE, PARAGRAPHS_A))
    http_server.static("/", article_page("Test News: home", home, canonical=http_server.url("/")))
    http_server.redirect("/world/troops", "/")
    counts = revisit(conn, all_articles=True, fetcher=loopback_fetcher(http_server))
    assert counts["removed"] == 1 and counts["new_versions"] == 0
    with conn.cursor() as cur:
        cur.execute("select removal_reason from documents")
        assert cur.fetchone()[0] == f"redirects to {http_server.url('/')}"
    assert count_rows(conn, "document_versions") == 1


def test_revisit_schedule_follows_the_article_age(conn, http_server):
    _, fetcher = _poll_site(conn, http_server, article_page(TITLE, PARAGRAPHS_A))
    with conn.cursor() as cur:
        cur.execute("select born_at, next_fetch_at, last_fetched_at from tracked_articles")
        born, next_at, fetched = cur.fetchone()
    # The feed dates the item 2022-01-19: far older than a month, so it is not revisited.
    assert born == dt.datetime(2022, 1, 19, 10, tzinfo=dt.UTC) and next_at is None
    assert revisit_due(conn) == []
    now = dt.datetime.now(dt.UTC)
    with conn.cursor() as cur:
        cur.execute("update tracked_articles set born_at = %s, next_fetch_at = %s",
                    (now - dt.timedelta(hours=1), now))
    conn.commit()
    assert len(revisit_due(conn, now)) == 1
    revisit(conn, fetcher=fetcher, now=now)
    with conn.cursor() as cur:
        cur.execute("select next_fetch_at from tracked_articles")
        assert cur.fetchone()[0] == now + dt.timedelta(minutes=15)
    assert revisit_due(conn, now) == []
    assert len(revisit_due(conn, now, all_articles=True)) == 1


def test_article_history_lists_versions_removal_and_return_in_order(conn, http_server):
    pages, fetcher = _poll_site(conn, http_server, article_page(TITLE, PARAGRAPHS_A))
    pages.current = (200, article_page(TITLE, PARAGRAPHS_B))
    revisit(conn, all_articles=True, fetcher=fetcher)
    pages.current = (404, None)
    revisit(conn, all_articles=True, fetcher=fetcher)
    pages.current = (200, article_page(TITLE, PARAGRAPHS_B))
    revisit(conn, all_articles=True, fetcher=fetcher)
    with conn.cursor() as cur:
        cur.execute("select event_no, kind, version_no, http_status, detail from v_article_history"
                    " order by event_no")
        rows = cur.fetchall()
    assert [r[:4] for r in rows] == [(1, "first_version", 1, None), (2, "edit", 2, None),
                                     (3, "removed", None, 404), (4, "restored", None, 200)]
    assert rows[1][4] == "2 sentences added, 1 removed"
