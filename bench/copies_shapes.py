"""The shapes copies take on the web, as text operations (used to build the copies sets).

Studied on real reposts: aggregators carry the headline and the first paragraph or two
with a "read more" link; republishers cut a story short (sometimes mid-sentence) or drop
sentences and closing paragraphs; content farms run a scraped excerpt through a synonym
spinner that leaves quotations, names and figures alone; listing pages string several such
blurbs together. Each function is deterministic so a set rebuilt from its originals is the
same bytes.
"""
from __future__ import annotations

import re

# A spinner's synonym swaps (narration only; quotations are left as they are).
SPIN = {
    "said": "stated", "told": "informed", "after": "following", "about": "roughly",
    "company": "firm", "people": "individuals", "would": "will", "before": "prior to",
    "began": "commenced", "first": "initial", "new": "fresh", "last": "final",
    "workers": "employees", "members": "associates", "plan": "scheme", "plans": "schemes",
    "cut": "reduce", "cuts": "reductions", "government": "administration", "town": "municipality",
    "city": "metropolis", "said on": "stated on", "residents": "inhabitants", "region": "area",
    "regional": "local", "warned": "cautioned", "announced": "introduced", "statement": "assertion",
    "decision": "determination", "largest": "biggest", "highest": "greatest", "since": "because",
    "officials": "authorities", "agency": "company", "court": "tribunal", "judge": "justice",
    "still": "nonetheless", "about a": "roughly a", "around": "round", "expected": "anticipated",
    "increase": "enhance", "rose": "climbed", "fell": "dropped", "job": "task", "jobs": "positions",
    "talks": "discussions", "deal": "settlement", "leave": "depart", "left": "departed",
    "help": "assist", "home": "residence", "homes": "residences", "small": "little",
    "large": "big", "began on": "commenced on", "near": "close to", "shortly": "quickly",
    "found": "discovered", "showed": "demonstrated", "received": "obtained", "needed": "required",
    "buy": "purchase", "bought": "purchased", "sale": "sale", "result": "consequence",
    "results": "outcomes", "trial": "check", "study": "research", "led": "headed",
    "failed": "failed", "began at": "commenced at", "open": "open", "opened": "opened up",
    "closed": "shut", "remain": "stay", "continue": "proceed", "continuing": "persevering with",
    "country": "nation", "state": "state", "people who": "individuals who", "risk": "danger",
    "quickly": "rapidly", "whole": "total", "week": "week", "weeks": "weeks",
}


def paragraphs(text: str) -> list[str]:
    return [p.strip() for p in re.split(r"\n\s*\n|\n", text) if p.strip()]


def words(text: str) -> int:
    return len(text.split())


def join(parts: list[str]) -> str:
    return "\n\n".join(parts) + "\n"


def excerpt_start(text: str, share: float, read_more: str = "", min_words: int = 0) -> str:
    """The first paragraphs, up to `share` of the words (at least one, and at least
    `min_words` words), and a "read more" line."""
    kept, total = [], words(text)
    for p in paragraphs(text):
        size = words(" ".join(kept))
        if kept and size >= min_words and size + words(p) > share * total:
            break
        kept.append(p)
    if read_more:
        kept.append(read_more)
    return join(kept)


def excerpt_middle(text: str, start: int, count: int) -> str:
    """`count` paragraphs from paragraph `start` (0-based): a quotation from inside a story."""
    return join(paragraphs(text)[start:start + count])


def truncated(text: str, word_count: int) -> str:
    """The first `word_count` words, cut mid-sentence with an ellipsis (a feed's summary)."""
    cut = text.split()[:word_count]
    return " ".join(cut) + " …\n"


def abridged(text: str) -> str:
    """Every third paragraph, every third sentence of the others and the closing paragraph
    left off: a republisher's cut."""
    kept = []
    for i, p in enumerate(paragraphs(text)[:-1]):
        if i % 3 == 2:
            continue
        sentences = re.split(r"(?<=[.!?\"\u201d])\s+(?=[A-Z\"\u201c])", p)
        chosen = [s for i, s in enumerate(sentences) if i % 3 != 2]
        kept.append(" ".join(chosen))
    return join(kept)


def spin(text: str, table: dict[str, str] = SPIN) -> str:
    """Synonyms swapped outside quotations (whole words, longest phrases first)."""
    parts = re.split(r"(\"[^\"]*\"|\u201c[^\u201d]*\u201d)", text)
    keys = sorted(table, key=len, reverse=True)
    pattern = re.compile(r"(?<![\w'])(" + "|".join(re.escape(k) for k in keys) + r")(?![\w'])")
    return "".join(part if part[:1] in "\"\u201c" else pattern.sub(lambda m: table[m.group(1)], part)
                   for part in parts)


def aggregator_page(site: str, blurbs: list[tuple[str, str]]) -> str:
    """A listing page: a header, then per story its headline, its first paragraph and a link."""
    parts = [f"{site} — today's top stories from around the web"]
    for headline, text in blurbs:
        parts.append(headline)
        parts.append(excerpt_start(text, 0.0, min_words=40).strip())
        parts.append("Read more »")
    parts.append(f"© {site}. Summaries link to the original publishers.")
    return join(parts)
