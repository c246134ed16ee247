"""From one article's text and claims to the values it reports for a thread's slots.

Quantities come from the extract stage's quantity claims (value, unit,
qualifier, attribution); this module decides which of them fill a slot: the
counted thing must be the slot's unit, the figure must be about the thread's
subject and reported as current, not a per-unit size ("groups of up to 1,000
troops each"), a threshold ("the 90 percent needed for a weapon"), a
projection ("could reach 175,000") or a figure from another time ("up from
100,000 in January"). Statuses come from the slot's phrases in the article's
sentences, with negation, modality and time read around each match, and the
article's single current state chosen among several.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from storywatch.language.counted import counted_class, inflections, measure_factor
from storywatch.language.cues import (
    NEGATORS,
    TimeReference,
    Token,
    contains_sequence,
    find_attribution,
    find_phrase,
    find_time_references,
    fold_chars,
    has_modal,
    has_negation,
    leading_time_phrase,
    refers_to_past,
    segment_at,
    tokenize,
)
from storywatch.tracking.relevance import ParsedText
from storywatch.tracking.threads import Slot, State, Term, Thread

TITLE_INDEX = -1  # the sentence index given to a headline
# Qualifier words the extract stage may leave outside a claim's text: skipped, not read as cues.
QUALIFIER_PHRASES = tuple(tuple(p.split()) for p in (
    "more than", "fewer than", "less than", "greater than", "at least", "at most", "up to",
    "as many as", "as much as", "as few as", "no fewer than", "no less than", "not less than",
    "upwards of", "in excess of", "close to", "nearly", "almost", "about", "around", "some",
    "roughly", "approximately", "an estimated", "estimated", "over", "under", "just over",
    "just under", "well over", "an", "a", "the", "between", "perhaps", "possibly",
))
NUMBER_WORDS = frozenset({
    "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
    "twelve", "fifteen", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty",
    "ninety", "hundred", "thousand", "million", "billion", "dozen", "dozens", "hundreds",
    "thousands", "half",
})
# Modal cues that make a figure a projection or condition (narrower than for statuses:
# "officials warned that Russia has 100,000 troops" still asserts the figure).
QUANTITY_MODALS = frozenset({
    "could", "may", "might", "would", "should", "will", "can", "if", "unless", "whether",
    "potential", "potentially", "possible", "possibly", "plan", "plans", "planning",
    "planned", "expected", "expects", "aims", "hypothetical", "scenario", "eventually",
})
HYPOTHETICAL_MODALITIES = frozenset({
    "possible", "possibility", "hypothetical", "conditional", "future", "predicted",
    "prediction", "modal", "uncertain", "planned", "intended", "threat", "threatened",
    "may", "might", "could", "would", "will", "should", "can", "potential",
})
STRONG_MODALS_AFTER = frozenset({"could", "would", "may", "might", "will"})
# "resumed after being paused": the second state is what came before the news.
BACKGROUND_BEFORE = frozenset({"after", "following", "before", "since", "until", "previous",
                               "earlier", "former"})
QUALIFIER_WORDS = {"approx": "about", "at_least": "more than", "at_most": "up to"}


@dataclass(frozen=True, slots=True)
class ClaimRecord:
    """A claim of the extract stage, as the tracker reads it from `v_claims`."""

    claim_id: int | None
    kind: str
    text: str
    evidence: str | None = None
    sentence_index: int | None = None
    start_char: int | None = None
    end_char: int | None = None
    value_num: float | None = None
    value_low: float | None = None
    value_high: float | None = None
    unit: str | None = None
    qualifier: str | None = None
    subject: str | None = None
    predicate: str | None = None
    speaker: str | None = None
    attributed_to: str | None = None
    negated: bool | None = None
    modality: str | None = None
    extractor_version: str | None = None
    details: Mapping[str, Any] | None = None

    @property
    def frame(self) -> Mapping[str, Any] | None:
        """The figure's frame (`language.frames`), when the extract stage stored one."""
        return (self.details or {}).get("frame")


@dataclass(frozen=True, slots=True)
class SlotValue:
    """A slot's value: a number with qualifier and range, a canonical state, or a text."""

    text: str
    num: float | None = None
    low: float | None = None
    qualifier: str | None = None
    state: str | None = None

    @property
    def key(self) -> str:
        """The identity of the value in the developments key (thread, slot, version, value)."""
        if self.state is not None:
            return self.state
        low = "" if self.low is None else f"{self.low:.6g}"
        num = "" if self.num is None else f"{self.num:.6g}"
        return f"{self.qualifier or 'exact'}:{low}:{num}"


@dataclass(frozen=True, slots=True)
class Observation:
    """One value an article reports for a slot, with who asserts it and the evidence."""

    slot: str
    value: SlotValue
    attributed_to: str | None
    party: str | None
    evidence: str
    sentence_index: int
    claim_id: int | None = None
    rank: float = 0.0
    nominal: bool = False   # a state read from a noun phrase with no predicate of its own
    as_of: dt.date | None = None  # the day the figure is given for ("on Saturday"), if it says

    def line(self, outlet: str) -> str:
        """Whose line of figures this is: a party, a named source, or the outlet itself."""
        if self.party:
            return self.party
        if self.attributed_to and self.attributed_to != outlet:
            return "source:" + " ".join(t.text for t in tokenize(self.attributed_to))
        return "outlet:" + outlet


