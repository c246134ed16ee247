"""One safe, polite HTTP fetcher for feeds, article pages and robots.txt.

Built on `http.client` rather than urllib3 or requests because the safety rules
need the socket itself: the fetcher resolves the host through an injectable
resolver, refuses any address that is not public (unless allowed by
STORYWATCH_ALLOWED_NETWORKS), and `transport` connects to that checked address
(so a second DNS answer cannot swap it: DNS rebinding), checks the socket's
peer address again, and only then wraps it in TLS with SNI and certificate
checks against the host name. `http.client` takes such a ready socket as it is;
urllib3 would have to be patched below its public API to do the same.
Redirects are followed here, hop by hop, so every target goes through the same
checks (scheme, addresses, robots.txt when asked, the host's politeness slot)
before any packet is sent to it.

Limits: a connect timeout per address and a total deadline per fetch (time
spent waiting for a politeness slot or on robots.txt does not count), a size
cap while streaming, before and after gzip/deflate. Any HTTP status comes back
as a FetchResponse (a 429/503 also blocks the host for its Retry-After); transport,
safety and size problems raise FetchError with a short `reason` code and one
sentence for people:

| reason | meaning |
|---|---|
| scheme, url | not an http(s) URL, or a malformed one |
| resolve, private_address | the host has no address, or one outside public space and the allowed networks |
| connect, timeout, tls, protocol, incomplete | transport failures (timeout: connect or total deadline) |
| too_large, decode, content_type | body over the cap, corrupt compression, binary where text was expected |
| redirect_loop, too_many_redirects | redirects that go round or on too long |
| robots, backoff | robots.txt disallows (check_robots=True); the host asked us to wait (429/503) or its queue is full |
| http_status | only from FetchResponse.raise_for_status() |
"""

from __future__ import annotations

import email.utils
import http.client
import ssl
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

from storywatch import __version__
from storywatch.settings import Settings
from storywatch.web import bodies
from storywatch.web.addresses import (
    IPAddress,
    Resolver,
    describe,
    is_allowed,
    parse_ip,
    resolve_host,
)
from storywatch.web.charset import decode_body
from storywatch.web.politeness import DEFAULT_BACK_OFF, MemoryPoliteness, PgPoliteness, Politeness
from storywatch.web.robots import MemoryRobotsCache, PgRobotsCache, Robots, RobotsCache
from storywatch.web.transport import (
    REDIRECT_STATUSES,
    FetchError,
    Reply,
    Target,
    Transport,
    parse_target,
)
from storywatch.web.urls import without_credentials

BACK_OFF_STATUSES = {429, 503}
ACCEPT_HTML = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
ACCEPT_FEED = (
    "application/rss+xml,application/atom+xml,application/rdf+xml;q=0.9,"
    "application/xml;q=0.9,text/xml;q=0.9,*/*;q=0.5"
)
__all__ = [
    "ACCEPT_FEED",
    "ACCEPT_HTML",
    "FetchError",
    "FetchResponse",
    "Fetcher",
    "Target",
    "connect_fetcher",
    "parse_retry_after",
    "parse_target",
    "strip_fragment",
]


@dataclass(frozen=True, slots=True)
class FetchResponse:
    """What a server answered, after redirects, with the body decoded and capped."""

    requested_url: str
    url: str
    status: int
    headers: Mapping[str, str]
    body: bytes
    text: str | None
    encoding: str | None
    content_type: str | None
    etag: str | None
    last_modified: str | None
    redirects: tuple[str, ...]
    fetched_at: datetime

    @property
    def ok(self) -> bool:
        """True for a 2xx status."""
        return 200 <= self.status < 300

    @property
    def not_modified(self) -> bool:
        """True when the server answered 304 to the validators sent."""
        return self.status == 304

    def raise_for_status(self) -> None:
        """Raise FetchError (reason 'http_status') unless the status is 2xx or 304."""
        if not (self.ok or self.not_modified):
            reason = http.client.responses.get(self.status, "unknown status")
            raise FetchError(
                self.url, "http_status", f"{self.url} answered HTTP {self.status} ({reason})."
            )


def connect_fetcher(settings: Settings, database_url: str, **options: Any) -> Fetcher:
    """A Fetcher whose host slots and robots.txt cache live in PostgreSQL, for side-by-side workers.

    It opens one connection of its own (politeness and robots cache share it);
    close it with `fetcher.close()`. `options` go to Fetcher (timeouts, limits).
    """
    politeness = PgPoliteness.connect(database_url, settings.host_interval)
    robots_cache = PgRobotsCache(politeness.conn, lock=politeness.lock)
    return Fetcher(settings, politeness=politeness, robots_cache=robots_cache, **options)


def strip_fragment(url: str) -> str:
    """`url` without its #fragment (never sent to servers)."""
    return urlunsplit(urlsplit(url)._replace(fragment=""))


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After value (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - (now or datetime.now(UTC))).total_seconds(), 0.0)


