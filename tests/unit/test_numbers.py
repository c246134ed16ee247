"""parse_number: figures, scale words and numbers in words, and refusal of anything else."""
from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from storywatch.language.numbers import MAX_NUMBER_CHARS, parse_number, parse_range

SMALL = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
         "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
         "nineteen"]
TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]


def below_thousand_in_words(n: int, use_and: bool) -> str:
    """English words for 1..999, the way a reporter writes them."""
    hundreds, rest = divmod(n, 100)
    parts = [f"{SMALL[hundreds]} hundred"] if hundreds else []
    if rest:
        tens, units = divmod(rest, 10)
        words = SMALL[rest] if rest < 20 else TENS[tens] + (f"-{SMALL[units]}" if units else "")
        parts.append(("and " if use_and and hundreds else "") + words)
    return " ".join(parts)


def in_words(n: int, use_and: bool = False) -> str:
    """English words for 0..999,999."""
    if n == 0:
        return "zero"
    thousands, rest = divmod(n, 1000)
    parts = [f"{below_thousand_in_words(thousands, use_and)} thousand"] if thousands else []
    if rest:
        parts.append(below_thousand_in_words(rest, use_and))
    return " ".join(parts)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("100,000", 100000), ("1,234,567", 1234567), ("3.67", 3.67), ("1.2 million", 1.2e6),
        ("a hundred thousand", 100000), ("two", 2), ("twenty-five", 25), ("$400 billion", 4e11),
        ("90%", 90), ("60 percent", 60), ("60 per cent", 60), ("400bn", 4e11), ("€1.2bn", 1.2e9),
        ("£3m", 3e6), ("100k", 1e5), ("US$5 million", 5e6), ("two dozen", 24), ("a dozen", 12),
        ("half a million", 5e5), ("one hundred and fifty", 150), ("1.234.567", 1234567),
        ("1.234,5", 1234.5), ("169.000", 169.0), ("-5", -5), ("minus 5", -5),
        ("one million two hundred thousand", 1.2e6), ("Twenty Five", 25),
    ],
)
def test_parses_figures_and_words(text, value):
    assert parse_number(text) == value


@pytest.mark.parametrize(
    "text",
    ["a few", "several", "dozens", "hundreds", "many", "some", "a", "hundred", "thousand", "1,5",
     "1,23", "twenty thirty", "five five", "one and", "2015-2018", "", "   ", "11th", "$", "%",
     "three hundred hundred", "thousand million", "1" * 400],
)
def test_refuses_vague_or_malformed_text(text):
    assert parse_number(text) is None


def test_ranges_parse_low_and_high_and_refuse_reversed_ends():
    assert parse_range("169,000–190,000") == (169000, 190000)
    assert parse_range("169,000 to 190,000") == (169000, 190000)
    assert parse_range("3-1") is None


@settings(max_examples=200, deadline=500)
@given(st.integers(min_value=0, max_value=10**15))
def test_integers_with_thousands_separators_round_trip(n):
    assert parse_number(f"{n:,}") == n


@settings(max_examples=200, deadline=500)
@given(st.integers(min_value=0, max_value=999_999), st.booleans())
def test_numbers_in_words_below_a_million_round_trip(n, use_and):
    assert parse_number(in_words(n, use_and)) == n


@settings(max_examples=200, deadline=500)
@given(st.text(max_size=200))
def test_never_raises_on_arbitrary_text(text):
    result = parse_number(text)
    assert result is None or isinstance(result, float)


@settings(max_examples=50, deadline=500)
@given(st.text(alphabet="0123456789,. -", min_size=MAX_NUMBER_CHARS + 1, max_size=5000))
def test_absurd_lengths_return_none(text):
    assert parse_number(text) is None


def test_a_megabyte_of_digits_is_refused_quickly():
    started = time.perf_counter()
    assert parse_number("9" * 1_000_000) is None
    assert parse_range("9" * 1_000_000) is None
    assert time.perf_counter() - started < 0.1
