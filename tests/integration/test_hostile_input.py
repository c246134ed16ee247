"""Hostile feeds and pages not covered elsewhere, each in a batch beside a good one.

tests/HOSTILE.md indexes every hostile case of the project (feeds, pages, files,
claims, threads) and the test that covers it; this module adds the cases that
were covered only at the fetcher's level, or only for files: gzip bombs, drips,
truncation, NUL bytes and lone surrogates, hostile titles and dates, wrong
charsets, redirects to [::1] and to names resolving to private addresses,
entity declarations in XHTML pages. Each case ends in a recorded reason or a
correct stored row, and never stops the rest of its batch.
"""
from __future__ import annotations

import ipaddress
import json

import pytest

from storywatch.sources.feeds import add_feed, poll_batch
from storywatch.web.fetch import Fetcher
from storywatch.web.politeness import MemoryPoliteness
from tests.conftest import count_rows
from tests.httpserver import LocalServer
from tests.newssite import PARAGRAPHS_A, Item, article_page, rss

pytestmark = pytest.mark.integration

# Made-up names through the fetcher's injected resolver: no real DNS in tests.
FAKE_DNS = {"news.test": ["127.0.0.1"], "metadata.test": ["169.254.169.254"],
            "intranet.test": ["10.0.0.5"], "v6.test": ["::1"]}


def fake_resolver(host: str, port: int) -> list[str]:
    if host not in FAKE_DNS:
        raise OSError(f"unknown test host {host}")
    return FAKE_DNS[host]


def hostile_fetcher(server: LocalServer) -> Fetcher:
    """Only 127.0.0.1 allowed (so [::1] and 127.0.0.2 are outside), short timeouts."""
    settings = server.settings(allowed_networks=(ipaddress.ip_network("127.0.0.1/32"),))
    return Fetcher(settings, politeness=MemoryPoliteness(0.0), resolver=fake_resolver,
                   total_timeout=1.5, connect_timeout=1.0)


def feed_ids(conn) -> dict[str, int]:
    with conn.cursor() as cur:
        cur.execute("select url, feed_id from feeds")
        ids = dict(cur.fetchall())
    conn.commit()
    return ids


def rss_raw(items_xml: str, *, declaration: str = '<?xml version="1.0" encoding="utf-8"?>') -> bytes:
    return (f'{declaration}<rss version="2.0"><channel><title>Hostile</title>'
            f"<link>http://news.test/</link>{items_xml}</channel></rss>").encode()


def item_xml(title: str, link: str, pub: str = "Wed, 19 Jan 2022 10:00:00 GMT",
             description: str = "a summary") -> str:
    return (f"<item><title>{title}</title><link>{link}</link>"
            f"<description>{description}</description><pubDate>{pub}</pubDate></item>")


