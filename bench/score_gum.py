"""Score named mentions and person coreference on GUM news (real text, gold by others).

    PYTHONPATH=plugins .venv/bin/python bench/score_gum.py [--dir DIR] [--details]

Reads the WebAnno TSV files of `../shared/bench/gum-news/` (STORYWATCH_SHARED_DIR
overrides ../shared; `--dir` names another folder; format in that folder's
README), rebuilds each document's text at the gold offsets, and prints three
figures for storywatch's extractor and for the spaCy small model alone:
- recall: gold named mentions (person, organization, place spans whose words
  are capitalised) overlapped by one of our entity mentions;
- typing: gold named mentions found with the right type (person -> PERSON,
  organization -> ORG, place -> GPE/LOC; a GUM organization that is a country
  counts right as GPE), over all gold named mentions;
- resolution: of the mentions that are not names (pronouns, role phrases) in
  the gold chain of a person who is named in the document, the share we link
  to the same canonical entity as that name.
No database: the extractor is pure (`storywatch.language.analysis`).
"""
from __future__ import annotations

import argparse
import os
import re
import sys
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "plugins"))

NAMED_TYPES = ("person", "organization", "place")
# Coreference relations that keep identity (bridging and discourse deixis do not).
IDENTITY_RELATIONS = ("coref", "ana", "cata", "appos", "pred")
PRONOUNS = frozenset("""
i me my mine myself we us our ours ourselves you your yours yourself yourselves he him his
himself she her hers herself it its itself they them their theirs themselves who whom whose
which that this these those one
""".split())
# Words a name may hold in lower case ("the University of Texas", "Ibn al-Haytham").
NAME_FUNCTION_WORDS = frozenset("the of and for de da del der van von al la le du on at in "
                                "'s ’s - & ' , .".split())
EXPECTED_TYPES = {"person": {"PERSON"}, "organization": {"ORG"}, "place": {"GPE", "LOC", "FAC"}}
# Sovereign states and their usual short names: a GUM organization that is one of these is a
# country acting as a state, which OntoNotes types GPE.
COUNTRIES = frozenset(name.casefold() for name in """
Afghanistan|Albania|Algeria|Andorra|Angola|Argentina|Armenia|Australia|Austria|Azerbaijan|
Bahamas|Bahrain|Bangladesh|Barbados|Belarus|Belgium|Belize|Benin|Bhutan|Bolivia|Bosnia|
Botswana|Brazil|Brunei|Bulgaria|Burkina Faso|Burundi|Cambodia|Cameroon|Canada|Chad|Chile|
China|Colombia|Congo|Costa Rica|Croatia|Cuba|Cyprus|Czech Republic|Czechia|Denmark|Djibouti|
Dominica|Dominican Republic|Ecuador|Egypt|El Salvador|Eritrea|Estonia|Eswatini|Ethiopia|Fiji|
Finland|France|Gabon|Gambia|Georgia|Germany|Ghana|Greece|Grenada|Guatemala|Guinea|Guyana|
Haiti|Honduras|Hungary|Iceland|India|Indonesia|Iran|Iraq|Ireland|Israel|Italy|Jamaica|Japan|
Jordan|Kazakhstan|Kenya|Kiribati|Kosovo|Kuwait|Kyrgyzstan|Laos|Latvia|Lebanon|Lesotho|
Liberia|Libya|Liechtenstein|Lithuania|Luxembourg|Madagascar|Malawi|Malaysia|Maldives|Mali|
Malta|Mauritania|Mauritius|Mexico|Moldova|Monaco|Mongolia|Montenegro|Morocco|Mozambique|
Myanmar|Burma|Namibia|Nauru|Nepal|Netherlands|Holland|New Zealand|Nicaragua|Niger|Nigeria|
North Korea|South Korea|Korea|North Macedonia|Macedonia|Norway|Oman|Pakistan|Palau|Palestine|
Panama|Papua New Guinea|Paraguay|Peru|Philippines|Poland|Portugal|Qatar|Romania|Russia|
Russian Federation|Rwanda|Samoa|San Marino|Saudi Arabia|Senegal|Serbia|Seychelles|
Sierra Leone|Singapore|Slovakia|Slovenia|Somalia|South Africa|South Sudan|Spain|Sri Lanka|
Sudan|Suriname|Sweden|Switzerland|Syria|Taiwan|Tajikistan|Tanzania|Thailand|Togo|Tonga|
Trinidad and Tobago|Tunisia|Turkey|Turkmenistan|Tuvalu|Uganda|Ukraine|United Arab Emirates|
UAE|United Kingdom|UK|U.K.|Britain|Great Britain|England|Scotland|Wales|United States|
United States of America|US|U.S.|USA|U.S.A.|America|Uruguay|Uzbekistan|Vanuatu|Vatican|
Venezuela|Vietnam|Yemen|Zambia|Zimbabwe|Soviet Union|USSR
""".replace("\n", "").split("|"))
_SPAN_REF = re.compile(r"^(.*?)(?:\[(\d+)\])?$")
_TARGET = re.compile(r"^(\d+-\d+)(?:\[(\d+)_(\d+)\])?$")


