"""The lexical half of quantity extraction: figures, ranges and qualifiers found without a parse."""
from __future__ import annotations

import pytest

from storywatch.language.figures import lex, masked_spans, scan, unmasked


def figures(text: str) -> list[tuple[float | None, float | None, str | None]]:
    lexemes = unmasked(lex(text), masked_spans(text))
    return [(f.value, f.low, f.qualifier) for f in scan(lexemes) if f.qualifier != "invalid"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("some 100,000", [(100000, None, "approx")]),
        ("well over 100,000", [(100000, None, "at_least")]),
        ("just under 50", [(50, None, "at_most")]),
        ("no more than 50", [(50, None, "at_most")]),
        ("100,000 or so", [(100000, None, "approx")]),
        ("100-odd", [(100, None, "approx")]),
        ("100,000+", [(100000, None, "at_least")]),
        ("169,000–190,000", [(190000, 169000, "range")]),
        ("$5bn-$10bn", [(10e9, 5e9, "range")]),
        ("between 1.2 and 1.5 million", [(1.5e6, 1.2e6, "range")]),
        ("from 100,000 to 130,000", [(130000, 100000, "range")]),
        ("twenty-five", [(25, None, None)]),
        ("a hundred and fifty", [(150, None, None)]),
        ("about an hour", [(1, None, "approx")]),
    ],
)
def test_figures_with_their_bounds(text, expected):
    assert figures(text) == expected


def test_a_change_from_one_figure_to_another_is_not_a_range():
    found = list(scan(lex("rose from 100,000 to 130,000")))
    assert [(f.value, f.low, f.previous) for f in found] == [(130000, None, 100000)]


@pytest.mark.parametrize(
    "text",
    ["at 10:30 a.m.", "at 9pm", "on 2022-02-13", "call 555-123-4567", "open 24/7", "the 11th",
     "COVID-19", "S-400", "G7", "in the 1990s", "a week"],
)
def test_no_figure_in_times_dates_names_and_ordinals(text):
    assert figures(text) == []


def test_reversed_range_is_dropped_whole():
    assert figures("won 3-1") == []


def test_vague_amounts_are_found_without_a_value():
    found = list(scan(lex("just a few weeks and several thousand troops")))
    assert [(f.value, f.vague) for f in found] == [(None, True), (None, True)]


def test_lexemes_carry_document_offsets():
    text = "Russia has some 100,000 troops."
    found = next(iter(scan(lex(text[11:], offset=11))))
    assert found.atoms[0].start >= 0
    lexemes = lex(text[11:], offset=11)
    assert text[lexemes[found.start].start:lexemes[found.end - 1].end] == "some 100,000"
