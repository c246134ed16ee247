"""Score entity, quote and number extraction against hand-made gold; print the figures.

    PYTHONPATH=plugins python bench/score_extraction.py [--database-url URL] [--details]

The seed (gold: ../shared/eval/seed_gold.json) and the articles of
bench/extraction_gold/ (each with NAME.gold.json) are ingested into a scratch
database on the configured server (STORYWATCH_DATABASE_URL, else the embedded
one), run through `storywatch process`, and scored from what analysts read:
v_entities, entity_mentions and v_claims. The scratch database is dropped at
the end. Figures:
- per type, entity recall and precision by canonical name;
- mention typing accuracy: gold name mentions whose entity we found with the
  gold type (each gold entity counts at most its gold number), beside the same
  figure for the model's own labels;
- quote speaker accuracy, numeric claims with value, unit and qualifier, and
  calendar years wrongly stored as quantities.
Name matching: case, periods, curly apostrophes and a leading "the" are
ignored, and a name "X (Y)" also matches X or Y. A described speaker ("a U.S.
official") matches a described speaker with the same head noun ("the official").
"""
from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "plugins"))
sys.path.insert(0, str(REPO / "bench"))

from benchkit import scratch_database  # noqa: E402

from storywatch.settings import Settings  # noqa: E402
from storywatch.sources.ingest import ingest_paths  # noqa: E402
from storywatch.stages import process_pending  # noqa: E402
from storywatch.store import db, migrate  # noqa: E402

GOLD_DIR = REPO / "bench" / "extraction_gold"
TYPES = ("PERSON", "ORG", "GPE", "LOC")
UNIT_CLASSES = {
    "usd": {"usd", "$", "dollar", "us dollar", "us$"},
    "foot": {"foot", "feet", "ft"},
    "percent": {"percent", "%", "per cent", "pct", "percentage point"},
    "kg": {"kg", "kilogram", "kilo"},
    "troop": {"troop", "soldier", "force", "personnel", "serviceman", "servicemen",
              "military personnel"},
    "year": {"year", "yr"},
    "day": {"day"},
    "week": {"week"},
    "hour": {"hour", "hr", "h"},
}
# Mentions that are names (not role phrases, pronouns or descriptions linked to one).
NAME_HOWS = ("ner", "surname", "metonym")
YEAR = re.compile(r"\b(1[89]\d\d|20\d\d)\b")

ENTITY_COUNTS = """
select e.name, e.type, count(*) filter (where m.how in %(name_hows)s) as names,
       count(*) filter (where m.how in %(name_hows)s and m.label = %(gold_type)s) as model_typed
from entity_mentions as m
join entities as e on e.entity_id = m.entity_id
where m.document_version_id = %(version)s and e.name = %(name)s
group by e.name, e.type
"""
VERSION_ENTITIES = """
select entity, type, mention_count from v_entities where document_version_id = %s
"""
VERSION_CLAIMS = """
select kind, speaker, text, value_num, value_low, value_high, unit, qualifier, start_char
from v_claims where document_version_id = %s order by start_char
"""
LABEL_COUNTS = """
select e.name, count(*) filter (where m.how in ('ner', 'surname', 'metonym')),
       count(*) filter (where m.how in ('ner', 'surname', 'metonym') and m.label = e.type)
from entity_mentions as m join entities as e on e.entity_id = m.entity_id
where m.document_version_id = %s
group by e.name
"""


def norm(name: str) -> str:
    """Matching form of a name: lower case, no periods, straight apostrophes, no 'the'."""
    text = name.replace("’", "'").casefold().replace(".", "")
    text = re.sub(r"^(the|a|an) ", "", " ".join(text.split()))
    return text


def variants(name: str) -> set[str]:
    """The name, and for 'X (Y)' also X and Y."""
    found = {norm(name)}
    match = re.match(r"^(.*?)\s*\((.*)\)\s*$", name)
    if match:
        found |= {norm(match.group(1)), norm(match.group(2))}
    return {v for v in found if v}


def unit_class(unit: str | None) -> str | None:
    if not unit:
        return None
    text = unit.casefold().strip()
    for key, members in UNIT_CLASSES.items():
        if text in members or text.rstrip("s") in members or text in {m + "s" for m in members}:
            return key
    return text.rstrip("s")


