"""Numeric claims in news text: value, unit or counted object, qualifier, range, subject.

`storywatch.language.figures` finds the figures lexically; this module places each in
the dependency parse to find what it counts and whom it is about, and drops
what is not a quantity: years, dates, labels ("Article 5"), ratios, points in
time ("40 years ago"), "one of", and small definite counts ("the two leaders").
Vague amounts ("a few weeks") are kept only with a unit, and never get a value.
"""
from __future__ import annotations

import bisect
from dataclasses import dataclass, replace

from spacy.tokens import Doc, Span, Token

from storywatch.language import units as U
from storywatch.language.clauses import (
    REPORTING_LEMMAS,
    ClauseInfo,
    analyse_clause,
    clause_time,
    governing_predicate,
    phrase_text,
    predicate_chain,
    sentences_of,
)
from storywatch.language.figures import (
    Found,
    Lexeme,
    lex,
    masked_spans,
    qualifier_after,
    scan,
    unmasked,
)
from storywatch.language.numbers import NUMBER_WORDS

# Past this length a "sentence" is boilerplate or a run-on dump: figures are still read,
# but the parse is not walked for subjects (that would cost time quadratic in its length).
MAX_PARSED_SENTENCE_TOKENS = 250
# Nouns that stand for an amount of something: "the estimate of Russian forces rose to 130,000".
AMOUNT_NOUNS = frozenset({"number", "estimate", "figure", "count", "total", "tally", "toll", "size",
                          "strength", "presence", "deployment", "buildup", "build-up", "contingent"})
# Verbs that state a figure for their object: "put the force at 130,000", "raised the estimate to …".
ESTIMATE_VERBS = frozenset({"put", "estimate", "place", "peg", "set", "number", "raise", "lower",
                            "revise", "increase", "cut", "reduce", "boost", "lift", "bring"})
# Verbs that say their object's figure was passed: "oil tops $95 a barrel".
EXCEEDING_VERBS = frozenset({"top", "exceed", "surpass", "pass", "cross", "outnumber", "breach"})
MEASURE_KINDS = frozenset({"currency", "percent", "duration", "length", "mass", "volume", "area",
                           "speed", "power", "temperature", "age", "multiplier"})


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
    unit_from_context: bool = False     # unit read from "the estimate of [forces] rose to 130,000"
    measured: str | None = None         # "enriched uranium" in "2,500 kilograms of enriched uranium"
    per_unit: bool = False              # "groups of up to 1,000 troops each": a size per unit, not a total
    per: str | None = None              # the unit it is per, when named ("barrel", "groups")
    vague: bool = False                 # "a few weeks": a quantity without a number
    previous_value: float | None = None  # "rose from 100,000 to 130,000" or "…, up from 100,000"
    role: str | None = None             # "previous": this figure is the earlier value of a change
    predicate: str | None = None        # lemma of the verb the figure belongs to
    negated: bool = False
    modality: str | None = None
    time_text: str | None = None        # a date attached to the same clause ("cited in January")
    reported_by: str | None = None      # "officials" in "officials said …", or "according to X"
    reporting_verb: str | None = None   # lemma of that reporting verb


@dataclass(frozen=True, slots=True)
class UnitFound:
    """What a figure measures, where its claim text ends, and the token that anchors it in the parse."""

    unit: str | None
    kind: str | None
    end_char: int
    anchor: Token | None = None          # the noun counted, or the unit word
    measured: str | None = None
    compound_of: Token | None = None     # "agreement" in "a 20-year agreement"
    skip: bool = False
    hyphenated: bool = False             # written against the figure: "20-year", "10,000-strong"


