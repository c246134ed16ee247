"""Polling feeds over real HTTP on loopback: conditional GET, body hash, schedule, pages."""
from __future__ import annotations

import datetime as dt

import pytest

from storywatch.sources.feeds import add_feed, due_feed_batches, list_feeds, poll_batch
from tests.conftest import count_rows
from tests.httpserver import send
from tests.newssite import PARAGRAPHS_A, Item, article_page, loopback_fetcher, rss

pytestmark = pytest.mark.integration


def _feed_id(conn, url):
    with conn.cursor() as cur:
        cur.execute("select feed_id from feeds where url = %s", (url,))
        return cur.fetchone()[0]


def _make_due(conn):
    with conn.cursor() as cur:
        cur.execute("update feeds set next_poll_at = now() - interval '1 minute'")
    conn.commit()


def _serve_site(http_server, *, conditional: bool):
    items = [Item("Troops massed near Ukraine", http_server.url("/world/troops")),
             Item("Talks end in Geneva", "/world/talks")]  # relative: resolved against the feed URL
    body = rss(items)
    if conditional:
        http_server.conditional("/feed.xml", body, etag='"v1"',
                                last_modified="Wed, 19 Jan 2022 10:00:00 GMT",
                                content_type="application/rss+xml")
    else:
        http_server.static("/feed.xml", body, content_type="application/rss+xml")
    http_server.static("/world/troops", article_page("Troops massed near Ukraine", PARAGRAPHS_A))
    http_server.static("/world/talks", article_page("Talks end in Geneva", PARAGRAPHS_A[2:] + [
        "Both delegations agreed to keep talking, officials from each side said afterwards."]))


def test_second_poll_with_same_etag_fetches_nothing(conn, http_server):
    _serve_site(http_server, conditional=True)
    url = http_server.url("/feed.xml")
    add_feed(conn, url, "Test News")
    fetcher = loopback_fetcher(http_server)
    first = poll_batch(conn, [_feed_id(conn, url)], fetcher)
    assert (first["new_items"], first["new_documents"], first["failed"]) == (2, 2, 0)
    versions = count_rows(conn, "document_versions")
    _make_due(conn)
    second = poll_batch(conn, [_feed_id(conn, url)], fetcher)
    feed_requests = [r for r in http_server.requests if r.path == "/feed.xml"]
    assert feed_requests[1].headers.get("if-none-match") == '"v1"'
    assert feed_requests[1].headers.get("if-modified-since") == "Wed, 19 Jan 2022 10:00:00 GMT"
    assert second == {**second, "unchanged": 1, "new_items": 0, "new_documents": 0, "new_versions": 0}
    assert count_rows(conn, "document_versions") == versions
    assert http_server.hits("/world/troops") == 1 and http_server.hits("/world/talks") == 1
    [status] = list_feeds(conn)
    assert status.last_status == 304 and status.error_count == 0


def test_server_ignoring_validators_with_same_body_writes_nothing_but_poll_time(conn, http_server):
    _serve_site(http_server, conditional=False)
    url = http_server.url("/feed.xml")
    add_feed(conn, url)
    fetcher = loopback_fetcher(http_server)
    poll_batch(conn, [_feed_id(conn, url)], fetcher)
    with conn.cursor() as cur:
        cur.execute("select body_sha256, last_polled_at from feeds")
        sha, polled = cur.fetchone()
    items, versions, errors = (count_rows(conn, t) for t in ("feed_items", "document_versions", "item_errors"))
    _make_due(conn)
    second = poll_batch(conn, [_feed_id(conn, url)], fetcher)
    assert second["unchanged"] == 1 and second["new_items"] == 0
    assert (count_rows(conn, "feed_items"), count_rows(conn, "document_versions"),
            count_rows(conn, "item_errors")) == (items, versions, errors)
    with conn.cursor() as cur:
        cur.execute("select body_sha256, last_polled_at, last_status from feeds")
        sha2, polled2, status = cur.fetchone()
    assert sha2 == sha and polled2 > polled and status == 200


