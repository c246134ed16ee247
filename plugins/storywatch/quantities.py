"""Numeric claims in news text: value, unit or counted object, qualifier, range, subject.

Figures are found by a small lexer over the sentence text (spaCy's tokens
split "169,000–190,000" and "$5bn-$10bn" unpredictably), then placed in the
dependency parse to find what they count and whom they are about. Years,
dates, clock times, phone numbers, labels ("Article 5") and ordinals are not
quantities; vague amounts ("a few weeks") are kept only with a unit and never
get a value.
"""
from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace

from spacy.tokens import Doc, Span, Token

from storywatch import units as U
from storywatch.clauses import (
    REPORTING_LEMMAS,
    ClauseInfo,
    analyse_clause,
    governing_predicate,
    phrase_text,
)
from storywatch.numbers import (
    NUMBER_WORDS,
    SCALE_SUFFIXES,
    SCALES,
    parse_figure,
    parse_number_words,
)

# A digit string longer than this is no figure a reporter writes (and parsing it is wasted work).
MAX_DIGITS = 24
MAX_WORD_RUN = 12


@dataclass(frozen=True, slots=True)
class QuantityClaim:
    """One figure the text states, with what it counts and how it is bounded."""

    start_char: int
    end_char: int
    sentence_index: int
    text: str
    value: float | None
    low: float | None
    high: float | None
    unit: str | None
    qualifier: str | None
    subject: str | None
    unit_kind: str | None = None        # count, currency, percent, duration, length, mass, ...
    measured: str | None = None         # "enriched uranium" in "2,500 kilograms of enriched uranium"
    per_unit: bool = False              # "groups of up to 1,000 troops each": a size per unit, not a total
    per: str | None = None              # the unit it is per, when named ("barrel", "groups")
    vague: bool = False                 # "a few weeks": a quantity without a number
    previous_value: float | None = None  # "rose from 100,000 to 130,000": 100,000
    predicate: str | None = None        # lemma of the verb the figure belongs to
    negated: bool = False
    modality: str | None = None
    time_text: str | None = None        # a date attached to the same clause ("in January")
    reported_by: str | None = None      # "officials" in "officials said …", or "according to X"


@dataclass(frozen=True, slots=True)
class Lexeme:
    kind: str   # num, word or sym
    text: str
    start: int
    end: int
    gap: bool   # whitespace before it

    @property
    def lower(self) -> str:
        return self.text.lower()


@dataclass(frozen=True, slots=True)
class Atom:
    """A single figure: lexemes [start, end), its value, and what is written against it."""

    start: int
    end: int
    value: float
    base: float
    scale: float | None
    currency: str | None
    percent: bool
    attached_unit: tuple[str, str] | None
    year_like: bool
    words: bool
    plus: bool


@dataclass(frozen=True, slots=True)
class Found:
    """A figure or range located in the lexemes, before unit and syntax are resolved."""

    start: int
    end: int
    value: float | None
    low: float | None
    qualifier: str | None
    atoms: tuple[Atom, ...]
    previous: float | None = None
    vague: bool = False


_LEXEME = re.compile(r"(?P<num>\d+(?:[.,]\d+)*)|(?P<word>[^\W\d_]+(?:['’][^\W\d_]+)?\.?)|(?P<sym>\S)")
# Spans that look like figures but are dates, clock times, phone numbers or "24/7".
_NOT_QUANTITIES = re.compile(
    r"\b\d{4}-\d{1,2}-\d{1,2}\b"
    r"|\b\d{1,4}/\d{1,4}(?:/\d{1,4})?\b"
    r"|\b\d{1,2}:\d{2}(?::\d{2})?(?:\s*[ap]\.?m\b\.?)?"
    r"|\b\d{1,2}(?:\.\d{2})?\s*(?:[ap]\.m\.|[ap]m\b|o['’]clock)"
    r"|\b\d{3,4}\s*(?:GMT|UTC|BST|CET|EST|EDT|PST|MSK)\b"
    r"|(?:\+\d{1,3}[\s.-]?)?\(?\b\d{3}\)?[\s.-]\d{3}[\s.-]\d{4}\b"
    r"|\+\d{1,3}(?:[\s.-]\d{1,4}){2,5}\b",
    re.IGNORECASE,
)


def find_quantities(doc: Doc) -> list[QuantityClaim]:
    """Every numeric claim in a parsed document, in text order."""
    masks = _masked_spans(doc.text)
    claims: list[QuantityClaim] = []
    for index, sentence in enumerate(doc.sents):
        lexemes = [lx for lx in lex(sentence.text, sentence.start_char) if not _masked(lx, masks)]
        for found in scan(lexemes):
            claim = _to_claim(doc, sentence, index, lexemes, found)
            if claim is not None:
                claims.append(claim)
    return claims


