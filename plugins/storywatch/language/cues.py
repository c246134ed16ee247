"""Reading news sentences for the thread tracker: words, sentences, clauses and cues.

A keyword tracker fails on sentences that mention a fact without asserting it
now: "when Russia invaded Crimea in 2014", "an invasion could begin within
days", "no deals were signed". This module finds those cues (time references
resolved against the publication date, modality, negation, attribution) in
plain text, cheaply and without a parser, so that the tracker can run over
every relevant article. The words it knows are English news usage, not facts
about any thread: what a thread tracks lives in `seeds/threads.yml`.
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from storywatch.language.counted import IRREGULAR_VERBS, inflections

# Quote, dash and space styles folded before matching (kept one-to-one in
# length, so offsets into the folded text are offsets into the original).
_FOLD = str.maketrans({
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
    "\u00ab": '"', "\u00bb": '"', "\u2010": "-", "\u2011": "-", "\u2012": "-",
    "\u2013": "-", "\u2014": "-", "\u2212": "-", "\u00a0": " ", "\u2009": " ",
    "\u202f": " ",
})
_WORD = re.compile(r"[a-z0-9]+(?:[.'][a-z0-9]+)*'?|%")


@dataclass(frozen=True, slots=True)
class Token:
    """A word of a text, lower-cased, with its character span in that text."""

    text: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Sentence:
    """A sentence of an article body with its character span and index."""

    index: int
    start: int
    end: int
    text: str


def fold_chars(text: str) -> str:
    """Lower-case `text` with quote, dash and space styles folded; same length as `text`."""
    folded = text.translate(_FOLD)
    if len(folded.lower()) == len(folded):
        return folded.lower()
    return "".join(ch.lower() if len(ch.lower()) == 1 else ch for ch in folded)


def normalise_word(word: str) -> str:
    """One word as matching compares it: no dots ("u.s." = "us"), no possessive "'s"."""
    if word == "%":
        return "percent"
    word = word.rstrip("'")
    if word.endswith("'s"):
        word = word[:-2]
    return word.replace(".", "")


def tokenize(text: str) -> list[Token]:
    """The words of `text` (hyphenated words split, possessives and dots dropped)."""
    folded = fold_chars(text)
    tokens = []
    for match in _WORD.finditer(folded):
        word = normalise_word(match.group())
        if word:
            tokens.append(Token(word, match.start(), match.end()))
    return tokens


def tokenize_phrase(phrase: str) -> list[str]:
    """The words of a phrase from threads.yml, keeping `*` gaps and `word*` prefixes."""
    words: list[str] = []
    for part in fold_chars(unicodedata.normalize("NFKC", phrase)).split():
        if part == "*":
            words.append("*")
            continue
        prefix = part.endswith("*")
        found = [normalise_word(m.group()) for m in _WORD.finditer(part.rstrip("*"))]
        found = [w for w in found if w]
        if prefix and found:
            found[-1] += "*"
        words.extend(found)
    return words


# Abbreviations after which a full stop does not end a sentence.
_ABBREVIATIONS = {
    "mr", "mrs", "ms", "dr", "st", "gen", "lt", "col", "sgt", "capt", "maj", "adm", "sen",
    "rep", "gov", "pres", "prof", "rev", "jan", "feb", "mar", "apr", "jun", "jul", "aug",
    "sep", "sept", "oct", "nov", "dec", "no", "vs", "etc", "inc", "corp", "co", "ltd",
    "u.s", "u.n", "u.k", "e.u", "a.m", "p.m", "approx", "est", "fig", "ft", "i.e", "e.g",
}
_SENTENCE_END = re.compile(r"""[.!?]+["')\]]*(?=\s+["'(\[]?[A-Z0-9"'\u201c\u2018])|\n+""")


def split_sentences(text: str) -> list[Sentence]:
    """Sentences of an article body (paragraph breaks always end one), with offsets."""
    sentences: list[Sentence] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        end = match.end()
        if match.group().startswith((".",)) and "\n" not in match.group():
            before = re.search(r"([A-Za-z.]+)\.$", text[start:match.start() + 1])
            if before and before.group(1).lower().rstrip(".") in _ABBREVIATIONS:
                continue
        _append_sentence(sentences, text, start, end)
        start = end
    _append_sentence(sentences, text, start, len(text))
    return sentences


def _append_sentence(sentences: list[Sentence], text: str, start: int, end: int) -> None:
    chunk = text[start:end]
    stripped = chunk.strip()
    if not stripped:
        return
    offset = start + (len(chunk) - len(chunk.lstrip()))
    sentences.append(Sentence(len(sentences), offset, offset + len(stripped), stripped))


# --- clauses -------------------------------------------------------------------------

# Where a sentence breaks into parts that can each carry their own time and mood:
# commas, semicolons, colons, dashes and "but"/"while"/"whereas" joins (a comma or colon
# inside a figure or a time, "150,000" or "05:40", is no break).
_SEGMENT_BREAK = re.compile(
    r"\s*[;:](?=\s)\s*|\s+-\s+|\s*,(?=\s)\s*(?:but|while|whereas|although|though)?\s*"
    r"|\s+(?:but|whereas)\s+"
)


def segment_bounds(sentence: str) -> list[tuple[int, int]]:
    """Character spans of the comma/semicolon-separated parts of a sentence."""
    folded = fold_chars(sentence)
    bounds = []
    start = 0
    for match in _SEGMENT_BREAK.finditer(folded):
        if match.start() > start:
            bounds.append((start, match.start()))
        start = match.end()
    if start < len(sentence):
        bounds.append((start, len(sentence)))
    return bounds or [(0, len(sentence))]


def segment_at(sentence: str, position: int) -> tuple[int, int]:
    """The span of the sentence part containing character `position`."""
    for start, end in segment_bounds(sentence):
        if start <= position < end:
            return start, end
    return 0, len(sentence)


# --- cues ----------------------------------------------------------------------------

# The words that negate as such ("no contact", "not verified"), beside the verbs of denial below.
NEGATORS = frozenset({"not", "n't", "never", "no", "neither", "nor", "nobody", "none", "nothing"})
NEGATIONS = frozenset({
    "not", "no", "never", "nor", "neither", "without", "none", "denied", "denies", "deny",
    "dismissed", "rejected", "rejects", "ruled", "nothing", "cannot",
})
MODALS = frozenset({
    "could", "may", "might", "would", "should", "will", "can", "if", "unless", "once",
    "whether", "possible", "possibly", "potential", "potentially", "likely", "unlikely",
    "imminent", "feared", "fears", "fear", "threat", "threats", "threaten", "threatens",
    "threatened", "threatening", "warned", "warn", "warns", "warning", "warnings",
    "plans", "planning", "planned", "poised", "prepared", "preparing", "ready", "capable",
    "capability", "capacity", "able", "intends", "intend", "intention", "expected",
    "expects", "prospect", "risk", "risks", "aims", "seeks", "hopes", "hoping",
    "would-be", "eventual", "hypothetical", "scenario", "needed", "required", "necessary",
})
# Multi-word modal cues (matched as word sequences before the matched phrase).
MODAL_PHRASES = (("in", "the", "event"), ("in", "case"), ("any", "time"), ("at", "any"),
                 ("as", "soon", "as"), ("going", "to"))
# Words that, right after a figure, make it a requirement or a threshold, not a fact.
REQUIREMENT_AFTER = frozenset({"needed", "required", "necessary", "would", "could"})
BACKGROUND = frozenset({
    "previously", "formerly", "earlier", "originally", "initially", "ago", "once",
})
PAST_PREPOSITIONS = frozenset({"from", "since", "than"})


def contains_sequence(words: Sequence[str], sequence: Sequence[str]) -> bool:
    """Whether `sequence` occurs contiguously in `words`."""
    size = len(sequence)
    return any(tuple(words[i:i + size]) == tuple(sequence) for i in range(len(words) - size + 1))


def is_negation(word: str) -> bool:
    """A word that negates what follows it ("not", "no", "didn't", "denied", ...)."""
    return word in NEGATIONS or word.endswith("n't")


def has_negation(words: Sequence[str]) -> bool:
    """Whether any of `words` negates."""
    return any(is_negation(w) for w in words)


def has_modal(words: Sequence[str]) -> bool:
    """Whether `words` hold a modal, conditional or threat cue."""
    if any(w in MODALS for w in words):
        return True
    return any(contains_sequence(words, phrase) for phrase in MODAL_PHRASES)


_HAD_PARTICIPLE = re.compile(r"\bhad\s+(?:been\s+|not\s+|already\s+|earlier\s+)*[a-z]+(?:ed|en|wn|ne|lt|ght|ld)\b")


def is_pluperfect(segment: str) -> bool:
    """Whether a clause is in the past perfect ("had been paused", "had warned")."""
    return _HAD_PARTICIPLE.search(fold_chars(segment)) is not None


# --- time references -----------------------------------------------------------------

MONTHS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4,
    "apr": 4, "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8,
    "september": 9, "sept": 9, "sep": 9, "october": 10, "oct": 10, "november": 11,
    "nov": 11, "december": 12, "dec": 12,
}
WEEKDAYS = {"monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4,
            "saturday": 5, "sunday": 6}
_MONTH_NAMES = "|".join(sorted(MONTHS, key=len, reverse=True))
_DATE_PATTERNS = (
    # "on March 11", "March 11, 2022", "Feb. 13"
    re.compile(rf"\b(?P<prep>on|since|from|until|in|by|as of)?\s*(?P<month>{_MONTH_NAMES})\.?\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s+(?P<year>(?:19|20)\d\d)\b)?"),
    # "11 March 2022"
    re.compile(rf"\b(?P<prep>on|since|from|until|in|by|as of)?\s*(?P<day>\d{{1,2}})\s+(?P<month>{_MONTH_NAMES})\b\.?(?:\s+(?P<year>(?:19|20)\d\d)\b)?"),
    # "in January", "last November", "since March 2021", "in early January", "late last year"
    re.compile(rf"\b(?P<prep>in|since|from|until|by|during|last|this|early|late|mid|back in)(?:\s+(?:early|late|mid))?[\s-]+(?P<month>{_MONTH_NAMES})\b(?:\s+(?P<year>(?:19|20)\d\d)\b)?"),
    # "in 2014", "since 2018"
    re.compile(r"\b(?P<prep>in|since|from|until|during|by|back in|of)\s+(?P<year>(?:19|20)\d\d)\b(?![-\u2013]|\s*(?:accord|deal|agreement|nuclear))"),
)
# A span of years dates what it names ("the 2014-2016 epidemic", "in 2014-16"): its last year
# is its latest. (One year before a noun does not: "reviving the 2015 deal" is about now.)
_YEAR_SPAN = re.compile(
    r"\b(?P<first>(?:19|20)\d\d)\s*[-\u2013/]\s*(?P<last>(?:19|20)?\d\d)\b(?!\s*[-\u2013/]\s*\d)")
_RELATIVE_PAST = re.compile(
    r"\b(?:last\s+(?P<unit>week|month|year|summer|winter|spring|autumn|fall)"
    r"|(?P<count>\d+|a|an|one|two|three|four|five|six|several|few)\s+(?P<unit2>days?|weeks?|months?|years?)\s+ago"
    r"|(?P<earlier>earlier\s+(?:this|last)\s+(?:year|month)|in\s+the\s+past|at\s+the\s+time|back\s+then))\b"
)
_WEEKDAY = re.compile(r"\b(?P<prep>on|last|since|from)?\s*(?P<day>monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b")
_NUMBER_WORDS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
                 "six": 6, "several": 3, "few": 3}


@dataclass(frozen=True, slots=True)
class TimeReference:
    """A time a clause refers to: the span of text and the latest moment it can mean."""

    text: str
    latest: dt.datetime
    is_since: bool
    names_a_day: bool = False  # a weekday or a dated day ("on Saturday", "March 27"), not a month


def find_time_references(segment: str, published_at: dt.datetime | None) -> list[TimeReference]:
    """Dates and relative times in `segment`, resolved against the publication time."""
    if published_at is None:
        return []
    folded = fold_chars(segment)
    refs: list[TimeReference] = []
    taken: list[tuple[int, int]] = []
    for pattern in _DATE_PATTERNS:
        for match in pattern.finditer(folded):
            if any(s < match.end() and match.start() < e for s, e in taken):
                continue
            latest = _resolve_date(match, published_at)
            if latest is None:
                continue
            taken.append((match.start(), match.end()))
            prep = (match.groupdict().get("prep") or "").strip()
            refs.append(TimeReference(match.group().strip(), latest, prep in ("since", "from"),
                                      names_a_day=match.groupdict().get("day") is not None))
    for match in _YEAR_SPAN.finditer(folded):
        first, last = match.group("first"), match.group("last")
        year = int(first[:2] + last) if len(last) == 2 else int(last)
        if any(s < match.end() and match.start() < e for s, e in taken) or year < int(first):
            continue
        taken.append((match.start(), match.end()))
        refs.append(TimeReference(match.group(), dt.datetime(year, 12, 31, 23, 59, tzinfo=dt.UTC),
                                  False))
    for match in _RELATIVE_PAST.finditer(folded):
        refs.append(TimeReference(match.group(), _resolve_relative(match, published_at), False))
    for match in _WEEKDAY.finditer(folded):
        back = (published_at.weekday() - WEEKDAYS[match.group("day")]) % 7
        if match.group("prep") == "last" and back == 0:
            back = 7
        day = (published_at - dt.timedelta(days=back)).replace(hour=23, minute=59)
        refs.append(TimeReference(match.group().strip(), day, match.group("prep") == "since",
                                  names_a_day=True))
    return refs


def _resolve_date(match: re.Match[str], published_at: dt.datetime) -> dt.datetime | None:
    groups = match.groupdict()
    year_text = groups.get("year")
    month_text = groups.get("month")
    day_text = groups.get("day")
    prep = (groups.get("prep") or "").strip()
    if month_text is None:
        if year_text is None:
            return None
        return dt.datetime(int(year_text), 12, 31, 23, 59, tzinfo=dt.UTC)
    month = MONTHS[month_text.rstrip(".")]
    if year_text:
        year = int(year_text)
    else:
        year = published_at.year
        if (month, int(day_text) if day_text else 1) > (published_at.month, published_at.day):
            year -= 1  # a month later in the year than the article means last year's
        if prep == "last" and month == published_at.month:
            year -= 1
    try:
        if day_text:
            return dt.datetime(year, month, int(day_text), 23, 59, tzinfo=dt.UTC)
        following = dt.datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=dt.UTC)
        return following - dt.timedelta(minutes=1)
    except ValueError:
        return None


def _resolve_relative(match: re.Match[str], published_at: dt.datetime) -> dt.datetime:
    unit = match.group("unit") or match.group("unit2") or ""
    unit = unit.rstrip("s")
    if match.group("earlier"):
        return published_at - dt.timedelta(days=14)
    count = 1
    if match.group("count"):
        raw = match.group("count")
        count = int(raw) if raw.isdigit() else _NUMBER_WORDS.get(raw, 1)
    days = {"day": 1, "week": 7, "month": 30, "year": 365, "summer": 180, "winter": 180,
            "spring": 180, "autumn": 180, "fall": 180}.get(unit, 30)
    return published_at - dt.timedelta(days=days * count)


def refers_to_past(segment: str, published_at: dt.datetime | None, stale_days: float) -> str | None:
    """The time reference that puts `segment` before now (older than `stale_days`), if any.

    "since March" keeps a state current ("have been paused since March"), so it
    never marks the clause as past.
    """
    if published_at is None:
        return None
    horizon = published_at - dt.timedelta(days=stale_days)
    for ref in find_time_references(segment, published_at):
        if not ref.is_since and ref.latest < horizon:
            return ref.text
    return None


_LEADING_ADVERBIAL = re.compile(
    r"^(?:on|in|last|since|back in|earlier|early|late|by|during|at the start of|at the end of)\b"
)


def leading_time_phrase(sentence: str) -> tuple[int, int] | None:
    """The span of an opening time phrase ("On March 11, ..."), which dates the whole sentence."""
    bounds = segment_bounds(sentence)
    if len(bounds) < 2:
        return None
    start, end = bounds[0]
    first = fold_chars(sentence[start:end]).strip()
    if _LEADING_ADVERBIAL.match(first) and len(first.split()) <= 6:
        return start, end
    return None


# --- attribution ---------------------------------------------------------------------

_SAYING = r"(?:said|says|say|told|estimated|estimates|estimate|believes|believe|assessed|reported|reports|announced|claimed|claims|added|noted|warned|insisted|stated|confirmed)"
_ATTRIBUTION_PATTERNS = (
    re.compile(r"\baccording to (?P<who>[^,.;:]+)", re.IGNORECASE),
    re.compile(rf"(?:^|[,;]\s*)(?P<who>(?:the\s+|a\s+|an\s+)?[A-Z][\w.'\u2019-]*(?:\s+(?:of\s+|for\s+|the\s+)?[\w.'\u2019-]+){{0,5}}?)\s+{_SAYING}\b"),
    re.compile(rf"\b{_SAYING}\s+(?P<who>(?:the\s+|a\s+|an\s+)?[A-Z][\w.'\u2019-]*(?:\s+[\w.'\u2019-]+){{0,5}}?)\s*(?:[.,;]|$)"),
    re.compile(rf"(?P<who>\b(?:a|an|the|two|three|several|senior|western|US|U\.S\.|American|Russian|Ukrainian|European|Iranian)\s+(?:[\w.'\u2019-]+\s+){{0,3}}(?:officials?|diplomats?|sources?|spokesm[ae]n|spokeswom[ae]n|spokesperson|ministry|ministers?|intelligence|analysts?|officers?))\s+{_SAYING}\b", re.IGNORECASE),
)
_PRONOUNS = {"he", "she", "they", "it", "we", "i", "you", "this", "that"}


def find_attribution(sentence: str) -> str | None:
    """Who a sentence says asserts its content ("a US official", "the Kremlin"), if it says."""
    for pattern in _ATTRIBUTION_PATTERNS:
        for match in pattern.finditer(sentence):
            who = match.group("who").strip(" \"'\u201c\u201d")
            if not who or who.lower() in _PRONOUNS:
                continue
            return who
    return None


# --- phrase matching -----------------------------------------------------------------

MAX_GAP = 3  # words a `*` in a phrase may stand for


def word_matches(pattern: str, word: str) -> bool:
    """One pattern word against one text word (`enrich*` matches "enriching", and `lead*`
    the irregular "led"; `resume~` matches "resumed": a word marked `~` matches its
    inflections)."""
    if pattern.endswith("*"):
        return word.startswith(pattern[:-1]) or word in IRREGULAR_VERBS.get(pattern[:-1], ())
    if pattern.endswith("~"):
        return word in inflections(pattern[:-1])
    return word == pattern


def find_phrase(words: Sequence[str], pattern: Sequence[str]) -> list[tuple[int, int]]:
    """Every (first, last+1) word span of `words` matching `pattern` (with `*` gaps)."""
    if not pattern:
        return []
    first = pattern[0]
    # The first word decides where a match can start: found in C, not by trying every word.
    if first.endswith("*"):
        stem, irregular = first[:-1], IRREGULAR_VERBS.get(first[:-1], ())
        starts = [i for i, word in enumerate(words) if word.startswith(stem) or word in irregular]
    elif first.endswith("~"):
        forms = inflections(first[:-1])
        starts = [i for i, word in enumerate(words) if word in forms]
    elif first in words:
        starts = [i for i, word in enumerate(words) if word == first]
    else:
        return []
    spans = []
    for start in starts:
        end = _match_from(words, pattern, 1, start + 1)
        if end is not None:
            spans.append((start, end))
    return spans


def _match_from(words: Sequence[str], pattern: Sequence[str], p: int, i: int) -> int | None:
    if p == len(pattern):
        return i
    if pattern[p] == "*":
        for gap in range(MAX_GAP + 1):
            end = _match_from(words, pattern, p + 1, i + gap)
            if end is not None:
                return end
        return None
    if i < len(words) and word_matches(pattern[p], words[i]):
        return _match_from(words, pattern, p + 1, i + 1)
    return None
