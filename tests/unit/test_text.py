"""Fingerprints fold what republishing changes and keep what editing changes."""
from __future__ import annotations

from storywatch.text import clean_text, fingerprint, fold_text


def test_fingerprint_ignores_quote_styles_spacing_and_punctuation() -> None:
    a = fingerprint("Talks stall", "\u201cWe are close,\u201d he said.\n\nMore  text.")
    b = fingerprint("Talks stall", '"We are close" he said. More text')
    assert a == b


def test_fingerprint_changes_with_the_words() -> None:
    assert fingerprint(None, "Russia has 100,000 troops") != fingerprint(None, "Russia has 130,000 troops")


def test_fingerprint_changes_with_the_headline() -> None:
    assert fingerprint("Old headline", "same body") != fingerprint("New headline", "same body")


def test_fold_text_keeps_digits_and_letters_only() -> None:
    assert fold_text("\u201cSome 100,000\u201d \u2014 troops!") == "some 100 000 troops"


def test_clean_text_removes_nul_and_lone_surrogates() -> None:
    assert clean_text("a\x00b\ud800c\r\nd") == "ab?c\nd"
