"""One parsed text to everything the extractor derives from it: entities, claims, spin.

Pure: no database and no network. The `extract` stage (`storywatch.extraction`)
parses pending versions, calls `analyse_doc` on each parse and stores the result.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from spacy.tokens import Doc

from storywatch.language import nlp
from storywatch.language.claims import (
    Attributor,
    Claim,
    dedupe_claims,
    quantity_claims,
    speech_claims,
    status_claims,
)
from storywatch.language.coref import link_people, link_quote_speakers, quote_mask
from storywatch.language.entities import DocEntities, Mention, find_entities
from storywatch.language.furniture import find_furniture, mask_furniture
from storywatch.language.nlp import doc_text
from storywatch.language.quantities import find_quantities
from storywatch.language.quotes import SpeechClaim, find_quote_spans, find_speech
from storywatch.language.roles import RoleBook, default_roles
from storywatch.language.spin import SpinSignal, measure_spin
from storywatch.language.statuses import find_statuses


@dataclass(frozen=True, slots=True)
class Extraction:
    """Everything the stage derived from one version's text."""

    mentions: tuple[Mention, ...]
    values: tuple[Mention, ...]
    claims: tuple[Claim, ...]
    spin: SpinSignal
    chars_parsed: int
    truncated: bool
    model: str


def analyse_doc(doc: Doc, *, truncated: bool = False, model: str = "",
                published: dt.date | None = None, roles: RoleBook | None = None) -> Extraction:
    """Entities, claims and spin of one parsed text (pure: no database).

    `published` (the article's publication date) dates the roles an article
    mentions without naming their holder ("the Iranian president"), looked up in
    `roles` (default: the configured seeds/roles.yml).
    """
    text = doc_text(doc)
    furniture = find_furniture(text)
    ents = find_entities(doc, furniture)
    book = roles if roles is not None else default_roles()
    quoted = [(q.start, q.end) for q in find_quote_spans(text)]
    link_people(doc, ents, quote_mask(doc, quoted), book, published)
    speech = [with_institution(item, ents, book, published)
              for item in find_speech(doc, ents, furniture)]
    link_quote_speakers(doc, ents, [(s.start_char, s.end_char, s.speaker.name if s.speaker else None)
                                    for s in speech if s.kind == "quote"])
    ents.mentions.sort(key=lambda m: (m.start_char, m.end_char))
    attributor = Attributor(doc, ents, speech)
    claims: list[Claim] = speech_claims(doc, ents, speech)
    claims += quantity_claims(doc, ents, find_quantities(doc), attributor)
    claims += status_claims(doc, ents, find_statuses(doc), attributor)
    claims = dedupe_claims(claims)
    spin = measure_spin(doc_text(doc), (c.reporting_verb for c in claims if c.kind == "quote"))
    claim_sentences = {c.sentence_index for c in claims}
    values = tuple(v for v in ents.values if v.sentence_index in claim_sentences)
    return Extraction(
        mentions=tuple(ents.mentions), values=values, claims=tuple(claims), spin=spin,
        chars_parsed=len(doc_text(doc)), truncated=truncated, model=model,
    )


def with_institution(item: SpeechClaim, ents: DocEntities, roles: RoleBook,
                     published: dt.date | None) -> SpeechClaim:
    """The speech claim with its speaker's institution: the article's, else the roles file's."""
    speaker = item.speaker
    if speaker is None or speaker.name is None or speaker.institution:
        return item
    institution = ents.institutions.get(speaker.name) or roles.institution_of(
        speaker.name, published)
    if institution is None or institution == speaker.name:
        return item
    return dataclasses.replace(item, speaker=dataclasses.replace(speaker, institution=institution))


def analyse_texts(texts: Sequence[str], limit: int = nlp.MAX_PARSE_CHARS,
                  published: Sequence[dt.date | None] | None = None) -> list[Extraction]:
    """Extractions of raw texts, in order (for benches and tests; no screening)."""
    model = nlp.model_in_use().label
    capped = [mask_furniture(nlp.cap_text(t, limit)) for t in texts]
    dates = list(published) if published is not None else [None] * len(texts)
    return [analyse_doc(doc, truncated=len(c) < len(t), model=model, published=date)
            for doc, c, t, date in zip(nlp.parse_texts(capped, limit=limit), capped, texts,
                                       dates, strict=True)]
