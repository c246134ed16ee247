"""Hostile feeds in one batch: each is recorded with its reason, the good feed is still stored."""
from __future__ import annotations

import ipaddress

import pytest

from storywatch.sources.feeds import add_feed, poll_batch
from tests.conftest import count_rows
from tests.newssite import PARAGRAPHS_A, Item, article_page, loopback_fetcher, rss

pytestmark = pytest.mark.integration

ENTITY_BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE rss [
<!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">
<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
<!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
<!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">
]>
<rss version="2.0"><channel><title>&e;</title>
<item><title>&e;</title><link>http://127.0.0.1/x</link></item></channel></rss>"""
EXTERNAL_ENTITY = b"""<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<rss version="2.0"><channel><title>&x;</title><item><title>&x;</title></item></channel></rss>"""
MALFORMED = b"<?xml version='1.0'?><rss version='2.0'><channel><title>Broken</title><item><title>A</titl"
HTML_PAGE = article_page("Not a feed", ["Just a page."]).encode()


def _serve(http_server, path, body, content_type="application/rss+xml"):
    http_server.static(path, body, content_type=content_type)
    return http_server.url(path)


def test_hostile_feeds_are_each_recorded_and_the_rest_of_the_batch_is_stored(conn, http_server, netguard):
    good = _serve(http_server, "/good.xml", rss([Item("Troops massed", "/world/troops")]))
    http_server.static("/world/troops", article_page("Troops massed", PARAGRAPHS_A))
    port = http_server.port
    http_server.redirect("/loop-a", "/loop-b").redirect("/loop-b", "/loop-a")
    http_server.redirect("/to-metadata", "http://169.254.169.254/latest/meta-data/")
    http_server.redirect("/to-other-loopback", f"http://127.0.0.2:{port}/good.xml")
    http_server.huge("/huge.xml", size=50 * 2**20)
    http_server.stall("/stall.xml", head=b"<rss version='2.0'><channel><title>Slow")
    hostile = {
        "malformed": _serve(http_server, "/malformed.xml", MALFORMED),
        "entity_bomb": _serve(http_server, "/bomb.xml", ENTITY_BOMB),
        "external_entity": _serve(http_server, "/external.xml", EXTERNAL_ENTITY),
        "html": _serve(http_server, "/page.html", HTML_PAGE, "text/html; charset=utf-8"),
        "json": _serve(http_server, "/data.json", b'{"status": "ok", "items": [1, 2]}', "application/json"),
        "empty": _serve(http_server, "/empty.xml", b""),
        "binary": _serve(http_server, "/logo.png", b"\x89PNG\r\n\x1a\n" + bytes(300), "image/png"),
        "huge": http_server.url("/huge.xml"),
        "stall": http_server.url("/stall.xml"),
        "loop": http_server.url("/loop-a"),
        "metadata": http_server.url("/to-metadata"),
        "other_loopback": http_server.url("/to-other-loopback"),
        "gone": http_server.url("/gone.xml"),
    }
    http_server.status("/gone.xml", 404)
    for url in hostile.values():
        add_feed(conn, url)
    add_feed(conn, good)
    with conn.cursor() as cur:  # a stored URL that is not http(s) (feeds add refuses these)
        cur.execute("insert into feeds (url) values ('file:///etc/passwd')")
        cur.execute("select feed_id, url from feeds order by feed_id")
        ids = dict(cur.fetchall())
    conn.commit()
    hostile["not_http"] = "file:///etc/passwd"
    # Only 127.0.0.1 is allowed, so 127.0.0.2 is a loopback address outside the allowed networks.
    fetcher = loopback_fetcher(http_server, allowed_networks=(ipaddress.ip_network("127.0.0.1/32"),))
    counts = poll_batch(conn, list(ids), fetcher)
    assert counts["failed"] == len(hostile) and counts["new_documents"] == 1
    with conn.cursor() as cur:
        cur.execute("select url, last_error, error_count, active from feeds")
        state = {url: (error, n, active) for url, error, n, active in cur.fetchall()}
        cur.execute("select item, message from item_errors where stage = 'poll'")
        recorded = dict(cur.fetchall())
    expected = {
        "malformed": "malformed XML", "entity_bomb": "declares XML entities",
        "external_entity": "declares XML entities", "html": "an HTML page, not a feed",
        "json": "JSON that is not a JSON Feed", "empty": "empty body", "binary": "image/png",
        "huge": "byte limit", "stall": "did not answer", "loop": "loop",
        "metadata": "169.254.169.254", "other_loopback": "127.0.0.2", "gone": "HTTP 404",
        "not_http": "only http and https",
    }
    for kind, url in hostile.items():
        error, errors, active = state[url]
        assert expected[kind] in error, (kind, error)
        assert errors == 1 and active, kind
        assert recorded[url] == error
    assert state[good] == (None, 0, True)
    assert count_rows(conn, "documents") == 1 and count_rows(conn, "feed_items") == 1
    assert netguard.connects_to(80) == 0  # nothing went near 169.254.169.254
    assert ("127.0.0.2", port) not in netguard.connects


