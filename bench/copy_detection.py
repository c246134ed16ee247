"""Copy detection cost and separation on the seed and its variants (no database).

Prints the time to compute one text's features and to compare two texts, and the
classification and scores of each pair of the copy fixtures.

    python bench/copy_detection.py
"""
from __future__ import annotations

import itertools
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "plugins"))

from storywatch.copies.features import compare_copies, copy_features  # noqa: E402

FIXTURES = REPO / "tests" / "fixtures" / "copies"


def main() -> None:
    texts = {"seed": (REPO / "seeds" / "000_d3ec237e47cabcad.txt").read_text(encoding="utf-8")}
    for path in sorted(FIXTURES.glob("*.txt")):
        texts[path.stem] = path.read_text(encoding="utf-8")
    words = sum(len(t.split()) for t in texts.values())
    rounds = 20
    start = time.perf_counter()
    for _ in range(rounds):
        features = {name: copy_features(text) for name, text in texts.items()}
    per_text = (time.perf_counter() - start) / (rounds * len(texts))
    pairs = list(itertools.combinations(features, 2))
    start = time.perf_counter()
    for _ in range(rounds):
        for a, b in pairs:
            compare_copies(features[a], features[b])
    per_pair = (time.perf_counter() - start) / (rounds * len(pairs))
    print(f"features: {per_text * 1000:.1f} ms per text ({words / len(texts):.0f} words on average), "
          f"{1 / per_text:.0f} texts/s on one core")
    print(f"comparison: {per_pair * 1e6:.0f} µs per pair")
    print(f"{'first':28} {'second':28} {'kind':15} score  words quotes figures skeleton sentences")
    for a, b in pairs:
        m = compare_copies(features[a], features[b])
        print(f"{a:28} {b:28} {str(m.kind):15} {m.score:5.2f} {m.word_similarity:5.2f} "
              f"{m.quote_similarity:6.2f} {m.number_similarity:7.2f} {m.skeleton_similarity:8.2f} "
              f"{m.sentence_similarity:9.2f}")


if __name__ == "__main__":
    main()