@dataclass(frozen=True, slots=True)
class Rejection:
    """A candidate the tracker set aside, with the reason (kept for tests and debugging)."""

    slot: str
    text: str
    reason: str
    claim_id: int | None = None     # the quantity claim set aside, when it was one


# --- formatting ----------------------------------------------------------------------


def format_number(value: float) -> str:
    """100000 -> "100,000"; 3197.1 -> "3,197.1"."""
    if abs(value - round(value)) < 1e-9:
        return f"{int(round(value)):,}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def describe_quantity(slot: Slot, num: float, low: float | None, qualifier: str | None) -> str:
    """A figure as a person says it: "more than 130,000 troops", "169,000-190,000 troops"."""
    label = slot.unit_label or slot.unit or ""
    if qualifier == "range" and low is not None:
        figure = f"{format_number(low)}\u2013{format_number(num)}"
    else:
        figure = format_number(num)
        if qualifier in QUALIFIER_WORDS:
            figure = f"{QUALIFIER_WORDS[qualifier]} {figure}"
    if not label:
        return figure
    return f"{figure}{label}" if label.startswith("%") else f"{figure} {label}"


# --- parties -------------------------------------------------------------------------


def find_party(thread: Thread, who: str | None) -> str | None:
    """The party (us, russia, ...) named first in an attribution, if any."""
    if not who:
        return None
    words = [t.text for t in tokenize(who)]
    best: tuple[int, int, str] | None = None
    for party, terms in thread.parties:
        for term in terms:
            for start, end in find_phrase(words, term.words):
                candidate = (start, -(end - start), party)
                if best is None or candidate < best:
                    best = candidate
    return best[2] if best else None


# "The fire", "the company", "the ship": a definite description names what the article
# named before with the same head noun ("the Woolsey Fire", "Evergreen Marine Company").
_DEFINITE = re.compile(r"^(?:the|this|that)\s+(?:[a-z-]+\s+)*?(?P<head>[a-z]+)$", re.IGNORECASE)


def described_party(thread: Thread, owner: str | None, text: ParsedText,
                    index: int) -> str | None:
    """The party a definite description refers to: of the parties whose terms end in the
    description's head noun, the one the text before sentence `index` (headline included)
    names most often; the latest named on a tie. None when the text names none, or when the
    owner is not a definite description (a name is read by `find_party`).

    The article's topic is what a bare "the fire" means in news: an article on the Woolsey
    Fire that mentions the Camp Fire once still means the Woolsey Fire by "the fire". Only
    mentions written with "the" count: "the Camp Fire" is a fire, while "Cal Fire", a name
    written bare, is an agency that merely ends in the same word.
    """
    found = _DEFINITE.match(" ".join((owner or "").split()))
    if found is None or not found.group("head").islower():
        return None
    head = _singular(found.group("head"))
    before = [text.title_words] if text.title_words else []
    before += [tuple(t.text for t in tokens)
               for sentence, tokens in zip(text.sentences, text.sentence_tokens, strict=True)
               if sentence.index < index]
    counts: dict[str, tuple[int, int]] = {}
    for party, terms in thread.parties:
        for term in terms:
            if len(term.words) < 2 or _singular(term.words[-1].lower()) != head:
                continue  # "Fire" alone is no name; "Camp Fire" is
            for position, words in enumerate(before):
                hits = sum(1 for start, _end in find_phrase(words, term.words)
                           if start > 0 and words[start - 1].lower() == "the")
                if hits:
                    many, latest = counts.get(party, (0, -1))
                    counts[party] = (many + hits, max(latest, position))
    if not counts:
        return None
    return max(counts, key=lambda party: counts[party])


def _singular(word: str) -> str:
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


# --- quantities ----------------------------------------------------------------------


def _any_term(words: Sequence[str], terms: Sequence[Term]) -> Term | None:
    for term in terms:
        if find_phrase(words, term.words):
            return term
    return None


def _strip_qualifiers(words: list[str]) -> list[str]:
    changed = True
    while changed and words:
        changed = False
        for phrase in QUALIFIER_PHRASES:
            if len(words) >= len(phrase) and tuple(words[-len(phrase):]) == phrase:
                words = words[:-len(phrase)]
                changed = True
                break
    return words


def _is_numberish(word: str) -> bool:
    return bool(re.fullmatch(r"[\d.]+", word)) or word in NUMBER_WORDS


def _locate(claim: ClaimRecord, sentence: str) -> tuple[int, int] | None:
    folded = fold_chars(sentence)
    needle = fold_chars(claim.text).strip()
    if needle:
        at = folded.find(needle)
        if at >= 0:
            return at, at + len(needle)
    for number in (claim.value_low, claim.value_num, claim.value_high):
        if number is None:
            continue
        for form in (format_number(number), f"{number:g}"):
            at = folded.find(form)
            if at >= 0:
                return at, at + len(form)
    return None


def _find_unit(slot: Slot, words: Sequence[str], start: int, stop: int
               ) -> tuple[int, int, float] | None:
    units = [(tuple(name.split()), factor) for name, factor in slot.units]
    for position in range(start, min(stop, len(words))):
        for name, factor in sorted(units, key=lambda u: -len(u[0])):
            if tuple(words[position:position + len(name)]) == name:
                return position, position + len(name), factor
    return None


# A country named after one of these is a place ("troops near Ukraine"), not an owner.
LOCATION_WORDS = frozenset({
    "near", "around", "in", "into", "inside", "on", "at", "along", "to", "toward", "towards",
    "from", "within", "across", "encircling", "surrounding", "with", "against", "over", "of",
    "outside", "by", "border", "borders",
})


