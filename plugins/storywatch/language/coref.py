"""Coreference of people: pronouns, role phrases and descriptions linked to a named person.

A sieve in the spirit of Muzny et al. (2017), on spaCy's parse, most precise
pass first; each link says how it was made (`Mention.how`):
- `role`: a definite role phrase ("the minister", "the judge", "the
  agency's chief") whose role the article gives to exactly one named person
  (titles, appositions, "X of Iran"; see `entities`);
- `roles_file`: a role phrase the article never gives to anyone, resolved
  through `seeds/roles.yml` by the publication date ("the Iranian president"
  in February 2022 is Ebrahim Raisi);
- `pronoun`: he/she/him/her/his/hers/himself/herself, to the most salient
  compatible person: the same sentence first (subjects before others, never
  the subject of the verb the pronoun is the object of), then earlier
  sentences, each read subject first; gender comes from the pronouns already
  linked, honorifics and gendered nouns beside the name, never from first names;
- `description`: a definite description standing in for the person just talked
  about ("the 31-year-old", "the Italian", "the veteran"), when it is the
  subject of a reporting verb; linked to the most recent person in subject
  position.
Names inside quotation marks are not antecedents for what is outside them.
First-person pronouns inside a quote are linked to its speaker later
(`link_quote_speakers`), once the speaker is known.
"""
from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from spacy.tokens import Doc, Span, Token

from storywatch.language.entities import (
    COUNTRY_OF_ADJECTIVE,
    DEMONYMS,
    ROLE_HEADS,
    DocEntities,
    Mention,
    corrected_type,
    role_of_phrase,
)
from storywatch.language.nlp import doc_text
from storywatch.language.quotes import REPORTING_VERBS, describe_source
from storywatch.language.roles import RoleBook

MASCULINE = frozenset("he him his himself".split())
FEMININE = frozenset("she her hers herself".split())
FIRST_PERSON = frozenset("i me my mine myself".split())
# Nouns that say a person's gender when they describe a named person.
GENDERED_NOUNS = {
    "man": "m", "boy": "m", "father": "m", "son": "m", "husband": "m", "brother": "m",
    "spokesman": "m", "chairman": "m", "businessman": "m", "king": "m", "prince": "m",
    "woman": "f", "girl": "f", "mother": "f", "daughter": "f", "wife": "f", "sister": "f",
    "spokeswoman": "f", "chairwoman": "f", "businesswoman": "f", "queen": "f",
    "princess": "f", "actress": "f",
}
HONORIFICS = {"mr": "m", "mr.": "m", "sir": "m", "lord": "m", "mrs": "f", "mrs.": "f",
              "ms": "f", "ms.": "f", "miss": "f", "dame": "f", "lady": "f"}
# Sentences looked back through for an antecedent.
PRONOUN_WINDOW = 5
DESCRIPTION_WINDOW = 3
SUBJECTS = ("nsubj", "nsubjpass")
OBJECTS = ("dobj", "dative", "pobj", "iobj")
_AGE = re.compile(r"^\d+-year-old$")
COUNTRY_NAMES = frozenset(DEMONYMS) | frozenset(COUNTRY_OF_ADJECTIVE.values())


@dataclass(slots=True)
class _Seen:
    """A possible antecedent outside quotes: a person, a name that may be one, a description."""

    name: str
    token: int
    sentence: int
    subject: bool
    head: int  # the token of the verb it is the subject of (or -1)
    kind: str = "person"  # person | maybe (a name the model typed ORG/GPE) | described


def quote_mask(doc: Doc, quote_spans: Iterable[tuple[int, int]]) -> list[bool]:
    """True for every token inside quotation marks."""
    mask = [False] * len(doc)
    spans = sorted(quote_spans)
    if not spans:
        return mask
    k = 0
    for token in doc:
        while k < len(spans) and spans[k][1] <= token.idx:
            k += 1
        if k < len(spans) and spans[k][0] <= token.idx < spans[k][1]:
            mask[token.i] = True
    return mask


