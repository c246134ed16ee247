"""Which claims and sentences fill a slot: the hard cases a keyword tracker gets wrong."""
from __future__ import annotations

import datetime as dt
import functools
import itertools
from typing import Any

import pytest

from storywatch.language import nlp
from storywatch.language.cues import split_sentences
from storywatch.language.frames import frame_of
from storywatch.language.quantities import find_quantities
from storywatch.settings import REPO_ROOT
from storywatch.tracking.observations import ClaimRecord, Observation, read_article
from storywatch.tracking.relevance import parse_text
from storywatch.tracking.threads import Thread, load_threads_file

THREADS = {t.slug: t for t in load_threads_file(REPO_ROOT / "seeds" / "threads.yml")}
UKRAINE = THREADS["ukraine-buildup"]
JCPOA = THREADS["jcpoa-talks"]
FEB_13 = dt.datetime(2022, 2, 13, 16, tzinfo=dt.UTC)
_ids = itertools.count(1)


def quantity(body: str, text: str, value: float, unit: str | None, qualifier: str | None = None,
             *, low: float | None = None, high: float | None = None,
             speaker: str | None = None, modality: str | None = None) -> ClaimRecord:
    """A quantity claim as the extract stage writes it, located in `body`, with the frame the
    parse gives the figure there."""
    start = body.index(text)
    sentence = next(s for s in split_sentences(body) if s.start <= start < s.end)
    return ClaimRecord(
        claim_id=next(_ids), kind="quantity", text=text, evidence=sentence.text,
        sentence_index=sentence.index, start_char=start, end_char=start + len(text),
        value_num=value, value_low=low, value_high=high, unit=unit, qualifier=qualifier,
        speaker=speaker, attributed_to=speaker, modality=modality,
        details={"frame": parsed_frame(body, start, start + len(text))})


@functools.cache
def _pipeline() -> Any:
    return nlp.load_pipeline()


def parsed_frame(body: str, start: int, end: int) -> dict[str, Any]:
    """The frame of the figure the extract stage finds at [start, end) of `body`."""
    doc = _pipeline()(body)
    for found in find_quantities(doc):
        if found.start_char < end and start < found.end_char:
            return frame_of(doc, found).as_json()
    raise AssertionError(f"the extractor finds no figure at {body[start:end]!r}")


def read(thread: Thread, body: str, claims: list[ClaimRecord] = (), *,  # type: ignore[assignment]
         title: str = "", published: dt.datetime = FEB_13, outlet: str = "Wire") -> list[Observation]:
    return list(read_article(thread, parse_text(title, body), claims, published, outlet).observations)


def values(observations: list[Observation], slot: str) -> list[str]:
    return [o.value.text for o in observations if o.slot == slot]


# --- quantities ------------------------------------------------------------------------


def test_a_troop_estimate_with_its_qualifier_and_source() -> None:
    body = "Russia has built up more than 130,000 troops near Ukraine's borders, a US official said."
    found = read(UKRAINE, body, [quantity(body, "more than 130,000 troops", 130000, "troops",
                                          "at_least", speaker="a US official")])
    (obs,) = [o for o in found if o.slot == "troop_estimate"]
    assert obs.value.text == "more than 130,000 troops"
    assert (obs.value.num, obs.value.qualifier) == (130000, "at_least")
    assert obs.attributed_to == "a US official" and obs.party == "us"


def test_a_per_unit_figure_is_not_a_troop_estimate() -> None:
    body = ("Much of the Russian buildup near Ukraine is made up of battalion tactical groups, "
            "units of up to 1,000 troops each.")
    claim = quantity(body, "up to 1,000 troops", 1000, "troops", "at_most")
    assert values(read(UKRAINE, body, [claim]), "troop_estimate") == []


def test_troops_of_another_country_are_not_russias() -> None:
    body = "The Pentagon put about 8,500 US troops on alert as Russia massed forces near Ukraine."
    claim = quantity(body, "about 8,500 US troops", 8500, "troops", "approx")
    assert values(read(UKRAINE, body, [claim]), "troop_estimate") == []


def test_a_projection_is_not_an_estimate() -> None:
    body = "Russia could deploy as many as 175,000 troops near Ukraine, US intelligence warned."
    claim = quantity(body, "as many as 175,000 troops", 175000, "troops", "at_most")
    assert values(read(UKRAINE, body, [claim]), "troop_estimate") == []


