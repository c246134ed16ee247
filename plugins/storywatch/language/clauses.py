"""Clause analysis on spaCy's dependency parse: subject, negation, modality, tense, time, reporter.

Shared by the quantity and status extractors so both describe a clause the
same way. Everything here is generic English grammar; which predicates mean
which state of a story is the thread definitions' business, not this module's.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from spacy.tokens import Doc, Span, Token

# Dependency labels that start a clause of their own: its words belong to it, not to its head.
CLAUSE_DEPS = frozenset({"ccomp", "advcl", "relcl", "acl", "parataxis", "csubj", "csubjpass", "conj"})
SUBJECT_DEPS = ("nsubj", "nsubjpass", "csubj", "csubjpass", "expl")
# Reporting verbs frame someone else's statement; the statement is the claim, the frame its source.
REPORTING_LEMMAS = frozenset({
    "say", "tell", "mention", "advise", "remind", "counsel", "note", "add", "state", "claim",
    "report", "announce", "warn", "insist", "suggest", "acknowledge", "confirm", "deny", "argue",
    "estimate", "believe", "think", "write", "post", "tweet", "explain", "stress", "emphasise",
    "emphasize", "indicate", "reiterate", "declare", "allege", "assert", "maintain", "predict",
    "caution", "concede", "admit", "recall", "observe", "signal", "contend", "assess", "conclude",
    "fear", "worry", "hope", "expect", "consider", "testify", "brief", "show",
})
# Reporting verbs that deny their complement, and those that make it a forecast or a wish.
DENYING_LEMMAS = frozenset({"deny", "dismiss", "reject", "refute", "dispute"})
REPORT_MODALITY = {"expect": "expected", "predict": "expected", "anticipate": "expected",
                   "forecast": "expected", "hope": "intended", "fear": "possible"}
# Verbs and adjectives that take an infinitive and colour it: "is expected to sign", "threatened to invade".
CHAIN_MODALITY = {
    "expect": "expected", "likely": "expected", "set": "expected", "due": "expected",
    "poise": "expected", "poised": "expected", "schedule": "expected", "slate": "expected",
    "about": "expected", "bound": "expected", "unlikely": "expected",
    "plan": "planned", "intend": "planned", "aim": "planned", "prepare": "planned",
    "threaten": "threat",
    "want": "intended", "wish": "intended", "hope": "intended", "seek": "intended",
    "try": "intended", "attempt": "intended", "strive": "intended", "vow": "intended",
    "pledge": "intended", "promise": "intended", "offer": "intended", "propose": "intended",
    "need": "required", "have": "required", "require": "required", "must": "required",
    "able": "possible", "may": "possible", "can": "possible",
    "ready": "intended", "willing": "intended", "eager": "intended", "keen": "intended",
    "determined": "intended", "prone": "expected", "certain": "expected", "sure": "expected",
}
# Adjectives whose infinitive says what the subject does: "Russia is likely to invade".
# ("It is important to hear" is not about "it".)
RAISING_ADJECTIVES = frozenset({
    "likely", "unlikely", "set", "due", "about", "able", "unable", "ready", "willing", "prone",
    "bound", "certain", "sure", "eager", "keen", "determined", "reluctant", "poised", "prepared",
    "expected", "scheduled", "slated", "going", "intent",
})
# Chain words that deny their infinitive: "failed to reach a deal", "refused to withdraw".
NEGATING_CHAIN = frozenset({"fail", "refuse", "decline", "unable", "unlikely", "cease", "stop"})
MODAL_MODALITY = {
    "could": "possible", "might": "possible", "may": "possible", "can": "possible",
    "will": "future", "shall": "future", "'ll": "future", "wo": "future",
    "should": "expected", "must": "required", "would": "hypothetical", "'d": "hypothetical",
}
CONDITIONAL_MARKS = frozenset({"if", "unless", "once", "whether", "provided", "lest"})
# Temporal conjunctions that make a present-tense clause a future event: "before Iran has breached".
TEMPORAL_MARKS = frozenset({"when", "whenever", "until", "till", "before", "after", "as soon as"})
PRESENT_TAGS = frozenset({"VBZ", "VBP", "VB"})
TIME_UNIT_LEMMAS = frozenset({"second", "minute", "hour", "day", "week", "month", "year", "decade",
                              "century", "fortnight"})
# A date after these prepositions is a length of time, not a point in time.
DURATION_PREPS = frozenset({"for", "during", "over", "within", "throughout"})


@dataclass(frozen=True, slots=True)
class ClauseInfo:
    """How a clause is asserted: who does it, whether it is denied, how sure, when, and who says so."""

    head: Token
    chain: tuple[Token, ...]
    subject: Token | None
    negated: bool
    modality: str | None
    tense: str | None
    time_text: str | None
    time_prep: str | None
    reported_by: str | None
    reporting_verb: str | None = None


def sentences_of(doc: Doc) -> list[Span]:
    """The document's sentences; the whole text as one when no component set boundaries."""
    try:
        return list(doc.sents)
    except ValueError:
        return [doc[:]] if len(doc) else []


