"""Sentence splitting for news text: good enough to diff versions and compare copies.

Splits on sentence-final punctuation followed by a capital, digit or opening
quote, and on paragraph breaks, while keeping common abbreviations ("Mr.",
"U.S.", "Jan.") and initials inside their sentence.
"""
from __future__ import annotations

import re

# Words that end with a period without ending the sentence.
_ABBREVIATIONS = frozenset("""
mr mrs ms dr prof sen rep gov gen col lt sgt capt adm st jr sr rev hon pres
jan feb mar apr jun jul aug sep sept oct nov dec
no nos vol fig inc ltd co corp bros dept est approx vs etc al
a.m p.m u.s u.k u.n e.u d.c
""".split())

_BOUNDARY = re.compile(
    r"""(?<=[.!?…])["'\u201d\u2019)\]]*\s+(?=["'\u201c\u2018(\[]?[A-Z0-9\u00c0-\u024f])"""
)
_LAST_WORD = re.compile(r"(\S+)$")


def split_paragraphs(text: str) -> list[str]:
    """Non-empty lines of `text`, whitespace collapsed (news bodies put one paragraph per line)."""
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()]


def split_sentences(text: str) -> list[str]:
    """The sentences of `text`, in order, each with its whitespace collapsed."""
    sentences: list[str] = []
    for paragraph in split_paragraphs(text):
        start = 0
        for match in _BOUNDARY.finditer(paragraph):
            candidate = paragraph[start:match.start()]
            if _ends_with_abbreviation(candidate):
                continue
            sentences.append(paragraph[start:match.end()].strip())
            start = match.end()
        tail = paragraph[start:].strip()
        if tail:
            sentences.append(tail)
    return sentences


def _ends_with_abbreviation(candidate: str) -> bool:
    match = _LAST_WORD.search(candidate)
    if match is None:
        return False
    word = match.group(1).rstrip(".").lstrip("\"'(\u201c\u2018").lower()
    # A single letter ("J. Smith") is an initial, not the end of a sentence.
    return word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha())
