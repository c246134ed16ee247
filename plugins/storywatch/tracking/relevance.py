"""How much a document version concerns a thread: a score from 0 to 1 and the reason.

The score grows with the weight of the thread's terms and entities found, how
often they occur (logarithmically, so a word repeated twenty times does not
swamp the rest), a mention in the headline, and the share of sentences that
mention the thread at all. That last factor is what tells an article about the
Vienna talks from a report on the Raisi-Putin meeting that mentions Vienna in
one paragraph out of twenty.
"""
from __future__ import annotations

import bisect
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from storywatch.language.cues import (
    Sentence,
    Token,
    find_phrase,
    fold_chars,
    split_sentences,
    tokenize,
)
from storywatch.tracking.stories import story_parts
from storywatch.tracking.threads import Term, Thread

# raw evidence at which the strength reaches 1 - 1/e: less for a short item (a headline, a
# live-blog line, a brief) than for a long article, which mentions everything in passing
STRENGTH_SCALE = 10.0
SHORT_SCALE = 3.0
LONG_ARTICLE_SENTENCES = 25
# share of sentences mentioning the thread from which coverage counts in full
FULL_COVERAGE = 0.25
TITLE_FACTOR = 1.0
# The lede: the paragraphs of the first sentences, and the first paragraphs whatever their
# length (a byline or a dateline line may stand on its own).
LEDE_SENTENCES = 3
LEDE_PARAGRAPHS = 2


@dataclass(frozen=True, slots=True)
class ParsedText:
    """A version's headline and body split into sentences and words, once for all threads."""

    title: str
    title_words: tuple[str, ...]
    sentences: tuple[Sentence, ...]
    sentence_tokens: tuple[tuple[Token, ...], ...]
    # For each sentence, the label that opens its paragraph when one does ("Aug. 22 -",
    # "20:45 —", "MOSCOW, Feb 15 (Wire) -"): an entry of a timeline, a live blog or an
    # aggregator page is dated by its own label, not by the page.
    paragraph_labels: tuple[str | None, ...] = ()
    # For each sentence, the index of its paragraph (the lines of the body).
    paragraph_of: tuple[int, ...] = ()
    # On a page of several stories, each story's sentences (stories.py); empty for one story.
    # Found once per version, however many threads score it.
    stories: tuple[tuple[int, ...], ...] = ()

    def only(self, keep: Sequence[int]) -> ParsedText:
        """The sentences `keep` as a text of their own, without the page's headline (one
        story of a page of several, scored as the story it is)."""
        return ParsedText(
            title="", title_words=(),
            sentences=tuple(self.sentences[i] for i in keep),
            sentence_tokens=tuple(self.sentence_tokens[i] for i in keep),
            paragraph_labels=tuple(self.paragraph_label(i) for i in keep),
            paragraph_of=tuple(self.paragraph_of[i] for i in keep if i < len(self.paragraph_of)),
        )

    def masked(self, keep: Sequence[int]) -> ParsedText:
        """The same text with every sentence but `keep`, and the headline, emptied (indices
        kept, so claims still point at their sentences)."""
        kept = set(keep)
        return ParsedText(
            title="", title_words=(),
            sentences=tuple(s if i in kept else Sentence(s.index, s.start, s.start, "")
                            for i, s in enumerate(self.sentences)),
            sentence_tokens=tuple(tokens if i in kept else ()
                                  for i, tokens in enumerate(self.sentence_tokens)),
            paragraph_labels=self.paragraph_labels,
            paragraph_of=self.paragraph_of,
            stories=self.stories,
        )

    def paragraph_label(self, index: int) -> str | None:
        """The label opening sentence `index`'s paragraph (None for the headline or none)."""
        if 0 <= index < len(self.paragraph_labels):
            return self.paragraph_labels[index]
        return None

    @property
    def sentence_words(self) -> list[tuple[str, ...]]:
        """The words of each sentence."""
        return [tuple(t.text for t in tokens) for tokens in self.sentence_tokens]


