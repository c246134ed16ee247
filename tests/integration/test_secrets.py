"""Secrets never reach logs, messages or stored rows: database passwords and URL credentials.

Each command runs as a user would run it (a subprocess, `-v` for every debug log
line), and its whole stderr and stdout are searched for the secret.
"""
from __future__ import annotations

import socket
import subprocess
import sys
from urllib.parse import urlsplit, urlunsplit

import pytest

from storywatch.settings import REPO_ROOT
from storywatch.sources.feeds import FeedError, add_feed, import_opml
from tests.newssite import PARAGRAPHS_A, Item, article_page, rss
from tests.ownserver import cli_env, error_lines

pytestmark = pytest.mark.integration

DB_SECRET = "Db-s3cret-7f1a"
URL_SECRET = "Url-t0ken-93c2"


def with_password(url: str, password: str) -> str:
    """`url` with `password` added to its user (the test servers trust local logins)."""
    parts = urlsplit(url)
    user, _, host = parts.netloc.rpartition("@")
    return urlunsplit(parts._replace(netloc=f"{user or 'postgres'}:{password}@{host}"))


def run(database_url: str, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "storywatch", "-v", *args],
                          env=cli_env(database_url, **extra), capture_output=True, text=True,
                          timeout=180)


def unused_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.parametrize("command", [["poll"], ["feeds", "list"], ["revisit"], ["db", "url"],
                                     ["ingest", str(REPO_ROOT / "seeds")]])
def test_database_password_is_in_no_output_when_the_server_cannot_be_reached(command):
    url = f"postgresql://storywatch:{DB_SECRET}@127.0.0.1:{unused_port()}/news"
    result = run(url, *command)
    assert DB_SECRET not in result.stderr + result.stdout
    if command != ["db", "url"]:
        assert result.returncode == 1 and len(error_lines(result.stderr)) == 1, result.stderr
        assert ":***@" in error_lines(result.stderr)[0]
    else:
        assert result.stdout.strip().startswith("postgresql://storywatch:***@127.0.0.1")


def test_database_password_is_in_no_debug_log_of_a_working_poll(database_url, conn, http_server):
    http_server.static("/feed.xml", rss([Item("One", "/p/1")]), content_type="application/rss+xml")
    http_server.static("/p/1", article_page("One", PARAGRAPHS_A))
    add_feed(conn, http_server.url("/feed.xml"))
    result = run(with_password(database_url, DB_SECRET), "poll",
                 STORYWATCH_ALLOWED_NETWORKS="127.0.0.0/8")
    assert result.returncode == 0, result.stderr
    assert "DEBUG" in result.stderr or "INFO" in result.stderr  # the logs were on
    assert DB_SECRET not in result.stderr + result.stdout


def test_feed_with_credentials_is_refused_without_echoing_them(database_url, conn):
    url = f"http://reader:{URL_SECRET}@news.test/feed.xml"
    with pytest.raises(FeedError) as caught:
        add_feed(conn, url)
    assert URL_SECRET not in str(caught.value) and "user name or password" in str(caught.value)
    result = run(database_url, "feeds", "add", url)
    assert result.returncode == 1 and URL_SECRET not in result.stderr + result.stdout
    report = import_opml(conn, (
        '<opml version="2.0"><body>'
        f'<outline text="Private" xmlUrl="https://reader:{URL_SECRET}@news.test/private.xml"/>'
        '<outline text="Open" xmlUrl="https://news.test/open.xml"/></body></opml>').encode())
    assert report.added == 1 and URL_SECRET not in repr(report.skipped)
    with conn.cursor() as cur:
        cur.execute("select url from feeds")
        assert cur.fetchall() == [("https://news.test/open.xml",)]


def test_credentials_in_fetched_links_are_never_sent_logged_or_stored(database_url, conn, http_server):
    port = http_server.port
    secret_link = f"http://editor:{URL_SECRET}@127.0.0.1:{port}/p/secret"
    items = [Item("Secret link", secret_link),
             Item("Redirected", "/p/redirect"),
             Item("Refused", f"http://admin:{URL_SECRET}@10.0.0.7/p/intranet")]
    http_server.static("/feed.xml", rss(items), content_type="application/rss+xml")
    http_server.static("/p/secret", article_page("Secret link", PARAGRAPHS_A))
    http_server.redirect("/p/redirect",
                         f"http://editor:{URL_SECRET}@169.254.169.254/latest/meta-data/")
    add_feed(conn, http_server.url("/feed.xml"))
    result = run(database_url, "poll", STORYWATCH_ALLOWED_NETWORKS="127.0.0.0/8")
    assert "INFO" in result.stderr, result.stderr
    assert URL_SECRET not in result.stderr + result.stdout
    assert all("authorization" not in r.headers for r in http_server.requests)
    assert http_server.hits("/p/secret") == 1
    with conn.cursor() as cur:
        cur.execute("select coalesce(url, '') || identity from documents")
        stored = " ".join(row[0] for row in cur.fetchall())
        cur.execute("select string_agg(item || ' ' || message, ' ') from item_errors")
        errors = cur.fetchone()[0] or ""
        cur.execute("select string_agg(coalesce(requested_url, '') || coalesce(final_url, ''), ' ')"
                    " from raw_responses")
        raw = cur.fetchone()[0] or ""
    assert "127.0.0.1" in stored and URL_SECRET not in stored
    assert "169.254.169.254" in errors and URL_SECRET not in errors
    assert URL_SECRET not in raw
