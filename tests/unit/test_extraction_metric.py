"""The benchmark scorer follows the metric its README describes."""

from __future__ import annotations

import importlib.util
import sys

import pytest

from storywatch.settings import REPO_ROOT


@pytest.fixture(scope="module")
def metric():
    spec = importlib.util.spec_from_file_location(
        "extraction_quality", REPO_ROOT / "bench" / "extraction_quality.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


def test_identical_text_scores_one(metric):
    score = metric.score_page("p", "one two three four five", "one two three four five")
    assert (score.precision, score.recall) == (1.0, 1.0)


def test_extra_and_missing_shingles_count_as_multisets(metric):
    truth = "a b c d e f"  # shingles abcd bcde cdef
    predicted = "a b c d e x a b c d"  # abcd bcde cdex dexa exab xabc abcd
    score = metric.score_page("p", truth, predicted)
    assert (
        score.tp == pytest.approx(2 / 8)
        and score.fp == pytest.approx(5 / 8)
        and score.fn == pytest.approx(1 / 8)
    )
    assert score.precision == pytest.approx(2 / 7) and score.recall == pytest.approx(2 / 3)


def test_tokens_are_unicode_words(metric):
    assert metric.shingles("Ação, é: notícia! 130,000") == {
        ("Ação", "é", "notícia", "130"): 1,
        ("é", "notícia", "130", "000"): 1,
    }


def test_empty_prediction_counts_zero_precision_only_where_defined(metric):
    scores = [metric.score_page("a", "w x y z", ""), metric.score_page("b", "w x y z", "w x y z")]
    figures = metric.summarise(scores)
    assert figures["precision"] == 1.0  # page a has TP+FP = 0: left out of precision
    assert figures["recall"] == 0.5
    assert figures["f1"] == pytest.approx(2 / 3)
