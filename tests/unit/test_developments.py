"""Replaying a slot: kinds, tolerance with qualifiers, source lines, order independence."""
from __future__ import annotations

import dataclasses
import datetime as dt
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from storywatch.settings import REPO_ROOT
from storywatch.tracking.developments import TimelineEntry, is_compatible, replay_slot
from storywatch.tracking.observations import SlotValue, describe_quantity
from storywatch.tracking.threads import Slot, load_threads_file

THREADS = {t.slug: t for t in load_threads_file(REPO_ROOT / "seeds" / "threads.yml")}
TROOPS: Slot = THREADS["ukraine-buildup"].slot("troop_estimate")  # type: ignore[assignment]
WITHDRAWAL: Slot = THREADS["ukraine-buildup"].slot("withdrawal_claim")  # type: ignore[assignment]
INVASION: Slot = THREADS["ukraine-buildup"].slot("invasion_status")  # type: ignore[assignment]
T0 = dt.datetime(2022, 1, 19, tzinfo=dt.UTC)


def fig(num: float, qualifier: str | None = None, low: float | None = None) -> SlotValue:
    return SlotValue(describe_quantity(TROOPS, num, low, qualifier), num=num, low=low,
                     qualifier=qualifier)


def state(name: str) -> SlotValue:
    return SlotValue(name, state=name)


def entry(doc: int, hours: float, value: SlotValue, line: str, *, version: int = 1,
          copy_of: int | None = None, dismissed: bool = False) -> TimelineEntry:
    return TimelineEntry(
        document_id=doc, document_identity=f"https://news.example/{doc}", version_no=version,
        document_version_id=doc * 10 + version, ordered_at=T0 + dt.timedelta(hours=hours),
        value=value, line=line, evidence=f"sentence of {doc}", copy_of=copy_of,
        dismissed=dismissed)


def moves(entries: list[TimelineEntry], slot: Slot = TROOPS) -> list[tuple[str, int, str, str | None]]:
    replay = replay_slot(slot, entries)
    return [(d.kind, d.entry.document_id, d.entry.value.text,
             d.previous.text if d.previous else None) for d in replay.developments]


@pytest.mark.parametrize(("current", "new", "compatible"), [
    (fig(100000, "approx"), fig(100000, "at_least"), True),     # DESIGN: compatible
    (fig(100000, "approx"), fig(130000, "at_least"), False),    # an update
    (fig(130000, "at_least"), fig(130000, "approx"), True),     # not an update
    (fig(130000, "at_least"), fig(100000, "at_least"), True),   # weaker bound, nothing new
    (fig(130000, "at_least"), fig(150000, "at_least"), False),  # stronger bound
    (fig(130000, "at_least"), fig(150000, "approx"), False),
    (fig(100000), fig(104000), True),                           # within 5%
    (fig(100000), fig(106000), False),
    (fig(190000, "range", 169000), fig(175000, "approx"), True),
    (fig(190000, "range", 169000), fig(150000, "at_least"), True),
    (fig(150000, "at_least"), fig(190000, "range", 169000), False),
])
def test_tolerance_respects_qualifiers(current: SlotValue, new: SlotValue,
                                       compatible: bool) -> None:
    assert is_compatible(current, new, 0.05) is compatible


def test_the_buildup_path_new_then_updates_with_the_previous_value() -> None:
    entries = [
        entry(1, 0, fig(100000, "approx"), "outlet:seed"),
        entry(2, 9 * 24, fig(100000, "at_least"), "us"),        # Austin: corroborates
        entry(3, 25 * 24, fig(130000, "at_least"), "us"),
        entry(4, 27 * 24, fig(150000, "at_least"), "us"),
        entry(5, 30 * 24, fig(190000, "range", 169000), "us"),
    ]
    assert moves(entries) == [
        ("new", 1, "about 100,000 troops", None),
        ("update", 3, "more than 130,000 troops", "about 100,000 troops"),
        ("update", 4, "more than 150,000 troops", "more than 130,000 troops"),
        ("update", 5, "169,000\u2013190,000 troops", "more than 150,000 troops"),
    ]
    final = replay_slot(TROOPS, entries).state
    assert final is not None and final.value.text == "169,000\u2013190,000 troops"


