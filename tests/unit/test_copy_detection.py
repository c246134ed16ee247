"""MinHash and copy classification on the seed, its variants and look-alikes (no database)."""
from __future__ import annotations

from pathlib import Path

import pytest

from storywatch.copies import minhash
from storywatch.copies.features import (
    MIN_WORDS,
    WORD_ANCHOR_WINDOW,
    WORD_SHINGLE,
    compare_copies,
    copy_features,
    figures,
    quotations,
    skeleton,
)
from storywatch.copies.segments import blurb_matches
from storywatch.settings import REPO_ROOT
from storywatch.text import fold_text

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


# --- copies as the web serves them: containment of the shorter text in the longer -------

DEV = REPO_ROOT / "bench" / "copies_dev"


def _dev(name: str) -> str:
    folder = "derived" if "__" in name or name.startswith("page_") else "texts"
    return (DEV / folder / f"{name}.txt").read_text(encoding="utf-8")


@pytest.mark.parametrize(("copy", "kind"), [
    ("seed_excerpt_spun", "excerpt"),      # byte-identical first fifth of the (spun) seed
    ("original_excerpt", "spun"),          # near-verbatim excerpt of the unspun original
    ("spun_again_excerpt", "spun"),        # excerpt from the second paragraph, another spin
    ("original_abridged", "spun"),         # abridged republication of the original
])
def test_the_seeds_copies_as_excerpts_are_partial_copies(copy, kind):
    seed, excerpt = copy_features(_text("seed")), copy_features(_text(copy))
    match = compare_copies(seed, excerpt)
    assert match.kind == kind and match.is_partial
    assert 0.1 < match.covered_share < 0.5  # 1,400-2,100 of the seed's 8,700 characters
    assert compare_copies(excerpt, seed) == match


@pytest.mark.parametrize("copy", ["seed_excerpt_spun", "original_excerpt", "spun_again_excerpt",
                                  "original_abridged", "seed"])
def test_an_independent_report_sharing_quotes_is_no_copy_even_of_an_excerpt(copy):
    match = compare_copies(copy_features(_text("raisi_independent_report")), copy_features(_text(copy)))
    assert match.kind is None and match.score == 0.0


@pytest.mark.parametrize(("copy", "kind"), [
    ("drought__lead", "excerpt"), ("drought__excerpt_start", "excerpt"),
    ("drought__truncated", "excerpt"), ("drought__excerpt_middle", "excerpt"),
    ("drought__abridged", "excerpt"), ("drought__spun_excerpt", "spun"),
    ("drought__spun", "spun"), ("drought__repost", "exact"),
])
def test_each_shape_of_copy_is_found_whatever_its_length(copy, kind):
    match = compare_copies(copy_features(_dev("drought")), copy_features(_dev(copy)))
    assert match.kind == kind
    assert match.is_partial == (copy not in ("drought__spun", "drought__repost"))


@pytest.mark.parametrize("other", ["layoffs_other_agency", "layoffs_followup",
                                   "rail_timetable_other_agency", "rail_timetable_followup"])
def test_same_event_other_agency_and_follow_up_quoting_the_first_are_no_copies(other):
    story = other.rsplit("_", 2)[0] if other.endswith("_other_agency") else other.rsplit("_", 1)[0]
    for text in (story, f"{story}__excerpt_start", f"{story}__spun_excerpt"):
        match = compare_copies(copy_features(_dev(text)), copy_features(_dev(other)))
        assert match.kind is None, (text, other, match)
        # they do share the quotations: the narration and skeleton order tell them apart
    assert compare_copies(copy_features(_dev(story)), copy_features(_dev(other))).quote_similarity == 1.0


def test_below_the_minimum_length_nothing_is_a_copy():
    words = _dev("drought").split()
    at_minimum = copy_features(" ".join(words[:MIN_WORDS]))
    below = copy_features(" ".join(words[:MIN_WORDS - 2]))
    story = copy_features(_dev("drought"))
    assert at_minimum.word_count >= MIN_WORDS > below.word_count
    assert compare_copies(at_minimum, story).kind == "excerpt"
    assert compare_copies(below, story).kind is None


def test_thresholds_are_shares_so_a_long_story_and_its_lead_compare_like_a_short_one():
    long_story = "\n".join([_dev("drought")] + [_text("raisi_original_wording")] * 1)
    lead = copy_features(_dev("drought__lead"))
    short_match = compare_copies(lead, copy_features(_dev("drought")))
    long_match = compare_copies(lead, copy_features(long_story))
    assert short_match.kind == long_match.kind == "excerpt"
    assert short_match.word_similarity == long_match.word_similarity == 1.0
    assert long_match.covered_share < short_match.covered_share


def test_winnowed_anchors_are_shared_by_any_common_passage_of_twelve_words():
    words = fold_text(_text("raisi_original_wording")).split()
    passage = words[500:512]
    story = minhash.winnow(minhash.ordered_shingles(words, WORD_SHINGLE), WORD_ANCHOR_WINDOW)
    other = ["unrelated"] * 30 + passage + ["words"] * 30
    anchors = minhash.winnow(minhash.ordered_shingles(other, WORD_SHINGLE), WORD_ANCHOR_WINDOW)
    assert story & anchors
    assert len(story) < len(words) / 3  # a sample, not every run


def test_a_page_of_blurbs_is_no_copy_but_carries_each_story_as_a_blurb():
    page = _dev("page_1")
    for story in ("drought", "layoffs", "museum_theft"):
        features = copy_features(_dev(story))
        assert compare_copies(copy_features(page), features).kind is None
        blurbs = blurb_matches(page, features)
        assert len(blurbs) == 1 and blurbs[0].match.kind == "excerpt" and blurbs[0].match.is_partial
    assert blurb_matches(page, copy_features(_dev("rail_timetable"))) == []


def test_a_paragraph_sharing_only_a_quotation_and_its_attribution_is_no_blurb():
    quote = "“We do not take this step lightly, but we cannot ask the rivers for water they do not have,” she said."
    report = f"Gardens will go thirsty.\n{quote}\nCritics pointed to leaks and said the ban came late in the year."
    assert blurb_matches(report, copy_features(_dev("drought"))) == []
