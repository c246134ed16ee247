"""Ingesting article files: idempotent, versioned, and a bad file never stops the others."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from storywatch.seeding import load_seeds
from storywatch.settings import REPO_ROOT
from storywatch.sources.ingest import ingest_paths
from tests.conftest import count_rows

pytestmark = pytest.mark.integration

SEEDS = REPO_ROOT / "seeds"


def test_seed_ingested_twice_adds_nothing_the_second_time(conn) -> None:
    first = load_seeds(conn, SEEDS)
    assert first["new_versions"] == 1
    counts = {t: count_rows(conn, t) for t in ("sources", "documents", "document_versions")}
    second = load_seeds(conn, SEEDS)
    assert second["new_versions"] == 0
    assert {t: count_rows(conn, t) for t in counts} == counts == {
        "sources": 1, "documents": 1, "document_versions": 1}


def test_seed_version_keeps_the_exact_text_and_its_hash(conn) -> None:
    load_seeds(conn, SEEDS)
    with conn.cursor() as cur:
        cur.execute("select content_sha256, body, published_at_source, title from document_versions")
        sha, body, source, title = cur.fetchone()
    assert sha.startswith("dd24a98a")
    assert body == (SEEDS / "000_d3ec237e47cabcad.txt").read_text(encoding="utf-8")
    assert (source, title) == ("metadata", "Raisi visits Putin in Moscow")


def test_edited_file_adds_a_version_of_the_same_document(conn, tmp_path: Path) -> None:
    article = tmp_path / "talks.txt"
    article.write_text("---\ntitle: Talks\npublished: 2022-02-01\n---\nTalks are floundering.\n")
    ingest_paths(conn, [tmp_path])
    article.write_text("---\ntitle: Talks\npublished: 2022-02-01\n---\nTalks were paused.\n")
    report = ingest_paths(conn, [tmp_path])
    assert [v.version_no for _, v in report.stored] == [2]
    assert count_rows(conn, "documents") == 1
    assert count_rows(conn, "document_versions") == 2


def test_file_without_date_is_ordered_by_ingestion_time_and_says_so(conn, tmp_path: Path) -> None:
    (tmp_path / "undated.txt").write_text("No date here.\n")
    ingest_paths(conn, [tmp_path])
    with conn.cursor() as cur:
        cur.execute("select published_at, published_at_source, ordered_at = fetched_at from document_versions")
        assert cur.fetchone() == (None, "missing", True)


def test_bad_files_are_reported_and_recorded_and_the_good_ones_stored(conn, tmp_path: Path) -> None:
    shutil.copy(SEEDS / "000_d3ec237e47cabcad.txt", tmp_path / "good.txt")
    (tmp_path / "binary.txt").write_bytes(b"\x00\x01\x02binary")
    (tmp_path / "latin1.txt").write_bytes("caf\u00e9".encode("latin-1"))
    (tmp_path / "empty.txt").write_text("---\ntitle: nothing\n---\n\n")
    (tmp_path / "baddate.txt").write_text("---\npublished: soon\n---\nBody\n")
    report = ingest_paths(conn, [tmp_path])
    assert [p.name for p, _ in report.stored] == ["good.txt"]
    assert sorted(p.name for p, _ in report.failed) == [
        "baddate.txt", "binary.txt", "empty.txt", "latin1.txt"]
    assert count_rows(conn, "item_errors") == 4
    assert count_rows(conn, "document_versions") == 1


def test_html_file_is_stored_as_its_main_text(conn, tmp_path: Path) -> None:
    paragraph = "Russia has massed some 100,000 troops near the border with Ukraine, officials said."
    (tmp_path / "page.html").write_text(
        "<html><head><title>Buildup</title></head><body><nav>Home | World</nav>"
        f"<article><h1>Buildup</h1><p>{paragraph}</p><p>{paragraph.replace('some', 'about')}</p>"
        "</article><footer>Copyright</footer></body></html>")
    report = ingest_paths(conn, [tmp_path])
    assert report.ok
    with conn.cursor() as cur:
        cur.execute("select title, body from document_versions")
        title, body = cur.fetchone()
    assert title == "Buildup"
    assert "100,000 troops" in body and "Copyright" not in body and "<p>" not in body
