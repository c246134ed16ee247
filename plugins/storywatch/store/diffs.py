"""What changed between two versions of an article: sentences, a unified diff, triviality.

Sentences are matched on their folded form (quote styles, spacing and case
folded), so a republisher's curly quotes do not count as an edit. An edit is
trivial when, once date lines, whitespace, quote styles, HTML entities and
mis-decoded characters are set aside, the headline and body are the same:
analysts can then hide it.
"""
from __future__ import annotations

import difflib
import html
import re
from dataclasses import dataclass

from storywatch.sentences import split_paragraphs, split_sentences
from storywatch.text import fold_text

# Words a date or time stamp line is made of ("Updated Jan. 19, 2022 at 3:45 p.m. ET").
_DATE_WORDS = frozenset("""
updated update published posted last modified edited on at by am pm a.m p.m et est edt pt pst pdt
ct cst cdt mt gmt utc bst cet cest z mins min minutes minute hours hour hrs hr days day ago
seconds just now today yesterday
jan january feb february mar march apr april may jun june jul july aug august sep sept september
oct october nov november dec december
mon monday tue tues tuesday wed wednesday thu thur thurs thursday fri friday sat saturday sun sunday
""".split())
# At least one of these (or a digit) makes a line a date line, not just a label.
_DATE_ANCHORS = frozenset("""
ago today yesterday now jan january feb february mar march apr april may jun june jul july aug
august sep sept september oct october nov november dec december mon monday tue tues tuesday wed
wednesday thu thur thurs thursday fri friday sat saturday sun sunday
""".split())
_DATE_TOKEN = re.compile(r"\d{1,4}(?:st|nd|rd|th)?|[a-z.]+")
# Characters that betray UTF-8 read as Windows-1252 or Latin-1 ("â€™" for "’").
_MOJIBAKE = re.compile("[\u00c2\u00c3\u00e2][\u0080-\u00bf\u2010-\u203a\u20ac\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc\u2122]")


@dataclass(frozen=True, slots=True)
class VersionDiff:
    """The change from one version of an article to the next."""

    title_changed: bool
    added_sentences: tuple[str, ...]
    removed_sentences: tuple[str, ...]
    unified_diff: str
    is_trivial: bool

    @property
    def sentences_added(self) -> int:
        return len(self.added_sentences)

    @property
    def sentences_removed(self) -> int:
        return len(self.removed_sentences)


def diff_versions(
    old_title: str | None, old_body: str, new_title: str | None, new_body: str
) -> VersionDiff:
    """The sentences added and removed, a unified diff, and whether the edit is trivial."""
    old_sentences = split_sentences(old_body)
    new_sentences = split_sentences(new_body)
    added, removed = _changed_sentences(old_sentences, new_sentences)
    title_changed = (old_title or "") != (new_title or "")
    return VersionDiff(
        title_changed=title_changed,
        added_sentences=tuple(added),
        removed_sentences=tuple(removed),
        unified_diff=_unified(old_title, old_sentences, new_title, new_sentences),
        is_trivial=is_trivial_edit(old_title, old_body, new_title, new_body),
    )


def is_trivial_edit(
    old_title: str | None, old_body: str, new_title: str | None, new_body: str
) -> bool:
    """True when only date lines, whitespace, quote styles or the text encoding differ."""
    return (_substance(old_title or "") == _substance(new_title or "")
            and _substance(old_body) == _substance(new_body))


def repair_mojibake(text: str) -> str:
    """Undo UTF-8 text mis-decoded as Windows-1252/Latin-1, line by line, where that is what happened."""
    if not _MOJIBAKE.search(text):
        return text
    return "\n".join(_repair_line(line) if _MOJIBAKE.search(line) else line
                     for line in text.split("\n"))


def _repair_line(line: str) -> str:
    raw = bytearray()
    for char in line:
        try:
            raw += char.encode("cp1252")
        except UnicodeEncodeError:
            # Browsers decode the five bytes cp1252 leaves undefined as C1 controls.
            if ord(char) > 0xFF:
                return line
            raw.append(ord(char))
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return line


def is_date_line(line: str) -> bool:
    """True for a line that is only a date or time stamp ("Updated 3:45 p.m. ET, Jan. 19, 2022")."""
    tokens = _DATE_TOKEN.findall(line.lower())
    if not any(t[0].isdigit() or t.rstrip(".") in _DATE_ANCHORS for t in tokens):
        return False
    leftover = [t for t in tokens if not t[0].isdigit() and t.rstrip(".") not in _DATE_WORDS]
    return len(leftover) <= 1 and len(tokens) <= 16


def _substance(text: str) -> str:
    text = repair_mojibake(html.unescape(text))
    kept = [p for p in split_paragraphs(text) if not is_date_line(p)]
    return fold_text("\n".join(kept))


def _changed_sentences(old: list[str], new: list[str]) -> tuple[list[str], list[str]]:
    matcher = difflib.SequenceMatcher(
        a=[fold_text(s) for s in old], b=[fold_text(s) for s in new], autojunk=False
    )
    added: list[str] = []
    removed: list[str] = []
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op in ("replace", "delete"):
            removed.extend(old[a1:a2])
        if op in ("replace", "insert"):
            added.extend(new[b1:b2])
    # A sentence that only moved is neither added nor removed.
    moved = {fold_text(s) for s in added} & {fold_text(s) for s in removed}
    return (
        [s for s in added if fold_text(s) not in moved],
        [s for s in removed if fold_text(s) not in moved],
    )


def _unified(
    old_title: str | None, old: list[str], new_title: str | None, new: list[str]
) -> str:
    # One sentence per line: a reader sees which sentence changed, not which paragraph.
    before = [f"# {old_title or ''}", *old]
    after = [f"# {new_title or ''}", *new]
    lines = difflib.unified_diff(before, after, "previous", "current", n=1, lineterm="")
    return "\n".join(lines)
