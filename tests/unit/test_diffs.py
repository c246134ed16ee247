"""Sentence splitting, version diffs and what counts as a trivial edit."""
from __future__ import annotations

import pytest

from storywatch.sentences import split_sentences
from storywatch.store.diffs import diff_versions, is_date_line, is_trivial_edit, repair_mojibake


def test_sentences_split_on_final_punctuation_but_not_abbreviations_or_initials():
    text = ("Mr. Putin met U.S. officials in Geneva on Jan. 10. He said “we will see.” "
            "J. R. Smith disagreed! Was it 100.5 million? Yes.\nA new paragraph starts here")
    assert split_sentences(text) == [
        "Mr. Putin met U.S. officials in Geneva on Jan. 10.",
        "He said “we will see.”",
        "J. R. Smith disagreed!",
        "Was it 100.5 million?",
        "Yes.",
        "A new paragraph starts here",
    ]


@pytest.mark.parametrize(("line", "expected"), [
    ("Updated Jan. 19, 2022 3:45 p.m. ET", True),
    ("Last modified on Wed 19 Jan 2022 10.00 GMT", True),
    ("Published 2022-01-19 14:05", True),
    ("2 hours ago", True),
    ("Russia has massed 100,000 troops", False),
    ("On Tuesday, officials said talks would resume", False),
    ("Updated", False),
])
def test_date_lines_are_recognised(line, expected):
    assert is_date_line(line) is expected


def test_diff_lists_added_and_removed_sentences_and_ignores_moves_and_quote_styles():
    old = "Officials said 100,000 troops were massed. Talks ended.\nThe \"deal\" is off. NATO waits."
    new = "Talks ended.\nOfficials said 130,000 troops were massed. The “deal” is off. NATO waits."
    diff = diff_versions("Headline", old, "Headline", new)
    assert diff.added_sentences == ("Officials said 130,000 troops were massed.",)
    assert diff.removed_sentences == ("Officials said 100,000 troops were massed.",)
    assert (diff.sentences_added, diff.sentences_removed) == (1, 1)
    assert not diff.is_trivial and not diff.title_changed
    assert "-Officials said 100,000 troops were massed." in diff.unified_diff.splitlines()
    assert "+Officials said 130,000 troops were massed." in diff.unified_diff.splitlines()


def test_headline_change_is_in_the_diff_and_never_trivial():
    diff = diff_versions("Troops massed", "Same body here.", "Troops invade", "Same body here.")
    assert diff.title_changed and not diff.is_trivial
    assert "+# Troops invade" in diff.unified_diff.splitlines()


def test_date_stamp_whitespace_and_quote_style_edits_are_trivial():
    old = "Updated Jan. 19, 2022 10:02 a.m. ET\nPutin said \"no\".  Talks go on."
    new = "Updated Jan. 19, 2022 4:45 p.m. ET\n\nPutin said “no”. Talks go on."
    assert is_trivial_edit("T", old, "T", new)
    assert not is_trivial_edit("T", old, "T", new.replace("Talks go on", "Talks are over"))


def test_re_encoding_only_edits_are_trivial():
    text = "Iran’s foreign minister said the “framework” was agreed. Café talks — résumé."
    garbled = text.encode("utf-8").decode("cp1252", errors="replace")
    latin = text.encode("utf-8").decode("latin-1")
    assert repair_mojibake(latin) == text
    assert is_trivial_edit("T", text, "T", latin)
    assert is_trivial_edit("T", "Tom &amp; Jerry met.", "T", "Tom & Jerry met.")
    assert garbled != text  # and a lossy one ("\ufffd") is a real change
    assert not is_trivial_edit("T", text, "T", garbled)
