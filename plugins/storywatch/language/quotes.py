"""Direct quotes and reported speech, each with its speaker and reporting verb.

Quotation marks are paired by a linear scan per paragraph (an unclosed mark
runs to the paragraph's end, never further), so hostile text costs no more
than ordinary text. A quote's speaker comes from, in order: a reporting verb
right after it (`,” Putin said.` / `,” said Ali Vaez.`), a reporting verb
before it in its sentence (`Raisi told Putin that it was “time …”`), or the
previous quote of the same paragraph (a quote split across sentences).
Speakers are entities of the article, role phrases resolved to the person the
article names ("Iran's foreign minister"), pronouns resolved to the nearest
preceding person, or described sources ("a U.S. official").

The reporting-verb lexicon includes what synonym spinners substitute for
"said", "told" and "noted" ("mentioned", "advised", "reminded", "counselled",
"famous"): spun copy keeps its quotations intact but not its verbs.
"""
from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from spacy.tokens import Doc, Span, Token

from storywatch.language.entities import DocEntities, Mention, role_of_phrase
from storywatch.language.furniture import Furniture, inside_furniture
from storywatch.language.nlp import doc_text

# Lemmas (and spun surface forms) that introduce speech next to a quotation.
REPORTING_VERBS = frozenset("""
say tell add note state declare ask write post tweet announce insist warn argue explain claim
stress emphasize emphasise acknowledge admit mention advise remind counsel counselled counseled
remark observe suggest reply respond continue recall concede predict promise vow pledge urge
caution allege assert maintain contend confirm deny report comment complain inform instruct
famous well-known notable voice told said mentioned advised reminded acknowledged emphasised
rule
""".split())
# Verbs that introduce a quotation beside it but report no speech on their own
# ("X revealed a plan", "X shared a photo"): used for quote cues only.
QUOTE_ONLY_VERBS = frozenset("""
reveal share point laugh joke quip recount describe tell sigh shout exclaim
accuse call label brand dub term condemn criticise criticize praise blame
""".split())
# Words after which a name is where something was said, not who said it:
# "told state television", "in an interview with X", "on Telegram".
MEDIUM_PREPOSITIONS = frozenset("to with on in via through by".split())
# How a speaker was linked, from how its mention was found.
LINK_OF_MENTION = {"ner": "name", "surname": "name", "repeat": "name", "metonym": "name",
                   "nominal": "role", "role": "role", "roles_file": "roles_file", "pronoun": "pronoun",
                   "description": "description", "quote_speaker": "name"}
# Verbs that report a view rather than speech: reported speech only, never beside a quote.
BELIEF_VERBS = frozenset("believe consider think expect estimate assess fear suspect "
                         "contemplate imagine".split())
# Phrases that cite a source for a whole sentence ("according to U.S. officials").
CITING_PHRASES = (("according", "to"), ("in", "accordance", "with"), ("citing",),
                  ("quoting",), ("as", "reported", "by"))

OPEN_MARKS = {"“": "”", "«": "»", "„": "”", '"': '"'}
PERSONAL_PRONOUNS = frozenset("he she him her".split())
SUBJECTS = ("nsubj", "nsubjpass")
# Nouns for a piece of speech or writing: "Cornyn's statement said", "a letter from the
# ministry read" have the author as their speaker.
UTTERANCE_NOUNS = frozenset("""
statement letter post tweet email e-mail release remarks remark speech comments comment message
note memo blog testimony announcement
""".split())
# Common nouns that only ever stand for an organisation the text has named ("the company").
ORGANISATION_NOUNS = frozenset("""
company firm carrier airline maker manufacturer retailer insurer lender bank club operator
""".split())
# Verbs whose subject puts out the statement, letter or post that is their object.
ISSUING_LEMMAS = frozenset("issue release publish post send put write sign deliver".split())
MAX_QUOTE_CHARS = 3_000
# Tokens after a closing mark searched for `X, deputy director of Y, said`.
POST_CUE_WINDOW = 30


