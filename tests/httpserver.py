"""A local HTTP server for tests (a pytest plugin): real HTTP on 127.0.0.1, routes set per test.

Use the `http_server` fixture (a fresh server on a random port for each test;
`https_server` is the same over TLS, with a test CA from `test_certificates`):

    def test_something(http_server):
        http_server.static("/feed.xml", xml_bytes, content_type="application/rss+xml")
        http_server.redirect("/old", "/feed.xml")
        fetcher = Fetcher(http_server.settings(), politeness=MemoryPoliteness(0))
        response = fetcher.fetch(http_server.url("/old"))
        assert http_server.hits("/feed.xml") == 1

Route builders (each returns the server, so calls chain):
- `static(path, body, content_type=..., status=200, headers=None)`; `file(path, file, content_type)`
- `conditional(path, body, etag=..., last_modified=...)`: 304 when the request's validators match
- `redirect(path, location, status=302)`: `location` may be any URL (other hosts, other schemes)
- `status(path, status, retry_after=None, body=b"")`: e.g. 429 or 503 with Retry-After
- `stall(path, head=b"...", seconds=...)`: headers and the first bytes, then silence
- `drip(path, chunk=b"x", interval=0.05, count=...)`: a body that arrives a few bytes at a time
- `gzip(path, body)`, `gzip_bomb(path, decoded_size=64 MiB)`: Content-Encoding: gzip
- `huge(path, size=50 MiB, declare_length=False)`: generated while sent, never held in memory
- `robots(text, status=200)`: /robots.txt
- `handler(path, function)`: any `function(request_handler)` writing its own response (GET or
  POST: a POST handler reads its body from `request_handler.rfile`)

Every request is recorded in `requests` (method, path, headers, monotonic time);
`hits(path)` counts them. Stalled and dripping handlers end when the test ends.
"""

from __future__ import annotations

import functools
import gzip as gzip_module
import ipaddress
import ssl
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from storywatch.settings import Settings

Handler = Callable[[BaseHTTPRequestHandler], None]
LOOPBACK = ipaddress.ip_network("127.0.0.0/8")
MiB = 2**20


@dataclass(frozen=True, slots=True)
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]
    at: float  # time.monotonic() when the request line arrived


