"""One safe, polite HTTP fetcher for feeds, article pages and robots.txt.

Built on `http.client` rather than urllib3 or requests because the safety rules
need the socket itself: the fetcher resolves the host through an injectable
resolver, refuses any address that is not public (unless allowed by
STORYWATCH_ALLOWED_NETWORKS), connects to that checked address (so a second DNS
answer cannot swap it: DNS rebinding), checks the socket's peer address again,
and only then wraps it in TLS with SNI and certificate checks against the host
name. `http.client` takes such a ready socket as it is; urllib3 would have to be
patched below its public API to do the same. Redirects are followed here, hop by
hop, so every target goes through the same checks before any packet is sent.

Limits: a connect timeout per address and a total deadline per fetch, enforced
by a watchdog that shuts the socket down (a server that drips one byte a second
cannot keep a worker); a size cap applied while streaming, to the bytes received
and to the bytes after gzip/deflate (gzip bombs). Any HTTP status comes back as
a FetchResponse; transport, safety and size problems raise FetchError with a
short `reason` code and a sentence for people.
"""
from __future__ import annotations

import email.utils
import http.client
import socket
import ssl
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urljoin, urlsplit, urlunsplit

from storywatch import __version__, bodies
from storywatch.addresses import IPAddress, Resolver, describe, is_allowed, parse_ip, resolve_host
from storywatch.charset import decode_body
from storywatch.errors import StorywatchError
from storywatch.politeness import DEFAULT_BACK_OFF, MemoryPoliteness, PgPoliteness, Politeness
from storywatch.robots import MemoryRobotsCache, PgRobotsCache, Robots, RobotsCache
from storywatch.settings import Settings

REDIRECT_STATUSES = {301, 302, 303, 307, 308}
BACK_OFF_STATUSES = {429, 503}
ACCEPT_HTML = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
ACCEPT_FEED = (
    "application/rss+xml,application/atom+xml,application/rdf+xml;q=0.9,"
    "application/xml;q=0.9,text/xml;q=0.9,*/*;q=0.5"
)
CHUNK = 64 * 1024
DEFAULT_PORTS = {"http": 80, "https": 443}


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
            raise FetchError(self.url, "http_status", f"{self.url} answered HTTP {self.status} ({reason}).")


class FetchError(StorywatchError):
    """A fetch that produced no usable response; `reason` is a short code, str() a sentence."""

    def __init__(self, url: str, reason: str, message: str) -> None:
        super().__init__(message)
        self.url = url
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Target:
    """A URL taken apart for one request."""

    url: str
    scheme: str
    host: str  # lower-case, IDNA-encoded
    port: int
    path: str  # request target: path and query, percent-encoded
    ip: IPAddress | None  # when the host is an IP literal

    @property
    def host_header(self) -> str:
        """The Host header value."""
        host = f"[{self.host}]" if self.ip is not None and self.ip.version == 6 else self.host
        return host if self.port == DEFAULT_PORTS[self.scheme] else f"{host}:{self.port}"


def connect_fetcher(settings: Settings, database_url: str, **options: Any) -> Fetcher:
    """A Fetcher whose host slots and robots.txt cache live in PostgreSQL, for side-by-side workers.

    It opens one connection of its own (politeness and robots cache share it);
    close it with `fetcher.close()`. `options` go to Fetcher (timeouts, limits).
    """
    politeness = PgPoliteness.connect(database_url, settings.host_interval)
    robots_cache = PgRobotsCache(politeness.conn, lock=politeness.lock)
    return Fetcher(settings, politeness=politeness, robots_cache=robots_cache, **options)