@dataclass(frozen=True, slots=True)
class QuoteSpan:
    """Characters inside one pair of quotation marks (end exclusive)."""

    start: int
    end: int
    paragraph: int
    closed: bool


@dataclass(frozen=True, slots=True)
class Speaker:
    """Who speaks: an entity of the article (`name`) or a described source (`described`)."""

    name: str | None
    described: str | None
    # name | role | roles_file | pronoun | description | described | announcement |
    # continuation | carryover
    how: str
    institution: str | None = None

    @property
    def label(self) -> str:
        """The speaker as a person would write it."""
        return self.name or self.described or ""


@dataclass(frozen=True, slots=True)
class SpeechClaim:
    """A direct quote or a reported-speech clause with its speaker."""

    kind: str  # quote | reported_speech
    start_char: int
    end_char: int
    text: str
    speaker: Speaker | None
    reporting_verb: str | None
    sentence_index: int
    cited_source: str | None = None


def find_quote_spans(text: str) -> list[QuoteSpan]:
    """Every quotation in `text`, paired within its paragraph; unclosed ones end with it."""
    spans: list[QuoteSpan] = []
    paragraph_start = 0
    for number, paragraph in enumerate(text.split("\n")):
        spans.extend(_paragraph_quotes(paragraph, paragraph_start, number))
        paragraph_start += len(paragraph) + 1
    return spans


def _paragraph_quotes(paragraph: str, offset: int, number: int) -> Iterator[QuoteSpan]:
    i = 0
    n = len(paragraph)
    while i < n:
        mark = paragraph[i]
        closer = OPEN_MARKS.get(mark)
        if closer is None:
            i += 1
            continue
        end = paragraph.find(closer, i + 1)
        closed = end != -1
        if not closed:
            end = n
        if end - i - 1 > 0 and end - i - 1 <= MAX_QUOTE_CHARS:
            yield QuoteSpan(offset + i + 1, offset + end, number, closed)
        i = end + 1


def _lexical(token: Token) -> str:
    return token.lower_ if token.lower_ in REPORTING_VERBS else token.lemma_.lower()


def is_reporting_verb(token: Token, beside_quote: bool = False) -> bool:
    """A word that reports speech next to a quotation (spun substitutes included)."""
    if token.is_punct or token.like_num:
        return False
    if token.pos_ == "NOUN" and token.dep_ in ("nsubj", "nsubjpass", "dobj", "pobj", "compound"):
        return False  # "the report said": the noun, not the verb
    if beside_quote and token.pos_ == "VERB" and token.lemma_.lower() in QUOTE_ONLY_VERBS:
        return True
    return token.lower_ in REPORTING_VERBS or (
        token.pos_ in ("VERB", "AUX") and token.lemma_.lower() in REPORTING_VERBS)


def find_speech(doc: Doc, ents: DocEntities,
                furniture: Sequence[Furniture] = ()) -> list[SpeechClaim]:
    """Direct quotes (with speakers) and reported speech of one parsed article.

    A quote without a cue of its own takes the speaker of the conversation:
    the previous quote of its paragraph, the quotation it continues (an
    unclosed quotation runs on into the next paragraph), or, for a paragraph
    that is nothing but a quotation, the previous quote's speaker when that
    quote is in one of the two paragraphs before, else the person the
    previous paragraph is about (its last person in subject position).
    """
    text = doc_text(doc)
    spans = [s for s in find_quote_spans(text)
             if not inside_furniture([f for f in furniture if f.kind == "line"], s.start, s.end)]
    inside = _quote_token_mask(doc, spans)
    paragraphs = _paragraph_bounds(text)
    claims: list[SpeechClaim] = []
    previous: tuple[QuoteSpan, Speaker | None] | None = None
    for span in spans:
        speaker, verb = _attribute_quote(doc, ents, span, inside)
        if speaker is None:
            speaker = _announced_speaker(doc, ents, span, previous, inside)
        if speaker is None:
            speaker = _conversation_speaker(doc, ents, span, previous, paragraphs, spans,
                                            inside, furniture)
        claims.append(SpeechClaim("quote", span.start, span.end, text[span.start:span.end].strip(),
                                  speaker, verb.text if verb is not None else None,
                                  ents.sentence_of(span.start),
                                  _cited_source(doc, ents, span.start)))
        previous = (span, speaker)
    claims.extend(_reported_speech(doc, ents, inside))
    return claims


