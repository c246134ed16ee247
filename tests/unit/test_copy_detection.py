"""MinHash and copy classification on the seed, its variants and look-alikes (no database)."""
from __future__ import annotations

from pathlib import Path

import pytest

from storywatch.copies import minhash
from storywatch.copies.features import compare_copies, copy_features, figures, quotations, skeleton
from storywatch.settings import REPO_ROOT

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "copies"


def _text(name: str) -> str:
    if name == "seed":
        return (REPO_ROOT / "seeds" / "000_d3ec237e47cabcad.txt").read_text(encoding="utf-8")
    return (FIXTURES / f"{name}.txt").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def features():
    names = ["seed", "raisi_original_wording", "raisi_spun_again", "raisi_independent_report",
             "unrelated_report"]
    found = {name: copy_features(_text(name)) for name in names}
    original = _text("raisi_original_wording").split("\n")
    found["wire"] = copy_features("\n".join(original[:-5]).replace("some 100,000", "more than 100,000"))
    found["repost"] = copy_features(_text("raisi_original_wording").replace("\n", "\n\n").upper())
    return found


def test_minhash_is_deterministic_and_estimates_jaccard():
    a = minhash.shingles("the quick brown fox jumps over the lazy dog again and again".split(), 3)
    b = minhash.shingles("the quick brown fox jumps over the lazy cat again and again".split(), 3)
    assert minhash.signature(a) == minhash.signature(set(a))
    true = len(a & b) / len(a | b)
    assert abs(minhash.similarity(minhash.signature(a), minhash.signature(b)) - true) < 0.2
    assert minhash.similarity(minhash.signature(a), minhash.signature(a)) == 1.0
    assert minhash.similarity(minhash.signature(set()), minhash.signature(set())) == 0.0
    assert len(minhash.band_keys(minhash.signature(a))) == minhash.BANDS
    assert all(-(2**63) <= k < 2**63 for k in minhash.band_keys(minhash.signature(a)))


@pytest.mark.parametrize(("first", "second", "kind"), [
    ("seed", "raisi_original_wording", "spun"),
    ("raisi_spun_again", "raisi_original_wording", "spun"),
    ("seed", "raisi_spun_again", "spun"),
    ("wire", "raisi_original_wording", "near_duplicate"),
    ("repost", "raisi_original_wording", "exact"),
    ("raisi_independent_report", "raisi_original_wording", None),
    ("raisi_independent_report", "seed", None),
    ("unrelated_report", "raisi_original_wording", None),
])
def test_copies_are_classified(features, first, second, kind):
    match = compare_copies(features[first], features[second])
    assert match.kind == kind
    assert compare_copies(features[second], features[first]).kind == kind  # symmetric
    if kind is None:
        assert match.score == 0.0
    else:
        assert 0.7 <= match.score <= 1.0


def test_spinning_changes_words_but_keeps_quotations_figures_and_names(features):
    match = compare_copies(features["seed"], features["raisi_original_wording"])
    assert match.word_similarity < 0.5 and match.sentence_similarity < 0.2
    assert match.quote_similarity == 1.0 and match.number_similarity == 1.0
    assert match.skeleton_similarity > 0.8
    independent = compare_copies(features["raisi_independent_report"], features["seed"])
    # Two shared quotations and the same figures: corroboration, not a copy.
    assert independent.quote_similarity == 1.0 and independent.skeleton_similarity < 0.2


def test_feature_helpers():
    text = "Putin said “we are cooperating very closely” on Wednesday. Some 100,000 troops and $400 billion."
    assert quotations(text) == ["we are cooperating very closely"]
    assert figures(text) == {"100000", "400"}
    assert skeleton(text) == ["wednesday", "100000", "400"]


def test_signatures_are_pinned_so_stored_ones_stay_comparable():
    # Changing the hash or the permutations invalidates every stored signature: bump
    # CopiesStage.version along with these numbers.
    value = minhash.hash_text("putin met raisi")
    assert value == 1243077477590256206
    assert minhash.signature({value})[:3] == (1787929675335122534, 384613242623011572, 1866555462072658397)
    assert minhash.band_keys(minhash.signature({value}))[:2] == [1771838396000006613, -4356501678089563137]