def lex(text: str, offset: int = 0) -> list[Lexeme]:
    """Numbers, words and single symbols of `text`, with document offsets and spacing."""
    lexemes: list[Lexeme] = []
    previous_end = -1
    for match in _LEXEME.finditer(text):
        kind = match.lastgroup or "sym"
        body = match.group()
        if kind == "word" and body.endswith(".") and body[:-1].lower() not in U.MONTHS | {"no", "u.s"}:
            # A sentence's final full stop is punctuation, not part of its last word.
            body = body[:-1]
        start = offset + match.start()
        gap = previous_end >= 0 and match.start() > previous_end
        lexemes.append(Lexeme(kind, body, start, start + len(body), gap or previous_end < 0))
        previous_end = match.start() + len(body)
    return lexemes


def _masked_spans(text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in _NOT_QUANTITIES.finditer(text)]


def _masked(lexeme: Lexeme, masks: list[tuple[int, int]]) -> bool:
    position = bisect.bisect_right(masks, (lexeme.start, float("inf"))) - 1
    return position >= 0 and masks[position][0] <= lexeme.start < masks[position][1]


def scan(lexemes: list[Lexeme]) -> Iterator[Found]:
    """Figures, ranges and vague amounts in lexical order, each with its qualifier."""
    index = 0
    while index < len(lexemes):
        found = _vague_at(lexemes, index) or _figure_at(lexemes, index)
        if found is None:
            index += 1
            continue
        if found.end > found.start:
            yield found
        index = max(found.end, index + 1)


def _figure_at(lx: list[Lexeme], i: int) -> Found | None:
    """A figure or range starting at lexeme i, with the words that bound it."""
    first = atom_at(lx, i)
    if first is None:
        return None
    ranged = _range_after(lx, first)
    if ranged is not None:
        return ranged
    qualifier, start = _qualifier_before(lx, first.start)
    end, after = _qualifier_after(lx, first.end)
    if first.plus:
        qualifier = "at_least"
    qualifier = after or qualifier
    return Found(start, end, first.value, None, qualifier, (first,))


def atom_at(lx: list[Lexeme], i: int) -> Atom | None:
    """One figure at lexeme i: currency mark, digits or number words, scale, percent sign."""
    currency, j = _currency_prefix(lx, i)
    if j >= len(lx):
        return None
    if lx[j].kind == "num":
        if currency is None and _attached_to_label(lx, j):
            return None
        core = _digits_at(lx, j, currency)
    elif lx[j].kind == "word":
        core = _words_at(lx, j)
    else:
        return None
    if core is None:
        return None
    base, scale, attached, end, year_like, words = core
    end, scale_words = _scale_words(lx, end)
    if scale_words is not None:
        scale = (scale or 1.0) * scale_words
    percent, end = _percent_after(lx, end)
    plus, end = _plus_after(lx, end)
    value = base * (scale or 1.0)
    return Atom(i, end, value, base, scale, currency, percent, attached,
                year_like and scale is None and currency is None and not percent, words, plus)


def _currency_prefix(lx: list[Lexeme], i: int) -> tuple[str | None, int]:
    """A currency mark before a figure ("$", "US$", "€", "USD "), and where the figure starts."""
    token = lx[i]
    if token.kind == "sym" and token.text in U.CURRENCY_SYMBOLS:
        return U.CURRENCY_SYMBOLS[token.text], i + 1
    nxt = lx[i + 1] if i + 1 < len(lx) else None
    if token.kind == "word" and nxt is not None:
        if nxt.text == "$" and not nxt.gap and token.lower in U.DOLLAR_PREFIXES:
            return U.DOLLAR_PREFIXES[token.lower], i + 2
        if token.text in U.CURRENCY_CODES and nxt.kind == "num":
            return token.text, i + 1
        if token.lower in ("rs", "rs.") and nxt.kind == "num":
            return "INR", i + 1
    return None, i


def _attached_to_label(lx: list[Lexeme], j: int) -> bool:
    """Digits glued to letters before them are part of a name: "COVID-19", "S-400", "G7"."""
    if j == 0 or lx[j].gap:
        return False
    before = lx[j - 1]
    if before.kind == "word":
        return True
    return before.text in "-/." and j >= 2 and not before.gap and lx[j - 2].kind == "word"