def test_an_older_figure_in_the_same_sentence_is_set_aside() -> None:
    body = ("Russia now has more than 130,000 troops near Ukraine, up from the 100,000 troops "
            "cited in January.")
    claims = [quantity(body, "more than 130,000 troops", 130000, "troops", "at_least"),
              quantity(body, "100,000 troops", 100000, "troops")]
    assert values(read(UKRAINE, body, claims), "troop_estimate") == ["more than 130,000 troops"]


def test_a_figure_from_another_time_is_not_news() -> None:
    body = "In late January, Russia had about 100,000 troops near Ukraine."
    claim = quantity(body, "about 100,000 troops", 100000, "troops", "approx")
    assert values(read(UKRAINE, body, [claim]), "troop_estimate") == []


def test_the_size_of_a_whole_army_is_not_the_buildup() -> None:
    body = "Russia's armed forces number about 900,000 active personnel."
    claim = quantity(body, "about 900,000 active personnel", 900000, "personnel", "approx")
    assert values(read(UKRAINE, body, [claim], title="Russia and Ukraine"),
                  "troop_estimate") == []


def test_a_range_keeps_both_ends() -> None:
    body = "Russia has likely massed between 169,000 and 190,000 personnel in and near Ukraine."
    claim = quantity(body, "between 169,000 and 190,000 personnel", 190000, "personnel", "range",
                     low=169000, high=190000)
    (obs,) = [o for o in read(UKRAINE, body, [claim]) if o.slot == "troop_estimate"]
    assert (obs.value.low, obs.value.num, obs.value.qualifier) == (169000, 190000, "range")
    assert obs.value.text == "169,000\u2013190,000 troops"


def test_each_source_keeps_its_own_line_in_one_article() -> None:
    body = ("US officials put the Russian force near Ukraine at more than 130,000 troops. "
            "Ukraine's defence ministry said Russia has about 127,000 troops near its border.")
    claims = [quantity(body, "more than 130,000 troops", 130000, "troops", "at_least",
                       speaker="US officials"),
              quantity(body, "about 127,000 troops", 127000, "troops", "approx",
                       speaker="Ukraine's defence ministry")]
    found = [o for o in read(UKRAINE, body, claims) if o.slot == "troop_estimate"]
    assert {(o.party, o.value.num) for o in found} == {("us", 130000), ("ukraine", 127000)}


def test_enrichment_level_is_read_and_thresholds_and_limits_are_not() -> None:
    body = ("Iran is enriching uranium up to 60% purity, the IAEA said. The 2015 deal capped "
            "enrichment at a 3.67 percent limit, and levels of around 90 percent are needed "
            "for a weapon.")
    claims = [quantity(body, "up to 60%", 60, "percent", "at_most"),
              quantity(body, "3.67 percent", 3.67, "percent"),
              quantity(body, "around 90 percent", 90, "percent", "approx")]
    found = read(JCPOA, body, claims, title="Iran nuclear talks")
    assert values(found, "enrichment_level") == ["up to 60% U-235"]


def test_stockpile_units_are_converted_to_kg() -> None:
    body = "Iran's stockpile of enriched uranium has grown to 3.2 tonnes, the IAEA said."
    claim = quantity(body, "3.2 tonnes", 3.2, "tonnes")
    (obs,) = [o for o in read(JCPOA, body, [claim], title="Iran") if o.slot == "stockpile"]
    assert obs.value.num == pytest.approx(3200)


def test_a_sub_stockpile_is_not_the_stockpile() -> None:
    body = "Iran's stockpile now includes 33.2 kg enriched up to 60 percent, the report said."
    claim = quantity(body, "33.2 kg", 33.2, "kg")
    assert values(read(JCPOA, body, [claim], title="Iran"), "stockpile") == []


# --- statuses --------------------------------------------------------------------------


