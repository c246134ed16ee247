"""The extract stage's pure side: screening, attribution of claims, hostile texts."""
from __future__ import annotations

import datetime as dt

import pytest

from storywatch.extraction.stage import ExtractStage, screen_text
from storywatch.language.analysis import analyse_texts
from storywatch.store.stagework import PendingVersion, SkipItem

GERMAN = ("Die Gespräche in Wien über das Atomabkommen mit dem Iran wurden am Freitag "
          "unterbrochen, nachdem Russland Garantien verlangt hatte. Die Europäische Union "
          "erklärte, ein endgültiger Text liege auf dem Tisch, und die Delegationen kehrten "
          "in ihre Hauptstädte zurück, um dort weitere Anweisungen zu erhalten.")


def version(body: str, title: str | None = "t", version_id: int = 1) -> PendingVersion:
    now = dt.datetime(2022, 2, 13, tzinfo=dt.UTC)
    return PendingVersion(version_id, version_id, 1, title, body, now, now)


def test_empty_and_foreign_texts_are_skipped_with_a_reason() -> None:
    with pytest.raises(SkipItem, match="empty"):
        screen_text("  \n ")
    with pytest.raises(SkipItem, match="not English"):
        screen_text(GERMAN)
    screen_text("Russia masses troops near Ukraine")  # a headline is read


def test_a_figure_is_attributed_to_who_gives_it() -> None:
    text = ("Russia has massed more than 130,000 troops near Ukraine, according to U.S. "
            "officials. The Kremlin said 10,000 soldiers had gone home. “We counted "
            "3,000 tanks,” said Oleksii Reznikov. Russia has 15 military districts.")
    claims = [c for c in analyse_texts([text])[0].claims if c.kind == "quantity"]
    by_value = {c.value_num: c for c in claims}
    assert by_value[130000].attribution == "cited_source"
    assert by_value[130000].attributed_to == "U.S. officials"
    assert by_value[3000].attribution == "speaker"
    assert by_value[3000].speaker_name == "Oleksii Reznikov"
    assert by_value[15].attribution == "narrator" and by_value[15].speaker_name is None


def test_prepare_returns_one_result_per_version_and_never_raises() -> None:
    stage = ExtractStage(max_chars=8_000)
    versions = [
        version("", title=None),
        version(GERMAN, version_id=2),
        version("“" * 2_000 + "unclosed " * 500, version_id=3),
        version(("word " * 3_000).strip() + ".", version_id=4),
        version("Raisi met Putin in Moscow, the Kremlin said.", version_id=5),
    ]
    results = stage.prepare(versions)
    assert len(results) == 5
    assert isinstance(results[0], SkipItem) and isinstance(results[1], SkipItem)
    assert not any(isinstance(r, Exception) and not isinstance(r, SkipItem) for r in results)


def test_a_huge_body_is_parsed_up_to_the_cap_and_says_so() -> None:
    paragraph = "Russia said on Monday that its troops were returning to base. " * 20 + "\n"
    text = paragraph * 200  # about 250,000 characters
    extraction = analyse_texts([text], limit=5_000)[0]
    assert extraction.truncated
    assert 4_000 < extraction.chars_parsed <= 5_000