def _paragraph_bounds(text: str) -> list[tuple[int, int]]:
    bounds = []
    offset = 0
    for paragraph in text.split("\n"):
        bounds.append((offset, offset + len(paragraph)))
        offset += len(paragraph) + 1
    return bounds


def _conversation_speaker(
    doc: Doc, ents: DocEntities, span: QuoteSpan,
    previous: tuple[QuoteSpan, Speaker | None] | None, paragraphs: Sequence[tuple[int, int]],
    spans: Sequence[QuoteSpan], inside: list[bool], furniture: Sequence[Furniture],
) -> Speaker | None:
    """The speaker a cue-less quote carries over from the conversation around it."""
    if previous is not None and previous[1] is not None:
        before, speaker = previous
        if before.paragraph == span.paragraph or (
                not before.closed and before.paragraph + 1 == span.paragraph):
            return Speaker(speaker.name, speaker.described, "continuation", speaker.institution)
    if not _only_quotes(doc_text(doc), paragraphs[span.paragraph], spans):
        return None
    story = [n for n in range(span.paragraph - 1, -1, -1)
             if not _is_furniture_paragraph(paragraphs[n], furniture)
             and doc_text(doc)[paragraphs[n][0]:paragraphs[n][1]].strip()]
    if previous is not None and previous[1] is not None and story and (
            previous[0].paragraph in story[:2]):
        speaker = previous[1]
        return Speaker(speaker.name, speaker.described, "carryover", speaker.institution)
    if story:
        person = _paragraph_topic(doc, ents, paragraphs[story[0]], inside)
        if person is not None:
            return Speaker(person, None, "carryover")
    return None


def _announced_speaker(
    doc: Doc, ents: DocEntities, span: QuoteSpan,
    previous: tuple[QuoteSpan, Speaker | None] | None, inside: list[bool],
) -> Speaker | None:
    """The author announced by the sentence just before a cue-less quote.

    "Senator X issued a statement on the ruling. "..."" and "X wrote to the
    council. "..."": the quote is what that sentence's subject put out, even
    when an earlier quote of the paragraph had another speaker. Only when no
    quote lies between the announcing sentence and this one.
    """
    text = doc_text(doc)
    k = span.start - 1
    while k > 0 and (text[k - 1].isspace() or text[k - 1] in "\"“‘'«"):
        k -= 1
    before = _token_at(doc, k - 1) if k > 0 else None
    if before is None or inside[before.i]:
        return None
    sentence = before.sent
    if previous is not None and previous[0].end > doc[sentence.start].idx:
        return None
    for verb in sentence:
        if inside[verb.i] or verb.pos_ not in ("VERB", "AUX"):
            continue
        announces = is_reporting_verb(verb) or any(
            c.dep_ == "dobj" and c.lemma_.lower() in UTTERANCE_NOUNS for c in verb.children)
        subject = _subject_of(verb) if announces else None
        if subject is None or inside[subject.i]:
            continue
        speaker = speaker_of_token(doc, ents, subject)
        if speaker is not None and speaker.name is not None:
            return Speaker(speaker.name, None, "announcement", speaker.institution)
    return None


def _only_quotes(text: str, bounds: tuple[int, int], spans: Sequence[QuoteSpan]) -> bool:
    """The paragraph holds nothing but quotations (no cue, no verb of its own)."""
    start, end = bounds
    chars = list(text[start:end])
    for span in spans:
        for i in range(max(span.start, start), min(span.end, end)):
            chars[i - start] = " "
    return not any(c.isalpha() for c in chars)