def _owner(slot: Slot, words: Sequence[str]) -> str | None:
    """'any' or 'none' for the owner word nearest the end of `words`, None if there is none."""
    best: tuple[int, str] | None = None
    for kind, terms in (("any", slot.owner_any), ("none", slot.owner_none)):
        for term in terms:
            for start, end in find_phrase(words, term.words):
                if start > 0 and words[start - 1] in LOCATION_WORDS:
                    continue
                if best is None or end > best[0]:
                    best = (end, kind)
    return best[1] if best else None


@dataclass(frozen=True, slots=True)
class _Context:
    text: ParsedText
    published_at: dt.datetime | None
    outlet: str


def quantity_observation(thread: Thread, slot: Slot, claim: ClaimRecord, ctx: _Context
                         ) -> Observation | Rejection:
    """The observation a quantity claim makes for a quantity slot, or why it makes none."""
    def reject(reason: str) -> Rejection:
        return Rejection(slot.name, claim.text, reason, claim.claim_id)

    if slot.counts is not None:
        return frame_observation(thread, slot, claim, ctx)
    sentence, index = _claim_sentence(claim, ctx.text)
    span = _locate(claim, sentence)
    if span is None:
        return reject("claim text not found in its sentence")
    tokens = tokenize(sentence)
    words = [t.text for t in tokens]
    inside = [i for i, t in enumerate(tokens) if t.start >= span[0] and t.end <= span[1]]
    if not inside:
        return reject("claim has no words")
    first, last = inside[0], inside[-1]
    seg_start, seg_end = segment_at(sentence, tokens[first].start)
    unit = _unit_from_claim(slot, claim, words, first, last)
    if unit is None and claim.unit is None:
        # "put the Russian force at more than 150,000": the counted word comes first.
        earlier = [i for i, t in enumerate(tokens[:first]) if t.start >= seg_start][-8:]
        found = _find_unit(slot, words, earlier[0], first) if earlier else None
        if found is not None:
            unit = (last + 1, last + 1, found[2])
    if unit is None:
        return reject(f"counts {claim.unit or 'something else'}, not {slot.unit}")
    unit_start, unit_end, factor = unit
    numbers = [i for i in range(first, unit_start) if _is_numberish(words[i])]
    number_at = numbers[-1] if numbers else first
    between = words[number_at + 1:unit_start]
    before = [t.text for t in tokens[:first] if t.start >= seg_start]
    before = _strip_qualifiers(before)
    after = [t.text for t in tokens[unit_end:] if t.end <= seg_end][:3]

    excluded = _any_term(before[-4:], slot.exclude_before) or _any_term(
        between + after, slot.exclude_after)
    if excluded:
        return reject(f"'{excluded.text}' next to the figure: it counts something else")
    owner = _owner(slot, between) or _owner(slot, before)
    if owner == "none":
        return reject("the figure belongs to another party")
    if slot.near_any and not _any_term(words, slot.near_any):
        return reject("the sentence does not place it (near_any)")
    if owner is None and slot.context_any and not _in_context(slot, ctx.text, index, words):
        return reject("no context word in the sentence, the one before, or the headline")
    if claim.negated or has_negation(before[-4:]):
        return reject("negated")
    modality = (claim.modality or "").lower()
    if modality in HYPOTHETICAL_MODALITIES or any(w in QUANTITY_MODALS for w in before[-8:]):
        return reject("hypothetical or projected")
    when = _past_reference(sentence, seg_start, seg_end, ctx.published_at, slot,
                           ctx.text.paragraph_label(index))
    if when:
        return reject(f"about another time ({when})")
    if _pluperfect_before(before, words[:first]):
        return reject("background (past perfect)")
    value = _quantity_value(slot, claim, factor)
    if value is None:
        return reject("no number")
    cited = claim.attributed_to if claim.attributed_to != ctx.outlet else None
    who = (claim.speaker or cited or find_attribution(sentence[seg_start:seg_end])
           or find_attribution(sentence))
    rank = (2.0 if index == TITLE_INDEX else 0.0) + (1.0 if index == 0 else 0.0)
    return Observation(slot.name, value, who or ctx.outlet, find_party(thread, who), sentence,
                       index, claim.claim_id, rank)


# Why a figure of each kind is no value of a slot.
FRAME_KIND_REASONS = {
    "share": "a share of {share_of}, not a total",
    "part": "a part of a whole named beside it, not the whole",
    "whole": "the whole a part is counted from ('of the 33'), not a current total",
    "per_unit": "a size per unit, not a total",
    "change": "a change, not a total",
    "previous": "an earlier value of a change",
    "limit": "a cap, limit or threshold, not a measurement",
}
# What a frame's modality means for a slot: only what is asserted fills it.
FRAME_MODALITY_REASONS = {
    "negated": "negated", "projected": "hypothetical or projected",
    "planned": "a plan or a future ('will gather'), not a fact yet",
    "conditional": "hypothetical or projected", "question": "a question, not a statement",
    "required": "a requirement, not a measurement",
}


