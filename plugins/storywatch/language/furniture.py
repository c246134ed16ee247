"""Wire furniture: the parts of a news text that are not sentences of the story.

Datelines ("SANTIAGO, March 4 (Agency) -", "GENEVA (Agency) —"), live-blog
timestamps ("21:40 GMT —"), bylines ("By A. Reporter"), reporting credits
("(Reporting by ...; Editing by ...)"), photo credits, "Read more" and
"Also read" lines, tag and category lines. Their names are not mentions of
the story and never speakers: the extractor drops what falls inside them.
The place of a dateline stays (it says where the story was filed); its agency
does not.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

# A paragraph opening: CITY[, Region or date] [(Agency)] dash.
_DATELINE = re.compile(
    r"^(?P<place>[A-Z][A-Z.'\- ]{1,40}?)(?:,\s*[A-Z][A-Za-z.]+(?:\s+\d{1,2})?)?\s*"
    r"(?P<agency>\([^()\n]{2,60}\))?\s*[-–—]{1,2}\s")
_TIMESTAMP = re.compile(r"^\d{1,2}[:.]\d{2}(?:\s*[ap]\.?m\.?)?(?:\s+[A-Z]{2,5})?\s*[-–—|:]\s*")
_LINES = re.compile(
    r"^\s*(?:by\s+[A-Z][^.!?\n]{0,60}$|\(?\s*(?:reporting|writing|editing|additional reporting)"
    r"\s+by\b.*|(?:photo|image|picture|video)(?:\s+credit)?\s*[:/].*|\(photo\b.*\)\s*$"
    r"|read more\b.*|also read\b.*|related\s*:.*|posted in\b.*|tagged\b.*|filed under\b.*"
    r"|key points\s*$|copyright\b.*|©.*|.*\bcontributed to this report\.?\s*$"
    r"|click here\b.*|sign up\b.*|subscribe\b.*|follow us\b.*|share this\b.*)",
    re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Furniture:
    """Characters of a text that are furniture (end exclusive), and what kind."""

    start: int
    end: int
    kind: str  # dateline | timestamp | line


def find_furniture(text: str) -> list[Furniture]:
    """Every furniture span of `text`, in order."""
    found: list[Furniture] = []
    offset = 0
    for paragraph in text.split("\n"):
        stripped = paragraph.strip()
        if stripped and _LINES.match(stripped) and len(stripped) < 300:
            found.append(Furniture(offset, offset + len(paragraph), "line"))
        else:
            stamp = _TIMESTAMP.match(paragraph)
            if stamp:
                found.append(Furniture(offset, offset + stamp.end(), "timestamp"))
            else:
                dateline = _DATELINE.match(paragraph)
                if dateline and _looks_like_place(dateline.group("place")):
                    begin = dateline.start("agency") if dateline.group("agency") else (
                        dateline.end("place"))
                    found.append(Furniture(offset + begin, offset + dateline.end(), "dateline"))
        offset += len(paragraph) + 1
    return found


def _looks_like_place(words: str) -> bool:
    """A dateline place is in capitals: 'NEW DELHI', not the first word of a sentence."""
    letters = [c for c in words if c.isalpha()]
    return len(letters) >= 3 and all(c.isupper() for c in letters)


def inside_furniture(spans: Sequence[Furniture], start: int, end: int) -> bool:
    """The characters start..end overlap a furniture span."""
    return any(f.start < end and start < f.end for f in spans)


def mask_furniture(text: str) -> str:
    """`text` with its furniture blanked by spaces: same length, so every offset holds.

    Parsing the masked text keeps a timestamp or a dateline agency from becoming
    the subject of the story's first sentence.
    """
    spans = find_furniture(text)
    if not spans:
        return text
    chars = list(text)
    for span in spans:
        for i in range(span.start, span.end):
            if chars[i] != "\n":
                chars[i] = " "
    return "".join(chars)
