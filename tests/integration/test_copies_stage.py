"""The copies stage on the seed, its original wording, a second spin and look-alikes."""
from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import pytest

from storywatch.copies.stage import CopiesStage
from storywatch.seeding import load_seeds
from storywatch.settings import REPO_ROOT, Settings
from storywatch.sources.ingest import ingest_paths
from storywatch.stages import STAGE_FACTORIES, process_pending
from storywatch.store.articles import ArticleText, store_article
from storywatch.store.stagework import run_stage
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


# --- copies as the web serves them -------------------------------------------------------

DEV = REPO_ROOT / "bench" / "copies_dev"


def _dev(name: str) -> str:
    folder = "derived" if "__" in name or name.startswith("page_") else "texts"
    return (DEV / folder / f"{name}.txt").read_text(encoding="utf-8")


def _copies_only(conn) -> None:
    counts = run_stage(conn, CopiesStage())
    assert counts.failed == 0, counts.failures


def _rows(conn, sql: str) -> list[tuple]:
    with conn.cursor() as cur:
        cur.execute(sql)
        return cur.fetchall()


def test_the_seeds_copies_found_on_the_web_link_to_it_as_partial_copies(conn):
    _seed_document(conn)  # published 2022-01-19
    for hour, name in enumerate(["seed_excerpt_spun", "original_excerpt", "spun_again_excerpt",
                                 "original_abridged"], 6):
        _store(conn, name, (FIXTURES / f"{name}.txt").read_text(encoding="utf-8"), _at(19, hour))
    for name in ("raisi_independent_report", "unrelated_report", "other_council_story"):
        _store(conn, name, (FIXTURES / f"{name}.txt").read_text(encoding="utf-8"), _at(19, 12))
    _copies_only(conn)
    rows = _rows(conn, "select url, copy_of_title, kind, is_partial, covered_share, via_document_id"
                       " from v_story_copies order by url")
    kinds = {url: (to, kind, partial) for url, to, kind, partial, _share, _via in rows}
    assert kinds == {
        "https://seed_excerpt_spun.test/story": ("Raisi visits Putin in Moscow", "excerpt", True),
        "https://original_excerpt.test/story": ("Raisi visits Putin in Moscow", "spun", True),
        "https://spun_again_excerpt.test/story": ("Raisi visits Putin in Moscow", "spun", True),
        "https://original_abridged.test/story": ("Raisi visits Putin in Moscow", "spun", True),
    }
    assert all(0.1 < share < 0.5 for *_, share, _via in rows)


def test_a_copy_of_a_copy_links_to_the_earliest_through_the_one_it_copies(conn):
    story = _dev("drought")
    paragraphs = story.strip().split("\n\n")
    extra = ("Water companies across the north have been asked by the regulator to publish their "
             "leakage figures every month until the end of the year, the ministry said.")
    republished = "\n\n".join(paragraphs + [extra])  # the story with a paragraph of its own
    excerpt_of_it = "\n\n".join([extra, paragraphs[-1], "More on the hosepipe ban at our partner site."])
    _store(conn, "original", story, _at(1))
    _store(conn, "republisher", republished, _at(2))
    _store(conn, "aggregator", excerpt_of_it, _at(3))
    _copies_only(conn)
    rows = {r[0]: r[1:] for r in _rows(conn, "select url, copy_of_url, via_url, kind, is_partial"
                                             " from v_story_copies")}
    assert rows["https://republisher.test/story"] == ("https://original.test/story", None,
                                                      "near_duplicate", False)
    assert rows["https://aggregator.test/story"] == ("https://original.test/story",
                                                     "https://republisher.test/story", "excerpt", True)


def test_a_link_follows_its_pairs_when_only_the_share_covered_changes(conn):
    """A re-compared pair may change only its covered share (an edit to the copied paragraphs);
    the link must take it (the chaos soak once kept a stale share: the upsert compared every
    column but that one)."""
    from storywatch.copies.chains import Chains

    story = _dev("drought")
    paragraphs = story.strip().split("\n\n")
    _store(conn, "original", story, _at(1))
    _store(conn, "aggregator", "\n\n".join(paragraphs[:2]), _at(2))
    _copies_only(conn)
    (before,) = _rows(conn, "select covered_share from story_copies")
    with conn.cursor() as cur:
        cur.execute("update copy_matches set covered_share = covered_share / 2 "
                    "returning document_id, other_document_id, covered_share")
        *pair, halved = cur.fetchone()
    assert halved != before[0]
    Chains(conn).relink(pair)
    conn.commit()
    assert _rows(conn, "select covered_share from story_copies") == [(halved,)]


def test_a_page_of_several_blurbs_is_no_copy_and_its_blurbs_link_to_their_stories(conn):
    for name in ("drought", "layoffs", "museum_theft"):
        _store(conn, name, _dev(name), _at(1))
    _store(conn, "aggregator", _dev("page_1"), _at(2))
    _store(conn, "drought-lead", _dev("drought__lead"), _at(2, 3))
    _copies_only(conn)
    assert _rows(conn, "select url from v_story_copies") == [("https://drought-lead.test/story",)]
    blurbs = _rows(conn, "select url, story_url, kind from v_story_copy_blurbs order by first_paragraph")
    assert blurbs == [("https://aggregator.test/story", f"https://{name}.test/story", "excerpt")
                      for name in ("drought", "layoffs", "museum_theft")]