def frame_observation(thread: Thread, slot: Slot, claim: ClaimRecord, ctx: _Context
                      ) -> Observation | Rejection:
    """The observation a figure makes for a slot declared by what it counts (`counts:`).

    The extract stage's frame says what the figure counts, whether it is a total, whose it
    is and how it is asserted; the slot says what it counts and whose. No word windows.
    """
    def reject(reason: str) -> Rejection:
        return Rejection(slot.name, claim.text, reason, claim.claim_id)

    frame = claim.frame
    if frame is None:
        return reject("no frame (extracted by an older extractor)")
    factor = _counted_factor(slot, frame.get("counted"))
    if factor is None:
        factor = _counted_factor(slot, frame.get("outcome"))  # "killed 33 people": deaths
    if factor is None:
        return reject(f"counts {frame.get('counted') or 'something unnamed'}, not {slot.counted}")
    kind = frame.get("kind", "total")
    if kind == "part" and _counted_factor(slot, frame.get("part_of")) is None and frame.get(
            "part_of"):
        # "21 cases, including 17 deaths": a part of a count of something else is the whole
        # of what it counts itself (the deaths are all among the cases)
        kind = "total"
    if kind in FRAME_KIND_REASONS:
        return reject(FRAME_KIND_REASONS[kind].format(share_of=frame.get("share_of") or "a whole"))
    modality = frame.get("modality", "asserted")
    if modality in FRAME_MODALITY_REASONS and modality not in slot.modalities:
        return reject(FRAME_MODALITY_REASONS[modality])
    if frame.get("other_event"):
        return reject(f"about another event ({frame['other_event']})")
    sentence, index = _claim_sentence(claim, ctx.text)
    owner_party = find_party(thread, frame.get("owner")) or described_party(
        thread, frame.get("owner"), ctx.text, index)
    if slot.owners and owner_party is not None and owner_party not in slot.owners:
        return reject(f"the figure is {owner_party}'s ({frame.get('owner')}), not "
                      f"{' or '.join(slot.owners)}'s")
    words = [t.text for t in tokenize(sentence)]
    if slot.context_any and not _any_term(words, slot.context_any):
        return reject("the sentence names nothing the slot is about")
    reported = bool(claim.speaker or (claim.details or {}).get("reported_by"))
    if frame.get("tense") == "past_perfect" and not reported and not frame.get("time_text"):
        # "had massed 90,000": background; "had been hoisted by early afternoon" is dated,
        # and the date decides below
        return reject("background (past perfect)")
    span = _locate(claim, sentence)
    seg_start, seg_end = segment_at(sentence, span[0]) if span else (0, len(sentence))
    # a future clause's weekday is the coming one ("will join the strike on Monday")
    when = None if frame.get("tense") == "future" else _past_reference(
        sentence, seg_start, seg_end, ctx.published_at, slot, ctx.text.paragraph_label(index))
    if not when and frame.get("tense") == "past" and not frame.get("time_text"):
        # a past clause with no time of its own tells of the time its sentence names before
        # it ("The 2014-2016 epidemic was the largest: it infected 28,600 people")
        when = refers_to_past(sentence[:seg_start], ctx.published_at, slot.stale_after_days)
    if when:
        return reject(f"about another time ({when})")
    value = _quantity_value(slot, claim, factor)
    if value is None:
        return reject("no number")
    cited = claim.attributed_to if claim.attributed_to != ctx.outlet else None
    who = claim.speaker or cited or find_attribution(sentence[seg_start:seg_end])
    rank = ((2.0 if index == TITLE_INDEX else 0.0) + (1.0 if index == 0 else 0.0)
            + (0.5 if owner_party is not None and owner_party in slot.owners else 0.0))
    return Observation(slot.name, value, who or ctx.outlet, find_party(thread, who), sentence,
                       index, claim.claim_id, rank,
                       as_of=_figure_day(sentence, seg_start, seg_end, ctx.published_at,
                                         ctx.text.paragraph_label(index)))


def _counted_factor(slot: Slot, counted: str | None) -> float | None:
    """The factor from what a figure counts to the slot's unit; None when they differ."""
    if counted is None or slot.counted is None:
        return None
    if counted in slot.counted_classes:
        return 1.0
    for name, factor in slot.units:
        if counted_class(name) == counted:
            return factor
    return measure_factor(counted, slot.counted)


def _unit_from_claim(slot: Slot, claim: ClaimRecord, words: Sequence[str], first: int,
                     last: int) -> tuple[int, int, float] | None:
    found = _find_unit(slot, words, first, last + 5)
    if found is not None:
        return found
    if claim.unit:
        unit_words = " ".join(t.text for t in tokenize(claim.unit))
        for name, factor in slot.units:
            if name == unit_words:
                return last + 1, last + 1, factor
    return None


def _quantity_value(slot: Slot, claim: ClaimRecord, factor: float) -> SlotValue | None:
    qualifier = claim.qualifier if claim.qualifier in ("approx", "at_least", "at_most",
                                                       "range") else None
    low: float | None = None
    if qualifier == "range" or (claim.value_low is not None and claim.value_high is not None
                                and claim.value_low != claim.value_high):
        low = claim.value_low
        num = claim.value_high if claim.value_high is not None else claim.value_num
        qualifier = "range"
    else:
        num = claim.value_num
        if num is None:
            num = claim.value_high if claim.value_high is not None else claim.value_low
    if num is None:
        return None
    num = num * factor
    low = low * factor if low is not None else None
    if low is not None and low > num:
        low, num = num, low
    return SlotValue(describe_quantity(slot, num, low, qualifier), num=num, low=low,
                     qualifier=qualifier)