def _digits_at(lx: list[Lexeme], j: int, currency: str | None) -> tuple | None:
    """Digits at j with a scale or unit written against them ("400bn", "20ft"); None for "11th", "9am"."""
    text = lx[j].text
    if len(text) > MAX_DIGITS:
        return None
    base = parse_figure(text)
    if base is None:
        return None
    year_like = bool(re.fullmatch(r"1\d{3}|2[01]\d{2}", text))
    end, scale, attached = j + 1, None, None
    if end < len(lx) and lx[end].kind == "word" and not lx[end].gap:
        suffix = lx[end].lower
        scale, attached = _suffix_meaning(lx, end, suffix, currency)
        if scale is None and attached is None:
            return None
        end += 1
    if end < len(lx) and lx[end].text in (":", "/") and not lx[end].gap:
        return None
    return base, scale, attached, end, year_like, False


def _suffix_meaning(lx: list[Lexeme], k: int, suffix: str, currency: str | None
                    ) -> tuple[float | None, tuple[str, str] | None]:
    """What letters glued to a figure mean: a scale ("bn"), a unit ("km"), or nothing we count."""
    if suffix == "m" and currency is None:
        # "3m people" is millions; "20m" on its own is metres.
        nxt = lx[k + 1] if k + 1 < len(lx) else None
        if nxt is not None and nxt.kind == "word" and nxt.text.islower() and nxt.lower not in U.UNIT_WORDS:
            return 1e6, None
        return None, ("m", "length")
    if suffix == "b" and currency is None:
        return None, None
    if suffix in SCALE_SUFFIXES:
        return SCALE_SUFFIXES[suffix], None
    if suffix in U.UNIT_WORDS and suffix not in ("in.", "l", "t", "g", "ha"):
        return None, U.UNIT_WORDS[suffix]
    return None, None


def _words_at(lx: list[Lexeme], j: int) -> tuple | None:
    """A number in words at j ("twenty-five", "a hundred thousand"): the longest run that parses."""
    if lx[j].lower not in NUMBER_WORDS and lx[j].lower not in ("a", "an", "half"):
        return None
    run = _word_run(lx, j)
    for stop in range(len(run), 0, -1):
        words = [lx[k].lower for k in run[:stop] if lx[k].kind == "word"]
        if lx[run[stop - 1]].kind != "word" or words[-1] in ("and", "a", "an"):
            continue
        value = parse_number_words(" ".join(words))
        if value is not None:
            return value, None, None, run[stop - 1] + 1, False, True
    return None


def _word_run(lx: list[Lexeme], j: int) -> list[int]:
    """Indices of consecutive number words from j, hyphens inside them included."""
    run: list[int] = []
    k = j
    while k < len(lx) and len(run) < MAX_WORD_RUN:
        token = lx[k]
        if token.kind == "word" and (token.lower in NUMBER_WORDS or token.lower in ("and", "a", "an", "half")):
            run.append(k)
        elif token.text == "-" and not token.gap and run and k + 1 < len(lx) and not lx[k + 1].gap:
            run.append(k)
        else:
            break
        k += 1
    return run


def _scale_words(lx: list[Lexeme], k: int) -> tuple[int, float | None]:
    """Scale words after a figure ("1.2 million", "two hundred thousand" is already parsed)."""
    factor = None
    while k < len(lx) and lx[k].kind == "word" and (lx[k].lower in SCALES or lx[k].lower in ("hundred", "dozen")):
        word = lx[k].lower
        factor = (factor or 1.0) * (SCALES.get(word) or (100.0 if word == "hundred" else 12.0))
        k += 1
    return k, factor


def _percent_after(lx: list[Lexeme], k: int) -> tuple[bool, int]:
    if k < len(lx) and lx[k].text == "%":
        return True, k + 1
    if k < len(lx) and lx[k].lower in ("percent", "pct"):
        return True, k + 1
    if k + 1 < len(lx) and lx[k].lower == "per" and lx[k + 1].lower == "cent":
        return True, k + 2
    return False, k


def _plus_after(lx: list[Lexeme], k: int) -> tuple[bool, int]:
    """ "100,000+" and "100,000-plus" bound the figure from below."""
    if k < len(lx) and lx[k].text == "+" and not lx[k].gap:
        return True, k + 1
    if k + 1 < len(lx) and lx[k].text == "-" and not lx[k].gap and lx[k + 1].lower == "plus":
        return True, k + 2
    return False, k


def _range_after(lx: list[Lexeme], first: Atom) -> Found | None:
    """ "169,000 to 190,000", "169,000–190,000", "between 5 and 10 billion", "from 100,000 to 130,000"."""
    k = first.end
    if k + 1 >= len(lx):
        return None
    connector = lx[k].lower
    before = lx[first.start - 1].lower if first.start > 0 else ""
    if connector in ("-", "–", "—", "to") or (connector == "and" and before == "between") or (
        connector == "or" and first.value < 100
    ):
        second = atom_at(lx, k + 1)
        if second is None:
            return None
        return _make_range(lx, first, second, before)
    return None