class Fetcher:
    """Fetches http(s) URLs safely and politely; one instance serves many threads."""

    def __init__(
        self,
        settings: Settings,
        *,
        resolver: Resolver | None = None,
        politeness: Politeness | None = None,
        robots_cache: RobotsCache | None = None,
        user_agent: str | None = None,
        connect_timeout: float = 10,
        total_timeout: float = 30,
        max_bytes: int = 10 * 2**20,
        max_redirects: int = 5,
        tls_context: ssl.SSLContext | None = None,
    ) -> None:
        self.settings = settings
        self.resolver = resolver or resolve_host
        self.politeness = politeness or MemoryPoliteness(settings.host_interval)
        self.robots = Robots(robots_cache or MemoryRobotsCache(), self.politeness)
        self.user_agent = user_agent or f"storywatch/{__version__} (+{settings.contact_url})"
        self.connect_timeout = connect_timeout
        self.total_timeout = total_timeout
        self.max_bytes = max_bytes
        self.max_redirects = max_redirects
        # The system's CAs; a deployment behind a private CA (or a test) passes its own context.
        self.transport = Transport(
            settings.allowed_networks,
            tls_context or ssl.create_default_context(),
            connect_timeout,
            total_timeout,
        )

    def close(self) -> None:
        """Close the database connection of a PostgreSQL-backed politeness, if any."""
        conn = getattr(self.politeness, "conn", None)
        if conn is not None and not conn.closed:
            conn.close()

    def fetch(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        check_robots: bool = False,
        accept: str = ACCEPT_HTML,
        expect_text: bool = True,
        max_bytes: int | None = None,
    ) -> FetchResponse:
        """GET `url`, following redirects; any HTTP status returns, other failures raise FetchError.

        `expect_text` refuses (reason 'content_type') a 2xx body whose type is
        not text, XML or JSON. `max_bytes` lowers the size cap for this call.
        """
        # Credentials in a URL are never sent, stored or echoed in an error message (which
        # ends up in logs and item_errors): the URL is used without them from here on.
        url = without_credentials(url.strip())
        limit = min(max_bytes or self.max_bytes, self.max_bytes)
        headers = {
            "User-Agent": self.user_agent,
            "Accept": accept,
            "Accept-Encoding": "gzip, deflate",
            "Connection": "close",
        }
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        deadline = time.monotonic() + self.total_timeout
        current = strip_fragment(url.strip())
        seen: list[str] = []
        while True:
            target = parse_target(current)
            if check_robots:
                asked = time.monotonic()
                if not self.robots.allows(self, target.url):
                    raise FetchError(
                        url,
                        "robots",
                        f"{target.url} is disallowed for storywatch by its site's robots.txt.",
                    )
                deadline += time.monotonic() - asked  # robots.txt had its own deadline
            addresses = self.check_addresses(target)
            deadline += self._wait_for_slot(target)
            raw = self.transport.get(target, addresses, headers, deadline, limit, expect_text)
            if raw.status in BACK_OFF_STATUSES:
                wait = parse_retry_after(raw.headers.get("retry-after"))
                self.politeness.back_off(
                    target.host, DEFAULT_BACK_OFF if wait is None else wait, raw.status
                )
            location = raw.headers.get("location")
            if raw.status not in REDIRECT_STATUSES or not location:
                return self._response(url, current, raw, tuple(seen))
            seen.append(current)
            current = without_credentials(strip_fragment(urljoin(current, location.strip())))
            if current in seen:
                raise FetchError(
                    url, "redirect_loop", f"{url} redirects in a loop (back to {current})."
                )
            if len(seen) > self.max_redirects:
                raise FetchError(
                    url,
                    "too_many_redirects",
                    f"{url} redirects more than {self.max_redirects} times.",
                )

    def check_addresses(self, target: Target) -> list[IPAddress]:
        """The addresses to connect to for `target`; FetchError unless every one of them is allowed."""
        if target.ip is not None:
            found = [target.ip]
        else:
            try:
                found = [
                    a for a in (parse_ip(x) for x in self.resolver(target.host, target.port)) if a
                ]
            except (OSError, UnicodeError) as exc:
                raise FetchError(
                    target.url, "resolve", f"Could not resolve {target.host}: {exc}."
                ) from exc
            if not found:
                raise FetchError(
                    target.url, "resolve", f"Could not resolve {target.host}: no address."
                )
        for address in found:
            if not is_allowed(address, self.settings.allowed_networks):
                what = (
                    f"{address} is"
                    if target.ip is not None
                    else f"{target.host} resolves to {address},"
                )
                raise FetchError(
                    target.url,
                    "private_address",
                    f"Refused {target.url}: {what} {describe(address)} outside STORYWATCH_ALLOWED_NETWORKS.",
                )
        return found

    def _wait_for_slot(self, target: Target) -> float:
        slot = self.politeness.reserve(target.host)
        if not slot.granted:
            raise FetchError(
                target.url,
                "backoff",
                f"{target.host} is not asked again for {slot.wait:.0f} s (it asked us to wait, "
                "or enough requests to it are already queued); try later.",
            )
        time.sleep(slot.wait)
        return slot.wait

    def _response(
        self, requested: str, url: str, raw: Reply, redirects: tuple[str, ...]
    ) -> FetchResponse:
        content_type = raw.headers.get("content-type")
        text = "" if not raw.body and raw.status != 304 else None
        encoding = None
        if raw.body and (bodies.is_text_type(content_type) or not bodies.looks_binary(raw.body)):
            decoded = decode_body(raw.body, content_type)
            text, encoding = decoded.text, decoded.encoding
        return FetchResponse(
            requested_url=requested,
            url=url,
            status=raw.status,
            headers=raw.headers,
            body=raw.body,
            text=text,
            encoding=encoding,
            content_type=content_type,
            etag=raw.headers.get("etag"),
            last_modified=raw.headers.get("last-modified"),
            redirects=redirects,
            fetched_at=datetime.now(UTC),
        )
