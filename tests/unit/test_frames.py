"""Claim frames: what a figure is, read from the parse, in the shapes news writes figures."""
from __future__ import annotations

import functools
from typing import Any

import pytest

from storywatch.language import nlp
from storywatch.language.counted import counted_class, inflections, measure_factor, singular
from storywatch.language.frames import frame_of
from storywatch.language.quantities import find_quantities


@functools.cache
def _pipeline() -> Any:
    return nlp.load_pipeline()


def frame(sentence: str, figure: str) -> dict[str, Any]:
    """The frame of the figure whose text contains `figure`."""
    doc = _pipeline()(sentence)
    for found in find_quantities(doc):
        if figure in found.text or found.text in figure:
            return frame_of(doc, found).as_json()
    raise AssertionError(f"no figure {figure!r} in {sentence!r}")


@pytest.mark.parametrize(("sentence", "figure", "kind"), [
    # totals and measures
    ("The army has gathered close to 90,000 soldiers along the northern frontier.", "90,000", "total"),
    ("Officials said the reserve now holds 4,100 kilograms of the metal.", "4,100", "measure"),
    # a share of a whole is not a count of it
    ("The general said 45 percent of the brigades were at full strength.", "45 percent", "share"),
    ("Between 20 and 25 per cent of the recruits are volunteers.", "25 per cent", "share"),
    # a size per unit
    ("The force is organised in battalions, each with as many as 700 soldiers.", "700", "per_unit"),
    ("They travel in convoys of up to 40 trucks each.", "40", "per_unit"),
    # changes are not totals
    ("The ministry has sent 3,000 more soldiers to the frontier.", "3,000", "change"),
    ("Commanders ordered a further 2,500 troops to the coast.", "2,500", "change"),
    ("Okoye widened her lead on Saturday, gaining 176 votes in the absentee count.", "176",
     "change"),
    ("The reserve is up 55 kg on the previous quarter.", "55 kg", "change"),
    ("Stocks rose to 800 kg, an increase of 30 kg in three months.", "30 kg", "change"),
    # rules' bounds and parts of a whole
    ("The treaty set a ceiling of 150 kg on the reserve.", "150 kg", "limit"),
    ("The 1999 accord capped purity at 5 percent.", "5 percent", "limit"),
    ("The reserve includes 12 kg of the purest grade.", "12 kg", "part"),
    # a coordinated figure shares its first conjunct's governor; a coordinated clause does not
    ("The bill includes $40 million for new roads and $25 million for the harbour wall.",
     "$25 million", "part"),
    ("The garrison includes 800 marines and 1,200 reservists on the islands.", "1,200", "part"),
    ("The reserve includes 12 kg of the purest grade and the ministry holds 900 kg.", "900 kg",
     "measure"),
    # what a value was before it moved: "to X from Y"
    ("The port authority lowered its claim to $40 million from $75 million.", "$75 million",
     "previous"),
    ("The garrison grew to 9,000 soldiers from 6,500 over the winter.", "6,500", "previous"),
    ("The club received 52 votes from 100 members present.", "100", "total"),
])
def test_the_kind_of_a_figure(sentence: str, figure: str, kind: str) -> None:
    assert frame(sentence, figure)["kind"] == kind


@pytest.mark.parametrize(("sentence", "figure", "owner", "via"), [
    ("Officials said Norway's 4,000 troops will remain in the region.", "4,000", "Norway", "possessor"),
    ("The troops of Chile now total about 3,000, the ministry said.", "3,000", "Chile", "of"),
    ("Some 12,000 Turkish soldiers remain on the island.", "12,000", "Turkish", "modifier"),
    ("The Pentagon placed 6,000 soldiers on heightened alert.", "6,000", "The Pentagon", "subject"),
    ("Brazil has deployed 2,000 troops to the border region.", "2,000", "Brazil", "subject"),
    # a complement with no subject of its own takes the subject of the clause it completes;
    # a subject that is itself a figure is no one's
    ("Further north, the Ridge Fire was 60 percent contained, officials said.", "60 percent",
     "the Ridge Fire", "subject"),
    ("Further north, the Ridge Fire was 40 percent contained at 12,500 acres.", "12,500",
     "the Ridge Fire", "subject"),
    # conjoined predicates share their subject; one the parse joins to the attribution
    # shares the reported clause's, not the source's
    ("The Hollow Creek Fire has burned 8,000 acres and was 15 percent contained on Monday.",
     "15 percent", "The Hollow Creek Fire", "subject"),
    ("The Hollow Creek Fire burned 8,000 acres, the forest service said, and was 90 percent "
     "contained by Friday.", "90 percent", "The Hollow Creek Fire", "subject"),
    # a possessive pronoun is the clause's subject
    ("The port authority lowered its claim to $40 million on Monday.", "$40 million",
     "The port authority", "possessor"),
])
def test_the_owner_comes_from_the_syntax(sentence: str, figure: str, owner: str, via: str) -> None:
    found = frame(sentence, figure)
    assert (found.get("owner"), found.get("owner_via")) == (owner, via)