def _make_range(lx: list[Lexeme], first: Atom, second: Atom, before: str) -> Found | None:
    """Share scale, currency and percent across a range's ends; a change when "from … to" follows a change verb."""
    low = first.value
    if first.scale is None and second.scale is not None and first.base * second.scale < second.value:
        low = first.base * second.scale
    first = replace(first, value=low, currency=first.currency or second.currency,
                    percent=first.percent or second.percent)
    second = replace(second, currency=second.currency or first.currency)
    start = first.start - 1 if before in ("between", "from") else first.start
    if before == "from" and _after_change_word(lx, first.start - 1):
        return Found(start, second.end, second.value, None, None, (first, second), previous=low)
    if low >= second.value:
        # "3-1" is a score and "2015-16" a season: no range, and no figure either.
        return Found(first.start, second.end, None, None, "invalid", (first, second))
    qualifier_start = start if before in ("between", "from") else _qualifier_before(lx, start)[1]
    return Found(qualifier_start, second.end, second.value, low, "range", (first, second))


def _after_change_word(lx: list[Lexeme], k: int) -> bool:
    """True when a change verb ("rose", "cut", "up") stands just before "from"."""
    for back in range(1, 4):
        if k - back < 0:
            return False
        word = lx[k - back].lower
        if word in U.CHANGE_LEMMAS or word.rstrip("sd") in U.CHANGE_LEMMAS or word in (
            "rose", "risen", "fell", "fallen", "grew", "grown", "increased", "decreased", "dropped",
            "climbed", "jumped", "revised", "raised", "lowered", "reduced", "doubled", "tripled",
        ):
            return True
    return False


def _qualifier_before(lx: list[Lexeme], start: int) -> tuple[str | None, int]:
    """The qualifier that ends right before lexeme `start`, and where it begins."""
    best: tuple[str | None, int] = (None, start)
    for qualifier, phrases in U.QUALIFIERS_BEFORE.items():
        for phrase in phrases:
            words = phrase.split()
            begin = start - len(words)
            if begin >= 0 and [x.lower for x in lx[begin:start]] == words and begin < best[1]:
                best = (qualifier, begin)
    if best[0] is not None:
        begin = best[1]
        while begin > 0 and lx[begin - 1].lower in U.INTENSIFIERS and lx[begin - 1].lower != "a":
            begin -= 1
        best = (best[0], begin)
    return best


def _qualifier_after(lx: list[Lexeme], end: int) -> tuple[int, str | None]:
    """ "or so", "or more", "-odd" right after a figure (or after its unit, checked later)."""
    if end + 1 < len(lx) and lx[end].text == "-" and not lx[end].gap and lx[end + 1].lower == "odd":
        return end + 2, "approx"
    for qualifier, phrases in U.QUALIFIERS_AFTER.items():
        for words in phrases:
            if [x.lower for x in lx[end:end + len(words)]] == list(words) and len(words) > 1:
                return end + len(words), qualifier
    return end, None


def _vague_at(lx: list[Lexeme], i: int) -> Found | None:
    """ "a few weeks", "several thousand troops", "tens of thousands of": no number, kept as vague."""
    for phrase in U.VAGUE_PHRASES:
        if [x.lower for x in lx[i:i + len(phrase)]] == list(phrase):
            return Found(i, i + len(phrase), None, None, None, (), vague=True)
    return None


# --- from lexemes to a claim, with the parse -------------------------------------------------


@dataclass(frozen=True, slots=True)
class UnitFound:
    unit: str | None
    kind: str | None
    end_char: int
    anchor: Token | None        # the noun counted, or the unit word, in the parse
    measured: str | None = None
    compound_of: Token | None = None   # "agreement" in "a 20-year agreement"
    skip: bool = False


