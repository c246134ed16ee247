"""Discovery without a database: the variable's templates, query encoding, `discover:` in threads.yml."""
from __future__ import annotations

import pytest

from storywatch.sources.discovery import (
    PRESETS,
    DiscoveryError,
    SearchFeed,
    parse_templates,
    search_feeds,
    search_url,
)
from storywatch.tracking.threads import ThreadsError, parse_threads

THREAD = """threads:
  - slug: test-thread
    title: A test thread
    match:
      any_of: [{term: "talks", weight: 1}]
    slots:
      - name: talks_state
        type: text
        patterns: ["talks are (?P<value>\\\\w+)"]
"""


def test_templates_and_presets_are_read_from_the_variable_in_order_without_repeats():
    raw = " gdelt , https://search.test/rss?q={query} ,gdelt,"
    assert parse_templates(raw) == ("gdelt", "https://search.test/rss?q={query}")
    assert parse_templates("") == ()


@pytest.mark.parametrize(("raw", "message"), [
    ("gdlet", "unknown preset 'gdlet'"),
    ("https://search.test/rss?q=fixed", "has no {query} placeholder"),
    ("ftp://search.test/{query}", "is not an http(s) URL"),
])
def test_a_bad_template_is_refused_naming_it(raw, message):
    with pytest.raises(DiscoveryError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_templates(raw)


def test_the_query_is_url_encoded_on_substitution():
    url = search_url("https://search.test/rss?q={query}&n=5", 'Iran "nuclear talks" & IAEA/UN')
    assert url == "https://search.test/rss?q=Iran%20%22nuclear%20talks%22%20%26%20IAEA%2FUN&n=5"


def test_every_preset_is_an_https_template_asking_for_rss():
    for name, template in PRESETS.items():
        assert template.startswith("https://") and "{query}" in template, name
        assert "format=rss" in template.lower(), name
    feed = SearchFeed("t", "JCPOA", "gdelt")
    assert feed.url.startswith("https://api.gdeltproject.org/api/v2/doc/doc?query=JCPOA&mode=ArtList")


def test_each_query_meets_each_template_once():
    feeds = search_feeds([("a", "q1"), ("a", "q2"), ("a", "q1")], ["t1{query}", "t2{query}"])
    assert [(f.query, f.template) for f in feeds] == [
        ("q1", "t1{query}"), ("q1", "t2{query}"), ("q2", "t1{query}"), ("q2", "t2{query}")]


def test_discover_reads_queries_and_seed_entities():
    text = THREAD + "    discover:\n      queries: [\"Vienna talks\", JCPOA]\n      seed_entities: true\n"
    (thread,) = parse_threads(text)
    assert thread.discover.queries == ("Vienna talks", "JCPOA") and thread.discover.seed_entities
    (plain,) = parse_threads(THREAD)
    assert not plain.discover.enabled


@pytest.mark.parametrize(("block", "message"), [
    ("    discover:\n      querys: [a]\n", "threads.yml line 11: unknown key 'querys' in 'discover' of "
                                          "thread 'test-thread' (did you mean 'queries'?)"),
    ("    discover:\n      queries: [a, a]\n", "threads.yml line 11: the query 'a' is listed twice"),
    ("    discover:\n      seed_entities: yes please\n",
     "threads.yml line 11: 'seed_entities' of 'discover' of thread 'test-thread' must be true or false"),
    ("    discover:\n      queries: \"just one\"\n", "threads.yml line 11: the queries of 'discover'"),
    ("    discover: {}\n", "threads.yml line 10: 'discover' of thread 'test-thread' is empty"),
])
def test_a_bad_discover_block_is_reported_with_its_line(block, message):
    with pytest.raises(ThreadsError) as caught:
        parse_threads(THREAD + block)
    assert message in str(caught.value)