def _claim_sentence(claim: ClaimRecord, text: ParsedText) -> tuple[str, int]:
    if claim.start_char is not None:
        for sentence in text.sentences:
            if sentence.start <= claim.start_char < sentence.end:
                if claim.evidence is None or fold_chars(claim.text) in fold_chars(sentence.text):
                    return sentence.text, sentence.index
    if claim.evidence:
        folded = fold_chars(claim.evidence).strip()
        for sentence in text.sentences:
            if folded and (folded in fold_chars(sentence.text)
                           or fold_chars(sentence.text) in folded):
                return claim.evidence, sentence.index
        if text.title and folded == fold_chars(text.title).strip():
            return claim.evidence, TITLE_INDEX
        return claim.evidence, claim.sentence_index if claim.sentence_index is not None else 0
    return claim.text, claim.sentence_index if claim.sentence_index is not None else 0


def _in_context(slot: Slot, text: ParsedText, index: int, words: Sequence[str]) -> bool:
    pools: list[Sequence[str]] = [words, text.title_words]
    if index > 0:
        pools.append(text.sentence_words[index - 1])
    return any(_any_term(pool, slot.context_any) for pool in pools)


def _past_reference(sentence: str, seg_start: int, seg_end: int,
                    published_at: dt.datetime | None, slot: Slot,
                    label: str | None = None) -> str | None:
    when = refers_to_past(sentence[seg_start:seg_end], published_at, slot.stale_after_days)
    if when:
        return when
    antecedent = _when_antecedent(sentence, seg_start, published_at)
    if antecedent is not None and published_at is not None and antecedent.latest < (
            published_at - dt.timedelta(days=slot.stale_after_days)):
        return antecedent.text
    if label:
        # the entry's own date ("Aug. 22 - The men are found alive.")
        when = refers_to_past(label, published_at, slot.stale_after_days)
        if when:
            return when
    lead = leading_time_phrase(sentence)
    if lead and lead != (seg_start, seg_end):
        return refers_to_past(sentence[lead[0]:lead[1]], published_at, slot.stale_after_days)
    return None


_RELATIVE_WHEN = re.compile(r"\s*(?:when|during which|in which)\b", re.IGNORECASE)


def _when_antecedent(sentence: str, seg_start: int, published_at: dt.datetime | None
                     ) -> TimeReference | None:
    """The time a "when" clause is about: the time expression it hangs on, at the end of the
    part before it ("the first strike since 2007, when a 100-day stoppage cost $2.1 billion").
    A "since" there still names the moment the clause tells of."""
    if seg_start == 0 or not _RELATIVE_WHEN.match(sentence[seg_start:]):
        return None
    before = fold_chars(sentence[:seg_start]).rstrip(" ,;:\u2013\u2014-")
    refs = find_time_references(before, published_at)
    last = refs[-1] if refs else None
    return last if last is not None and before.endswith(last.text) else None


def _figure_day(sentence: str, seg_start: int, seg_end: int, published_at: dt.datetime | None,
                label: str | None = None) -> dt.date | None:
    """The day a figure is given for, when its clause, its paragraph's label or the sentence's
    opening phrase names one ("321 ships were waiting on Saturday", "By Friday afternoon, 237
    vessels"): two sources' figures for different days are readings of a moving quantity, not
    a dispute about one moment. Only a named day counts (a weekday, a date), not a month."""
    lead = leading_time_phrase(sentence)
    for text in (sentence[seg_start:seg_end], label or "",
                 sentence[lead[0]:lead[1]] if lead else ""):
        days = [ref.latest.date() for ref in find_time_references(text, published_at)
                if ref.names_a_day and not ref.is_since]
        if days:
            return max(days)
    return None


REPORTING_VERBS = frozenset({
    "said", "says", "told", "posted", "wrote", "announced", "added", "noted", "emphasised",
    "emphasized", "stressed", "confirmed", "reported", "stated", "tweeted", "insisted",
    "claimed", "mentioned", "advised",
})


def _pluperfect_before(before: Sequence[str], sentence_before: Sequence[str] = ()) -> bool:
    """Past perfect right before a mention: background, unless it is reported speech.

    "the talks had been paused since March" looks back; "the minister said the two
    presidents had agreed on a framework" is the news, shifted into the past by "said".
    """
    if not ("had" in before[-2:] or contains_sequence(before[-3:], ("had", "been"))):
        return False
    at = len(before) - 1 - before[::-1].index("had") if "had" in before else -1
    if at > 0 and before[at - 1] in ("have", "has", "having", "'ve"):
        return False  # "have had no contact": the present perfect of "have"
    if _by_the_time(sentence_before):
        return False  # "by dawn the assault had begun": the day's narrative, not background
    return not any(w in REPORTING_VERBS for w in sentence_before)


# Times of the day a "by" phrase fixes the past perfect to: the narrative of the day.
TIMES_OF_DAY = frozenset({
    "dawn", "daybreak", "sunrise", "morning", "noon", "midday", "afternoon", "evening", "dusk",
    "sunset", "nightfall", "night", "midnight", "then", "now", "lunchtime",
})


def _by_the_time(words: Sequence[str]) -> bool:
    """ "By dawn", "by early afternoon", "by then": a reference time on the day reported."""
    return any(word == "by" and any(w in TIMES_OF_DAY for w in words[k + 1:k + 4])
               for k, word in enumerate(words))


# --- statuses ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _StatusCandidate:
    state: str
    priority: int
    score: float
    index: int
    position: int
    sentence: str
    segment: str
    nominal: bool = False


