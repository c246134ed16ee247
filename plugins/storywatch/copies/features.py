"""Is one article a copy of another, or of a part of it: repost, edited copy, excerpt, spin?

Copies on the web are rarely the length of what they copy: an aggregator carries the
first paragraphs and a "read more" link, a republisher abridges, a content farm spins
the excerpt it scraped. So every signal is a *containment*: the share of the SHORTER
text's features found in the longer, whatever the length ratio. Computed once per text
(`copy_features`) and compared in pairs (`compare_copies`):
- word shingles (runs of 5 folded words), kept whole so containment is exact: an
  excerpt, a truncated or an abridged copy has nearly all its runs in the original;
- whole sentences: a verbatim copy keeps most of its sentences word for word, while an
  independent report that quotes the same statements shares only the quotations;
- quotations (shingles of the words between quote marks) and figures: a spinner swaps
  synonyms in the narration but leaves quotes and numbers alone;
- a skeleton of names and figures in reading order (capitalised words not opening a
  sentence, and numbers, in runs of 3): spinning keeps it, while an independent report of
  the same event, or a follow-up quoting the first story, tells it in another order.
A spun copy needs the quotations (or, lacking any, the figures) AND the skeleton, and at
least MIN_SHARED_SKELETON skeleton runs in common: two shared quotes is what independent
reports of one event have, and is corroboration, not copying.

The thresholds are shares, so they read the same on 40 words as on 2,000; what changes
with length is how much evidence a share rests on. Below MIN_WORDS (40 folded words:
about two sentences) nothing is called a copy: a headline, a one-line summary or a
single quoted statement is what independent reports of one event legitimately share,
and a text that short has too few five-word runs (fewer than 36) and skeleton runs (a
handful) for a share to tell copying from quoting. A spun copy needs more: at least
MIN_SHARED_SKELETON skeleton runs shared, which a spin of under about 100 words rarely
has, so a very short spin stays unlinked rather than risk linking two reports of one
press conference.

The kind: `exact` (same folded text), `near_duplicate` (verbatim, covering most of the
longer text), `excerpt` (verbatim, covering a part of it: an aggregator's lead, a
truncated or abridged copy) and `spun` (the narration reworded, quotations, figures and
skeleton kept; `is_partial` says whether it covers only a part). `covered_share` is the
share of the longer text the shorter carries.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from storywatch.copies import minhash
from storywatch.sentences import split_sentences
from storywatch.text import fold_text, sha256_text

CopyKind = Literal["exact", "near_duplicate", "excerpt", "spun"]

WORD_SHINGLE = 5
QUOTE_SHINGLE = 4
SKELETON_SHINGLE = 3
# Winnowing windows: every run of WINDOW consecutive shingles leaves one anchor, so any
# shared passage of WORD_ANCHOR_WINDOW + WORD_SHINGLE - 1 words (12) shares an anchor.
WORD_ANCHOR_WINDOW = 8
MIN_WORDS = 40  # shorter texts (a headline, a one-line summary) are never called copies
# Verbatim: share of the shorter text's five-word runs and of its sentences in the longer;
# with nearly all runs shared the sentences need not be (a cut last sentence, a "read more"
# line, sentences joined by an abridger): no spinner leaves nine runs in ten untouched.
VERBATIM_WORDS = 0.6
VERBATIM_SENTENCES = 0.5
VERBATIM_WORDS_ALONE = 0.9
MIN_SENTENCE_WORDS = 6
# A verbatim copy carrying less than this share of the longer text is an excerpt.
WHOLE_COVERAGE = 0.8
# Spun: quotations (or figures) and skeleton of the shorter found in the longer.
SPUN_QUOTES = 0.6
SPUN_SKELETON = 0.45
SPUN_NUMBERS = 0.6
MIN_SHARED_QUOTE_SHINGLES = 5
MIN_SHARED_NUMBERS = 3
MIN_SHARED_SKELETON = 5

_QUOTE = re.compile(r"[\u201c\"\u00ab\u201e]([^\u201c\u201d\"\u00ab\u00bb\u201e]{12,1000})[\u201d\"\u00bb\u201c]")
_NUMBER = re.compile(r"\d(?:[\d,.]*\d)?")
_TOKEN = re.compile(r"\d(?:[\d,.]*\d)?|[^\W\d_](?:[\w\u2019'\-]*[^\W_])?")


@dataclass(frozen=True, slots=True)
class CopyFeatures:
    """What copy detection keeps of one text."""

    body_fold_sha256: str
    word_count: int
    word_shingles: frozenset[int]
    word_anchors: frozenset[int]
    skeleton_shingles: frozenset[int]
    skeleton_minhash: tuple[int, ...]
    quote_shingles: frozenset[int]
    numbers: frozenset[str]
    sentence_hashes: frozenset[int]

    @property
    def skeleton_bands(self) -> list[int]:
        return minhash.band_keys(self.skeleton_minhash)


@dataclass(frozen=True, slots=True)
class CopyMatch:
    """How two texts compare, and the kind of copy the one is of the other (None: not a copy).

    Every similarity is the share of the shorter text's features found in the longer;
    `covered_share` is the share of the longer text that the shorter carries.
    """

    kind: CopyKind | None
    score: float
    word_similarity: float
    quote_similarity: float
    number_similarity: float
    skeleton_similarity: float
    sentence_similarity: float
    covered_share: float = 1.0

    @property
    def is_partial(self) -> bool:
        return self.kind is not None and self.covered_share < WHOLE_COVERAGE


def copy_features(body: str, *, with_minhash: bool = True) -> CopyFeatures:
    """The copy-detection features of an article body.

    `with_minhash=False` leaves the skeleton's MinHash signature empty: it only serves the
    candidate look-up of stored signatures, not compare_copies, and is the dearest feature.
    """
    words = fold_text(body).split()
    ordered = minhash.ordered_shingles(words, WORD_SHINGLE)
    skeleton_shingles = minhash.shingles(skeleton(body), SKELETON_SHINGLE)
    return CopyFeatures(
        body_fold_sha256=sha256_text(" ".join(words)),
        word_count=len(words),
        word_shingles=frozenset(ordered),
        word_anchors=frozenset(minhash.winnow(ordered, WORD_ANCHOR_WINDOW)),
        skeleton_shingles=frozenset(skeleton_shingles),
        skeleton_minhash=minhash.signature(skeleton_shingles) if with_minhash else (),
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


def without_quotations(body: str) -> str:
    """The text with its quoted passages left out: the narration."""
    return _QUOTE.sub(" ", body)


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
    """Containment of the shorter text in the longer and the kind of copy (symmetric: which
    came first is decided elsewhere)."""
    short, long = sorted((first, second), key=lambda f: (len(f.word_shingles), f.body_fold_sha256))
    shared_words = len(short.word_shingles & long.word_shingles)
    words = shared_words / len(short.word_shingles) if short.word_shingles else 0.0
    quotes, shared_quotes = _contained(short.quote_shingles, long.quote_shingles)
    numbers, shared_numbers = _contained(short.numbers, long.numbers)
    skeleton_sim, shared_skeleton = _contained(short.skeleton_shingles, long.skeleton_shingles)
    sentences, _ = _contained(short.sentence_hashes, long.sentence_hashes)
    scores = (round(words, 4), round(quotes, 4), round(numbers, 4), round(skeleton_sim, 4),
              round(sentences, 4))
    if short.word_count < MIN_WORDS:
        return CopyMatch(None, 0.0, *scores, 0.0)
    if first.body_fold_sha256 == second.body_fold_sha256:
        return CopyMatch("exact", 1.0, *scores, 1.0)
    if words >= VERBATIM_WORDS_ALONE or (words >= VERBATIM_WORDS and sentences >= VERBATIM_SENTENCES):
        covered = shared_words / len(long.word_shingles)
        kind: CopyKind = "near_duplicate" if covered >= WHOLE_COVERAGE else "excerpt"
        return CopyMatch(kind, round(words, 4), *scores, round(covered, 4))
    has_quotes = shared_quotes >= MIN_SHARED_QUOTE_SHINGLES and quotes >= SPUN_QUOTES
    no_quotes = not short.quote_shingles
    has_numbers = shared_numbers >= MIN_SHARED_NUMBERS and numbers >= SPUN_NUMBERS
    if (skeleton_sim >= SPUN_SKELETON and shared_skeleton >= MIN_SHARED_SKELETON
            and (has_quotes or (no_quotes and has_numbers))):
        parts = [skeleton_sim, quotes if has_quotes else numbers]
        if has_quotes and shared_numbers >= MIN_SHARED_NUMBERS:
            parts.append(numbers)
        covered = shared_skeleton / len(long.skeleton_shingles)
        return CopyMatch("spun", round(sum(parts) / len(parts), 4), *scores, round(covered, 4))
    return CopyMatch(None, 0.0, *scores, 0.0)


def _contained(short: frozenset[int] | frozenset[str], long: frozenset[int] | frozenset[str]
               ) -> tuple[float, int]:
    """Share of the shorter text's set found in the longer's, and how many items are shared."""
    if not short or not long:
        return 0.0, 0
    shared = len(short & long)  # type: ignore[operator]
    return shared / len(short), shared