def analyse_clause(head: Token, sentence: Span | None = None) -> ClauseInfo:
    """Describe the clause whose finite (or highest) predicate is `head` (in `sentence`, if known)."""
    # Token.sent walks the document to find the sentence: callers that know it pass it.
    sentence = sentence if sentence is not None else head.sent
    chain = predicate_chain(head)
    subject = clause_subject(head)
    time_token, time_prep = clause_time(chain)
    reporter = _reporting_head(head)
    negated = is_negated(chain, subject)
    modality = clause_modality(chain, sentence)
    if reporter is not None:
        # "Russia denied it was planning to invade": the reporter asserts the opposite.
        negated = negated != (reporter.lemma_ in DENYING_LEMMAS)
        modality = modality or REPORT_MODALITY.get(reporter.lemma_)
    return ClauseInfo(
        head=head,
        chain=chain,
        subject=subject,
        negated=negated,
        modality=modality,
        tense=clause_tense(chain),
        time_text=time_token,
        time_prep=time_prep,
        reported_by=reporter_of(head, sentence),
        reporting_verb=reporter.lemma_.lower() if reporter is not None else None,
    )


def predicate_chain(head: Token) -> tuple[Token, ...]:
    """The head predicate and its infinitive complements: "began returning", "is expected to be signed"."""
    chain = [head]
    current = head
    while len(chain) < 6:
        nxt = next((c for c in current.children if c.dep_ == "xcomp" and c.pos_ in ("VERB", "AUX", "ADJ")), None)
        if nxt is None:
            # "is likely to invade": the infinitive hangs off the adjective, not the copula.
            nxt = _adjective_infinitive(current)
        if nxt is None:
            break
        chain.append(nxt)
        current = nxt
    return tuple(chain)


def _adjective_infinitive(token: Token) -> Token | None:
    """The adjective of a copula that raises its infinitive ("likely to", "prone to"), not "important to"."""
    for child in token.children:
        if child.dep_ == "acomp" and child.lower_ in RAISING_ADJECTIVES:
            if any(g.dep_ == "xcomp" for g in child.children):
                return child
    return None


def governing_predicate(token: Token) -> Token:
    """The nearest verb (or sentence root) above `token`: the clause a noun phrase belongs to."""
    current = token
    for _ in range(64):
        if current.pos_ in ("VERB", "AUX") and current.dep_ != "aux" and current.dep_ != "auxpass":
            return _chain_top(current)
        if current.head is current:
            return current
        current = current.head
    return current


def _chain_top(token: Token) -> Token:
    """Climb from an infinitive complement to the verb that carries tense ("returning" → "began")."""
    current = token
    for _ in range(8):
        if current.dep_ == "xcomp" and current.head is not current:
            current = current.head
            if current.dep_ == "acomp" and current.head is not current:
                current = current.head
        else:
            break
    return current