def link_people(doc: Doc, ents: DocEntities, inside: Sequence[bool],
                roles: RoleBook | None = None, published: dt.date | None = None) -> list[Mention]:
    """Mentions of people the names alone miss: role phrases, pronouns, descriptions.

    The new mentions are added to `ents` (so later rules see them) and returned.
    A name the model typed as an organisation or place that a he/she pronoun
    refers back to in subject position becomes a person ("Ricci said she ...").
    A pronoun whose antecedent is a described person ("a firefighter ... he
    said") links to the description (`ents.described_by_token`), not a name.
    """
    gender = _gender_evidence(doc, ents)
    sentence_of = [0] * len(doc)
    for n, sent in enumerate(doc.sents):
        for i in range(sent.start, sent.end):
            sentence_of[i] = n
    seen: list[_Seen] = []
    linked_heads: set[int] = set()
    added: list[Mention] = _appositions(doc, ents, inside, linked_heads)
    promoted: set[str] = _named_as_people(doc, ents)
    with_article = _written_with_article(doc, ents)
    last_mention: Mention | None = None
    for token in doc:
        mention = ents.mention_at(token)
        if mention is not None and mention.type != "NORP":
            if mention is not last_mention and not inside[token.i]:
                root = _mention_root(doc, ents, mention, token)
                kind = "person" if mention.type == "PERSON" or mention.name in promoted else (
                    "maybe" if _may_be_person(mention) and mention.name not in with_article
                    else "")
                if kind:
                    seen.append(_Seen(mention.name, root, sentence_of[root],
                                      *_subject_of(doc[root]), kind))
            last_mention = mention
            continue
        last_mention = mention
        new: Mention | None = None
        if token.lower_ in MASCULINE | FEMININE:
            want = "m" if token.lower_ in MASCULINE else "f"
            found = _pronoun_antecedent(token, seen, sentence_of, gender, want)
            if found is None:
                continue
            if found.kind == "described":
                ents.described_by_token[token.i] = found.name
                continue
            if found.kind == "maybe":
                promoted.add(found.name)
            gender.setdefault(found.name, want)
            new = _mention(doc, ents, token.i, token.i + 1, found.name, "pronoun")
        elif token.pos_ in ("NOUN", "PROPN", "ADJ") and not inside[token.i]:
            new = _nominal(doc, ents, token, seen, sentence_of, roles, published)
            if new is None:
                described = _described_speaker(token)
                if described is not None:
                    named = _named_by_clause(token, ents) or _named_in_apposition(token, ents)
                    if named:
                        promoted.add(named)
                    seen.append(_Seen(named or described, token.i, sentence_of[token.i],
                                      *_subject_of(token), "person" if named else "described"))
                continue
        if new is None:
            continue
        added.append(new)
        _register(ents, new, range(_token_start(doc, new), token.i + 1))
        if not inside[token.i]:
            seen.append(_Seen(new.name, token.i, sentence_of[token.i], *_subject_of(token)))
    if promoted:
        _promote(ents, promoted)
    added += _appositions(doc, ents, inside, linked_heads)  # "he is a legend"
    added += _roles_before_names(doc, ents)
    return added


def _roles_before_names(doc: Doc, ents: DocEntities) -> list[Mention]:
    """A role written before a person's name in one noun phrase ("the match referee Joel
    Aguilar", "Tunisia's goalkeeper Mouez Hassen", "student Ahmed Mohamed") is a mention of
    that person: the common nouns (and their determiner) right before the name, modifying it."""
    added: list[Mention] = []
    last: Mention | None = None
    for token in doc:
        mention = ents.mention_at(token)
        if mention is None or mention is last or mention.type != "PERSON" or (
                mention.how not in ("ner", "surname")):
            last = mention
            continue
        last = mention
        start = token.i
        i = start - 1
        while i >= 0 and i not in ents.by_token and doc[i].dep_ in ("compound", "amod", "nmod") and (
                doc[i].pos_ in ("NOUN", "ADJ") and doc[i].text.islower()) and (
                start > doc[i].head.i >= doc[i].i or doc[i].head.i >= start):
            i -= 1
        if i == start - 1 or doc[start - 1].pos_ != "NOUN":
            continue
        if i >= 0 and i not in ents.by_token and doc[i].dep_ == "det":
            i -= 1  # "the match referee"
        role = _mention(doc, ents, i + 1, start, mention.name, "role")
        _register(ents, role, range(i + 1, start))
        added.append(role)
    return added


