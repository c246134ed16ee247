"""`storywatch feeds|poll|revisit|purge-raw` as a user runs them, against the test database."""
from __future__ import annotations

import json

import pytest

from storywatch.cli.main import main
from storywatch.seeding import load_seeds
from tests.conftest import count_rows
from tests.newssite import PARAGRAPHS_A, Item, article_page, rss

pytestmark = pytest.mark.integration

OPML = b"""<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0"><head><title>My subscriptions</title></head><body>
  <outline text="World">
    <outline type="rss" text="Example World" title="Example World" xmlUrl="https://example.org/world.rss"/>
    <outline type="rss" text="Example Atom" xmlUrl="http://example.net/atom.xml" htmlUrl="http://example.net/"/>
  </outline>
  <outline type="rss" text="Local file" xmlUrl="file:///etc/passwd"/>
  <outline type="rss" text="Duplicate" xmlUrl="https://example.org/world.rss"/>
</body></opml>"""


@pytest.fixture
def cli_env(monkeypatch, database_url, conn):
    monkeypatch.setenv("STORYWATCH_DATABASE_URL", database_url)
    monkeypatch.setenv("STORYWATCH_ALLOWED_NETWORKS", "127.0.0.0/8")
    monkeypatch.setenv("STORYWATCH_HOST_INTERVAL", "0")
    return conn


def test_feeds_add_list_remove(cli_env, capsys):
    assert main(["feeds", "add", "https://example.org/world.rss", "--name", "Example World"]) == 0
    assert main(["feeds", "add", "http://example.net/atom.xml"]) == 0
    capsys.readouterr()
    assert main(["feeds", "list", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [list(row) for row in rows] == [["url", "name", "last_polled_at", "last_status",
                                            "last_error", "error_count", "next_poll_at", "active",
                                            "kind", "thread", "query"]] * 2
    assert {(r["url"], r["name"], r["active"], r["error_count"]) for r in rows} == {
        ("https://example.org/world.rss", "Example World", True, 0),
        ("http://example.net/atom.xml", None, True, 0),
    }
    assert main(["feeds", "list"]) == 0
    table = capsys.readouterr().out
    assert table.splitlines()[0].split()[:3] == ["url", "name", "active"] and "Example World" in table
    assert main(["feeds", "remove", "http://example.net/atom.xml"]) == 0
    assert count_rows(cli_env, "feeds") == 1
    assert main(["feeds", "remove", "http://example.net/atom.xml"]) == 1
    assert "no feed with URL" in capsys.readouterr().err


def test_feeds_add_refuses_a_url_that_is_not_http(cli_env, capsys):
    assert main(["feeds", "add", "file:///etc/passwd"]) == 1
    assert "not an http(s) URL" in capsys.readouterr().err
    assert count_rows(cli_env, "feeds") == 0


def test_feeds_import_opml_adds_each_feed_once_and_says_what_it_skipped(cli_env, capsys, tmp_path):
    path = tmp_path / "subscriptions.opml"
    path.write_bytes(OPML)
    assert main(["feeds", "import", str(path)]) == 0
    captured = capsys.readouterr()
    assert "2 feeds added, 0 already followed, 1 skipped" in captured.out
    assert "file:///etc/passwd: not an http(s) URL" in captured.err
    assert main(["feeds", "import", str(path)]) == 0
    assert "0 feeds added, 2 already followed" in capsys.readouterr().out
    assert count_rows(cli_env, "feeds") == 2


def test_feeds_import_refuses_an_opml_file_declaring_entities(cli_env, capsys, tmp_path):
    path = tmp_path / "bomb.opml"
    path.write_bytes(b'<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]>'
                     b'<opml version="2.0"><body><outline text="&b;" xmlUrl="https://e.org/&b;"/></body></opml>')
    assert main(["feeds", "import", str(path)]) == 1
    assert "declares XML entities" in capsys.readouterr().err
    assert count_rows(cli_env, "feeds") == 0


def test_poll_then_revisit_from_the_command_line(cli_env, capsys, http_server):
    http_server.static("/feed.xml", rss([Item("Troops massed", "/world/troops")]),
                       content_type="application/rss+xml")
    http_server.static("/world/troops", article_page("Troops massed", PARAGRAPHS_A))
    assert main(["feeds", "add", http_server.url("/feed.xml")]) == 0
    assert main(["poll"]) == 0
    out = capsys.readouterr().out
    assert "feeds: 1" in out and "new documents: 1" in out and "failed: 0" in out
    assert main(["poll"]) == 0  # nothing due any more
    assert "feeds: 0" in capsys.readouterr().out
    assert main(["revisit", "--all"]) == 0
    assert "articles: 1, unchanged: 1" in capsys.readouterr().out
    assert main(["purge-raw", "--days", "0"]) == 0
    assert "purged: 1" in capsys.readouterr().out


def test_poll_exits_1_when_a_feed_failed(cli_env, capsys, http_server):
    http_server.status("/feed.xml", 500)
    assert main(["feeds", "add", http_server.url("/feed.xml")]) == 0
    assert main(["poll"]) == 1
    assert "failed: 1" in capsys.readouterr().out


def test_load_seeds_adds_the_feeds_of_feeds_yml_once(conn, tmp_path):
    (tmp_path / "feeds.yml").write_text(
        "feeds:\n  - url: https://example.org/world.rss\n    name: Example World\n"
        "  - http://example.net/atom.xml\n", encoding="utf-8")
    assert load_seeds(conn, tmp_path)["new_feeds"] == 2
    assert load_seeds(conn, tmp_path)["new_feeds"] == 0
    assert count_rows(conn, "feeds") == 2
