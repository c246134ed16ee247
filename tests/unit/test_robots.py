"""robots.txt for article pages: honoured, cached, RFC 9309's status and matching rules, Crawl-delay."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from storywatch.web.fetch import Fetcher, FetchError
from storywatch.web.politeness import MemoryPoliteness
from storywatch.web.robots import (
    MemoryRobotsCache,
    entry_allows,
    entry_crawl_delay,
    entry_from_status,
    origin_of,
)
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


# RFC 9309 matching, rule by rule: (robots.txt, path, allowed). Each case is one the
# first-match, literal-wildcard reading of urllib.robotparser gets wrong or one that pins
# the precedence around it.
RFC_9309_CASES = {
    "wildcard in the middle": ("User-agent: *\nDisallow: /*.pdf\n", "/reports/a.pdf", False),
    "wildcard leaves other paths": ("User-agent: *\nDisallow: /*.pdf\n", "/reports/a.html", True),
    "trailing wildcard is a prefix": ("User-agent: *\nDisallow: /search*\n", "/search?q=x", False),
    "dollar anchors the end": ("User-agent: *\nDisallow: /*.php$\n", "/index.php", False),
    "dollar lets longer paths through": ("User-agent: *\nDisallow: /*.php$\n", "/index.php?x=1", True),
    "longest match wins over an earlier allow": (
        "User-agent: *\nAllow: /news/\nDisallow: /news/private\n", "/news/private/x", False),
    "longest match wins over an earlier disallow": (
        "User-agent: *\nDisallow: /news/\nAllow: /news/public\n", "/news/public/x", True),
    "allow wins a tie": ("User-agent: *\nDisallow: /page\nAllow: /page\n", "/page", True),
    "allow wins a tie whatever the order": (
        "User-agent: *\nAllow: /page\nDisallow: /page\n", "/page", True),
    "matching is case-sensitive on paths": ("User-agent: *\nDisallow: /Private\n", "/private", True),
    "percent-encodings compare decoded": (
        "User-agent: *\nDisallow: /caf%C3%A9\n", "/café/menu", False),
    "empty disallow allows everything": ("User-agent: *\nDisallow:\n", "/anything", True),
    "robots.txt itself is always allowed": ("User-agent: *\nDisallow: /\n", "/robots.txt", True),
}


@pytest.mark.parametrize("robots, path, allowed", RFC_9309_CASES.values(), ids=RFC_9309_CASES.keys())
def test_rules_match_as_rfc_9309_says(robots, path, allowed):
    entry = entry_from_status(200, robots, datetime.now(UTC))
    assert entry_allows(entry, f"https://news.test{path}") is allowed


GROUPS = """\
User-agent: otherbot
Disallow: /

User-agent: *
Disallow: /everyone-else/

User-agent: StoryWatch
Disallow: /first-group/