@dataclass
class GumMention:
    """One gold mention: a span of tokens with its entity type."""

    key: tuple[str, str]
    type: str
    start: int
    end: int
    tokens: list[tuple[str, bool]] = field(default_factory=list)  # (word, sentence-initial)
    identity: str | None = None

    @property
    def text(self) -> str:
        return " ".join(word for word, _ in self.tokens)


@dataclass
class GumDoc:
    """A GUM document: its text rebuilt at the gold offsets, mentions and chains."""

    name: str
    text: str
    mentions: dict[tuple[str, str], GumMention]
    chains: list[list[GumMention]]


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[tuple[str, str], tuple[str, str]] = {}

    def find(self, key: tuple[str, str]) -> tuple[str, str]:
        self.parent.setdefault(key, key)
        while self.parent[key] != key:
            self.parent[key] = self.parent[self.parent[key]]
            key = self.parent[key]
        return key

    def union(self, a: tuple[str, str], b: tuple[str, str]) -> None:
        self.parent[self.find(a)] = self.find(b)


def _span_key(address: str, span_id: str | None) -> tuple[str, str]:
    """A span is named by its number, or (single-token spans) by its token."""
    return ("span", span_id) if span_id and span_id != "0" else ("token", address)


def parse_gum_tsv(path: Path) -> GumDoc:
    """Text, mentions and identity chains of one WebAnno TSV 3.2 file."""
    pieces: list[tuple[int, str]] = []
    mentions: dict[tuple[str, str], GumMention] = {}
    edges: list[tuple[tuple[str, str], tuple[str, str]]] = []
    sentence_start = True
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("#Text="):
            sentence_start = True
            continue
        if not line or line.startswith("#"):
            continue
        cols = line.split("\t")
        if len(cols) < 10:
            continue
        address, offsets, word = cols[0], cols[1], cols[2]
        start, end = (int(x) for x in offsets.split("-"))
        pieces.append((start, word))
        entries = [] if cols[3] in ("_", "") else cols[3].split("|")
        identities = [] if cols[6] in ("_", "") else cols[6].split("|")
        identity_by_id: dict[str | None, str] = {}
        for value in identities:
            title, ident = _SPAN_REF.match(value).groups()  # type: ignore[union-attr]
            identity_by_id[ident] = title
        for entry in entries:
            type_, span_id = _SPAN_REF.match(entry).groups()  # type: ignore[union-attr]
            key = _span_key(address, span_id)
            mention = mentions.get(key)
            if mention is None:
                mention = mentions[key] = GumMention(key, type_, start, end)
                ident = identity_by_id.get(span_id)
                if ident is None and span_id is None and len(identities) == len(entries) == 1:
                    ident = _SPAN_REF.match(identities[0]).group(1)  # type: ignore[union-attr]
                mention.identity = ident if ident and ident != "_" else None
            mention.end = end
            mention.tokens.append((word, sentence_start))
        relations = [] if cols[8] in ("_", "") else cols[8].split("|")
        targets = [] if cols[9] in ("_", "") else cols[9].split("|")
        for relation, target in zip(relations, targets, strict=False):
            if relation.split(":")[0] not in IDENTITY_RELATIONS:
                continue
            match = _TARGET.match(target)
            if match is None:
                continue
            target_address, target_id, source_id = match.groups()
            edges.append((_span_key(address, source_id), _span_key(target_address, target_id)))
        sentence_start = False
    text = _rebuild_text(pieces)
    chains = _chains(mentions, edges)
    return GumDoc(path.stem, text, mentions, chains)


def _rebuild_text(pieces: Sequence[tuple[int, str]]) -> str:
    """Tokens at their offsets; the gap between sentences becomes a line break."""
    out: list[str] = []
    length = 0
    for start, word in pieces:
        if start > length:
            out.append(" " * (start - length))
            length = start
        out.append(word)
        length += len(word)
    return "".join(out)


