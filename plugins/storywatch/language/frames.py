"""Claim frames: what a figure is, read once from the dependency parse.

A frame says of one figure what a thread needs to decide whether it fills a
slot, with no word lists in the thread: the figure's kind (a `total`, a
`measure`, a `share` of something, a `part` of a whole named beside it, the
`whole` a part is counted from, a `per_unit` size, a `change` or the `previous`
value of one, a rule's `limit`), the thing counted (lemma, troops = soldiers = forces
= personnel = servicemen), whose it is (`owner`, from a possessor, a
modifier, an "of" phrase or the subject of the clause that holds it), where
(`place`), how it is asserted (`modality`: asserted, planned, projected,
conditional, negated, question, required) and when (`tense`, `time_text`).

The frame is stored with the claim (`claims.details->'frame'`, shown by
`v_claim_frames`) so an analyst can see why a figure was or was not taken.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from spacy.tokens import Doc, Span, Token

from storywatch.language import units as U
from storywatch.language.clauses import (
    REPORTING_LEMMAS,
    analyse_clause,
    governing_predicate,
    is_dateline_place,
    phrase_text,
)
from storywatch.language.counted import counted_class, singular
from storywatch.language.quantities import AMOUNT_NOUNS

FRAME_KINDS = ("total", "measure", "share", "part", "whole", "per_unit", "change", "previous",
               "limit")
# Words that make a figure an increment: "5,000 more troops", "a further 5,000", "another 3,000".
INCREMENT_WORDS = frozenset({"more", "additional", "extra", "further", "another", "fresh"})
# Nouns whose "of" phrase is a change: "an increase of 12 kg", "a drop of 5 percent".
CHANGE_NOUNS = frozenset({"increase", "rise", "jump", "growth", "addition", "gain", "drop",
                          "decline", "fall", "cut", "reduction", "decrease", "boost", "surge",
                          "reinforcement", "influx"})
# Verbs whose object is an increment ("added 7,000 troops") and verbs whose "by" phrase is one.
ADDING_LEMMAS = frozenset({"add", "reinforce", "bolster", "augment", "supplement", "gain"})
# Nouns and verbs that make a figure a rule's bound: "the limit of 202.8 kg", "capped at 3.67%".
LIMIT_NOUNS = frozenset({"limit", "cap", "ceiling", "threshold", "maximum", "minimum", "quota",
                         "target", "benchmark", "allowance", "restriction"})
LIMIT_VERBS = frozenset({"cap", "limit", "restrict", "allow", "permit"})
# A figure these introduce is a part of a whole named elsewhere: "the stockpile includes 33.2 kg".
PART_WORDS = frozenset({"include", "including", "comprise", "among"})
# Verbs that make the people they count a count of an outcome: "killed 33" is 33 deaths; for
# "die" the people are its subject.
EVENT_OUTCOMES = {"kill": "death", "die": "death", "infect": "case", "sicken": "case",
                  "injure": "injury", "wound": "injury"}
SUBJECT_OUTCOMES = frozenset({"die"})
# Words that set an event in a series of them, so not the one the story follows.
SERIES_WORDS = frozenset({"first", "previous", "earlier", "past", "last", "other", "prior"})
# Verbs that state a figure for something else: their subject is the source, not the owner.
ESTIMATING_LEMMAS = frozenset({"estimate", "peg", "number", "count", "assess",
                               "calculate", "reckon", "gauge", "tally", "total", "be", "reach",
                               "rise", "grow", "climb", "fall", "drop", "stand", "remain", "top",
                               "exceed", "surpass", "swell", "increase", "decrease"})
# Verbs whose subject gives a figure for something else: the source, never the owner.
SOURCE_LEMMAS = frozenset({"estimate", "peg", "number", "count", "assess", "calculate", "reckon",
                           "gauge", "tally", "put", "place", "measure", "forecast", "project"})
# Verbs of having and deploying: their subject owns what they count ("Brazil has deployed 2,000
# troops"); the subject of any other verb ("rescuers pulled 12 workers out") does not.
HOLDING_LEMMAS = frozenset({
    "have", "hold", "keep", "retain", "possess", "own", "maintain", "field", "mass", "amass",
    "deploy", "redeploy", "station", "base", "send", "dispatch", "move", "mobilise", "mobilize",
    "put", "place", "position", "gather", "assemble", "concentrate", "commit", "build",
    "stockpile", "accumulate", "produce", "enrich", "employ", "add", "withdraw",
    "lead", "win",  # "Franken led by 49 votes": the margin is the leader's
})
PLACE_PREPS = frozenset({"near", "around", "along", "on", "at", "in", "inside", "into", "to",
                         "toward", "towards", "within", "across", "outside", "off", "by",
                         "encircling", "surrounding"})
OWNER_ENTITY_LABELS = frozenset({"NORP", "GPE", "ORG", "PERSON"})
MODALITY_OF = {
    "question": "question", "hypothetical": "conditional", "required": "required",
    "possible": "projected", "expected": "projected", "threat": "projected",
    "future": "planned", "planned": "planned", "intended": "planned",
}


@dataclass(frozen=True, slots=True)
class FigureFrame:
    """What one figure is: kind, counted thing, owner, place, modality and time."""

    kind: str                      # one of FRAME_KINDS
    counted: str | None            # class lemma ("troop") or canonical unit ("kg", "percent")
    owner: str | None = None       # "Russia", "the Pentagon", "Iran's"
    owner_via: str | None = None   # possessor, modifier, of, subject
    place: str | None = None       # "near Ukraine's border"
    modality: str = "asserted"     # asserted, planned, projected, conditional, negated, question,
                                   # required
    tense: str | None = None       # past, present, future, past_perfect
    time_text: str | None = None   # "in January"
    share_of: str | None = None    # "the units it would need" for a share
    part_of: str | None = None     # a part's whole when that is a figure too: "case" for "21
                                   # cases, including 17 deaths"
    outcome: str | None = None     # what the figure's verb makes of the people it counts:
                                   # "killed 33 people" -> "death", "infected 54" -> "case"
    other_event: str | None = None # the outcome's cause, when it reads as another event than
                                   # the story's: "that first outbreak", "an outbreak in 1995"

    def as_json(self) -> dict[str, Any]:
        """The frame for `claims.details`: only the fields that say something."""
        return {k: v for k, v in asdict(self).items() if v not in (None, "")}


def frame_of(doc: Doc, claim: Any, sentence: Span | None = None) -> FigureFrame:
    """The frame of a quantity claim (`quantities.QuantityClaim`) in its parsed document.

    `sentence`, when the caller has it, spares finding it again (`Token.sent` walks the doc).
    """
    span = doc.char_span(claim.start_char, claim.end_char, alignment_mode="expand")
    unit_kind = claim.unit_kind or "count"
    counted = counted_class(claim.unit) if unit_kind == "count" else (claim.unit or None)
    anchor = _anchor(span, claim) if span is not None and len(span) else None
    kind = _kind(claim, anchor, unit_kind)
    if anchor is None:
        return FigureFrame(kind, counted, modality=_modality(claim), time_text=claim.time_text)
    head = governing_predicate(anchor)
    info = analyse_clause(head, sentence if sentence is not None else anchor.sent)
    if counted is None and unit_kind == "count":
        counted = _counted_by_subject(anchor, info.subject, head)
    counted_noun = _counted_noun(anchor, info.subject, counted)
    owner, via = _owner(anchor, counted_noun, _completed_subject(head, info.subject), head,
                        unit_kind == "count")
    share_of = _share_of(anchor) if kind == "share" else None
    part_of = _whole_figure(anchor) if kind == "part" else None
    outcome = _outcome_of(anchor, head) if counted in (None, "person") else None
    other_event = None
    if outcome is not None and head.lemma_.lower() not in SUBJECT_OUTCOMES:
        cause = _completed_subject(head, info.subject)
        if cause is not None and cause.pos_ in ("NOUN", "PROPN"):
            cause_text = cause.doc[cause.left_edge.i:cause.right_edge.i + 1].text
            if owner is None:  # the deaths of "the outbreak in North Kivu" are North Kivu's
                owner, via = cause_text, "cause"
            other_event = cause_text if _another_event(cause) else None
    return FigureFrame(
        kind=kind, counted=counted, owner=owner, owner_via=via, place=_place(anchor, head),
        modality=_modality(claim), tense=_tense(head, info.tense), time_text=claim.time_text,
        share_of=share_of, part_of=part_of, outcome=outcome, other_event=other_event,
    )


def _anchor(span: Span, claim: Any) -> Token:
    """The token the figure hangs on: its counted noun or unit word, else the figure's root."""
    unit_word = (claim.unit or "").lower().split()[-1:] or [""]
    for token in reversed(span):
        if token.lower_ == unit_word[0] or token.lemma_.lower() == singular(unit_word[0]):
            return token
    return span.root


