"""Named-entity mentions of one article, with names made canonical inside the article.

The small English model finds the spans; this module fixes what it gets wrong
on news copy and says who each span is:
- a surname alone ("Raisi") is the person whose full name appears in the same
  article, whatever type the model gave it, and bare surnames the model missed
  are added;
- titles and honorifics ("President", "Mr.") are stripped from names;
- "Washington" as an actor is the US government, "the Kremlin" the Russian
  presidency (metonyms kept as what they stand for);
- a generic organ after a possessive country ("Russia's Pacific Fleet") is
  named with the country;
- a role phrase ("Iran's foreign minister", "the Iranian president") is the
  person the article introduces with that role and country.
Names are made canonical across the corpus later, against `entity_aliases`
and `entities` (see `claims_store`); this module never touches the database.
"""
from __future__ import annotations

import bisect
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from spacy.tokens import Doc, Span, Token

from storywatch.language.clauses import is_dateline_place
from storywatch.language.countries import is_country
from storywatch.language.furniture import Furniture, inside_furniture
from storywatch.language.nlp import doc_text
from storywatch.language.roles import role_key

ENTITY_TYPES = ("PERSON", "ORG", "GPE", "LOC", "NORP")
# Kept only where a claim needs them (a date or amount in a claim's sentence).
VALUE_TYPES = ("DATE", "TIME", "QUANTITY", "CARDINAL", "MONEY", "PERCENT")

TITLES = frozenset("""
president vice prime minister secretary foreign defense defence mr mr. mrs mrs. ms ms. dr dr.
sir dame lord lady gen gen. general lt lt. col col. maj maj. capt capt. adm adm. admiral
sen sen. senator rep rep. representative gov gov. governor mayor king queen prince princess
sheikh ayatollah chancellor pope cardinal rabbi imam judge justice chief ambassador envoy
commander marshal colonel major captain sergeant premier deputy speaker minister-president
adviser advisor counselor counsellor councillor councilman councilwoman alderman coach manager
headteacher headmaster headmistress principal professor prof prof. inspector detective
constable superintendent sergeant officer pastor bishop archbishop reverend rev rev. father
winger striker midfielder defender goalkeeper captain skipper
""".split())

# Heads of role phrases that can stand for a named person ("the Iranian president").
ROLE_HEADS = frozenset("""
president minister premier chancellor secretary spokesman spokeswoman spokesperson leader
chief ambassador envoy negotiator king queen prince emir sheikh ayatollah governor mayor
director commander general
""".split())

# Adjective of a country, and the country of an adjective (small, common set; a
# role phrase with a country outside it still resolves through the GPE itself).
DEMONYMS = {
    "Russia": "Russian", "Iran": "Iranian", "China": "Chinese", "Ukraine": "Ukrainian",
    "United States": "US", "Israel": "Israeli", "Britain": "British",
    "United Kingdom": "British", "France": "French", "Germany": "German", "Turkey": "Turkish",
    "Syria": "Syrian", "Iraq": "Iraqi", "Saudi Arabia": "Saudi", "India": "Indian",
    "Japan": "Japanese", "Belarus": "Belarusian", "Poland": "Polish", "Italy": "Italian",
    "Afghanistan": "Afghan", "Pakistan": "Pakistani", "Qatar": "Qatari", "Oman": "Omani",
    "Egypt": "Egyptian", "Canada": "Canadian", "Australia": "Australian", "Spain": "Spanish",
    "Europe": "European", "Lebanon": "Lebanese", "Yemen": "Yemeni", "Kazakhstan": "Kazakh",
}
COUNTRY_OF_ADJECTIVE = {adj.casefold(): country for country, adj in DEMONYMS.items()}
COUNTRY_OF_ADJECTIVE.update({"american": "United States", "u.s.": "United States",
                             "english": "United Kingdom", "soviet": "Soviet Union"})

# Last words of organisations that only mean something with their country.
GENERIC_ORG_HEADS = frozenset("""
parliament fleet navy army ministry senate cabinet government duma assembly council court
guard forces force police bank
""".split())