def parse_text(title: str | None, body: str) -> ParsedText:
    """Split a version's text into sentences and words (a body repeating its headline skips it)."""
    found = split_sentences(body)
    if found and title and " ".join(fold_chars(found[0].text).split()) == " ".join(
            fold_chars(title).split()):
        # Pages often start with their headline: counting it twice would weigh it twice.
        found = [Sentence(i, s.start, s.end, s.text) for i, s in enumerate(found[1:])]
    sentences = tuple(found)
    labels = _paragraph_labels(body)
    tokens = tuple(tuple(tokenize(s.text)) for s in sentences)
    paragraph_of = tuple(_paragraph_at(labels, s.start) for s in sentences)
    return ParsedText(
        title=title or "",
        title_words=tuple(t.text for t in tokenize(title or "")),
        sentences=sentences,
        sentence_tokens=tokens,
        paragraph_labels=tuple(_label_at(labels, s.start) for s in sentences),
        paragraph_of=paragraph_of,
        stories=tuple(story_parts(paragraph_of, tokens)),
    )


# A paragraph's opening label: up to 60 characters before a dash or a colon ("Aug. 22 -",
# "Oct 12-13 -", "20:45 —", "MOSCOW, Feb 15 (Wire) –").
_PARAGRAPH_LABEL = re.compile(r"[ \t]*(?P<label>[^\n]{1,60}?)[ \t]+[-\u2013\u2014:][ \t]+\S")


def _paragraph_labels(body: str) -> list[tuple[int, str | None]]:
    """(start offset, label) of every paragraph of `body`: every non-empty line, as
    `sentences.split_paragraphs` reads them (fetched pages put one paragraph per line,
    with no blank line between)."""
    found: list[tuple[int, str | None]] = []
    for match in re.finditer(r"(?:\A|\n)(?=[ \t]*\S)", body):
        start = match.end()
        label = _PARAGRAPH_LABEL.match(body, start)
        found.append((start, label.group("label") if label else None))
    return found


def _paragraph_at(labels: list[tuple[int, str | None]], offset: int) -> int:
    """The index of the paragraph (of `_paragraph_labels`) holding `offset`."""
    return max(0, bisect.bisect_right([start for start, _ in labels], offset) - 1)


def _label_at(labels: list[tuple[int, str | None]], offset: int) -> str | None:
    chosen = None
    for start, label in labels:
        if start > offset:
            break
        chosen = label
    return chosen


@dataclass(frozen=True, slots=True)
class Relevance:
    """A thread's relevance score for one version, and why."""

    thread_slug: str
    score: float
    is_relevant: bool
    matched_terms: tuple[tuple[str, int], ...]
    matched_entities: tuple[tuple[str, int], ...]
    reason: str
    # On a page of several stories, the sentences of the story that concerns the thread
    # (None: the whole page does).
    sentences: tuple[int, ...] | None = None


def count_term(text: ParsedText, term: Term, words_by_sentence: Sequence[tuple[str, ...]]) -> tuple[int, int, set[int]]:
    """(body mentions, headline mentions, indexes of the sentences mentioning) of a term."""
    body = 0
    where: set[int] = set()
    for index, words in enumerate(words_by_sentence):
        found = len(find_phrase(words, term.words))
        if found:
            body += found
            where.add(index)
    title = len(find_phrase(text.title_words, term.words))
    return body, title, where


def score_relevance(thread: Thread, text: ParsedText,
                    entities: Mapping[str, int] | None = None) -> Relevance:
    """Score how much `text` concerns `thread` (entities: canonical name -> mentions).

    A page that is not about the thread as a whole may be a page of several stories (a
    briefing, an aggregator's page) with one story that is: each story is then scored as a
    text of its own, and the best one that concerns the thread makes the page relevant for
    its sentences only (`Relevance.sentences`).
    """
    page = _score_text(thread, text, entities)
    if page.is_relevant:
        return page
    parts = text.stories
    best: Relevance | None = None
    for number, part in enumerate(parts, 1):
        story = text.only(part)
        found = _score_text(thread, story, _entities_written_in(thread, story))
        if found.is_relevant and (best is None or found.score > best.score):
            best = Relevance(thread.slug, found.score, True, found.matched_terms,
                             found.matched_entities,
                             f"story {number} of {len(parts)} on a page of several: "
                             + found.reason, part)
    return best or page


def _entities_written_in(thread: Thread, text: ParsedText) -> dict[str, int]:
    """The thread's entity terms whose names `text` writes out (the version's extracted
    entities belong to the whole page, not to one of its stories)."""
    words = text.sentence_words
    found: dict[str, int] = {}
    terms = [*thread.match.any_of, *thread.match.none_of,
             *(t for group in thread.match.all_of for t in group)]
    for term in terms:
        if term.is_entity and term.text not in found:
            body, in_title, _ = count_term(text, term, words)
            if body + in_title:
                found[term.text] = body + in_title
    return found