@dataclass(frozen=True, slots=True)
class Context:
    """One sentence being read: the document, its index, its lexemes and their start offsets."""

    doc: Doc
    text: str       # doc.text, kept: spaCy rebuilds it from every token on each access
    sentence: Span
    index: int
    lx: list[Lexeme]
    starts: list[int]

    def lexeme_from(self, char: int) -> int:
        """Index of the first lexeme starting at or after `char`."""
        return bisect.bisect_left(self.starts, char)

    def token_at(self, char: int) -> Token | None:
        span = self.doc.char_span(char, char + 1, alignment_mode="expand")
        return span[0] if span is not None and len(span) else None

    def token_after(self, char: int) -> Token | None:
        """The first token that starts at or after `char`, hyphens skipped."""
        token = self.token_at(max(char - 1, 0))
        if token is None:
            return None
        i = token.i + 1 if token.idx + len(token) <= char else token.i
        while i < len(self.doc) and self.doc[i].text == "-":
            i += 1
        return self.doc[i] if i < len(self.doc) else None


def find_quantities(doc: Doc) -> list[QuantityClaim]:
    """Every numeric claim in a parsed document, in text order."""
    text = doc.text
    masks = masked_spans(text)
    claims: list[QuantityClaim] = []
    for index, sentence in enumerate(sentences_of(doc)):
        lexemes = unmasked(lex(text[sentence.start_char:sentence.end_char], sentence.start_char), masks)
        context = Context(doc, text, sentence, index, lexemes, [x.start for x in lexemes])
        found = [c for f in scan(lexemes) if (c := _to_claim(context, f)) is not None]
        claims.extend(_link_parts(_link_previous_values(found), text))
    return claims


def _link_parts(claims: list[QuantityClaim], text: str) -> list[QuantityClaim]:
    """ "Eight of the 33 miners": the part counts what the whole counts; the whole is no total."""
    linked = list(claims)
    for k in range(len(linked) - 1):
        part, whole = linked[k], linked[k + 1]
        between = text[part.end_char:whole.start_char].lower().split()
        if between and between[0] == "of" and set(between[1:]) <= {"the", "its", "their", "all"}:
            if part.unit is None and whole.unit is not None:
                linked[k] = replace(part, unit=whole.unit, unit_kind=whole.unit_kind,
                                    unit_from_context=True)
            linked[k + 1] = replace(whole, role="whole")
    return linked


def _link_previous_values(claims: list[QuantityClaim]) -> list[QuantityClaim]:
    """ "rose to more than 130,000, up from 100,000": the earlier figure becomes the change's previous value."""
    linked = list(claims)
    for k, claim in enumerate(linked):
        if claim.role == "previous" and k > 0 and linked[k - 1].previous_value is None:
            before = linked[k - 1]
            linked[k - 1] = replace(before, previous_value=claim.value)
            if claim.unit is None and before.unit is not None:
                linked[k] = replace(claim, unit=before.unit, unit_kind=before.unit_kind, unit_from_context=True)
    return linked


def _to_claim(ctx: Context, found: Found) -> QuantityClaim | None:
    """Resolve unit, exclusions and syntax for one located figure; None when it is no quantity."""
    if found.qualifier == "invalid":
        return None
    unit = _unit_of(ctx, found)
    if unit.skip or _is_excluded(ctx, found, unit):
        return None
    if found.vague and not _vague_is_useful(ctx.lx, found, unit):
        return None
    qualifier, unit = _final_qualifier(ctx, found, unit)
    start_char = ctx.lx[found.start].start
    end_char = max(ctx.lx[found.end - 1].end, unit.end_char)
    if unit.compound_of is not None and unit.compound_of.idx >= end_char:
        # "a 20-year agreement": the claim reads best with the noun it describes.
        end_char = unit.compound_of.idx + len(unit.compound_of)
    figure = ctx.doc.char_span(start_char, ctx.lx[found.end - 1].end, alignment_mode="expand")
    claim = QuantityClaim(
        start_char=start_char, end_char=end_char, sentence_index=ctx.index,
        text=ctx.text[start_char:end_char], value=found.value, low=found.low,
        high=found.value if found.low is not None else None, unit=unit.unit, qualifier=qualifier,
        subject=None, unit_kind=unit.kind, measured=unit.measured, vague=found.vague,
        previous_value=found.previous, role=found.role,
    )
    claim = _with_per_unit(ctx, found, unit, claim)
    if len(ctx.sentence) > MAX_PARSED_SENTENCE_TOKENS:
        return claim
    return _with_syntax(ctx, figure, unit, claim)


