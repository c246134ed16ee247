"""A slot's timeline: observations in publication order, replayed into developments.

Pure functions, no database. Replaying every observation of a slot in
publication order (never ingestion order) makes the result a function of the
observations alone: an article that arrives late takes its place in the past,
and the final state and the set of developments do not depend on the order
articles came in. Kinds follow DESIGN.md:

- `new`: the first value of the slot;
- `update`: a value incompatible with the current one that supersedes it;
- `conflict`: an incompatible value that does not: another source within the
  conflict window, or a lower figure from another source (the headline keeps
  to the newer estimate instead of flipping between sources);
- `revision`: a later version of an article changed the value it gave.
Each source keeps its own line of figures: a named source revising its estimate
is an update even when the new figure agrees with the headline another source
set, and a source repeating its own known figure moves nothing.
A compatible value corroborates: it is counted in the state, not flagged.
"""
from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass

from storywatch.tracking.observations import SlotValue
from storywatch.tracking.threads import Slot

OPEN_BOUNDS = ("at_least", "at_most")
OUTLET_LINE = "outlet:"  # prefix of the line of an outlet's own narration


# --- comparing values ----------------------------------------------------------------


def value_bounds(value: SlotValue) -> tuple[float, float]:
    """The interval a figure allows: "more than 130,000" is [130,000, infinity)."""
    num = value.num if value.num is not None else 0.0
    if value.qualifier == "at_least":
        return num, math.inf
    if value.qualifier == "at_most":
        return 0.0, num
    if value.qualifier == "range" and value.low is not None:
        return min(value.low, num), max(value.low, num)
    return num, num


def value_point(value: SlotValue) -> float:
    """One number standing for a figure (a range's middle), to say which is lower."""
    low, high = value_bounds(value)
    if value.qualifier == "range":
        return (low + high) / 2
    return value.num if value.num is not None else 0.0


def is_compatible(current: SlotValue, new: SlotValue, tolerance: float) -> bool:
    """Whether `new` agrees with `current` (so corroborates it) within the tolerance.

    Qualifiers count: "more than 100,000" after "some 100,000" agrees; "more than
    130,000" after "some 100,000" does not; "about 130,000" after "more than
    130,000" agrees; "over 100,000" agrees with "more than 130,000" (a weaker
    bound says nothing new), while "more than 150,000" after "more than 130,000"
    is a stronger bound, so news.
    """
    if current.state is not None or new.state is not None:
        return current.state == new.state
    lo1, hi1 = value_bounds(current)
    lo2, hi2 = value_bounds(new)
    if lo2 > hi1 * (1 + tolerance) or lo1 > hi2 * (1 + tolerance):
        return False
    cur_open = current.qualifier in OPEN_BOUNDS
    new_open = new.qualifier in OPEN_BOUNDS
    if new_open and cur_open and current.qualifier == new.qualifier:
        bound_new = new.num or 0.0
        bound_cur = current.num or 0.0
        if new.qualifier == "at_least":
            return bound_new <= bound_cur * (1 + tolerance)
        return bound_new >= bound_cur * (1 - tolerance)
    if cur_open and not new_open:
        bound = current.num or 0.0
        if current.qualifier == "at_least":
            return lo2 <= bound * (1 + tolerance)
        return hi2 >= bound * (1 - tolerance)
    return True


class Agreement:
    """`is_compatible` under one tolerance, remembered per pair of figures.

    A slot's values are few (a handful of estimates, a few states) while its timeline has
    tens of thousands of observations at a million versions, and a replay asks about the same
    pairs again and again: the answer depends only on the figures, never on the text.
    """

    __slots__ = ("_known", "tolerance")

    def __init__(self, tolerance: float) -> None:
        self.tolerance = tolerance
        self._known: dict[tuple[object, ...], bool] = {}

    def __call__(self, current: SlotValue, new: SlotValue) -> bool:
        pair = (current.state, current.num, current.low, current.qualifier,
                new.state, new.num, new.low, new.qualifier)
        known = self._known.get(pair)
        if known is None:
            known = self._known[pair] = is_compatible(current, new, self.tolerance)
        return known