def _kind(claim: Any, anchor: Token | None, unit_kind: str) -> str:
    if claim.role == "previous":
        return "previous"
    if claim.role == "whole":
        return "whole"
    if claim.per_unit:
        return "per_unit"
    if anchor is not None and _is_limit(anchor):
        return "limit"
    if anchor is not None and _is_part(anchor):
        return "part"
    if claim.previous_value is None and anchor is not None and _is_change(anchor):
        return "change"
    if unit_kind == "percent" and anchor is not None and _share_of(anchor) is not None:
        return "share"
    return "total" if unit_kind == "count" else "measure"


def _figure_tokens(anchor: Token) -> list[Token]:
    """The anchor and the words that modify it within its phrase (numbers, qualifiers, adjectives)."""
    tokens = [anchor]
    for child in anchor.children:
        if child.dep_ in ("nummod", "amod", "advmod", "quantmod", "det", "compound", "npadvmod"):
            tokens.append(child)
            tokens.extend(c for c in child.children if c.dep_ in ("advmod", "amod", "quantmod"))
    return tokens


def _is_increment_word(token: Token) -> bool:
    """ "5,000 more", "a further 5,000", "another 3,000"; not "more than 130,000"."""
    if token.lower_ not in INCREMENT_WORDS:
        return False
    doc = token.doc
    if token.i + 1 < len(doc) and doc[token.i + 1].lower_ == "than":
        return False
    if token.lower_ == "more":
        # "more troops" without a figure before it is no increment of a figure.
        return token.i > 0 and (doc[token.i - 1].like_num or doc[token.i - 1].pos_ == "NUM")
    return True