def clause_subject(head: Token) -> Token | None:
    """The subject of a clause, inherited across conjoined verbs and relative clauses."""
    current = head
    for _ in range(8):
        for child in _subjects_nearest_first(current):
            if child.dep_ in SUBJECT_DEPS:
                if child.dep_ == "expl":
                    # "there are more supporters": the real subject is the attribute.
                    attr = next((c for c in current.children if c.dep_ == "attr"), None)
                    return attr or child
                if child.tag_ in ("WDT", "WP") or child.lower_ in ("that", "which", "who"):
                    return _appositive_anchor(current.head) if current.dep_ == "relcl" else child
                return child
        if current.dep_ in ("conj", "xcomp") and current.head is not current:
            current = current.head
        elif current.dep_ in ("relcl", "acl") and current.head.pos_ in ("NOUN", "PROPN", "PRON"):
            return _appositive_anchor(current.head)
        else:
            return None
    return None


def _subjects_nearest_first(verb: Token) -> list[Token]:
    """Subject candidates, the one closest before the verb first ("WASHINGTON (AP) — The estimate … has risen")."""
    found = [c for c in verb.children if c.dep_ in SUBJECT_DEPS]
    return sorted(found, key=lambda c: (c.i > verb.i, abs(verb.i - c.i)))


def _appositive_anchor(noun: Token) -> Token:
    """ "Raisi, an ultraconservative cleric who turned president": the relative clause is about Raisi."""
    return noun.head if noun.dep_ == "appos" and noun.head.pos_ in ("PROPN", "NOUN") else noun


def phrase_text(token: Token) -> str:
    """A compact noun phrase: the head with its determiners, modifiers and compounds, no clauses."""
    keep = {token.i}
    stack = [token]
    while stack:
        current = stack.pop()
        for child in current.children:
            if child.dep_ in ("det", "amod", "compound", "poss", "nmod", "nummod", "quantmod",
                              "case", "flat", "neg", "predet") or (
                child.dep_ == "punct" and child.text in "-'’"
            ):
                keep.add(child.i)
                stack.append(child)
    doc = token.doc
    start, end = min(keep), max(keep)
    # A gap (a dropped appositive, say) splits the phrase: keep the part around the head.
    while start < token.i and any(i not in keep for i in range(start, token.i)):
        start += 1
    while end > token.i and any(i not in keep for i in range(token.i + 1, end + 1)):
        end -= 1
    return doc[start:end + 1].text


def is_negated(chain: tuple[Token, ...], subject: Token | None) -> bool:
    """True for "did not withdraw", "no deals were signed", "never", "failed to reach"."""
    for token in chain:
        if any(c.dep_ == "neg" or c.lower_ in ("never", "neither") for c in token.children):
            return True
        if any(c.dep_ in ("dobj", "obj") and _has_no_determiner(c) for c in token.children):
            # "NATO had seen no sign of a pullback": denied through its object.
            return True
        if token is not chain[-1] and (token.lemma_ in NEGATING_CHAIN or token.lower_ in NEGATING_CHAIN):
            return True
    if subject is not None:
        if subject.lower_ in ("nobody", "none", "nothing", "neither"):
            return True
        if any(c.dep_ in ("det", "preconj") and c.lower_ in ("no", "neither") for c in subject.children):
            return True
    return False


def _is_headline_infinitive(head: Token) -> bool:
    """Headline "Russia to pull back troops": a subject and a bare infinitive announce a plan."""
    return head.dep_ == "ROOT" and head.tag_ == "VB" and any(
        c.dep_ == "aux" and c.lower_ == "to" for c in head.children
    ) and any(c.dep_ in ("nsubj", "nsubjpass") for c in head.children)


def _has_no_determiner(noun: Token) -> bool:
    return any(c.dep_ == "det" and c.lower_ == "no" for c in noun.children)


def clause_modality(chain: tuple[Token, ...], sentence: Span | None = None) -> str | None:
    """'question', 'hypothetical', 'threat', 'planned', 'expected', 'intended', 'possible', 'future', … or None."""
    head = chain[0]
    if _is_question(sentence if sentence is not None else head.sent):
        return "question"
    if _is_conditional(head):
        return "hypothetical"
    if head.lemma_ in ("need", "require") and any(c.dep_ == "auxpass" for c in head.children):
        # "levels of 90 percent are needed for a weapon": a requirement, not a measurement.
        return "required"
    for token in chain[:-1]:
        key = token.lemma_ if token.lemma_ in CHAIN_MODALITY else token.lower_
        if key in CHAIN_MODALITY:
            return CHAIN_MODALITY[key]
    if _is_headline_infinitive(head):
        return "future"
    for token in chain:
        for child in token.children:
            if child.dep_ == "aux" and child.tag_ == "MD":
                return _modal_meaning(child, head)
            if child.dep_ == "aux" and child.lower_ == "going" and token.tag_ == "VB":
                return "future"
    return None


