"""The `extract` processing stage: entities, quotes, quantities, statuses and spin per version.

`prepare` is pure: it screens each text (empty, not English), parses the rest
with `nlp.pipe` in small batches and turns each parse into an `Extraction` (`language.analysis`).
`write` stores one version's extraction, replacing the rows an earlier
extractor version wrote (see `extraction.writes`). Bumping EXTRACTOR_VERSION,
installing another model version, or editing seeds/roles.yml (who held which
office when) makes every version pending again.
"""
from __future__ import annotations

import logging
import re
from collections.abc import Sequence

from storywatch.extraction.writes import write_extraction
from storywatch.language import nlp
from storywatch.language.analysis import Extraction, analyse_doc
from storywatch.language.furniture import mask_furniture
from storywatch.language.roles import RoleBook, default_roles
from storywatch.store.db import Connection
from storywatch.store.stagework import NothingShared, PendingVersion, SkipItem

log = logging.getLogger(__name__)

STAGE_NAME = "extract"
# Bump when a change to the rules should re-derive every version's rows.
EXTRACTOR_VERSION = "9"

# The commonest English function words: in English prose they are a third of the
# words or more; a text where they are rare is in another language (or not prose).
_ENGLISH_WORDS = frozenset("""
the of and to a in is that for on it with as was he said by at from his be are have has
but not this an they will were which its their had been who would or we after about more
than also over new two one could there i you she her up into out no when what all some
""".split())
_WORD = re.compile(r"[^\W\d_]+")
MIN_ENGLISH_SHARE = 0.12
LANGUAGE_SAMPLE_CHARS = 5_000


def article_text(version: PendingVersion) -> str:
    """The text the extractor reads: the body, or the headline when the body is empty."""
    body = version.body or ""
    if body.strip():
        return body
    return version.title or ""


def screen_text(text: str) -> None:
    """Raise SkipItem, with the reason, for a text the extractor cannot read."""
    if not text.strip():
        raise SkipItem("empty text: nothing to extract")
    sample = text[:LANGUAGE_SAMPLE_CHARS]
    words = [w.lower() for w in _WORD.findall(sample)]
    if len(words) < 25:
        return  # a headline or a live-blog line: too short to judge, and cheap to parse
    latin = sum(1 for w in words if w.isascii())
    share = sum(1 for w in words if w in _ENGLISH_WORDS) / len(words)
    if latin / len(words) < 0.5 or share < MIN_ENGLISH_SHARE:
        raise SkipItem(
            f"not English: {share:.0%} English function words in the first "
            f"{len(sample)} characters (the model reads English only)")


class ExtractStage(NothingShared):
    """Stage `extract`: parse pending versions and store mentions, claims and spin."""

    name = STAGE_NAME

    def __init__(self, max_chars: int = nlp.MAX_PARSE_CHARS, roles: RoleBook | None = None) -> None:
        # seeds/roles.yml is part of the version: editing it re-derives every version's rows.
        self.roles = roles if roles is not None else default_roles()
        self.version = f"{EXTRACTOR_VERSION}+{nlp.model_version()}+roles.{self.roles.digest}"
        self.max_chars = max_chars

    def prepare(self, versions: Sequence[PendingVersion]) -> list[object]:
        """One Extraction (or SkipItem/exception) per version; parses with nlp.pipe."""
        results: list[object] = [None] * len(versions)
        texts: list[str] = []
        positions: list[int] = []
        for i, version in enumerate(versions):
            text = article_text(version)
            try:
                screen_text(text)
            except SkipItem as skip:
                results[i] = skip
                continue
            texts.append(text)
            positions.append(i)
        if not texts:
            return results
        model = nlp.model_in_use().label
        # Furniture (datelines' agencies, bylines, credits) is blanked before parsing.
        capped = [mask_furniture(nlp.cap_text(t, self.max_chars)) for t in texts]
        docs = nlp.parse_texts(capped, limit=self.max_chars)
        for position, doc, text, cut in zip(positions, docs, texts, capped, strict=True):
            try:
                version = versions[position]
                published = version.published_at.date() if version.published_at else None
                results[position] = analyse_doc(doc, truncated=len(cut) < len(text), model=model,
                                                published=published, roles=self.roles)
            except Exception as exc:  # one odd text must not cost the batch
                log.exception("extraction failed on version %d",
                              versions[position].document_version_id)
                results[position] = exc
        return results

    def write(self, conn: Connection, version: PendingVersion, prepared: object) -> None:
        """Store one version's extraction, replacing that version's earlier rows."""
        assert isinstance(prepared, Extraction)
        write_extraction(conn, version.document_version_id, prepared, self.version)