def _is_change(anchor: Token) -> bool:
    """ "5,000 more troops", "a further 5,000", "added 7,000", "up 40 kg", "an increase of 12 kg"."""
    if any(_is_increment_word(t) for t in _figure_tokens(anchor) if t is not anchor):
        return True
    doc = anchor.doc
    left = anchor.left_edge.i
    before = doc[left - 1] if left > 0 else None
    if before is not None and before.lower_ in ("up", "down") and before.dep_ != "prt":
        return True
    head = anchor.head
    if anchor.dep_ == "pobj" and head.dep_ == "prep":
        owner = head.head
        if head.lower_ == "by" and owner.lemma_ in U.CHANGE_LEMMAS:
            return True
        if head.lower_ == "of" and owner.lemma_.lower() in CHANGE_NOUNS:
            return True
    if anchor.dep_ in ("npadvmod",) and head.lower_ in ("up", "down"):
        return True
    if anchor.dep_ in ("dobj", "obj") and head.lemma_ in ADDING_LEMMAS:
        return True
    return False


def _is_limit(anchor: Token) -> bool:
    """ "the limit of 202.8 kg", "a 3.67 percent cap", "capped enrichment at 3.67 percent"."""
    head = anchor.head
    if anchor.dep_ == "pobj" and head.dep_ == "prep":
        governor = head.head
        if head.lower_ == "of" and governor.lemma_.lower() in LIMIT_NOUNS:
            return True
        if head.lower_ in ("at", "to") and (governor.lemma_.lower() in LIMIT_VERBS or any(
                c.dep_ == "amod" and c.lemma_.lower() in LIMIT_VERBS for c in governor.children)):
            # "capped enrichment at 3.67 percent" (the participle is parsed as a modifier)
            return True
    if anchor.dep_ in ("compound", "amod", "nummod", "nmod") and head.lemma_.lower() in LIMIT_NOUNS:
        return True
    return any(c.dep_ in ("compound", "amod") and c.lemma_.lower() in LIMIT_NOUNS and c.i > anchor.i
               for c in anchor.children)


