"""Build a copies set (originals written by hand -> copies in the shapes of bench/copies_shapes).

    python bench/make_copies_set.py bench/copies_dev
    python bench/make_copies_set.py bench/copies_frozen   # done once; the output is frozen

Reads SET/texts/*.txt: STORY.txt is an original, STORY_other_agency.txt an independent
report of the same event (same quotations, own narration), STORY_followup.txt a later
story quoting the first. Writes SET/derived/*.txt and SET/pairs.tsv: one line per pair,
`first  second  expected`, expected being the kind of copy (exact, near_duplicate, spun,
excerpt), `none`, or `blurb` (the second's story is carried as a blurb by the first, a page
that as a whole copies nothing).
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import copies_shapes as shapes  # noqa: E402


def build(root: Path) -> None:
    texts = {p.stem: p.read_text(encoding="utf-8") for p in sorted((root / "texts").glob("*.txt"))}
    originals = sorted(n for n in texts if not n.endswith(("_other_agency", "_followup")))
    derived: dict[str, str] = {}
    pairs: list[tuple[str, str, str]] = []
    for n, name in enumerate(originals):
        text = texts[name]
        count = len(shapes.paragraphs(text))
        cases = {
            "excerpt_start": (shapes.excerpt_start(text, 0.3, "Read the full story at the publisher's site."),
                              "excerpt"),
            "lead": (shapes.excerpt_start(text, 0.0, min_words=40), "excerpt"),
            "truncated": (shapes.truncated(text, 60 + 10 * n), "excerpt"),
            "excerpt_middle": (shapes.excerpt_middle(text, count // 2 - 1, 2), "excerpt"),
            "abridged": (shapes.abridged(text), "excerpt"),
            "spun_excerpt": (shapes.spin(shapes.excerpt_start(text, 0.4, min_words=100)), "spun"),
            "spun": (shapes.spin(text), "spun"),
            "repost": (text.replace("\n\n", "\n").upper() if n % 2 else text, "exact"),
        }
        for shape, (copy, kind) in cases.items():
            derived[f"{name}__{shape}"] = copy
            pairs.append((name, f"{name}__{shape}", kind))
        for other in (f"{name}_other_agency", f"{name}_followup"):
            if other in texts:
                pairs.append((name, other, "none"))
                pairs.append((f"{name}__excerpt_start", other, "none"))
                pairs.append((f"{name}__spun_excerpt", other, "none"))
    for i in range(0, len(originals) - 2, 3):
        group = originals[i:i + 3]
        page = f"page_{i // 3 + 1}"
        derived[page] = shapes.aggregator_page(
            f"Newsroll {i // 3 + 1}", [(name.replace("_", " ").title(), texts[name]) for name in group])
        for name in group:
            pairs.append((page, name, "none"))
            pairs.append((page, name, "blurb"))
    for a, b in zip(originals, originals[1:], strict=False):
        pairs.append((a, b, "none"))
    out = root / "derived"
    out.mkdir(exist_ok=True)
    for name, text in derived.items():
        (out / f"{name}.txt").write_text(text, encoding="utf-8")
    lines = ["first\tsecond\texpected"] + ["\t".join(p) for p in pairs]
    (root / "pairs.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{root}: {len(texts)} texts, {len(derived)} derived, {len(pairs)} pairs")


if __name__ == "__main__":
    for arg in sys.argv[1:]:
        build(Path(arg))