def test_relative_links_resolve_against_the_feed_url_and_pages_are_stored(conn, http_server):
    _serve_site(http_server, conditional=False)
    url = http_server.url("/feed.xml")
    add_feed(conn, url, "Test News")
    poll_batch(conn, [_feed_id(conn, url)], loopback_fetcher(http_server))
    with conn.cursor() as cur:
        cur.execute("select d.url, d.origin, v.title, v.body, v.published_at, s.name"
                    " from documents d join document_versions v using (document_id)"
                    " join sources s using (source_id) order by d.url")
        rows = cur.fetchall()
    assert [r[0] for r in rows] == [http_server.url("/world/talks"), http_server.url("/world/troops")]
    assert {r[1] for r in rows} == {"page"} and {r[5] for r in rows} == {"Test News"}
    assert rows[1][2] == "Troops massed near Ukraine"
    assert "some 100,000 troops" in rows[1][3] and "Copyright" not in rows[1][3]
    assert rows[1][4] == dt.datetime(2022, 1, 19, 10, 0, tzinfo=dt.UTC)
    assert count_rows(conn, "raw_responses") == 2 and count_rows(conn, "tracked_articles") == 2


def test_entry_without_link_is_stored_as_its_own_document(conn, http_server):
    body = rss([Item("Agency flash: talks resume", None, guid="flash-1",
                     summary="<p>Talks on the nuclear deal resumed in <b>Vienna</b> on Monday.</p>")])
    http_server.static("/feed.xml", body, content_type="application/rss+xml")
    url = http_server.url("/feed.xml")
    add_feed(conn, url)
    counts = poll_batch(conn, [_feed_id(conn, url)], loopback_fetcher(http_server))
    assert counts["new_documents"] == 1
    with conn.cursor() as cur:
        cur.execute("select d.origin, d.identity, v.title, v.body from documents d"
                    " join document_versions v using (document_id)")
        origin, identity, title, text = cur.fetchone()
    assert origin == "feed_item" and identity.endswith("#item=flash-1")
    assert title == "Agency flash: talks resume"
    assert text == "Talks on the nuclear deal resumed in Vienna on Monday."


def test_robots_disallowed_page_is_not_fetched_and_the_summary_is_kept(conn, http_server):
    http_server.robots("User-agent: *\nDisallow: /world/\n")
    body = rss([Item("Troops massed", "/world/troops", summary="Russia masses troops.")])
    http_server.static("/feed.xml", body, content_type="application/rss+xml")
    http_server.static("/world/troops", article_page("Troops", PARAGRAPHS_A))
    url = http_server.url("/feed.xml")
    add_feed(conn, url)
    counts = poll_batch(conn, [_feed_id(conn, url)], loopback_fetcher(http_server))
    assert http_server.hits("/world/troops") == 0
    assert counts["pages_failed"] == 1 and counts["new_documents"] == 1
    with conn.cursor() as cur:
        cur.execute("select d.origin, v.body from documents d join document_versions v using (document_id)")
        assert cur.fetchone() == ("feed_item", "Russia masses troops.")
        cur.execute("select message from item_errors where stage = 'page'")
        assert "robots.txt" in cur.fetchone()[0]


def test_schedule_polls_again_soon_after_new_items_and_backs_off_when_nothing_is_new(conn, http_server):
    _serve_site(http_server, conditional=False)
    url = http_server.url("/feed.xml")
    add_feed(conn, url)
    fetcher = loopback_fetcher(http_server)
    feed_id = _feed_id(conn, url)
    now = dt.datetime.now(dt.UTC)
    intervals = []
    for step in range(4):
        poll_batch(conn, [feed_id], fetcher, now=now + dt.timedelta(hours=step))
        with conn.cursor() as cur:
            cur.execute("select poll_interval, next_poll_at from feeds")
            interval, next_at = cur.fetchone()
        intervals.append(interval)
        assert next_at == now + dt.timedelta(hours=step) + interval
    assert intervals == [dt.timedelta(minutes=10), dt.timedelta(minutes=20),
                         dt.timedelta(minutes=40), dt.timedelta(minutes=80)]


