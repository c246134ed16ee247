"""Score `storywatch.sources.pages.extract_page` on the article-extraction benchmark; print F1/P/R and pages/s.

The benchmark (181 news pages with their human-checked article bodies) is read
at run time from `$STORYWATCH_SHARED_DIR/bench/article-extraction/` (default
`../shared` beside the repo), never copied. The metric is the one its README
describes:

- tokenize both texts with the Unicode regex `\\w+`; take the multiset of
  4-token shingles of each;
- TP = sum over shingles of min(true count, predicted count), FP = the
  predicted surplus, FN = the true surplus; normalise the three to sum to 1;
- per page, precision = TP/(TP+FP) and recall = TP/(TP+FN) (1 when FP = FN = 0;
  0 when TP = FP = 0, resp. TP = FN = 0);
- average precision over the pages with TP+FP > 0 and recall over the pages
  with TP+FN > 0; F1 = 2PR/(P+R) of those averages.

pages/s times `extract_page` alone on already decoded HTML, one process.

    python bench/extraction_quality.py [--limit N] [--worst K] [--json]
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "plugins"))

from storywatch.settings import Settings  # noqa: E402
from storywatch.sources.pages import extract_page  # noqa: E402
from storywatch.web.charset import decode_body  # noqa: E402

TOKEN = re.compile(r"\w+")
SHINGLE = 4


@dataclass(frozen=True, slots=True)
class PageScore:
    page_id: str
    tp: float
    fp: float
    fn: float

    @property
    def precision(self) -> float:
        if self.fp == 0 and self.fn == 0:
            return 1.0
        return self.tp / (self.tp + self.fp) if self.tp + self.fp > 0 else 0.0

    @property
    def recall(self) -> float:
        if self.fp == 0 and self.fn == 0:
            return 1.0
        return self.tp / (self.tp + self.fn) if self.tp + self.fn > 0 else 0.0


def shingles(text: str) -> Counter[tuple[str, ...]]:
    """The multiset of 4-token shingles of `text`."""
    tokens = TOKEN.findall(text)
    return Counter(tuple(tokens[i : i + SHINGLE]) for i in range(len(tokens) - SHINGLE + 1))


def score_page(page_id: str, truth: str, predicted: str) -> PageScore:
    """TP, FP and FN of one page, normalised to sum to 1."""
    expected, got = shingles(truth), shingles(predicted)
    tp = sum(min(count, got[s]) for s, count in expected.items())
    fp = sum(max(count - expected[s], 0) for s, count in got.items())
    fn = sum(max(count - got[s], 0) for s, count in expected.items())
    total = tp + fp + fn
    if total == 0:
        return PageScore(page_id, 0.0, 0.0, 0.0)
    return PageScore(page_id, tp / total, fp / total, fn / total)


def summarise(scores: list[PageScore]) -> dict[str, float]:
    """Averaged precision and recall over the pages the README counts, and their F1."""
    precisions = [s.precision for s in scores if s.tp + s.fp > 0]
    recalls = [s.recall for s in scores if s.tp + s.fn > 0]
    precision = sum(precisions) / len(precisions) if precisions else 0.0
    recall = sum(recalls) / len(recalls) if recalls else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"f1": f1, "precision": precision, "recall": recall}


def load_pages(folder: Path, limit: int | None) -> list[tuple[str, str, str, str]]:
    """(id, url, decoded html, true body) for each benchmark page."""
    truth = json.loads((folder / "ground-truth.json").read_text(encoding="utf-8"))
    pages = []
    for page_id in sorted(truth)[:limit]:
        raw = gzip.decompress((folder / "html" / f"{page_id}.html.gz").read_bytes())
        html = decode_body(raw, "text/html").text
        pages.append((page_id, truth[page_id].get("url", ""), html, truth[page_id]["articleBody"]))
    return pages


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=None, help="only the first N pages")
    parser.add_argument(
        "--worst", type=int, default=0, help="also list the K pages with the lowest F1"
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    folder = Settings.from_env().shared_dir / "bench" / "article-extraction"
    if not (folder / "ground-truth.json").exists():
        print(
            f"{folder} is absent: the benchmark data is read from the shared folder",
            file=sys.stderr,
        )
        return 1
    pages = load_pages(folder, args.limit)
    scores = []
    elapsed = 0.0
    for page_id, url, html, truth in pages:
        started = time.perf_counter()
        content = extract_page(html, url=url or None)
        elapsed += time.perf_counter() - started
        scores.append(score_page(page_id, truth, content.text))
    figures = summarise(scores) | {"pages": len(pages), "pages_per_s": len(pages) / elapsed}
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        print(f"article-extraction benchmark: {len(pages)} pages")
        print(
            f"F1 {figures['f1']:.3f}  precision {figures['precision']:.3f}  "
            f"recall {figures['recall']:.3f}  {figures['pages_per_s']:.1f} pages/s"
        )
    for score in sorted(scores, key=lambda s: min(s.precision, s.recall))[: args.worst]:
        print(f"  {score.page_id[:12]}  P {score.precision:.2f}  R {score.recall:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
