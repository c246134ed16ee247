"""robots.txt for article pages: honoured, cached, and RFC 9309's status rules."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from storywatch.web.fetch import Fetcher, FetchError
from storywatch.web.politeness import MemoryPoliteness
from storywatch.web.robots import MemoryRobotsCache, entry_allows, entry_from_status, origin_of
from tests.httpserver import LocalServer

ROBOTS = """\
User-agent: *
Disallow: /private/

User-agent: storywatch
Disallow: /no-storywatch/
Disallow: /private/
"""


def make_fetcher(server: LocalServer, **kwargs: object) -> Fetcher:
    return Fetcher(server.settings(), politeness=MemoryPoliteness(0), **kwargs)  # type: ignore[arg-type]


def test_disallowed_page_is_refused_without_being_requested(http_server):
    http_server.robots(ROBOTS).static("/no-storywatch/story", "hidden")
    with pytest.raises(FetchError) as caught:
        make_fetcher(http_server).fetch(http_server.url("/no-storywatch/story"), check_robots=True)
    assert caught.value.reason == "robots"
    assert "robots.txt" in str(caught.value)
    assert http_server.hits("/no-storywatch/story") == 0


def test_allowed_pages_are_fetched_and_robots_txt_is_fetched_once(http_server):
    http_server.robots(ROBOTS).static("/news/1", "one").static("/news/2", "two")
    fetcher = make_fetcher(http_server)
    assert fetcher.fetch(http_server.url("/news/1"), check_robots=True).text == "one"
    assert fetcher.fetch(http_server.url("/news/2"), check_robots=True).text == "two"
    assert http_server.hits("/robots.txt") == 1


def test_robots_is_not_consulted_unless_asked(http_server):
    http_server.robots(ROBOTS).static("/private/feed", "feed")
    assert make_fetcher(http_server).fetch(http_server.url("/private/feed")).text == "feed"
    assert http_server.hits("/robots.txt") == 0


def test_missing_robots_txt_allows_everything(http_server):
    http_server.static("/private/x", "ok")  # /robots.txt answers 404
    assert (
        make_fetcher(http_server).fetch(http_server.url("/private/x"), check_robots=True).text
        == "ok"
    )


@pytest.mark.parametrize("status", [500, 503])
def test_robots_txt_server_error_disallows_for_a_while(status, http_server):
    http_server.robots("", status=status).static("/x", "ok")
    cache = MemoryRobotsCache()
    with pytest.raises(FetchError) as caught:
        make_fetcher(http_server, robots_cache=cache).fetch(
            http_server.url("/x"), check_robots=True
        )
    assert caught.value.reason == "robots"
    entry = cache.get(origin_of(http_server.url("/")))
    assert entry is not None and entry.verdict == "disallow_all"
    assert (entry.expires_at - entry.fetched_at).total_seconds() <= 3600


def test_robots_txt_that_stalls_disallows(http_server):
    http_server.stall("/robots.txt").static("/x", "ok")
    fetcher = make_fetcher(http_server, total_timeout=0.5)
    with pytest.raises(FetchError) as caught:
        fetcher.fetch(http_server.url("/x"), check_robots=True)
    assert caught.value.reason == "robots"


def test_robots_txt_behind_a_redirect_is_followed(http_server):
    http_server.redirect("/robots.txt", "/real-robots.txt")
    http_server.static(
        "/real-robots.txt", "User-agent: *\nDisallow: /\n", content_type="text/plain"
    )
    with pytest.raises(FetchError):
        make_fetcher(http_server).fetch(http_server.url("/x"), check_robots=True)


def test_status_rules_follow_rfc_9309():
    now = datetime.now(UTC)
    assert entry_from_status(200, "User-agent: *\nDisallow: /a", now).verdict == "parsed"
    assert entry_from_status(404, None, now).verdict == "allow_all"
    assert entry_from_status(403, None, now).verdict == "allow_all"
    assert entry_from_status(429, None, now).verdict == "disallow_all"
    assert entry_from_status(502, None, now).verdict == "disallow_all"


def test_group_for_storywatch_applies_and_others_do_not():
    now = datetime.now(UTC)
    entry = entry_from_status(
        200, "User-agent: otherbot\nDisallow: /\n\nUser-agent: *\nDisallow: /tmp/", now
    )
    assert entry_allows(entry, "https://news.test/story")
    assert not entry_allows(entry, "https://news.test/tmp/x")