# Metonyms: a place name standing for an institution when the context makes it an actor.
# Each: folded surface -> (canonical name, type, place name used when it is a place).
METONYMS = {
    "washington": ("Washington (US government)", "GPE", "Washington, D.C."),
    "kremlin": ("Kremlin (Russian presidency)", "ORG", None),
    "white house": ("White House (US presidency)", "ORG", None),
    "pentagon": ("Pentagon (US Department of Defense)", "ORG", None),
}
# Words right before "Washington" that make it the city, not the government.
PLACE_PREPOSITIONS = frozenset("in to from at near outside inside around visit visited "
                               "visiting arrived flew".split())

# Head words that make a name an organisation or a facility whatever the model says
# ("Steven F. Udvar-Hazy Center", "Municipality of Livorno", "Example Wire").
ORG_HEAD_WORDS = frozenset("""
agency association authority bank board bureau club commission committee company corporation
corp council court department foundation fund group institute institution league ministry
municipality office organization organisation party police press service society union
university college school times post news wire radio television tv gazette journal herald
tribune network channel inc ltd airlines army navy parliament assembly senate congress
""".split())
FACILITY_HEAD_WORDS = frozenset("center centre street road avenue airport square bridge hall "
                                "stadium station".split())
# Upper-case abbreviations that are countries, not organisations.
COUNTRY_ABBREVIATIONS = frozenset("US USA UK UAE DPRK PRC ROK DRC".split())
_ACRONYM = re.compile(r"^[A-Z]{2,6}$")

_TITLE_WORDS = frozenset(t.rstrip(".") for t in TITLES)
_NAME_TOKEN = re.compile(r"[A-Z]")
_POSSESSIVE = re.compile(r"(?:'s|’s|'|’)$")


@dataclass(frozen=True, slots=True)
class Mention:
    """One mention of an entity (or a kept value) in a text, with its article-level name."""

    start_char: int
    end_char: int
    text: str
    name: str
    type: str
    label: str
    sentence_index: int
    how: str  # ner | surname | nominal | metonym | value


@dataclass(slots=True)
class DocEntities:
    """The mentions of one parsed article and the lookups the claim finders need."""

    mentions: list[Mention]
    values: list[Mention]
    sentence_starts: list[int]
    by_token: dict[int, Mention] = field(default_factory=dict)
    roles: dict[str, set[tuple[str | None, str]]] = field(default_factory=dict)
    person_names: set[str] = field(default_factory=set)
    # person -> the organisation the article says the person speaks or works for
    institutions: dict[str, str] = field(default_factory=dict)
    # pronoun token -> the described person it refers to ("a firefighter in Schuld")
    described_by_token: dict[int, str] = field(default_factory=dict)

    @property
    def role_heads(self) -> set[str]:
        """Head nouns of the roles the article gives its people ('minister', 'student')."""
        return {role.split()[-1] for held in self.roles.values() for _, role in held}

    def sentence_of(self, char: int) -> int:
        """Index of the sentence holding character `char`."""
        return max(0, bisect.bisect_right(self.sentence_starts, char) - 1)

    def mention_at(self, token: Token) -> Mention | None:
        """The entity mention covering `token`, if any."""
        return self.by_token.get(token.i)

    def persons_before(self, char: int) -> list[Mention]:
        """Person mentions ending before `char`, nearest first."""
        found = [m for m in self.mentions if m.type == "PERSON" and m.end_char <= char]
        return sorted(found, key=lambda m: -m.end_char)

    def resolve_role(self, country: str | None, role: str) -> str | None:
        """The one person this article gives `role` (and `country`, when known), else None."""
        return _unique_role_holder(self.roles, country, role)


def sentence_starts(doc: Doc) -> list[int]:
    """Start character of each sentence of `doc`, in order."""
    return [sent.start_char for sent in doc.sents]