def _appositions(doc: Doc, ents: DocEntities, inside: Sequence[bool],
                 done: set[int] | None = None) -> list[Mention]:
    """Noun phrases the syntax says are a named person: "X, an Australian teacher",
    "the team's coach, X", "X is a sculptor", "he is a legend" (once the pronoun is
    linked). Linked as `role`; `done` holds the heads already linked."""
    added: list[Mention] = []
    done = set() if done is None else done
    for token in doc:
        mention = ents.mention_at(token)
        if mention is None or mention.type != "PERSON" or ents.mention_at(token.head) is mention:
            continue
        if mention.how == "pronoun" and inside[token.i]:
            continue  # its speaker is not known yet
        phrases = [c for c in token.children if c.dep_ == "appos"]
        if token.dep_ == "appos":
            phrases.append(token.head)
        if token.dep_ in SUBJECTS and token.head.lemma_ == "be":
            phrases.extend(c for c in token.head.children if c.dep_ == "attr")
        # "an artist and a businessperson", "professor and curator": each conjunct too.
        phrases.extend(c for head in list(phrases) for c in head.children if c.dep_ == "conj")
        for head in phrases:
            if head.i in done or not _describes_a_person(ents, head):
                continue
            done.add(head.i)
            new = _mention(doc, ents, _phrase_start(head), head.i + 1, mention.name, "role")
            _register(ents, new, range(_phrase_start(head), head.i + 1))
            added.append(new)
    return added


def _describes_a_person(ents: DocEntities, head: Token) -> bool:
    """The head of an apposition or predicate noun is a common noun for one person
    ("MP", "CEO", "goalkeeper"), not a name of its own nor a plural."""
    if head.tag_ in ("NNS", "NNPS") or head.pos_ not in ("NOUN", "PROPN"):
        return False
    named = ents.by_token.get(head.i)
    if named is not None and (named.type == "PERSON" or named.how != "ner"
                              or not named.text.isupper()):
        return False  # another name ("Smith, Reuters"), or already linked
    return head.pos_ == "NOUN" or head.text.isupper()


def _named_as_people(doc: Doc, ents: DocEntities) -> set[str]:
    """Names the model typed as places or organisations that the article calls people:
    "Paris, an Australian woman", "Ms. Ricci"."""
    found: set[str] = set()
    for token in doc:
        mention = ents.mention_at(token)
        if mention is None or mention.type not in ("ORG", "GPE") or mention.how != "ner":
            continue
        if token.i > 0 and doc[token.i - 1].lower_ in HONORIFICS:
            found.add(mention.name)
            continue
        for child in token.children:
            if child.dep_ == "appos" and child.tag_ == "NN" and (
                    child.lower_ in GENDERED_NOUNS or child.lemma_.lower() in ROLE_HEADS):
                found.add(mention.name)
    return found


def _written_with_article(doc: Doc, ents: DocEntities) -> set[str]:
    """Names the article writes after 'the' somewhere ("the Church", "the Sun"): a
    person's name takes no article, so a pronoun never makes one of these a person."""
    found: set[str] = set()
    last: Mention | None = None
    for token in doc:
        mention = ents.mention_at(token)
        if mention is not None and mention is not last and token.i > 0 and (
                doc[token.i - 1].lower_ == "the"):
            found.add(mention.name)
        last = mention
    return found


def _may_be_person(mention: Mention) -> bool:
    """A name the model typed ORG that has the form of a person's name (places act too)."""
    if mention.type != "ORG" or mention.how != "ner":
        return False
    words = mention.name.split()
    if len(words) > 3 or mention.name in COUNTRY_NAMES or mention.name.isupper():
        return False
    return corrected_type(mention.name, "PERSON") == "PERSON" and all(
        w[:1].isupper() for w in words)


def _described_speaker(token: Token) -> str | None:
    """'a firefighter in Schuld', subject of a reporting verb: a described person."""
    if token.pos_ != "NOUN" or token.tag_ != "NN" or token.dep_ not in SUBJECTS:
        return None
    if token.head.lemma_.lower() not in REPORTING_VERBS:
        return None
    return describe_source(token.doc, token)


# Verbs by which a clause gives a described person's name: "a firefighter, who gave his name as
# Jonas", "a resident who asked to be identified only as Maria", "a nurse called Ana".
NAMING_LEMMAS = frozenset({"name", "identify", "call", "introduce"})


def _named_by_clause(token: Token, ents: DocEntities) -> str | None:
    """The name a clause on a description gives its person, if one does (the clause may hang
    on the description's place: "a firefighter in Schuld, who gave his name as Jonas"). The
    construction says the name is a person's, whatever type the model gave it."""
    for clause in token.subtree:
        if clause.dep_ not in ("relcl", "acl") or clause.i < token.i:
            continue
        naming = [t for t in clause.subtree if t.lemma_.lower() in NAMING_LEMMAS]
        if not naming:
            continue
        for t in clause.subtree:
            mention = ents.mention_at(t)
            if t.i > naming[0].i and t.pos_ == "PROPN" and mention is not None and (
                    mention.type != "NORP"):
                return mention.name
    return None


