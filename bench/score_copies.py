"""Precision and recall of copy links and kinds on the copies sets, through the copies stage.

    PYTHONPATH=plugins .venv/bin/python bench/score_copies.py [--set seed|dev|frozen|blind|all] [-v]

Sets: `seed` (the seed and its copies in the four shapes found on the web, plus the
non-copies, tests/fixtures/copies/pairs.tsv), `dev` (bench/copies_dev, tuned on) and
`frozen` (bench/copies_frozen, written and committed before the detector was changed,
never tuned on) and `blind` (bench/copies_blind, written after the detector was
finished). Each set is stored in a scratch database (on the server of
STORYWATCH_DATABASE_URL, else 127.0.0.1:5432) and run through the copies stage, candidates
from its indexes. A pair is linked when both texts resolve to the same earliest document;
its kind is the one recorded for the later of the two. `blurb` lines expect the first
text (a page of several blurbs) to carry the second's story as a blurb.
"""
from __future__ import annotations

import argparse
import csv
import datetime as dt
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "plugins"))
sys.path.insert(0, str(REPO / "bench"))

import benchkit  # noqa: E402

from storywatch.copies.stage import CopiesStage  # noqa: E402
from storywatch.store import migrate  # noqa: E402
from storywatch.store.articles import ArticleText, store_article  # noqa: E402
from storywatch.store.db import connect  # noqa: E402
from storywatch.store.stagework import run_stage  # noqa: E402

SETS = {
    "seed": REPO / "tests" / "fixtures" / "copies",
    "dev": REPO / "bench" / "copies_dev",
    "frozen": REPO / "bench" / "copies_frozen",
    "blind": REPO / "bench" / "copies_blind",
}
T0 = dt.datetime(2025, 3, 3, 8, tzinfo=dt.UTC)
SEED_DAY = dt.datetime(2022, 1, 19, tzinfo=dt.UTC)


def load_texts(root: Path) -> dict[str, str]:
    texts = {}
    for folder in (root, root / "texts", root / "derived"):
        for path in sorted(folder.glob("*.txt")):
            texts[path.stem] = path.read_text(encoding="utf-8")
    if root == SETS["seed"]:
        texts["seed"] = (REPO / "seeds" / "000_d3ec237e47cabcad.txt").read_text(encoding="utf-8")
    return texts


def published(name: str, seed_set: bool) -> dt.datetime:
    """Originals first, independent reports hours later, copies a day later, follow-ups later still."""
    if seed_set:
        if name == "seed":
            return SEED_DAY
        if name == "raisi_original_wording":
            return SEED_DAY + dt.timedelta(days=1)  # the unspun original, found a day later
        return SEED_DAY + dt.timedelta(hours=6 + len(name) % 7)
    if name.endswith("_followup"):
        return T0 + dt.timedelta(days=3)
    if name.endswith("_other_agency"):
        return T0 + dt.timedelta(hours=3)
    if "__" in name or name.startswith("page_"):
        return T0 + dt.timedelta(days=1, minutes=len(name))
    return T0


def run_set(url: str, texts: dict[str, str], seed_set: bool) -> tuple[dict, dict, set]:
    """Store every text, run the copies stage; each text's root, its link kind, its blurbs."""
    conn = connect(url)
    migrate.upgrade(conn, REPO / "sql")
    ids = {}
    for name, body in texts.items():
        article = ArticleText(identity=f"https://{name}.test/", origin="page", body=body,
                              title=name, url=f"https://{name}.test/", source=name,
                              published_at=published(name, seed_set), same_if_fingerprint_equal=True)
        ids[name] = store_article(conn, article).document_id
    conn.commit()
    run_stage(conn, CopiesStage())
    names = {v: k for k, v in ids.items()}
    with conn.cursor() as cur:
        cur.execute("select document_id, copy_of_document_id, kind from story_copies")
        links = {names[d]: (names[o], k) for d, o, k in cur.fetchall()}
        blurbs = set()
        if _has_table(cur, "v_story_copy_blurbs"):
            cur.execute("select document_id, story_document_id from v_story_copy_blurbs")
            blurbs = {(names[d], names[o]) for d, o in cur.fetchall()}
    conn.close()
    roots = {name: links.get(name, (name, None))[0] for name in texts}
    return roots, links, blurbs


def _has_table(cur, name: str) -> bool:
    cur.execute("select to_regclass(%s)", (name,))
    return cur.fetchone()[0] is not None


def score(name: str, verbose: bool) -> dict[str, float]:
    root = SETS[name]
    texts = load_texts(root)
    with benchkit.scratch_database(f"storywatch_score_copies_{name}") as url:
        roots, links, blurbs = run_set(url, texts, name == "seed")

    def root_of(doc: str) -> str:
        return roots[doc]

    tp = fp = fn = kind_right = 0
    blurb_tp = blurb_fn = 0
    with (root / "pairs.tsv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    for row in rows:
        first, second, expected = row["first"], row["second"], row["expected"]
        if expected == "blurb":
            found = any(page == first and root_of(story) == root_of(second)
                        for page, story in blurbs)
            blurb_tp += found
            blurb_fn += not found
            if verbose and not found:
                print(f"  missed blurb: {first} carries {second}")
            continue
        linked = root_of(first) == root_of(second)
        later = max((first, second), key=lambda n: (published(n, name == "seed"), n))
        kind = links.get(later, (None, None))[1] if linked else "none"
        if expected != "none" and linked:
            tp += 1
            kind_right += kind == expected
        elif expected == "none" and linked:
            fp += 1
        elif expected != "none":
            fn += 1
        if verbose and kind != expected:
            print(f"  {first} / {second}: expected {expected}, got {kind} "
                  f"(links: {links.get(first)}, {links.get(second)})")
    result = {
        "pairs": len(rows), "copies": tp + fn, "linked": tp, "false_links": fp,
        "precision": tp / (tp + fp) if tp + fp else 1.0,
        "recall": tp / (tp + fn) if tp + fn else 1.0,
        "kind_accuracy": kind_right / tp if tp else 0.0,
        "blurbs": blurb_tp + blurb_fn, "blurbs_found": blurb_tp,
    }
    print(f"{name:7} pairs {result['pairs']:3}  copies linked {tp}/{tp + fn}  false links {fp}  "
          f"precision {result['precision']:.3f}  recall {result['recall']:.3f}  "
          f"kinds right {kind_right}/{tp} ({result['kind_accuracy']:.3f})  "
          f"blurbs found {blurb_tp}/{blurb_tp + blurb_fn}")
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", choices=[*SETS, "all"], default="all")
    parser.add_argument("-v", "--verbose", action="store_true", help="print every wrong pair")
    args = parser.parse_args(argv)
    for name in SETS if args.set == "all" else [args.set]:
        score(name, args.verbose)
    return 0


if __name__ == "__main__":
    sys.exit(main())