def _score_text(thread: Thread, text: ParsedText,
                entities: Mapping[str, int] | None) -> Relevance:
    words = text.sentence_words
    entity_counts = {fold_chars(k): v for k, v in (entities or {}).items()}
    rules = thread.match

    def present(term: Term) -> bool:
        if term.is_entity:
            return entity_counts.get(fold_chars(term.text), 0) > 0
        body, title, _ = count_term(text, term, words)
        return body + title > 0

    missing = [group for group in rules.all_of if not any(present(t) for t in group)]
    if missing:
        needed = " or ".join(t.text for t in missing[0])
        return Relevance(thread.slug, 0.0, False, (), (), f"does not mention {needed}")
    passing = _named_in_passing(rules.all_of, text, words)
    if passing is not None:
        return Relevance(thread.slug, 0.0, False, (), (),
                         f"names {passing} only in passing (one paragraph, not the headline "
                         "or the lede)")
    excluded = [t.text for t in rules.none_of if present(t)]
    if excluded:
        return Relevance(thread.slug, 0.0, False, (), (), f"mentions {excluded[0]} (none_of)")

    raw = 0.0
    covered: set[int] = set()
    terms: list[tuple[str, int]] = []
    found_entities: list[tuple[str, int]] = []
    for term in rules.any_of:
        if term.is_entity:
            count = entity_counts.get(fold_chars(term.text), 0)
            if count:
                raw += term.weight * (1 + math.log(count))
                found_entities.append((term.text, count))
            continue
        body, title, where = count_term(text, term, words)
        if body:
            raw += term.weight * (1 + math.log(body))
            covered |= where
        if title:
            raw += term.weight * TITLE_FACTOR
        if body or title:
            terms.append((term.text, body + title))
    length = min(1.0, len(words) / LONG_ARTICLE_SENTENCES)
    strength = 1 - math.exp(-raw / (SHORT_SCALE + (STRENGTH_SCALE - SHORT_SCALE) * length))
    share = len(covered) / len(words) if words else (1.0 if terms else 0.0)
    coverage = min(1.0, share / FULL_COVERAGE)
    score = round(strength * (0.4 + 0.6 * coverage), 4)
    parts = [f"{name}\u00d7{count}" for name, count in sorted(terms, key=lambda t: -t[1])]
    parts += [f"entity {name}\u00d7{count}" for name, count in found_entities]
    reason = (f"score {score:.2f} (min {rules.min_score:.2f}): " + ", ".join(parts[:12])
              + f"; {len(covered)} of {len(words)} sentences") if parts else "no thread terms"
    return Relevance(thread.slug, score, score >= rules.min_score, tuple(terms),
                     tuple(found_entities), reason)


def _named_in_passing(groups: Sequence[Sequence[Term]], text: ParsedText,
                      words: Sequence[tuple[str, ...]]) -> str | None:
    """The first group of `all_of` the text names in one paragraph only, past its headline
    and lede: what an article on another story says in passing ("... where the Camp Fire has
    destroyed much of Paradise"), not what it is about. News names its subject in the
    headline or the lede, and comes back to it.

    A group none of whose terms is written out (an entity known under another name) is not
    judged: where it stands is unknown.
    """
    lede = {text.paragraph_of[i] for i in range(min(LEDE_SENTENCES, len(text.paragraph_of)))}
    lede |= set(sorted(set(text.paragraph_of))[:LEDE_PARAGRAPHS])
    for group in groups:
        paragraphs: set[int] = set()
        in_title = False
        for term in group:
            _body, title, where = count_term(text, term, words)
            in_title = in_title or title > 0
            paragraphs |= {text.paragraph_of[i] for i in where if i < len(text.paragraph_of)}
        if not in_title and len(paragraphs) == 1 and not paragraphs & lede:
            return " or ".join(t.text for t in group)
    return None


def entry_relevance(thread: Thread, title: str | None, summary: str) -> Relevance:
    """The thread's relevance for a feed entry's title and summary, before its page is fetched.

    An entry has no extracted entities yet, so an `entity:` term counts where its canonical
    name is written out as words (a phrase match on the name). Its headline is read as the
    first sentence of its text: a one-line summary is too short for the share of sentences
    that mention the thread to mean anything without it.
    """
    headline = " ".join((title or "").split())
    if headline and headline[-1] not in ".!?":
        headline += "."
    text = parse_text(None, "\n\n".join(p for p in (headline, (summary or "").strip()) if p))
    return _score_text(thread, text, _entities_written_in(thread, text))