# -- feeds -------------------------------------------------------------------------------------
def test_more_hostile_feeds_are_each_recorded_or_read_and_the_batch_goes_on(conn, http_server, netguard):
    port = http_server.port
    good = rss([Item("Good feed item", None, guid="good-1", summary="The good feed still works.")])
    http_server.static("/good.xml", good, content_type="application/rss+xml")
    two_items = item_xml("First", "/a1") + item_xml("Second", "/a2")
    # -- refused, with the reason recorded
    http_server.static("/truncated.xml", rss_raw(two_items + "<item><title>Thi")[:-30],
                       content_type="application/rss+xml")
    http_server.gzip_bomb("/bomb.xml.gz", decoded_size=64 * 2**20)
    http_server.drip("/drip.xml", chunk=b"<", interval=0.2, count=100)
    http_server.static("/nul.xml", b"<?xml version='1.0'?>\x00\x00<rss version='2.0'>\x00</rss>",
                       content_type="application/rss+xml")
    http_server.redirect("/to-v6", f"http://[::1]:{port}/good.xml")
    http_server.redirect("/to-intranet", "http://intranet.test/feed.xml")
    # -- read, each value made safe or dropped
    http_server.static("/dates.xml", rss_raw(
        item_xml("Year zero", "/d0", pub="Sat, 01 Jan 0000 00:00:00 GMT")
        + item_xml("Year 9999", "/d9", pub="Fri, 31 Dec 9999 23:59:59 GMT")
        + item_xml("Yesterday", "/dy", pub="yesterday")), content_type="application/rss+xml")
    http_server.static("/titles.xml", rss_raw(
        item_xml("x&apos;); drop table documents; --", "/t1")
        + item_xml("&lt;script&gt;alert(1)&lt;/script&gt;Headline", "/t2")
        + item_xml("Robert&apos;) OR 1=1; --", "/t3", description="&lt;img src=x onerror=alert(1)&gt;")
        + item_xml("Port out of range", "http://news.test:99999/x")),
        content_type="application/rss+xml")
    http_server.static("/control-chars.xml", rss_raw(
        item_xml("Lone &#xD800; surrogate reference", "/s1")), content_type="application/rss+xml")
    json_feed = json.dumps({
        "version": "https://jsonfeed.org/version/1.1", "title": "JSON hostile",
        "items": [{"id": "j1", "title": "Lone \ud800 surrogate and NUL \u0000 in JSON",
                   "content_text": "Text with a lone surrogate \udfff and a NUL \u0000 byte.",
                   "url": "/j1", "date_published": "0000-01-01T00:00:00Z"}],
    })  # json.dumps writes them as \\ud800 escapes, which JSON allows and Python decodes
    http_server.static("/json-surrogates.json", json_feed, content_type="application/feed+json")
    latin1 = rss_raw(item_xml("Caf\u00e9 na Pra\u00e7a", "/l1"), declaration="")
    http_server.static("/latin1.xml", latin1.decode().encode("latin-1"),
                       content_type="application/rss+xml; charset=utf-8")  # the label lies
    for path in ("/a1", "/a2", "/d0", "/d9", "/dy", "/t1", "/t2", "/t3", "/s1", "/j1", "/l1"):
        http_server.static(path, article_page(f"Page {path}", PARAGRAPHS_A))
    urls = {name: http_server.url(path) for name, path in [
        ("truncated", "/truncated.xml"), ("gzip_bomb", "/bomb.xml.gz"), ("drip", "/drip.xml"),
        ("nul", "/nul.xml"), ("v6", "/to-v6"), ("intranet", "/to-intranet"),
        ("dates", "/dates.xml"), ("titles", "/titles.xml"), ("surrogate_ref", "/control-chars.xml"),
        ("json", "/json-surrogates.json"), ("latin1", "/latin1.xml"), ("good", "/good.xml")]}
    urls["metadata_name"] = "http://metadata.test/latest/meta-data/"
    for url in urls.values():
        add_feed(conn, url)
    with conn.cursor() as cur:  # schemes `feeds add` refuses, stored as an older version might have
        for scheme_url in ("gopher://127.0.0.1:70/1", "javascript:alert(1)", "ftp://127.0.0.1/feed"):
            cur.execute("insert into feeds (url) values (%s)", (scheme_url,))
    conn.commit()
    counts = poll_batch(conn, list(feed_ids(conn).values()), hostile_fetcher(http_server))

    with conn.cursor() as cur:
        cur.execute("select url, last_error, error_count from feeds")
        state = {url: (error, n) for url, error, n in cur.fetchall()}
        cur.execute("select item, message from item_errors where stage = 'poll'")
        recorded = dict(cur.fetchall())
    refused = {
        "truncated": "incomplete", "gzip_bomb": "byte limit", "drip": "did not answer",
        "nul": "NUL", "v6": "::1", "intranet": "intranet.test resolves to 10.0.0.5",
        "metadata_name": "metadata.test resolves to 169.254.169.254",
    }
    for name, reason in refused.items():
        error, errors = state[urls[name]]
        assert error and reason in error, (name, error)
        assert errors == 1 and recorded[urls[name]] == error, name
    for scheme_url in ("gopher://127.0.0.1:70/1", "javascript:alert(1)", "ftp://127.0.0.1/feed"):
        assert "only http and https" in state[scheme_url][0]
    assert counts["failed"] == len(refused) + 3
    for name in ("dates", "titles", "surrogate_ref", "json", "latin1", "good"):
        assert state[urls[name]] == (None, 0), (name, state[urls[name]])
    assert netguard.connects_to(80) == 0 and not any(h == "::1" for h, _ in netguard.connects)

    with conn.cursor() as cur:
        cur.execute("select title, published_at from feed_items")
        items = dict(cur.fetchall())
        cur.execute("select v.title, v.body from document_versions v")
        versions = cur.fetchall()
    # Dates: impossible or vague ones are dropped (never 'now'), the entries are kept.
    assert items["Year zero"] is None and items["Yesterday"] is None
    assert items["Year 9999"] is None, "a date in year 9999 is not a plausible publication date"
    # Titles: SQL metacharacters and markup are data, stored verbatim as text (bound
    # parameters store them; the dashboard and digests escape them when they show them).
    assert "x'); drop table documents; --" in items and "Robert') OR 1=1; --" in items
    assert "<script>alert(1)</script>Headline" in items
    assert "Port out of range" in items  # a link that is no URL is dropped, the entry kept
    assert count_rows(conn, "documents") >= 1  # the table is still there
    # Lone surrogates and NUL bytes never reach PostgreSQL (it would refuse the row).
    everything = " ".join(f"{t} {b}" for t, b in versions) + " ".join(t or "" for t in items)
    assert "\x00" not in everything
    assert all(not 0xD800 <= ord(ch) <= 0xDFFF for ch in everything)
    assert any(t and t.startswith("Lone") and "JSON" in t for t in items)
    assert "Caf\u00e9 na Pra\u00e7a" in items  # latin-1 bytes under a utf-8 label read right
    assert "The good feed still works." in " ".join(b for _, b in versions)