def _is_furniture_paragraph(bounds: tuple[int, int], furniture: Sequence[Furniture]) -> bool:
    return any(f.kind == "line" and f.start <= bounds[0] and bounds[1] <= f.end for f in furniture)


def _paragraph_topic(doc: Doc, ents: DocEntities, bounds: tuple[int, int],
                     inside: list[bool]) -> str | None:
    """The last person of a paragraph in subject position (else its last person)."""
    span = doc.char_span(bounds[0], bounds[1], alignment_mode="expand")
    if span is None:
        return None
    persons = [(t, m) for t in span if not inside[t.i]
               for m in [ents.mention_at(t)] if m is not None and m.type == "PERSON"]
    for token, mention in reversed(persons):
        t = token.head if token.dep_ in ("compound", "appos") else token
        if t.dep_ in SUBJECTS:
            return mention.name
    return persons[-1][1].name if persons else None


def _quote_token_mask(doc: Doc, spans: Sequence[QuoteSpan]) -> list[bool]:
    mask = [False] * len(doc)
    for span in spans:
        for token in _tokens_between(doc, span.start, span.end):
            mask[token.i] = True
    return mask


def _tokens_between(doc: Doc, start: int, end: int) -> Span:
    span = doc.char_span(start, end, alignment_mode="expand")
    if span is None:  # offsets inside whitespace
        return doc[0:0]
    return span


def _token_at(doc: Doc, char: int) -> Token | None:
    span = doc.char_span(char, min(char + 1, len(doc_text(doc))), alignment_mode="expand")
    return span[0] if span is not None and len(span) else None


def _attribute_quote(
    doc: Doc, ents: DocEntities, span: QuoteSpan, inside: list[bool]
) -> tuple[Speaker | None, Token | None]:
    after = _post_cue(doc, ents, span, inside)
    if after[0] is not None:
        return after
    return _pre_cue(doc, ents, span, inside)


def _post_cue(
    doc: Doc, ents: DocEntities, span: QuoteSpan, inside: list[bool]
) -> tuple[Speaker | None, Token | None]:
    """`,” Putin said` / `,” said Ali Vaez` / `,” Shoori, deputy director of X, said`."""
    if not span.closed:
        return None, None
    quoted = doc_text(doc)[span.start:span.end].rstrip()
    if quoted.endswith("."):
        return None, None  # the sentence ended inside the quote: what follows is new
    first = _token_at(doc, span.end)
    if first is None:
        return None, None
    window: list[Token] = []
    i = first.i + 1  # skip the closing mark
    while i < len(doc) and len(window) < POST_CUE_WINDOW:
        token = doc[i]
        if inside[i] or token.text in OPEN_MARKS or "\n" in token.text:
            break
        if token.text in (".", "!", "?", ";") and window:
            break
        window.append(token)
        i += 1
    words = [t for t in window if not t.is_punct]
    if not words:
        return None, None
    if is_reporting_verb(words[0], beside_quote=True):
        verb = words[0]
        return _speaker_of_verb(doc, ents, verb, after=words[1:]), verb
    in_window = {t.i for t in window}
    for position, token in enumerate(words):
        if not is_reporting_verb(token, beside_quote=True):
            continue
        subject = _subject_of(token)
        near = position <= 3 and not quoted.endswith(("?", "!"))
        # `,” Shoori, deputy director of X, said`: the parse often hangs the verb on the name.
        named_first = ents.mention_at(words[0]) is not None or words[0].lower_ in PERSONAL_PRONOUNS
        if near or named_first or (subject is not None and subject.i in in_window):
            before = [t for t in window if t.i < token.i]
            return _speaker_of_verb(doc, ents, token, leading=before), token
        break
    return None, None


