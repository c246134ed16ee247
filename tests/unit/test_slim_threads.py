"""A thread an analyst writes in a few lines: slots declared by what they count and whose.

The story here (a ferry strike on an island) is invented for the test; nothing in the code
names it. Figures are read through the real extractor, so these tests cover the frames too.
"""
from __future__ import annotations

import datetime as dt
import logging

import pytest

from storywatch.tracking.threads import ThreadsError, parse_threads
from tests.reading import read_with_extractor, slot_values

FERRY_STRIKE = """
threads:
  - slug: ferry-strike
    title: "The island ferry strike"
    parties:
      union: [union, crews, seafarers, strikers, Hale]
      operator: [operator, Northline, company, management]
      government: [government, ministry, minister]
    match:
      all_of: [[ferry, ferries, Northline]]
      any_of: [strike, walkout, {term: Northline, weight: 3}]
    slots:
      - name: strikers
        type: quantity
        counts: seafarers
        owner: union
        about: [strike, walkout, picket*]
        unit_label: seafarers
      - name: strike_status
        type: status
        about: [strike, walkout, talks, deal]
        states:
          - name: on_strike
            phrases: [walk out, strike began, picket]
          - name: talks
            phrases: [resume talks, talks resume]
          - name: settled
            phrases: [reach a deal, ratify * deal]
            negated: on_strike
"""
(THREAD,) = parse_threads(FERRY_STRIKE, where="ferry.yml")


def strikers(body: str) -> list[str]:
    return slot_values(read_with_extractor(THREAD, body, title="Northline ferry strike"),
                       "strikers")


def test_a_current_total_fills_the_slot() -> None:
    assert strikers("About 1,200 seafarers walked out on strike, the union said on Sunday, "
                    "halting every Northline ferry.") == ["about 1,200 seafarers"]


@pytest.mark.parametrize("body", [
    # a share of the whole
    "Roughly 40 percent of the seafarers on strike are deckhands, the union said.",
    # a change, not the total
    "A further 300 seafarers joined the strike on Thursday, the union said.",
    # a size per unit
    "The strike pickets are organised in crews of up to 12 seafarers each.",
    # another party's people
    "The operator said its 200 office seafarers were not part of the strike.",
    # a projection
    "The union warned that as many as 2,000 seafarers could join the strike next week.",
    # a question
    "Will 2,000 seafarers join the strike next week?",
])
def test_what_is_not_the_current_total(body: str) -> None:
    assert strikers(body) == []


def test_synonyms_of_the_counted_noun_need_no_list() -> None:
    # "workers" is not "seafarers": a slot counts one thing, named once
    assert strikers("About 1,200 workers walked out on Monday in the ferry strike.") == []


def test_the_figure_s_own_sentence_must_name_what_the_slot_is_about() -> None:
    assert strikers("About 1,200 seafarers live on the island, the ministry said.") == []


def test_states_follow_the_order_of_the_list_and_inflect() -> None:
    reading = read_with_extractor(
        THREAD, "Union leaders and Northline resumed talks on Friday as the strike went on.",
        title="Northline ferry strike")
    assert slot_values(reading, "strike_status") == ["talks"]
    assert [s.priority for s in THREAD.slot("strike_status").states] == [1, 2, 3]  # type: ignore[union-attr]


def test_an_owner_must_be_a_party() -> None:
    broken = FERRY_STRIKE.replace("owner: union", "owner: unoin")
    with pytest.raises(ThreadsError, match=r"owner 'unoin' .* is not a party.*did you mean 'union'"):
        parse_threads(broken, where="ferry.yml")


def test_the_old_word_window_keys_still_load_with_advice(caplog: pytest.LogCaptureFixture) -> None:
    old = FERRY_STRIKE.replace("        owner: union\n", "        owner_any: [union]\n")
    with caplog.at_level(logging.WARNING):
        (thread,) = parse_threads(old, where="ferry.yml")
    assert thread.slot("strikers") is not None
    assert any("'owner_any'" in r.message and "owner: PARTY" in r.message for r in caplog.records)


def test_a_slot_may_count_a_figure_written_with_several_nouns() -> None:
    (thread,) = parse_threads(FERRY_STRIKE.replace("counts: seafarers", "counts: [seafarers, workers]"),
                              where="ferry.yml")
    reading = read_with_extractor(thread, "About 1,200 workers walked out on strike, the union "
                                  "said on Sunday.", title="Northline ferry strike")
    assert slot_values(reading, "strikers") == ["about 1,200 seafarers"]


def test_money_is_counted_in_its_currency() -> None:
    text = FERRY_STRIKE.replace("""      - name: strike_status""", """      - name: losses
        type: quantity
        counts: dollars
        owner: operator
        about: [strike, walkout]
        unit_label: dollars
      - name: strike_status""")
    (thread,) = parse_threads(text, where="ferry.yml")
    reading = read_with_extractor(thread, "Northline said the strike has cost it $4.5 million "
                                  "so far.", title="Northline ferry strike")
    assert slot_values(reading, "losses") == ["4,500,000 dollars"]


def test_an_entry_of_a_timeline_is_dated_by_its_own_label() -> None:
    body = ("How the strike unfolded.\n\n"
            "Jan. 3 - About 900 seafarers walk out on strike, the union says.\n\n"
            "Feb. 12 - Talks resume at the ministry as the strike enters its seventh week.")
    reading = read_with_extractor(THREAD, body, title="Northline ferry strike: a timeline",
                                  published=dt.datetime(2022, 2, 13, 9, tzinfo=dt.UTC))
    assert slot_values(reading, "strikers") == []          # dated Jan. 3: background
    assert slot_values(reading, "strike_status") == ["talks"]


def test_a_state_named_by_a_noun_phrase_alone_is_marked_weak() -> None:
    reading = read_with_extractor(
        THREAD, "It took a walkout, a picket and two deals to change the island's ferries, "
                "the union's history of the strike says.", title="Northline ferry strike")
    assert [o.nominal for o in reading.observations if o.slot == "strike_status"] == [True]


def test_a_slot_that_tracks_a_plan_takes_planned_figures() -> None:
    planned = FERRY_STRIKE.replace("        owner: union\n", "        owner: union\n"
                                   "        modality: [asserted, planned]\n")
    (thread,) = parse_threads(planned, where="ferry.yml")
    body = "About 1,500 seafarers will join the strike on Monday, the union said on Sunday."
    assert slot_values(read_with_extractor(THREAD, body, title="Northline ferry strike"),
                       "strikers") == []
    assert slot_values(read_with_extractor(thread, body, title="Northline ferry strike"),
                       "strikers") == ["about 1,500 seafarers"]


def test_a_phrase_that_holds_its_own_negation_is_not_negated_by_it() -> None:
    (thread,) = parse_threads(FERRY_STRIKE.replace(
        "phrases: [walk out, strike began, picket]", "phrases: [no ferries sail]"),
        where="ferry.yml")
    reading = read_with_extractor(thread, "Islanders say no ferries sail while the strike "
                                  "lasts.", title="Northline ferry strike")
    assert slot_values(reading, "strike_status") == ["on_strike"]


def test_two_states_in_one_sentence_the_later_in_the_story_is_reported() -> None:
    reading = read_with_extractor(
        THREAD, "Union leaders and Northline resumed talks on Sunday and reached a deal by "
                "nightfall, ending the strike.", title="Northline ferry strike")
    assert slot_values(reading, "strike_status") == ["settled"]