def test_background_repeats_corroborate_and_are_counted_once_per_source() -> None:
    entries = [entry(1, 0, fig(100000, "approx"), "outlet:a"),
               entry(2, 5, fig(100000, "approx"), "outlet:b"),
               entry(3, 6, fig(100000, "at_least"), "outlet:b"),
               entry(4, 7, fig(101000), "us")]
    replay = replay_slot(TROOPS, entries)
    assert [d.kind for d in replay.developments] == ["new"]
    assert replay.state is not None and replay.state.source_count == 3


def test_another_source_disagreeing_within_the_window_is_a_conflict_and_the_headline_stays() -> None:
    entries = [entry(1, 0, fig(130000, "at_least"), "us"),
               entry(2, 3, fig(148000, "approx"), "ukraine")]
    assert moves(entries)[1] == ("conflict", 2, "about 148,000 troops", "more than 130,000 troops")
    assert replay_slot(TROOPS, entries).state.value.num == 130000  # type: ignore[union-attr]


def test_the_headline_moves_on_newer_estimates_and_does_not_flip_back() -> None:
    entries = [
        entry(1, 0, fig(130000, "at_least"), "us"),
        entry(2, 3, fig(148000, "approx"), "ukraine"),      # within 48 h: conflict
        entry(3, 72, fig(150000, "at_least"), "us"),        # a newer US estimate: update
        entry(4, 80, fig(148000, "approx"), "ukraine"),     # Ukraine repeats its own figure
        entry(5, 100, fig(100000, "approx"), "russia"),     # lower, another source: conflict
        entry(6, 200, fig(100000, "approx"), "russia"),     # the Kremlin repeats itself
    ]
    assert [(k, d) for k, d, _, _ in moves(entries)] == [
        ("new", 1), ("conflict", 2), ("update", 3), ("conflict", 5)]
    assert replay_slot(TROOPS, entries).state.value.num == 150000  # type: ignore[union-attr]


def test_a_named_source_revising_its_own_estimate_is_news_even_when_it_agrees() -> None:
    entries = [entry(1, 0, fig(100000, "at_least"), "us"),
               entry(2, 72, fig(127000), "ukraine"),
               entry(3, 400, fig(130000, "at_least"), "us")]
    assert moves(entries) == [
        ("new", 1, "more than 100,000 troops", None),
        ("update", 2, "127,000 troops", "more than 100,000 troops"),
        ("update", 3, "more than 130,000 troops", "more than 100,000 troops"),
    ]


def test_a_source_reporting_the_state_the_story_already_moved_to_is_not_news() -> None:
    """A state is one for every source: when one source reports the invasion underway and,
    days later, another that had called it a threat says so too, that corroborates."""
    entries = [entry(1, 0, state("threatened"), "us"),
               entry(2, 300, state("underway"), "ukraine"),
               entry(3, 400, state("underway"), "us")]
    assert moves(entries, INVASION) == [("new", 1, "threatened", None),
                                        ("update", 2, "underway", "threatened")]


def test_an_outlet_restating_the_headline_is_not_news() -> None:
    entries = [entry(1, 0, fig(100000, "approx"), "outlet:a"),
               entry(2, 100, fig(130000, "at_least"), "us"),
               entry(3, 120, fig(130000, "at_least"), "outlet:a")]
    assert [k for k, *_ in moves(entries)] == ["new", "update"]


def test_a_late_article_takes_its_place_in_the_past() -> None:
    late_old = entry(1, 0, fig(100000, "approx"), "outlet:a")
    newer = entry(2, 600, fig(130000, "at_least"), "us")
    assert moves([newer, late_old]) == moves([late_old, newer])
    assert moves([newer, late_old])[1][0] == "update"