def _pre_cue(
    doc: Doc, ents: DocEntities, span: QuoteSpan, inside: list[bool]
) -> tuple[Speaker | None, Token | None]:
    """`Raisi told Putin that it was “time to …”` / `X said: “…”`."""
    opening = _token_at(doc, span.start - 1)
    if opening is None:
        return None, None
    sentence = opening.sent
    candidates = [t for t in sentence if t.i < opening.i and not inside[t.i] and (
        (is_reporting_verb(t) and t.pos_ in ("VERB", "AUX"))
        # what it called the “final text”: the term is the subject's own
        or (t.lemma_ == "call" and opening.i - t.i <= 3))]
    if not candidates and opening.i == sentence.start and sentence.start > 0:
        previous = doc[sentence.start - 1].sent
        if previous.text.rstrip().endswith(":"):
            candidates = [t for t in previous if is_reporting_verb(t) and not inside[t.i]]
    if not candidates:
        return None, None
    verb = candidates[-1]
    before = [t for t in verb.sent if t.i < verb.i]
    return _speaker_of_verb(doc, ents, verb, before=before), verb


def _speaker_of_verb(
    doc: Doc,
    ents: DocEntities,
    verb: Token,
    before: Sequence[Token] = (),
    after: Sequence[Token] = (),
    leading: Sequence[Token] = (),
) -> Speaker | None:
    subject = _subject_of(verb)
    if subject is not None:
        speaker = speaker_of_token(doc, ents, subject)
        if speaker is not None:
            return speaker
    # The parse missed the subject: the named actor beside the verb (the first one
    # of a `,” Name, description, said` cue; the nearest one otherwise).
    for token in list(after) + list(leading) + list(reversed(before)):
        mention = ents.mention_at(token)
        if mention is not None and mention.type in ("PERSON", "ORG", "GPE") and not (
                is_medium(token, verb)):
            return _entity_speaker(mention)
        if token.lower_ in PERSONAL_PRONOUNS:
            return _pronoun_speaker(ents, token)
    return None


def is_medium(token: Token, verb: Token) -> bool:
    """The name is where the words were said ("told state television", "in an interview
    with X", "on Telegram", "according to state broadcaster X"), not who said them."""
    t = token
    while t.dep_ in ("compound", "amod", "poss") and t.head is not t:
        t = t.head
    if t.dep_ in ("dobj", "dative") and t.head.lemma_ in ("tell", "inform", "give"):
        return True
    return t.dep_ == "pobj" and t.head.lower_ in MEDIUM_PREPOSITIONS


def _subject_of(verb: Token) -> Token | None:
    subjects = [child for child in verb.children if child.dep_ in SUBJECTS]
    if subjects:
        # Two subjects means a misparse of a coordination: the nearest one is the verb's.
        return min(subjects, key=lambda t: abs(t.i - verb.i))
    if verb.dep_ in ("conj", "xcomp", "advcl") and verb.head is not verb:
        for child in verb.head.children:
            if child.dep_ in SUBJECTS:
                return child
    return None


def speaker_of_token(doc: Doc, ents: DocEntities, token: Token) -> Speaker | None:
    """The speaker a subject token stands for: entity, role holder, pronoun, or description."""
    mention = ents.mention_at(token)
    if mention is not None and mention.type != "NORP":
        return _entity_speaker(mention)
    for child in token.children:
        if child.dep_ == "appos":
            named = _named_in(ents, child)
            if named is not None:
                return _entity_speaker(named)
    if token.dep_ == "appos":
        named = ents.mention_at(token.head)
        if named is not None and named.type == "PERSON":
            return _entity_speaker(named)
    if token.lower_ in PERSONAL_PRONOUNS:
        return _pronoun_speaker(ents, token)
    if token.lower_ == "it":
        return _institution_speaker(ents, token)
    if token.lower_ == "one":
        group = _one_of_group(doc, token)
        if group is not None:
            return Speaker(None, group, "described")
    if token.pos_ == "PRON":
        return None
    author = _author_of_utterance(ents, token)
    if author is not None:
        return _entity_speaker(author)
    role = role_of_phrase(token)
    if role is not None:
        holder = ents.resolve_role(*role)
        if holder is not None:
            return Speaker(holder, None, "role")
    described = describe_source(doc, token)
    return Speaker(None, described, "described") if described else None


