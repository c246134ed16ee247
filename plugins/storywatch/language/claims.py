"""Claims of one parsed article with their attribution: who asserts each of them.

Quotes and reported speech carry their speaker. A quantity or a status is
asserted by the speaker of the quote or reported clause it sits in, else by
the source its sentence cites ("according to U.S. officials"), else by the
article's narrator (no speaker; the outlet is filled in when the claim is
stored). So "100,000 troops, according to U.S. officials" and a figure the
Kremlin gives stay apart.
"""
from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from spacy.tokens import Doc

from storywatch.language.clauses import sentences_of
from storywatch.language.entities import DocEntities
from storywatch.language.frames import frame_of
from storywatch.language.nlp import doc_text
from storywatch.language.quotes import Speaker, SpeechClaim, cited_source_of

KINDS = ("quote", "reported_speech", "quantity", "status")
QUALIFIERS = ("approx", "at_least", "at_most", "range")
# Longest evidence sentence stored: a 50,000-character "sentence" is not evidence.
MAX_EVIDENCE_CHARS = 1_000


@dataclass(frozen=True, slots=True)
class Claim:
    """One claim ready to store; `speaker_name` is an article-level entity name."""

    kind: str
    start_char: int
    end_char: int
    text: str
    speaker_name: str | None
    speaker_text: str | None
    attribution: str  # speaker | cited_source | narrator | unattributed
    attributed_to: str | None
    reporting_verb: str | None
    evidence: str
    sentence_index: int
    value_num: float | None = None
    value_low: float | None = None
    value_high: float | None = None
    unit: str | None = None
    qualifier: str | None = None
    negated: bool | None = None
    modality: str | None = None
    subject: str | None = None
    predicate: str | None = None
    details: dict[str, Any] = field(default_factory=dict)
    # how the speaker was linked (name, role, roles_file, pronoun, description, described,
    # announcement, continuation, carryover) and the institution the speaker speaks for
    speaker_link: str | None = None
    speaker_institution: str | None = None


# Further fields of the quantity and status rules kept in `claims.details`.
QUANTITY_DETAILS = ("unit_kind", "measured", "per_unit", "per", "vague", "previous_value",
                    "negated", "modality", "time_text", "reported_by")
STATUS_DETAILS = ("tense", "subject_head", "object", "chain", "predicate_text", "voice",
                  "time_text", "time_prep", "reported_by")


def details_of(item: Any, names: Sequence[str]) -> dict[str, Any]:
    """The non-empty fields `names` of a rule's result, JSON-ready."""
    found: dict[str, Any] = {}
    for name in names:
        value = getattr(item, name, None)
        if value in (None, False, (), ""):
            continue
        found[name] = list(value) if isinstance(value, tuple) else value
    return found


def evidence_of(doc: Doc, sentence_index: int, starts: Sequence[int]) -> str:
    """The text of sentence `sentence_index`, trimmed to a readable length."""
    start = starts[sentence_index] if sentence_index < len(starts) else 0
    end = starts[sentence_index + 1] if sentence_index + 1 < len(starts) else len(doc_text(doc))
    sentence = " ".join(doc_text(doc)[start:end].split())
    if len(sentence) > MAX_EVIDENCE_CHARS:
        sentence = sentence[:MAX_EVIDENCE_CHARS - 1] + "…"
    return sentence


def speech_claims(doc: Doc, ents: DocEntities, speech: Sequence[SpeechClaim]) -> list[Claim]:
    """Quotes and reported speech as claims."""
    claims = []
    for item in speech:
        speaker = item.speaker
        if speaker is not None:
            attribution, attributed_to = "speaker", speaker.label
        elif item.cited_source:
            attribution, attributed_to = "cited_source", item.cited_source
        else:
            attribution, attributed_to = "unattributed", None
        claims.append(Claim(
            kind=item.kind, start_char=item.start_char, end_char=item.end_char,
            text=item.text, speaker_name=speaker.name if speaker else None,
            speaker_text=speaker.described if speaker else None, attribution=attribution,
            attributed_to=attributed_to, reporting_verb=item.reporting_verb,
            evidence=evidence_of(doc, item.sentence_index, ents.sentence_starts),
            sentence_index=item.sentence_index,
            speaker_link=speaker.how if speaker else None,
            speaker_institution=speaker.institution if speaker else None,
        ))
    return claims


