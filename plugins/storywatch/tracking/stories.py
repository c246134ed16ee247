"""Pages of several stories: which sentences of a page belong to one story.

A briefing, a newsletter, an aggregator's front page or a "more news" box strings together
stories that share nothing but the page. Scored as a whole, such a page is about none of
them (each story is a fifth of it), so a thread's story on it is missed; read as a whole, a
figure of another story could be taken for the thread's. The stories are found by lexical
cohesion, the way text segmentation finds topic boundaries: paragraphs of one story share
names and content words (the ship, the canal, the authority), paragraphs of different stories
do not. Short lines (a headline, a "Read more at ..." link) and the closed-class words any
two paragraphs share tie nothing together.
"""
from __future__ import annotations

from collections.abc import Sequence

from storywatch.language.cues import Token

# Two paragraphs are of one story when they share this many content words.
MIN_SHARED_WORDS = 2
# Content words are this long at least, and not of the closed classes below.
MIN_WORD_LENGTH = 4
# A sentence this short carries no subject of its own: a headline line, a "Read more at ..."
# or "Full story on our pages" link, a one-line quotation. It joins the story that follows it.
SHORT_SENTENCE_WORDS = 9
# A story has this many words at least; a page has several when two reach it.
MIN_STORY_WORDS = 20
# ... and when none of them holds more than this share of the page's words: an article whose
# odd paragraph shares no words with the rest is still one story, not a page of several.
MAX_STORY_SHARE = 0.5
# Closed-class and reporting words of four letters or more: shared by any two paragraphs.
COMMON_WORDS = frozenset("""
about above after again against also among amid around because been before being below
between both could does doing down during each even every from further have having here
into just last least less like more most much must near next once only other over same
should since some such than that their them then there these they this those though three
through under until very were what when where which while whom whose will with within
without would your said says saying told tells according added year years week weeks
""".split())


def story_parts(paragraph_of: Sequence[int], sentence_tokens: Sequence[Sequence[Token]]
                ) -> list[tuple[int, ...]]:
    """The sentence indices of each story of a page of several stories, in page order; an
    empty list for a page of one story.

    `paragraph_of[i]` is the paragraph of sentence `i`. Paragraphs sharing content words are
    joined (transitively, wherever they stand: an article comes back to its subject after a
    quotation); a paragraph of short sentences only joins the story of the paragraph after it
    (a headline line, a link line). Each group of MIN_STORY_WORDS words or more is a story,
    and the page has several when two groups are stories and none is most of the page.
    """
    paragraphs: dict[int, list[int]] = {}
    for index, paragraph in enumerate(paragraph_of):
        paragraphs.setdefault(paragraph, []).append(index)
    if len(paragraphs) < 2:
        return []
    order = sorted(paragraphs)
    words = {p: _content_words(sentence_tokens, paragraphs[p]) for p in order}
    parent = {p: p for p in order}

    def root(p: int) -> int:
        while parent[p] != p:
            parent[p] = parent[parent[p]]
            p = parent[p]
        return p

    substantial = [p for p in order if words[p]]
    items = _numbered_items(order, paragraphs, sentence_tokens)
    for i, first in enumerate(substantial):
        for second in substantial[i + 1:]:
            if first in items and second in items:
                continue  # items of a numbered list are stories of their own
            if len(words[first] & words[second]) >= MIN_SHARED_WORDS:
                parent[root(second)] = root(first)
    for k, p in enumerate(order):  # short lines join the next paragraph with a subject
        if not words[p]:
            after = [q for q in order[k + 1:] if words[q]]
            before = [q for q in order[:k] if words[q]]
            if after or before:
                parent[root(p)] = root(after[0] if after else before[-1])
    groups: dict[int, list[int]] = {}
    for p in order:
        groups.setdefault(root(p), []).extend(paragraphs[p])

    def size(indices: Sequence[int]) -> int:
        return sum(len(sentence_tokens[i]) for i in indices)

    page_words = size(range(len(sentence_tokens)))
    stories = [tuple(sorted(indices)) for indices in groups.values()
               if size(indices) >= MIN_STORY_WORDS]
    if len(stories) < 2 or max(size(s) for s in stories) > MAX_STORY_SHARE * page_words:
        return []
    return sorted(stories)


def _numbered_items(order: Sequence[int], paragraphs: dict[int, list[int]],
                    sentence_tokens: Sequence[Sequence[Token]]) -> set[int]:
    """The paragraphs of a numbered list ("1. Havana crash. ...", "2. ..."): a briefing's
    items, whose blurbs of the day's disasters share words ("killing", "people") but no
    story. Three items numbered from one at least, or none."""
    items: set[int] = set()
    expected = 1
    for p in order:
        first = sentence_tokens[paragraphs[p][0]] if paragraphs[p] else ()
        if first and first[0].text == str(expected):
            items.add(p)
            expected += 1
    return items if len(items) >= 3 else set()


def _content_words(sentence_tokens: Sequence[Sequence[Token]], indices: Sequence[int]
                   ) -> set[str]:
    """The paragraph's content words (plurals folded), from its sentences that are not short."""
    found = set()
    for i in indices:
        tokens = sentence_tokens[i]
        if len(tokens) < SHORT_SENTENCE_WORDS:
            continue
        for token in tokens:
            word = token.text
            if len(word) >= MIN_WORD_LENGTH and word.isalpha() and word not in COMMON_WORDS:
                found.add(word[:-1] if len(word) > MIN_WORD_LENGTH and word.endswith("s")
                          else word)
    return found