def status_candidates(slot: Slot, ctx: _Context, claims: Sequence[ClaimRecord] = ()
                      ) -> tuple[list[_StatusCandidate], list[Rejection]]:
    """Every state mention in the headline and sentences, after negation, mood and time."""
    candidates: list[_StatusCandidate] = []
    rejected: list[Rejection] = []
    units: list[tuple[int, str, list[Token]]] = []
    if ctx.text.title:
        units.append((TITLE_INDEX, ctx.text.title, tokenize(ctx.text.title)))
    for sentence, tokens in zip(ctx.text.sentences, ctx.text.sentence_tokens, strict=True):
        units.append((sentence.index, sentence.text, list(tokens)))
    flagged = [c for c in claims if c.kind == "status"]
    for index, sentence, tokens in units:
        words = [t.text for t in tokens]
        if slot.context_any and not _any_term(words, slot.context_any):
            continue
        found = [(state, start, end) for state in slot.states for phrase in state.phrases
                 for start, end in find_phrase(words, phrase.words)]
        for state, start, end in found:
            if any(other is not state and o_start <= start and end <= o_end
                   and o_end - o_start > end - start for other, o_start, o_end in found):
                continue  # "authorize a strike": the longer phrase of another state says it
            outcome = _read_mention(slot, state, sentence, tokens, start, end, ctx,
                                    flagged, index)
            if isinstance(outcome, Rejection):
                rejected.append(outcome)
                continue
            seg = segment_at(sentence, tokens[start].start)
            seg_words = [t.text for t in tokens if seg[0] <= t.start < seg[1]]
            subject = bool(_any_term(seg_words, slot.context_any))
            score = ((2.0 if index == TITLE_INDEX else 0.0)
                     + (1.0 if index == 0 else 0.0) + (1.0 if subject else 0.0))
            target = slot.state(outcome)
            nominal = index != TITLE_INDEX and _is_nominal(
                words[start:end], sentence, flagged)
            candidates.append(_StatusCandidate(
                outcome, target.priority if target else state.priority, score, index,
                tokens[start].start, sentence, sentence[seg[0]:seg[1]], nominal))
    return candidates, rejected


def _read_mention(slot: Slot, state: State, sentence: str, tokens: Sequence[Token],
                  start: int, end: int, ctx: _Context, claims: Sequence[ClaimRecord],
                  index: int = TITLE_INDEX) -> str | Rejection:
    """The state a phrase match stands for once its clause is read, or why it is set aside."""
    mention = sentence[tokens[start].start:tokens[end - 1].end]

    def reject(reason: str) -> Rejection:
        return Rejection(slot.name, mention, f"{state.name}: {reason}")

    seg_start, seg_end = segment_at(sentence, tokens[start].start)
    before = [t.text for t in tokens[:start] if t.start >= seg_start]
    after = [t.text for t in tokens[end:] if t.end <= seg_end][:3]
    when = _past_reference(sentence, seg_start, seg_end, ctx.published_at, slot,
                           ctx.text.paragraph_label(index))
    if when:
        return reject(f"about another time ({when})")
    if _pluperfect_before(before, [t.text for t in tokens[:start]]):
        return reject("background (past perfect)")
    if any(w in BACKGROUND_BEFORE for w in before[-2:]):
        return reject("background (after/before/since another event)")
    if sentence.rstrip().endswith("?"):
        return reject("a question, not a statement")
    ender = _ended_by(before) or _ends(after)
    if ender:
        return reject(f"ended ('{ender}')")
    claim = _smallest_claim(claims, mention, sentence)
    # "no contact", "not verified": a phrase that holds its own negation is not negated by it
    own_negation = any(t.text in NEGATORS for t in tokens[start:end])
    negated = has_negation(before[-5:]) or bool(claim and claim.negated and not own_negation)
    modal = (has_modal(before[-8:]) or any(w in STRONG_MODALS_AFTER for w in after)
             or bool(claim and (claim.modality or "").lower() in HYPOTHETICAL_MODALITIES)
             or _is_infinitive(tokens, start, state))
    outcome = state.name
    if negated:
        if state.negated == "drop":
            return reject("negated")
        outcome = state.negated if state.negated != "keep" else outcome
    if modal:
        target = slot.state(outcome)
        rule = target.modal if target else state.modal
        if rule == "drop":
            return reject("hypothetical")
        if rule != "keep":
            outcome = rule
    return outcome


# Verbs that end what their object names: "voted to lift the strike", "ending a walkout of 148
# days", "called off the blockade". The state they take as object is over, not current.
TERMINATIVE_VERBS = ("end", "lift", "halt", "stop", "conclude", "suspend", "terminate",
                     "abandon", "call off")
DETERMINERS = frozenset({"the", "a", "an", "its", "their", "his", "her", "this", "that"})


def _ended_by(before: Sequence[str]) -> str | None:
    """The terminative verb whose object a mention is (None if none): the words right before
    it are such a verb and at most a determiner."""
    words = [w.lower() for w in before[-4:]]
    while words and words[-1] in DETERMINERS:
        words.pop()
    for verb in TERMINATIVE_VERBS:
        first, *particles = verb.split()
        tail = words[max(0, len(words) - 1 - len(particles)):]
        if len(tail) == 1 + len(particles) and tail[0] in inflections(first) and (
                tail[1:] == particles):
            return verb
    return None