@pytest.mark.parametrize(("body", "state"), [
    ("Western officials say Putin might launch an invasion of Ukraine at any time.",
     "threatened"),
    ("Russia could invade Ukraine within days, US officials warned.", "threatened"),
    ("An invasion of Ukraine could begin within days, analysts said.", "threatened"),
    ("The West has threatened sanctions if Putin follows through on an invasion of Ukraine.",
     "threatened"),
    ("Russian forces invaded Ukraine before dawn on Sunday, Ukraine's interior ministry said.",
     "underway"),
    ("When Russia invaded Crimea in 2014, the West answered with sanctions against Ukraine's "
     "neighbour.", None),
    ("Is a Russian invasion of Ukraine under way?", None),
])
def test_invasion_status_respects_modality_and_time(body: str, state: str | None) -> None:
    assert values(read(UKRAINE, body, title="Russia and Ukraine"), "invasion_status") == (
        [state] if state else [])


@pytest.mark.parametrize(("body", "published", "state"), [
    ("Talks to revive the 2015 accord are floundering, diplomats said.", FEB_13, "stalled"),
    ("The talks were paused; a final text is essentially ready, diplomats said.", FEB_13,
     "paused"),
    ("The talks in Vienna were paused on March 11 and no date has been set.",
     dt.datetime(2022, 5, 10, tzinfo=dt.UTC), None),
    ("Once a deal is reached, Iran's oil could return to the market, analysts said of the talks.",
     FEB_13, None),
    ("No deal was reached in the Vienna talks this week.", FEB_13, None),
    ("Talks resumed in Vienna on Sunday after being paused for a month.", FEB_13, "ongoing"),
    ("The EU put forward the final text of a deal after four days of talks in Vienna.", FEB_13,
     "final_text"),
])
def test_talks_status_is_the_state_reported_as_current(body: str, published: dt.datetime,
                                                       state: str | None) -> None:
    found = read(JCPOA, body, title="Iran", published=published)
    assert values(found, "talks_status") == ([state] if state else [])


@pytest.mark.parametrize(("body", "state"), [
    ("Russia said some units were returning to their bases after drills.", "claimed"),
    ("The US has not verified any pullback of Russian troops, Biden said.", "disputed"),
    ("NATO said it had seen no sign of a withdrawal of Russian forces.", "disputed"),
    ("Russia says some troops are returning to their bases, but the US has not verified the "
     "pullback.", "disputed"),
])
def test_withdrawal_claims_and_their_dispute(body: str, state: str) -> None:
    assert values(read(UKRAINE, body, title="Russia and Ukraine"), "withdrawal_claim") == [state]


def test_one_state_per_article_even_when_it_mentions_several() -> None:
    body = ("The talks in Vienna were paused on Friday. Diplomats said a final text was ready. "
            "The talks had stalled in January.")
    assert values(read(JCPOA, body, title="Iran talks", published=FEB_13),
                  "talks_status") == ["paused"]


@pytest.mark.parametrize(("body", "state"), [
    # capability is no invasion
    ("Russia now has enough forces in place near Ukraine to invade at short notice, "
     "the Pentagon said.", "threatened"),
    # the narrative of the day, in the past perfect, is news; background is not
    ("By dawn, Russian troops had crossed into Ukraine from three directions.", "underway"),
    ("Russian troops had crossed into Ukraine in 2014 as well.", None),
])
def test_capability_and_the_past_perfect_of_the_day(body: str, state: str | None) -> None:
    assert values(read(UKRAINE, body, title="Russia and Ukraine"), "invasion_status") == (
        [state] if state else [])


def test_a_headline_disputing_a_claim_reports_the_dispute() -> None:
    found = read(UKRAINE, "Moscow said on Tuesday some units near Ukraine were returning to "
                 "their bases.", title="Kyiv says Russian pullback 'unconfirmed'")
    assert values(found, "withdrawal_claim") == ["disputed"]


@pytest.mark.parametrize(("sentence", "day"), [
    ("The authority said 321 ships were waiting to transit on Saturday.", dt.date(2021, 3, 27)),
    ("By Friday afternoon, 237 vessels were waiting at both ends of the canal.",
     dt.date(2021, 3, 26)),
    ("Some 400 ships were in the queue on March 28, the agency said.", dt.date(2021, 3, 28)),
    ("About 200 ships were waiting in March, the agency said.", None),  # a month is no day
    ("More than 300 ships have waited since Thursday.", None),  # "since" is no reading's day
    ("About 300 ships are waiting, the agency said.", None),
])
def test_the_day_a_figure_is_given_for(sentence: str, day: dt.date | None) -> None:
    from storywatch.tracking.observations import _figure_day

    sunday = dt.datetime(2021, 3, 28, 18, 20, tzinfo=dt.UTC)
    assert _figure_day(sentence, 0, len(sentence), sunday) == day