def _is_question(sentence: Span) -> bool:
    """True when the sentence ends with a question mark (a headline's "Will Russia invade?")."""
    last = next((t for t in reversed(sentence) if not t.is_space), None)
    return last is not None and last.text == "?"


def _modal_meaning(modal: Token, head: Token) -> str:
    """What a modal verb says here; "would" under a past report is the future seen from then."""
    meaning = MODAL_MODALITY.get(modal.lower_, "possible")
    if meaning == "hypothetical":
        reporter = _reporting_head(head)
        if reporter is not None and reporter.tag_ in ("VBD", "VBN"):
            return "future"
    return meaning


def _is_conditional(head: Token) -> bool:
    """A clause under "if/unless/once", or under "when/before/until" with a present verb, at any depth."""
    current = head
    for _ in range(12):
        marks = [c for c in current.children if c.dep_ in ("mark", "advmod") and c.i < current.i]
        for mark in marks:
            word = mark.lower_
            if word in CONDITIONAL_MARKS:
                return True
            if word in TEMPORAL_MARKS and _has_present_tense(current):
                return True
        if current.dep_ not in ("advcl", "conj", "ccomp", "xcomp", "relcl") or current.head is current:
            return False
        current = current.head
    return False


def _has_present_tense(token: Token) -> bool:
    """True when the clause's finite form is present ("is reached", "has breached")."""
    finite = [c for c in token.children if c.dep_ in ("aux", "auxpass")] + [token]
    return any(t.tag_ in PRESENT_TAGS for t in finite) and not any(t.tag_ == "VBD" for t in finite)


def clause_tense(chain: tuple[Token, ...]) -> str | None:
    """'past', 'present' or 'future' from the finite verb and its auxiliaries."""
    head = chain[0]
    if _is_headline_infinitive(head):
        return "future"
    auxes = [c for c in head.children if c.dep_ in ("aux", "auxpass")]
    words = auxes + [head]
    if any(t.lower_ in ("will", "shall", "'ll", "wo") for t in auxes):
        return "future"
    if any(t.lower_ == "going" for t in auxes) and any(c.dep_ == "xcomp" for c in head.children):
        return "future"
    if any(t.tag_ == "VBD" for t in words):
        return "past"
    if any(t.tag_ in ("VBZ", "VBP", "MD") for t in words):
        return "present"
    if head.tag_ == "VBN" and head.dep_ == "ROOT":
        # Headline passive without an auxiliary: "Talks paused as ..." reports a past event.
        return "past"
    return None


def clause_time(chain: tuple[Token, ...]) -> tuple[str | None, str | None]:
    """The explicit date or time attached to the clause ("on March 11", "last November"), with its preposition."""
    for token in chain:
        for child in token.children:
            found = _time_of(child)
            if found is not None:
                return found
    return None, None


def _time_of(child: Token) -> tuple[str, str | None] | None:
    """A date entity that `child` attaches to its verb, directly or through a preposition."""
    if child.dep_ == "prep":
        prep = child.lower_
        if prep in DURATION_PREPS:
            return None
        obj = next((c for c in child.children if c.dep_ == "pobj"), None)
        if obj is not None and obj.ent_type_ in ("DATE", "TIME") and not _is_span_of_time(obj):
            return _entity_text(obj), prep
        return None
    if child.dep_ in ("npadvmod", "tmod", "obl", "advmod", "nmod") and child.ent_type_ in ("DATE", "TIME"):
        return None if _is_span_of_time(child) else (_entity_text(child), None)
    return None


def _is_span_of_time(token: Token) -> bool:
    """ "28 minutes", "two weeks", "a year": a length of time, not a point in time."""
    if token.lemma_.lower() not in TIME_UNIT_LEMMAS:
        return False
    return any(c.dep_ in ("nummod", "quantmod") or (c.dep_ == "det" and c.lower_ in ("a", "an"))
               for c in token.children)


