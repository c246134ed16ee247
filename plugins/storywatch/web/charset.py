"""Decode a fetched body to text: byte-order mark, header charset, in-document declaration, detection.

The order follows what browsers do (WHATWG "encoding sniffing"), with two
corrections for the news web as it is:
- A body that is valid UTF-8 and contains non-ASCII bytes is UTF-8 even when a
  single-byte charset is declared: mislabelled UTF-8 is common, and Latin-1 text
  that happens to be valid multi-byte UTF-8 practically never occurs.
- ISO-8859-1 and ASCII labels decode as windows-1252 (its superset), as browsers
  do, so curly quotes and dashes in "Latin-1" pages come out right.
Detection (charset_normalizer) only runs when nothing usable is declared; among
the encodings it finds equally plausible, windows-1252 is preferred, because
markup-heavy feeds fool its language model (a Portuguese feed scores as cp1257).
"""

from __future__ import annotations

import codecs
import functools
import re
from dataclasses import dataclass

import charset_normalizer

# Browsers look for a <meta> charset in the first 1024 bytes; real pages put
# long <head> scripts first, so look a little further.
SNIFF_BYTES = 4096
META_CHARSET = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_:.()+-]+)""", re.IGNORECASE
)
XML_DECLARATION = re.compile(
    rb"""^\s*<\?xml[^>]*\sencoding\s*=\s*["']([a-zA-Z0-9_.:+-]+)["']""", re.IGNORECASE
)
HEADER_CHARSET = re.compile(r"""charset\s*=\s*["']?([^"';\s]+)""", re.IGNORECASE)
BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# Labels that browsers decode as windows-1252.
WINDOWS_1252_ALIASES = {"latin_1", "ascii", "cp1252"}
# Multi-byte labels a page cannot really be in when they are declared inside the
# (ASCII-compatible) document itself: the declaration could not have been read.
UNREADABLE_DECLARED = {"utf_16", "utf_16_le", "utf_16_be", "utf_32", "utf_32_le", "utf_32_be"}
DETECTION_MARGIN = 0.1
WESTERN_PUNCTUATION = set(
    "\u00a0\u00ab\u00bb\u2018\u2019\u201a\u201c\u201d\u201e\u2013\u2014\u2026"
    "\u00b0\u00ba\u00aa\u00b7\u20ac\u00a3\u00a7\u00a9\u00ae\u00b1\u00d7\u00a1\u00bf"
    "\u2022\u2122\u00b4\u00bd\u00bc\u00be"
)


@dataclass(frozen=True, slots=True)
class Decoded:
    text: str
    encoding: str
    source: str  # 'bom', 'header', 'document', 'utf-8', 'detected' or 'fallback'


def charset_from_content_type(content_type: str | None) -> str | None:
    """The charset parameter of a Content-Type header value, if any."""
    if not content_type:
        return None
    match = HEADER_CHARSET.search(content_type)
    return match.group(1) if match else None


def declared_charset(body: bytes) -> str | None:
    """The charset a document declares itself: XML declaration or HTML <meta>."""
    head = body[:SNIFF_BYTES]
    match = XML_DECLARATION.match(head) or META_CHARSET.search(head)
    return match.group(1).decode("ascii", "replace") if match else None


def normalise_label(label: str | None) -> str | None:
    """The Python codec name for a charset label, or None when Python does not know it."""
    if not label:
        return None
    try:
        name = codecs.lookup(label.strip().strip("\"'")).name
    except LookupError:
        return None
    name = name.replace("-", "_")
    return "cp1252" if name in {"iso8859_1", *WINDOWS_1252_ALIASES} else name


def decode_body(body: bytes, content_type: str | None = None) -> Decoded:
    """`body` as text, with the encoding used and where that choice came from."""
    for bom, encoding in BOMS:
        if body.startswith(bom):
            return Decoded(body[len(bom) :].decode(encoding, "replace"), encoding, "bom")
    utf8 = _try_decode(body, "utf_8")
    candidates = (
        ("header", normalise_label(charset_from_content_type(content_type))),
        ("document", normalise_label(declared_charset(body))),
    )
    for source, encoding in candidates:
        if encoding is None or (source == "document" and encoding in UNREADABLE_DECLARED):
            continue
        if utf8 is not None and not body.isascii() and _is_single_byte(encoding):
            return Decoded(utf8, "utf_8", "utf-8")
        text = _decode_single(body, encoding)
        if text is not None:
            return Decoded(text, encoding, source)
    if utf8 is not None:
        return Decoded(utf8, "utf_8", "utf-8")
    return detect(body)


def detect(body: bytes) -> Decoded:
    """Guess the encoding of `body` that declares none and is not UTF-8."""
    results = list(charset_normalizer.from_bytes(body))
    if not results:
        return Decoded(_decode_1252(body), "cp1252", "fallback")
    best_chaos = min(r.chaos for r in results)
    plausible = [r for r in results if r.chaos <= best_chaos + DETECTION_MARGIN]
    if any({"cp1252", "latin_1"} & set(r.could_be_from_charset) for r in plausible):
        text = _decode_1252(body)
        if looks_western(text):
            return Decoded(text, "cp1252", "detected")
    for result in sorted(results, key=lambda r: r.chaos):
        encoding = normalise_label(result.encoding)
        text = _decode_single(body, encoding) if encoding else None
        if encoding and text is not None:
            return Decoded(text, encoding, "detected")
    return Decoded(_decode_1252(body), "cp1252", "fallback")


def looks_western(text: str) -> bool:
    """True when `text` reads like a Western European language: few, ordinary accented letters.

    Cyrillic or Greek bytes read as windows-1252 give words made only of
    accented letters; Central European ones give symbols such as ³ and ¹
    inside words. Either rules windows-1252 out.
    """
    letters = accented = odd = 0
    for ch in text:
        if ch.isascii():
            letters += ch.isalpha()
        elif ch.isalpha():
            letters += 1
            accented += 1
        elif ch not in WESTERN_PUNCTUATION:
            odd += 1
    return accented <= 0.5 * max(letters, 1) and odd <= 0.01 * max(letters, 1)


def _try_decode(body: bytes, encoding: str) -> str | None:
    try:
        return body.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None


def _decode_single(body: bytes, encoding: str) -> str | None:
    if encoding == "cp1252":
        return _decode_1252(body)
    return _try_decode(body, encoding)


def _decode_1252(body: bytes) -> str:
    return body.decode("cp1252", errors=LATIN1_FALLBACK)


def _latin1_fallback(error: UnicodeError) -> tuple[str, int]:
    # Five bytes are undefined in windows-1252; browsers map them as Latin-1 does.
    assert isinstance(error, UnicodeDecodeError)
    return error.object[error.start : error.end].decode("latin_1"), error.end


LATIN1_FALLBACK = "storywatch-latin1-fallback"
codecs.register_error(LATIN1_FALLBACK, _latin1_fallback)


@functools.lru_cache(maxsize=64)
def _is_single_byte(encoding: str) -> bool:
    # A single-byte codec turns each of the 128 high bytes into one character;
    # multi-byte codecs pair them up.
    if encoding.startswith("utf"):
        return False
    try:
        return len(bytes(range(128, 256)).decode(encoding, "replace")) == 128
    except LookupError:
        return False
