"""One HTTP request (a GET; a POST for webhooks) over a socket the fetcher controls, from connect
to the last body byte.

The caller has vetted the addresses (see `fetch`); this module connects to one
of them, checks that the socket's peer is that address, wraps it in TLS with
SNI and certificate checks against the host name, and hands the ready socket
to `http.client`. A watchdog thread shuts the socket down at the deadline, so
neither a stalled server nor one dripping a byte at a time (in the headers or
the body) can hold a worker past the total timeout; the body is streamed under
the size cap, before and after gzip/deflate.
"""

from __future__ import annotations

import http.client
import socket
import ssl
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import quote, urlsplit

from storywatch.errors import StorywatchError
from storywatch.web import bodies
from storywatch.web.addresses import IPAddress, IPNetwork, is_allowed, parse_ip

REDIRECT_STATUSES = {301, 302, 303, 307, 308}
DEFAULT_PORTS = {"http": 80, "https": 443}
CHUNK = 64 * 1024


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


def parse_target(url: str) -> Target:
    """`url` as a request target; FetchError for schemes other than http(s) and malformed URLs."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        shown = f"{scheme}:" if scheme else "no scheme"
        raise FetchError(
            url, "scheme", f"Refused {url!r}: only http and https URLs are fetched ({shown})."
        )
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
            raise FetchError(
                url, "url", f"Refused {url!r}: the host name is invalid ({exc})."
            ) from exc
    path = quote(parts.path or "/", safe="/%!$&'()*+,;=:@-._~")
    if parts.query:
        path += "?" + quote(parts.query, safe="/?%!$&'()*+,;=:@-._~")
    return Target(url, scheme, str(ip) if ip else hostname, port, path, ip)


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
class Reply:
    """One HTTP answer as received: status, lower-cased headers, decoded and capped body."""

    status: int
    headers: dict[str, str]
    body: bytes


class Transport:
    """Sends requests to vetted addresses under a connect timeout, a deadline and a size cap."""

    def __init__(
        self,
        allowed_networks: Iterable[IPNetwork],
        tls: ssl.SSLContext,
        connect_timeout: float,
        total_timeout: float,
    ) -> None:
        self.allowed_networks = tuple(allowed_networks)
        self.tls = tls
        self.connect_timeout = connect_timeout
        self.total_timeout = total_timeout

    def get(
        self,
        target: Target,
        addresses: list[IPAddress],
        headers: dict[str, str],
        deadline: float,
        limit: int,
        expect_text: bool,
        *,
        method: str = "GET",
        body: bytes | None = None,
    ) -> Reply:
        """GET (or `method`, sending `body`) `target` from the first of its vetted `addresses`
        that answers, by `deadline`."""
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
                conn.request(method, target.path, body=body,
                             headers={**headers, "Host": target.host_header})
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

    def _connect(
        self, target: Target, addresses: list[IPAddress], deadline: float
    ) -> socket.socket:
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
                self.check_peer(target, sock, address)
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
        raise FetchError(
            target.url, "connect", f"Could not connect to {target.host} ({'; '.join(failures)})."
        )

    def check_peer(self, target: Target, sock: socket.socket, expected: IPAddress) -> None:
        """Refuse a socket whose peer is not the address that was checked (or is not allowed)."""
        peer = parse_ip(str(sock.getpeername()[0]))
        if peer is None or peer != expected or not is_allowed(peer, self.allowed_networks):
            raise FetchError(
                target.url,
                "private_address",
                f"Refused {target.url}: the connection reached {peer}, not the checked address {expected}.",
            )

    def _read(
        self,
        target: Target,
        sock: socket.socket,
        response: http.client.HTTPResponse,
        deadline: float,
        limit: int,
        expect_text: bool,
    ) -> Reply:
        headers = {name.lower(): value for name, value in response.getheaders()}
        status = response.status
        if status in REDIRECT_STATUSES and headers.get("location") or status == 304:
            return Reply(status, headers, b"")
        declared = headers.get("content-length", "").strip()
        if declared.isdigit() and int(declared) > limit:
            raise self._too_large(target, limit)
        content_type = headers.get("content-type")
        wants_check = expect_text and 200 <= status < 300
        if (
            wants_check
            and not bodies.is_text_type(content_type)
            and not bodies.is_unknown_type(content_type)
        ):
            raise FetchError(
                target.url,
                "content_type",
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
            raise FetchError(
                target.url, "decode", f"Could not decode the body of {target.url}: {exc}."
            ) from exc
        if wants_check and bodies.is_unknown_type(content_type) and bodies.looks_binary(body):
            raise FetchError(
                target.url, "content_type", f"{target.url} is binary data, not a text page or feed."
            )
        return Reply(status, headers, body)

    def _too_large(self, target: Target, limit: int) -> FetchError:
        return FetchError(
            target.url, "too_large", f"{target.url} is larger than the {limit:,}-byte limit."
        )

    def _transport_error(self, target: Target, exc: Exception, timed_out: bool) -> FetchError:
        if timed_out or isinstance(exc, TimeoutError | socket.timeout):
            return FetchError(
                target.url,
                "timeout",
                f"{target.url} did not answer in full within {self.total_timeout:g} s.",
            )
        if isinstance(exc, ssl.SSLError):
            return FetchError(target.url, "tls", f"TLS failed for {target.host}: {exc}.")
        if isinstance(exc, http.client.IncompleteRead):
            return FetchError(
                target.url, "incomplete", f"{target.url} ended before its body was complete."
            )
        if isinstance(exc, http.client.HTTPException):
            return FetchError(
                target.url, "protocol", f"{target.url} sent a malformed HTTP response ({exc!r})."
            )
        return FetchError(target.url, "connect", f"The connection to {target.host} failed ({exc}).")