# --- the timeline --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    """An observation placed on its slot's timeline."""

    document_id: int
    document_identity: str
    version_no: int
    document_version_id: int
    ordered_at: dt.datetime
    value: SlotValue
    line: str
    evidence: str = ""
    attributed_to: str | None = None
    sentence_index: int = 0
    copy_of: int | None = None
    dismissed: bool = False
    nominal: bool = False           # read from a bare noun phrase: never moves the slot alone
    observation_id: int | None = None  # the stored observation, when read from the database
    as_of: dt.date | None = None    # the day the figure is given for, when its sentence says

    @property
    def placement(self) -> tuple[dt.datetime, str, int, int, str, str]:
        """Where it sits: publication time, then stable tie-breakers (never ingestion order)."""
        return (self.ordered_at, self.document_identity, self.version_no, self.sentence_index,
                self.value.key, self.line)


@dataclass(frozen=True, slots=True)
class Development:
    """A move of a slot: kind, the entry that made it, and the value it moved from."""

    kind: str
    entry: TimelineEntry
    previous: SlotValue | None


@dataclass(frozen=True, slots=True)
class SlotState:
    """A slot's current value, the entry that set it, and how many sources agree."""

    value: SlotValue
    entry: TimelineEntry
    source_count: int
    last_observed_at: dt.datetime


@dataclass(frozen=True, slots=True)
class Replay:
    """The outcome of replaying a slot's observations."""

    developments: tuple[Development, ...]
    state: SlotState | None
    # Every entry in the order the replay read them (publication order, a later version never
    # before an earlier one of the same article): the slot's timeline positions.
    placed: tuple[TimelineEntry, ...] = ()


def _effective_times(entries: Sequence[TimelineEntry]) -> list[TimelineEntry]:
    """A later version never sorts before an earlier one of the same article."""
    latest: dict[tuple[int, int], dt.datetime] = {}
    for entry in entries:
        key = (entry.document_id, entry.version_no)
        latest[key] = max(entry.ordered_at, latest.get(key, entry.ordered_at))
    running: dict[tuple[int, int], dt.datetime] = {}
    so_far: dict[int, dt.datetime] = {}
    for document_id, version_no in sorted(latest):  # versions of a document in order
        moment = max(latest[(document_id, version_no)],
                     so_far.get(document_id, latest[(document_id, version_no)]))
        so_far[document_id] = moment
        running[(document_id, version_no)] = moment
    placed = [e if running[(e.document_id, e.version_no)] == e.ordered_at
              else _replace_time(e, running[(e.document_id, e.version_no)]) for e in entries]
    return sorted(placed, key=lambda e: e.placement)


def _replace_time(entry: TimelineEntry, moment: dt.datetime) -> TimelineEntry:
    return TimelineEntry(entry.document_id, entry.document_identity, entry.version_no,
                         entry.document_version_id, moment, entry.value, entry.line,
                         entry.evidence, entry.attributed_to, entry.sentence_index,
                         entry.copy_of, entry.dismissed, entry.nominal, entry.observation_id,
                         entry.as_of)


def supersedes(slot: Slot, current: SlotValue, new: SlotValue) -> bool:
    """Whether the new state follows on from the current one (declared in threads.yml)."""
    if new.state is None or current.state is None:
        return False
    state = slot.state(new.state)
    return state is not None and current.state in state.supersedes


def _moves_forward(slot: Slot, current: SlotValue, new: SlotValue) -> bool:
    """A later report that takes the story further: a state listed after the current one
    (states are listed in story order), or a higher figure of a running total (`cumulative:
    true`: "17 of the 33 out" after "8 of the 33"). Within the conflict window that is the
    story moving on, not a dispute; going back, or another source's different estimate of a
    figure that is no running total, still is."""
    if new.state is not None and current.state is not None:
        old, now = slot.state(current.state), slot.state(new.state)
        return old is not None and now is not None and now.priority > old.priority
    if slot.type == "quantity" and slot.cumulative:
        return value_point(new) > value_point(current)
    return False


def classify(slot: Slot, current: TimelineEntry, new: TimelineEntry) -> str:
    """`update` or `conflict` for a value incompatible with the current one."""
    if supersedes(slot, current.value, new.value):
        return "update"
    if (new.line != current.line and new.as_of is not None and current.as_of is not None
            and new.as_of != current.as_of):
        # Each source dates its figure to a different day ("237 by Friday", "321 on
        # Saturday"): readings of a quantity that moves, the later one the newer, not two
        # sources disputing one moment.
        return "update" if new.as_of > current.as_of else "conflict"
    if new.line != current.line:
        window = dt.timedelta(hours=slot.conflict_window_hours)
        if new.ordered_at - current.ordered_at <= window:
            if new.ordered_at > current.ordered_at and _moves_forward(slot, current.value,
                                                                      new.value):
                return "update"
            return "conflict"
        if slot.type == "quantity" and value_point(new.value) < value_point(current.value):
            return "conflict"
    if new.ordered_at < current.ordered_at:
        return "conflict"
    return "update"