BE_FORMS = frozenset({"is", "was", "are", "were", "be", "been", "'s"})


def _ends(after: Sequence[str]) -> str | None:
    """The words after a mention that say it ended: "as 148-day strike ends", "the walkout
    ended on Friday", "the strike is officially over"."""
    words = [w.lower() for w in after[:3]]
    if words and any(words[0] in inflections(verb) for verb in TERMINATIVE_VERBS if " " not in verb):
        return words[0]
    if len(words) >= 2 and words[0] in BE_FORMS and "over" in words[1:3]:
        return "over"
    return None


# Verbs whose infinitive happens: "began to withdraw", "continued to mass troops".
ASPECTUAL_VERBS = ("begin", "start", "continue", "resume", "proceed", "commence")
# ... and verbs whose infinitive their own act carries out: "voted to authorize a strike" (the
# vote is the authorization), "managed to refloat the ship".
IMPLICATIVE_VERBS = ("vote", "manage")


def _is_infinitive(tokens: Sequence[Token], start: int, state: State) -> bool:
    """ "has the capability to invade", "forces in place to launch an attack": an event
    named by an infinitive is an aim, a capability or a plan, never something that happened."""
    if start == 0 or tokens[start - 1].text != "to":
        return False
    governor = [t.text for t in tokens[max(0, start - 5):start - 1]]
    if governor and any(governor[-1] in inflections(v) for v in ASPECTUAL_VERBS):
        return False  # "were beginning to return": an aspect of something happening
    if any(word in inflections(v) for word in governor for v in IMPLICATIVE_VERBS):
        return False  # "voted on Sunday to authorize a strike": the vote did it
    word = tokens[start].text
    # the bare form only: "returned to their bases" has "to" after the verb, not before it
    return any(p.words and p.words[0].rstrip("~*") == word for p in state.phrases)


def _same_sentence(evidence: str | None, here: str) -> bool:
    """Whether a claim's evidence is the sentence `here` (normalised), the wire dateline the
    extract stage leaves out ("WASHINGTON (Wire) —") aside."""
    if not evidence:
        return False
    words = fold_chars(evidence).split()
    for skip in range(5):  # "WASHINGTON The United States ...": a dateline's remains
        rest = " ".join(words[skip:])
        if rest == here or (len(rest) > 20 and here.endswith(rest)):
            return True
    return False


# Subjects that say nothing of the story: "it took a final agreement, a signing, ...".
DUMMY_SUBJECTS = frozenset({"it", "this", "that", "there", "what"})


def _is_nominal(mention: Sequence[str], sentence: str, claims: Sequence[ClaimRecord]) -> bool:
    """Whether a state is named only by a noun phrase: "it took a final agreement, a signing,
    a referendum defeat". A mention holding the verb of one of the sentence's clauses ("the
    two sides reached an agreement") is predicated; one that holds none is nominal. Unknown
    (no clause read for the article) counts as predicated."""
    if not claims:
        return False
    here = " ".join(fold_chars(sentence).split())
    phrase = " ".join(mention)
    verbs: set[str] = set()
    for claim in claims:
        if not _same_sentence(claim.evidence, here):
            continue
        details = claim.details or {}
        verbs.update(claim.predicate.split() if claim.predicate else ())
        verbs.update(details.get("chain", ()))
        obj = " ".join(t.text for t in tokenize(details.get("object") or ""))
        if phrase and phrase in obj and details.get("subject_head") not in DUMMY_SUBJECTS:
            return False  # "the negotiations entered a final phase": the object of a clause
    verbs -= {"be", "have", "do", "exist"}
    words = set(mention)
    return not any(words & inflections(verb) for verb in verbs)


def _smallest_claim(claims: Sequence[ClaimRecord], mention: str, sentence: str
                    ) -> ClaimRecord | None:
    """The extract stage's narrowest status clause around a mention, in the same sentence."""
    needle = fold_chars(mention)
    here = " ".join(fold_chars(sentence).split())
    around = [c for c in claims
              if c.evidence and needle in fold_chars(c.text) and _same_sentence(c.evidence, here)]
    return min(around, key=lambda c: len(c.text)) if around else None


def choose_current(candidates: Sequence[_StatusCandidate], slot: Slot) -> _StatusCandidate | None:
    """The state an article reports as current among the states it mentions."""
    if not candidates:
        return None
    best = max(c.score for c in candidates)
    top = [c for c in candidates if c.score == best]
    names = {c.state for c in top}
    superseded = {old for name in names if (s := slot.state(name)) for old in s.supersedes}
    remaining = [c for c in top if c.state not in superseded] or top
    # Earliest in the article: the news leads, background follows; two states in that one
    # clause ("signed a revised accord"): the later in the story (its priority).
    first = min(remaining, key=lambda c: (c.index != TITLE_INDEX, c.index, c.position))
    chosen = min((c for c in remaining if c.index == first.index and c.segment == first.segment),
                 key=lambda c: (-c.priority, c.position))
    if chosen.index == TITLE_INDEX:
        body = [c for c in candidates if c.state == chosen.state and c.index != TITLE_INDEX]
        if body:
            chosen = min(body, key=lambda c: (c.index, c.position))
            return _StatusCandidate(chosen.state, chosen.priority, best, chosen.index,
                                    chosen.position, chosen.sentence, chosen.segment,
                                    chosen.nominal)
    return chosen


