"""The copies stage on the seed, its original wording, a second spin and look-alikes."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from storywatch.settings import REPO_ROOT
from storywatch.sources.ingest import ingest_paths
from storywatch.stages import STAGE_FACTORIES, process_pending
from storywatch.store.articles import ArticleText, store_article
from tests.conftest import count_rows

pytestmark = pytest.mark.integration

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "copies"
SEED = REPO_ROOT / "seeds" / "000_d3ec237e47cabcad.txt"
ORIGINAL = (FIXTURES / "raisi_original_wording.txt").read_text(encoding="utf-8")


def _at(day: int, hour: int = 0) -> dt.datetime:
    return dt.datetime(2022, 1, day, hour, tzinfo=dt.UTC)


def _store(conn, name: str, body: str, published: dt.datetime, title: str | None = None) -> int:
    article = ArticleText(identity=f"https://{name}.test/story", origin="page", body=body,
                          title=title or f"{name} story", url=f"https://{name}.test/story",
                          source=name, published_at=published, same_if_fingerprint_equal=True)
    return store_article(conn, article).document_id


def _links(conn) -> dict[str, tuple[str, str, float]]:
    with conn.cursor() as cur:
        cur.execute("select coalesce(url, title), coalesce(copy_of_url, copy_of_title), kind, score"
                    " from v_story_copies")
        return {row[0]: (row[1], row[2], row[3]) for row in cur.fetchall()}


def _seed_document(conn) -> None:
    report = ingest_paths(conn, [SEED])
    assert report.ok


def test_copies_link_to_the_earliest_original_with_their_kind(conn):
    paragraphs = ORIGINAL.split("\n")
    _store(conn, "original", ORIGINAL, _at(18, 21), "Iran's president visits Putin")
    _seed_document(conn)  # published 2022-01-19
    _store(conn, "respun", (FIXTURES / "raisi_spun_again.txt").read_text(encoding="utf-8"), _at(20))
    _store(conn, "repost", ORIGINAL.replace("\n", "\n\n"), _at(19, 15), "Putin hosts Raisi")
    _store(conn, "wire", "\n".join(paragraphs[:-5]).replace("some 100,000", "more than 100,000"),
           _at(19, 9), "Raisi in Moscow: a show of unity against the West")
    _store(conn, "independent", (FIXTURES / "raisi_independent_report.txt").read_text(encoding="utf-8"),
           _at(19, 12))
    _store(conn, "unrelated", (FIXTURES / "unrelated_report.txt").read_text(encoding="utf-8"), _at(19))
    result = process_pending(conn)
    assert result["copies"] == {"done": 7, "skipped": 0, "failed": 0}
    links = _links(conn)
    original = "https://original.test/story"
    assert set(links) == {"Raisi visits Putin in Moscow", "https://respun.test/story",
                          "https://repost.test/story", "https://wire.test/story"}
    seed_to, seed_kind, seed_score = links["Raisi visits Putin in Moscow"]
    assert (seed_to, seed_kind) == (original, "spun") and seed_score > 0.8
    assert links["https://respun.test/story"][:2] == (original, "spun")
    assert links["https://repost.test/story"] == (original, "exact", 1.0)
    assert links["https://wire.test/story"][:2] == (original, "near_duplicate")
    # Rerunning finds nothing pending and changes nothing.
    assert process_pending(conn)["copies"] == {"done": 0, "skipped": 0, "failed": 0}
    assert _links(conn) == links


def test_an_earlier_original_arriving_late_takes_over_the_links(conn):
    _seed_document(conn)
    _store(conn, "respun", (FIXTURES / "raisi_spun_again.txt").read_text(encoding="utf-8"), _at(20))
    process_pending(conn)
    assert _links(conn) == {"https://respun.test/story": ("Raisi visits Putin in Moscow", "spun",
                                                          _links(conn)["https://respun.test/story"][2])}
    _store(conn, "original", ORIGINAL, _at(18, 21))
    process_pending(conn)
    links = _links(conn)
    assert {k: v[:2] for k, v in links.items()} == {
        "Raisi visits Putin in Moscow": ("https://original.test/story", "spun"),
        "https://respun.test/story": ("https://original.test/story", "spun"),
    }


def test_an_edited_copy_that_no_longer_matches_loses_its_link(conn):
    _store(conn, "original", ORIGINAL, _at(18, 21))
    _store(conn, "repost", ORIGINAL, _at(19))
    process_pending(conn)
    assert count_rows(conn, "story_copies") == 1
    _store(conn, "repost", (FIXTURES / "unrelated_report.txt").read_text(encoding="utf-8") * 3, _at(19))
    process_pending(conn)
    assert count_rows(conn, "story_copies") == 0


def test_copies_stage_is_registered_for_storywatch_process():
    assert "copies" in [factory().name for factory in STAGE_FACTORIES]