def find_entities(doc: Doc, furniture: Sequence[Furniture] = ()) -> DocEntities:
    """Mentions of PERSON, ORG, GPE, LOC and NORP entities in `doc`, names canonical in the article.

    The model's facilities (FAC: airports, bases, bridges) are kept as places (LOC).

    Names inside wire furniture (a dateline's agency, a byline, a photo credit) are
    not mentions of the story and are left out.
    """
    starts = sentence_starts(doc)
    kept = [e for e in doc.ents if e.label_ in ENTITY_TYPES + ("FAC",) and _is_name(e)
            and not _is_title_part(e)]
    spans = _merge_split_orgs([_with_given_names(span) for span in kept])
    spans = sorted(spans + _conjoined_places(doc, spans), key=lambda s: s.start)
    raw = [_raw_mention(doc, span, starts) for span in spans]
    raw = [m for m in raw if m is not None
           and not inside_furniture(furniture, m.start_char, m.end_char)]
    persons = _full_person_names(raw)
    surname_map = _surname_map(persons)
    mentions: list[_Draft] = []
    for draft in raw:
        person = surname_map.get(draft.name) or (draft.name if draft.name in persons else None)
        if person is not None:
            how = "ner" if draft.label == "PERSON" else "surname"
            mentions.append(draft.replace(name=person, type="PERSON", how=how))
        else:
            mentions.append(_apply_context(doc, draft))
    covered = {i for d in mentions for i in range(d.token_start, d.token_end)}
    mentions.extend(_missed_surnames(doc, surname_map, covered, starts))
    covered = {i for d in mentions for i in range(d.token_start, d.token_end)}
    mentions.extend(_missed_repeats(doc, mentions, covered, starts))
    roles, institutions = _person_roles(doc, mentions)
    result = DocEntities(
        mentions=[], values=_value_mentions(doc, starts), sentence_starts=starts,
        roles=roles, person_names=set(persons), institutions=institutions,
    )
    nominal = _nominal_mentions(doc, result, covered | {i for d in mentions
                                                        for i in range(d.token_start, d.token_end)})
    mentions.extend(nominal)
    mentions.sort(key=lambda d: d.start_char)
    for draft in mentions:
        mention = draft.freeze()
        result.mentions.append(mention)
        for i in range(draft.token_start, draft.token_end):
            result.by_token[i] = mention
    return result


@dataclass(slots=True)
class _Draft:
    token_start: int
    token_end: int
    start_char: int
    end_char: int
    text: str
    name: str
    type: str
    label: str
    sentence_index: int
    how: str

    def replace(self, **changes: str) -> _Draft:
        values = {k: getattr(self, k) for k in self.__slots__}  # type: ignore[attr-defined]
        values.update(changes)
        return _Draft(**values)

    def freeze(self) -> Mention:
        return Mention(self.start_char, self.end_char, self.text, self.name, self.type,
                       self.label, self.sentence_index, self.how)


def _is_name(span: Span) -> bool:
    """A name has a capital letter: the model's lower-case 'entities' are noise."""
    return any(_NAME_TOKEN.match(t.text) for t in span)


def _merge_split_orgs(spans: list[Span]) -> list[Span]:
    """Rejoin 'the Institute for Iran' + 'and' + 'Eurasian Studies' into one organisation."""
    merged: list[Span] = []
    i = 0
    while i < len(spans):
        span = spans[i]
        if (
            span.label_ == "ORG"
            and i + 1 < len(spans)
            and any(t.lower_ in ("for", "of", "on") for t in span[1:])
            and span.end + 1 == spans[i + 1].start
            and span.doc[span.end].lower_ in ("and", "&")
            and spans[i + 1][0].lower_ != "the"
        ):
            doc = span.doc
            merged.append(Span(doc, span.start, spans[i + 1].end, label="ORG"))
            i += 2
            continue
        merged.append(span)
        i += 1
    return merged


def _with_given_names(span: Span) -> Span:
    """'Oleksii Reznikov' where the model marked only 'Reznikov': given names joined back."""
    if span.label_ != "PERSON":
        return span
    doc = span.doc
    start = span.start
    while (start > 0 and doc[start - 1].pos_ == "PROPN" and doc[start - 1].dep_ == "compound"
           and doc[start - 1].head.i in range(span.start, span.end)
           and doc[start - 1].text[:1].isupper() and not doc[start - 1].ent_type_
           and not _is_title(doc[start - 1].text)):
        start -= 1
    return span if start == span.start else Span(doc, start, span.end, label="PERSON")