def _one_of_group(doc: Doc, token: Token) -> str | None:
    """ "one of them said": one of the people the sentence before gave as saying something
    ("Two officials familiar with the talks said ...") -> "one of two officials ..."."""
    of = next((c for c in token.children if c.dep_ == "prep" and c.lower_ == "of"), None)
    them = next((c for c in of.children if c.dep_ == "pobj"), None) if of is not None else None
    if them is None or them.lower_ not in ("them", "those") or token.sent.start == 0:
        return None
    before = doc[token.sent.start - 1].sent
    for group in before:
        if group.dep_ in ("nsubj", "nsubjpass") and group.tag_ in ("NNS", "NNPS") and (
                group.head.lemma_.lower() in REPORTING_VERBS or _lexical(group.head) in REPORTING_VERBS):
            described = describe_source(doc, group)
            if described:
                return f"one of {described[0].lower()}{described[1:]}"
    return None


def _author_of_utterance(ents: DocEntities, token: Token) -> Mention | None:
    """The named author of "X's statement", "a letter from X", "a post by X"; of "the
    statement" with none, the author of the statement the text told of before it."""
    if not _is_utterance(token):
        return None
    author = _own_author(ents, token)
    if author is not None or token.i == 0:
        return author
    # "X issued a statement ... 'Quote,' the statement said": the same statement, told of in
    # the sentences just before
    first = token.doc[max(token.sent.start - 1, 0)].sent.start
    for earlier in reversed(token.doc[first:token.i]):
        if _is_utterance(earlier) and earlier.lemma_.lower() == token.lemma_.lower():
            return _own_author(ents, earlier)
    return None


def _is_utterance(token: Token) -> bool:
    return token.lemma_.lower() in UTTERANCE_NOUNS or token.lower_ in UTTERANCE_NOUNS


def _own_author(ents: DocEntities, token: Token) -> Mention | None:
    """The author an utterance noun's own phrase names: its possessor or "from"/"by" phrase
    ("X's statement", "a post by X"), the agent of a participle on it ("a statement posted
    by X"), a name modifying it ("a council statement"), or the subject of the verb that put
    it out ("X issued a statement")."""
    holders: list[Token] = []
    for child in token.children:
        if child.dep_ in ("poss", "compound"):
            holders.append(child)
        elif child.dep_ == "prep" and child.lower_ in ("from", "by", "of"):
            holders += [c for c in child.children if c.dep_ == "pobj"]
        elif child.dep_ == "acl":  # "a statement posted on X by the operator"
            for agent in child.children:
                if agent.dep_ == "agent" or (agent.dep_ == "prep" and agent.lower_ == "by"):
                    holders += [c for c in agent.children if c.dep_ == "pobj"]
    if token.dep_ in ("dobj", "obj") and token.head.lemma_.lower() in ISSUING_LEMMAS:
        verb = token.head
        subject = next((c for c in verb.children if c.dep_ == "nsubj"), None)
        while subject is None and verb.dep_ == "conj" and verb.head.i != verb.i:
            verb = verb.head  # "Dalton left ... but later issued a statement"
            subject = next((c for c in verb.children if c.dep_ == "nsubj"), None)
        holders += [subject] if subject is not None else []
    for holder in holders:
        for t in holder.subtree:
            mention = ents.mention_at(t)
            if mention is not None and mention.type in ("PERSON", "ORG", "GPE"):
                return mention
        described = _organisation_described(ents, holder)  # "a council statement"
        if described is not None:
            return described
    return None


