"""Text helpers shared by every stage: hashing, fingerprints, safe decoding."""
from __future__ import annotations

import hashlib
import re
import unicodedata

# Quote and dash styles a republisher (or a CMS) swaps without changing the text.
_FOLD_TABLE = str.maketrans({
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
    "\u00ab": '"', "\u00bb": '"', "\u2013": "-", "\u2014": "-", "\u2212": "-",
    "\u00a0": " ", "\u2009": " ", "\u202f": " ",
})
_NOT_WORD = re.compile(r"[\W_]+", re.UNICODE)


def sha256_text(text: str) -> str:
    """Hex sha256 of the UTF-8 encoding of `text`."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def fold_text(text: str) -> str:
    """Lower-case words only: quote styles, punctuation and whitespace folded away."""
    text = unicodedata.normalize("NFKC", text).translate(_FOLD_TABLE).casefold()
    return " ".join(_NOT_WORD.sub(" ", text).split())


def fingerprint(title: str | None, body: str) -> str:
    """sha256 of the folded headline and body: equal fingerprints mean the same article text."""
    return sha256_text(fold_text(title or "") + "\n" + fold_text(body))


def clean_text(text: str) -> str:
    """Text PostgreSQL can store: no NUL bytes, no lone surrogates, Unix newlines."""
    text = text.replace("\x00", "").replace("\r\n", "\n").replace("\r", "\n")
    return text.encode("utf-8", "replace").decode("utf-8")