def _is_part(anchor: Token) -> bool:
    """ "the stockpile includes 33.2 kg enriched to 60%", "including 2,000 in Belarus", "the
    force includes 2,000 troops in Belarus and 5,000 in Crimea"."""
    return _part_word(anchor) is not None


def _part_word(anchor: Token) -> Token | None:
    """The "include", "including" or "among" that makes the figure a part, if one does."""
    current = anchor
    for _ in range(8):  # the figure, or the phrase it describes ("33.2 kg enriched to 60%")
        head = current.head
        if current.dep_ in ("dobj", "obj", "pobj", "xcomp", "acl") and (
                head.lemma_.lower() in PART_WORDS or head.lower_ in PART_WORDS):
            return head
        if head.i == current.i or current.dep_ in ("ROOT", "ccomp", "advcl", "relcl"):
            return None
        if current.dep_ == "conj" and current.pos_ in ("VERB", "AUX"):
            return None  # a clause of its own: "the stockpile includes X and Iran has Y"
        current = head  # a conjoined figure shares its first conjunct's governor
    return None


def _outcome_of(anchor: Token, head: Token) -> str | None:
    """What people counted as the object of "kill", "infect" or "injure" (or the subject of
    "die", or of a passive "were killed") are a count of: deaths, cases, injuries."""
    outcome = EVENT_OUTCOMES.get(head.lemma_.lower())
    if outcome is None:
        return None
    roles = ("nsubj",) if head.lemma_.lower() in SUBJECT_OUTCOMES else ("dobj", "obj", "nsubjpass")
    current = anchor
    while current.head.i not in (current.i, head.i) and current.dep_ in (
            "nummod", "compound", "amod", "quantmod", "conj", "appos"):
        current = current.head  # "33 of them", "54 people"
    return outcome if current.head.i == head.i and current.dep_ in roles else None


def _another_event(cause: Token) -> bool:
    """Whether a cause is introduced as another event than the one the story follows: new to
    the text ("an outbreak in Kikwit"), pointed back at ("that outbreak"), or set in a series
    ("the first outbreak", "a previous epidemic"). The story's own is "the outbreak"."""
    for child in cause.children:
        if child.dep_ in ("det", "predet") and child.lower_ in ("a", "an", "that", "those",
                                                                "another"):
            return True
        if child.dep_ == "amod" and child.lower_ in SERIES_WORDS:
            return True
    return False


def _whole_figure(anchor: Token) -> str | None:
    """What the whole counts, when the whole a part is named beside is a figure itself: "21
    cases of fever, including 17 deaths" -> "case", "a force of 100,000 that includes 5,000
    paratroopers" -> "troop"; None for a whole with no number ("the stockpile includes")."""
    word = _part_word(anchor)
    if word is None:
        return None
    if word.pos_ in ("VERB", "AUX") and word.dep_ not in ("prep", "acl"):
        whole = next((c for c in word.children if c.dep_ in ("nsubj", "nsubjpass")), None)
        if whole is None and word.dep_ == "relcl":
            whole = word.head  # "a force of 100,000 that includes ..."
    else:
        whole = word.head  # "21 cases ..., including 17 deaths": the noun it hangs on
        if whole.pos_ in ("VERB", "AUX"):  # ... or what the verb it hangs on counts
            whole = _figure_of_verb(whole, before=word.i)
    if whole is None or whole.i == word.i:
        return None
    if whole.like_num or whole.pos_ == "NUM":  # "has risen to 32, including 18 deaths"
        verb = governing_predicate(whole)
        subject = next((c for c in verb.children if c.dep_ in ("nsubj", "nsubjpass")), None)
        return _counted_by_subject(whole, subject, verb)
    if not any(c.dep_ == "nummod" or c.like_num for c in whole.children):
        return None
    counted = counted_class(whole.text)
    if counted == "person":  # "killed 14 people, including three in the capital": deaths
        return _outcome_of(whole, governing_predicate(whole)) or counted
    return counted