def test_feed_failing_repeatedly_is_deactivated_with_its_reason(conn, http_server):
    http_server.status("/feed.xml", 500)
    url = http_server.url("/feed.xml")
    add_feed(conn, url)
    fetcher = loopback_fetcher(http_server, feed_max_failures=3)
    for _ in range(3):
        with conn.cursor() as cur:
            cur.execute("update feeds set next_poll_at = now()")
            cur.execute("select feed_id from feeds")
            feed_id = cur.fetchone()[0]
        conn.commit()
        poll_batch(conn, [feed_id], fetcher)
    with conn.cursor() as cur:
        cur.execute("select active, error_count, deactivated_reason from feeds")
        active, errors, reason = cur.fetchone()
    assert (active, errors) == (False, 3)
    assert reason.startswith("3 failures in a row; last:") and "HTTP 500" in reason
    assert poll_batch(conn, [feed_id], fetcher)["feeds"] == 0  # an inactive feed is not polled
    add_feed(conn, url)  # adding it again by hand reactivates it
    with conn.cursor() as cur:
        cur.execute("select active, error_count, deactivated_reason from feeds")
        assert cur.fetchone() == (True, 0, None)


def test_feed_answering_410_is_deactivated_at_once(conn, http_server):
    http_server.status("/feed.xml", 410)
    url = http_server.url("/feed.xml")
    add_feed(conn, url)
    with conn.cursor() as cur:
        cur.execute("select feed_id from feeds")
        feed_id = cur.fetchone()[0]
    poll_batch(conn, [feed_id], loopback_fetcher(http_server))
    with conn.cursor() as cur:
        cur.execute("select active, deactivated_reason from feeds")
        active, reason = cur.fetchone()
    assert active is False and "gone" in reason and "410" in reason


def test_hostile_article_pages_are_each_recorded_and_the_good_page_is_stored(conn, http_server):
    items = [Item("Good", "/p/good", summary="good summary"),
             Item("Huge", "/p/huge", summary="huge summary"),
             Item("Stall", "/p/stall", summary="stall summary"),
             Item("Binary", "/p/binary", summary="binary summary"),
             Item("Metadata", "/p/metadata", summary="metadata summary"),
             Item("Empty", "/p/empty", summary="empty summary")]
    http_server.static("/feed.xml", rss(items), content_type="application/rss+xml")
    http_server.static("/p/good", article_page("Good", PARAGRAPHS_A))
    http_server.huge("/p/huge", size=50 * 2**20)
    http_server.stall("/p/stall")
    http_server.static("/p/binary", b"\x00\x01\x02" * 100, content_type="application/octet-stream")
    http_server.redirect("/p/metadata", "http://169.254.169.254/latest/meta-data/")
    http_server.static("/p/empty", "<html><body><nav>menu</nav></body></html>")
    add_feed(conn, http_server.url("/feed.xml"))
    with conn.cursor() as cur:
        cur.execute("select feed_id from feeds")
        feed_id = cur.fetchone()[0]
    counts = poll_batch(conn, [feed_id], loopback_fetcher(http_server))
    assert counts["failed"] == 0 and counts["pages_failed"] == 5
    with conn.cursor() as cur:
        cur.execute("select title, status, attempts, last_error from feed_items order by title")
        items_state = {title: (status, attempts, error) for title, status, attempts, error in cur.fetchall()}
        cur.execute("select v.title, d.origin, v.body from documents d join document_versions v using (document_id)")
        documents = {title: (origin, body) for title, origin, body in cur.fetchall()}
        cur.execute("select count(*) from item_errors where stage = 'page'")
        page_errors = cur.fetchone()[0]
    assert documents["Good"][0] == "page" and "100,000 troops" in documents["Good"][1]
    for title, reason in [("Huge", "byte limit"), ("Binary", "not a text page"),
                          ("Metadata", "169.254.169.254"), ("Empty", "no article text")]:
        status, attempts, error = items_state[title]
        assert (status, attempts) == ("stored", 1) and reason in error, (title, error)
        assert documents[title] == ("feed_item", f"{title.lower()} summary")
    assert items_state["Stall"][:2] == ("pending", 1)  # a timeout may pass: tried again next poll
    assert "Stall" not in documents
    assert page_errors == 5
