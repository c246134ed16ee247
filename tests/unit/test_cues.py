"""Reading sentences: time references, clauses, negation, modality, attribution, phrases."""
from __future__ import annotations

import datetime as dt

import pytest

from storywatch.language.cues import (
    find_attribution,
    find_phrase,
    leading_time_phrase,
    refers_to_past,
    segment_bounds,
    split_sentences,
    tokenize,
    tokenize_phrase,
)

MAY_10 = dt.datetime(2022, 5, 10, 8, tzinfo=dt.UTC)
FEB_20 = dt.datetime(2022, 2, 20, 9, tzinfo=dt.UTC)
MAR_12 = dt.datetime(2022, 3, 12, 9, tzinfo=dt.UTC)


@pytest.mark.parametrize(("clause", "published", "past"), [
    ("the talks were paused on March 11", MAY_10, "on march 11"),
    ("the talks were paused on March 11", MAR_12, None),
    ("the 100,000 troops cited in January", FEB_20, "in january"),
    ("when Russia invaded Crimea in 2014", FEB_20, "in 2014"),
    ("Last November the government returned to the talks", dt.datetime(2022, 1, 19, tzinfo=dt.UTC),
     "last november"),
    ("the talks have been paused since March", MAY_10, None),
    ("talks to revive the 2015 accord are floundering", FEB_20, None),
    ("the talks were paused on Friday", MAR_12, None),
    ("Austin said two weeks ago", FEB_20, "two weeks ago"),
    ("the figure given last month", FEB_20, "last month"),
    ("in December", dt.datetime(2022, 1, 19, tzinfo=dt.UTC), "in december"),
    # a span of years is as old as its last year; a date written with dashes is no span
    ("the 2014-2016 epidemic killed 11,000 people", FEB_20, "2014-2016"),
    ("in the 2019-20 season the club lost 30 games", FEB_20, "2019-20"),
    ("the 2021-22 season has cost the club 30 games", FEB_20, None),
    ("figures released on 2022-02-18 show", FEB_20, None),
])
def test_time_references_are_resolved_against_the_publication_date(
        clause: str, published: dt.datetime, past: str | None) -> None:
    assert refers_to_past(clause, published, 4) == past


def test_without_a_publication_date_nothing_is_dated() -> None:
    assert refers_to_past("the talks were paused on March 11", None, 4) is None


def test_an_opening_time_phrase_dates_the_whole_sentence() -> None:
    sentence = "On March 11, the talks in Vienna were paused."
    span = leading_time_phrase(sentence)
    assert span is not None and sentence[span[0]:span[1]] == "On March 11"
    assert leading_time_phrase("Talks resumed, diplomats said.") is None


def test_clauses_split_at_commas_and_semicolons_but_not_inside_figures() -> None:
    sentence = ("Western estimates put the force at more than 150,000, far above the 100,000 "
                "cited in January; at 05:40 it ended.")
    parts = [sentence[a:b] for a, b in segment_bounds(sentence)]
    assert parts == ["Western estimates put the force at more than 150,000",
                     "far above the 100,000 cited in January", "at 05:40 it ended."]


def test_sentences_split_at_full_stops_but_not_after_abbreviations() -> None:
    text = "The U.S. Defense Secretary spoke. Talks resumed in Vienna on Feb. 8.\nNew paragraph"
    assert [s.text for s in split_sentences(text)] == [
        "The U.S. Defense Secretary spoke.", "Talks resumed in Vienna on Feb. 8.", "New paragraph"]


def test_words_fold_case_quotes_dots_and_possessives() -> None:
    assert [t.text for t in tokenize("Ukraine\u2019s U.S.-backed army, 60%")] == [
        "ukraine", "us", "backed", "army", "60", "percent"]


def test_phrases_match_with_gaps_and_prefixes() -> None:
    words = [t.text for t in tokenize("Russia launched a full-scale invasion of Ukraine")]
    assert find_phrase(words, tokenize_phrase("launched * invasion")) == [(1, 6)]
    assert find_phrase(words, tokenize_phrase("invad*")) == []
    assert find_phrase(words, tokenize_phrase("invasion of Ukraine")) == [(5, 8)]
    assert find_phrase([t.text for t in tokenize("units began returning to their bases")],
                       tokenize_phrase("return* to * base*")) == [(2, 6)]


@pytest.mark.parametrize(("sentence", "who"), [
    ("Russia has more than 130,000 troops near Ukraine, a US official said.", "a US official"),
    ("The force numbers 127,000, according to Ukraine's defence ministry.",
     "Ukraine's defence ministry"),
    ("Moscow says units have been returning to base", "Moscow"),
    ("Talks to revive the accord are floundering.", None),
])
def test_attribution_is_read_from_the_sentence(sentence: str, who: str | None) -> None:
    assert find_attribution(sentence) == who


def test_a_wildcard_word_matches_its_irregular_past() -> None:
    from storywatch.language.cues import find_phrase

    assert find_phrase(["coleman", "led", "by", "725", "votes"], ("lead*",)) == [(1, 2)]
    assert find_phrase(["she", "won", "by", "312"], ("win*", "by")) == [(1, 3)]