def parse_target(url: str) -> Target:
    """`url` as a request target; FetchError for schemes other than http(s) and malformed URLs."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        shown = f"{scheme}:" if scheme else "no scheme"
        raise FetchError(url, "scheme", f"Refused {url!r}: only http and https URLs are fetched ({shown}).")
    try:
        port = parts.port or DEFAULT_PORTS[scheme]
        hostname = parts.hostname
    except ValueError as exc:
        raise FetchError(url, "url", f"Refused {url!r}: the URL is malformed ({exc}).") from exc
    if not hostname:
        raise FetchError(url, "url", f"Refused {url!r}: the URL names no host.")
    ip = parse_ip(hostname) if ":" in hostname or hostname[-1].isdigit() else None
    if ip is None:
        try:
            hostname = hostname.rstrip(".").encode("idna").decode("ascii").lower()
        except UnicodeError as exc:
            raise FetchError(url, "url", f"Refused {url!r}: the host name is invalid ({exc}).") from exc
    path = quote(parts.path or "/", safe="/%!$&'()*+,;=:@-._~")
    if parts.query:
        path += "?" + quote(parts.query, safe="/?%!$&'()*+,;=:@-._~")
    return Target(url, scheme, str(ip) if ip else hostname, port, path, ip)


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


@dataclass(slots=True)
class _Watchdog:
    """Shuts a socket down at the deadline, so no read can outlive the total timeout."""

    sock: socket.socket
    seconds: float
    fired: bool = False
    timer: threading.Timer | None = field(default=None)

    def __enter__(self) -> _Watchdog:
        self.timer = threading.Timer(max(self.seconds, 0.0), self._fire)
        self.timer.daemon = True
        self.timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self.timer is not None
        self.timer.cancel()

    def _fire(self) -> None:
        self.fired = True
        try:
            # The plain socket method, so TLS state is left for the reading thread to fail on.
            socket.socket.shutdown(self.sock, socket.SHUT_RDWR)
        except OSError:
            pass


@dataclass(frozen=True, slots=True)
class _Raw:
    status: int
    headers: dict[str, str]
    body: bytes


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
        self.robots = Robots(robots_cache or MemoryRobotsCache())
        self.user_agent = user_agent or f"storywatch/{__version__} (+{settings.contact_url})"
        self.connect_timeout = connect_timeout
        self.total_timeout = total_timeout
        self.max_bytes = max_bytes
        self.max_redirects = max_redirects
        # The system's CAs; a deployment behind a private CA (or a test) passes its own context.
        self.tls = tls_context or ssl.create_default_context()

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
        limit = min(max_bytes or self.max_bytes, self.max_bytes)
        headers = {"User-Agent": self.user_agent, "Accept": accept, "Accept-Encoding": "gzip, deflate",
                   "Connection": "close"}
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
                    raise FetchError(url, "robots", f"{target.url} is disallowed for storywatch by its site's robots.txt.")
                deadline += time.monotonic() - asked  # robots.txt had its own deadline
            addresses = self.check_addresses(target)
            deadline += self._wait_for_slot(target)
            raw = self._request(target, addresses, headers, deadline, limit, expect_text)
            if raw.status in BACK_OFF_STATUSES:
                wait = parse_retry_after(raw.headers.get("retry-after"))
                self.politeness.back_off(target.host, DEFAULT_BACK_OFF if wait is None else wait, raw.status)
            location = raw.headers.get("location")
            if raw.status not in REDIRECT_STATUSES or not location:
                return self._response(url, current, raw, tuple(seen))
            seen.append(current)
            current = strip_fragment(urljoin(current, location.strip()))
            if current in seen:
                raise FetchError(url, "redirect_loop", f"{url} redirects in a loop (back to {current}).")
            if len(seen) > self.max_redirects:
                raise FetchError(
                    url, "too_many_redirects", f"{url} redirects more than {self.max_redirects} times."
                )

    def check_addresses(self, target: Target) -> list[IPAddress]:
        """The addresses to connect to for `target`; FetchError unless every one of them is allowed."""
        if target.ip is not None:
            found = [target.ip]
        else:
            try:
                found = [a for a in (parse_ip(x) for x in self.resolver(target.host, target.port)) if a]
            except (OSError, UnicodeError) as exc:
                raise FetchError(target.url, "resolve", f"Could not resolve {target.host}: {exc}.") from exc
            if not found:
                raise FetchError(target.url, "resolve", f"Could not resolve {target.host}: no address.")
        for address in found:
            if not is_allowed(address, self.settings.allowed_networks):
                what = f"{address} is" if target.ip is not None else f"{target.host} resolves to {address},"
                raise FetchError(
                    target.url, "private_address",
                    f"Refused {target.url}: {what} {describe(address)} outside STORYWATCH_ALLOWED_NETWORKS.",
                )
        return found

    def _wait_for_slot(self, target: Target) -> float:
        slot = self.politeness.reserve(target.host)
        if not slot.granted:
            raise FetchError(
                target.url, "backoff",
                f"{target.host} is not asked again for {slot.wait:.0f} s (it asked us to wait, "
                "or enough requests to it are already queued); try later.",
            )
        time.sleep(slot.wait)
        return slot.wait

    def _connect(self, target: Target, addresses: list[IPAddress], deadline: float) -> socket.socket:
        failures = []
        for address in addresses:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            family = socket.AF_INET6 if address.version == 6 else socket.AF_INET
            sock = socket.socket(family, socket.SOCK_STREAM)
            sock.settimeout(min(self.connect_timeout, remaining))
            try:
                sock.connect((str(address), target.port))
                self._check_peer(target, sock, address)
            except OSError as exc:
                sock.close()
                failures.append(f"{address}: {exc.strerror or exc}")
                continue
            except FetchError:
                sock.close()
                raise
            return sock
        if not failures or time.monotonic() >= deadline:
            raise FetchError(target.url, "timeout", f"Timed out connecting to {target.host}.")
        if all("timed out" in f for f in failures):
            raise FetchError(target.url, "timeout", f"Timed out connecting to {target.host}.")
        raise FetchError(target.url, "connect", f"Could not connect to {target.host} ({'; '.join(failures)}).")

    def _check_peer(self, target: Target, sock: socket.socket, expected: IPAddress) -> None:
        peer = parse_ip(str(sock.getpeername()[0]))
        if peer is None or peer != expected or not is_allowed(peer, self.settings.allowed_networks):
            raise FetchError(
                target.url, "private_address",
                f"Refused {target.url}: the connection reached {peer}, not the checked address {expected}.",
            )

    def _request(
        self, target: Target, addresses: list[IPAddress], headers: dict[str, str],
        deadline: float, limit: int, expect_text: bool,
    ) -> _Raw:
        sock = self._connect(target, addresses, deadline)
        conn = http.client.HTTPConnection(target.host, target.port)
        with _Watchdog(sock, deadline - time.monotonic()) as watchdog:
            try:
                if target.scheme == "https":
                    sock.settimeout(max(deadline - time.monotonic(), 0.001))
                    server_name = target.host if target.ip is None else str(target.ip)
                    sock = self.tls.wrap_socket(sock, server_hostname=server_name)
                    watchdog.sock = sock
                conn.sock = sock
                sock.settimeout(max(deadline - time.monotonic(), 0.001))
                conn.request("GET", target.path, headers={**headers, "Host": target.host_header})
                response = conn.getresponse()
                raw = self._read(target, sock, response, deadline, limit, expect_text)
                if watchdog.fired:  # a socket shut at the deadline reads as a short, clean answer
                    raise TimeoutError()
                return raw
            except FetchError:
                raise
            except Exception as exc:
                raise self._transport_error(target, exc, watchdog.fired) from exc
            finally:
                conn.close()
                sock.close()

    def _read(
        self, target: Target, sock: socket.socket, response: http.client.HTTPResponse,
        deadline: float, limit: int, expect_text: bool,
    ) -> _Raw:
        headers = {name.lower(): value for name, value in response.getheaders()}
        status = response.status
        if status in REDIRECT_STATUSES and headers.get("location") or status == 304:
            return _Raw(status, headers, b"")
        declared = headers.get("content-length", "").strip()
        if declared.isdigit() and int(declared) > limit:
            raise self._too_large(target, limit)
        content_type = headers.get("content-type")
        wants_check = expect_text and 200 <= status < 300
        if wants_check and not bodies.is_text_type(content_type) and not bodies.is_unknown_type(content_type):
            raise FetchError(
                target.url, "content_type",
                f"{target.url} is {bodies.media_type(content_type)}, not a text page or feed.",
            )
        try:
            decoder = bodies.Decoder(headers.get("content-encoding"), limit)
            received = 0
            while True:
                sock.settimeout(max(deadline - time.monotonic(), 0.001))
                chunk = response.read1(CHUNK)
                if not chunk:
                    break
                received += len(chunk)
                if received > limit:
                    raise bodies.BodyTooLarge()
                decoder.feed(chunk)
                if time.monotonic() > deadline:
                    raise TimeoutError()
            if response.length:
                raise http.client.IncompleteRead(b"", response.length)
            body = decoder.finish()
        except bodies.BodyTooLarge:
            raise self._too_large(target, limit) from None
        except bodies.BodyUndecodable as exc:
            raise FetchError(target.url, "decode", f"Could not decode the body of {target.url}: {exc}.") from exc
        if wants_check and bodies.is_unknown_type(content_type) and bodies.looks_binary(body):
            raise FetchError(target.url, "content_type", f"{target.url} is binary data, not a text page or feed.")
        return _Raw(status, headers, body)

    def _too_large(self, target: Target, limit: int) -> FetchError:
        return FetchError(target.url, "too_large", f"{target.url} is larger than the {limit:,}-byte limit.")

    def _transport_error(self, target: Target, exc: Exception, timed_out: bool) -> FetchError:
        if timed_out or isinstance(exc, TimeoutError | socket.timeout):
            return FetchError(
                target.url, "timeout",
                f"{target.url} did not answer in full within {self.total_timeout:g} s.",
            )
        if isinstance(exc, ssl.SSLError):
            return FetchError(target.url, "tls", f"TLS failed for {target.host}: {exc}.")
        if isinstance(exc, http.client.IncompleteRead):
            return FetchError(target.url, "incomplete", f"{target.url} ended before its body was complete.")
        if isinstance(exc, http.client.HTTPException):
            return FetchError(target.url, "protocol", f"{target.url} sent a malformed HTTP response ({exc!r}).")
        return FetchError(target.url, "connect", f"The connection to {target.host} failed ({exc}).")

    def _response(self, requested: str, url: str, raw: _Raw, redirects: tuple[str, ...]) -> FetchResponse:
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