def _entity_text(token: Token) -> str:
    """The whole named entity a token belongs to (walking its IOB tags, not the document's entity list)."""
    doc = token.doc
    start = token.i
    while start > 0 and doc[start].ent_iob_ == "I":
        start -= 1
    end = token.i + 1
    while end < len(doc) and doc[end].ent_iob_ == "I":
        end += 1
    return doc[start:end].text


def _reporting_head(head: Token) -> Token | None:
    """The reporting verb whose complement this clause is ("officials say [Putin could invade]")."""
    current = head
    for _ in range(6):
        if current.dep_ in ("ccomp", "parataxis") and current.head is not current:
            parent = current.head
            if parent.lemma_ in REPORTING_LEMMAS:
                return parent
            current = parent
        elif current.dep_ == "conj" and current.head is not current:
            current = current.head
        else:
            return _reporting_parent_of_root(current)
    return None


def _reporting_parent_of_root(token: Token) -> Token | None:
    """A reporting verb attached as a parenthetical ("…, officials said.") to the clause itself."""
    for child in token.children:
        if child.dep_ in ("parataxis", "ccomp") and child.lemma_ in REPORTING_LEMMAS and child.i > token.i:
            return child
    return None


def reporter_of(head: Token, sentence: Span | None = None) -> str | None:
    """Who the text says asserts the clause: a reporting verb's subject or an "according to" source."""
    reporter = _reporting_head(head)
    if reporter is not None:
        subject = _own_subject(reporter)
        if subject is not None:
            return phrase_text(subject)
    return according_to(sentence if sentence is not None else head.sent)


def _own_subject(verb: Token) -> Token | None:
    """A verb's subject, inherited only from a conjoined verb or through a participle
    ("Ukraine disputed the claim, saying …"): a speaker, never a modified noun."""
    current = verb
    for _ in range(4):
        subject = next((c for c in current.children if c.dep_ in ("nsubj", "nsubjpass")), None)
        if subject is not None or current.head is current:
            return subject
        if current.dep_ == "conj" or (current.dep_ == "advcl" and current.tag_ == "VBG"):
            current = current.head
        else:
            return None
    return None


def according_to(sentence: Span) -> str | None:
    """The source named by "according to X" in the sentence, if any."""
    return _according_to_cached(sentence)


@lru_cache(maxsize=8)
def _according_to_cached(sentence: Span) -> str | None:
    # Cached because every clause of a sentence asks: without it a long sentence costs n².
    for token in sentence:
        if token.lower_ == "according" and token.i + 1 < len(token.doc) and token.nbor().lower_ == "to":
            obj = next((c for c in token.nbor().children if c.dep_ == "pobj"), None)
            if obj is None:
                obj = next((c for c in token.children if c.dep_ == "pobj"), None)
            if obj is not None:
                return phrase_text(obj)
    return None


# What follows a dateline's place: "BERLIN, Oct 9 (Wire) -", "WASHINGTON (AP) -".
_AFTER_DATELINE_PLACE = (",", "(", "-", "\u2013", "\u2014", "/")


def is_dateline_place(token: Token) -> bool:
    """A token of the upper-case place that opens a paragraph before a comma, a bracket or a
    dash: a dateline's place ("ST. PAUL, Minn., Dec 30 (Wire) -"), which the model may type as
    an organisation and the parse may take for the first sentence's subject."""
    if not (token.text.isupper() and len(token.text) > 1):
        return False
    doc = token.doc
    start = token.i
    while start > 0 and "\n" not in doc[start - 1].text_with_ws and (
            doc[start - 1].text.isupper() or doc[start - 1].text in (".", "'", "-")):
        start -= 1
    if start > 0 and "\n" not in doc[start - 1].text_with_ws:
        return False
    end = token.i
    while end + 1 < len(doc) and doc[end + 1].text.isupper() and doc[end + 1].is_alpha:
        end += 1
    return end + 1 < len(doc) and doc[end + 1].text in _AFTER_DATELINE_PLACE

