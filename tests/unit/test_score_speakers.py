"""The speaker scorer matches quotes by text and speakers by name or described head."""
from __future__ import annotations

import importlib.util
import json
import sys

import pytest

from storywatch.settings import REPO_ROOT


@pytest.fixture(scope="module")
def scorer():
    sys.path.insert(0, str(REPO_ROOT / "bench"))
    spec = importlib.util.spec_from_file_location(
        "score_speakers", REPO_ROOT / "bench" / "score_speakers.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_scores_a_folder_of_articles_with_speaker_gold(scorer, tmp_path) -> None:
    (tmp_path / "a.txt").write_text(
        "---\ntitle: Ferry fares\npublished: 2019-05-03\n---\n"
        "“Fares fall by a third in June,” Transport Minister Jon Aas said.\n"
        "“Nobody asked us,” a ferry captain told reporters.\n", encoding="utf-8")
    (tmp_path / "a.gold.json").write_text(json.dumps({"direct_quotes": [
        {"speaker": "Jon Aas", "quote": "Fares fall by a third in June,"},
        {"speaker": "a captain", "quote": "Nobody asked us,"},
        {"speaker": "Per Lund", "quote": "a quote nobody wrote"},
    ]}), encoding="utf-8")
    total, found, right, sourced, misses = scorer.score_folder(tmp_path, details=True)
    assert (total, found, right, sourced) == (3, 2, 2, 2)
    assert misses == ["a: quote not found: 'a quote nobody wrote'"]


def test_the_frozen_wild_set_has_the_size_its_readme_promises(scorer) -> None:
    folder = REPO_ROOT / "bench" / "speakers_wild"
    golds = list(folder.glob("*.gold.json"))
    quotes = sum(len(json.loads(g.read_text(encoding="utf-8"))["direct_quotes"]) for g in golds)
    assert len(golds) >= 15 and quotes >= 60
    assert all(g.with_name(g.name.replace(".gold.json", ".txt")).exists() for g in golds)


def test_a_described_source_matches_by_its_head_noun_not_its_last_word(scorer) -> None:
    from score_extraction import head_noun, speaker_right

    assert head_noun("An appeals court in Gothenburg") == head_noun("the appeals court") == "court"
    assert head_noun("one of two officials familiar with the talks") == "official"
    assert head_noun("one of the people close to the club") == "person"
    assert speaker_right("a firefighter", [], "a firefighter in Schuld", set())
    assert not speaker_right("a firefighter", [], "a resident of Schuld", set())