def _organisation_described(ents: DocEntities, token: Token) -> Mention | None:
    """The named organisation a common noun stands for: the last one before it whose name
    holds the noun ("the council" after "Harwick Town Council"), else, for a noun that only
    ever means an organisation ("the company"), the one the text has named most so far."""
    if token.pos_ != "NOUN":
        return None
    noun = token.lemma_.lower()
    # a name the article types as an organisation anywhere (the model may call its first
    # mention a person)
    organisations = {m.name for m in ents.mentions if m.type == "ORG"}
    earlier = [m for m in ents.mentions if m.name in organisations and m.end_char <= token.idx]
    named = [m for m in earlier if noun in m.name.casefold().split()]
    if named:
        return named[-1]
    if noun not in ORGANISATION_NOUNS or not earlier:
        return None
    counts: dict[str, int] = {}
    for m in earlier:
        counts[m.name] = counts.get(m.name, 0) + 1
    top = max(counts.values())
    return next(m for m in reversed(earlier) if counts[m.name] == top)  # ties: the latest


def _entity_speaker(mention: Mention) -> Speaker:
    return Speaker(mention.name, None, LINK_OF_MENTION.get(mention.how, "name"))


def _named_in(ents: DocEntities, token: Token) -> Mention | None:
    for t in token.subtree:
        mention = ents.mention_at(t)
        if mention is not None and mention.type == "PERSON":
            return mention
    return None


def _pronoun_speaker(ents: DocEntities, token: Token) -> Speaker | None:
    """A pronoun the coreference pass linked; else the nearest earlier person."""
    linked = ents.mention_at(token)
    if linked is not None and linked.type == "PERSON":
        return Speaker(linked.name, None, "pronoun")
    if token.i in ents.described_by_token:
        return Speaker(None, ents.described_by_token[token.i], "pronoun")
    persons = ents.persons_before(token.idx)
    return Speaker(persons[0].name, None, "pronoun") if persons else None


def _institution_speaker(ents: DocEntities, token: Token) -> Speaker | None:
    """'it' as a speaker: the organisation or country named last before it in its sentence,
    else the organisation the sentence before is about (its subject)."""
    for t in reversed(token.doc[token.sent.start: token.i]):
        mention = ents.mention_at(t)
        if mention is not None and mention.type in ("ORG", "GPE"):
            return Speaker(mention.name, None, "pronoun")
    if token.sent.start == 0:
        return None
    before = token.doc[token.sent.start - 1].sent
    subject = next((t for t in before if t.dep_ == "nsubj" and t.head.dep_ == "ROOT"), None)
    if subject is None:
        return None
    mention = ents.mention_at(subject)
    if mention is not None and mention.type == "ORG":
        return Speaker(mention.name, None, "pronoun")
    described = _organisation_described(ents, subject) if mention is None else None
    return Speaker(described.name, None, "pronoun") if described is not None else None


def describe_source(doc: Doc, head: Token) -> str | None:
    """'a U.S. official', 'Putin's spokesman', 'Iranian officials': the noun phrase of `head`."""
    if head.pos_ not in ("NOUN", "PROPN"):
        return None
    left = head
    for child in head.lefts:
        if child.dep_ in ("det", "amod", "compound", "poss", "nummod", "nmod", "case", "quantmod"):
            left = doc[min(left.i, child.left_edge.i)]
    right = head.i
    for child in head.rights:
        if child.dep_ == "prep" and child.lower_ in ("of", "at", "for", "from", "in") and (
                child.i == right + 1):
            right = child.right_edge.i
        break
    tokens = doc[left.i: min(right, left.i + 10) + 1]
    # A description ends at its first comma or relative clause: "a firefighter in Schuld",
    # not "a firefighter in Schuld, who gave his name as ...".
    for t in tokens:
        if t.i > head.i and (t.text in (",", ";", "(", "—", "–") or t.dep_ == "relcl"):
            tokens = doc[left.i:t.i]
            break
    text = " ".join(tokens.text.split())
    return text or None


def _cited_source(doc: Doc, ents: DocEntities, char: int) -> str | None:
    """The source a sentence cites with 'according to X' (or a spun 'in accordance with X')."""
    token = _token_at(doc, char)
    if token is None:
        return None
    return cited_source_of(doc, ents, token.sent)