def _chains(mentions: dict[tuple[str, str], GumMention],
            edges: Iterable[tuple[tuple[str, str], tuple[str, str]]]) -> list[list[GumMention]]:
    sets = _UnionFind()
    for key in mentions:
        sets.find(key)
    for a, b in edges:
        if a in mentions and b in mentions:
            sets.union(a, b)
    by_identity: dict[str, tuple[str, str]] = {}
    for key, mention in mentions.items():
        if mention.identity:
            if mention.identity in by_identity:
                sets.union(key, by_identity[mention.identity])
            else:
                by_identity[mention.identity] = key
    groups: dict[tuple[str, str], list[GumMention]] = defaultdict(list)
    for key, mention in mentions.items():
        groups[sets.find(key)].append(mention)
    return [sorted(group, key=lambda m: m.start) for group in groups.values()]


def is_named(mention: GumMention, lower_words: set[str]) -> bool:
    """A name: a person/organization/place span whose content words are capitalised."""
    if mention.type not in NAMED_TYPES or not mention.tokens:
        return False
    words = [(w, first) for w, first in mention.tokens if w.casefold() not in NAME_FUNCTION_WORDS]
    if not words or (len(words) == 1 and words[0][0].casefold() in PRONOUNS):
        return False
    for word, sentence_initial in words:
        if not word[:1].isupper() and not word[:1].isdigit():
            return False
        if sentence_initial and len(words) == 1 and word.casefold() in lower_words:
            return False  # "Officials" opening a sentence is a common noun
    return any(word[:1].isupper() for word, _ in words)  # "107" is no name


def lower_case_words(doc: GumDoc) -> set[str]:
    """Words the document writes in lower case somewhere."""
    return {w for w in re.findall(r"[^\W\d_]+", doc.text) if w.islower()}


@dataclass(frozen=True, slots=True)
class OurMention:
    """A mention a system found: characters, type and the canonical entity it links to."""

    start: int
    end: int
    type: str
    name: str
    how: str


@dataclass
class GumTally:
    """Counts summed over documents."""

    named: int = 0
    found: int = 0
    typed: int = 0
    to_resolve: int = 0
    resolved: int = 0
    by_kind: Counter[str] = field(default_factory=Counter)
    resolved_by_kind: Counter[str] = field(default_factory=Counter)
    misses: list[str] = field(default_factory=list)

    def figures(self) -> tuple[float, float, float]:
        return (self.found / max(self.named, 1), self.typed / max(self.named, 1),
                self.resolved / max(self.to_resolve, 1))


def type_right(gold: GumMention, ours: OurMention) -> bool:
    """Our type for a gold named mention is right (a country as organization may be GPE)."""
    if ours.type in EXPECTED_TYPES[gold.type]:
        return True
    return gold.type == "organization" and ours.type == "GPE" and _is_country(gold.text)


def _is_country(text: str) -> bool:
    words = text.replace(" 's", "").replace(" ’s", "").split()
    while words and words[0].casefold() == "the":
        words = words[1:]
    return " ".join(words).casefold() in COUNTRIES


def _overlapping(ours: Sequence[OurMention], start: int, end: int) -> list[OurMention]:
    return [m for m in ours if m.start < end and start < m.end]


def _matching(ours: Sequence[OurMention], gold: GumMention, text: str) -> list[OurMention]:
    """Our mentions of the gold span: inside it, or around it ending where it ends.

    GUM nests mentions ("Texas" inside "the University of Texas"); a mention of the
    university is not a mention of the state, so a longer mention of ours counts
    only when it ends with the gold span (its head) and no "of" comes before it.
    """
    end = gold.end
    tail = text[gold.start:gold.end]
    for suffix in (" 's", " ’s", " '"):
        if tail.endswith(suffix):
            end -= len(suffix)
    return [m for m in _overlapping(ours, gold.start, gold.end)
            if (m.start >= gold.start and m.end <= gold.end) or (
                m.end in (end, gold.end) and " of " not in text[m.start:gold.start + 1])]


def _at_head(ours: OurMention, gold: GumMention) -> bool:
    """Our mention sits on the gold span's head: its end, or its start before an 'of'.

    ("US President Donald Trump" is Trump; "Claudia Mo of the Civic Party" is Mo.)
    """
    words = [w for w, _ in gold.tokens]
    if "of" in words[1:]:
        first = words[0]
        start = gold.start + len(first) + 1 if first.casefold() in ("the", "a", "an") else (
            gold.start)
        return ours.start == start
    return ours.end >= gold.end - 3


def mention_kind(mention: GumMention) -> str:
    """pronoun, or role phrase (any other noun phrase that is not a name)."""
    if len(mention.tokens) == 1 and mention.tokens[0][0].casefold() in PRONOUNS:
        return "pronoun"
    return "role phrase"


