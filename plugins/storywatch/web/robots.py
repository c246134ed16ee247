"""robots.txt for article pages: fetched through the safe fetcher, cached with an expiry.

Status handling follows RFC 9309: a file that is there (2xx) is parsed; one
that is "unavailable" (4xx, including 401 and 403) allows everything; one that
is "unreachable" (5xx, 429, timeouts, broken connections) disallows everything
until a shorter expiry passes. Only the first 512 KiB are parsed (the RFC's
minimum).

Matching is Protego's (the RFC 9309 parser Scrapy ships): the group whose
`User-agent` names our product token `storywatch` applies (case-insensitive,
the whole token: `only_exact_agents` keeps Protego from also taking a prefix
such as `story`; groups naming it twice are merged), else the `*` group, else
nothing is disallowed; within it the
rule with the longest matching path wins, `Allow` on a tie; `*` matches any run
of characters and a final `$` anchors the end of the path; percent-encodings
are compared decoded. `urllib.robotparser` is not used: it takes `*` and `$`
literally and lets the first matching rule win, which lets through what sites
disallow.

`Crawl-delay` (not in RFC 9309, but widely written) of the applicable group is
honoured as a floor on the host's request interval: when a robots.txt is
fetched, its delay is handed to the politeness schedule (`set_crawl_delay`),
which every worker shares, until the entry expires.
"""

from __future__ import annotations

import functools
import re
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol
from urllib.parse import urlsplit

from protego import Protego

from storywatch.store.db import Connection
from storywatch.web.politeness import Politeness
from storywatch.web.transport import FetchError, parse_target


class RobotsResponse(Protocol):
    status: int
    text: str | None


class Fetcher(Protocol):
    """What robots.txt needs of `storywatch.web.fetch.Fetcher` (which holds a `Robots`)."""

    def fetch(self, url: str, *, accept: str, expect_text: bool) -> RobotsResponse: ...

AGENT = "storywatch"
PARSE_LIMIT = 512 * 1024
FOUND_TTL = timedelta(hours=24)
UNREACHABLE_TTL = timedelta(minutes=30)
# Reasons that say nothing about the site's wishes: they propagate instead of being cached.
PROPAGATED_REASONS = {"private_address", "scheme", "url", "backoff", "resolve"}


@dataclass(frozen=True, slots=True)
class RobotsEntry:
    """One origin's robots.txt, or the verdict when it has none."""

    verdict: str  # 'parsed', 'allow_all' or 'disallow_all'
    status: int | None
    body: str | None
    fetched_at: datetime
    expires_at: datetime


class RobotsCache(Protocol):
    """Where robots.txt entries are kept between fetches."""

    def get(self, origin: str) -> RobotsEntry | None:
        """The unexpired entry for `origin`, if any."""
        ...

    def put(self, origin: str, entry: RobotsEntry) -> None:
        """Store `entry` for `origin`, replacing any older one."""
        ...


class MemoryRobotsCache:
    """A RobotsCache for one process."""

    def __init__(self) -> None:
        self._entries: dict[str, RobotsEntry] = {}

    def get(self, origin: str) -> RobotsEntry | None:
        """The unexpired entry for `origin`, if any."""
        entry = self._entries.get(origin)
        return entry if entry and entry.expires_at > datetime.now(UTC) else None

    def put(self, origin: str, entry: RobotsEntry) -> None:
        """Store `entry` for `origin`, replacing any older one."""
        self._entries[origin] = entry


SELECT_ROBOTS = """
select verdict, status, body, fetched_at, expires_at
from robots_cache
where origin = %s and expires_at > now()
"""

UPSERT_ROBOTS = """
insert into robots_cache (origin, verdict, status, body, fetched_at, expires_at)
values (%s, %s, %s, %s, %s, %s)
on conflict (origin) do update
set verdict = excluded.verdict,
    status = excluded.status,
    body = excluded.body,
    fetched_at = excluded.fetched_at,
    expires_at = excluded.expires_at
"""


class PgRobotsCache:
    """A RobotsCache in the `robots_cache` table, shared by every worker.

    Give it a connection of its own (each call commits), or PgPoliteness's with its lock.
    """

    def __init__(self, conn: Connection, *, lock: threading.Lock | None = None) -> None:
        self.conn = conn
        # Pass the lock of whatever else uses `conn` (PgPoliteness.lock), so transactions never interleave.
        self._lock = lock or threading.Lock()

    def get(self, origin: str) -> RobotsEntry | None:
        """The unexpired entry for `origin`, if any."""
        with self._lock, self.conn, self.conn.cursor() as cur:
            cur.execute(SELECT_ROBOTS, (origin,))
            row = cur.fetchone()
        return RobotsEntry(*row) if row else None

    def put(self, origin: str, entry: RobotsEntry) -> None:
        """Store `entry` for `origin`, replacing any older one."""
        with self._lock, self.conn, self.conn.cursor() as cur:
            cur.execute(
                UPSERT_ROBOTS,
                (
                    origin,
                    entry.verdict,
                    entry.status,
                    entry.body,
                    entry.fetched_at,
                    entry.expires_at,
                ),
            )


