"""Response bodies: content-encoding under a size cap, and whether a media type is text."""

from __future__ import annotations

import zlib

GZIP_MAGIC = b"\x1f\x8b"
TEXT_TYPES = {
    "application/xml",
    "application/xhtml+xml",
    "application/rss+xml",
    "application/atom+xml",
    "application/rdf+xml",
    "application/x-rss+xml",
    "application/x-atom+xml",
    "application/json",
    "application/feed+json",
    "application/ld+json",
}
# Types servers send for anything: the body itself decides (see looks_binary).
UNKNOWN_TYPES = {"", "application/octet-stream", "binary/octet-stream", "application/unknown"}
SUPPORTED_ENCODINGS = {"", "identity", "gzip", "x-gzip", "deflate"}


class BodyTooLarge(Exception):
    """The decoded body passed the size cap."""


class BodyUndecodable(Exception):
    """The content-encoding is unknown or its data is corrupt."""


def media_type(content_type: str | None) -> str:
    """The lower-cased media type of a Content-Type value ('' when absent)."""
    return (content_type or "").split(";", 1)[0].strip().lower()


def is_text_type(content_type: str | None) -> bool:
    """True for text/*, XML, JSON and feed media types."""
    kind = media_type(content_type)
    return (
        kind.startswith("text/")
        or kind in TEXT_TYPES
        or kind.endswith("+xml")
        or kind.endswith("+json")
    )


def is_unknown_type(content_type: str | None) -> bool:
    """True when the media type says nothing (absent or octet-stream)."""
    return media_type(content_type) in UNKNOWN_TYPES


def looks_binary(body: bytes) -> bool:
    """True when the start of `body` holds bytes no text format uses (NUL and most controls)."""
    head = body[:1024]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 text has NULs by design
        return False
    controls = sum(1 for b in head if b < 9 or 13 < b < 32 and b != 27)
    return b"\x00" in head or controls > len(head) // 10


class Decoder:
    """Undo a Content-Encoding chunk by chunk, refusing to produce more than `limit` bytes."""

    def __init__(self, content_encoding: str | None, limit: int) -> None:
        self.encoding = (content_encoding or "").strip().lower()
        if self.encoding not in SUPPORTED_ENCODINGS:
            raise BodyUndecodable(f"unsupported content-encoding {self.encoding!r}")
        self.limit = limit
        self.parts: list[bytes] = []
        self.size = 0
        self.compressed = self.encoding not in {"", "identity"}
        # wbits 47 reads both gzip and zlib headers; raw deflate is tried if that fails.
        self._inflater = zlib.decompressobj(zlib.MAX_WBITS | 32) if self.compressed else None
        self._started = False
        self._ended = False

    def feed(self, data: bytes) -> None:
        """Add the next chunk of the body as received."""
        if not self.compressed:
            self._add(data)
            return
        while data and not self._ended:
            data = self._inflate(data)

    def finish(self) -> bytes:
        """The whole decoded body."""
        if self._inflater is not None and not self._ended:
            try:
                self._add(self._inflater.flush())
            except zlib.error as exc:
                raise BodyUndecodable(f"corrupt {self.encoding} data: {exc}") from exc
        return b"".join(self.parts)

    def _inflate(self, data: bytes) -> bytes:
        assert self._inflater is not None
        try:
            out = self._inflater.decompress(data, self.limit - self.size + 1)
        except zlib.error as exc:
            if self._started or self.encoding != "deflate":
                raise BodyUndecodable(f"corrupt {self.encoding} data: {exc}") from exc
            # Some servers send raw deflate without the zlib wrapper the standard asks for.
            self._inflater = zlib.decompressobj(-zlib.MAX_WBITS)
            self._started = True
            return data
        self._started = True
        self._add(out)
        if self._inflater.unconsumed_tail:
            return self._inflater.unconsumed_tail
        if self._inflater.eof:
            rest = self._inflater.unused_data
            if rest.startswith(GZIP_MAGIC):  # another gzip member follows
                self._inflater = zlib.decompressobj(zlib.MAX_WBITS | 32)
                return rest
            self._ended = True  # trailing bytes after the stream are ignored, as browsers do
        return b""

    def _add(self, data: bytes) -> None:
        self.size += len(data)
        if self.size > self.limit:
            raise BodyTooLarge(f"more than {self.limit} bytes once decoded")
        if data:
            self.parts.append(data)