def _is_title_part(span: Span) -> bool:
    """'Defense' in "Defense Secretary Lloyd Austin": part of a title, not an organisation."""
    doc = span.doc
    if span.label_ != "ORG" or span.end >= len(doc):
        return False
    following = doc[span.end]
    return (following.text[:1].isupper() and _is_title(following.text)
            and (span.end + 1 < len(doc) and doc[span.end + 1].ent_type_ == "PERSON"
                 or all(_is_title(t.text) for t in span)))


def _conjoined_places(doc: Doc, spans: list[Span]) -> list[Span]:
    """'Kharkiv and Odesa' in "in Kyiv, Kharkiv and Odesa": unlabelled names listed with a place."""
    covered = {i for span in spans for i in range(span.start, span.end)}
    found: list[Span] = []
    for span in spans:
        if span.label_ not in ("GPE", "LOC"):
            continue
        stack = [span.root]
        while stack:
            token = stack.pop()
            for child in token.children:
                if child.dep_ != "conj":
                    continue
                stack.append(child)
                if child.i in covered or child.pos_ != "PROPN" or not child.text[:1].isupper():
                    continue
                start = child.i
                while start > 0 and doc[start - 1].dep_ == "compound" and doc[start - 1].pos_ == (
                        "PROPN") and doc[start - 1].i not in covered:
                    start -= 1
                found.append(Span(doc, start, child.i + 1, label=span.label_))
                covered.update(range(start, child.i + 1))
    return found


def clean_name(text: str, label: str) -> str:
    """The name in a mention: no leading article, title or possessive; single spaces."""
    words = text.replace("\n", " ").split()
    while words and words[0].lower() in ("the", "a", "an"):
        words = words[1:]
    if label == "PERSON":
        while len(words) > 1 and _is_title(words[0]):
            words = words[1:]
    if words:
        words[-1] = _POSSESSIVE.sub("", words[-1]) or words[-1]
    name = " ".join(words)
    if label == "NORP" and name.endswith(("ans", "ians", "ese")) and name.endswith("s"):
        name = name[:-1]  # "Russians" and "Russian" are one group
    return name


def _is_title(word: str) -> bool:
    return word.lower().rstrip(".") in _TITLE_WORDS


def _raw_mention(doc: Doc, span: Span, starts: Sequence[int]) -> _Draft | None:
    tokens = list(span)
    # Leading articles and titles are not part of the mention's text either.
    while tokens and (tokens[0].lower_ in ("the", "a", "an") or (
            span.label_ == "PERSON" and len(tokens) > 1 and _is_title(tokens[0].text))):
        tokens = tokens[1:]
    while tokens and tokens[-1].text in ("'s", "’s", "'", "’"):
        tokens = tokens[:-1]
    if not tokens:
        return None
    start, end = tokens[0].idx, tokens[-1].idx + len(tokens[-1].text)
    text = doc_text(doc)[start:end]
    name = clean_name(text, span.label_)
    if not name or not _NAME_TOKEN.search(name):
        return None
    type_ = corrected_type(name, span.label_)
    if type_ == "PERSON" and " " not in name and _after_article(doc, tokens[0].i) and (
            tokens[-1].dep_ != "compound"):
        # "the Church", "the Smithsonian": a person's name takes no article (but "the
        # Biden administration" is the person's, as a modifier)
        type_ = "ORG"
    return _Draft(tokens[0].i, tokens[-1].i + 1, start, end, text, name, type_, span.label_,
                  _index_of(starts, start), "ner")


def _after_article(doc: Doc, i: int) -> bool:
    return i > 0 and doc[i - 1].lower_ == "the"