def origin_of(url: str) -> str:
    """scheme://host[:port] of `url`, the unit robots.txt applies to."""
    parts = urlsplit(url)
    return f"{parts.scheme.lower()}://{(parts.netloc.rsplit('@', 1)[-1]).lower()}"


def entry_from_status(status: int, text: str | None, now: datetime) -> RobotsEntry:
    """The cache entry for a robots.txt answered with HTTP `status`."""
    if 200 <= status < 300:
        return RobotsEntry("parsed", status, (text or "")[:PARSE_LIMIT], now, now + FOUND_TTL)
    if 400 <= status < 500 and status != 429:
        return RobotsEntry("allow_all", status, None, now, now + FOUND_TTL)
    return RobotsEntry("disallow_all", status, None, now, now + UNREACHABLE_TTL)


# A User-agent line as Protego reads it ("User-agent:", "User agent", "useragent"; any case).
USER_AGENT_LINE = re.compile(r"^(\s*user[- ]?agent\b\s*:?)([^#]*)(.*)$", re.IGNORECASE)
OTHER_AGENT = "x-storywatch-other"  # a token no group of ours can be confused with


def only_exact_agents(body: str, agent: str = AGENT) -> str:
    """`body` with every User-agent that is neither `*` nor exactly `agent` renamed OTHER_AGENT.

    RFC 9309 matches the product token case-insensitively and as a whole; Protego also
    takes a group whose token is a prefix of ours (`User-agent: story` would bind
    storywatch). Renaming keeps the lines, so groups still start and end where they did.
    """
    lines = []
    for line in body.splitlines():
        match = USER_AGENT_LINE.match(line)
        if match:
            token = match.group(2).strip().lower()
            if token and token != "*" and token.replace("*", "") != agent:
                line = f"{match.group(1)} {OTHER_AGENT}{match.group(3)}"
        lines.append(line)
    return "\n".join(lines)


@functools.lru_cache(maxsize=256)
def parse_rules(body: str) -> Protego:
    """The parsed robots.txt `body` (kept for the next URL of the same site)."""
    return Protego.parse(only_exact_agents(body))


def entry_allows(entry: RobotsEntry, url: str, agent: str = AGENT) -> bool:
    """True when `entry` lets `agent` fetch `url`."""
    if entry.verdict != "parsed":
        return entry.verdict == "allow_all"
    return bool(parse_rules(entry.body or "").can_fetch(url, agent))


def entry_crawl_delay(entry: RobotsEntry, agent: str = AGENT) -> float | None:
    """Seconds the group for `agent` asks between requests (`Crawl-delay`), if it says."""
    if entry.verdict != "parsed":
        return None
    delay = parse_rules(entry.body or "").crawl_delay(agent)
    return float(delay) if delay else None


class Robots:
    """Answers "may storywatch fetch this URL?", fetching and caching robots.txt as needed.

    With a `politeness` schedule, the `Crawl-delay` of each robots.txt fetched
    becomes the floor of its host's interval until the entry expires.
    """

    def __init__(self, cache: RobotsCache, politeness: Politeness | None = None) -> None:
        self.cache = cache
        self.politeness = politeness

    def allows(self, fetcher: Fetcher, url: str) -> bool:
        """True when the robots.txt of `url`'s origin lets storywatch fetch it."""
        origin = origin_of(url)
        entry = self.cache.get(origin)
        if entry is None:
            entry = self.fetch_entry(fetcher, origin)
            self.cache.put(origin, entry)
            delay = entry_crawl_delay(entry)
            if delay and self.politeness is not None:
                self.politeness.set_crawl_delay(parse_target(url).host, delay, entry.expires_at)
        return entry_allows(entry, url)

    def fetch_entry(self, fetcher: Fetcher, origin: str) -> RobotsEntry:
        """Fetch `origin`/robots.txt and turn the outcome into a cache entry."""
        now = datetime.now(UTC)
        try:
            response = fetcher.fetch(f"{origin}/robots.txt", accept="text/plain", expect_text=False)
        except FetchError as exc:
            if exc.reason in PROPAGATED_REASONS:
                raise
            return RobotsEntry("disallow_all", None, None, now, now + UNREACHABLE_TTL)
        if (
            300 <= response.status < 400
        ):  # a redirect without a Location, or a 304 we never asked for
            return RobotsEntry("allow_all", response.status, None, now, now + FOUND_TTL)
        return entry_from_status(response.status, response.text, now)
