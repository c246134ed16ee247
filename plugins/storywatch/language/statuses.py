"""Status statements: a subject, a state-bearing predicate, and how the text asserts it.

Rule-based on spaCy's dependency parse: every clause with a subject and a
predicate (a verb, or the complement of "be") becomes a statement, with its
negation, modality, tense, date and reporter kept, so that "could launch an
invasion", "no deals were signed" and "were paused on March 11" stay what they
are. Which predicates signal which state of a story is left to the thread
definitions: this module exposes the predicate lemma and the clause text.
"""
from __future__ import annotations

from dataclasses import dataclass

from spacy.tokens import Doc, Span, Token

from storywatch.language.clauses import (
    CLAUSE_DEPS,
    REPORTING_LEMMAS,
    ClauseInfo,
    analyse_clause,
    phrase_text,
    sentences_of,
)

# No news sentence is this long; past it the parse is of boilerplate or a run-on dump,
# and walking every clause's subtree would cost time quadratic in its length.
MAX_SENTENCE_TOKENS = 250
# A copula's complement carries the state: "is underway", "remained unclear", "is ready".
COMPLEMENT_DEPS = ("acomp", "attr", "oprd")
LINKING_LEMMAS = frozenset({"be", "remain", "become", "seem", "appear", "stay", "look", "prove",
                            "grow", "turn", "get", "sound", "feel", "keep"})
PARTICLES = frozenset({"back", "out", "off", "up", "down", "away", "over", "in", "on"})
# Verbs of speaking only frame a statement; they never state a development themselves.
# (Verbs such as "deny", "confirm" or "dispute" stay: disputing a claim is a state of the story.)
SPEECH_LEMMAS = frozenset({
    "say", "tell", "mention", "advise", "remind", "counsel", "add", "note", "post", "tweet",
    "write", "state", "explain", "stress", "emphasise", "emphasize", "reiterate", "comment",
    "remark", "reply", "respond", "ask", "quote", "speak",
})


@dataclass(frozen=True, slots=True)
class StatusClaim:
    """One clause stating that something is, was or will be in some state."""

    start_char: int
    end_char: int
    sentence_index: int
    subject: str | None
    predicate: str
    text: str
    negated: bool
    modality: str | None
    tense: str | None
    subject_head: str | None = None        # lemma of the subject's head noun: "talk", "russia"
    object: str | None = None              # "an invasion" in "could launch an invasion"
    chain: tuple[str, ...] = ()            # lemmas of the verb chain: ("begin", "return")
    predicate_text: str | None = None      # the predicate as written: "were paused", "began returning"
    voice: str = "active"
    time_text: str | None = None           # "March 11" in "were paused on March 11"
    time_prep: str | None = None           # "on"
    reported_by: str | None = None         # "Western officials" in "Western officials say …"
    reporting_verb: str | None = None      # "say"; "deny" turns the statement's negation around


def find_statuses(doc: Doc) -> list[StatusClaim]:
    """Every status statement in a parsed document, in text order."""
    claims: list[StatusClaim] = []
    seen: set[tuple[int, int]] = set()
    for index, sentence in enumerate(sentences_of(doc)):
        if len(sentence) > MAX_SENTENCE_TOKENS:
            continue
        for token in sentence:
            claim = _status_of(token, index, sentence) if is_clause_head(token) else None
            # Two clause heads can share one stretch of text (a misparse); offsets identify a claim.
            if claim is not None and (claim.start_char, claim.end_char) not in seen:
                seen.add((claim.start_char, claim.end_char))
                claims.append(claim)
    return claims


def is_clause_head(token: Token) -> bool:
    """True for the verb that carries a clause (not an auxiliary, infinitive complement or modifier)."""
    if token.pos_ not in ("VERB", "AUX"):
        return False
    if token.dep_ in ("aux", "auxpass", "xcomp", "amod", "compound", "pcomp", "csubj", "prep"):
        return False
    if token.dep_ in ("acl", "relcl") and any(c.dep_ == "aux" and c.lower_ == "to" for c in token.children):
        # "talks to revive the accord": a purpose, not something the talks do.
        return False
    return True


