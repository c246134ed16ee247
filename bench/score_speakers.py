"""Score quote speakers on a folder of article files with speaker gold; no database.

    PYTHONPATH=plugins .venv/bin/python bench/score_speakers.py --set wild|dev [--details]

`--set wild` is bench/speakers_wild/ (frozen: written in the shapes of real
news before the speaker rules changed, never used to tune them; see its
README); `--set dev` is bench/speakers_dev/, the development set the rules are
tuned on. `--dir` scores any folder of NAME.txt + NAME.gold.json. Each article
goes through the extractor (`storywatch.language.analysis`) with its
publication date; a gold quote is found when one of our quotes matches its
text, and right when our speaker matches the gold one (the rules of
bench/score_extraction.py: names up to case and periods, a described source by
its head noun). Also printed: the share of quotes whose `attributed_to` is a
source at all.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "plugins"))
sys.path.insert(0, str(REPO / "bench"))

from score_extraction import fold_quote, speaker_right  # noqa: E402

from storywatch.language.analysis import analyse_texts  # noqa: E402
from storywatch.sources.article_files import read_article_file  # noqa: E402

SETS = {"wild": REPO / "bench" / "speakers_wild", "dev": REPO / "bench" / "speakers_dev"}


def best_quote(target: str, quotes: list) -> object | None:
    """Our quote claim whose text matches the gold quote best, if any overlaps it."""
    folded = fold_quote(target)
    found, best = None, 0.0
    for claim in quotes:
        text = fold_quote(claim.text)
        overlap = text == folded or (len(folded) >= 5 and (folded in text or text in folded))
        similarity = min(len(text), len(folded)) / max(len(text), len(folded), 1)
        if overlap and similarity > best:
            found, best = claim, similarity
    return found


def score_folder(folder: Path, details: bool) -> tuple[int, int, int, int, list[str]]:
    """(gold quotes, found, speaker right, attributed to a source, misses)."""
    golds = sorted(folder.glob("*.gold.json"))
    articles = [read_article_file(g.with_name(g.name.replace(".gold.json", ".txt")), folder)
                for g in golds]
    dates = [a.published_at.date() if a.published_at else None for a in articles]
    extractions = analyse_texts([a.text for a in articles], published=dates)
    total = found = right = sourced = 0
    misses: list[str] = []
    for gold_path, extraction in zip(golds, extractions, strict=True):
        gold = json.loads(gold_path.read_text(encoding="utf-8"))
        quotes = [c for c in extraction.claims if c.kind == "quote"]
        label = gold_path.name.replace(".gold.json", "")
        for g in gold["direct_quotes"]:
            total += 1
            claim = best_quote(g["quote"], quotes)
            if claim is None:
                misses.append(f"{label}: quote not found: {g['quote'][:50]!r}")
                continue
            found += 1
            sourced += int(bool(claim.attributed_to))
            ours = claim.speaker_name or claim.speaker_text
            if speaker_right(g["speaker"], g.get("alt_speakers", []), ours, set()):
                right += 1
            else:
                misses.append(f"{label}: {g['quote'][:45]!r}: ours {ours!r}, gold {g['speaker']!r}")
    return total, found, right, sourced, misses


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", choices=sorted(SETS), default="wild")
    parser.add_argument("--dir", type=Path, help="another folder of NAME.txt + NAME.gold.json")
    parser.add_argument("--details", action="store_true", help="list every miss")
    args = parser.parse_args(argv)
    folder = args.dir or SETS[args.set]
    total, found, right, sourced, misses = score_folder(folder, args.details)
    if not total:
        print(f"no gold quotes in {folder}", file=sys.stderr)
        return 2
    print(f"{folder.name}: {len(list(folder.glob('*.gold.json')))} articles; "
          f"quote speakers right {right}/{total} = {right / total:.1%} "
          f"(quotes found {found}/{total}; attributed to a source {sourced}/{found})")
    if args.details:
        for line in misses:
            print(f"  - {line}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