User-agent: somebot
User-agent: storywatch
Disallow: /second-group/
Crawl-delay: 7
"""


def test_our_groups_apply_merged_and_the_star_group_does_not():
    entry = entry_from_status(200, GROUPS, datetime.now(UTC))
    assert not entry_allows(entry, "https://news.test/first-group/x")  # case-insensitive token
    assert not entry_allows(entry, "https://news.test/second-group/x")  # merged with the first
    assert entry_allows(entry, "https://news.test/everyone-else/x")  # '*' is only a fallback
    assert entry_allows(entry, "https://news.test/story")  # otherbot's group is not ours
    assert entry_crawl_delay(entry) == 7.0


def test_star_group_and_its_crawl_delay_apply_when_none_names_us():
    entry = entry_from_status(
        200, "User-agent: otherbot\nCrawl-delay: 30\n\nUser-agent: *\nCrawl-delay: 1.5\n",
        datetime.now(UTC),
    )
    assert entry_crawl_delay(entry) == 1.5
    nothing = entry_from_status(200, "User-agent: otherbot\nCrawl-delay: 30\n", datetime.now(UTC))
    assert entry_crawl_delay(nothing) is None
    assert entry_allows(nothing, "https://news.test/x")


@pytest.mark.parametrize("robots, path, allowed", RFC_9309_CASES.values(), ids=RFC_9309_CASES.keys())
def test_each_rule_holds_against_a_loopback_site(robots, path, allowed, http_server):
    http_server.robots(robots)
    if path != "/robots.txt":
        http_server.static(path.split("?")[0], "page")
    fetcher = make_fetcher(http_server)
    url = http_server.url(path)
    if allowed:
        assert fetcher.fetch(url, check_robots=True).status in (200, 404)
    else:
        with pytest.raises(FetchError) as caught:
            fetcher.fetch(url, check_robots=True)
        assert caught.value.reason == "robots"
        assert len([r for r in http_server.requests if r.path != "/robots.txt"]) == 0


def test_group_selection_holds_against_a_loopback_site(http_server):
    http_server.robots(GROUPS).static("/everyone-else/x", "ok").static("/second-group/x", "no")
    fetcher = make_fetcher(http_server)
    assert fetcher.fetch(http_server.url("/everyone-else/x"), check_robots=True).text == "ok"
    with pytest.raises(FetchError):
        fetcher.fetch(http_server.url("/second-group/x"), check_robots=True)
    assert http_server.hits("/second-group/x") == 0


def test_crawl_delay_is_a_floor_on_the_host_interval(http_server):
    http_server.robots("User-agent: *\nCrawl-delay: 0.4\n")
    for i in range(3):
        http_server.static(f"/p{i}", "p")
    fetcher = Fetcher(http_server.settings(), politeness=MemoryPoliteness(0.05))
    for i in range(3):
        fetcher.fetch(http_server.url(f"/p{i}"), check_robots=True)
    pages = sorted(r.at for r in http_server.requests if r.path.startswith("/p"))
    gaps = [b - a for a, b in zip(pages, pages[1:], strict=False)]
    assert len(pages) == 3 and min(gaps) >= 0.35, gaps


def test_crawl_delay_shorter_than_the_interval_changes_nothing():
    politeness = MemoryPoliteness(2.0)
    politeness.set_crawl_delay("news.test", 0.5, datetime.now(UTC) + timedelta(hours=1))
    assert politeness.reserve("news.test").wait == 0
    assert 1.9 < politeness.reserve("news.test").wait <= 2.0


def test_expired_crawl_delay_no_longer_applies():
    politeness = MemoryPoliteness(0.1)
    politeness.set_crawl_delay("news.test", 30, datetime.now(UTC) - timedelta(seconds=1))
    politeness.reserve("news.test")
    assert politeness.reserve("news.test").wait <= 0.1


@pytest.mark.parametrize("token", ["story", "storywatcher", "watch", "storywatch/1.0"])
def test_a_group_for_another_token_never_binds_storywatch(token):
    robots = f"User-agent: {token}\nDisallow: /\nCrawl-delay: 60\n\nUser-agent: *\nDisallow: /tmp/\n"
    entry = entry_from_status(200, robots, datetime.now(UTC))
    assert entry_allows(entry, "https://news.test/story")
    assert not entry_allows(entry, "https://news.test/tmp/x")  # the '*' group applies instead
    assert entry_crawl_delay(entry) is None


@pytest.mark.parametrize("line", ["User-agent: StoryWatch", "user agent storywatch",
                                  "User-Agent: storywatch*  # us", "useragent: storywatch"])
def test_every_way_of_naming_storywatch_binds_it(line):
    entry = entry_from_status(200, f"{line}\nDisallow: /ours/\n\nUser-agent: *\nDisallow: /\n",
                              datetime.now(UTC))
    assert entry_allows(entry, "https://news.test/story")
    assert not entry_allows(entry, "https://news.test/ours/x")