# -- pages -------------------------------------------------------------------------------------
ENTITY_XHTML = (
    '<?xml version="1.0"?><!DOCTYPE html [<!ENTITY a "ha"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">'
    '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;">'
    '<!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;"><!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;">'
    '<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    '<html xmlns="http://www.w3.org/1999/xhtml"><head><title>&f;</title></head><body><article>'
    + "".join(f"<p>{p} &f; &x;</p>" for p in PARAGRAPHS_A) + "</article></body></html>"
)


def test_more_hostile_pages_are_each_recorded_or_stored_and_the_batch_goes_on(conn, http_server, netguard):
    port = http_server.port
    good = article_page("Good page", PARAGRAPHS_A)
    pages = {
        "good": ("/p/good", lambda p: http_server.static(p, good)),
        "gzip_bomb": ("/p/bomb", lambda p: http_server.gzip_bomb(p, decoded_size=64 * 2**20)),
        "drip": ("/p/drip", lambda p: http_server.drip(p, chunk=b"<p>", interval=0.2, count=100)),
        "loop": ("/p/loop", lambda p: http_server.redirect(p, "/p/loop2").redirect("/p/loop2", p)),
        "v6": ("/p/v6", lambda p: http_server.redirect(p, f"http://[::1]:{port}/p/good")),
        "gopher": ("/p/gopher", lambda p: http_server.redirect(p, "gopher://127.0.0.1:70/")),
        "file": ("/p/file", lambda p: http_server.redirect(p, "file:///etc/passwd")),
        "nul": ("/p/nul", lambda p: http_server.static(
            p, article_page("NUL\x00 headline", [x.replace(" ", " \x00", 3) for x in PARAGRAPHS_A]))),
        "surrogate": ("/p/surrogate", lambda p: http_server.static(
            p, article_page("Lone &#xD800; ref", PARAGRAPHS_A).replace("Geneva", "Gen&#xDFFF;eva"))),
        "entities": ("/p/entities", lambda p: http_server.static(
            p, ENTITY_XHTML, content_type="application/xhtml+xml")),
        "wrong_charset": ("/p/wrong-charset", lambda p: http_server.static(
            p, article_page("Caf\u00e9 Pra\u00e7a", ["S\u00e3o Paulo: " + x for x in PARAGRAPHS_A])
            .replace('<meta charset="utf-8">', "").encode("latin-1"),
            content_type="text/html; charset=utf-8")),
        "no_charset": ("/p/no-charset", lambda p: http_server.static(
            p, article_page("\u201cSmart quotes\u201d na Pra\u00e7a", PARAGRAPHS_A)
            .replace('<meta charset="utf-8">', "").encode("windows-1252"),
            content_type="text/html")),
        "hostile_title": ("/p/title", lambda p: http_server.static(p, article_page(
            "x'); drop table document_versions; -- <script>alert(1)</script>", PARAGRAPHS_A))),
    }
    items = [Item(name, path, summary=f"{name} summary") for name, (path, _) in pages.items()]
    items.append(Item("intranet", "http://intranet.test/story", summary="intranet summary"))
    items.append(Item("metadata", "http://metadata.test/latest/", summary="metadata summary"))
    for _, (path, build) in pages.items():
        build(path)
    http_server.static("/feed.xml", rss(items), content_type="application/rss+xml")
    add_feed(conn, http_server.url("/feed.xml"))
    counts = poll_batch(conn, list(feed_ids(conn).values()), hostile_fetcher(http_server))
    assert counts["failed"] == 0

    with conn.cursor() as cur:
        cur.execute("select title, status, last_error from feed_items")
        state = {title: (status, error) for title, status, error in cur.fetchall()}
        cur.execute("select d.origin, v.title, v.body from documents d"
                    " join document_versions v using (document_id) order by d.document_id")
        stored = {}
        for origin, title, body in cur.fetchall():
            stored.setdefault(origin, []).append((title, body))
    refused = {"gzip_bomb": "byte limit", "loop": "loop", "v6": "::1", "gopher": "only http",
               "file": "only http", "intranet": "intranet.test resolves to 10.0.0.5",
               "metadata": "metadata.test resolves to 169.254.169.254"}
    for name, reason in refused.items():
        status, error = state[name]
        assert status == "stored" and error and reason in error, (name, error)  # summary kept
    assert state["drip"][0] == "pending" and "did not answer" in state["drip"][1]  # tried again later
    page_titles = [t for t, _ in stored["page"]]
    page_text = " ".join(f"{t} {b}" for t, b in stored["page"])
    assert "Good page" in page_titles
    assert "\x00" not in page_text and all(not 0xD800 <= ord(c) <= 0xDFFF for c in page_text)
    assert any(t.startswith("NUL") for t in page_titles)
    assert any("S\u00e3o Paulo" in b for _, b in stored["page"]), "a lying charset label garbled the page"
    assert any(t == "\u201cSmart quotes\u201d na Pra\u00e7a" for t in page_titles)
    assert "x'); drop table document_versions; -- <script>alert(1)</script>" in page_titles
    assert "hahahaha" not in page_text and "root:" not in page_text  # no entity was expanded
    assert state["entities"][0] == "stored"
    assert netguard.connects_to(80) == 0 and netguard.connects_to(70) == 0
    assert count_rows(conn, "document_versions") == len(stored["page"]) + len(stored.get("feed_item", []))


