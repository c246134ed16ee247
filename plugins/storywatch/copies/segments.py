"""Blurbs: the parts of a page that copy one stored story, when the page as a whole does not.

A listing page (an aggregator's front page, a newsletter, a "more news" box) strings
together the leads of several stories. As a whole it is a copy of none of them: each
story's share of the page is small, and the page's share of each story is small. So the
page is read paragraph by paragraph against a candidate story: the paragraphs whose five-
word runs are mostly in the story (or, for a spun blurb, whose names-and-figures skeleton
is) are joined in runs (short lines between them, a headline or a "read more" link, are
skipped over), and each run is compared with the story as a text of its own
(compare_copies). A run that is a copy, of MIN_WORDS words or more, whose narration (not
only its quotations) comes from the story, is a blurb of the story.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from storywatch.copies import minhash
from storywatch.copies.features import (
    MIN_WORDS,
    SKELETON_SHINGLE,
    WORD_SHINGLE,
    CopyFeatures,
    CopyMatch,
    compare_copies,
    copy_features,
    skeleton,
    without_quotations,
)
from storywatch.sentences import split_paragraphs
from storywatch.text import fold_text

# A paragraph belongs to a blurb when this share of its runs (or of its skeleton) is in the story.
PARAGRAPH_WORDS = 0.5
PARAGRAPH_SKELETON = 0.6
# Lines this short between two matching paragraphs (a headline, a link) do not end a blurb.
GAP_WORDS = 12
# A verbatim blurb carries the story's narration, not only its quotations: reports quoting
# the same statement share a paragraph's quote and its "he said" and are not blurbs.
MIN_NARRATION_WORDS = 15
BLURB_NARRATION = 0.5


@dataclass(frozen=True, slots=True)
class Paragraph:
    """A paragraph of a page, with the features that decide whether a story carries it."""

    text: str
    word_count: int
    word_shingles: frozenset[int]
    skeleton_shingles: frozenset[int]


class Page:
    """A page read once, however many stories it is compared with: its paragraphs, and the
    features of each run of them compared so far."""

    def __init__(self, body: str) -> None:
        self.paragraphs: list[Paragraph] = []
        for text in split_paragraphs(body):
            words = fold_text(text).split()
            self.paragraphs.append(Paragraph(
                text, len(words), frozenset(minhash.shingles(words, WORD_SHINGLE)),
                frozenset(minhash.shingles(skeleton(text), SKELETON_SHINGLE))))
        self._runs: dict[tuple[int, int], tuple[str, CopyFeatures]] = {}
        self._narration: dict[tuple[int, int], frozenset[int]] = {}

    def run(self, first: int, last: int) -> tuple[str, CopyFeatures]:
        """The text of paragraphs first..last and its copy features."""
        if (first, last) not in self._runs:
            text = "\n".join(p.text for p in self.paragraphs[first:last + 1])
            self._runs[first, last] = text, copy_features(text, with_minhash=False)
        return self._runs[first, last]

    def narration(self, first: int, last: int) -> frozenset[int]:
        """Five-word runs of the words of paragraphs first..last outside quotations (empty
        when there are fewer than MIN_NARRATION_WORDS of them)."""
        if (first, last) not in self._narration:
            words = fold_text(without_quotations(self.run(first, last)[0])).split()
            self._narration[first, last] = frozenset(
                minhash.shingles(words, WORD_SHINGLE) if len(words) >= MIN_NARRATION_WORDS
                else ())
        return self._narration[first, last]


@dataclass(frozen=True, slots=True)
class BlurbMatch:
    """Paragraphs `first_paragraph`..`last_paragraph` (0-based, inclusive) copy the story."""

    first_paragraph: int
    last_paragraph: int
    word_count: int
    shingle_count: int
    match: CopyMatch


def blurb_matches(page: str | Page, story: CopyFeatures) -> list[BlurbMatch]:
    """The blurbs of a page (its body, or the Page read from it) that copy `story` (empty
    when none does)."""
    if isinstance(page, str):
        page = Page(page)
    if len(page.paragraphs) < 2:
        return []
    found: list[BlurbMatch] = []
    for first, last in _runs(page.paragraphs, story):
        _text, features = page.run(first, last)
        if features.word_count < MIN_WORDS:
            continue
        match = compare_copies(features, story)
        if match.kind is not None and (match.kind == "spun" or _carries_narration(
                page.narration(first, last), story)):
            found.append(BlurbMatch(first, last, features.word_count, len(features.word_shingles),
                                    match))
    return found


def _runs(paragraphs: Sequence[Paragraph], story: CopyFeatures) -> list[tuple[int, int]]:
    """Runs of paragraphs carried by `story`, as (first, last) indexes."""
    runs: list[tuple[int, int]] = []
    start = end = None
    gap = 0
    for index, paragraph in enumerate(paragraphs):
        if _carried(paragraph, story):
            if start is None:
                start = index
            end, gap = index, 0
        elif start is not None and paragraph.word_count < GAP_WORDS and gap == 0:
            gap = 1
        else:
            if start is not None and end is not None:
                runs.append((start, end))
            start = end = None
            gap = 0
    if start is not None and end is not None:
        runs.append((start, end))
    return runs


def _carries_narration(narration: frozenset[int], story: CopyFeatures) -> bool:
    """Does the run's narration (its words outside quotations) come from the story?"""
    if not narration:
        return False
    return len(narration & story.word_shingles) / len(narration) >= BLURB_NARRATION


def _carried(paragraph: Paragraph, story: CopyFeatures) -> bool:
    if not paragraph.word_shingles:
        return False
    shared = len(paragraph.word_shingles & story.word_shingles)
    if shared / len(paragraph.word_shingles) >= PARAGRAPH_WORDS:
        return True
    names = paragraph.skeleton_shingles
    return len(names) >= 2 and len(names & story.skeleton_shingles) / len(names) >= PARAGRAPH_SKELETON