@functools.lru_cache(maxsize=4)
def gzip_bomb_bytes(decoded_size: int) -> bytes:
    """One gzip member that inflates to `decoded_size` zero bytes (about 1/1000 of that compressed)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = bytes(MiB)
    parts = [compressor.compress(block) for _ in range(decoded_size // MiB)]
    parts.append(compressor.compress(bytes(decoded_size % MiB)))
    parts.append(compressor.flush())
    return b"".join(parts)


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        self._dispatch("GET")

    def do_POST(self) -> None:  # noqa: N802 - webhooks; the handler reads the body itself
        self._dispatch("POST")

    def _dispatch(self, method: str) -> None:
        self.close_connection = True
        headers = {k.lower(): v for k, v in self.headers.items()}
        path = self.path.split("?", 1)[0]
        self.server.owner.record(RecordedRequest(method, self.path, headers, time.monotonic()))
        handler = self.server.owner.routes.get(self.path) or self.server.owner.routes.get(path)
        try:
            if handler is None:
                send(self, 404, b"not found", content_type="text/plain")
            else:
                handler(self)
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError):
            pass  # the client hung up, as fetchers that enforce limits do

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    owner: LocalServer

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a client that hangs up mid-response is expected here


def send(
    handler: BaseHTTPRequestHandler,
    status: int,
    body: bytes = b"",
    *,
    content_type: str | None = "text/html; charset=utf-8",
    headers: dict[str, str] | None = None,
) -> None:
    """Write a complete response with a Content-Length."""
    handler.send_response(status)
    if content_type:
        handler.send_header("Content-Type", content_type)
    for name, value in (headers or {}).items():
        handler.send_header(name, value)
    handler.send_header("Content-Length", str(len(body)))
    handler.send_header("Connection", "close")
    handler.end_headers()
    handler.wfile.write(body)


@dataclass
class LocalServer:
    """The test server: routes, recorded requests and URLs."""

    routes: dict[str, Handler] = field(default_factory=dict)
    requests: list[RecordedRequest] = field(default_factory=list)
    stopping: threading.Event = field(default_factory=threading.Event)
    host: str = "127.0.0.1"
    port: int = 0
    scheme: str = "http"
    sni_names: list[str | None] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self, path: str = "/") -> str:
        """The absolute URL of `path` on this server."""
        return f"{self.scheme}://{self.host}:{self.port}{path}"

    def settings(self, **overrides: object) -> Settings:
        """Settings that allow loopback (127.0.0.0/8), the way tests reach this server."""
        values: dict[str, object] = {"allowed_networks": (LOOPBACK,), "host_interval": 0.0}
        values.update(overrides)
        return Settings(**values)  # type: ignore[arg-type]

    def record(self, request: RecordedRequest) -> None:
        """Note one request (called by the handler threads)."""
        with self._lock:
            self.requests.append(request)

    def hits(self, path: str) -> int:
        """How many requests asked for `path` (query string included when given)."""
        with self._lock:
            return sum(
                1 for r in self.requests if r.path == path or r.path.split("?", 1)[0] == path
            )

    def handler(self, path: str, function: Handler) -> LocalServer:
        """Serve `path` with `function(request_handler)`."""
        self.routes[path] = function
        return self

    def static(
        self,
        path: str,
        body: bytes | str,
        *,
        content_type: str | None = "text/html; charset=utf-8",
        status: int = 200,
        headers: dict[str, str] | None = None,
    ) -> LocalServer:
        """Serve a fixed body (str bodies are sent as UTF-8)."""
        data = body.encode("utf-8") if isinstance(body, str) else body
        return self.handler(
            path, lambda h: send(h, status, data, content_type=content_type, headers=headers)
        )

    def file(self, path: str, file: Path, content_type: str | None) -> LocalServer:
        """Serve the bytes of `file`, read when requested (so edits between requests show)."""
        return self.handler(
            path, lambda h: send(h, 200, file.read_bytes(), content_type=content_type)
        )

    def conditional(
        self,
        path: str,
        body: bytes | str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        content_type: str = "text/html; charset=utf-8",
    ) -> LocalServer:
        """Serve `body` with validators; answer 304 when the request sends matching ones."""
        data = body.encode("utf-8") if isinstance(body, str) else body
        validators = {k: v for k, v in (("ETag", etag), ("Last-Modified", last_modified)) if v}

        def respond(h: BaseHTTPRequestHandler) -> None:
            matches = (etag and h.headers.get("If-None-Match") == etag) or (
                not etag and last_modified and h.headers.get("If-Modified-Since") == last_modified
            )
            if matches:
                h.send_response(304)
                for name, value in validators.items():
                    h.send_header(name, value)
                h.send_header("Connection", "close")
                h.end_headers()
            else:
                send(h, 200, data, content_type=content_type, headers=validators)

        return self.handler(path, respond)

    def redirect(self, path: str, location: str, status: int = 302) -> LocalServer:
        """Redirect `path` to `location` (relative, absolute, any host or scheme)."""
        return self.handler(
            path, lambda h: send(h, status, b"", content_type=None, headers={"Location": location})
        )

    def status(
        self, path: str, status: int, *, retry_after: str | None = None, body: bytes = b""
    ) -> LocalServer:
        """Answer `status`, with a Retry-After header when given."""
        headers = {"Retry-After": retry_after} if retry_after is not None else None
        return self.handler(
            path, lambda h: send(h, status, body, content_type="text/plain", headers=headers)
        )

    def stall(
        self, path: str, *, head: bytes = b"<html><body><p>Start", seconds: float = 30.0
    ) -> LocalServer:
        """Send headers promising a long body and its first bytes, then nothing for `seconds`."""

        def respond(h: BaseHTTPRequestHandler) -> None:
            h.send_response(200)
            h.send_header("Content-Type", "text/html; charset=utf-8")
            h.send_header("Content-Length", str(len(head) + 100_000))
            h.end_headers()
            h.wfile.write(head)
            h.wfile.flush()
            self.stopping.wait(seconds)

        return self.handler(path, respond)

    def drip(
        self, path: str, *, chunk: bytes = b"x", interval: float = 0.05, count: int = 10_000
    ) -> LocalServer:
        """A chunked body of `count` small chunks, one every `interval` seconds."""

        def respond(h: BaseHTTPRequestHandler) -> None:
            h.send_response(200)
            h.send_header("Content-Type", "text/html; charset=utf-8")
            h.send_header("Transfer-Encoding", "chunked")
            h.end_headers()
            for _ in range(count):
                if self.stopping.wait(interval):
                    return
                h.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                h.wfile.flush()
            h.wfile.write(b"0\r\n\r\n")

        return self.handler(path, respond)

    def gzip(
        self, path: str, body: bytes | str, *, content_type: str = "text/html; charset=utf-8"
    ) -> LocalServer:
        """Serve `body` gzip-compressed with Content-Encoding: gzip."""
        data = gzip_module.compress(body.encode("utf-8") if isinstance(body, str) else body)
        return self.handler(
            path,
            lambda h: send(
                h, 200, data, content_type=content_type, headers={"Content-Encoding": "gzip"}
            ),
        )

    def gzip_bomb(self, path: str, *, decoded_size: int = 64 * MiB) -> LocalServer:
        """A small gzip body that inflates to `decoded_size` bytes."""
        data = gzip_bomb_bytes(decoded_size)
        return self.handler(
            path,
            lambda h: send(
                h, 200, data, content_type="text/html", headers={"Content-Encoding": "gzip"}
            ),
        )

    def huge(self, path: str, *, size: int = 50 * MiB, declare_length: bool = False) -> LocalServer:
        """A `size`-byte HTML body generated while sent (chunked unless `declare_length`)."""
        block = (b"<p>" + b"lorem ipsum " * 5000 + b"</p>\n")[: 64 * 1024]

        def respond(h: BaseHTTPRequestHandler) -> None:
            h.send_response(200)
            h.send_header("Content-Type", "text/html; charset=utf-8")
            if declare_length:
                h.send_header("Content-Length", str(size))
            else:
                h.send_header("Transfer-Encoding", "chunked")
            h.end_headers()
            sent = 0
            while sent < size and not self.stopping.is_set():
                part = block[: size - sent]
                h.wfile.write(part if declare_length else b"%x\r\n%s\r\n" % (len(part), part))
                sent += len(part)
            if not declare_length:
                h.wfile.write(b"0\r\n\r\n")

        return self.handler(path, respond)

    def robots(self, text: str, *, status: int = 200) -> LocalServer:
        """Serve /robots.txt."""
        return self.static("/robots.txt", text, content_type="text/plain", status=status)


@dataclass(frozen=True, slots=True)
class TestCertificates:
    """A throwaway CA and a server certificate it signed, for `news.test` and 127.0.0.1."""

    ca_pem: str
    cert_file: Path
    key_file: Path

    def client_context(self) -> ssl.SSLContext:
        """A client TLS context that trusts only the test CA."""
        return ssl.create_default_context(cadata=self.ca_pem)


def make_certificates(folder: Path, names: tuple[str, ...] = ("news.test",)) -> TestCertificates:
    """Create a CA and a server certificate for `names` and 127.0.0.1 under `folder`."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = datetime.now(UTC)

    def build(
        subject: str,
        issuer: x509.Name | None,
        key: ec.EllipticCurvePrivateKey,
        signer: ec.EllipticCurvePrivateKey,
        ca: bool,
    ) -> x509.Certificate:
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)])
        builder = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(issuer or name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=7))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        )
        if ca:
            builder = builder.add_extension(
                x509.KeyUsage(False, False, False, False, False, True, True, False, False),
                critical=True,
            ).add_extension(
                x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False
            )
        else:
            alt = [x509.DNSName(n) for n in names] + [
                x509.IPAddress(ipaddress.ip_address("127.0.0.1"))
            ]
            builder = builder.add_extension(
                x509.SubjectAlternativeName(alt), critical=False
            ).add_extension(
                x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
            )
        return builder.sign(signer, hashes.SHA256())

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_cert = build("storywatch test CA", None, ca_key, ca_key, ca=True)
    key = ec.generate_private_key(ec.SECP256R1())
    cert = build(names[0], ca_cert.subject, key, ca_key, ca=False)
    cert_file, key_file = folder / "server.pem", folder / "server.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return TestCertificates(
        ca_cert.public_bytes(serialization.Encoding.PEM).decode(), cert_file, key_file
    )


@contextmanager
def serve(certificates: TestCertificates | None = None) -> Iterator[LocalServer]:
    """Run a LocalServer (HTTPS when `certificates` are given) until the block ends."""
    owner = LocalServer(scheme="https" if certificates else "http")
    server = _Server(("127.0.0.1", 0), _RequestHandler)
    server.owner = owner
    owner.port = server.server_address[1]
    if certificates:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(certificates.cert_file, certificates.key_file)
        context.sni_callback = lambda _sock, name, _ctx: owner.sni_names.append(name)  # type: ignore[assignment]
        server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        yield owner
    finally:
        owner.stopping.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def http_server() -> Iterator[LocalServer]:
    """A threaded HTTP server on 127.0.0.1 (random port) for this test only."""
    with serve() as owner:
        yield owner


@pytest.fixture(scope="session")
def test_certificates(tmp_path_factory: pytest.TempPathFactory) -> TestCertificates:
    """A test CA and a certificate for news.test and 127.0.0.1 (trust it with `client_context()`)."""
    return make_certificates(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def https_server(test_certificates: TestCertificates) -> Iterator[LocalServer]:
    """Like `http_server`, over TLS with the `test_certificates`; `sni_names` records SNI."""
    with serve(test_certificates) as owner:
        yield owner