def _final_qualifier(ctx: Context, found: Found, unit: UnitFound) -> tuple[str | None, UnitFound]:
    """The qualifier, with "or more" after the unit ("100,000 troops or more") and "over 20 years" as "during"."""
    qualifier = found.qualifier
    post_end, post = qualifier_after(ctx.lx, ctx.lexeme_from(unit.end_char))
    if post is not None and qualifier is None:
        qualifier = post
        unit = replace(unit, end_char=max(unit.end_char, ctx.lx[post_end - 1].end))
    if unit.kind == "duration" and qualifier == "at_least" and ctx.lx[found.start].lower == "over":
        before = ctx.lx[found.start - 1].lower if found.start > 0 else ""
        qualifier = "at_least" if before in ("for", "in", "after") else None
    return qualifier, unit


def _with_syntax(ctx: Context, figure: Span | None, unit: UnitFound, claim: QuantityClaim) -> QuantityClaim:
    """Subject, predicate, negation, modality, date and source from the clause the figure sits in."""
    anchor = unit.compound_of or unit.anchor or (figure.root if figure is not None else None)
    if anchor is None:
        return claim
    info = analyse_clause(governing_predicate(anchor), ctx.sentence)
    if info.subject is not None and info.subject.i == anchor.i:
        info = _small_clause_parent(info, ctx.sentence)
    head = info.head
    if claim.qualifier is None and head.lemma_ in EXCEEDING_VERBS and anchor.dep_ in ("dobj", "obj"):
        claim = replace(claim, qualifier="at_least")
    claim = replace(
        claim,
        subject=_subject_of(anchor, info, unit, figure),
        predicate=head.lemma_ if head.pos_ in ("VERB", "AUX") else None,
        negated=info.negated, modality=info.modality,
        time_text=info.time_text or _time_of_modifier(anchor), reported_by=info.reported_by,
        reporting_verb=info.reporting_verb,
    )
    if claim.unit is None and not claim.vague:
        claim = _unit_from_context(claim, anchor, info)
    return claim


def _subject_of(anchor: Token, info: ClauseInfo, unit: UnitFound, figure: Span | None) -> str | None:
    """Whom the figure is about: the noun a duration describes, an owner ("Russia's troops"), or the clause subject."""
    if unit.compound_of is not None:
        return unit.compound_of.text
    owner = next((c for c in anchor.children if c.dep_ == "poss"), None)
    if owner is not None:
        return phrase_text(owner)
    subject = info.subject
    if subject is None or subject.i in {t.i for t in anchor.subtree}:
        return None
    if figure is not None and figure.start <= subject.i < figure.end:
        return None
    return phrase_text(subject)


def _small_clause_parent(info: ClauseInfo, sentence: Span) -> ClauseInfo:
    """ "Russia has massed [some 100,000 troops round Ukraine]": when the parse makes the counted noun
    the subject of a complement clause, the figure belongs to the verb above it."""
    head = info.head
    parent = head.head
    if head.dep_ != "ccomp" or parent is head or parent.lemma_ in REPORTING_LEMMAS:
        return info
    if any(c.dep_ in ("dobj", "obj") for c in parent.children):
        return info
    return analyse_clause(parent, sentence)


def _time_of_modifier(anchor: Token) -> str | None:
    """A date in a participle describing the counted noun: "the 100,000 troops [cited in January]"."""
    for child in anchor.children:
        if child.dep_ in ("acl", "relcl"):
            text, _ = clause_time(predicate_chain(child))
            if text is not None:
                return text
    return None


def _object_put_at(anchor: Token) -> Token | None:
    """ "puts Russian forces … at 169,000 to 190,000": the verb's object is what the figure counts."""
    prep = anchor.head
    if prep.dep_ != "prep" or prep.lower_ not in ("at", "to") or prep.head.lemma_ not in ESTIMATE_VERBS:
        return None
    obj = next((c for c in prep.head.children if c.dep_ in ("dobj", "obj")), None)
    if obj is None or obj.i > anchor.i:
        return None
    return obj if obj.tag_ in ("NNS", "NNPS") or obj.lemma_.lower() in AMOUNT_NOUNS | {"force"} else None


