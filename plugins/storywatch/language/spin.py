"""How much a text reads like synonym-substituted ("spun") copy: a 0-1 score with its evidence.

Spinners republish an article with words swapped for dictionary synonyms:
"economy" becomes "financial system", "military" becomes "army", "said"
becomes "mentioned", "long table" becomes "extended desk". Each swap alone is
plausible English; many of them per thousand words are not. The score counts
collocations that ordinary news copy almost never uses, plus spun reporting
verbs right after a quotation, per thousand words, and saturates towards 1.
The copies logic reads it (`version_extractions.spin_score`) to tell a spun
copy from an independent report.
"""
from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

# Collocations that signal a swap, each with the phrase a newsroom would write.
SPUN_PHRASES: dict[str, str] = {
    r"extended desk|lengthy desk": "long table",
    r"buddies": "friends",
    r"financial system,? (?:already|is|was|has|remains|stays|unlike|not like)": "economy",
    r"(?:elevated|increased) financial": "increased economic",
    r"army (?:cooperation|assist|alliance|gear|aid|help|equipment|ties|drills|districts)":
        "military ...",
    r"western army alliance": "Western military alliance",
    r"overseas minister|overseas ministry": "foreign minister",
    r"decrease home": "lower house",
    r"historical past": "history",
    r"spheres? of affect": "sphere of influence",
    r"information media": "news media",
    r"televised (?:feedback|remarks feedback)|in his (?:televised )?feedback": "comments",
    r"know-how transfers?": "technology transfer",
    r"power infrastructure": "energy infrastructure",
    r"safety deal": "security deal",
    r"important second": "important moment",
    r"uncommon honou?r": "rare honor",
    r"fashionable weaponry": "modern weaponry",
    r"in alternate for": "in exchange for",
    r"persevering with": "continuing",
    r"function a counterweight": "serve as a counterweight",
    r"maneuver quicker": "move faster",
    r"generally known as": "known as",
    r"usually are not": "are not",
    r"more and more prepared": "increasingly willing",
    r"look previous": "look past",
    r"shut ties": "close ties",
    r"commerce bloc": "trade bloc",
    r"carefully built-in": "closely integrated",
    r"going through harsh": "facing harsh",
    r"follows via": "follows through",
    r"coursing via": "coursing through",
    r"personal confrontation": "own confrontation",
    r"(?:russian|iranian|western|american|u\.?s\.?) officers (?:say|said|mentioned|are|had)":
        "officials",
    r"within the public portion": "in the public portion",
    r"deliberate joint": "planned joint",
    r"forward of a": "ahead of a",
    r"factors of leverage": "points of leverage",
    r"thorniest subject": "thorniest issue",
    r"means forward|way forward for": "future of",
    r"strain from|strain iran": "pressure",
    r"palatable various": "palatable alternative",
    r"in accordance with the [a-z]+ (?:authorities|government)": "according to",
    r"seating association": "seating arrangement",
    r"the 2 (?:presidents|leaders|countries|sides)|to 2 different": "two",
    r"assembly on the kremlin": "meeting at the Kremlin",
    r"extra (?:aligned|strident|carefully|of the)": "more",
    r"specialist on the": "expert at the",
    r"regardless of skepticism": "despite skepticism",
    r"lengthy sought": "long sought",
    r"promote to iran|promote weapons": "sell",
}
# Reporting verbs spinners put where "said", "told" or "noted" stood.
SPUN_REPORTING_VERBS = frozenset(
    "mentioned advised counselled counseled famous well-known reminded".split())
# How many hits per thousand words make the score climb: 6 gives ~0.4 at 3 hits.
SATURATION_PER_1000_WORDS = 6.0

_PATTERN = re.compile(
    r"\b(?:" + "|".join(f"(?P<p{i}>{p})" for i, p in enumerate(SPUN_PHRASES)) + r")\b",
    re.IGNORECASE,
)
_KEYS = list(SPUN_PHRASES)
_WORD = re.compile(r"\w+")


@dataclass(frozen=True, slots=True)
class SpinSignal:
    """A 0-1 score and the evidence terms (with counts) behind it."""

    score: float
    terms: tuple[str, ...]
    hits: int
    words: int


def measure_spin(text: str, quote_verbs: Iterable[str | None] = ()) -> SpinSignal:
    """Spin score of `text`; `quote_verbs` are the reporting verbs found beside its quotations."""
    words = len(_WORD.findall(text))
    found: Counter[str] = Counter()
    for match in _PATTERN.finditer(text):
        found[match.group(0).lower()] += 1
    for verb in quote_verbs:
        if verb and verb.lower() in SPUN_REPORTING_VERBS:
            found[f"{verb.lower()} (reporting a quote)"] += 1
    hits = sum(found.values())
    if words == 0:
        return SpinSignal(0.0, (), 0, 0)
    # One odd phrase is chance, not spin; and a short text is measured as if it had 300
    # words, so a headline with one swap does not read as a spun article.
    density = max(0, hits - 1) * 1000.0 / max(words, 300)
    score = round(1.0 - math.exp(-density / SATURATION_PER_1000_WORDS), 3)
    terms = tuple(f"{term} ×{count}" if count > 1 else term
                  for term, count in found.most_common(20))
    return SpinSignal(score, terms, hits, words)