def _to_claim(doc: Doc, sentence: Span, index: int, lx: list[Lexeme], found: Found) -> QuantityClaim | None:
    """Resolve unit, exclusions and syntax for one located figure; None when it is no quantity."""
    if found.qualifier == "invalid":
        return None
    unit = _unit_of(doc, lx, found)
    if unit.skip or _is_excluded(doc, lx, found, unit):
        return None
    if found.vague and not _vague_is_useful(lx, found, unit):
        return None
    end_lexeme = found.end
    qualifier = found.qualifier
    post_end, post = _qualifier_after(lx, _lexeme_at_or_after(lx, unit.end_char))
    if post is not None and qualifier is None:
        qualifier = post
        unit = replace(unit, end_char=max(unit.end_char, lx[post_end - 1].end))
    if found.atoms and unit.kind == "duration" and qualifier == "at_least" and lx[found.start].lower == "over":
        # "over 20 years" is usually "during", not "more than"; keep it only after "for/in".
        qualifier = "at_least" if found.start > 0 and lx[found.start - 1].lower in ("for", "in", "after") else None
    start_char = lx[found.start].start
    end_char = max(lx[end_lexeme - 1].end, unit.end_char)
    if unit.compound_of is not None and unit.compound_of.idx >= end_char:
        # "a 20-year agreement": the claim reads best with the noun it describes.
        end_char = unit.compound_of.idx + len(unit.compound_of)
    span = doc.char_span(lx[found.start].start, lx[end_lexeme - 1].end, alignment_mode="expand")
    return _with_syntax(doc, span, index, start_char, end_char, found, unit, qualifier, lx)


def _lexeme_at_or_after(lx: list[Lexeme], char: int) -> int:
    for k, token in enumerate(lx):
        if token.start >= char:
            return k
    return len(lx)


def _with_syntax(doc: Doc, span: Span | None, index: int, start_char: int, end_char: int,
                 found: Found, unit: UnitFound, qualifier: str | None, lx: list[Lexeme]) -> QuantityClaim:
    anchor = unit.compound_of or unit.anchor or (span.root if span is not None else None)
    subject = predicate = modality = time_text = reported_by = None
    negated = False
    if anchor is not None:
        owner = next((c for c in anchor.children if c.dep_ == "poss"), None)
        head = governing_predicate(anchor)
        info = analyse_clause(head)
        if info.subject is not None and info.subject.i == anchor.i:
            info = _small_clause_parent(head, info)
        if unit.compound_of is not None:
            subject = unit.compound_of.text
        elif owner is not None:
            subject = phrase_text(owner)
        elif info.subject is not None and info.subject.i not in {t.i for t in anchor.subtree} and (
            span is None or not (span.start <= info.subject.i < span.end)
        ):
            subject = phrase_text(info.subject)
        head = info.head
        predicate = head.lemma_ if head.pos_ in ("VERB", "AUX") else None
        negated, modality, time_text, reported_by = info.negated, info.modality, info.time_text, info.reported_by
    per_unit, per = _per_unit(doc, lx, found, unit, anchor)
    low = found.low
    high = found.value if found.low is not None else None
    return QuantityClaim(
        start_char=start_char, end_char=end_char, sentence_index=index,
        text=doc.text[start_char:end_char], value=found.value, low=low, high=high,
        unit=unit.unit, qualifier=qualifier, subject=subject, unit_kind=unit.kind,
        measured=unit.measured, per_unit=per_unit, per=per, vague=found.vague,
        previous_value=found.previous, predicate=predicate, negated=negated, modality=modality,
        time_text=time_text, reported_by=reported_by,
    )


def _small_clause_parent(head: Token, info: ClauseInfo) -> ClauseInfo:
    """ "Russia has massed [some 100,000 troops round Ukraine]": when the parse makes the counted noun
    the subject of a complement clause, the figure belongs to the verb above it."""
    parent = head.head
    if head.dep_ != "ccomp" or parent is head or parent.lemma_ in REPORTING_LEMMAS:
        return info
    if any(c.dep_ in ("dobj", "obj") for c in parent.children):
        return info
    return analyse_clause(parent)


def _unit_of(doc: Doc, lx: list[Lexeme], found: Found) -> UnitFound:
    """What the figure measures: currency, percent, a unit word, a hyphen compound, or a counted noun."""
    atoms = found.atoms
    last = atoms[-1] if atoms else None
    end = found.end
    end_char = lx[end - 1].end
    if last is not None and last.currency:
        return replace(_counted(doc, lx, end, end_char), unit=last.currency, kind="currency")
    if last is not None and last.percent:
        return replace(_counted(doc, lx, end, end_char), unit="percent", kind="percent")
    if last is not None and last.attached_unit:
        unit, kind = last.attached_unit
        return replace(_measured_after(doc, lx, end, end_char), unit=unit, kind=kind)
    compound = _hyphen_compound(doc, lx, end)
    if compound is not None:
        return compound
    word_unit = _unit_words(doc, lx, end)
    if word_unit is not None:
        return word_unit
    return _counted(doc, lx, end, end_char, count=True)


