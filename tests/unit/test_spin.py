"""The spin signal: high on synonym-spun copy, low on ordinary news copy."""
from __future__ import annotations

from pathlib import Path

from storywatch.language.analysis import analyse_texts
from storywatch.language.spin import measure_spin
from storywatch.settings import REPO_ROOT

SEED = REPO_ROOT / "seeds" / "000_d3ec237e47cabcad.txt"
OWN = sorted((REPO_ROOT / "bench" / "extraction_gold").glob("*.txt"))


def test_the_spun_seed_scores_high_with_its_evidence() -> None:
    extraction = analyse_texts([SEED.read_text(encoding="utf-8")])[0]
    assert extraction.spin.score >= 0.9
    terms = " ".join(extraction.spin.terms)
    for evidence in ("mentioned (reporting a quote)", "advised (reporting a quote)",
                     "extended desk", "army cooperation", "financial system"):
        assert evidence in terms


def test_ordinary_news_copy_scores_low() -> None:
    assert len(OWN) >= 10
    for path in OWN:
        body = Path(path).read_text(encoding="utf-8").split("---", 2)[-1]
        assert measure_spin(body, ["said", "told"]).score < 0.2, path.name


def test_one_odd_phrase_in_a_short_text_is_not_spin() -> None:
    assert measure_spin("Officials said the financial system is sound.").score < 0.2
    assert measure_spin("").score == 0.0