def corrected_type(name: str, label: str) -> str:
    """The type of a name by its form: organisation and facility head words, acronyms.

    The model calls "Example Wire" a person and "DAB" a person or place; a
    name headed by "Agency", "Party", "News" (the word before "of" when there
    is one) is an organisation, one headed by "Center" or "Road" a place (as is
    any name the model calls a facility, FAC, that no head word makes an organisation), and
    an upper-case acronym that is not a country is an organisation.
    """
    if label in ("ORG", "PERSON", "NORP") and is_country(name):
        return "GPE"  # a country acting as a state
    if label not in ("PERSON", "GPE", "NORP", "LOC", "FAC"):
        return label
    words = name.split()
    head = words[words.index("of") - 1] if "of" in words[1:] else words[-1]
    key = head.casefold().rstrip(".")
    if key in ORG_HEAD_WORDS and label != "LOC":
        return "ORG"
    if key in FACILITY_HEAD_WORDS and label != "GPE" or label == "FAC":
        return "LOC"  # a facility (airport, bridge, base) is a place
    if _ACRONYM.match(words[-1]) and words[-1] not in COUNTRY_ABBREVIATIONS and (
            label in ("PERSON", "NORP")):
        return "ORG"
    return label


def _index_of(starts: Sequence[int], char: int) -> int:
    return max(0, bisect.bisect_right(starts, char) - 1)


def _full_person_names(drafts: Iterable[_Draft]) -> dict[str, list[str]]:
    """Multi-word person names of the article, each with its words."""
    return {d.name: d.name.split() for d in drafts if d.type == "PERSON" and d.label == "PERSON"
            and " " in d.name}


def _surname_map(persons: dict[str, list[str]]) -> dict[str, str]:
    """Trailing parts of full names ('Raisi', 'Amir Abdollahian') -> the full name, when unique."""
    candidates: dict[str, set[str]] = {}
    for full, words in persons.items():
        for k in range(1, len(words)):
            candidates.setdefault(" ".join(words[k:]), set()).add(full)
        # Family name first ("Xi" of "Xi Jinping"), or a given name used alone ("Tedros").
        if len(words[0]) > 1 and not words[0].endswith("."):
            candidates.setdefault(words[0], set()).add(full)
    # A shorter full name that is itself the tail of a longer one belongs to it.
    for full, words in persons.items():
        longer = [other for other, w in persons.items()
                  if other != full and len(w) > len(words) and w[-len(words):] == words]
        if len(longer) == 1:
            candidates.setdefault(full, set()).add(longer[0])
    # A part two people share ("Mohamed" of "Ahmed Mohamed" and his father "Mohamed
    # El-Hassan Mohamed") is the person the article introduced first, as news style has it.
    order = {full: n for n, full in enumerate(persons)}
    return {part: min(fulls, key=order.__getitem__) for part, fulls in candidates.items()
            if len(fulls) == 1 or part == " ".join(min(fulls, key=order.__getitem__).split()[-1:])}


def _missed_repeats(
    doc: Doc, drafts: Sequence[_Draft], covered: set[int], starts: Sequence[int]
) -> list[_Draft]:
    """Names the model marked somewhere in the article, left unmarked where they recur.

    The small model tags "Sweden" in one sentence and not in the next, "FIFA" in
    the headline and not in the body. A whole run of proper nouns spelling a name
    the article already has is that name again, with the type the article gives it
    most often (`how` = "repeat").
    """
    types: dict[tuple[str, ...], Counter[tuple[str, str]]] = {}
    for d in drafts:
        if d.how == "ner" and d.type != "NORP":
            words = tuple(t.text for t in doc[d.token_start:d.token_end])
            types.setdefault(words, Counter())[(d.name, d.type)] += 1
    by_first: dict[str, list[tuple[str, ...]]] = {}
    for words in types:
        by_first.setdefault(words[0], []).append(words)
    found: list[_Draft] = []
    n = len(doc)
    i = 0
    while i < n:
        options = by_first.get(doc[i].text) if i not in covered else None
        matched = None
        for words in sorted(options or [], key=len, reverse=True):
            end = i + len(words)
            if end <= n and tuple(t.text for t in doc[i:end]) == words and not (
                    covered & set(range(i, end))) and _whole_name_run(doc, i, end):
                matched = words
                break
        if matched is None:
            i += 1
            continue
        (name, type_), _ = types[matched].most_common(1)[0]
        start, end_char = doc[i].idx, doc[i + len(matched) - 1].idx + len(matched[-1])
        found.append(_Draft(i, i + len(matched), start, end_char, doc_text(doc)[start:end_char],
                            name, type_, "", _index_of(starts, start), "repeat"))
        i += len(matched)
    return found