def fold_quote(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", text.replace("’", "'").casefold()).split())


@dataclass
class Tally:
    """Counts summed over articles."""

    gold_by_type: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    pred_by_type: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    hit_by_type: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    mentions_gold: int = 0
    mentions_typed: int = 0
    mentions_model: int = 0
    quotes_gold: int = 0
    quotes_found: int = 0
    quotes_right: int = 0
    numbers_gold: int = 0
    numbers_value: int = 0
    numbers_full: int = 0
    numbers_optional_full: int = 0
    numbers_optional: int = 0
    years_as_quantities: int = 0
    misses: list[str] = field(default_factory=list)

    def add(self, other: Tally) -> None:
        for name in ("gold_by_type", "pred_by_type", "hit_by_type"):
            mine, theirs = getattr(self, name), getattr(other, name)
            for key, value in theirs.items():
                mine[key] += value
        for name in ("mentions_gold", "mentions_typed", "mentions_model", "quotes_gold",
                     "quotes_found", "quotes_right", "numbers_gold", "numbers_value",
                     "numbers_full", "numbers_optional_full", "numbers_optional",
                     "years_as_quantities"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.misses.extend(other.misses)


def match_entities(gold: list[dict[str, Any]], ours: list[tuple[str, str, int]]) -> dict[int, int]:
    """Gold index -> our index, one to one: exact names first, then 'X (Y)' parts."""
    pairs: dict[int, int] = {}
    used: set[int] = set()
    for exact in (True, False):
        for gi, g in enumerate(gold):
            if gi in pairs:
                continue
            for oi, (name, _type, _count) in enumerate(ours):
                if oi in used:
                    continue
                same = norm(name) == norm(g["canonical"]) if exact else bool(
                    variants(name) & variants(g["canonical"]))
                if same:
                    pairs[gi] = oi
                    used.add(oi)
                    break
    return pairs


def score_entities(conn: db.Connection, version: int, gold: list[dict[str, Any]],
                   tally: Tally, label: str) -> None:
    with conn.cursor() as cur:
        cur.execute(VERSION_ENTITIES, (version,))
        ours = [(r[0], r[1], r[2]) for r in cur.fetchall() if r[1] in TYPES]
        cur.execute(LABEL_COUNTS, (version,))
        counts = {r[0]: (r[1], r[2]) for r in cur.fetchall()}
    pairs = match_entities(gold, ours)
    for g in gold:
        tally.gold_by_type[g["type"]] += 1
    for _name, type_, _count in ours:
        tally.pred_by_type[type_] += 1
    for gi, g in enumerate(gold):
        tally.mentions_gold += g["mentions"]
        if gi not in pairs:
            tally.misses.append(f"{label}: entity not found: {g['canonical']} ({g['type']})")
            continue
        name, type_, _ = ours[pairs[gi]]
        names, model_typed = counts.get(name, (0, 0))
        with conn.cursor() as cur:
            cur.execute(ENTITY_COUNTS, {"version": version, "name": name, "gold_type": g["type"],
                                        "name_hows": NAME_HOWS})
            rows = cur.fetchall()
        model = sum(r[3] for r in rows)
        tally.mentions_model += min(model, g["mentions"])
        if type_ == g["type"]:
            tally.hit_by_type[type_] += 1
            typed = min(names, g["mentions"])
            tally.mentions_typed += typed
            if typed < g["mentions"]:
                tally.misses.append(f"{label}: {g['canonical']}: {typed}/{g['mentions']} "
                                    "mentions found")
        else:
            tally.misses.append(f"{label}: {g['canonical']} typed {type_}, gold {g['type']}")
    matched = set(pairs.values())
    for oi, (name, type_, count) in enumerate(ours):
        if oi not in matched:
            tally.misses.append(f"{label}: extra entity {name} ({type_}, {count})")


def speaker_right(gold_speaker: str, alternatives: Iterable[str], ours: str | None,
                  gold_names: set[str]) -> bool:
    if not ours:
        return False
    for wanted in [gold_speaker, *alternatives]:
        if variants(wanted) & variants(ours):
            return True
        is_entity = norm(wanted) in gold_names or any(norm(wanted) in variants(n)
                                                      for n in gold_names)
        if not is_entity:
            main = re.sub(r"\s*\(.*\)\s*$", "", wanted)
            if head_noun(main) == head_noun(ours) and norm(ours) not in gold_names:
                return True
    return False


# Words that end a description's head phrase: what follows says where, of what or which one
# ("an official familiar with the talks", "a firefighter in Schuld").
_POSTMODIFIER_STARTS = frozenset(
    "of at in on for from with without by near familiar close who whom whose that which "
    "speaking based".split())
_SINGULAR = {"people": "person", "men": "man", "women": "woman", "children": "child"}


def head_noun(description: str) -> str:
    """The head noun of a described source, singular: "An appeals court in Gothenburg" ->
    "court", "one of two officials familiar with the talks" -> "official"."""
    words = norm(re.sub(r"[,;:()]", " ", description)).split()
    if words[:2] == ["one", "of"] and len(words) > 2:
        words = words[2:]
    for k, word in enumerate(words[1:], 1):
        if word in _POSTMODIFIER_STARTS:
            words = words[:k]
            break
    if not words:
        return ""
    last = words[-1]
    return _SINGULAR.get(last, last[:-1] if last.endswith("s") and len(last) > 3 else last)


def score_quotes(claims: list[tuple[Any, ...]], gold: dict[str, Any], tally: Tally,
                 label: str) -> None:
    quotes = [c for c in claims if c[0] == "quote"]
    gold_names = {norm(e["canonical"]) for e in gold.get("entities", [])}
    for g in gold.get("direct_quotes", []):
        tally.quotes_gold += 1
        target = fold_quote(g["quote"])
        found = None
        best = 0.0
        for c in quotes:
            text = fold_quote(c[2])
            overlap = text == target or (len(target) >= 5 and (target in text or text in target))
            similarity = min(len(text), len(target)) / max(len(text), len(target), 1)
            if overlap and similarity > best:
                found, best = c, similarity
        if found is None:
            tally.misses.append(f"{label}: quote not found: {g['quote'][:50]}")
            continue
        tally.quotes_found += 1
        if speaker_right(g["speaker"], g.get("alt_speakers", []), found[1], gold_names):
            tally.quotes_right += 1
        else:
            tally.misses.append(f"{label}: quote {g['quote'][:40]!r}: speaker {found[1]!r}, "
                                f"gold {g['speaker']!r}")


def score_numbers(claims: list[tuple[Any, ...]], gold: dict[str, Any], tally: Tally,
                  label: str) -> None:
    quantities = [c for c in claims if c[0] == "quantity"]
    used: set[int] = set()
    for g in gold.get("numeric_claims", []):
        optional = bool(g.get("optional"))
        if g.get("value") is None:
            # A vague amount: right unless we invented a number for it.
            invented = [c for c in quantities if c[3] is not None
                        and unit_class(c[6]) == unit_class(g.get("unit"))
                        and "few" in c[2].casefold()]
            tally.numbers_gold += 1
            if not invented:
                tally.numbers_value += 1
                tally.numbers_full += 1
            else:
                tally.misses.append(f"{label}: invented a value for {g['text']!r}")
            continue
        best = None
        best_score = -1
        for i, c in enumerate(quantities):
            if i in used or c[3] is None or not _same_value(c[3], g["value"]):
                continue
            if g.get("low") is not None and not (c[4] is not None and _same_value(c[4], g["low"])):
                continue
            score = (unit_class(c[6]) == unit_class(g.get("unit"))) * 2 + (c[7] == g.get("qualifier"))
            if score > best_score:
                best, best_score = i, score
        if optional:
            tally.numbers_optional += 1
        else:
            tally.numbers_gold += 1
        if best is None:
            if not optional:
                tally.misses.append(f"{label}: number not found: {g['text']!r}")
            continue
        used.add(best)
        c = quantities[best]
        full = unit_class(c[6]) == unit_class(g.get("unit")) and c[7] == g.get("qualifier")
        if optional:
            tally.numbers_optional_full += int(full)
            continue
        tally.numbers_value += 1
        tally.numbers_full += int(full)
        if not full:
            tally.misses.append(f"{label}: number {g['text']!r}: got unit {c[6]!r} qualifier "
                                f"{c[7]!r}, gold {g.get('unit')!r} {g.get('qualifier')!r}")
    for c in quantities:
        years = [int(y) for y in YEAR.findall(c[2])]
        if c[3] is not None and any(abs(c[3] - y) < 0.5 for y in years) and (
                unit_class(c[6]) in (None, "year")):
            tally.years_as_quantities += 1
            tally.misses.append(f"{label}: a year stored as a quantity: {c[2]!r}")


def _same_value(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-6 * max(1.0, abs(b))


def version_of(conn: db.Connection, identity: str) -> int:
    with conn.cursor() as cur:
        cur.execute("""
            select v.document_version_id from document_versions as v
            join documents as d on d.document_id = v.document_id
            where d.identity = %s order by v.version_no desc limit 1""", (identity,))
        row = cur.fetchone()
    if row is None:
        raise SystemExit(f"{identity} was not ingested")
    return int(row[0])


def score_article(conn: db.Connection, identity: str, gold: dict[str, Any], label: str) -> Tally:
    tally = Tally()
    version = version_of(conn, identity)
    score_entities(conn, version, gold.get("entities", []), tally, label)
    with conn.cursor() as cur:
        cur.execute(VERSION_CLAIMS, (version,))
        claims = cur.fetchall()
    score_quotes(claims, gold, tally, label)
    score_numbers(claims, gold, tally, label)
    return tally


def print_tally(title: str, tally: Tally, details: bool) -> None:
    print(f"\n== {title}")
    print("entities by canonical name (recall / precision):")
    for type_ in TYPES:
        gold, pred, hit = (tally.gold_by_type[type_], tally.pred_by_type[type_],
                           tally.hit_by_type[type_])
        recall = f"{hit}/{gold} = {hit / gold:.0%}" if gold else "n/a"
        precision = f"{hit}/{pred} = {hit / pred:.0%}" if pred else "n/a"
        print(f"  {type_:<7} recall {recall:<16} precision {precision}")
    if tally.mentions_gold:
        print(f"mention typing accuracy: {tally.mentions_typed}/{tally.mentions_gold} = "
              f"{tally.mentions_typed / tally.mentions_gold:.1%} (model labels alone: "
              f"{tally.mentions_model}/{tally.mentions_gold} = "
              f"{tally.mentions_model / tally.mentions_gold:.1%})")
    print(f"quote speakers right: {tally.quotes_right}/{tally.quotes_gold} "
          f"(quotes found: {tally.quotes_found}/{tally.quotes_gold})")
    print(f"numeric claims with value: {tally.numbers_value}/{tally.numbers_gold}; with value, "
          f"unit and qualifier: {tally.numbers_full}/{tally.numbers_gold}"
          + (f" (optional ones: {tally.numbers_optional_full}/{tally.numbers_optional})"
             if tally.numbers_optional else ""))
    print(f"years wrongly counted as quantities: {tally.years_as_quantities}")
    if details and tally.misses:
        print("misses:")
        for line in tally.misses:
            print(f"  - {line}")


def run(server_url: str, settings: Settings, details: bool) -> int:
    seed_gold_path = settings.shared_dir / "eval" / "seed_gold.json"
    if not seed_gold_path.exists():
        print(f"{seed_gold_path} is absent: the gold annotation is read from ../shared",
              file=sys.stderr)
        return 2
    seed_gold = json.loads(seed_gold_path.read_text(encoding="utf-8"))
    seed_file = REPO / seed_gold["seed"]
    gold_files = sorted(GOLD_DIR.glob("*.gold.json"))
    with scratch_database(f"storywatch_bench_{os.getpid()}", server=server_url) as url:
        conn = db.connect(url)
        try:
            migrate.upgrade(conn, settings.sql_dir)
            ingest_paths(conn, [seed_file])
            ingest_paths(conn, [GOLD_DIR])
            counts = process_pending(conn)
            print(f"processed: {counts}")
            seed = score_article(conn, "file:" + seed_file.name, seed_gold, "seed")
            print_tally(f"seed ({seed_file.name})", seed, details)
            own = Tally()
            for gold_path in gold_files:
                gold = json.loads(gold_path.read_text(encoding="utf-8"))
                article = gold_path.with_name(gold_path.name.replace(".gold.json", ".txt"))
                identity = _identity(article)
                own.add(score_article(conn, identity, gold, article.stem))
            print_tally(f"own articles ({len(gold_files)} in bench/extraction_gold)", own,
                        details)
            held = Tally()
            held_files = sorted((GOLD_DIR / "heldout").glob("*.gold.json"))
            for gold_path in held_files:
                gold = json.loads(gold_path.read_text(encoding="utf-8"))
                article = gold_path.with_name(gold_path.name.replace(".gold.json", ".txt"))
                held.add(score_article(conn, _identity(article), gold, article.stem))
            if held_files:
                print_tally(f"held-out articles ({len(held_files)}, written after the rules "
                            "were tuned, never used to tune them)", held, details)
        finally:
            conn.close()
    return 0


def _identity(article: Path) -> str:
    for line in article.read_text(encoding="utf-8").splitlines()[1:10]:
        if line.startswith("url:"):
            return line.split(":", 1)[1].strip().strip('"')
    return "file:" + article.name


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="a maintenance database URL of the server to "
                        "use (default: STORYWATCH_DATABASE_URL, else the embedded server)")
    parser.add_argument("--details", action="store_true", help="list every miss")
    args = parser.parse_args(argv)
    settings = Settings.from_env()
    if args.database_url:
        return run(args.database_url, settings, args.details)
    with db.database_url(settings) as url:
        return run(url, settings, args.details)


if __name__ == "__main__":
    raise SystemExit(main())
