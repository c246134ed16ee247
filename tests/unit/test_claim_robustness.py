"""Hostile input for the quantity and status rules: nothing crashes, nothing runs away."""
from __future__ import annotations

import time

import pytest
import spacy

from storywatch.language.quantities import find_quantities
from storywatch.language.statuses import find_statuses


@pytest.fixture(scope="module")
def unparsed():
    """A pipeline that only splits sentences: no tags, no parse, no entities."""
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    return nlp


@pytest.mark.parametrize(
    "text",
    [
        "",
        " \n\t ",
        "\u201c" * 300,
        '"He said ' * 200,
        "Россия сосредоточила около 100 000 военнослужащих у границы Украины.",
        "ロシアは約10万人の部隊を集結させた。",
        "1" * 400,
        "$" * 500 + "%" * 500,
        "between and to - – — or " * 60,
    ],
)
def test_odd_texts_give_lists_without_crashing(nlp, text):
    doc = nlp(text)
    assert isinstance(find_quantities(doc), list)
    assert isinstance(find_statuses(doc), list)


def test_a_doc_without_sentence_boundaries_is_read_as_one_sentence():
    doc = spacy.blank("en")("Russia has massed some 100,000 troops. Talks stalled.")
    assert [c.value for c in find_quantities(doc)] == [100000]
    assert find_statuses(doc) == []


def test_an_unparsed_doc_still_gives_figures(unparsed):
    claims = find_quantities(unparsed("Russia has massed some 100,000 troops near Ukraine."))
    assert [(c.value, c.qualifier, c.subject) for c in claims] == [(100000, "approx", None)]


def test_fifty_thousand_character_sentence_is_read_in_linear_time(unparsed):
    doc = unparsed(("and some 100,000 troops, 3 tanks, 20 ft " * 1300)[:50000])
    started = time.perf_counter()
    claims = find_quantities(doc)
    assert time.perf_counter() - started < 3
    assert len(claims) > 1000


def test_long_run_on_sentence_skips_clause_analysis(nlp):
    text = "The talks stalled and " * 300 + "the troops numbered some 100,000."
    doc = nlp(text)
    started = time.perf_counter()
    assert find_statuses(doc) == [] or all(len(s.text) < len(text) for s in find_statuses(doc))
    claims = find_quantities(doc)
    assert time.perf_counter() - started < 2
    assert [(c.value, c.subject) for c in claims] == [(100000, None)]


def test_claim_offsets_are_unique_per_kind(seed_doc):
    statuses = find_statuses(seed_doc)
    quantities = find_quantities(seed_doc)
    assert len({(s.start_char, s.end_char) for s in statuses}) == len(statuses)
    assert len({(q.start_char, q.end_char) for q in quantities}) == len(quantities)
    assert all(seed_doc.text[q.start_char:q.end_char] == q.text for q in quantities)
    assert all(seed_doc.text[s.start_char:s.end_char] == s.text for s in statuses)