def test_any_order_of_the_same_observations_gives_the_same_result() -> None:
    entries = [
        entry(1, 0, fig(100000, "approx"), "outlet:a"),
        entry(2, 0, fig(100000, "approx"), "outlet:b"),  # same time: ties broken by identity
        entry(3, 30, fig(130000, "at_least"), "us"),
        entry(4, 31, fig(120000), "ukraine"),
        entry(5, 200, fig(190000, "range", 169000), "us"),
        entry(6, 201, fig(170000, "at_least"), "outlet:a"),
    ]
    expected = replay_slot(TROOPS, entries)
    rng = random.Random(5)
    for _ in range(20):
        shuffled = entries[:]
        rng.shuffle(shuffled)
        assert replay_slot(TROOPS, shuffled) == expected


def test_a_changed_figure_in_a_new_version_is_a_revision() -> None:
    entries = [entry(1, 0, fig(100000, "approx"), "outlet:a"),
               entry(2, 50, fig(130000, "at_least"), "us"),
               entry(2, 50, fig(150000, "at_least"), "us", version=2)]
    assert moves(entries)[-1] == ("revision", 2, "more than 150,000 troops",
                                  "more than 130,000 troops")
    assert replay_slot(TROOPS, entries).state.value.num == 150000  # type: ignore[union-attr]


def test_a_new_version_restating_its_figure_moves_nothing() -> None:
    entries = [entry(1, 0, fig(100000, "approx"), "outlet:a"),
               entry(1, 0, fig(101000, "approx"), "outlet:a", version=2)]
    assert [k for k, *_ in moves(entries)] == ["new"]


def test_a_copy_of_a_story_is_not_another_source() -> None:
    entries = [entry(1, 0, fig(100000, "approx"), "outlet:a"),
               entry(2, 5, fig(100000, "approx"), "outlet:b", copy_of=1),
               entry(3, 6, fig(130000, "at_least"), "outlet:c", copy_of=1)]
    replay = replay_slot(TROOPS, entries)
    assert [d.kind for d in replay.developments] == ["new"]
    assert replay.state is not None and replay.state.source_count == 1


def test_a_dismissed_value_never_becomes_the_state() -> None:
    entries = [entry(1, 0, fig(100000, "approx"), "outlet:a"),
               entry(2, 100, fig(1000, "at_most"), "outlet:b", dismissed=True)]
    replay = replay_slot(TROOPS, entries)
    assert replay.state is not None and replay.state.value.num == 100000
    assert [d.kind for d in replay.developments] == ["new"]


def test_a_status_that_follows_on_is_an_update_even_from_another_source_at_once() -> None:
    entries = [entry(1, 0, state("claimed"), "russia"),
               entry(2, 11, state("disputed"), "us"),
               entry(3, 12, state("claimed"), "russia")]    # Russia repeats its claim
    assert moves(entries, WITHDRAWAL) == [("new", 1, "claimed", None),
                                          ("update", 2, "disputed", "claimed")]


def test_a_status_going_back_from_another_source_at_once_is_a_conflict() -> None:
    entries = [entry(1, 0, state("threatened"), "outlet:a"),
               entry(2, 900, state("underway"), "ukraine"),
               entry(3, 901, state("threatened"), "russia")]
    assert [k for k, *_ in moves(entries, INVASION)] == ["new", "update", "conflict"]


QUALIFIERS = (None, "approx", "at_least", "at_most")


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 6), st.integers(0, 400), st.integers(90, 200),
                          st.sampled_from(QUALIFIERS), st.sampled_from(("us", "ukraine",
                                                                        "outlet:a"))),
                min_size=1, max_size=12),
       st.randoms(use_true_random=False))
def test_replay_depends_on_the_observations_not_their_order(raw: list[tuple[int, int, int, str | None, str]],
                                                            rng: random.Random) -> None:
    entries, seen, published = [], set(), {}
    for doc, hours, thousands, qualifier, line in raw:
        if (doc, line) in seen:
            continue  # one figure per article and source line, as the reader produces
        seen.add((doc, line))
        hours = published.setdefault(doc, hours)  # an article has one publication time
        entries.append(entry(doc, hours, fig(thousands * 1000, qualifier), line))
    expected = replay_slot(TROOPS, entries)
    shuffled = entries[:]
    rng.shuffle(shuffled)
    assert replay_slot(TROOPS, shuffled) == expected
    assert (expected.state is None) == (not entries)
    assert sum(d.kind == "new" for d in expected.developments) == 1


