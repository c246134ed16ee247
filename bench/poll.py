"""One poll cycle over 1,000 feeds on local servers: wall time, requests sent, politeness kept.

    PYTHONPATH=plugins python bench/poll.py [--feeds 1000] [--hosts 200] [--changed 0.05]
                                            [--workers N] [--quick]

The feeds live on made-up host names (site0.bench.test, ...) that the fetcher's injected
resolver maps to loopback addresses 127.0.0.2-127.0.0.17, each served by a local HTTP server
(STORYWATCH_ALLOWED_NETWORKS=127.0.0.0/8 for this process only; no real DNS is asked). Every
feed was polled before (its ETag is stored); most answer 304 Not Modified, a share has two
new items whose pages are then fetched. The cycle is storywatch's own poll path:
feeds.due_feed_batches, then feeds.poll_batch on each batch with a fetcher whose per-host
politeness lives in PostgreSQL (fetch.connect_fetcher), at the default 2 s per host. The
servers log each request's host and time, so the report also shows the smallest gap between
two requests to one host: politeness intact means it is never under the host interval.
Aim (issue 7): under 60 s on this 2-core machine.
"""
from __future__ import annotations

import argparse
import http.server
import os
import sys
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import benchkit  # noqa: E402
from benchkit import REPO  # noqa: E402

from storywatch.settings import Settings  # noqa: E402
from storywatch.sources.feeds import due_feed_batches, poll_batch, poll_due  # noqa: E402
from storywatch.store import migrate  # noqa: E402
from storywatch.store.db import connect  # noqa: E402
from storywatch.web.fetch import connect_fetcher  # noqa: E402

DATABASE = "storywatch_bench_poll"
ADDRESSES = [f"127.0.0.{i}" for i in range(2, 18)]
BATCH_SIZE = 50
MODES = {"cycle": "`storywatch poll` (feeds.poll_due)",
         "batches": "due_feed_batches, then poll_batch per batch in turn"}

FEED = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Feed {feed}</title><link>http://{host}/</link>
<description>Bench feed {feed}</description>
{items}
</channel></rss>
"""
ITEM = """<item><title>Story {feed}-{n}</title><link>http://{host}/article/{feed}/{n}.html</link>
<guid>http://{host}/article/{feed}/{n}.html</guid><pubDate>Mon, 14 Feb 2022 10:0{n}:00 GMT</pubDate>
<description>Summary of story {feed}-{n}.</description></item>"""
PAGE = """<!doctype html><html><head><title>Story {feed}-{n}</title>
<meta property="article:published_time" content="2022-02-14T10:00:00Z"></head>
<body><article><h1>Story {feed}-{n}</h1>
{paragraphs}
</article></body></html>"""
PARAGRAPH = ("<p>Officials in the capital said on Monday that talks on the matter of feed {feed} "
             "would resume next week, after a pause of several days in which neither side "
             "published its figures. Paragraph {i} of story {n} adds detail.</p>")


class Log:
    """What the servers saw: every request's host, path, time and answer."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.requests: list[tuple[str, str, float, int]] = []

    def add(self, host: str, path: str, status: int) -> None:
        with self.lock:
            self.requests.append((host, path, time.monotonic(), status))