def _unit_from_context(claim: QuantityClaim, anchor: Token, info: ClauseInfo) -> QuantityClaim:
    """A bare figure takes its object from the clause: "the estimate of [forces] rose to 130,000",
    "the troops are now more than 130,000"."""
    subject = info.subject
    if subject is None or anchor.i in {t.i for t in subject.subtree}:
        return claim
    counted = _object_put_at(anchor)
    if counted is not None:
        pass
    elif subject.lemma_.lower() in AMOUNT_NOUNS:
        of = next((c for c in subject.children if c.dep_ == "prep" and c.lower_ == "of"), None)
        counted = next((c for c in of.children if c.dep_ == "pobj"), None) if of is not None else None
    elif info.head.lemma_ == "be" and subject.tag_ in ("NNS", "NNPS"):
        counted = subject
    if counted is None or counted.pos_ not in ("NOUN", "PROPN"):
        return claim
    return replace(claim, unit=_noun_unit(counted), unit_kind="count", unit_from_context=True)


# --- units ------------------------------------------------------------------------------------


def _unit_of(ctx: Context, found: Found) -> UnitFound:
    """What the figure measures: currency, percent, a unit word, a hyphen compound, or a counted noun."""
    lx, end = ctx.lx, found.end
    end_char = lx[end - 1].end
    last = found.atoms[-1] if found.atoms else None
    if last is not None and last.currency:
        return replace(_thing_after(ctx, found, end, end_char), unit=last.currency, kind="currency")
    if last is not None and last.percent:
        return replace(_thing_after(ctx, found, end, end_char), unit="percent", kind="percent")
    if last is not None and last.attached_unit:
        unit, kind = last.attached_unit
        return replace(_measured_after(ctx, end, end_char), unit=unit, kind=kind)
    return (_hyphen_compound(ctx, end) or _unit_words(ctx, found, end)
            or _counted(ctx, found, end_char))


def _unit_words(ctx: Context, found: Found, k: int) -> UnitFound | None:
    """A unit or currency written after the figure: "20 ft", "2,500 kilograms", "1.2 million rubles"."""
    lx = ctx.lx
    for size in (3, 2):
        words = tuple(x.lower for x in lx[k:k + size])
        if words in U.MULTIWORD_UNITS:
            unit, kind = U.MULTIWORD_UNITS[words]
            return replace(_measured_after(ctx, k + size, lx[k + size - 1].end), unit=unit, kind=kind)
    if k >= len(lx) or lx[k].kind != "word":
        return None
    word = lx[k].lower
    if word == "times":
        # "15 times the limit": a multiplier of something else, not a count of "times".
        return UnitFound("times", "multiplier", lx[k].end, ctx.token_at(lx[k].start))
    if word in ("pound", "pounds") and k + 1 < len(lx) and lx[k + 1].lower == "of":
        return replace(_measured_after(ctx, k + 1, lx[k].end), unit="lb", kind="mass")
    if word in U.CURRENCY_WORDS:
        return replace(_thing_after(ctx, found, k + 1, lx[k].end), unit=U.CURRENCY_WORDS[word], kind="currency")
    if word in U.UNIT_WORDS:
        if word in ("t", "g", "l", "ha", "in.") and lx[k].gap:
            # A lone letter after a space is an initial or a word, not a unit.
            return None
        unit, kind = U.UNIT_WORDS[word]
        return replace(_measured_after(ctx, k + 1, lx[k].end), unit=unit, kind=kind)
    return None


