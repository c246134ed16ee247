"""Text to number: figures, scale words and numbers in words, as English news writes them.

Pure string functions (no spaCy), so the quantity extractor and the thread
tracker normalise figures the same way. English conventions: a comma groups
thousands and a single dot is a decimal point, so "169.000" is 169.0; only an
unambiguous continental form ("1.234.567", "1.234,5") is read the other way.
Anything vague ("a few", "several", "dozens") or malformed gives None, never a guess.
"""
from __future__ import annotations

import re

# Longer inputs are not a number anyone writes ("seven hundred and seventy-seven million
# seven hundred and …" fits); refusing them bounds the work.
MAX_NUMBER_CHARS = 160

UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9,
}
TEENS = {
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}
TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90,
}
SCALES = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12}
# Abbreviated scales written after a figure: "400bn", "£3m", "100k".
SCALE_SUFFIXES = {
    "k": 1e3, "m": 1e6, "mn": 1e6, "mln": 1e6, "b": 1e9, "bn": 1e9, "tn": 1e12, "trn": 1e12,
}
NUMBER_WORDS = frozenset({*UNITS, *TEENS, *TENS, *SCALES, "hundred", "dozen"})

# Currency marks and codes that may sit directly before a figure; the figure is what we parse.
_CURRENCY_PREFIX = re.compile(
    r"^(?:[a-z]{0,2}\$|€|£|¥|₽|₹|₴|﷼|(?:usd|eur|gbp|rub|irr|cny|jpy|uah|inr)\s?|rs\.?\s?)",
)
_PERCENT_SUFFIX = re.compile(r"\s*(?:%|percent|per\s+cent|pct)$")
_ENGLISH = re.compile(r"^(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$")
_SPACED = re.compile(r"^\d{1,3}(?: \d{3})+$")
_CONTINENTAL = re.compile(r"^\d{1,3}(?:\.\d{3}){2,}(?:,\d+)?$|^\d{1,3}(?:\.\d{3})+,\d+$")
_FIGURE_WITH_SCALE = re.compile(r"^(?P<figure>[\d.,]+)\s*(?P<scale>[a-z]+)?$")
_SPACE = re.compile(r"[\s\u00a0\u2009\u202f]+")


def parse_number(text: str) -> float | None:
    """The number `text` states ("100,000", "1.2 million", "a hundred thousand", "$400bn", "90%"), or None."""
    if not isinstance(text, str) or len(text) > MAX_NUMBER_CHARS:
        return None
    cleaned = _SPACE.sub(" ", text).strip().lower().replace("\u2212", "-")
    cleaned = _PERCENT_SUFFIX.sub("", _CURRENCY_PREFIX.sub("", cleaned)).strip()
    sign = 1.0
    if cleaned.startswith(("-", "minus ")):
        sign, cleaned = -1.0, cleaned.split("-", 1)[1] if cleaned[0] == "-" else cleaned[6:]
        cleaned = cleaned.strip()
    value = _parse_figure(cleaned)
    if value is None:
        value = parse_number_words(cleaned)
    return None if value is None else sign * value


def parse_figure(text: str) -> float | None:
    """A figure in digits, without scale words: "100,000", "3.67", "1 000 000"."""
    text = text.replace("\u00a0", " ").replace("\u202f", " ").replace("\u2009", " ")
    if _ENGLISH.match(text):
        return float(text.replace(",", ""))
    if _SPACED.match(text):
        return float(text.replace(" ", ""))
    if _CONTINENTAL.match(text):
        return float(text.replace(".", "").replace(",", "."))
    return None


def _parse_figure(text: str) -> float | None:
    """Digits, optionally followed by a scale word or suffix ("1.2 million", "400bn", "2 dozen")."""
    plain = parse_figure(text)
    if plain is not None:
        return plain
    head, _, rest = text.partition(" ")
    figure = parse_figure(head)
    if figure is not None and rest:
        scale = _scale_of_words(rest)
        return None if scale is None else figure * scale
    match = _FIGURE_WITH_SCALE.match(text)
    if match and match["scale"] in SCALE_SUFFIXES:
        figure = parse_figure(match["figure"])
        return None if figure is None else figure * SCALE_SUFFIXES[match["scale"]]
    return None


def _scale_of_words(text: str) -> float | None:
    """The multiplier of trailing scale words: "million" 1e6, "hundred thousand" 1e5, "dozen" 12."""
    words = text.replace("-", " ").split()
    if not words:
        return None
    factor = 1.0
    for word in words:
        if word in SCALES:
            factor *= SCALES[word]
        elif word == "hundred":
            factor *= 100
        elif word == "dozen":
            factor *= 12
        else:
            return None
    return factor


def parse_number_words(text: str) -> float | None:
    """A number spelled in words: "twenty-five", "a hundred thousand", "two dozen", "half a million"."""
    words = [w for w in text.replace("-", " ").split() if w]
    if not words:
        return None
    if words[:2] == ["half", "a"] or words[:2] == ["half", "an"]:
        rest = _scale_of_words(" ".join(words[2:]))
        return None if rest is None else rest / 2
    if words[0] in ("a", "an"):
        # "a" counts as one only before a scale word: "a hundred", "a dozen", never "a few".
        if len(words) < 2 or words[1] not in ("hundred", "dozen", *SCALES):
            return None
        words = ["one", *words[1:]]
    return _sum_words(words)


def _sum_words(words: list[str]) -> float | None:
    """Add up number words with the grammar of English numerals; None on any word out of place."""
    total, group, last_scale, previous = 0.0, 0, float("inf"), ""
    for index, word in enumerate(words):
        if word == "and":
            # "one hundred and fifty": "and" only joins a scale word to what follows it.
            if previous not in ("hundred", *SCALES) or index == len(words) - 1:
                return None
        elif word in UNITS or word in TEENS or word in TENS:
            group = _add_small(group, word)
            if group is None:
                return None
        elif word == "hundred":
            if not 1 <= group <= 99:
                return None
            group *= 100
        elif word == "dozen":
            if group == 0 or group % 100 == 0 and group >= 100 or index != len(words) - 1:
                return None
            group *= 12
        elif word in SCALES:
            scale = SCALES[word]
            if group == 0 or scale >= last_scale:
                return None
            total, group, last_scale = total + group * scale, 0, scale
        else:
            return None
        previous = word
    return float(total + group)


def _add_small(group: int, word: str) -> int | None:
    """Add a unit, teen or tens word to the current group below a thousand, or None if misplaced."""
    below_hundred = group % 100
    if word in TENS or word in TEENS:
        return group + (TENS.get(word) or TEENS[word]) if below_hundred == 0 else None
    if below_hundred == 0 or (below_hundred >= 20 and below_hundred % 10 == 0):
        # "zero" only stands alone; "twenty zero" is no number.
        if word == "zero" and group:
            return None
        return group + UNITS[word]
    return None


def parse_range(text: str) -> tuple[float, float] | None:
    """Low and high of a range written in one piece ("169,000–190,000", "5-10"), low < high, or None."""
    if not isinstance(text, str) or len(text) > 2 * MAX_NUMBER_CHARS:
        return None
    parts = re.split(r"\s*[-\u2013\u2014]\s*|\s+to\s+", text.strip(), maxsplit=1)
    if len(parts) != 2:
        return None
    low, high = parse_number(parts[0]), parse_number(parts[1])
    if low is None or high is None or low >= high:
        return None
    return low, high