def _unit_words(doc: Doc, lx: list[Lexeme], k: int) -> UnitFound | None:
    """A unit or currency written after the figure: "20 ft", "2,500 kilograms", "1.2 million rubles"."""
    for size in (3, 2):
        words = tuple(x.lower for x in lx[k:k + size])
        if words in U.MULTIWORD_UNITS:
            unit, kind = U.MULTIWORD_UNITS[words]
            return replace(_measured_after(doc, lx, k + size, lx[k + size - 1].end), unit=unit, kind=kind)
    if k >= len(lx) or lx[k].kind != "word":
        return None
    word = lx[k].lower
    if word in ("pound", "pounds") and k + 1 < len(lx) and lx[k + 1].lower == "of":
        return replace(_measured_after(doc, lx, k + 1, lx[k].end), unit="lb", kind="mass")
    if word in U.CURRENCY_WORDS:
        return replace(_counted(doc, lx, k + 1, lx[k].end), unit=U.CURRENCY_WORDS[word], kind="currency")
    if word in U.UNIT_WORDS:
        if word in ("t", "g", "l", "ha", "in.") and lx[k].gap:
            # A lone letter after a space is an initial or a word, not a unit.
            return None
        unit, kind = U.UNIT_WORDS[word]
        return replace(_measured_after(doc, lx, k + 1, lx[k].end), unit=unit, kind=kind)
    return None


def _hyphen_compound(doc: Doc, lx: list[Lexeme], k: int) -> UnitFound | None:
    """ "a 20-year agreement", "a two-day trip", "a 10,000-strong force", "62-year-old"."""
    if k + 1 >= len(lx) or lx[k].text != "-" or lx[k].gap or lx[k + 1].gap or lx[k + 1].kind != "word":
        return None
    word = lx[k + 1].lower
    end_char = lx[k + 1].end
    if word in U.FRACTION_WORDS:
        return UnitFound(None, None, end_char, None, skip=True)
    modified = _token_after(doc, end_char)
    if k + 3 < len(lx) and lx[k + 2].text == "-" and lx[k + 3].lower == "old" and word in U.UNIT_WORDS:
        return UnitFound(U.UNIT_WORDS[word][0] + " old", "age", lx[k + 3].end, None)
    if word in U.UNIT_WORDS:
        unit, kind = U.UNIT_WORDS[word]
        return UnitFound(unit, kind, end_char, _token_at(doc, lx[k + 1].start), compound_of=_noun_or_none(modified))
    if word == "pound":
        return UnitFound("lb", "mass", end_char, None, compound_of=_noun_or_none(modified))
    if word == "strong":
        noun = _noun_or_none(modified)
        end = noun.idx + len(noun) if noun is not None else end_char
        return UnitFound(noun.lower_ if noun is not None else None, "count", end, noun)
    # "a four-nation tour": the figure counts the word after the hyphen.
    return UnitFound(word, "count", end_char, _token_at(doc, lx[k + 1].start), compound_of=_noun_or_none(modified))


def _token_at(doc: Doc, char: int) -> Token | None:
    span = doc.char_span(char, char + 1, alignment_mode="expand")
    return span[0] if span is not None and len(span) else None


def _token_after(doc: Doc, char: int) -> Token | None:
    """The first token that starts at or after `char`."""
    token = _token_at(doc, max(char - 1, 0))
    if token is None:
        return None
    i = token.i + 1 if token.idx + len(token) <= char else token.i
    while i < len(doc) and (doc[i].is_punct and doc[i].text in "-") :
        i += 1
    return doc[i] if i < len(doc) else None


def _noun_or_none(token: Token | None) -> Token | None:
    """The noun a compound modifier describes, looking past adjectives: "a 20-year economic deal"."""
    current = token
    for _ in range(4):
        if current is None:
            return None
        if current.pos_ in ("NOUN", "PROPN") and current.dep_ != "compound":
            return current
        if current.pos_ in ("ADJ", "NOUN", "PROPN", "ADV") or current.dep_ in ("compound", "amod"):
            nxt = current.i + 1
            current = current.doc[nxt] if nxt < len(current.doc) else None
            continue
        return None
    return None


def _measured_after(doc: Doc, lx: list[Lexeme], k: int, end_char: int) -> UnitFound:
    """For a unit of measure, the thing measured: "2,500 kilograms of [enriched uranium]"."""
    anchor = _token_at(doc, end_char - 1)
    measured = None
    if k + 1 < len(lx) and lx[k].lower == "of":
        obj = _token_at(doc, lx[k + 1].start)
        noun = _noun_or_none(obj)
        if noun is not None:
            measured = phrase_text(noun)
    return UnitFound(None, None, end_char, anchor, measured)