def _hyphen_compound(ctx: Context, k: int) -> UnitFound | None:
    """ "a 20-year agreement", "a two-day trip", "a 10,000-strong force", "62-year-old"."""
    lx = ctx.lx
    if k + 1 >= len(lx) or lx[k].text != "-" or lx[k].gap or lx[k + 1].gap or lx[k + 1].kind != "word":
        return None
    word, end_char = lx[k + 1].lower, lx[k + 1].end
    if word in U.FRACTION_WORDS:
        return UnitFound(None, None, end_char, skip=True)
    modified = _described_noun(ctx.token_after(end_char))
    if k + 3 < len(lx) and lx[k + 2].text == "-" and lx[k + 3].lower == "old" and word in U.UNIT_WORDS:
        return UnitFound(U.UNIT_WORDS[word][0] + " old", "age", lx[k + 3].end)
    if word in U.UNIT_WORDS or word == "pound":
        unit, kind = U.UNIT_WORDS.get(word, ("lb", "mass"))
        return UnitFound(unit, kind, end_char, ctx.token_at(lx[k + 1].start), compound_of=modified,
                         hyphenated=True)
    if word == "strong":
        end = modified.idx + len(modified) if modified is not None else end_char
        return UnitFound(_noun_unit(modified) if modified is not None else None, "count", end, modified,
                         hyphenated=True)
    # "a four-nation tour": the figure counts the word after the hyphen.
    return UnitFound(word, "count", end_char, ctx.token_at(lx[k + 1].start), compound_of=modified,
                     hyphenated=True)


def _described_noun(token: Token | None) -> Token | None:
    """The noun a compound modifier describes, looking past adjectives: "a 20-year economic deal"."""
    current = token
    for _ in range(4):
        if current is None:
            return None
        if current.pos_ in ("NOUN", "PROPN") and current.dep_ != "compound":
            return current
        if current.pos_ not in ("ADJ", "NOUN", "PROPN", "ADV") and current.dep_ not in ("compound", "amod"):
            return None
        current = current.doc[current.i + 1] if current.i + 1 < len(current.doc) else None
    return None


def _measured_after(ctx: Context, k: int, end_char: int) -> UnitFound:
    """For a unit of measure, the thing measured: "2,500 kilograms of [enriched uranium]"."""
    measured = None
    if k + 1 < len(ctx.lx) and ctx.lx[k].lower == "of":
        noun = _described_noun(ctx.token_at(ctx.lx[k + 1].start))
        if noun is not None:
            measured = phrase_text(noun)
    return UnitFound(None, None, end_char, ctx.token_at(end_char - 1), measured)


def _thing_after(ctx: Context, found: Found, k: int, end_char: int) -> UnitFound:
    """For money and percentages, what the amount is of: "60 percent [purity]", "$7bn of [reserves]"."""
    noun = _counted_noun(ctx, found, end_char)
    if noun is None:
        return _measured_after(ctx, k, end_char)
    return UnitFound(None, None, end_char, ctx.token_at(end_char - 1), _noun_unit(noun))


def _counted(ctx: Context, found: Found, end_char: int) -> UnitFound:
    """The noun a figure counts ("100,000 [troops]"), or no unit at all."""
    noun = _counted_noun(ctx, found, end_char)
    if noun is None:
        return UnitFound(None, None, end_char)
    return UnitFound(_noun_unit(noun), "count", max(end_char, noun.idx + len(noun)), noun)


def _counted_noun(ctx: Context, found: Found, end_char: int) -> Token | None:
    """The noun right after a figure, past adjectives and compounds, if the parse agrees it is counted."""
    figure = ctx.doc.char_span(ctx.lx[found.end - 1].start, end_char, alignment_mode="expand")
    if figure is None:
        return None
    root = figure.root
    head = root.head
    while head.dep_ in ("compound", "amod", "nmod") and head.head.i > head.i and head.head.pos_ in ("NOUN", "PROPN"):
        # "60 [battalion] tactical groups": the figure counts the head of the compound.
        head = head.head
    if head.i >= figure.end and head.pos_ in ("NOUN", "PROPN") and head.i - figure.end <= 4 and (
        root.dep_ in ("nummod", "quantmod", "compound", "amod", "nmod", "npadvmod", "dep")
    ):
        return None if _is_time_word(head) else head
    for token in ctx.doc[figure.end:figure.end + 4]:
        if (token.pos_ == "NOUN" and token.dep_ != "compound") or token.tag_ in ("NNS", "NNPS"):
            return None if _is_time_word(token) else token
        if token.pos_ not in ("ADJ", "NOUN", "PROPN") and token.dep_ not in ("compound", "amod"):
            return None
    return None


