"""Read an article as the pipeline does, without a database: extract, then track one thread.

The claims come from the real extractor (spaCy's parse, frames and attribution), turned into
the records the tracker reads from `v_claims`, so a test of a slot sees what production sees.
"""
from __future__ import annotations

import datetime as dt

from storywatch.language.analysis import analyse_texts
from storywatch.tracking.observations import ArticleReading, ClaimRecord, read_article
from storywatch.tracking.relevance import parse_text
from storywatch.tracking.threads import Thread

FEB_13 = dt.datetime(2022, 2, 13, 16, tzinfo=dt.UTC)


def extracted_claims(body: str, published: dt.datetime = FEB_13) -> list[ClaimRecord]:
    """The quantity and status claims the extract stage finds in `body`."""
    (extraction,) = analyse_texts([body], published=[published.date()])
    return [
        ClaimRecord(
            claim_id=k, kind=c.kind, text=c.text, evidence=c.evidence,
            sentence_index=c.sentence_index, start_char=c.start_char, end_char=c.end_char,
            value_num=c.value_num, value_low=c.value_low, value_high=c.value_high, unit=c.unit,
            qualifier=c.qualifier, subject=c.subject, speaker=c.speaker_name or c.speaker_text,
            attributed_to=None if c.attribution == "narrator" else c.attributed_to,
            negated=c.negated, modality=c.modality, details=c.details)
        for k, c in enumerate(extraction.claims, 1) if c.kind in ("quantity", "status")
    ]


def read_with_extractor(thread: Thread, body: str, *, title: str = "",
                        published: dt.datetime = FEB_13, outlet: str = "Wire") -> ArticleReading:
    """What `thread` takes from an article, with the claims the extractor finds in it."""
    return read_article(thread, parse_text(title, body), extracted_claims(body, published),
                        published, outlet)


def slot_values(reading: ArticleReading, slot: str) -> list[str]:
    return [o.value.text for o in reading.observations if o.slot == slot]
