"""The fetcher against a real local HTTP server: limits, redirects, bodies, validators."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from storywatch.web.fetch import ACCEPT_FEED, Fetcher, FetchError, parse_retry_after
from storywatch.web.politeness import MemoryPoliteness
from tests.conftest import shared_path
from tests.httpserver import LocalServer

FAKE_DNS = {
    "news.test": ["127.0.0.1"],
    "metadata.test": ["169.254.169.254"],
    "intranet.test": ["10.0.0.5"],
}


def fake_resolver(host: str, port: int) -> list[str]:
    """Made-up names only: tests never use real DNS."""
    if host not in FAKE_DNS:
        raise OSError(f"unknown test host {host}")
    return FAKE_DNS[host]


def make_fetcher(server: LocalServer, **kwargs: object) -> Fetcher:
    settings = server.settings(**kwargs.pop("settings", {}))  # type: ignore[arg-type]
    kwargs.setdefault("politeness", MemoryPoliteness(0))
    kwargs.setdefault("resolver", fake_resolver)
    return Fetcher(settings, **kwargs)  # type: ignore[arg-type]


def test_page_is_fetched_with_a_user_agent_naming_storywatch_and_contact(http_server):
    http_server.static("/a", "<html><body><p>Hello</p></body></html>")
    response = make_fetcher(http_server).fetch(http_server.url("/a"))
    assert response.status == 200 and response.ok
    assert response.text == "<html><body><p>Hello</p></body></html>"
    assert response.url == response.requested_url == http_server.url("/a")
    agent = http_server.requests[0].headers["user-agent"]
    assert agent.startswith("storywatch/") and "storywatch.invalid/contact" in agent
    assert response.fetched_at.tzinfo is not None


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "ftp://example.test/x",
        "gopher://example.test/",
        "javascript:alert(1)",
        "data:text/html,hi",
        "//news.test/no-scheme",
    ],
)
def test_schemes_other_than_http_are_refused_without_a_connection(url, netguard, http_server):
    with pytest.raises(FetchError) as caught:
        make_fetcher(http_server).fetch(url)
    assert caught.value.reason == "scheme"
    assert "only http and https" in str(caught.value)
    assert netguard.connects == []


@pytest.mark.parametrize(
    "location",
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://10.1.2.3/admin",
        "http://[::1]:{port}/a",
        "http://127.0.0.2:{port}/a",
        "http://[::ffff:127.0.0.2]:{port}/a",
        "http://metadata.test/latest/meta-data/",
        "http://intranet.test:{port}/a",
        "http://0.0.0.0:{port}/a",
    ],
)
def test_redirect_to_a_non_public_address_is_refused_before_connecting(
    location, netguard, http_server
):
    http_server.redirect("/go", location.format(port=http_server.port))
    http_server.static("/a", "secret")
    fetcher = make_fetcher(http_server, settings={"allowed_networks": (_net("127.0.0.1/32"),)})
    with pytest.raises(FetchError) as caught:
        fetcher.fetch(http_server.url("/go"))
    assert caught.value.reason == "private_address"
    assert "STORYWATCH_ALLOWED_NETWORKS" in str(caught.value)
    assert netguard.connects == [("127.0.0.1", http_server.port)]  # the first hop only
    assert http_server.hits("/a") == 0


def test_host_name_that_resolves_to_a_private_address_is_refused(netguard, http_server):
    with pytest.raises(FetchError) as caught:
        make_fetcher(http_server).fetch("http://intranet.test/")
    assert caught.value.reason == "private_address"
    assert "intranet.test resolves to 10.0.0.5, a private address" in str(caught.value)
    assert netguard.connects == []


def test_loopback_is_refused_when_no_network_is_allowed(netguard, http_server):
    http_server.static("/a", "x")
    fetcher = make_fetcher(http_server, settings={"allowed_networks": ()})
    with pytest.raises(FetchError, match="a loopback address") as caught:
        fetcher.fetch(http_server.url("/a"))
    assert caught.value.reason == "private_address"
    assert netguard.connects == []


def test_host_name_is_resolved_once_and_sent_as_host_header(netguard, http_server):
    calls = []

    def rebinding_resolver(host: str, port: int) -> list[str]:
        calls.append(host)  # a rebinding DNS would answer differently the second time
        return ["127.0.0.1"] if len(calls) == 1 else ["169.254.169.254"]

    http_server.static("/a", "hello")
    fetcher = make_fetcher(http_server, resolver=rebinding_resolver)
    response = fetcher.fetch(f"http://news.test:{http_server.port}/a#frag")
    assert response.text == "hello"
    assert calls == ["news.test"]
    assert netguard.connects == [("127.0.0.1", http_server.port)]
    assert http_server.requests[0].headers["host"] == f"news.test:{http_server.port}"
    assert http_server.requests[0].path == "/a"


def test_socket_connected_elsewhere_than_the_checked_address_is_refused(http_server):
    import ipaddress
    import socket

    from storywatch.web.fetch import parse_target

    fetcher = make_fetcher(http_server)
    sock = socket.create_connection(("127.0.0.1", http_server.port))
    try:
        with pytest.raises(FetchError, match="not the checked address") as caught:
            fetcher.transport.check_peer(
                parse_target(http_server.url("/")), sock, ipaddress.ip_address("127.0.0.2")
            )
    finally:
        sock.close()
    assert caught.value.reason == "private_address"


def test_closed_port_is_a_connect_error(http_server):
    import socket

    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    with pytest.raises(FetchError) as caught:
        make_fetcher(http_server).fetch(f"http://127.0.0.1:{port}/")
    assert caught.value.reason == "connect"


def test_server_that_stalls_mid_body_ends_in_timeout_within_total(http_server):
    http_server.stall("/stall")
    fetcher = make_fetcher(http_server, total_timeout=1.0, connect_timeout=1.0)
    started = time.monotonic()
    with pytest.raises(FetchError) as caught:
        fetcher.fetch(http_server.url("/stall"))
    assert caught.value.reason == "timeout"
    assert time.monotonic() - started < 1.6


def test_slow_drip_body_ends_in_timeout_within_total(http_server):
    http_server.drip("/drip", interval=0.02)
    fetcher = make_fetcher(http_server, total_timeout=1.0)
    started = time.monotonic()
    with pytest.raises(FetchError) as caught:
        fetcher.fetch(http_server.url("/drip"))
    assert caught.value.reason == "timeout"
    assert 0.9 < time.monotonic() - started < 1.6


def test_headers_dripping_slowly_end_in_timeout_within_total(http_server):
    def drip_headers(handler) -> None:
        handler.wfile.write(b"HTTP/1.1 200 OK\r\n")
        for i in range(200):
            if http_server.stopping.wait(0.05):
                return
            handler.wfile.write(b"X-Slow-%d: yes\r\n" % i)
            handler.wfile.flush()

    http_server.handler("/slow-headers", drip_headers)
    started = time.monotonic()
    with pytest.raises(FetchError) as caught:
        make_fetcher(http_server, total_timeout=1.0).fetch(http_server.url("/slow-headers"))
    assert caught.value.reason == "timeout"
    assert time.monotonic() - started < 1.6


def test_drip_that_finishes_in_time_is_read_in_full(http_server):
    http_server.drip("/drip", chunk=b"ab", interval=0.01, count=20)
    response = make_fetcher(http_server, total_timeout=5).fetch(http_server.url("/drip"))
    assert response.body == b"ab" * 20


@pytest.mark.parametrize("declare_length", [False, True])
def test_fifty_megabyte_page_stops_at_the_size_cap(declare_length, http_server):
    http_server.huge("/huge", declare_length=declare_length)
    started = time.monotonic()
    with pytest.raises(FetchError) as caught:
        make_fetcher(http_server, max_bytes=2**20).fetch(http_server.url("/huge"))
    assert caught.value.reason == "too_large"
    assert "1,048,576-byte limit" in str(caught.value)
    assert time.monotonic() - started < 3


def test_gzip_body_is_decoded(http_server):
    http_server.gzip("/z", "<p>compressed café</p>")
    response = make_fetcher(http_server).fetch(http_server.url("/z"))
    assert response.text == "<p>compressed café</p>"
    assert "gzip" in http_server.requests[0].headers["accept-encoding"]


def test_gzip_bomb_stops_at_the_size_cap_after_decoding(http_server):
    http_server.gzip_bomb("/bomb")
    started = time.monotonic()
    with pytest.raises(FetchError) as caught:
        make_fetcher(http_server, max_bytes=4 * 2**20).fetch(http_server.url("/bomb"))
    assert caught.value.reason == "too_large"
    assert time.monotonic() - started < 3


def test_corrupt_gzip_is_a_decode_error(http_server):
    http_server.static(
        "/bad", b"\x1f\x8b\x08\x00garbage-not-deflate", headers={"Content-Encoding": "gzip"}
    )
    with pytest.raises(FetchError) as caught:
        make_fetcher(http_server).fetch(http_server.url("/bad"))
    assert caught.value.reason == "decode"


def test_redirects_are_followed_and_recorded(http_server):
    http_server.redirect("/one", "/two", status=301)
    http_server.redirect("/two", http_server.url("/three"), status=308)
    http_server.static("/three", "landed")
    response = make_fetcher(http_server).fetch(http_server.url("/one"))
    assert response.text == "landed"
    assert response.url == http_server.url("/three")
    assert response.redirects == (http_server.url("/one"), http_server.url("/two"))


def test_redirect_loop_is_detected(http_server):
    http_server.redirect("/a", "/b").redirect("/b", "/a")
    with pytest.raises(FetchError) as caught:
        make_fetcher(http_server).fetch(http_server.url("/a"))
    assert caught.value.reason == "redirect_loop"
    assert http_server.hits("/a") == 1 and http_server.hits("/b") == 1


def test_redirect_chain_longer_than_the_limit_is_refused(http_server):
    for i in range(10):
        http_server.redirect(f"/r{i}", f"/r{i + 1}")
    with pytest.raises(FetchError) as caught:
        make_fetcher(http_server, max_redirects=3).fetch(http_server.url("/r0"))
    assert caught.value.reason == "too_many_redirects"
    assert http_server.hits("/r4") == 0


def test_http_error_statuses_are_returned_to_the_caller(http_server):
    http_server.status("/gone", 410, body=b"gone")
    response = make_fetcher(http_server).fetch(http_server.url("/gone"))
    assert response.status == 410 and not response.ok
    with pytest.raises(FetchError) as caught:
        response.raise_for_status()
    assert caught.value.reason == "http_status"


@pytest.mark.parametrize(
    "content_type", ["image/png", "application/pdf", "video/mp4", "application/zip"]
)
def test_binary_content_type_where_text_was_expected_is_refused(content_type, http_server):
    http_server.static("/bin", b"\x89PNG\r\n\x1a\n" + bytes(2000), content_type=content_type)
    with pytest.raises(FetchError) as caught:
        make_fetcher(http_server).fetch(http_server.url("/bin"))
    assert caught.value.reason == "content_type"
    assert content_type in str(caught.value)


def test_untyped_binary_body_is_refused_and_untyped_html_accepted(http_server):
    http_server.static("/blob", bytes(range(256)) * 8, content_type="application/octet-stream")
    http_server.static("/page", "<html><p>plain</p></html>", content_type=None)
    fetcher = make_fetcher(http_server)
    with pytest.raises(FetchError) as caught:
        fetcher.fetch(http_server.url("/blob"))
    assert caught.value.reason == "content_type"
    assert fetcher.fetch(http_server.url("/page")).text == "<html><p>plain</p></html>"


def test_binary_body_is_returned_when_text_is_not_expected(http_server):
    http_server.static("/img", b"\x89PNG" + bytes(100), content_type="image/png")
    response = make_fetcher(http_server).fetch(http_server.url("/img"), expect_text=False)
    assert response.body.startswith(b"\x89PNG") and response.text is None


def test_latin1_feed_without_xml_declaration_decodes_right(http_server):
    feed: Path = shared_path("fixtures", "feeds", "rbren_rss-parser__uolNoticias.rss")
    http_server.file("/uol.rss", feed, content_type="application/rss+xml")
    response = make_fetcher(http_server).fetch(http_server.url("/uol.rss"), accept=ACCEPT_FEED)
    assert "<description>Últimas Notícias</description>" in response.text
    assert "simulações de 2º turno" in response.text
    assert response.encoding == "cp1252"
    assert "rss+xml" in http_server.requests[0].headers["accept"]


def test_header_charset_that_is_wrong_does_not_garble_text(http_server):
    http_server.static(
        "/a", "Ação é notícia".encode("latin-1"), content_type="text/html; charset=utf-8"
    )
    http_server.static(
        "/b", "Ação é notícia".encode(), content_type="text/html; charset=iso-8859-1"
    )
    fetcher = make_fetcher(http_server)
    assert fetcher.fetch(http_server.url("/a")).text == "Ação é notícia"
    assert fetcher.fetch(http_server.url("/b")).text == "Ação é notícia"


def test_meta_charset_applies_when_the_header_has_none(http_server):
    page = '<html><head><meta charset="windows-1251"></head><body>Москва сообщила</body></html>'
    http_server.static("/ru", page.encode("cp1251"), content_type="text/html")
    response = make_fetcher(http_server).fetch(http_server.url("/ru"))
    assert "Москва сообщила" in response.text
    assert response.encoding == "cp1251"


def test_etag_is_sent_back_and_304_returns_no_body(http_server):
    http_server.conditional("/feed", "<rss/>", etag='"v1"', content_type="application/rss+xml")
    fetcher = make_fetcher(http_server)
    first = fetcher.fetch(http_server.url("/feed"))
    assert first.status == 200 and first.etag == '"v1"'
    second = fetcher.fetch(http_server.url("/feed"), etag=first.etag)
    assert second.status == 304 and second.not_modified
    assert second.body == b"" and second.text is None
    assert http_server.requests[1].headers["if-none-match"] == '"v1"'


def test_last_modified_is_sent_back_and_304_returns_no_body(http_server):
    stamp = "Tue, 15 Feb 2022 10:00:00 GMT"
    http_server.conditional("/feed", "<rss/>", last_modified=stamp)
    fetcher = make_fetcher(http_server)
    first = fetcher.fetch(http_server.url("/feed"))
    assert first.last_modified == stamp
    second = fetcher.fetch(http_server.url("/feed"), last_modified=first.last_modified)
    assert second.status == 304
    assert http_server.requests[1].headers["if-modified-since"] == stamp


def test_retry_after_keeps_the_host_unasked_until_then(http_server):
    http_server.status("/busy", 429, retry_after="1")
    http_server.static("/ok", "fine")
    fetcher = make_fetcher(http_server)
    response = fetcher.fetch(http_server.url("/busy"))
    assert response.status == 429
    fetcher.fetch(http_server.url("/ok"))
    gap = http_server.requests[1].at - http_server.requests[0].at
    assert gap >= 0.95


def test_retry_after_beyond_max_wait_refuses_without_asking(http_server):
    http_server.status("/down", 503, retry_after="120")
    http_server.static("/ok", "fine")
    fetcher = make_fetcher(http_server, politeness=MemoryPoliteness(0, max_wait=5))
    assert fetcher.fetch(http_server.url("/down")).status == 503
    with pytest.raises(FetchError) as caught:
        fetcher.fetch(http_server.url("/ok"))
    assert caught.value.reason == "backoff"
    assert http_server.hits("/ok") == 0


def test_retry_after_as_http_date_is_understood():
    from datetime import UTC, datetime

    now = datetime(2022, 2, 15, 10, 0, 0, tzinfo=UTC)
    assert parse_retry_after("Tue, 15 Feb 2022 10:00:30 GMT", now) == 30
    assert parse_retry_after("7") == 7
    assert parse_retry_after("soon") is None


def test_two_pages_from_one_host_are_no_faster_than_the_interval(http_server):
    http_server.static("/p1", "one").static("/p2", "two")
    fetcher = make_fetcher(http_server, politeness=MemoryPoliteness(0.4))
    # Measured from before the first fetch, not from the first request's arrival: under
    # load the first request can reach the server late, which says nothing about pacing.
    started = time.monotonic()
    fetcher.fetch(http_server.url("/p1"))
    fetcher.fetch(http_server.url("/p2"))
    assert http_server.requests[1].at - started >= 0.4


def test_gzip_of_fixture_feed_matches_plain(http_server):
    feed = shared_path("fixtures", "feeds", "rbren_rss-parser__guardian.rss").read_bytes()
    http_server.static("/plain", feed, content_type="application/rss+xml")
    http_server.gzip("/gz", feed, content_type="application/rss+xml")
    fetcher = make_fetcher(http_server)
    assert (
        fetcher.fetch(http_server.url("/gz")).text == fetcher.fetch(http_server.url("/plain")).text
    )


def _net(cidr: str):
    import ipaddress

    return ipaddress.ip_network(cidr)


def test_https_sends_sni_and_verifies_the_certificate_against_the_host_name(
    https_server, test_certificates
):
    https_server.static("/secure", "over tls")
    fetcher = make_fetcher(https_server, tls_context=test_certificates.client_context())
    response = fetcher.fetch(f"https://news.test:{https_server.port}/secure")
    assert response.text == "over tls"
    assert https_server.sni_names == ["news.test"]


def test_https_with_an_untrusted_certificate_is_refused(https_server):
    https_server.static("/secure", "over tls")
    with pytest.raises(FetchError) as caught:
        make_fetcher(https_server).fetch(f"https://news.test:{https_server.port}/secure")
    assert caught.value.reason == "tls"
    assert https_server.hits("/secure") == 0


def test_https_certificate_for_another_name_is_refused(https_server, test_certificates):
    https_server.static("/secure", "over tls")
    FAKE_DNS["impostor.test"] = ["127.0.0.1"]
    try:
        fetcher = make_fetcher(https_server, tls_context=test_certificates.client_context())
        with pytest.raises(FetchError) as caught:
            fetcher.fetch(f"https://impostor.test:{https_server.port}/secure")
    finally:
        del FAKE_DNS["impostor.test"]
    assert caught.value.reason == "tls"
    assert "impostor.test" in str(caught.value)


@pytest.mark.parametrize(
    "location", ["file:///etc/passwd", "gopher://127.0.0.1:70/", "ftp://127.0.0.1/x"]
)
def test_redirect_to_a_non_http_scheme_is_refused(location, netguard, http_server):
    http_server.redirect("/go", location)
    with pytest.raises(FetchError) as caught:
        make_fetcher(http_server).fetch(http_server.url("/go"))
    assert caught.value.reason == "scheme"
    assert netguard.connects == [("127.0.0.1", http_server.port)]


def test_contact_url_and_host_interval_come_from_the_environment():
    from storywatch.settings import Settings

    settings = Settings.from_env(
        {"STORYWATCH_CONTACT_URL": "https://desk.example/bots", "STORYWATCH_HOST_INTERVAL": "5"}
    )
    assert settings.host_interval == 5.0
    fetcher = Fetcher(settings)
    assert fetcher.user_agent.endswith("(+https://desk.example/bots)")
    assert fetcher.politeness.min_interval == 5.0
    assert Settings.from_env({}).host_interval == 2.0