def _named_in_apposition(token: Token, ents: DocEntities) -> str | None:
    """The person a description's apposition names: "the mayor of Monteverde, Stefano
    Rinaldi, has asked ..." (the description is that person, named; the parse may hang the
    apposition on the description's last noun)."""
    for child in token.subtree:
        if child.dep_ == "appos" and child.head.dep_ not in ("relcl", "acl"):
            mention = ents.mention_at(child)
            if mention is not None and mention.type == "PERSON":
                return mention.name
    return None


def _promote(ents: DocEntities, names: set[str]) -> None:
    """Retype the promoted names (and their bare surnames) as people."""
    for single in [n for n in names if " " not in n]:
        fuller = {m.name for m in ents.mentions if m.type in ("ORG", "GPE") and " " in m.name
                  and m.name.split()[-1] == single}
        if len(fuller) == 1:
            names = names | fuller
    surnames = {n.split()[-1]: n for n in names if " " in n}
    replaced: dict[int, Mention] = {}
    for k, m in enumerate(ents.mentions):
        full = m.name if m.name in names else surnames.get(m.name)
        if full is None or m.type == "PERSON":
            continue
        new = Mention(m.start_char, m.end_char, m.text, full, "PERSON", m.label,
                      m.sentence_index, "ner" if m.name == full else "surname")
        replaced[id(m)] = new
        ents.mentions[k] = new
    for i, m in list(ents.by_token.items()):
        if id(m) in replaced:
            ents.by_token[i] = replaced[id(m)]
    ents.person_names.update(names)


def _subject_of(token: Token) -> tuple[bool, int]:
    """(is the subject of a clause, that clause's verb) for a mention's root token."""
    t = token
    if t.dep_ == "appos" or (t.dep_ == "compound" and t.head.dep_ in SUBJECTS):
        t = t.head
    if t.dep_ in SUBJECTS:
        return True, t.head.i
    return False, -1


def _mention_root(doc: Doc, ents: DocEntities, mention: Mention, first: Token) -> int:
    """The token of a mention the parse hangs it by (its syntactic head)."""
    i = first.i
    while i + 1 < len(doc) and ents.mention_at(doc[i + 1]) is mention:
        i += 1
    tokens = [t for t in doc[first.i:i + 1]]
    heads = [t for t in tokens if t.head.i < first.i or t.head.i > i or t.head is t]
    return heads[0].i if heads else i


def _pronoun_antecedent(token: Token, seen: list[_Seen], sentence_of: Sequence[int],
                        gender: dict[str, str], want: str) -> _Seen | None:
    """The most salient earlier person compatible with a pronoun of gender `want`."""
    if not seen:
        return None
    here = sentence_of[token.i]
    governor = token.head.i if token.dep_ in OBJECTS else (
        token.head.head.i if token.dep_ == "pobj" else -1)
    reflexive = token.lower_.endswith("self")
    by_sentence: dict[int, list[_Seen]] = {}
    for item in seen:
        if here - item.sentence <= PRONOUN_WINDOW:
            by_sentence.setdefault(item.sentence, []).append(item)
    for sentence in sorted(by_sentence, reverse=True):
        group = by_sentence[sentence]
        if sentence == here:
            group = [g for g in group if g.token < token.i]
            if not reflexive and token.dep_ in OBJECTS:
                # "Putin told him": him is not Putin.
                group = [g for g in group if not (g.subject and g.head in (
                    token.head.i, governor))]
        # A name that may be a person, or a description, only as a subject.
        group = [g for g in group if g.kind == "person" or g.subject]
        ordered = sorted(group, key=lambda g: (not g.subject, -g.token))
        known = [g for g in ordered if gender.get(g.name) == want]
        unknown = [g for g in ordered if g.name not in gender]
        for candidates in (known, unknown):
            if candidates:
                return candidates[0]
        if any(gender.get(g.name) not in (None, want) for g in ordered) and sentence == here:
            continue
    return None


