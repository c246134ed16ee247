"""Figures in text, found lexically: digits or words, currency, scale, percent, ranges, qualifiers.

The first half of quantity extraction, with no parse: spaCy's tokens split
"169,000–190,000", "$5bn-$10bn" and "9.30am" unpredictably, so figures are
found by a small lexer over the sentence text. The syntax half
(`storywatch.language.quantities`) then decides what each figure counts.
"""
from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import NamedTuple

from storywatch.language import units as U
from storywatch.language.numbers import (
    NUMBER_WORDS,
    SCALE_SUFFIXES,
    SCALES,
    parse_figure,
    parse_number_words,
)

# Phrase tables indexed by the word every scan position looks up first.
_QUALIFIERS_BY_LAST_WORD: dict[str, list[tuple[tuple[str, ...], str]]] = {}
for _qualifier, _phrases in U.QUALIFIERS_BEFORE.items():
    for _phrase in _phrases:
        _words = tuple(_phrase.split())
        _QUALIFIERS_BY_LAST_WORD.setdefault(_words[-1], []).append((_words, _qualifier))
_VAGUE_BY_FIRST_WORD: dict[str, list[tuple[str, ...]]] = {}
for _vague in U.VAGUE_PHRASES:  # longest first, as listed
    _VAGUE_BY_FIRST_WORD.setdefault(_vague[0], []).append(_vague)

# A digit string longer than this is no figure a reporter writes (and parsing it is wasted work).
MAX_DIGITS = 24
MAX_WORD_RUN = 12


@dataclass(frozen=True, slots=True)
class Lexeme:
    """A number, a word or a single symbol of the text, with its document offsets."""

    kind: str   # num, word or sym
    text: str
    start: int
    end: int
    gap: bool   # whitespace before it
    lower: str


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


class Core(NamedTuple):
    """The number part of a figure: value before scale, scale and unit written against it, where it ends."""

    base: float
    scale: float | None
    attached: tuple[str, str] | None
    end: int
    year_like: bool
    words: bool


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
    role: str | None = None   # "previous" for "up from 100,000": an earlier value, cited as such


# Thousands may be grouped by a no-break or thin space ("100\u00a0000"), never by a plain
# space: "on March 11 500 troops" must stay two numbers.
_LEXEME = re.compile(r"(?P<num>\d{1,3}(?:[\u00a0\u202f\u2009]\d{3})+(?!\d)|\d+(?:[.,]\d+)*)|(?P<word>[^\W\d_]+(?:['’][^\W\d_]+)?\.?)|(?P<sym>\S)")
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
        lexemes.append(Lexeme(kind, body, start, start + len(body), gap or previous_end < 0, body.lower()))
        previous_end = match.start() + len(body)
    return lexemes