# Independent sources that must go on reporting the earlier value, with none repeating the new
# one, before an update is taken for a misreading.
OUTVOTING_SOURCES = 2


def replay_slot(slot: Slot, entries: Sequence[TimelineEntry]) -> Replay:
    """Replay a slot's observations in publication order into developments and a state.

    A value becomes the state only while it is the best-supported reading: an update that
    the following reports outvote (two or more other sources still giving the earlier value,
    none repeating the new one, before the slot moves again) was a single doubtful report, so
    it is replayed as a conflict and the earlier value stays the state. Without this one
    misreading would become the state and turn every correct report after it into a conflict.

    Moves are judged in timeline order, each once the reports up to the next move are in
    (or the timeline ends): an outvoted update takes the replay back to just before it, and
    the replay goes on from there with that update read as a conflict. Everything before the
    last open move is final, so one pass, with short steps back, does the work.
    """
    return _Replayer(slot, _effective_times(entries)).run()


# What `_Replayer._step` says of an entry: it did not move the slot, or it did in a way no later
# report can outvote (a `new` value, a source revising its own line).
STILL: tuple[bool, None] = (False, None)
MOVED: tuple[bool, None] = (True, None)


@dataclass(frozen=True, slots=True)
class _Snapshot:
    """The replay just before an update that later reports may outvote."""

    index: int                  # the update's entry in timeline order
    developments: int           # developments before it
    current: TimelineEntry | None
    support: frozenset[str]
    last_seen: dt.datetime | None
    line_values: dict[str, SlotValue]