def _whole_name_run(doc: Doc, start: int, end: int) -> bool:
    """doc[start:end] is proper nouns, not part of a longer capitalised name."""
    if any(t.pos_ != "PROPN" for t in doc[start:end]):
        return False
    before = doc[start - 1] if start > 0 else None
    after = doc[end] if end < len(doc) else None
    return not any(t is not None and t.pos_ == "PROPN" and t.text[:1].isupper()
                   for t in (before, after))


def _missed_surnames(
    doc: Doc, surname_map: dict[str, str], covered: set[int], starts: Sequence[int]
) -> list[_Draft]:
    """Surnames of the article's people that the model did not mark at all."""
    if not surname_map:
        return []
    by_first: dict[str, list[list[str]]] = {}
    for part in surname_map:
        words = part.split()
        by_first.setdefault(words[0], []).append(words)
    found: list[_Draft] = []
    i = 0
    n = len(doc)
    while i < n:
        token = doc[i]
        options = by_first.get(token.text) if i not in covered else None
        matched = None
        for words in sorted(options or [], key=len, reverse=True):
            end = i + len(words)
            if end <= n and [t.text for t in doc[i:end]] == words and not covered & set(range(i, end)):
                matched = words
                break
        if matched is None:
            i += 1
            continue
        end_token = doc[i + len(matched) - 1]
        start, end = token.idx, end_token.idx + len(end_token.text)
        part = " ".join(matched)
        found.append(_Draft(i, i + len(matched), start, end, doc_text(doc)[start:end],
                            surname_map[part], "PERSON", "", _index_of(starts, start), "surname"))
        i += len(matched)
    return found


def _apply_context(doc: Doc, draft: _Draft) -> _Draft:
    """Metonyms and country-less organ names, read from the words around the mention."""
    key = draft.name.casefold()
    if (len(draft.text) > 3 and draft.type in ("ORG", "PERSON", "NORP")
            and is_dateline_place(doc[draft.token_end - 1])):
        return draft.replace(type="GPE")  # "BERLIN, Oct 9 (Wire) -": a place, whatever the model says
    if key in METONYMS:
        canonical, kind, place = METONYMS[key]
        if place is not None and _reads_as_place(doc, draft):
            return draft.replace(name=place, type="GPE", how="ner")
        return draft.replace(name=canonical, type=kind, how="metonym")
    if draft.label == "ORG" and draft.name.split()[-1].casefold() in GENERIC_ORG_HEADS:
        country = _possessive_country(doc, draft.token_start)
        first = draft.name.split()[0]
        if country and first.casefold() not in COUNTRY_OF_ADJECTIVE and first not in DEMONYMS:
            adjective = DEMONYMS.get(country, country)
            return draft.replace(name=f"{adjective} {draft.name}")
    return draft


def _reads_as_place(doc: Doc, draft: _Draft) -> bool:
    if draft.text.isupper() and len(draft.text) > 3:
        return True  # a dateline: "WASHINGTON (AP) —"
    before = doc[draft.token_start - 1].lower_ if draft.token_start > 0 else ""
    after = doc[draft.token_end: draft.token_end + 3].text
    return before in PLACE_PREPOSITIONS or after.startswith((", D.C.", "D.C.", "state", "State"))


def _possessive_country(doc: Doc, token_start: int) -> str | None:
    """The country in "Russia's [lower house of] X" just before token `token_start`."""
    i = token_start - 1
    steps = 0
    while i >= 0 and steps < 5:
        token = doc[i]
        if token.text in ("'s", "’s") and i > 0 and doc[i - 1].ent_type_ == "GPE":
            return str(clean_name(doc[i - 1].text, "GPE"))
        if token.ent_type_ == "NORP" and steps == 0:
            return COUNTRY_OF_ADJECTIVE.get(token.lower_)
        if token.is_punct or token.is_sent_start or (token.text[:1].isupper() and token.ent_type_ != "GPE"):
            return None
        i -= 1
        steps += 1
    return None


def _country_of(token: Token) -> str | None:
    """The country a modifier names: 'Iran' (GPE) or 'Iranian' (NORP)."""
    if token.ent_type_ == "GPE" or is_country(token.text):
        return clean_name(token.text, "GPE")
    return COUNTRY_OF_ADJECTIVE.get(token.lower_)