def _figure_of_verb(verb: Token, before: int) -> Token | None:
    """The figure a verb states before position `before`: its object ("recorded 21 cases"), or
    the number of its "to" or "at" phrase ("has risen to 32")."""
    for child in verb.children:
        if child.i >= before:
            continue
        if child.dep_ in ("dobj", "obj", "attr"):
            return child
        if child.dep_ == "prep" and child.lower_ in ("to", "at"):
            number = next((c for c in child.children if c.dep_ == "pobj"), None)
            if number is not None and (number.like_num or number.pos_ == "NUM"):
                return number
    return None


def _share_of(anchor: Token) -> str | None:
    """ "60 percent of the units": the whole a percentage is a share of."""
    for child in anchor.children:
        if child.dep_ == "prep" and child.lower_ == "of":
            obj = next((c for c in child.children if c.dep_ == "pobj"), None)
            if obj is not None:
                return phrase_text(obj)
    nxt = anchor.doc[anchor.i + 1] if anchor.i + 1 < len(anchor.doc) else None
    if nxt is not None and nxt.lower_ == "of" and nxt.i + 1 < len(anchor.doc):
        obj = next((c for c in nxt.children if c.dep_ == "pobj"), None)
        return phrase_text(obj) if obj is not None else anchor.doc[nxt.i + 1].text
    return None


def _owner(anchor: Token, counted: Token, subject: Token | None, head: Token,
           is_count: bool) -> tuple[str | None, str | None]:
    """Whose the figure is: "Russia's troops", "Russian troops", "troops of Belarus", or the
    subject that has, masses or sends them ("the Pentagon put 8,500 troops on standby")."""
    for child in counted.children:
        if child.dep_ == "poss":
            if child.pos_ == "PRON" and subject is not None and subject.pos_ != "PRON" and (
                    subject.i not in {t.i for t in anchor.subtree}):
                # "the authority cut its demand to $600 million": its = the clause's subject
                return phrase_text(subject), "possessor"
            return _without_possessive(phrase_text(child)), "possessor"
    for child in counted.children:
        if child.dep_ in ("amod", "compound", "nmod") and child.i < counted.i and not (
                child.like_num or child.pos_ == "NUM") and (
                child.ent_type_ in OWNER_ENTITY_LABELS or child.pos_ == "PROPN"):
            return child.text, "modifier"
    for child in counted.children:
        if child.dep_ == "prep" and child.lower_ in ("of", "from"):
            obj = next((c for c in child.children if c.dep_ == "pobj"), None)
            if obj is not None and (obj.ent_type_ in OWNER_ENTITY_LABELS or obj.pos_ == "PROPN"):
                return phrase_text(obj), "of"
    ahead = _ahead_by(anchor)
    if ahead is not None:  # "showing Franken ahead of Coleman by 225 votes"
        return phrase_text(ahead), "subject"
    measured = _measured_noun(anchor)
    if measured is not None:  # "Coleman's lead of 215 votes", "Coleman's 215-vote edge"
        holder = next((c for c in measured.children if c.dep_ == "poss"), None)
        if holder is not None and holder.pos_ != "PRON":
            return _without_possessive(phrase_text(holder)), "possessor"
    if counted is not anchor:
        # "put the Russian force at 150,000": the estimate's subject is its source.
        return None, None
    if subject is None:
        return None, None
    if is_count and head.lemma_ not in HOLDING_LEMMAS:
        # "rescuers pulled 12 workers out": the subject of a count's verb owns it only when
        # it has, holds or deploys them
        return None, None
    if not is_count and (head.lemma_ in SOURCE_LEMMAS or head.lemma_ in REPORTING_LEMMAS):
        # a measure belongs to the subject that holds or reaches it ("the drill has bored
        # 40 metres", "Iran holds 3,800 kg"), not to the one estimating it
        return None, None
    if subject.i in {t.i for t in anchor.subtree}:
        return None, None
    if is_dateline_place(subject):
        # "ST. PAUL, Minn., Dec 30 - Franken leads": the parse takes the dateline's place for
        # the subject and the real one for its apposition
        real = max((c for c in subject.children if c.dep_ == "appos" and c.pos_ == "PROPN"
                    and not c.text.isupper()), key=lambda c: c.i, default=None)
        return (phrase_text(real), "subject") if real is not None else (None, None)
    if subject.pos_ == "PRON" and subject.lower_ in ("it", "they", "we", "he", "she"):
        return subject.text, "subject"
    return phrase_text(subject), "subject"