@given(st.integers(1, 10**7), st.sampled_from(QUALIFIERS))
def test_a_value_always_agrees_with_itself(num: int, qualifier: str | None) -> None:
    value = fig(num, qualifier)
    assert is_compatible(value, value, 0.05)


def test_a_state_named_only_by_a_noun_phrase_never_moves_the_slot() -> None:
    """ "It took an invasion, sanctions and a ceasefire to ...": weak evidence. It may give a
    slot its first value, but once a state is known it neither updates nor conflicts."""
    nominal = TimelineEntry(
        document_id=3, document_identity="https://news.example/3", version_no=1,
        document_version_id=31, ordered_at=T0 + dt.timedelta(hours=200),
        value=state("threatened"), line="outlet:Digest", evidence="a list of nouns",
        nominal=True)
    found = moves([entry(1, 0, state("threatened"), "outlet:Wire"),
                   entry(2, 100, state("underway"), "outlet:Wire"), nominal], INVASION)
    assert found == [("new", 1, "threatened", None), ("update", 2, "underway", "threatened")]
    first = TimelineEntry(
        document_id=4, document_identity="https://news.example/4", version_no=1,
        document_version_id=41, ordered_at=T0, value=state("threatened"),
        line="outlet:Digest", evidence="the threat of an invasion", nominal=True)
    assert moves([first], INVASION) == [("new", 4, "threatened", None)]


def test_a_later_report_taking_the_story_further_within_the_window_is_an_update() -> None:
    # states are listed in story order: threatened, then underway
    assert moves([entry(1, 0, state("threatened"), "outlet:Wire"),
                  entry(2, 6, state("underway"), "outlet:Post")], INVASION) == [
        ("new", 1, "threatened", None), ("update", 2, "underway", "threatened")]
    # a higher figure of a running total six hours later from another source moves it on ...
    running = dataclasses.replace(TROOPS, cumulative=True)
    assert [k for k, *_ in moves([entry(1, 0, fig(8000), "us"),
                                  entry(2, 6, fig(17000), "outlet:Post")], running)] == [
        "new", "update"]
    # ... while a lower figure, or another estimate of a figure that is no running total,
    # within the window is still a dispute
    assert [k for k, *_ in moves([entry(1, 0, fig(17000), "us"),
                                  entry(2, 6, fig(8000), "outlet:Post")], running)] == [
        "new", "conflict"]
    assert [k for k, *_ in moves([entry(1, 0, fig(8000), "us"),
                                  entry(2, 6, fig(17000), "outlet:Post")])] == ["new", "conflict"]


def test_a_source_catching_up_with_a_running_total_is_no_news_of_its_own() -> None:
    # an estimate a named source revises is news on its line even when it agrees with the
    # headline; a running total another source already gave is one figure for all
    entries = [entry(1, 0, fig(8000), "us"), entry(2, 200, fig(17000), "uk"),
               entry(3, 400, fig(17000), "us")]
    assert [k for k, *_ in moves(entries)] == ["new", "update", "update"]
    running = dataclasses.replace(TROOPS, cumulative=True)
    assert [k for k, *_ in moves(entries, running)] == ["new", "update"]


def test_one_misread_report_does_not_become_the_state_when_later_sources_outvote_it() -> None:
    entries = [entry(1, 0, state("threatened"), "outlet:Wire"),
               entry(2, 100, state("underway"), "outlet:Tabloid"),    # a misreading
               entry(3, 110, state("threatened"), "us"),
               entry(4, 120, state("threatened"), "outlet:Post")]
    replay = replay_slot(INVASION, entries)
    assert [(d.kind, d.entry.document_id) for d in replay.developments] == [
        ("new", 1), ("conflict", 2)]
    assert replay.state is not None and replay.state.value.state == "threatened"
    # once a second source repeats the new value, it is the state and the update stands
    confirmed = [*entries[:2], entry(5, 105, state("underway"), "outlet:Herald"), *entries[2:]]
    kinds = [(d.kind, d.entry.document_id) for d in replay_slot(INVASION, confirmed).developments]
    assert ("update", 2) in kinds