def _is_time_word(token: Token) -> bool:
    return token.lower_ in U.MONTHS or (token.ent_type_ in ("DATE", "TIME") and token.lower_ not in U.UNIT_WORDS)


def _noun_unit(noun: Token) -> str:
    """The counted object as written, a noun compound kept: "troops", "power plants", "BTGs"."""
    words = [noun.text if noun.text.isupper() or noun.pos_ == "PROPN" else noun.lower_]
    previous = noun.doc[noun.i - 1] if noun.i > 0 else None
    if previous is not None and previous.dep_ == "compound" and previous.head is noun and previous.pos_ == "NOUN" and (
        previous.lower_ not in NUMBER_WORDS and not previous.like_num
    ):
        words.insert(0, previous.lower_)
    return " ".join(words)


# --- what is not a quantity --------------------------------------------------------------------


def _is_excluded(ctx: Context, found: Found, unit: UnitFound) -> bool:
    """Years, dates, labels, ratios, points in time, bare "one", "the two leaders": not claims."""
    if found.vague:
        return False
    lx, start = ctx.lx, found.atoms[0].start
    before = lx[start - 1] if start > 0 else None
    return (
        _is_year(lx, found, unit)
        or _is_date(lx, start, found.end)
        or _is_label(ctx, start, unit)
        or _is_ratio(lx, start, found.end)
        or _is_time_reference(ctx, unit)
        or _is_bare_one(found, unit, before)
        or _is_known_set(found, unit, before)
        or _is_partitive(lx, found, unit)
        or _is_name_part(lx, found)
    )


def _is_year(lx: list[Lexeme], found: Found, unit: UnitFound) -> bool:
    """ "the 2015 accord", "in 2018", "2015-2018": four digits that name a year."""
    if not all(atom.year_like for atom in found.atoms) or unit.kind not in (None, "count"):
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


def _is_label(ctx: Context, start: int, unit: UnitFound) -> bool:
    """ "Article 5", "Resolution 2231", "No. 10", "Boeing 737": a figure that names, not counts."""
    lx = ctx.lx
    if start == 0 or unit.kind in MEASURE_KINDS:
        return False
    before = lx[start - 1]
    if before.kind != "word" or not before.gap:
        return before.text == "." and start >= 2 and lx[start - 2].lower == "no"
    word = before.lower.rstrip(".")
    if word in U.ALWAYS_LABEL_WORDS or (word in U.LABEL_WORDS and before.text[:1].isupper()):
        return True
    token = ctx.token_at(before.start)
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


def _is_time_reference(ctx: Context, unit: UnitFound) -> bool:
    """ "40 years ago", "two days later": a point in time, not a duration."""
    if unit.kind != "duration":
        return False
    nxt = ctx.token_after(unit.end_char)
    return nxt is not None and nxt.lower_ in U.TIME_REFERENCE_AFTER


def _is_bare_one(found: Found, unit: UnitFound, before: Lexeme | None) -> bool:
    """ "one of", "one day", "no one": the word "one" alone is rarely a count worth a claim."""
    atom = found.atoms[0]
    if len(found.atoms) > 1 or not atom.words or atom.value != 1 or atom.end - atom.start != 1:
        return False
    if found.qualifier is not None or unit.hyphenated:
        return False
    if unit.kind in MEASURE_KINDS - {"duration"}:
        return False
    if unit.kind == "duration":
        return before is None or before.lower not in ("for", "within", "in", "after", "over", "than", "-")
    return True


def _is_known_set(found: Found, unit: UnitFound, before: Lexeme | None) -> bool:
    """ "the two leaders", "our two countries": a small definite count refers, it does not claim."""
    if before is None or found.qualifier or found.value is None or found.value > 12 or len(found.atoms) > 1:
        return False
    return unit.kind in (None, "count") and before.lower in U.DEFINITE_WORDS