def test_a_measure_belongs_to_the_subject_that_reaches_it_a_count_only_to_one_that_holds_it(
        ) -> None:
    assert frame("The northern rig has bored about 40 metres so far.", "40")["owner"] == (
        "The northern rig")
    assert frame("Rescuers pulled 12 workers out of the tunnel.", "12").get("owner") is None


def test_an_estimate_names_its_source_not_an_owner() -> None:
    found = frame("Analysts put the Serbian force at more than 20,000.", "20,000")
    assert (found["owner"], found["kind"], found["counted"]) == ("Serbian", "total", "troop")


@pytest.mark.parametrize(("sentence", "figure", "modality"), [
    ("The alliance could send as many as 8,000 troops next month.", "8,000", "projected"),
    ("If talks fail, the army would field 50,000 soldiers.", "50,000", "conditional"),
    ("Officials did not confirm that 9,000 troops had arrived.", "9,000", "asserted"),
    ("Levels of 85 percent are needed for a warhead.", "85 percent", "required"),
])
def test_modality(sentence: str, figure: str, modality: str) -> None:
    assert frame(sentence, figure)["modality"] == modality


def test_the_past_perfect_is_background() -> None:
    found = frame("By March, the rebels had gathered 5,000 fighters near the capital.", "5,000")
    assert found["tense"] == "past_perfect"


def test_counted_classes_and_measures() -> None:
    assert {counted_class(w) for w in ("troops", "soldiers", "Russian forces", "personnel",
                                       "servicemen", "service members")} == {"troop"}
    assert counted_class("kilograms") == "kg" and counted_class("per cent") == "percent"
    assert singular("miners") == "miner" and singular("children") == "child"
    assert measure_factor("tonnes", "kg") == 1000.0 and measure_factor("kg", "km") is None
    assert {"ratified", "ratifies", "ratifying"} <= inflections("ratify")
    assert {"stopped", "stopping", "stops"} <= inflections("stop")


def test_a_part_of_a_counted_whole_takes_the_whole_s_unit_and_the_whole_is_no_total() -> None:
    doc = _pipeline()("Rescuers have now brought nine of the 27 climbers down the mountain.")
    found = {q.text: frame_of(doc, q).as_json() for q in find_quantities(doc)}
    assert (found["nine"]["kind"], found["nine"]["counted"]) == ("total", "climber")
    assert found["27 climbers"]["kind"] == "whole"


@pytest.mark.parametrize(("sentence", "figure", "owner"), [
    # the possessor of the noun a figure gives the size of
    ("The board certified Mayor Ruth Okoye's lead of 312 votes over her rival.", "312 votes",
     "Mayor Ruth Okoye"),
    ("The county certified Okoye's 312-vote edge on Monday.", "312-vote", "Okoye"),
    ("Okoye's lead over Brandt has narrowed to 206 votes.", "206 votes", "Okoye"),
    # the subject of a verb of leading or winning
    ("Brandt now leads Okoye by 49 votes.", "49 votes", "Brandt"),
    # whoever is ahead by it
    ("The county certified the count, showing Okoye ahead of Brandt by 225 votes.", "225 votes",
     "Okoye"),
])
def test_whose_margin_a_figure_is(sentence: str, figure: str, owner: str) -> None:
    assert frame(sentence, figure).get("owner") == owner


def test_a_dateline_s_place_is_never_the_owner_its_parse_makes_it() -> None:
    from storywatch.language.analysis import analyse_texts

    (extraction,) = analyse_texts(["ST. CLOUD, Minn., Dec 30 (Northstar Wire) - Democrat Ruth "
                                   "Okoye leads Republican Tom Brandt by 49 votes in the recount."])
    [figure] = [c for c in extraction.claims if c.kind == "quantity"]
    assert figure.details["frame"].get("owner") == "Democrat Ruth Okoye"