def _body_of(token: Token) -> str | None:
    """'European Union' for the possessor in "the European Union's foreign policy chief"."""
    if token.ent_type_ != "ORG":
        return None
    for ent in token.doc.ents:
        if ent.start <= token.i < ent.end:
            return clean_name(ent.text, "ORG")
    return None


def role_of_phrase(head: Token, heads: frozenset[str] | set[str] = ROLE_HEADS
                   ) -> tuple[str | None, str] | None:
    """(country, role words) of a role phrase headed by `head`, e.g. (Iran, 'foreign minister').

    `heads` are the nouns that can head one (the usual offices, or the roles an
    article gives its people: "coach", "curator").
    """
    if head.lemma_.lower() not in heads or head.tag_ in ("NNS", "NNPS"):
        return None
    country: str | None = None
    words: list[str] = []
    for child in head.lefts:
        if child.dep_ in ("poss", "amod", "compound", "nmod"):
            found = _country_of(child) or (_body_of(child) if child.dep_ == "poss" else None)
            if found:
                country = found
            elif child.dep_ in ("amod", "compound") and child.is_alpha:
                # "foreign policy chief": the parse hangs "foreign" on "policy"
                words.extend(w.lower_ for w in child.lefts
                             if w.dep_ in ("amod", "compound") and w.is_alpha
                             and _country_of(w) is None)
                words.append(child.lower_)
    for child in head.rights:
        if child.dep_ == "prep" and child.lower_ == "of":
            for obj in child.children:
                if obj.dep_ == "pobj" and obj.ent_type_ == "GPE":
                    country = _country_of(obj) or country
                elif obj.dep_ == "pobj" and obj.pos_ in ("NOUN", "PROPN") and not any(
                        c.dep_ == "det" for c in obj.children):
                    words.append(obj.lower_)  # "secretary of state"
    words.append(head.lemma_.lower())
    return country, role_key(" ".join(words))


def _person_roles(
    doc: Doc, mentions: list[_Draft]
) -> tuple[dict[str, set[tuple[str | None, str]]], dict[str, str]]:
    """Roles the article gives its people, and the institutions they speak for.

    Roles come from titles ("Interior Minister X"), appositions ("X, the
    agency's chief"; "X, a student") and lower-case nouns before the name
    ("union president X", "ministry spokesman X"); an organisation named in
    the same phrase ("Delhi Police spokesman X", "X, a spokesman for the
    fire service") is the person's institution.
    """
    roles: dict[str, set[tuple[str | None, str]]] = {}
    institutions: dict[str, str] = {}
    organisation_at = {i: d for d in mentions if d.type == "ORG"
                       for i in range(d.token_start, d.token_end)}
    for draft in mentions:
        if draft.type != "PERSON" or draft.how == "surname" and draft.label != "PERSON":
            continue
        root = doc[draft.token_end - 1]
        found: set[tuple[str | None, str]] = set()
        phrase_tokens: list[Token] = []
        title = _title_before(doc, draft.token_start)
        if title is not None:
            country = _country_after(doc, draft.token_end) or title[0]
            found.add((country, role_key(title[1])))
        prefix = _noun_prefix(doc, draft.token_start)
        if prefix:
            before = prefix[0].i - 1
            country = None
            if before >= 0:
                country = _country_of(doc[before - 1]) if doc[before].text in ("'s", "’s") and (
                    before > 0) else _country_of(doc[before])
            found.add((country, role_key(" ".join(t.lemma_.lower() for t in prefix))))
            phrase_tokens.extend(prefix)
            phrase_tokens.extend(doc[max(0, prefix[0].i - 4):prefix[0].i])
        for token in (root, root.head):
            for child in token.children:
                if child.dep_ == "appos" and child.i not in range(draft.token_start, draft.token_end):
                    role = role_of_phrase(child) or _generic_role(child)
                    if role:
                        found.add(role)
                        phrase_tokens.extend(child.subtree)
        if root.dep_ == "appos":
            role = role_of_phrase(root.head) or _generic_role(root.head)
            if role:
                found.add(role)
                phrase_tokens.extend(t for t in root.head.subtree if t.i < draft.token_start)
        found = {(country, role) for country, role in found if role}  # "A: X" gives no role
        if found:
            roles.setdefault(draft.name, set()).update(found)
        institution = next((organisation_at[t.i].name for t in phrase_tokens
                            if t.i in organisation_at), None)
        if institution and draft.name not in institutions:
            institutions[draft.name] = institution
    return roles, institutions


