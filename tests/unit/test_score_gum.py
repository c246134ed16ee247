"""The GUM scorer reads WebAnno TSV 3.2 and counts names, types and resolved mentions."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from storywatch.settings import REPO_ROOT
from tests.conftest import shared_path


@pytest.fixture(scope="module")
def gum():
    spec = importlib.util.spec_from_file_location("score_gum", REPO_ROOT / "bench" / "score_gum.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


# Two sentences of an invented story, one token per row:
# (word, entity column, identity column, relation column, target column)
SENTENCES = [
    [("Chile", "organization", "Chile", "_", "_"),
     ("fined", "_", "_", "_", "_"),
     ("Marta", "person[2]", "_", "_", "_"),
     ("Quispe", "person[2]", "_", "_", "_"),
     (".", "_", "_", "_", "_")],
    [("She", "person", "_", "ana", "1-3[2_0]"),
     ("told", "_", "_", "_", "_"),
     ("the", "person[4]", "_", "coref", "1-3[2_4]"),
     ("court", "person[4]", "_", "_", "_"),
     ("clerk", "person[4]", "_", "_", "_"),
     ("nothing", "_", "_", "_", "_"),
     (".", "_", "_", "_", "_")],
]


def write_tsv(path: Path) -> str:
    """The sentences as a GUM TSV file; returns the document text."""
    lines = ["#FORMAT=WebAnno TSV 3.2", "#T_SP=webanno.custom.Referent|entity|infstat|salience|"
             "identity|centering", "#T_RL=webanno.custom.Coref|type|BT_webanno.custom.Referent", ""]
    offset = 0
    words_all = []
    for s, sentence in enumerate(SENTENCES, start=1):
        lines.append("#Text=" + " ".join(w for w, *_ in sentence))
        for t, (word, entity, identity, relation, target) in enumerate(sentence, start=1):
            end = offset + len(word)
            lines.append("\t".join([f"{s}-{t}", f"{offset}-{end}", word, entity, "_", "_",
                                    identity, "_", relation, target, ""]))
            offset = end + 1
            words_all.append(word)
        lines.append("")
    path.write_text("\n".join(lines), encoding="utf-8")
    return " ".join(words_all)


def test_parse_rebuilds_text_and_chains(gum, tmp_path):
    text = write_tsv(tmp_path / "GUM_news_invented.tsv")
    doc = gum.parse_gum_tsv(tmp_path / "GUM_news_invented.tsv")
    assert doc.text == text
    chains = [sorted(m.text for m in chain) for chain in doc.chains if len(chain) > 1]
    assert chains == [["Marta Quispe", "She", "the court clerk"]]


def test_scores_recall_typing_and_resolution(gum, tmp_path):
    write_tsv(tmp_path / "GUM_news_invented.tsv")
    doc = gum.parse_gum_tsv(tmp_path / "GUM_news_invented.tsv")
    start = doc.text.index("Marta")
    she = doc.text.index("She")
    clerk = doc.text.index("the court")
    ours = [gum.OurMention(0, 5, "GPE", "Chile", "ner"),  # a country acting: GPE is right
            gum.OurMention(start, start + 12, "PERSON", "Marta Quispe", "ner"),
            gum.OurMention(she, she + 3, "PERSON", "Marta Quispe", "pronoun"),
            gum.OurMention(clerk, clerk + 15, "PERSON", "someone else", "role")]
    tally = gum.GumTally()
    gum.score_doc(doc, ours, tally, details=True)
    assert (tally.named, tally.found, tally.typed) == (2, 2, 2)
    assert (tally.resolved, tally.to_resolve) == (1, 2)
    assert any("the court clerk" in line for line in tally.misses)


def test_a_mention_we_miss_counts_against_recall(gum, tmp_path):
    write_tsv(tmp_path / "GUM_news_invented.tsv")
    doc = gum.parse_gum_tsv(tmp_path / "GUM_news_invented.tsv")
    tally = gum.GumTally()
    gum.score_doc(doc, [gum.OurMention(0, 5, "PERSON", "Chile", "ner")], tally, details=False)
    assert (tally.named, tally.found, tally.typed, tally.resolved) == (2, 1, 0, 0)


def test_runs_on_the_shared_gum_documents(gum, capsys):
    folder = shared_path("bench", "gum-news")
    assert gum.main(["--dir", str(folder)]) == 0
    out = capsys.readouterr().out
    assert "storywatch" in out and "spaCy small alone" in out and "resolution" in out
