"""A loopback news site for `storywatch demo`: the follow-up articles as feeds and pages.

Each outlet of the follow-up articles gets an RSS feed (named after it, so the
outlet stays the articles' source) whose items link to one HTML page per
article. The demo polls these feeds with the real fetcher, which is allowed
this one loopback address and nothing else.
"""
from __future__ import annotations

import email.utils
import html
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from storywatch.sources.article_files import (
    ArticleFile,
    ArticleFileError,
    find_article_files,
    read_article_file,
)

HOST = "127.0.0.1"
# A fixed port keeps the articles' URLs, hence their identities, the same from one demo run
# to the next; when it is taken the demo uses any free port.
DEFAULT_PORT = 47811


@dataclass(frozen=True, slots=True)
class DemoSite:
    """Where the loopback site answers, and its feeds as (url, outlet name)."""

    base_url: str
    feeds: tuple[tuple[str, str], ...]
    routes: dict[str, tuple[str, bytes]]

    def page_url(self, stem: str) -> str | None:
        """The URL of the page made from the article file named `stem`, if there is one."""
        return next((self.base_url + path for path in self.routes
                     if path.endswith(f"/{stem}.html")), None)

    def append_paragraph(self, url: str, paragraph: str) -> None:
        """Edit a page as a newsroom would: the same article with one paragraph more."""
        path = url.removeprefix(self.base_url)
        content_type, body = self.routes[path]
        addition = f"<p>{html.escape(paragraph)}</p></article>".encode()
        self.routes[path] = (content_type, body.replace(b"</article>", addition, 1))


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "news"


def read_follow_ups(folder: Path) -> list[ArticleFile]:
    """The article files of `folder` that have a source and a publication time."""
    articles = []
    for path, root in find_article_files([folder]):
        try:
            article = read_article_file(path, root)
        except ArticleFileError:
            continue
        if article.source and article.published_at:
            articles.append(article)
    return articles


def render_page(article: ArticleFile) -> bytes:
    """An article as a plain HTML page (headline, date, paragraphs)."""
    paragraphs = "\n".join(f"<p>{html.escape(p.strip())}</p>"
                           for p in article.text.split("\n") if p.strip())
    published = article.published_at.isoformat() if article.published_at else ""
    page = (
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<title>{html.escape(article.title or '')}</title>"
        f"<meta property=\"article:published_time\" content=\"{published}\"></head>"
        f"<body><article><h1>{html.escape(article.title or '')}</h1>\n{paragraphs}"
        "</article></body></html>"
    )
    return page.encode("utf-8")


def render_feed(outlet: str, base_url: str, items: list[tuple[str, ArticleFile]]) -> bytes:
    """An RSS 2.0 feed of `items` (page path, article), newest first."""
    entries = []
    for path, article in sorted(items, key=lambda i: i[1].published_at or 0, reverse=True):
        assert article.published_at is not None
        entries.append(
            "<item>"
            f"<title>{html.escape(article.title or '')}</title>"
            f"<link>{html.escape(base_url + path)}</link>"
            f"<guid isPermaLink=\"true\">{html.escape(base_url + path)}</guid>"
            f"<pubDate>{email.utils.format_datetime(article.published_at)}</pubDate>"
            "</item>")
    return (
        "<?xml version=\"1.0\" encoding=\"utf-8\"?><rss version=\"2.0\"><channel>"
        f"<title>{html.escape(outlet)}</title><link>{html.escape(base_url)}</link>"
        f"<description>{html.escape(outlet)} (storywatch demo)</description>"
        + "".join(entries) + "</channel></rss>"
    ).encode("utf-8")


def _routes(articles: list[ArticleFile], base_url: str) -> tuple[dict[str, tuple[str, bytes]],
                                                                 list[tuple[str, str]]]:
    routes: dict[str, tuple[str, bytes]] = {
        "/robots.txt": ("text/plain; charset=utf-8", b"User-agent: *\nAllow: /\n"),
    }
    by_outlet: dict[str, list[tuple[str, ArticleFile]]] = {}
    for article in articles:
        assert article.source is not None
        path = f"/{_slug(article.source)}/{article.path.stem}.html"
        routes[path] = ("text/html; charset=utf-8", render_page(article))
        by_outlet.setdefault(article.source, []).append((path, article))
    feeds = []
    for outlet, items in sorted(by_outlet.items()):
        path = f"/feeds/{_slug(outlet)}.xml"
        routes[path] = ("application/rss+xml; charset=utf-8",
                        render_feed(outlet, base_url, items))
        feeds.append((base_url + path, outlet))
    return routes, feeds


@contextmanager
def serve_follow_ups(folder: Path, port: int = DEFAULT_PORT) -> Iterator[DemoSite]:
    """Serve `folder`'s articles on loopback for the duration of the block."""
    routes: dict[str, tuple[str, bytes]] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (the http.server interface)
            found = routes.get(self.path.split("?")[0])
            if found is None:
                self.send_error(404)
                return
            content_type, body = found
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            return  # the demo prints what matters itself

    try:
        server = ThreadingHTTPServer((HOST, port), Handler)
    except OSError:
        server = ThreadingHTTPServer((HOST, 0), Handler)
    base_url = f"http://{HOST}:{server.server_address[1]}"
    table, feeds = _routes(read_follow_ups(folder), base_url)
    routes.update(table)
    thread = threading.Thread(target=server.serve_forever, name="demo-site", daemon=True)
    thread.start()
    try:
        yield DemoSite(base_url, tuple(feeds), routes)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
