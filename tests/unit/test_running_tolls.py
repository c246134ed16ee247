"""Running tolls (cases, deaths) of an outbreak, read the way news writes them.

The story (a fever outbreak in an invented valley) is written for the test; nothing in the
code names it. Figures go through the real extractor, so the frames are covered too: verbs
that make people a toll, parts of a count of something else, other outbreaks, earlier values,
the same source named twice, and the largest figure of an article's opening as its total.
"""
from __future__ import annotations

import datetime as dt

import pytest

from storywatch.tracking.observations import fuller_descriptions
from storywatch.tracking.threads import parse_threads
from tests.reading import read_with_extractor, slot_values

FEVER = """
threads:
  - slug: corran-fever
    title: "The fever outbreak in the Corran valley"
    parties:
      corran: [Corran, Eastby, Millford]
      westmoor: [Westmoor, Hallam]
    match:
      all_of: [[fever]]
      any_of: [outbreak, cases, {term: Corran, weight: 3}]
    slots:
      - {name: cases, type: quantity, counts: cases, owner: corran, unit_label: cases,
         cumulative: true, about: [cases, outbreak, fever, infect*]}
      - {name: deaths, type: quantity, counts: deaths, owner: corran, unit_label: deaths,
         cumulative: true, about: [deaths, died, killed, toll, outbreak, fever]}
"""
(THREAD,) = parse_threads(FEVER, where="fever.yml")
JUNE_9 = dt.datetime(2019, 6, 9, 15, tzinfo=dt.UTC)


def read(body: str) -> dict[str, list[str]]:
    reading = read_with_extractor(THREAD, body, title="Fever outbreak in the Corran valley",
                                  published=JUNE_9)
    return {slot: slot_values(reading, slot) for slot in ("cases", "deaths")}


@pytest.mark.parametrize(("body", "cases", "deaths"), [
    # the verb makes the people it counts a toll
    ("The fever outbreak has killed 14 people in the Corran valley, the health agency said.",
     [], ["14 deaths"]),
    ("The fever has infected 61 people in the valley since May, the health agency said.",
     ["61 cases"], []),
    ("Nineteen people have died of the fever in Corran since May, the health agency said.",
     [], ["19 deaths"]),
    # a part of a count of something else is the whole of what it counts
    ("Clinics in the valley have recorded 61 cases of the fever since May, including 14 deaths, "
     "the health agency said.", ["61 cases"], ["14 deaths"]),
    # ... but a part of the same toll is not the toll
    ("The fever outbreak has killed 14 people in Corran, including three in Eastby, the agency "
     "said.", [], ["14 deaths"]),
])
def test_tolls_as_news_writes_them(body: str, cases: list[str], deaths: list[str]) -> None:
    assert read(body) == {"cases": cases, "deaths": deaths}


@pytest.mark.parametrize("body", [
    # another outbreak, introduced as one of a series or new to the text
    "That first outbreak of the fever killed 40 people, the agency said.",
    "An outbreak of the fever killed 40 people in the valley, the agency said.",
    "The previous outbreak of the fever killed 40 people, the agency said.",
    # another party's outbreak: the cause names where it is
    "The fever outbreak in Westmoor has killed 40 people, the agency said.",
    # a span of years before now dates the whole sentence
    "The 2009-2011 fever epidemic was the worst on record: it killed 40 people.",
    # earlier values of a change, the second joined to the first
    "The count was up from 45 cases and 9 deaths when the outbreak was first reported.",
])
def test_what_is_not_the_current_toll(body: str) -> None:
    assert read(body) == {"cases": [], "deaths": []}


def test_an_article_s_total_is_the_largest_figure_its_opening_gives_for_one_source() -> None:
    body = ("Laboratory tests have confirmed 12 cases of the fever in the Corran valley, the "
            "regional health agency said on Sunday.\n\n"
            "Clinics have recorded 61 cases since May, the agency said.\n\n"
            "An outbreak in 2009 infected 300 people, records show.")
    assert read(body)["cases"] == ["61 cases"]


def test_a_source_named_again_in_fewer_words_is_the_same_source() -> None:
    assert fuller_descriptions(["the regional health agency", "the agency", None]) == {
        "the agency": "the regional health agency"}
    # two fuller candidates: "the ministry" stays as written
    assert fuller_descriptions(["the health ministry", "the defence ministry",
                                "the ministry"]) == {}
    # a different head noun is a different source
    assert fuller_descriptions(["the agency", "an agency official"]) == {}