def _nominal(doc: Doc, ents: DocEntities, token: Token, seen: list[_Seen],
             sentence_of: Sequence[int], roles: RoleBook | None,
             published: dt.date | None) -> Mention | None:
    """A role phrase or description headed by `token`, linked to its person."""
    if token.tag_ in ("NNS", "NNPS") or token.dep_ in ("compound", "amod") and token.pos_ != "ADJ":
        return None
    if token.dep_ == "appos" or any(c.dep_ == "appos" for c in token.children):
        return None  # an apposition introduces a name itself
    determiner = _definite(token)
    if not determiner:
        return None
    role = role_of_phrase(token, ROLE_HEADS | ents.role_heads)
    if role is not None:
        holder = ents.resolve_role(*role) or _salient_holder(ents, role, token, seen, sentence_of)
        if holder is not None:
            return _mention(doc, ents, _phrase_start(token), token.i + 1, holder, "role")
        if roles is not None and role[0] is not None:
            tenure = roles.holder(role[0], role[1], published)
            if tenure is not None:
                return _mention(doc, ents, _phrase_start(token), token.i + 1, tenure.person,
                                "roles_file")
    if not _reports_speech(token):
        return None
    if _is_description(token):
        name = _salient_subject(token, seen, sentence_of)
        if name is not None:
            return _mention(doc, ents, _phrase_start(token), token.i + 1, name, "description")
    return None


def _salient_holder(ents: DocEntities, role: tuple[str | None, str], token: Token,
                    seen: list[_Seen], sentence_of: Sequence[int]) -> str | None:
    """Of several people the article gives a role ("President Trump", "President Macron"),
    the one in subject position most recently: "the president wrote"."""
    head = role[1].split()[-1]
    holders = {person for person, held in ents.roles.items()
               if any(r.split()[-1] == head and (role[0] is None or c in (None, role[0]))
                      for c, r in held)}
    if len(holders) < 2:
        return None
    here = sentence_of[token.i]
    for item in reversed(seen):
        if here - item.sentence > DESCRIPTION_WINDOW:
            break
        if item.subject and item.name in holders:
            return item.name
    return None


def _definite(token: Token) -> bool:
    """'the X', 'this X', 'Iran's X', 'its X', 'the agency's X'."""
    for child in token.lefts:
        if child.dep_ == "det" and child.lower_ in ("the", "this", "that"):
            return True
        if child.dep_ == "poss":
            return True
    return False


def _is_description(token: Token) -> bool:
    """'the Italian' (a nationality as a noun), 'the 31-year-old', 'the veteran'."""
    if token.ent_type_ == "NORP" or token.lower_ in COUNTRY_OF_ADJECTIVE:
        return True
    return bool(_AGE.match(_phrase_text(token)))


def _phrase_start(token: Token) -> int:
    lefts = [c.left_edge.i for c in token.lefts if c.dep_ in (
        "det", "poss", "amod", "compound", "nummod", "npadvmod", "punct", "nmod")]
    return min(lefts + [token.i])


def _phrase_text(token: Token) -> str:
    doc = token.doc
    start = _phrase_start(token)
    words = [t.text for t in doc[start:token.i + 1] if t.lower_ not in ("the", "this", "that")]
    return "".join(words) if "-" in words else " ".join(words)


def _reports_speech(token: Token) -> bool:
    """The phrase is the subject of a verb (a reporting verb, in practice: said, told)."""
    if token.dep_ in SUBJECTS:
        return True
    # "the 31-year-old said": the parse hangs the words of the phrase on the verb itself.
    head = token.head
    return token.dep_ in ("amod", "npadvmod") and head.pos_ == "VERB" and head.i > token.i


def _salient_subject(token: Token, seen: list[_Seen], sentence_of: Sequence[int]) -> str | None:
    """The person in subject position most recently, within a few sentences."""
    here = sentence_of[token.i]
    recent = [s for s in seen if s.token < token.i and here - s.sentence <= DESCRIPTION_WINDOW
              and s.kind == "person"]
    for item in reversed(recent):
        if item.subject:
            return item.name
    return recent[-1].name if recent else None


def _token_start(doc: Doc, mention: Mention) -> int:
    span = doc.char_span(mention.start_char, mention.end_char, alignment_mode="expand")
    return span.start if span is not None else 0


def _mention(doc: Doc, ents: DocEntities, start: int, end: int, name: str, how: str) -> Mention:
    first, last = doc[start], doc[end - 1]
    start_char, end_char = first.idx, last.idx + len(last.text)
    return Mention(start_char, end_char, doc_text(doc)[start_char:end_char], name, "PERSON",
                   "", ents.sentence_of(start_char), how)


