"""Wire furniture is found, blanked at the same length, and kept out of the story."""
from __future__ import annotations

from storywatch.language.furniture import find_furniture, mask_furniture


def test_datelines_keep_their_place_and_lose_their_agency() -> None:
    text = "LAGOS, Aug 9 (Coastwire) - Fuel queues returned on Friday."
    [span] = find_furniture(text)
    assert text[span.start:span.end] == "(Coastwire) - "
    assert mask_furniture(text).startswith("LAGOS, Aug 9 ")


def test_credit_lines_and_timestamps_are_furniture_and_offsets_hold() -> None:
    text = ("By Mara Quist\n09:15 GMT — Trains resumed.\nPhoto: the station (Photo by T. Ek)\n"
            "(Reporting by Mara Quist; Editing by Bo Lind)\nRead more: Rail strike ends")
    masked = mask_furniture(text)
    assert len(masked) == len(text) and masked.count("\n") == text.count("\n")
    assert "Mara" not in masked and "GMT" not in masked and "Read more" not in masked
    assert "Trains resumed." in masked


def test_story_sentences_are_not_furniture() -> None:
    text = ("By the end of the week, the port will reopen, officials said.\n"
            "Reading more into the figures, analysts were cautious.\nKYIV is not a dateline here.")
    assert find_furniture(text) == []