def score_doc(doc: GumDoc, ours: Sequence[OurMention], tally: GumTally, details: bool) -> None:
    lower = lower_case_words(doc)
    for mention in doc.mentions.values():
        if not is_named(mention, lower):
            continue
        tally.named += 1
        found = _matching(ours, mention, doc.text)
        if not found:
            if details:
                tally.misses.append(f"{doc.name}: not found {mention.text!r} ({mention.type})")
            continue
        tally.found += 1
        best = max(found, key=lambda m: (_at_head(m, mention),
                                         min(m.end, mention.end) - max(m.start, mention.start)))
        if type_right(mention, best):
            tally.typed += 1
        elif details:
            tally.misses.append(f"{doc.name}: {mention.text!r} gold {mention.type}, "
                                f"ours {best.type} ({best.name})")
    for chain in doc.chains:
        if not any(m.type == "person" for m in chain):
            continue
        names = [m for m in chain if is_named(m, lower)]
        if not names:
            continue
        canonical = Counter(o.name for m in names for o in _matching(ours, m, doc.text)
                            if o.type == "PERSON")
        target = canonical.most_common(1)[0][0] if canonical else None
        for mention in chain:
            if mention in names:
                continue
            kind = mention_kind(mention)
            tally.to_resolve += 1
            tally.by_kind[kind] += 1
            linked = target is not None and any(
                o.name == target for o in _overlapping(ours, mention.start, mention.end))
            if linked:
                tally.resolved += 1
                tally.resolved_by_kind[kind] += 1
            elif details:
                got = sorted({o.name for o in _overlapping(ours, mention.start, mention.end)})
                tally.misses.append(f"{doc.name}: {mention.text!r} ({kind}) should be "
                                    f"{target or names[0].text!r}; ours {got}")


def storywatch_mentions(texts: Sequence[str]) -> list[list[OurMention]]:
    """The extractor's entity mentions (names, role phrases, pronouns) of each text."""
    from storywatch.language.analysis import analyse_texts

    return [[OurMention(m.start_char, m.end_char, m.type, m.name, m.how) for m in x.mentions]
            for x in analyse_texts(texts)]


def spacy_mentions(texts: Sequence[str]) -> list[list[OurMention]]:
    """The small model's own entities, each its own canonical name (no coreference)."""
    from storywatch.language import nlp

    kept = ("PERSON", "ORG", "GPE", "LOC", "FAC", "NORP")
    model = nlp.load_pipeline()
    return [[OurMention(e.start_char, e.end_char, e.label_, e.text, "ner") for e in doc.ents
             if e.label_ in kept] for doc in model.pipe(texts)]


def score_system(docs: Sequence[GumDoc], system: Callable[[Sequence[str]], list[list[OurMention]]],
                 details: bool) -> GumTally:
    tally = GumTally()
    for doc, ours in zip(docs, system([d.text for d in docs]), strict=True):
        score_doc(doc, ours, tally, details)
    return tally


def load_docs(folder: Path) -> list[GumDoc]:
    return [parse_gum_tsv(path) for path in sorted(folder.glob("*.tsv"))]


def default_dir() -> Path:
    shared = Path(os.environ.get("STORYWATCH_SHARED_DIR") or REPO.parent / "shared")
    return shared / "bench" / "gum-news"


def report(title: str, tally: GumTally) -> str:
    recall, typing, resolution = tally.figures()
    kinds = ", ".join(f"{kind} {tally.resolved_by_kind[kind]}/{n}"
                      for kind, n in sorted(tally.by_kind.items()))
    return (f"{title:<22} named-mention recall {tally.found}/{tally.named} = {recall:.1%}; "
            f"typed right {tally.typed}/{tally.named} = {typing:.1%}; "
            f"resolution {tally.resolved}/{tally.to_resolve} = {resolution:.1%} ({kinds})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, default=None, help="folder of GUM .tsv files "
                        "(default: $STORYWATCH_SHARED_DIR/bench/gum-news, else ../shared/...)")
    parser.add_argument("--details", action="store_true", help="list every miss")
    args = parser.parse_args(argv)
    folder = args.dir or default_dir()
    docs = load_docs(folder) if folder.is_dir() else []
    if not docs:
        print(f"no GUM .tsv files in {folder}: the corpus is read from ../shared at run time",
              file=sys.stderr)
        return 2
    print(f"{len(docs)} documents from {folder}")
    ours = score_system(docs, storywatch_mentions, args.details)
    alone = score_system(docs, spacy_mentions, False)
    print(report("storywatch", ours))
    print(report("spaCy small alone", alone))
    if args.details:
        for line in ours.misses:
            print(f"  - {line}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