def _incremental_run(conn, order: list[tuple[str, str, dt.datetime]]) -> tuple[set, set]:
    with conn.cursor() as cur:
        cur.execute("truncate documents restart identity cascade")
    conn.commit()
    for name, body, published in order:  # each arrives and is processed before the next
        _store(conn, name, body, published)
        _copies_only(conn)
    links = set(_rows(conn, "select url, copy_of_url, kind, is_partial from v_story_copies"))
    blurbs = set(_rows(conn, "select url, first_paragraph, story_url from v_story_copy_blurbs"))
    return links, blurbs


def test_links_do_not_depend_on_the_order_documents_arrive_in(conn):
    documents = [
        ("drought", _dev("drought"), _at(1)),
        ("drought-lead", _dev("drought__lead"), _at(1, 6)),        # published before the excerpt
        ("drought-spun", _dev("drought__spun_excerpt"), _at(2)),
        ("drought-truncated", _dev("drought__truncated"), _at(2, 1)),
        ("drought-other", _dev("drought_other_agency"), _at(1, 3)),
        ("layoffs", _dev("layoffs"), _at(1)),
        ("layoffs-followup", _dev("layoffs_followup"), _at(4)),
        ("museum_theft", _dev("museum_theft"), _at(1, 1)),
        ("aggregator", _dev("page_1"), _at(3)),
    ]
    expected_links = {
        ("https://drought-lead.test/story", "https://drought.test/story", "excerpt", True),
        ("https://drought-spun.test/story", "https://drought.test/story", "spun", True),
        ("https://drought-truncated.test/story", "https://drought.test/story", "excerpt", True),
    }
    rng = random.Random(13)
    orders = [documents, documents[::-1]] + [rng.sample(documents, len(documents)) for _ in range(4)]
    results = [_incremental_run(conn, order) for order in orders]
    for links, blurbs in results:
        assert links == expected_links
        assert {(url, story) for url, _p, story in blurbs} == {
            ("https://aggregator.test/story", f"https://{n}.test/story")
            for n in ("drought", "layoffs", "museum_theft")}
    assert all(r == results[0] for r in results)


def test_an_excerpt_published_first_is_the_earliest_and_the_full_story_links_to_it(conn):
    _store(conn, "lead", _dev("layoffs__lead"), _at(1))
    _store(conn, "story", _dev("layoffs"), _at(2))
    _copies_only(conn)
    assert _rows(conn, "select url, copy_of_url, kind, is_partial from v_story_copies") == [
        ("https://story.test/story", "https://lead.test/story", "excerpt", True)]
    # an earlier copy of the full story arrives late: the chain is re-rooted at it
    _store(conn, "story-mirror", _dev("layoffs"), dt.datetime(2021, 12, 31, tzinfo=dt.UTC))
    _copies_only(conn)
    rows = set(_rows(conn, "select url, copy_of_url, kind from v_story_copies"))
    assert rows == {("https://story.test/story", "https://story-mirror.test/story", "exact"),
                    ("https://lead.test/story", "https://story-mirror.test/story", "excerpt")}


@pytest.mark.slow
def test_an_excerpt_of_the_seed_is_not_another_source(conn):
    load_seeds(conn, Settings.from_env().seeds_dir)
    paragraphs = SEED.read_text(encoding="utf-8").split("\n")
    troops = next(i for i, p in enumerate(paragraphs) if "100,000 troops" in p)
    excerpt = "\n".join(paragraphs[troops - 1:troops + 2])  # the troop figure and around it
    _store(conn, "excerpt", excerpt, _at(20), "Raisi in Moscow (excerpt)")
    process_pending(conn)
    assert _rows(conn, "select kind, is_partial from v_story_copies") == [("excerpt", True)]
    assert _rows(conn, "select value_text, source_count from v_thread_state "
                       "where thread_slug = 'ukraine-buildup' and slot = 'troop_estimate'") == [
        ("about 100,000 troops", 1)]


def test_copies_published_at_the_same_moment_link_the_same_way_in_any_order(conn):
    """Two copies of one wire story stamped with the same time: which is the original is
    decided by identity, never by which was ingested first (ids follow that order)."""
    documents = [("wire-a", _dev("drought"), _at(1)), ("wire-b", _dev("drought"), _at(1)),
                 ("wire-c", _dev("drought__lead"), _at(2))]
    results = [_incremental_run(conn, order) for order in (documents, documents[::-1],
                                                           [documents[1], documents[2],
                                                            documents[0]])]
    links = {(url, original) for url, original, _kind, _partial in results[0][0]}
    assert links == {("https://wire-b.test/story", "https://wire-a.test/story"),
                     ("https://wire-c.test/story", "https://wire-a.test/story")}
    assert all(r == results[0] for r in results)


def test_past_the_candidate_cap_a_document_keeps_its_links_to_later_ones(conn, monkeypatch):
    """A story with more look-alikes than the cap no longer sees the later ones; when it is
    edited, the page that carries its blurb (later than the cap reaches) stays linked."""
    from storywatch.copies import stage

    blurbs = "select document_id, first_paragraph, story_document_id from copy_blurbs order by 1, 2"
    drought = _store(conn, "drought", _dev("drought"), _at(1))
    _store(conn, "drought-other", _dev("drought_other_agency"), _at(1, 3))
    aggregator = _store(conn, "aggregator", _dev("page_1"), _at(3))
    _copies_only(conn)
    before = _rows(conn, blurbs)
    assert (aggregator, 2, drought) in before
    monkeypatch.setattr(stage, "MAX_CANDIDATES", 1)  # drought sees only drought-other
    _store(conn, "drought", _dev("drought") + "\n\nThe ministry will publish figures weekly.",
           _at(1))
    _copies_only(conn)
    assert _rows(conn, blurbs) == before
