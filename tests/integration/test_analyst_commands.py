"""The analyst's commands and views: developments, reviews, search, digest, view contracts."""
from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from storywatch.cli.main import main
from storywatch.seeding import load_seeds
from storywatch.settings import REPO_ROOT, Settings
from storywatch.sources.ingest import ingest_paths
from storywatch.stages import process_pending
from storywatch.store import db
from storywatch.store.db import Connection
from tests.integration.conftest import scratch_database

pytestmark = pytest.mark.integration

SETTINGS = Settings.from_env()
TIMELINE = REPO_ROOT / "tests" / "fixtures" / "timeline"
HOSTILE = """---
title: "<script>alert('x')</script> Russia masses more troops near Ukraine"
url: "https://evil.example/a?<b>=1"
source: "<b>Evil & Co</b>"
published: 2022-02-13T18:00:00Z
---
Russia has built up more than 130,000 troops near Ukraine's borders, a US official said <img src=x onerror=alert(1)>.
"""


@pytest.fixture(scope="module")
def processed(server_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Connection]:
    """Seed + a hostile article + two timeline articles, processed; the CLI on this database."""
    folder = tmp_path_factory.mktemp("hostile")
    (folder / "hostile.txt").write_text(HOSTILE, encoding="utf-8")
    with scratch_database(server_url, "analyst") as url, pytest.MonkeyPatch.context() as patch:
        conn = db.connect(url)
        try:
            load_seeds(conn, SETTINGS.seeds_dir)
            ingest_paths(conn, [folder / "hostile.txt", TIMELINE / "04_sanctions_waiver.txt",
                                TIMELINE / "12_iaea_march_report.txt"])
            process_pending(conn)
            patch.setenv("STORYWATCH_DATABASE_URL", url)
            patch.setenv("USER", "analyst-test")
            yield conn
        finally:
            conn.close()


def view_columns(conn: Connection, view: str) -> list[str]:
    with conn.cursor() as cur:
        cur.execute("select column_name from information_schema.columns "
                    "where table_name = %s order by ordinal_position", (view,))
        columns = [r[0] for r in cur.fetchall()]
    conn.rollback()
    return columns


DESIGN_COLUMNS = {
    "v_developments": {"development_id", "thread_slug", "slot", "kind", "value_text", "value_num",
                       "value_low", "qualifier", "previous_value_text", "previous_value_num",
                       "attributed_to", "published_at", "detected_at", "document_version_id",
                       "url", "title", "source", "evidence", "status"},
    "v_thread_state": {"thread_slug", "slot", "value_text", "value_num", "value_low", "qualifier",
                       "since", "document_version_id", "source_count", "last_observed_at"},
    "v_thread_timeline": {"thread_slug", "slot", "published_at", "value_text", "value_num",
                          "qualifier", "attributed_to", "document_version_id", "url", "evidence",
                          "development_id"},
}


def test_views_have_every_column_design_lists_and_their_keys_hold(processed: Connection) -> None:
    for view, columns in DESIGN_COLUMNS.items():
        assert columns <= set(view_columns(processed, view)), view
    with processed.cursor() as cur:
        cur.execute("select count(*), count(distinct development_id), count(development_id) "
                    "from v_developments")
        total, distinct, not_null = cur.fetchone()
        assert total == distinct == not_null > 0
        cur.execute("select count(*) from v_developments where kind not in "
                    "('new', 'update', 'revision', 'conflict') "
                    "or status not in ('open', 'confirmed', 'dismissed')")
        assert cur.fetchone()[0] == 0
        cur.execute("select count(*), count(distinct (thread_slug, slot)) from v_thread_state")
        assert cur.fetchone() == (6, 6)
        cur.execute("select count(*), count(distinct observation_id) from v_thread_timeline")
        total, distinct = cur.fetchone()
        assert total == distinct > 0
        cur.execute("select value_num, qualifier from v_developments where slot = 'enrichment_level'")
        assert cur.fetchone() == (60.0, "at_most")  # percent as a number of percent
    processed.rollback()