def _figure_phrase(anchor: Token) -> Token:
    """The token a figure's phrase hangs by: "votes" for "225" in "225 votes"."""
    current = anchor
    while current.dep_ in ("nummod", "quantmod") and current.head.i != current.i:
        current = current.head
    return current


def _ahead_by(anchor: Token) -> Token | None:
    """Who is "ahead by" a figure: the object the verb shows ahead ("showing Franken ahead of
    Coleman by 225 votes"), else its subject ("Franken was ahead by 225 votes")."""
    current = _figure_phrase(anchor)
    if current.dep_ != "pobj" or current.head.lower_ != "by":
        return None
    verb = current.head.head
    if not any(c.lower_ == "ahead" and c.dep_ in ("advmod", "acomp", "advcl") for c in verb.children):
        return None
    for role in (("dobj", "obj"), ("nsubj",)):
        found = next((c for c in verb.children if c.dep_ in role and c.pos_ in ("PROPN", "NOUN")), None)
        if found is not None:
            return found
    return None


def _measured_noun(anchor: Token) -> Token | None:
    """The noun a figure gives the size of: "a lead of 215 votes" (its "of" phrase), "a
    215-vote edge" (a modifier of it)."""
    current = _figure_phrase(anchor)
    if current.dep_ == "pobj" and current.head.lower_ == "of" and current.head.head.pos_ == "NOUN":
        return current.head.head
    if current.dep_ == "pobj" and current.head.lower_ in ("to", "at") and (
            current.head.head.pos_ in ("VERB", "AUX")):
        # "Coleman's lead has narrowed to 206 votes": the size of the verb's subject
        subject = next((c for c in current.head.head.children if c.dep_ == "nsubj"), None)
        return subject if subject is not None and subject.pos_ == "NOUN" else None
    if current.dep_ in ("compound", "amod", "nmod") and current.head.pos_ == "NOUN" and (
            current.head.i > current.i):
        return current.head
    return None


def _completed_subject(head: Token, subject: Token | None) -> Token | None:
    """The subject of the clause a subjectless complement completes: "the fire was [78 percent
    contained]", "the fire was 35 percent [contained at 96,314 acres]", and of a verb
    coordinated with one that has it ("the Woolsey Fire has burned 90,000 acres and [was 20
    percent contained]": conjoined predicates share their subject). A subject that is itself
    a figure ("35 percent") is no one's; the clause it sits in has the subject."""
    steps = 0
    while (subject is None or _is_figure(subject)) and steps < 3 and (
            head.dep_ in ("acomp", "xcomp", "acl", "attr", "oprd", "conj")):
        joined = head.dep_ == "conj"
        head = head.head
        if joined and head.lemma_ in REPORTING_LEMMAS:
            # "The fire burned 153,336 acres, Cal Fire said, and was 100 percent contained":
            # the parse joins the predicate to the attribution; it shares the subject of the
            # reported clause, not the source's
            head = next((c for c in head.children if c.dep_ == "ccomp"), head)
            if head.lemma_ in REPORTING_LEMMAS:
                return None
        subject = next((c for c in head.children if c.dep_ in ("nsubj", "nsubjpass")), None)
        steps += 1
    return None if subject is not None and _is_figure(subject) else subject