def _register(ents: DocEntities, mention: Mention, tokens: Iterable[int]) -> None:
    for i in tokens:
        if i not in ents.by_token or ents.by_token[i].type == "NORP":
            ents.by_token[i] = mention
    ents.mentions.append(mention)


def _gender_evidence(doc: Doc, ents: DocEntities) -> dict[str, str]:
    """Gender the article states for its people: honorifics and gendered nouns beside names."""
    gender: dict[str, str] = {}
    last: Mention | None = None
    for token in doc:
        mention = ents.mention_at(token)
        if mention is None or mention is last or mention.type != "PERSON":
            last = mention
            continue
        last = mention
        if token.i > 0 and doc[token.i - 1].lower_ in HONORIFICS:
            gender.setdefault(mention.name, HONORIFICS[doc[token.i - 1].lower_])
        head = token.head
        for other in [*head.children, head]:
            found = GENDERED_NOUNS.get(other.lower_)
            if found and other.dep_ in ("appos", "compound") or (found and other is head
                                                                   and token.dep_ == "appos"):
                gender.setdefault(mention.name, found)
    return gender


def link_quote_speakers(doc: Doc, ents: DocEntities,
                        quotes: Iterable[tuple[int, int, str | None]]) -> list[Mention]:
    """'I', 'me', 'my' inside a quote: the quote's speaker (a person of the article).

    'he' or 'she' inside a quote is never its speaker (who would say 'I'): a
    pronoun linked to the speaker before the speaker was known is moved to the
    person named most often in the sentences before it (`_relink_away_from_speaker`).
    """
    added: list[Mention] = []
    persons = {m.name for m in ents.mentions if m.type == "PERSON"}
    for start, end, speaker in quotes:
        if speaker is None or speaker not in persons:
            continue
        span = doc.char_span(start, end, alignment_mode="expand")
        if span is None:
            continue
        _relink_away_from_speaker(ents, span, speaker)
        for token in span:
            if token.lower_ in FIRST_PERSON and token.i not in ents.by_token and (
                    token.pos_ == "PRON" or token.lower_ == "i"):
                mention = _mention(doc, ents, token.i, token.i + 1, speaker, "quote_speaker")
                _register(ents, mention, [token.i])
                added.append(mention)
    return added


def _pronoun_genders(ents: DocEntities) -> dict[str, str]:
    """Each person's gender by the majority of the he/she pronouns linked to them."""
    votes: dict[str, list[int]] = {}
    for m in ents.mentions:
        if m.how == "pronoun" and m.type == "PERSON":
            word = m.text.lower()
            tally = votes.setdefault(m.name, [0, 0])
            tally[0 if word in MASCULINE else 1] += word in MASCULINE | FEMININE
    return {name: "m" if m > f else "f" for name, (m, f) in votes.items() if m != f}


def _relink_away_from_speaker(ents: DocEntities, span: Span, speaker: str) -> None:
    """A third-person pronoun in a quote linked to the speaker: to the other named person
    of a compatible gender named most often in the sentences before it, or to no one."""
    wrong = [(t, ents.by_token[t.i]) for t in span if t.lower_ in MASCULINE | FEMININE
             and t.i in ents.by_token and ents.by_token[t.i].how == "pronoun"
             and ents.by_token[t.i].name == speaker]
    if not wrong:
        return
    gender = _pronoun_genders(ents)
    for token, mention in wrong:
        want = "m" if token.lower_ in MASCULINE else "f"
        named = [m for m in ents.mentions if m.type == "PERSON"
                 and m.how in ("ner", "surname", "repeat") and m.end_char <= token.idx and m.name != speaker
                 and gender.get(m.name, want) == want
                 and ents.sentence_of(token.idx) - m.sentence_index <= PRONOUN_WINDOW]
        k = next(n for n, m in enumerate(ents.mentions) if m is mention)
        if not named:
            del ents.mentions[k]
            del ents.by_token[token.i]
            continue
        # The person the passage is about: the most often named, then the nearest.
        counts = Counter(m.name for m in named)
        target = max(named, key=lambda m: (counts[m.name], m.end_char)).name
        moved = Mention(mention.start_char, mention.end_char, mention.text, target, "PERSON",
                        mention.label, mention.sentence_index, "pronoun")
        ents.mentions[k] = moved
        ents.by_token[token.i] = moved