def test_developments_json_and_csv_keys_are_the_view_columns(
        processed: Connection, capsys: pytest.CaptureFixture[str]) -> None:
    columns = view_columns(processed, "v_developments")
    assert main(["developments", "--format", "json", "--thread", "jcpoa-talks"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows and all(list(row) == columns for row in rows)
    assert {row["thread_slug"] for row in rows} == {"jcpoa-talks"}
    assert main(["developments", "--format", "csv", "--since", "2022-02-01"]) == 0
    reader = csv.DictReader(io.StringIO(capsys.readouterr().out))
    assert reader.fieldnames == columns
    assert all(row["published_at"] >= "2022-02-01" for row in reader)


def test_developments_table_shows_the_move_who_where_when_and_evidence(
        processed: Connection, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["developments", "--thread", "ukraine-buildup"]) == 0
    out = capsys.readouterr().out
    assert "UPDATE about 100,000 troops \u2192 more than 130,000 troops" in out
    assert "a US official" in out and "2022-02-13" in out
    assert "near Ukraine's borders" in out


def test_confirm_and_dismiss_from_the_command_line(processed: Connection,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    with processed.cursor() as cur:
        cur.execute("select development_id from v_developments where kind = 'update' "
                    "and slot = 'troop_estimate'")
        (dev_id,) = cur.fetchone()
    processed.rollback()
    assert main(["developments", "dismiss", str(dev_id), "--reason", "wrong figure"]) == 0
    assert "dismissed by analyst-test" in capsys.readouterr().out
    assert main(["developments", "--format", "json"]) == 0
    assert dev_id not in {r["development_id"] for r in json.loads(capsys.readouterr().out)}
    assert main(["developments", "--format", "json", "--all"]) == 0
    row = next(r for r in json.loads(capsys.readouterr().out) if r["development_id"] == dev_id)
    assert (row["status"], row["reviewed_by"]) == ("dismissed", "analyst-test")
    assert main(["developments", "confirm", "424242"]) == 1
    assert "no development 424242" in capsys.readouterr().err
    assert main(["developments", "reopen", str(dev_id)]) == 0  # leave the module's data as found


def test_dismiss_without_a_reason_is_a_usage_error(processed: Connection) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["developments", "dismiss", "1"])
    assert exit_info.value.code == 2


def test_unknown_thread_is_an_error(processed: Connection,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["developments", "--thread", "no-such-thread"]) == 1
    assert "no thread 'no-such-thread'" in capsys.readouterr().err


def test_search_finds_articles_through_the_index_with_the_passage(
        processed: Connection, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["search", "sanctions waiver"]) == 0
    out = capsys.readouterr().out
    assert "US restores sanctions waiver" in out and "Northern Wire" in out
    assert "2022-02-04" in out and "[sanctions] [waiver]" in out
    assert main(["search", "sanctions waiver", "--since", "2022-03-01"]) == 0
    assert "no matching articles" in capsys.readouterr().out
    with processed.cursor() as cur:
        cur.execute("set enable_seqscan = off")
        cur.execute("explain select 1 from document_versions where to_tsvector('english'::regconfig,"
                    " coalesce(title, '') || ' ' || left(body, 200000)) @@ "
                    "websearch_to_tsquery('english'::regconfig, 'waiver')")
        plan = "\n".join(r[0] for r in cur.fetchall())
    processed.rollback()
    assert "document_versions_search_idx" in plan


def test_digest_markdown_and_html_escape_everything_from_feeds(
        processed: Connection, tmp_path: Path) -> None:
    md, page = tmp_path / "digest.md", tmp_path / "digest.html"
    assert main(["digest", "--thread", "ukraine-buildup", "--out", str(md)]) == 0
    assert main(["digest", "--thread", "ukraine-buildup", "--out", str(page)]) == 0
    markdown, html = md.read_text(encoding="utf-8"), page.read_text(encoding="utf-8")
    assert "about 100,000 troops" in markdown and "<img" not in markdown
    assert "<script>" not in html and "<img" not in html and "<b>Evil" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<svg" in html and "troop_estimate over time" in html
    assert 'href="https://evil.example/a?&lt;b&gt;=1"' in html


def test_digest_refuses_other_extensions(processed: Connection, tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["digest", "--thread", "jcpoa-talks", "--out", str(tmp_path / "d.pdf")]) == 1
    assert ".md or .html" in capsys.readouterr().err


def test_threads_sync_command_is_idempotent(processed: Connection,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["threads", "sync"]) == 0
    assert "added 0, changed 0, unchanged 2, deactivated 0" in capsys.readouterr().out
    assert main(["threads", "list"]) == 0
    assert "troop_estimate: quantity [troops]" in capsys.readouterr().out


def test_threads_sync_reports_a_bad_file_with_its_line(tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "threads.yml"
    bad.write_text((REPO_ROOT / "seeds" / "threads.yml").read_text(encoding="utf-8")
                   .replace("    slots:", "    slotz:", 1), encoding="utf-8")
    assert main(["threads", "sync", "--file", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "threads.yml line" in err and "unknown key 'slotz'" in err