def status_observation(thread: Thread, slot: Slot, ctx: _Context,
                       claims: Sequence[ClaimRecord] = ()) -> tuple[list[Observation], list[Rejection]]:
    """The one state an article reports as current for a status slot (or none)."""
    candidates, rejected = status_candidates(slot, ctx, claims)
    chosen = choose_current(candidates, slot)
    if chosen is None:
        return [], rejected
    who = find_attribution(chosen.segment) or find_attribution(chosen.sentence)
    value = SlotValue(chosen.state, state=chosen.state)
    nominal = chosen.nominal and all(c.nominal for c in candidates if c.state == chosen.state)
    return [Observation(slot.name, value, who or ctx.outlet, find_party(thread, who),
                        chosen.sentence, chosen.index, None, chosen.score, nominal)], rejected


# --- text slots ----------------------------------------------------------------------


def text_observation(thread: Thread, slot: Slot, ctx: _Context) -> list[Observation]:
    """The first value a text slot's patterns capture, headline first."""
    units = [(TITLE_INDEX, ctx.text.title)] if ctx.text.title else []
    units += [(s.index, s.text) for s in ctx.text.sentences]
    for index, sentence in units:
        if slot.context_any and not _any_term([t.text for t in tokenize(sentence)],
                                              slot.context_any):
            continue
        for pattern in slot.patterns:
            match = re.search(pattern, sentence, re.IGNORECASE)
            if match and match.group("value"):
                seg = segment_at(sentence, match.start())
                if _past_reference(sentence, seg[0], seg[1], ctx.published_at, slot,
                                   ctx.text.paragraph_label(index)):
                    continue
                text = " ".join(match.group("value").split())
                who = find_attribution(sentence)
                value = SlotValue(text, state=" ".join(t.text for t in tokenize(text)))
                return [Observation(slot.name, value, who or ctx.outlet,
                                    find_party(thread, who), sentence, index)]
    return []


# --- one article, one thread ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ArticleReading:
    """What one version says for one thread: observations, and what was set aside."""

    observations: tuple[Observation, ...]
    rejections: tuple[Rejection, ...]


def read_article(thread: Thread, text: ParsedText, claims: Sequence[ClaimRecord],
                 published_at: dt.datetime | None, outlet: str) -> ArticleReading:
    """Every slot value the article reports as current for `thread` (one per slot and line)."""
    ctx = _Context(text, published_at, outlet)
    observations: list[Observation] = []
    rejections: list[Rejection] = []
    fuller = fuller_descriptions([c.attributed_to for c in claims] + [c.speaker for c in claims])
    for slot in thread.slots:
        if slot.type == "status":
            found, rejected = status_observation(thread, slot, ctx, claims)
            observations += [_as_described_first(o, fuller) for o in found]
            rejections += rejected
        elif slot.type == "text":
            observations += text_observation(thread, slot, ctx)
        else:
            found_q: list[Observation] = []
            for claim in claims:
                if claim.kind != "quantity":
                    continue
                outcome = quantity_observation(thread, slot, claim, ctx)
                if isinstance(outcome, Rejection):
                    rejections.append(outcome)
                else:
                    found_q.append(_as_described_first(outcome, fuller))
            kept = _one_per_line(found_q, outlet, running_total=slot.cumulative)
            observations += kept
            rejections += [Rejection(slot.name, o.evidence, "another figure of the same source "
                                     "line in this article came first", o.claim_id)
                           for o in found_q if o not in kept]
    return ArticleReading(tuple(observations), tuple(rejections))


def fuller_descriptions(sources: Sequence[str | None]) -> dict[str, str]:
    """A source an article names again in fewer words -> its fuller description: "the
    ministry" after "the health ministry" is the same source, one line of figures, not two.
    Only when one fuller description fits (two ministries leave "the ministry" as it is)."""
    names = {s for s in sources if s}
    words = {name: name.casefold().split() for name in names}
    found: dict[str, str] = {}
    for short, short_words in words.items():
        longer = [name for name, name_words in words.items()
                  if len(name_words) > len(short_words) and name_words[-1] == short_words[-1]
                  and set(short_words) <= set(name_words)]
        if len(longer) == 1:
            found[short] = longer[0]
    return found


def _as_described_first(obs: Observation, fuller: Mapping[str, str]) -> Observation:
    if obs.party or obs.attributed_to not in fuller:
        return obs
    return dataclasses.replace(obs, attributed_to=fuller[obs.attributed_to])


# The sentences that open an article: a news story gives its current figures there, and its
# background further down.
OPENING_SENTENCES = 3


def _one_per_line(found: Sequence[Observation], outlet: str, running_total: bool = False
                  ) -> list[Observation]:
    """An article gives one figure per source line: the most prominent, then the first. Of a
    running total (`cumulative: true`) it is the largest the headline and the opening
    sentences give: the smaller figures a source gives beside its total are parts of it ("two
    of them confirmed"), and figures further down are background as often as not."""
    def size(obs: Observation) -> float:
        opening = obs.sentence_index == TITLE_INDEX or obs.sentence_index < OPENING_SENTENCES
        return -(obs.value.num or 0.0) if running_total and opening else 0.0

    best: dict[str, Observation] = {}
    for obs in sorted(found, key=lambda o: (size(o), -o.rank, o.sentence_index != TITLE_INDEX,
                                            o.sentence_index)):
        best.setdefault(obs.line(outlet), obs)
    return sorted(best.values(), key=lambda o: (o.sentence_index, o.value.key))