def _counted(doc: Doc, lx: list[Lexeme], k: int, end_char: int, count: bool = False) -> UnitFound:
    """The noun a figure counts ("100,000 [troops]", "$400 billion [in] …" has none)."""
    figure = doc.char_span(lx[0].start if k == 0 else _figure_start(lx, k), end_char, alignment_mode="expand")
    noun = _counted_noun(doc, figure, end_char) if figure is not None else None
    if noun is None:
        return UnitFound(None, None, end_char, None) if count else _measured_after(doc, lx, k, end_char)
    if not count:
        return UnitFound(None, None, end_char, _token_at(doc, end_char - 1), phrase_text(noun))
    unit = _noun_unit(noun)
    return UnitFound(unit, "count", max(end_char, noun.idx + len(noun)), noun)


def _figure_start(lx: list[Lexeme], k: int) -> int:
    return lx[max(k - 1, 0)].start


def _counted_noun(doc: Doc, figure: Span, end_char: int) -> Token | None:
    """The noun right after a figure, past adjectives and compounds, if the parse agrees it is counted."""
    root = figure.root
    if root.head.i >= figure.end and root.head.pos_ in ("NOUN", "PROPN") and root.head.i - figure.end <= 4:
        if root.dep_ in ("nummod", "quantmod", "compound", "amod", "nmod", "npadvmod", "dep"):
            return None if _is_time_word(root.head) else root.head
    for token in doc[figure.end:figure.end + 4]:
        if token.idx < end_char:
            continue
        if token.pos_ == "NOUN" and token.dep_ != "compound" or token.tag_ in ("NNS", "NNPS"):
            return None if _is_time_word(token) else token
        if token.pos_ in ("ADJ", "NOUN", "PROPN") or token.dep_ in ("compound", "amod"):
            continue
        return None
    return None


def _is_time_word(token: Token) -> bool:
    return token.lower_ in U.MONTHS or token.ent_type_ in ("DATE", "TIME") and token.lower_ not in U.UNIT_WORDS


def _noun_unit(noun: Token) -> str:
    """The counted object as written, compounds kept: "troops", "power plants"."""
    compounds = [c for c in noun.lefts if c.dep_ == "compound" and c.pos_ == "NOUN"
                 and c.lower_ not in NUMBER_WORDS and not c.like_num]
    words = [c.lower_ for c in compounds if c.i == noun.i - 1] + [noun.lower_]
    return " ".join(words)


def _is_excluded(doc: Doc, lx: list[Lexeme], found: Found, unit: UnitFound) -> bool:
    """Years, dates, labels, ratios, time references, bare "one", "the two leaders": not claims."""
    if found.vague:
        return False
    atoms = found.atoms
    first = lx[atoms[0].start]
    before = lx[atoms[0].start - 1] if atoms[0].start > 0 else None
    after = lx[found.end] if found.end < len(lx) else None
    return (
        _is_year(lx, found, unit)
        or _is_date(lx, atoms[0].start, found.end)
        or _is_label(doc, lx, atoms[0].start, unit)
        or _is_ratio(lx, atoms[0].start, found.end)
        or _is_time_reference(doc, unit)
        or _is_bare_one(lx, found, unit, before)
        or _is_known_set(lx, found, unit, before)
        or (first.kind == "word" and after is not None and after.lower in ("of",) and unit.kind in (None, "count")
            and found.value is not None and found.value < 100 and not found.qualifier)
    )


def _is_year(lx: list[Lexeme], found: Found, unit: UnitFound) -> bool:
    """ "the 2015 accord", "in 2018", "2015-2018": four digits that name a year."""
    if not all(atom.year_like for atom in found.atoms):
        return False
    if unit.kind not in (None, "count"):
        return False
    start = found.atoms[0].start
    before = lx[start - 1].lower if start > 0 else ""
    plural_count = unit.kind == "count" and unit.anchor is not None and unit.anchor.tag_ in ("NNS", "NNPS")
    return not plural_count or before in U.YEAR_PREPOSITIONS


def _is_date(lx: list[Lexeme], start: int, end: int) -> bool:
    """A day of the month: "March 11", "11 March", "Feb. 13", "the 11 of March"."""
    def month(k: int) -> bool:
        return 0 <= k < len(lx) and lx[k].kind == "word" and lx[k].text[:1].isupper() and (
            lx[k].lower.rstrip(".") in U.MONTHS)
    if month(start - 1) or month(end) or (end < len(lx) and lx[end].lower == "of" and month(end + 1)):
        return True
    return start >= 2 and lx[start - 1].text == "." and month(start - 2)