class Attributor:
    """Who asserts a span of the article: the speech around it, a cited source, or the narrator."""

    def __init__(self, doc: Doc, ents: DocEntities, speech: Sequence[SpeechClaim]) -> None:
        self._doc = doc
        self._ents = ents
        # Direct quotes first: a figure inside a quote is the speaker's own words.
        ordered = sorted(speech, key=lambda s: (s.kind != "quote", s.end_char - s.start_char))
        self._speech = [s for s in ordered if s.speaker is not None]
        self._starts = [s.start_char for s in self._speech]
        self._cited: dict[int, str | None] = {}

    def attribute(self, start: int, end: int, sentence_index: int) -> tuple[
            str | None, str | None, str, str | None]:
        """(speaker entity name, described speaker, attribution, attributed_to) for a span."""
        speaker = self.speaker_of(start, end)
        if speaker is not None:
            return (speaker.name, speaker.described, "speaker", speaker.label)
        # The rules' own `reported_by` stays in details only: it also takes "an opportunity
        # to indicate" for a source, where the speech finder requires a reporting frame.
        cited = self._cited_in(sentence_index)
        if cited:
            return None, cited, "cited_source", cited
        return None, None, "narrator", None

    def speaker_of(self, start: int, end: int) -> Speaker | None:
        """The speaker of the quote or reported clause holding start..end, if any."""
        for item in self._speech:
            if item.start_char <= start and end <= item.end_char and item.speaker is not None:
                return item.speaker
        return None

    def link_of(self, start: int, end: int) -> tuple[str | None, str | None]:
        """(how the speaker was linked, the speaker's institution) for a span."""
        speaker = self.speaker_of(start, end)
        return (speaker.how, speaker.institution) if speaker is not None else (None, None)

    def _cited_in(self, sentence_index: int) -> str | None:
        if sentence_index not in self._cited:
            starts = self._ents.sentence_starts
            start = starts[sentence_index] if sentence_index < len(starts) else 0
            token = self._doc.char_span(start, start + 1, alignment_mode="expand")
            self._cited[sentence_index] = (
                cited_source_of(self._doc, self._ents, token[0].sent) if token else None)
        return self._cited[sentence_index]


def quantity_claims(doc: Doc, ents: DocEntities, found: Sequence[Any],
                    attributor: Attributor) -> list[Claim]:
    """Quantities (from `quantities.find_quantities`) as attributed claims."""
    claims = []
    sentences = sentences_of(doc) if found else []
    for q in found:
        name, described, attribution, attributed_to = attributor.attribute(
            q.start_char, q.end_char, q.sentence_index)
        qualifier = q.qualifier if q.qualifier in QUALIFIERS else None
        sentence = sentences[q.sentence_index] if q.sentence_index < len(sentences) else None
        claims.append(Claim(
            kind="quantity", start_char=q.start_char, end_char=q.end_char, text=q.text,
            speaker_name=name, speaker_text=described, attribution=attribution,
            attributed_to=attributed_to, reporting_verb=None,
            evidence=evidence_of(doc, q.sentence_index, ents.sentence_starts),
            sentence_index=q.sentence_index, value_num=_num(q.value), value_low=_num(q.low),
            value_high=_num(q.high), unit=q.unit, qualifier=qualifier,
            subject=getattr(q, "subject", None), predicate=getattr(q, "predicate", None),
            negated=bool(getattr(q, "negated", False)), modality=getattr(q, "modality", None),
            details={**details_of(q, QUANTITY_DETAILS),
                     "frame": frame_of(doc, q, sentence).as_json()},
            speaker_link=attributor.link_of(q.start_char, q.end_char)[0],
            speaker_institution=attributor.link_of(q.start_char, q.end_char)[1],
        ))
    return claims


def status_claims(doc: Doc, ents: DocEntities, found: Sequence[Any],
                  attributor: Attributor) -> list[Claim]:
    """Status statements (from `statuses.find_statuses`) as attributed claims."""
    claims = []
    for s in found:
        name, described, attribution, attributed_to = attributor.attribute(
            s.start_char, s.end_char, s.sentence_index)
        claims.append(Claim(
            kind="status", start_char=s.start_char, end_char=s.end_char, text=s.text,
            speaker_name=name, speaker_text=described, attribution=attribution,
            attributed_to=attributed_to, reporting_verb=None,
            evidence=evidence_of(doc, s.sentence_index, ents.sentence_starts),
            sentence_index=s.sentence_index, negated=bool(s.negated), modality=s.modality,
            subject=s.subject, predicate=s.predicate, details=details_of(s, STATUS_DETAILS),
            speaker_link=attributor.link_of(s.start_char, s.end_char)[0],
            speaker_institution=attributor.link_of(s.start_char, s.end_char)[1],
        ))
    return claims


def _num(value: Any) -> float | None:
    return None if value is None else float(value)


def dedupe_claims(claims: Sequence[Claim]) -> list[Claim]:
    """One claim per (kind, span): the natural key of the claims table."""
    seen: dict[tuple[str, int, int], Claim] = {}
    for claim in claims:
        seen.setdefault((claim.kind, claim.start_char, claim.end_char), claim)
    return sorted(seen.values(), key=lambda c: (c.start_char, KINDS.index(c.kind), c.end_char))


def sentence_index_of(starts: Sequence[int], char: int) -> int:
    """Index of the sentence holding `char` given sentence start offsets."""
    return max(0, bisect.bisect_right(starts, char) - 1)