FIRE_THREADS = """
threads:
  - slug: dixie-fire
    title: "The Dixie Fire"
    parties:
      dixie: ["Dixie Fire"]
      caldor: ["Caldor Fire"]
      cal_fire: ["Cal Fire"]
    match:
      all_of:
        - ["Dixie Fire", Greenville]
      any_of: [fire, acres]
    slots:
      - {name: acres_burned, type: quantity, counts: acres, owner: dixie, unit_label: acres,
         cumulative: true, about: [burn*, fire]}
"""


@pytest.mark.parametrize(("lede", "owner_kept"), [
    ("The Dixie Fire forced new evacuations near Greenville on Monday, Cal Fire said.", True),
    # another fire is the article's topic: "the fire" is that one, not the thread's
    ("The Caldor Fire forced new evacuations near Pollock Pines on Monday, Cal Fire said, while "
     "the Dixie Fire to the north was quiet.\n\nThe Caldor Fire jumped a highway overnight.", False),
])
def test_the_fire_is_the_fire_the_article_is_about(tmp_path: Any, lede: str,
                                                   owner_kept: bool) -> None:
    threads = tmp_path / "threads.yml"
    threads.write_text(FIRE_THREADS, encoding="utf-8")
    (thread,) = load_threads_file(threads)
    body = lede + "\n\nThe fire has burned 120,000 acres, officials said."
    claim = quantity(body, "120,000 acres", 120000, "acres")
    found = read(thread, body, [claim], published=dt.datetime(2021, 8, 17, tzinfo=dt.UTC))
    assert (values(found, "acres_burned") == ["120,000 acres"]) is owner_kept


PORT_THREADS = """
threads:
  - slug: port-strike
    title: "The dockworkers' strike"
    parties:
      union: [dockworkers, union]
    match:
      all_of:
        - [dockworkers]
      any_of: [strike*, walkout, port]
    slots:
      - name: strike_status
        type: status
        about: [strike, walkout, contract, deal]
        states:
          - {name: threatened, phrases: ["authorize * strike", "strike deadline"]}
          - {name: on_strike, phrases: [strike, walkout, "walked off"]}
          - {name: ended, phrases: ["returned to work", "back at work"]}
      - {name: strike_cost, type: quantity, counts: dollars, unit_label: dollars,
         about: [cost]}
"""


def _port_thread(tmp_path: Any) -> Thread:
    path = tmp_path / "threads.yml"
    path.write_text(PORT_THREADS, encoding="utf-8")
    (thread,) = load_threads_file(path)
    return thread


@pytest.mark.parametrize(("title", "body", "state"), [
    # the longer phrase of another state says what the shorter one inside it would not
    ("", "Dockworkers voted on Sunday to authorize a strike at the port.", "threatened"),
    # a state that is the object or the subject of a verb of ending is over
    ("Dockworkers back at work as strike ends",
     "Dockworkers returned to work on Monday after the union voted to lift the strike, ending "
     "a walkout of 40 days.", "ended"),
    ("", "The dockworkers' strike is over, and cranes were moving again on Monday.", None),
])
def test_a_state_ended_or_named_inside_a_longer_phrase(tmp_path: Any, title: str, body: str,
                                                       state: str | None) -> None:
    found = read(_port_thread(tmp_path), body, title=title,
                 published=dt.datetime(2024, 10, 7, tzinfo=dt.UTC))
    assert values(found, "strike_status") == ([state] if state else [])


def test_a_when_clause_is_about_the_time_it_hangs_on(tmp_path: Any) -> None:
    body = ("It would be the first dockworkers' strike since 1977, when a 60-day stoppage cost "
            "the economy about $2 billion.")
    claim = quantity(body, "about $2 billion", 2_000_000_000, "dollars", "approx")
    found = read(_port_thread(tmp_path), body, [claim],
                 published=dt.datetime(2024, 9, 20, tzinfo=dt.UTC))
    assert values(found, "strike_cost") == []
