"""Is one article a copy of another: exact repost, near duplicate, or synonym-spun rewrite?

Three signals, each computed once per text (`copy_features`) and compared in
pairs (`compare_copies`):
- word shingles (runs of 5 folded words) under MinHash: near-duplicate wire
  copies share most of them, whatever their headline;
- quotations (shingles of the words between quote marks) and figures: a
  spinner swaps synonyms in the narration but leaves quotes and numbers alone;
- a skeleton of names and figures in reading order (capitalised words not
  opening a sentence, and numbers): spinning keeps it, while an independent
  report of the same event, quoting the same press conference, tells it in
  another order.
A spun copy needs the quotations (or, lacking any, the figures) AND the
skeleton: sharing two quotes is what independent reports of one event do, and
is corroboration, not copying. Between a near duplicate and a spun copy, whole
sentences decide: an edited wire copy keeps most sentences word for word, a
spinner touches nearly every one.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from storywatch.copies import minhash
from storywatch.sentences import split_sentences
from storywatch.text import fold_text, sha256_text

CopyKind = Literal["exact", "near_duplicate", "spun"]

WORD_SHINGLE = 5
QUOTE_SHINGLE = 4
SKELETON_SHINGLE = 3
# Share of the shorter text's word shingles found in the other: a near duplicate.
NEAR_DUPLICATE_CONTAINMENT = 0.6
# Spun: quotations and skeleton shared, lengths alike.
SPUN_QUOTES = 0.6
SPUN_SKELETON = 0.45
SPUN_NUMBERS = 0.6
MIN_SHARED_QUOTE_SHINGLES = 8
# A near duplicate keeps at least this share of the shorter text's sentences word for word.
NEAR_DUPLICATE_SENTENCES = 0.5
MIN_SENTENCE_WORDS = 6
MIN_WORDS = 40  # shorter texts (a headline, a one-line summary) are never called copies

_QUOTE = re.compile(r"[\u201c\"\u00ab\u201e]([^\u201c\u201d\"\u00ab\u00bb\u201e]{12,1000})[\u201d\"\u00bb\u201c]")
_NUMBER = re.compile(r"\d(?:[\d,.]*\d)?")
_TOKEN = re.compile(r"\d(?:[\d,.]*\d)?|[^\W\d_](?:[\w\u2019'\-]*[^\W_])?")


@dataclass(frozen=True, slots=True)
class CopyFeatures:
    """What copy detection keeps of one text."""

    body_fold_sha256: str
    word_count: int
    word_shingle_count: int
    word_minhash: tuple[int, ...]
    skeleton_shingle_count: int
    skeleton_minhash: tuple[int, ...]
    quote_shingles: frozenset[int]
    numbers: frozenset[str]
    sentence_hashes: frozenset[int]

    @property
    def word_bands(self) -> list[int]:
        return minhash.band_keys(self.word_minhash)

    @property
    def skeleton_bands(self) -> list[int]:
        return minhash.band_keys(self.skeleton_minhash)


@dataclass(frozen=True, slots=True)
class CopyMatch:
    """How two texts compare, and the kind of copy one is of the other (None: not a copy)."""

    kind: CopyKind | None
    score: float
    word_similarity: float
    quote_similarity: float
    number_similarity: float
    skeleton_similarity: float
    sentence_similarity: float


def copy_features(body: str) -> CopyFeatures:
    """The copy-detection features of an article body."""
    words = fold_text(body).split()
    word_shingles = minhash.shingles(words, WORD_SHINGLE)
    skeleton_shingles = minhash.shingles(skeleton(body), SKELETON_SHINGLE)
    return CopyFeatures(
        body_fold_sha256=sha256_text(" ".join(words)),
        word_count=len(words),
        word_shingle_count=len(word_shingles),
        word_minhash=minhash.signature(word_shingles),
        skeleton_shingle_count=len(skeleton_shingles),
        skeleton_minhash=minhash.signature(skeleton_shingles),
        quote_shingles=frozenset(quote_shingles(body)),
        numbers=frozenset(figures(body)),
        sentence_hashes=frozenset(sentence_hashes(body)),
    )


def sentence_hashes(body: str) -> set[int]:
    """Hashes of the folded sentences of six words or more."""
    folded = (fold_text(s) for s in split_sentences(body))
    return {minhash.hash_text(f) for f in folded if len(f.split()) >= MIN_SENTENCE_WORDS}


def quotations(body: str) -> list[str]:
    """The quoted passages of a text (straight, curly or guillemet quotes), in order."""
    return [m.group(1).strip() for m in _QUOTE.finditer(body)]


def quote_shingles(body: str) -> set[int]:
    """Shingle hashes of the words inside quotations (passages of three words or fewer ignored)."""
    hashes: set[int] = set()
    for passage in quotations(body):
        words = fold_text(passage).split()
        if len(words) > 3:
            hashes |= minhash.shingles(words, QUOTE_SHINGLE)
    return hashes


def figures(body: str) -> set[str]:
    """The numbers a text states, thousands separators removed ("100,000" -> "100000")."""
    return {m.group(0).replace(",", "").rstrip(".") for m in _NUMBER.finditer(body)}


def skeleton(body: str) -> list[str]:
    """Capitalised words that do not open a sentence, and numbers, in reading order (folded)."""
    kept: list[str] = []
    for sentence in split_sentences(body):
        tokens = _TOKEN.findall(sentence)
        for token in tokens[1:]:
            if token[0].isdigit():
                kept.append(token.replace(",", ""))
            elif token[0].isupper():
                kept.append(fold_text(token))
    return kept


def compare_copies(first: CopyFeatures, second: CopyFeatures) -> CopyMatch:
    """Similarities of two texts and the kind of copy (symmetric: which came first is decided elsewhere)."""
    words = _containment_from_jaccard(
        minhash.similarity(first.word_minhash, second.word_minhash),
        first.word_shingle_count, second.word_shingle_count,
    )
    quotes, shared_quotes = _overlap(first.quote_shingles, second.quote_shingles)
    numbers, shared_numbers = _overlap(first.numbers, second.numbers)
    skeleton_sim = _containment_from_jaccard(
        minhash.similarity(first.skeleton_minhash, second.skeleton_minhash),
        first.skeleton_shingle_count, second.skeleton_shingle_count,
    )
    sentences, _ = _overlap(first.sentence_hashes, second.sentence_hashes)
    scores = (words, quotes, numbers, skeleton_sim, sentences)
    if min(first.word_count, second.word_count) < MIN_WORDS:
        return CopyMatch(None, 0.0, *scores)
    if first.body_fold_sha256 == second.body_fold_sha256:
        return CopyMatch("exact", 1.0, *scores)
    if words >= NEAR_DUPLICATE_CONTAINMENT and sentences >= NEAR_DUPLICATE_SENTENCES:
        return CopyMatch("near_duplicate", round(words, 4), *scores)
    has_quotes = shared_quotes >= MIN_SHARED_QUOTE_SHINGLES and quotes >= SPUN_QUOTES
    no_quotes = not first.quote_shingles and not second.quote_shingles
    has_numbers = shared_numbers >= 3 and numbers >= SPUN_NUMBERS
    if skeleton_sim >= SPUN_SKELETON and (has_quotes or (no_quotes and has_numbers)):
        parts = [skeleton_sim, quotes if has_quotes else numbers]
        if has_quotes and shared_numbers >= 3:
            parts.append(numbers)
        return CopyMatch("spun", round(sum(parts) / len(parts), 4), *scores)
    return CopyMatch(None, 0.0, *scores)


def _containment_from_jaccard(jaccard: float, size_a: int, size_b: int) -> float:
    """|A ∩ B| / min(|A|, |B|) from the Jaccard estimate and the set sizes."""
    if jaccard <= 0 or not size_a or not size_b:
        return 0.0
    union = (size_a + size_b) / (1 + jaccard)
    return min(jaccard * union / min(size_a, size_b), 1.0)


def _overlap(first: frozenset[int] | frozenset[str], second: frozenset[int] | frozenset[str]
             ) -> tuple[float, int]:
    """Share of the smaller set found in the other, and how many items are shared."""
    if not first or not second:
        return 0.0, 0
    shared = len(first & second)  # type: ignore[operator]
    return shared / min(len(first), len(second)), shared