def masked_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of dates, clock times and phone numbers: digits that are never quantities."""
    return [(m.start(), m.end()) for m in _NOT_QUANTITIES.finditer(text)]


def unmasked(lexemes: list[Lexeme], masks: list[tuple[int, int]]) -> list[Lexeme]:
    """The lexemes that fall outside every masked span."""
    return [lexeme for lexeme in lexemes if not _masked(lexeme, masks)]


def _masked(lexeme: Lexeme, masks: list[tuple[int, int]]) -> bool:
    position = bisect.bisect_right(masks, (lexeme.start, 1 << 62)) - 1
    return position >= 0 and masks[position][0] <= lexeme.start < masks[position][1]


def scan(lexemes: list[Lexeme]) -> Iterator[Found]:
    """Figures, ranges and vague amounts in lexical order, each with its qualifier."""
    index = 0
    before: Found | None = None
    while index < len(lexemes):
        found = _vague_at(lexemes, index) or _figure_at(lexemes, index)
        if found is None:
            index += 1
            continue
        if before is not None and _conjoined_earlier_value(lexemes, before, found):
            found = replace(found, role="previous")
        if found.end > found.start:
            yield found
            before = found
        index = max(found.end, index + 1)


def _conjoined_earlier_value(lx: list[Lexeme], before: Found, found: Found) -> bool:
    """ "up from 21 cases and 17 deaths": a figure joined by "and" to an earlier value of a
    change is one too (between them at most the first one's counted noun)."""
    if before.role != "previous" or found.role is not None:
        return False
    between = lx[before.end:found.start]
    return (0 < len(between) <= 3 and between[-1].lower in ("and", "or")
            and all(x.kind == "word" for x in between))


def _figure_at(lx: list[Lexeme], i: int) -> Found | None:
    """A figure or range starting at lexeme i, with the words that bound it."""
    first = atom_at(lx, i) or _single_unit_at(lx, i)
    if first is None:
        return None
    ranged = _range_after(lx, first)
    if ranged is not None:
        return ranged
    qualifier, start = _qualifier_before(lx, first.start)
    end, after = qualifier_after(lx, first.end)
    if first.plus:
        qualifier = "at_least"
    qualifier = after or qualifier
    return Found(start, end, first.value, None, qualifier, (first,), role=_role_before(lx, start))


def _single_unit_at(lx: list[Lexeme], i: int) -> Atom | None:
    """ "about an hour", "nearly a year": one unit, counted only when a qualifier bounds it
    (a bare "a week" is a manner of speaking, not a figure)."""
    if i + 1 >= len(lx) or lx[i].lower not in ("a", "an") or _qualifier_before(lx, i)[0] is None:
        return None
    unit = U.UNIT_WORDS.get(lx[i + 1].lower)
    if unit is None or lx[i + 1].lower.endswith("s") or len(lx[i + 1].text) < 3:
        return None
    return Atom(i, i + 1, 1.0, 1.0, None, None, False, None, False, True, False)


def _role_before(lx: list[Lexeme], start: int) -> str | None:
    """ "up from [the] 100,000", "compared with 100,000": the figure is the earlier value of a change."""
    words = [x.lower for x in lx[max(start - 3, 0):start]]
    if words and words[-1] == "the":
        words = words[:-1]
    if words[-2:] in (["up", "from"], ["down", "from"], ["compared", "with"], ["compared", "to"]):
        return "previous"
    if words and words[-1] == "from" and _after_a_new_value(lx, start - 1):
        return "previous"  # "cut it to $600 million from $916 million": from what it was
    return None


def _after_a_new_value(lx: list[Lexeme], at: int) -> bool:
    """Is lexeme `at` ("from") right after a figure introduced by "to" ("to 130,000 troops")?"""
    k = at - 1
    if k >= 0 and lx[k].kind == "word" and lx[k].lower not in SCALES:
        k -= 1  # what the figure counts ("troops") or its unit
    seen_number = False
    while k >= 0 and (lx[k].kind == "num" or lx[k].lower in SCALES or lx[k].text in U.CURRENCY_SYMBOLS
                      or lx[k].lower in ("%", "percent", ",")):
        seen_number = seen_number or lx[k].kind == "num"
        k -= 1
    return seen_number and k >= 0 and lx[k].lower == "to"


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
    if before.text == "+" and j >= 2 and not before.gap and lx[j - 2].kind == "num" and j >= 3 and (
        lx[j - 3].kind == "word" and not lx[j - 2].gap
    ):
        return True  # "P5+1"
    return before.text in "-/." and j >= 2 and not before.gap and lx[j - 2].kind == "word"


def _digits_at(lx: list[Lexeme], j: int, currency: str | None) -> Core | None:
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
    return Core(base, scale, attached, end, year_like, False)


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


def _words_at(lx: list[Lexeme], j: int) -> Core | None:
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
            return Core(value, None, None, run[stop - 1] + 1, False, True)
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
    if start == 0:
        return best
    for words, qualifier in _QUALIFIERS_BY_LAST_WORD.get(lx[start - 1].lower, ()):
        begin = start - len(words)
        if begin >= 0 and tuple(x.lower for x in lx[begin:start]) == words and begin < best[1]:
            best = (qualifier, begin)
    if best[0] is not None:
        begin = best[1]
        while begin > 0 and lx[begin - 1].lower in U.INTENSIFIERS and lx[begin - 1].lower != "a":
            begin -= 1
        best = (best[0], begin)
    return best


def qualifier_after(lx: list[Lexeme], end: int) -> tuple[int, str | None]:
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
    for phrase in _VAGUE_BY_FIRST_WORD.get(lx[i].lower, ()):
        if tuple(x.lower for x in lx[i:i + len(phrase)]) == phrase:
            return Found(i, i + len(phrase), None, None, None, (), vague=True)
    return None