def test_feed_ttl_is_a_lower_bound_on_the_interval(conn, http_server):
    http_server.static("/feed.xml", rss([Item("One", None, guid="1", summary="x")], ttl=120),
                       content_type="application/rss+xml")
    url = http_server.url("/feed.xml")
    add_feed(conn, url)
    poll_batch(conn, [_feed_id(conn, url)], loopback_fetcher(http_server))
    with conn.cursor() as cur:
        cur.execute("select poll_interval from feeds")
        assert cur.fetchone()[0] == dt.timedelta(minutes=120)


def test_due_feed_batches_keep_one_host_together(conn):
    for n in range(3):
        add_feed(conn, f"https://a.example/feed{n}.xml")
    for n in range(2):
        add_feed(conn, f"https://b.example/feed{n}.xml")
    add_feed(conn, "https://c.example/rss")
    batches = due_feed_batches(conn, batch_size=3, now=dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1))
    hosts = {}
    with conn.cursor() as cur:
        cur.execute("select feed_id, split_part(url, '/', 3) from feeds")
        hosts = dict(cur.fetchall())
    assert sorted(len(b) for b in batches) == [3, 3]
    assert sorted(i for b in batches for i in b) == sorted(hosts)
    for batch in batches:
        assert len({hosts[i] for i in batch}) <= 2
    assert any({hosts[i] for i in batch} == {"a.example"} for batch in batches)
    assert due_feed_batches(conn, batch_size=3, now=dt.datetime(2000, 1, 1, tzinfo=dt.UTC)) == []


def test_page_failing_for_passing_reasons_is_retried_then_its_summary_kept(conn, http_server):
    answers = iter([503, 503, 503])

    def flaky(handler):
        send(handler, next(answers, 200), b"busy", content_type="text/plain")

    http_server.handler("/world/troops", flaky)
    http_server.static("/feed.xml", rss([Item("Troops massed", "/world/troops", summary="Russia masses troops.")]),
                       content_type="application/rss+xml")
    url = http_server.url("/feed.xml")
    add_feed(conn, url)
    feed_id = _feed_id(conn, url)
    statuses = []
    for _ in range(3):
        # A fresh fetcher each time: the 503 makes a fetcher stay away from the host for a while.
        counts = poll_batch(conn, [feed_id], loopback_fetcher(http_server))
        with conn.cursor() as cur:
            cur.execute("select status, attempts from feed_items")
            statuses.append(cur.fetchone())
        _make_due(conn)
        assert counts["failed"] == 0
    assert statuses == [("pending", 1), ("pending", 2), ("stored", 3)]
    assert http_server.hits("/world/troops") == 3 and http_server.hits("/feed.xml") == 3
    with conn.cursor() as cur:
        cur.execute("select d.origin, v.body from documents d join document_versions v using (document_id)")
        assert cur.fetchone() == ("feed_item", "Russia masses troops.")


def test_page_stored_on_the_next_poll_after_a_passing_failure(conn, http_server):
    answers = iter([503])
    page = article_page("Troops massed near Ukraine", PARAGRAPHS_A).encode()

    def flaky(handler):
        status = next(answers, 200)
        send(handler, status, page if status == 200 else b"busy",
             headers=None if status == 200 else {"Retry-After": "600"})

    http_server.handler("/world/troops", flaky)
    http_server.static("/feed.xml", rss([Item("Troops massed", "/world/troops"),
                                         Item("Second story", "/world/second",
                                              published="Tue, 18 Jan 2022 10:00:00 GMT")]),
                       content_type="application/rss+xml")
    http_server.static("/world/second", article_page("Second story", PARAGRAPHS_A[1:]))
    url = http_server.url("/feed.xml")
    add_feed(conn, url)
    fetcher = loopback_fetcher(http_server)
    first = poll_batch(conn, [_feed_id(conn, url)], fetcher)
    # The 503 closed the host for this fetcher: the second page waits too, without an attempt spent.
    assert (first["new_documents"], first["pages_pending"]) == (0, 2)
    assert http_server.hits("/world/second") == 0
    _make_due(conn)
    second = poll_batch(conn, [_feed_id(conn, url)], loopback_fetcher(http_server))
    assert (second["unchanged"], second["new_documents"], second["pages_pending"]) == (1, 2, 0)
    with conn.cursor() as cur:
        cur.execute("select item_key, attempts from feed_items order by item_key")
        assert [r[1] for r in cur.fetchall()] == [1, 2]
