"""A paragraph's own label ("Aug. 22 -", "20:45 —") is read whatever separates paragraphs."""
from __future__ import annotations

import pytest

from storywatch.tracking.relevance import parse_text

ENTRIES = ["09:10 — Rescuers reached the second chamber overnight, officials said.",
           "11:45 — The pumps were switched off after the water level fell.",
           "Crews will resume drilling once the rock is stable."]


@pytest.mark.parametrize("separator", ["\n", "\n\n", "\r\n"],
                         ids=["one line each (fetched pages)", "blank lines", "CRLF"])
def test_every_paragraph_of_a_live_blog_keeps_its_label(separator: str) -> None:
    parsed = parse_text("Flooded mine: live updates", separator.join(ENTRIES))
    labels = [parsed.paragraph_label(i) for i in range(len(parsed.sentences))]
    assert labels == ["09:10", "11:45", None]