def _status_of(head: Token, index: int, sentence: Span) -> StatusClaim | None:
    """Build the statement for one clause head, or None when it has no subject or only frames a quote."""
    info = analyse_clause(head, sentence)
    if info.subject is None or _is_reporting_frame(head):
        return None
    last = info.chain[-1]
    complement = _complement(last)
    existential = any(c.dep_ == "expl" for c in head.children)
    if existential:
        # "there are no signs of withdrawal": the subject exists (or not); nothing else is predicated.
        complement = None
    elif complement is not None and complement.dep_ == "attr" and info.subject.lower_ == "it":
        # "it was time", "it is a necessity": a dummy subject with a noun says nothing about a story.
        return None
    predicate = "exist" if existential else _predicate_lemma(complement or last)
    obj = None if existential else _object_of(last)
    object_text = phrase_text(obj) if obj is not None else None
    if object_text is not None and " " in predicate and object_text.lower().startswith(predicate.split()[-1] + " "):
        # "pulling back troops": the particle belongs to the verb, not to the object.
        object_text = object_text.split(" ", 1)[1]
    start, end = _clause_bounds(head, info, sentence)
    doc = head.doc
    return StatusClaim(
        start_char=doc[start].idx,
        end_char=doc[end].idx + len(doc[end]),
        sentence_index=index,
        subject=phrase_text(info.subject),
        predicate=predicate,
        text=doc[start:end + 1].text,
        negated=info.negated,
        modality=info.modality,
        tense=info.tense,
        subject_head=info.subject.lemma_.lower(),
        object=object_text,
        chain=tuple(t.lemma_.lower() for t in info.chain) + ((complement.lemma_.lower(),) if complement else ()),
        predicate_text=_predicate_text(info, complement),
        voice="passive" if _is_passive(info) else "active",
        time_text=info.time_text,
        time_prep=info.time_prep,
        reported_by=info.reported_by,
        reporting_verb=info.reporting_verb,
    )


def _is_reporting_frame(head: Token) -> bool:
    """ "officials say [that …]": the frame is attribution, the complement is the statement."""
    if head.lemma_ in SPEECH_LEMMAS:
        return True
    if head.lemma_ not in REPORTING_LEMMAS:
        return False
    return any(c.dep_ in ("ccomp", "parataxis") for c in head.children) or head.dep_ == "parataxis"


def _complement(token: Token) -> Token | None:
    """The state word of a linking verb: "underway" in "an invasion is underway", "unclear" in "remained unclear"."""
    if token.lemma_ not in LINKING_LEMMAS:
        return None
    return next((c for c in token.children if c.dep_ in COMPLEMENT_DEPS), None)


def _predicate_lemma(token: Token) -> str:
    """The predicate's lemma with its particle: "pull back", "call off", "underway"."""
    particle = next((c for c in token.children if c.dep_ == "prt"), None)
    if particle is None and token.i + 1 < len(token.doc):
        # The parser often hangs "back" in "pulling back troops" on the object instead.
        following = token.doc[token.i + 1]
        if following.lower_ in PARTICLES and following.dep_ in ("advmod", "amod", "compound", "prt"):
            particle = following
    lemma = token.lemma_.lower()
    return f"{lemma} {particle.lower_}" if particle is not None else lemma


def _object_of(token: Token) -> Token | None:
    """The direct object, or the object of the first preposition: "launch [an invasion]", "returned to [the talks]"."""
    direct = next((c for c in token.children if c.dep_ in ("dobj", "obj", "attr")), None)
    if direct is not None:
        return direct
    for child in token.children:
        if child.dep_ == "prep" and child.i > token.i:
            pobj = next((c for c in child.children if c.dep_ == "pobj"), None)
            if pobj is not None and pobj.ent_type_ not in ("DATE", "TIME"):
                return pobj
    return None


def _is_passive(info: ClauseInfo) -> bool:
    return any(c.dep_ == "auxpass" for t in info.chain for c in t.children) or (
        info.subject is not None and info.subject.dep_ == "nsubjpass"
    )


def _predicate_text(info: ClauseInfo, complement: Token | None) -> str:
    """The predicate words as written, auxiliaries and negation included: "had not been signed"."""
    words: list[Token] = []
    for token in info.chain:
        words.extend(c for c in token.children if c.dep_ in ("aux", "auxpass", "neg", "prt"))
        words.append(token)
    if complement is not None:
        words.append(complement)
    words.sort(key=lambda t: t.i)
    return " ".join(t.text for t in words)


def _clause_bounds(head: Token, info: ClauseInfo, sentence: Span) -> tuple[int, int]:
    """First and last token of the clause: its own words and its subject, not nested clauses."""
    own = _own_tokens(head)
    if info.subject is not None:
        own.update(t.i for t in info.subject.subtree)
    indices = [i for i in own if not head.doc[i].is_punct and not head.doc[i].is_space]
    if not indices:
        return head.i, head.i
    return max(min(indices), sentence.start), min(max(indices), sentence.end - 1)


def _own_tokens(head: Token) -> set[int]:
    """Tokens under `head` reached without entering another clause (conjoined verbs, complements, ...)."""
    own = {head.i}
    stack = [head]
    while stack:
        current = stack.pop()
        for child in current.children:
            if child.dep_ in CLAUSE_DEPS and child.pos_ in ("VERB", "AUX"):
                continue
            if current is head and (child.dep_ == "cc" or (child.dep_ == "mark" and child.lower_ == "that")):
                # A linking "and" or complementiser "that" belongs to the sentence, not the statement.
                continue
            own.add(child.i)
            stack.append(child)
    return own