def cited_source_of(doc: Doc, ents: DocEntities, sentence: Span) -> str | None:
    """'U.S. officials' in a sentence saying 'according to U.S. officials'."""
    words = [t.lower_ for t in sentence]
    for phrase in CITING_PHRASES:
        k = len(phrase)
        for i in range(len(words) - k):
            if tuple(words[i:i + k]) == phrase:
                obj = sentence[i + k]
                head = obj
                while head.head.i > head.i and head.head.i < sentence.end and head.dep_ in (
                        "det", "amod", "compound", "poss", "nummod", "case", "punct"):
                    head = head.head
                mention = ents.mention_at(head)
                if mention is not None and mention.type != "NORP":
                    return mention.name
                return describe_source(doc, head) or head.text
    return None


def _reported_speech(doc: Doc, ents: DocEntities, inside: list[bool]) -> list[SpeechClaim]:
    """'X said that …', 'Y, officials said, …': the clause with its speaker."""
    claims: list[SpeechClaim] = []
    for token in doc:
        if inside[token.i]:
            continue
        lemma = _lexical(token)
        if lemma not in REPORTING_VERBS and lemma not in BELIEF_VERBS:
            continue
        if token.pos_ in ("VERB", "AUX"):
            subject = _subject_of(token)
            if subject is None or subject.pos_ == "PRON" and subject.lower_ not in PERSONAL_PRONOUNS:
                continue
            clause = _reported_clause(token, subject, inside)
        else:
            subject, clause = _misparsed_report(token)
        if clause is None or subject is None:
            continue
        speaker = speaker_of_token(doc, ents, subject)
        if speaker is None:
            continue
        start, end = clause
        claims.append(SpeechClaim(
            "reported_speech", start, end, doc_text(doc)[start:end].strip(), speaker, token.text,
            ents.sentence_of(start), cited_source_of(doc, ents, token.sent)))
    return claims


def _misparsed_report(word: Token) -> tuple[Token | None, tuple[int, int] | None]:
    """'Diplomats counsel they might …': a spun verb the tagger took for a noun."""
    doc = word.doc
    if word.i == 0 or word.i + 1 >= len(doc):
        return None, None
    subject, following = doc[word.i - 1], doc[word.i + 1]
    starts_clause = subject.is_sent_start or doc[subject.i - 1].text == ","
    plural_or_name = subject.tag_ in ("NNS", "NNPS") or subject.ent_type_ in ("PERSON", "ORG")
    if not (starts_clause and plural_or_name and following.pos_ in ("PRON", "DET", "SCONJ")):
        return None, None
    sentence = word.sent
    last = sentence[-1] if not sentence[-1].is_space else sentence[-2]
    if last.is_punct:
        last = doc[last.i - 1]
    return subject, (following.idx, last.idx + len(last.text))


def _reported_clause(verb: Token, subject: Token, inside: list[bool]) -> tuple[int, int] | None:
    """Character span of what `verb` reports: its clausal complement, or the host clause."""
    for child in verb.children:
        if child.dep_ == "ccomp":
            tokens = list(child.subtree)
            if all(inside[t.i] for t in tokens if not t.is_punct):
                return None  # wholly a direct quote: recorded as one already
            tokens = [t for t in tokens if not (t.is_punct and t.i in (tokens[0].i, tokens[-1].i))]
            if len(tokens) < 3:
                return None
            return tokens[0].idx, tokens[-1].idx + len(tokens[-1].text)
    doc = verb.doc
    # "X, officials said, continues …": a parenthetical report of its host clause.
    parenthetical = (
        subject.i < verb.i and subject.left_edge.i > verb.sent.start
        and doc[subject.left_edge.i - 1].text == "," and verb.i + 1 < len(doc)
        and doc[verb.i + 1].text == ",")
    if parenthetical or (verb.dep_ == "parataxis" and verb.head.pos_ in ("VERB", "AUX")):
        sentence = verb.sent
        if all(inside[t.i] for t in sentence if not t.is_punct):
            return None
        return sentence.start_char, sentence.end_char
    return None