def _generic_role(head: Token) -> tuple[str | None, str] | None:
    """(None, 'student') for an apposition "X, a student at ..."; None for a name or plural."""
    if head.pos_ != "NOUN" or head.tag_ == "NNS" or not head.is_alpha:
        return None
    return None, role_key(head.lemma_.lower())


def _noun_prefix(doc: Doc, token_start: int) -> list[Token]:
    """Lower-case nouns right before a name that describe it: 'union president' X."""
    i = token_start - 1
    found: list[Token] = []
    while i >= 0 and doc[i].pos_ == "NOUN" and doc[i].is_lower and doc[i].dep_ == "compound" and (
            doc[i].tag_ == "NN"):
        found.insert(0, doc[i])
        i -= 1
    return found


def _title_before(doc: Doc, token_start: int) -> tuple[str | None, str] | None:
    """('Iran', 'president') for "Iranian President X" / "Iran's President X"."""
    i = token_start - 1
    words: list[str] = []
    while i >= 0 and doc[i].text[:1].isupper() and _is_title(doc[i].text):
        words.insert(0, doc[i].lower_)
        i -= 1
    if not words:
        return None
    country = None
    if i >= 0:
        if doc[i].text in ("'s", "’s") and i > 0:
            country = _country_of(doc[i - 1])
        else:
            country = _country_of(doc[i])
    return country, " ".join(words)


def _country_after(doc: Doc, token_end: int) -> str | None:
    """'Iran' in "President Ebrahim Raisi of Iran"."""
    if token_end + 1 < len(doc) and doc[token_end].lower_ == "of":
        return _country_of(doc[token_end + 1])
    return None


def _unique_role_holder(
    roles: dict[str, set[tuple[str | None, str]]], country: str | None, role: str
) -> str | None:
    head = role.split()[-1]
    holders = set()
    for person, held in roles.items():
        for held_country, held_role in held:
            if held_role.split()[-1] != head:
                continue
            if set(role.split()) - set(held_role.split()) and set(held_role.split()) - set(role.split()):
                continue  # "foreign minister" is not the "defense minister"
            if country is not None and held_country is not None and held_country != country:
                continue
            if country is not None and held_country is None and is_country(country):
                continue
            holders.add(person)
    return next(iter(holders)) if len(holders) == 1 else None


def _nominal_mentions(doc: Doc, ents: DocEntities, covered: set[int]) -> list[_Draft]:
    """Role phrases ("Iran's foreign minister") that name a person of the article."""
    if not ents.roles:
        return []
    found: list[_Draft] = []
    for token in doc:
        if token.i in covered or token.pos_ != "NOUN" or token.lemma_.lower() not in ROLE_HEADS:
            continue
        if token.dep_ == "appos" or any(c.dep_ == "appos" for c in token.children):
            continue  # an apposition introduces the name itself
        role = role_of_phrase(token)
        if role is None or role[0] is None:
            continue
        person = ents.resolve_role(*role)
        if person is None:
            continue
        left = min([c.i for c in token.lefts if c.dep_ in ("poss", "amod", "compound", "det")]
                   + [token.i])
        start_tok = doc[left]
        start, end = start_tok.idx, token.idx + len(token.text)
        found.append(_Draft(left, token.i + 1, start, end, doc_text(doc)[start:end], person, "PERSON",
                            "", ents.sentence_of(start), "nominal"))
    return found


def _value_mentions(doc: Doc, starts: Sequence[int]) -> list[Mention]:
    values = []
    for ent in doc.ents:
        if ent.label_ in VALUE_TYPES:
            values.append(Mention(ent.start_char, ent.end_char, ent.text, ent.text, ent.label_,
                                  ent.label_, _index_of(starts, ent.start_char), "value"))
    return values