def make_handler(log: Log, changed: set[int]) -> type[http.server.BaseHTTPRequestHandler]:
    """A request handler serving the bench feeds, pages and robots.txt."""

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *_args: object) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802 (the standard library's name)
            authority = self.headers.get("Host") or ""
            host = authority.split(":")[0]
            path = self.path
            if path.startswith("/feed/"):
                feed = int(path.split("/")[2].split(".")[0])
                etag = f'"v2-{feed}"' if feed in changed else f'"v1-{feed}"'
                if self.headers.get("If-None-Match") == etag:
                    self._send(host, 304, b"", "application/rss+xml", etag)
                    return
                items = "\n".join(ITEM.format(feed=feed, n=n, host=authority)
                                  for n in (range(1, 3) if feed in changed else []))
                body = FEED.format(feed=feed, host=authority, items=items).encode()
                self._send(host, 200, body, "application/rss+xml", etag)
            elif path.startswith("/article/"):
                _, _, feed, leaf = path.split("/")
                n = leaf.split(".")[0]
                paragraphs = "\n".join(PARAGRAPH.format(feed=feed, n=n, i=i) for i in range(6))
                body = PAGE.format(feed=feed, n=n, paragraphs=paragraphs).encode()
                self._send(host, 200, body, "text/html; charset=utf-8", None)
            else:
                self._send(host, 404, b"not here", "text/plain", None)

        def _send(self, host: str, status: int, body: bytes, ctype: str, etag: str | None) -> None:
            log.add(host, self.path, status)
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            if etag:
                self.send_header("ETag", etag)
            self.end_headers()
            if body:
                self.wfile.write(body)

    return Handler


def start_servers(log: Log, changed: set[int]) -> tuple[list[http.server.ThreadingHTTPServer], int]:
    """One threaded HTTP server per loopback address, all on the same port."""
    handler = make_handler(log, changed)
    first = http.server.ThreadingHTTPServer((ADDRESSES[0], 0), handler)
    port = first.server_address[1]
    servers = [first] + [http.server.ThreadingHTTPServer((a, port), handler)
                         for a in ADDRESSES[1:]]
    for server in servers:
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
    return servers, port


def host_name(i: int) -> str:
    """The made-up name of host `i`."""
    return f"site{i}.bench.test"


def resolver_for(hosts: int) -> object:
    """Made-up names to loopback addresses, without DNS."""
    table = {host_name(i): ADDRESSES[i % len(ADDRESSES)] for i in range(hosts)}

    def resolve(host: str, _port: int) -> list[str]:
        if host not in table:
            raise OSError(f"{host} is not a bench host")
        return [table[host]]

    return resolve


INSERT_FEED = """
insert into feeds (feed_id, url, name, etag, body_sha256, last_polled_at, last_status,
                   next_poll_at, poll_interval)
overriding system value
values (%s, %s, %s, %s, %s, now() - interval '1 hour', 200, now() - interval '1 minute',
        interval '30 minutes')
"""


def run(feeds: int, hosts: int, changed_share: float, mode: str, workers: int) -> dict[str, object]:
    """Set up the feeds, run one poll cycle, and say what happened."""
    os.environ["STORYWATCH_ALLOWED_NETWORKS"] = "127.0.0.0/8"
    settings = Settings.from_env()
    step = max(1, round(1 / changed_share)) if changed_share > 0 else 0
    changed = {f for f in range(1, feeds + 1) if step and f % step == 0}
    log = Log()
    servers, port = start_servers(log, changed)
    try:
        with benchkit.scratch_database(f"{DATABASE}_{os.getpid()}_{workers}") as url:
            conn = connect(url, application_name="bench-poll")
            migrate.upgrade(conn, REPO / "sql")
            with conn.cursor() as cur:
                for f in range(1, feeds + 1):
                    host = host_name(f % hosts)
                    cur.execute(INSERT_FEED, (f, f"http://{host}:{port}/feed/{f}.xml",
                                              f"Feed {f}", f'"v1-{f}"', "0" * 64))
            conn.commit()
            fetcher = connect_fetcher(settings, url, resolver=resolver_for(hosts))
            options = {"workers": workers, "database_url": url} if workers > 1 else {}
            with conn.cursor() as cur:
                cur.execute("select now()")
                cycle_start = cur.fetchone()[0]  # type: ignore[index]
            conn.rollback()
            t0 = time.monotonic()
            totals: Counter[str] = Counter()
            if mode == "cycle":  # what `storywatch poll` runs
                batches = due_feed_batches(conn, BATCH_SIZE)
                totals.update(poll_due(conn, fetcher, settings=settings, batch_size=BATCH_SIZE,
                                       **options))  # type: ignore[arg-type]
            else:  # what the poll DAG's mapped tasks run, here one batch after another
                batches = due_feed_batches(conn, BATCH_SIZE)
                for batch in batches:
                    totals.update(poll_batch(conn, batch, fetcher, settings=settings,
                                             **options))  # type: ignore[arg-type]
                    print(f"batch of {len(batch)} feeds polled at "
                          f"{time.monotonic() - t0:.1f} s", file=sys.stderr)
            wall = time.monotonic() - t0
            fetcher.close()
            with conn.cursor() as cur:
                cur.execute("select count(*) from feeds where last_polled_at >= %s "
                            "and next_poll_at > now()", (cycle_start,))
                polled = int(cur.fetchone()[0])  # type: ignore[index]
                cur.execute("select count(*) from documents")
                documents = int(cur.fetchone()[0])  # type: ignore[index]
            conn.close()
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()
    print(f"poll counts: {dict(totals)}", file=sys.stderr)
    statuses = Counter(status for _h, _p, _t, status in log.requests)
    by_host: dict[str, list[float]] = defaultdict(list)
    for host, _path, when, _status in log.requests:
        by_host[host].append(when)
    gaps = [b - a for times in by_host.values() for a, b in zip(sorted(times), sorted(times)[1:], strict=False)]
    return {
        "feeds": feeds, "hosts": hosts, "changed": len(changed), "workers": workers,
        "mode": mode,
        "batches": len(batches), "wall": wall, "requests": len(log.requests),
        "statuses": dict(sorted(statuses.items())), "feeds_polled": polled,
        "documents": documents, "counts": dict(totals),
        "min_gap": min(gaps) if gaps else None, "interval": settings.host_interval,
    }


def report(results: Sequence[dict[str, object]]) -> str:
    """The markdown section for RESULTS.md."""
    rows = []
    for r in results:
        gap = r["min_gap"]
        rows.append([
            MODES[str(r["mode"])], r["feeds"], r["hosts"], r["changed"], r["workers"],
            r["batches"],
            f"{r['wall']:.1f} s" + ("" if float(r["wall"]) < 60 else " **over 60 s**"),
            r["requests"], ", ".join(f"{k}: {v}" for k, v in r["statuses"].items()),
            r["feeds_polled"], r["documents"],
            "n/a" if gap is None else f"{gap:.2f} s (interval {r['interval']:.0f} s)",
        ])
    return "\n".join([
        "## Poll: one cycle over many feeds on loopback hosts", "",
        benchkit.markdown_table(
            ["path", "feeds", "hosts", "changed feeds", "workers", "batches", "wall time",
             "requests", "answers", "feeds polled", "articles stored",
             "smallest gap between requests to one host"], rows),
    ])


def main(argv: Sequence[str] | None = None) -> int:
    """Run the poll benchmark, print and record the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--feeds", type=int, default=1000)
    parser.add_argument("--hosts", type=int, default=200)
    parser.add_argument("--changed", type=float, default=0.05, help="share of feeds with news")
    parser.add_argument("--runs", default="cycle:8,batches:8",
                        help="comma-separated MODE:WORKERS; cycle = poll_due (storywatch poll), "
                             "batches = due_feed_batches then poll_batch on each batch in turn")
    parser.add_argument("--quick", action="store_true", help="200 feeds on 40 hosts")
    parser.add_argument("--no-results", action="store_true", help="print only; leave RESULTS.md")
    args = parser.parse_args(argv)
    feeds, hosts = (200, 40) if args.quick else (args.feeds, args.hosts)
    runs = [r.split(":") for r in args.runs.split(",")]
    results = [run(feeds, hosts, args.changed, mode, int(w)) for mode, w in runs]
    text = report(results)
    print(text)
    if not args.no_results:
        benchkit.write_section("poll-quick" if args.quick else "poll", text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