def _is_partitive(lx: list[Lexeme], found: Found, unit: UnitFound) -> bool:
    """ "two of the officials": a part of a set named elsewhere, not a figure. ("Eight of the
    33 miners" is one: a part of a counted whole, which takes the whole's unit.)"""
    after = lx[found.end] if found.end < len(lx) else None
    if _whole_follows(lx, found.end):
        return False
    return bool(after is not None and after.lower == "of" and lx[found.atoms[0].start].kind == "word"
                and unit.kind in (None, "count") and found.value is not None and found.value < 100
                and not found.qualifier)


def _whole_follows(lx: list[Lexeme], end: int) -> bool:
    """ "of the 33 miners" right after a figure: the figure is a part of a counted whole."""
    if end >= len(lx) or lx[end].lower != "of":
        return False
    k = end + 1
    while k < len(lx) and lx[k].lower in ("the", "its", "their", "all"):
        k += 1
    return k < len(lx) and (lx[k].kind == "num" or lx[k].lower in NUMBER_WORDS)


def _is_name_part(lx: list[Lexeme], found: Found) -> bool:
    """ "the Group of Seven", "the Big Three": a capitalised number word inside a sentence is a name."""
    first = found.atoms[0].start
    if first == 0 or not found.atoms[0].words or not lx[first].text[:1].isupper() or found.qualifier:
        return False
    if lx[first - 1].text in (".", "!", "?", "\"", "\u201c", "(", "\u2014", "-", ":"):
        return False
    return not _is_title_case(lx)


_MINOR_WORDS = frozenset({"a", "an", "the", "and", "or", "but", "of", "in", "on", "to", "at", "by",
                          "as", "for", "with", "from", "s", "vs"})


def _is_title_case(lx: list[Lexeme]) -> bool:
    """A headline in title case ("Russia Sends Two More Battalions") capitalises every long word."""
    words = [x for x in lx if x.kind == "word" and x.lower not in _MINOR_WORDS]
    return len(words) >= 3 and all(x.text[:1].isupper() for x in words)


def _vague_is_useful(lx: list[Lexeme], found: Found, unit: UnitFound) -> bool:
    """Keep a vague amount with a unit of time or measure, or one that names a scale ("several thousand")."""
    if unit.kind not in (None, "count"):
        return True
    words = {x.lower for x in lx[found.start:found.end]}
    return bool(words & U.VAGUE_SCALE_WORDS) and unit.kind == "count"


# --- sizes per unit ----------------------------------------------------------------------------


def _with_per_unit(ctx: Context, found: Found, unit: UnitFound, claim: QuantityClaim) -> QuantityClaim:
    """Mark a size per unit ("groups of up to 1,000 troops each", "$90 a barrel"), with the unit if named."""
    lx = ctx.lx
    following = ctx.lexeme_from(unit.end_char)
    after = [x.lower for x in lx[following:following + 2]]
    collective = _collective_before(lx, found.start)
    per: tuple[bool, str | None] = (False, None)
    if after[:1] in (["each"], ["apiece"]):
        per = (True, collective)
    elif len(after) == 2 and after[0] == "per":
        per = (True, after[1])
    elif len(after) == 2 and after[0] in ("a", "an") and after[1] in U.RATE_NOUNS:
        per = (True, after[1])
    elif "each" in (x.lower for x in lx[max(found.start - 4, 0):found.start]) or collective is not None:
        per = (True, collective)
    return replace(claim, per_unit=per[0], per=per[1]) if per[0] else claim


def _collective_before(lx: list[Lexeme], start: int) -> str | None:
    """The plural unit noun in "[groups] of (up to) 1,000": what each figure is the size of."""
    for back in range(1, 5):
        k = start - back
        if k < 1:
            return None
        if lx[k].lower == "of":
            noun = lx[k - 1]
            singular = noun.lower[:-1] if noun.lower.endswith("s") else noun.lower
            acronym = noun.text[:-1].isupper() and len(noun.text) > 2
            if noun.lower.endswith("s") and (singular in U.COLLECTIVE_NOUNS or acronym):
                return noun.lower
            return None
    return None