def _is_label(doc: Doc, lx: list[Lexeme], start: int, unit: UnitFound) -> bool:
    """ "Article 5", "Resolution 2231", "No. 10", "Boeing 737": a figure that names, not counts."""
    if start == 0 or unit.kind in ("currency", "percent", "duration", "length", "mass", "volume", "area"):
        return False
    before = lx[start - 1]
    if before.kind != "word" or not before.gap:
        return before.text == "." and start >= 2 and lx[start - 2].lower == "no"
    word = before.lower.rstrip(".")
    always = {"no", "number", "article", "resolution", "chapter", "section", "page", "paragraph",
              "clause", "version", "flight", "route"}
    if word in always or (word in U.LABEL_WORDS and before.text[:1].isupper()):
        return True
    token = _token_at(doc, before.start)
    return bool(token is not None and token.tag_ in ("NNP", "NNPS") and word not in U.MONTHS
                and token.ent_type_ not in ("GPE", "NORP") and unit.kind is None)


def _is_ratio(lx: list[Lexeme], start: int, end: int) -> bool:
    """ "seven in 10 Americans", "one out of five": a proportion we do not turn into a count."""
    def number(k: int) -> bool:
        return 0 <= k < len(lx) and (lx[k].kind == "num" or lx[k].lower in NUMBER_WORDS)
    after = [x.lower for x in lx[end:end + 2]]
    if (after[:1] == ["in"] and number(end + 1)) or (after == ["out", "of"] and number(end + 2)):
        return True
    before = [x.lower for x in lx[max(start - 2, 0):start]]
    return (before[-1:] == ["in"] and number(start - 2)) or (before == ["out", "of"] and number(start - 3))


def _is_time_reference(doc: Doc, unit: UnitFound) -> bool:
    """ "40 years ago", "two days later": a point in time, not a duration."""
    if unit.kind != "duration":
        return False
    nxt = _token_after(doc, unit.end_char)
    return nxt is not None and nxt.lower_ in U.TIME_REFERENCE_AFTER


def _is_bare_one(lx: list[Lexeme], found: Found, unit: UnitFound, before: Lexeme | None) -> bool:
    """ "one of", "one day", "no one": the word "one" is rarely a count worth a claim."""
    atom = found.atoms[0]
    if len(found.atoms) > 1 or not atom.words or atom.value != 1 or atom.end - atom.start != 1:
        return False
    if unit.kind in ("currency", "percent", "length", "mass", "volume", "area", "age"):
        return False
    if unit.kind == "duration":
        return before is None or before.lower not in ("for", "within", "in", "after", "over", "than", "-")
    return True


def _is_known_set(lx: list[Lexeme], found: Found, unit: UnitFound, before: Lexeme | None) -> bool:
    """ "the two leaders", "both", "our two countries": a small definite count refers, it does not claim."""
    if before is None or found.qualifier or found.value is None or found.value > 12 or len(found.atoms) > 1:
        return False
    return unit.kind in (None, "count") and before.lower in (
        "the", "these", "those", "our", "their", "its", "his", "her", "my", "your", "both", "all",
        "between")


def _vague_is_useful(lx: list[Lexeme], found: Found, unit: UnitFound) -> bool:
    """Keep a vague amount with a unit of time or measure, or one that names a scale ("several thousand")."""
    words = {x.lower for x in lx[found.start:found.end]}
    if unit.kind not in (None, "count"):
        return True
    return bool(words & U.VAGUE_SCALE_WORDS) and unit.kind == "count"


def _per_unit(doc: Doc, lx: list[Lexeme], found: Found, unit: UnitFound, anchor: Token | None
              ) -> tuple[bool, str | None]:
    """A size per unit ("groups of up to 1,000 troops each", "$90 a barrel"), with the unit if named."""
    after = [x.lower for x in lx[_lexeme_at_or_after(lx, unit.end_char):][:2]]
    if after[:1] in (["each"], ["apiece"]):
        return True, _collective_before(lx, found.start)
    if len(after) == 2 and after[0] == "per":
        return True, after[1]
    if len(after) == 2 and after[0] in ("a", "an") and after[1] in U.RATE_NOUNS:
        return True, after[1]
    if "each" in (x.lower for x in lx[max(found.start - 4, 0):found.start]):
        return True, _collective_before(lx, found.start)
    collective = _collective_before(lx, found.start)
    if collective is not None:
        return True, collective
    return False, None


def _collective_before(lx: list[Lexeme], start: int) -> str | None:
    """The plural unit noun in "[groups] of (up to) 1,000": what each figure is the size of."""
    for back in range(1, 5):
        k = start - back
        if k < 1:
            return None
        if lx[k].lower == "of":
            noun = lx[k - 1]
            singular = noun.lower[:-1] if noun.lower.endswith("s") else noun.lower
            if noun.lower.endswith("s") and (singular in U.COLLECTIVE_NOUNS or (
                noun.text[:-1].isupper() and len(noun.text) > 2
            )):
                return noun.lower
            return None
    return None
