"""Content-encoding under a cap, and media-type checks."""

from __future__ import annotations

import gzip
import zlib

import pytest

from storywatch.web.bodies import BodyTooLarge, BodyUndecodable, Decoder, is_text_type, looks_binary
from tests.httpserver import gzip_bomb_bytes


def feed_in_chunks(decoder: Decoder, data: bytes, size: int = 1000) -> bytes:
    for i in range(0, len(data), size):
        decoder.feed(data[i : i + size])
    return decoder.finish()


def test_gzip_in_small_chunks_decodes():
    data = ("Paragraph " * 5000).encode()
    assert feed_in_chunks(Decoder("gzip", 10**6), gzip.compress(data), 7) == data


def test_multi_member_gzip_decodes_every_member():
    assert (
        feed_in_chunks(Decoder("gzip", 100), gzip.compress(b"one ") + gzip.compress(b"two"))
        == b"one two"
    )


@pytest.mark.parametrize("wbits", [zlib.MAX_WBITS, -zlib.MAX_WBITS])
def test_deflate_with_and_without_zlib_wrapper_decodes(wbits):
    compressor = zlib.compressobj(6, zlib.DEFLATED, wbits)
    data = compressor.compress(b"deflated text " * 100) + compressor.flush()
    assert feed_in_chunks(Decoder("deflate", 10**6), data) == b"deflated text " * 100


def test_gzip_bomb_stops_just_past_the_cap():
    decoder = Decoder("gzip", 2**20)
    with pytest.raises(BodyTooLarge):
        feed_in_chunks(decoder, gzip_bomb_bytes(32 * 2**20), 64 * 1024)
    assert decoder.size <= 2**20 + 1


def test_plain_body_over_the_cap_is_refused():
    with pytest.raises(BodyTooLarge):
        feed_in_chunks(Decoder(None, 10), b"x" * 11)


def test_unknown_content_encoding_is_refused():
    with pytest.raises(BodyUndecodable, match="br"):
        Decoder("br", 100)


@pytest.mark.parametrize(
    ("content_type", "textual"),
    [
        ("text/html; charset=utf-8", True),
        ("application/rss+xml", True),
        ("application/vnd.custom+xml", True),
        ("application/json", True),
        ("image/png", False),
        ("application/pdf", False),
    ],
)
def test_text_types(content_type, textual):
    assert is_text_type(content_type) is textual


def test_binary_sniffing():
    assert looks_binary(b"\x00\x01\x02PK")
    assert not looks_binary("<html>é</html>".encode())
    assert not looks_binary(b"\xff\xfe<\x00h\x00")