def _is_figure(token: Token) -> bool:
    return token.like_num or token.pos_ == "NUM" or any(
        c.dep_ == "nummod" for c in token.children)


def _counted_by_subject(anchor: Token, subject: Token | None, head: Token) -> str | None:
    """What a bare figure counts when its clause's subject names it: "the troops of Chile now
    total 3,000", "Russia's troop presence now exceeds 130,000"."""
    if subject is None or not (anchor.like_num or anchor.pos_ == "NUM"):
        return None
    if head.lemma_ not in ESTIMATING_LEMMAS or subject.pos_ not in ("NOUN", "PROPN"):
        return None
    if subject.lemma_.lower() in AMOUNT_NOUNS:
        compound = next((c for c in subject.children if c.dep_ == "compound"), None)
        if compound is not None:
            return counted_class(compound.text)
        of = next((c for c in subject.children if c.dep_ == "prep" and c.lower_ == "of"), None)
        counted = next((c for c in of.children if c.dep_ == "pobj"), None) if of else None
        return counted_class(counted.text) if counted is not None else None
    return counted_class(subject.text) if subject.tag_ in ("NNS", "NNPS") else None


def _without_possessive(text: str) -> str:
    """ "Norway's" -> "Norway"; "the allies'" -> "the allies"."""
    for ending in ("'s", "\u2019s", "'", "\u2019"):
        if text.endswith(ending):
            return text[: -len(ending)].rstrip()
    return text


def _counted_noun(anchor: Token, subject: Token | None, counted: str | None) -> Token:
    """The noun the figure counts when it is not beside it: the object an estimate verb sets
    a figure for ("puts Russian forces at 169,000"), or the subject a bare figure measures
    ("Norway's troops number about 4,000")."""
    bare = anchor.like_num or anchor.pos_ == "NUM"
    if (bare and subject is not None and counted is not None
            and (counted_class(subject.text) == counted or subject.lemma_.lower() in AMOUNT_NOUNS)
            and subject.i not in {t.i for t in anchor.subtree}):
        return subject
    prep = anchor.head
    if anchor.dep_ == "pobj" and prep.dep_ == "prep" and prep.lower_ in ("at", "to"):
        verb = prep.head
        obj = next((c for c in verb.children if c.dep_ in ("dobj", "obj", "nsubjpass")), None)
        if obj is not None and obj.i < anchor.i:
            return obj
    return anchor


def _place(anchor: Token, head: Token) -> str | None:
    """The first location phrase on the counted noun or its verb: "near Ukraine's border"."""
    for token in (anchor, head):
        for child in token.children:
            if child.dep_ == "prep" and child.lower_ in PLACE_PREPS:
                obj = next((c for c in child.children if c.dep_ == "pobj"), None)
                if obj is not None and obj.ent_type_ not in ("DATE", "TIME", "CARDINAL") and (
                        anchor.i not in {t.i for t in obj.subtree}) and not _is_figure(obj) and (
                        obj.ent_type_ not in ("MONEY", "PERCENT", "QUANTITY")):
                    return f"{child.text} {phrase_text(obj)}"
            if child.dep_ in ("amod", "acl") and child.lower_ in PLACE_PREPS:
                obj = next((c for c in child.children if c.dep_ in ("dobj", "obj")), None)
                if obj is not None:
                    return f"{child.text} {phrase_text(obj)}"
    return None


def _modality(claim: Any) -> str:
    if claim.negated:
        return "negated"
    if claim.modality:
        return MODALITY_OF.get(claim.modality, "projected")
    return "asserted"


def _tense(head: Token, tense: str | None) -> str | None:
    """The clause's tense, with the past perfect ("had massed") told apart: it is background."""
    auxes = [c for c in head.children if c.dep_ in ("aux", "auxpass")]
    if any(a.lower_ == "had" for a in auxes) and head.tag_ == "VBN":
        return "past_perfect"
    if head.lower_ == "had" and any(c.dep_ == "acomp" or c.tag_ == "VBN" for c in head.children):
        return "past_perfect"
    return tense