def test_outvoting_does_not_depend_on_the_order_observations_arrive_in() -> None:
    entries = [entry(1, 0, fig(100000, "approx"), "outlet:Wire"),
               entry(2, 50, fig(180000), "outlet:Tabloid"),
               entry(3, 60, fig(100000, "approx"), "us"),
               entry(4, 70, fig(100000, "approx"), "russia")]
    expected = moves(entries)
    for seed in range(5):
        shuffled = entries[:]
        random.Random(seed).shuffle(shuffled)
        assert moves(shuffled) == expected
    assert [k for k, *_ in expected] == ["new", "conflict"]


def test_another_sources_figure_for_a_later_day_is_an_update_even_inside_the_window() -> None:
    """A queue counted by an agency "by Friday" and by the authority "on Saturday": a quantity
    that moves, read twice, not two sources disputing one moment."""
    friday, saturday = dt.date(2022, 1, 21), dt.date(2022, 1, 22)
    first = dataclasses.replace(entry(1, 0, fig(100000), "agency"), as_of=friday)
    later = dataclasses.replace(entry(2, 26, fig(130000), "authority"), as_of=saturday)
    assert [kind for kind, *_ in moves([first, later])] == ["new", "update"]
    # the same two reports with no day of their own are a dispute inside the window
    assert [kind for kind, *_ in moves([dataclasses.replace(first, as_of=None),
                                        dataclasses.replace(later, as_of=None)])] == [
        "new", "conflict"]
    # a figure given for an earlier day than the current one's does not replace it
    stale = dataclasses.replace(entry(3, 30, fig(90000), "ministry"),
                                as_of=dt.date(2022, 1, 20))
    assert [kind for kind, *_ in moves([first, later, stale])] == ["new", "update", "conflict"]


def test_one_pass_with_steps_back_judges_moves_as_full_replays_earliest_first_would() -> None:
    """The replay judges each update once its window (the reports up to the next move) is
    complete and steps back when it is outvoted. A slow reference: replay the whole timeline,
    take the earliest outvoted update for doubtful, replay again, until none is outvoted.
    Both must give the same developments and state."""
    from storywatch.tracking import developments as d

    def earliest_outvoted(replayer: d._Replayer, replay: d.Replay) -> int | None:
        placed = replayer.placed
        for j, (k, judged) in enumerate(replayer.moves):
            if not judged:
                continue
            move = next(m for m in replay.developments
                        if m.entry is placed[k] and m.kind == "update")
            end = replayer.moves[j + 1][0] if j + 1 < len(replayer.moves) else len(placed)
            earlier, newer = set(), set()
            for e in placed[k + 1:end]:
                if e.dismissed or e.copy_of is not None or e.line == move.entry.line:
                    continue
                if is_compatible(move.entry.value, e.value, TROOPS.tolerance):
                    newer.add(e.line)
                elif is_compatible(move.previous, e.value, TROOPS.tolerance):
                    earlier.add(e.line)
            if len(earlier) >= d.OUTVOTING_SOURCES and not newer:
                return k
        return None

    rng = random.Random(16)
    lines = ["outlet:a", "us", "uk", "ru", "outlet:b", "nato"]
    figures = [90000, 100000, 130000, 150000, 175000]
    stepped_back = 0
    for _ in range(400):
        entries = [entry(rng.randint(1, 12), rng.choice([0, 5, 5, 9, 30, 60, 61, 200]),
                         fig(rng.choice(figures), rng.choice([None, "approx", "at_least"])),
                         rng.choice(lines), version=rng.randint(1, 2))
                   for _ in range(rng.randint(2, 30))]
        placed = d._effective_times(entries)
        doubtful: set[int] = set()
        while True:
            replayer = d._Replayer(TROOPS, placed, doubtful=set(doubtful))
            expected = replayer.run(judge=False)
            found = earliest_outvoted(replayer, expected)
            if found is None:
                break
            doubtful.add(found)
        assert replay_slot(TROOPS, entries) == expected
        stepped_back += bool(doubtful)
    assert stepped_back > 10  # the random timelines do outvote updates