class _Replayer:
    """One slot's replay: the loop of `replay_slot` and the state it carries."""

    def __init__(self, slot: Slot, placed: list[TimelineEntry],
                 doubtful: set[int] | None = None) -> None:
        self.slot = slot
        self.placed = placed
        self.agrees = Agreement(slot.tolerance)
        self.priors = _earlier_versions(placed)
        # updates replayed as conflicts (their entries); given, for a replay that judges none
        self.doubtful: set[int] = set() if doubtful is None else doubtful
        self.developments: list[Development] = []
        self.current: TimelineEntry | None = None
        self.support: set[str] = set()
        self.last_seen: dt.datetime | None = None
        self.line_values: dict[str, SlotValue] = {}
        # the replay just before the last move, when later reports may outvote that move
        self.open_snapshot: _Snapshot | None = None
        # every move so far: its entry, and whether later reports may outvote it
        self.moves: list[tuple[int, bool]] = []

    def run(self, judge: bool = True) -> Replay:
        """Replay the timeline; `judge=False` reads it with the doubtful updates given,
        outvoting none."""
        k, count = 0, len(self.placed)
        while True:
            while k < count:
                moved, snapshot = self._step(k)
                if not moved:
                    k += 1
                    continue
                # entry k moved the slot: the window of the move before it is complete
                back = self._judge_open_move(until=k) if judge else None
                if back is not None:
                    k = back
                    continue
                self.moves.append((k, snapshot is not None))
                self.open_snapshot = snapshot
                k += 1
            back = self._judge_open_move(until=count) if judge else None
            if back is None:
                break
            k = back
        state = None
        if self.current is not None:
            state = SlotState(self.current.value, self.current, len(self.support),
                              self.last_seen or self.current.ordered_at)
        return Replay(tuple(self.developments), state, tuple(self.placed))

    def _judge_open_move(self, until: int) -> int | None:
        """Whether the reports after the open move, up to entry `until`, outvote it: if so,
        go back to just before it, mark it doubtful and say where to go on from."""
        snapshot = self.open_snapshot
        if snapshot is None or not self._outvoted(snapshot, until):
            return None
        self.doubtful.add(snapshot.index)
        del self.developments[snapshot.developments:]
        self.current = snapshot.current
        self.support = set(snapshot.support)
        self.last_seen = snapshot.last_seen
        self.line_values = dict(snapshot.line_values)
        self.open_snapshot = None
        while self.moves and self.moves[-1][0] >= snapshot.index:
            self.moves.pop()
        return snapshot.index

    def _outvoted(self, snapshot: _Snapshot, until: int) -> bool:
        move = self.developments[snapshot.developments]
        if move.previous is None:
            return False
        earlier: set[str] = set()
        newer: set[str] = set()
        for entry in self.placed[snapshot.index + 1:until]:
            if entry.dismissed or entry.copy_of is not None or entry.line == move.entry.line:
                continue
            if self.agrees(move.entry.value, entry.value):
                newer.add(entry.line)
            elif self.agrees(move.previous, entry.value):
                earlier.add(entry.line)
        return len(earlier) >= OUTVOTING_SOURCES and not newer

    def _set_current(self, entry: TimelineEntry) -> None:
        self.current = entry
        self.support = {entry.line}
        self.last_seen = entry.ordered_at

    def _snapshot(self, k: int) -> _Snapshot:
        """The replay before entry k makes an update that later reports may outvote."""
        return _Snapshot(k, len(self.developments), self.current, frozenset(self.support),
                         self.last_seen, dict(self.line_values))

    def _step(self, k: int) -> tuple[bool, _Snapshot | None]:
        """Read entry k: whether it moved the slot (`new` or `update`), and the replay just
        before it when later reports may outvote that move."""
        entry = self.placed[k]
        if entry.dismissed:
            return STILL
        agrees, current, line_values = self.agrees, self.current, self.line_values
        prior = self.priors[k]
        if prior is not None and prior[0] < entry.version_no:
            if agrees(prior[1], entry.value):
                return STILL  # a new version restating its own figure: not another source
            self.developments.append(Development("revision", entry, prior[1]))
            line_values[entry.line] = entry.value
            if current is None or current.document_id == entry.document_id:
                self._set_current(entry)
            elif not agrees(current.value, entry.value) and classify(self.slot, current,
                                                                     entry) == "update":
                self._set_current(entry)
            return STILL
        if entry.copy_of is not None:
            return STILL  # a copy of an earlier story is not another source
        if current is None:
            self.developments.append(Development("new", entry, None))
            line_values[entry.line] = entry.value
            self._set_current(entry)
            return MOVED
        if agrees(current.value, entry.value):
            known = line_values.get(entry.line)
            if (known is not None and not agrees(known, entry.value)
                    and not entry.line.startswith(OUTLET_LINE) and entry.value.state is None
                    and not self.slot.cumulative):
                # A named source revised its own estimate: news on its line, even though the
                # new figure agrees with the headline another source set. An outlet merely
                # restating the headline in its own voice is not; nor is a source that now
                # reports the state the story already moved to (the fire "slowing", said
                # first by one source, then by the agency): a state is one for all sources,
                # and so is a running total (a toll another source already gave).
                self.developments.append(Development("update", entry, known))
                line_values[entry.line] = entry.value
                keep = self.support | {entry.line}
                self._set_current(entry)
                self.support = keep
                return MOVED
            self.support.add(entry.line)
            self.last_seen = max(self.last_seen or entry.ordered_at, entry.ordered_at)
            line_values[entry.line] = entry.value
            return STILL
        if entry.nominal:
            return STILL  # "a final agreement, a signing, a referendum defeat": no move alone
        known = line_values.get(entry.line)
        if entry.line != current.line and known is not None and agrees(known, entry.value):
            return STILL  # this source repeats its own figure: its line has not moved
        kind = classify(self.slot, current, entry)
        if kind == "update" and k in self.doubtful:
            kind = "conflict"  # outvoted by the reports after it (see replay_slot)
        snapshot = self._snapshot(k) if kind == "update" else None
        self.developments.append(Development(kind, entry, current.value))
        line_values[entry.line] = entry.value
        if kind == "update":
            self._set_current(entry)
        return snapshot is not None, snapshot


def _earlier_versions(placed: Sequence[TimelineEntry]) -> list[tuple[int, SlotValue] | None]:
    """For each entry, what an earlier-read entry of its document gave on its line (or, when
    the document gave one line only, on that line): (version_no, value). It depends on the
    entries alone, never on the replay's state, so it is read once for every pass."""
    given_by_document: dict[int, dict[str, tuple[int, SlotValue]]] = {}
    priors: list[tuple[int, SlotValue] | None] = []
    for entry in placed:
        if entry.dismissed:
            priors.append(None)
            continue
        given = given_by_document.setdefault(entry.document_id, {})
        prior = given.get(entry.line)
        if prior is None and len(given) == 1:
            prior = next(iter(given.values()))
        given[entry.line] = (entry.version_no, entry.value)
        priors.append(prior)
    return priors