# -- numbers through `process` -----------------------------------------------------------------
HUGE_NUMBER_FILES = {
    "400-digits.txt": "Russia has massed " + "9" * 400 + " troops near the border with Ukraine, "
                      "officials said.",
    "400-digit-decimal.txt": "Iran has enriched uranium to 0." + "0" * 398 + "1 percent purity, "
                             "a U.S. official said.",
    "400-digit-range.txt": "Between " + "1" * 400 + " and " + "2" * 400 + " troops are near "
                           "Ukraine, according to Western officials.",
    "400-digit-money.txt": "Sanctions could cost Russia $" + "5" * 400 + " billion, the "
                           "Treasury said on Monday.",
    "exponent.txt": "Russia has massed 1e400 troops near Ukraine, and 10^400 more are coming, "
                    "officials said.",
}


def test_quantities_with_hundreds_of_digits_go_through_process_without_stopping_it(
    conn, tmp_path
):
    from storywatch.settings import Settings
    from storywatch.sources.ingest import ingest_paths
    from storywatch.stages import process_pending
    from storywatch.tracking.sync import sync_seed_threads

    sync_seed_threads(conn, Settings.from_env().seeds_dir)
    for name, body in HUGE_NUMBER_FILES.items():
        (tmp_path / name).write_text(f"---\ntitle: {name}\n---\n{body}\n", encoding="utf-8")
    (tmp_path / "zz-good.txt").write_text(
        "---\ntitle: Control\n---\nRussia has massed some 100,000 troops near the border with "
        "Ukraine, Western officials said on Wednesday.\n", encoding="utf-8")
    assert not ingest_paths(conn, [tmp_path]).failed
    results = process_pending(conn)
    assert all(c["failed"] == 0 for c in results.values()), results
    with conn.cursor() as cur:
        cur.execute("select stage, status, count(*) from stage_runs group by 1, 2")
        statuses = {(stage, status): n for stage, status, n in cur.fetchall()}
        cur.execute("select value_num, value_low, value_high from claims"
                    " where value_num is not null or value_low is not null")
        values = [v for row in cur.fetchall() for v in row if v is not None]
        cur.execute("select c.value_num from claims c join document_versions v using"
                    " (document_version_id) where v.title = 'Control' and c.kind = 'quantity'")
        control = [row[0] for row in cur.fetchall()]
        cur.execute("select value_num from observations where value_num is not null")
        observed = [row[0] for row in cur.fetchall()]
    assert sum(n for (_, status), n in statuses.items() if status == "failed") == 0
    assert statuses[("extract", "done")] == len(HUGE_NUMBER_FILES) + 1
    # No infinity, no NaN, nothing beyond what a figure in the news can be.
    assert all(abs(v) < 1e16 for v in values + observed), sorted(values + observed)[-3:]
    assert 100000 in control
