"""Hostile and broken article files: each ends in a readable recorded error or a correct row."""
from __future__ import annotations

from pathlib import Path

import pytest

from storywatch.sources.ingest import ingest_paths
from tests.conftest import count_rows

pytestmark = pytest.mark.integration

GOOD = "---\ntitle: Control article\npublished: 2022-02-01\n---\nRussia has massed troops.\n"

# name -> (bytes of the file, None if it must be stored, else a fragment of the recorded reason)
CASES: dict[str, tuple[bytes, str | None]] = {
    "nul-bytes.txt": (b"Talks\x00 resumed.\n", "binary"),
    "lone-surrogate.txt": ("Talks \\ud800 resumed \u2014 \ud800".encode("utf-8", "surrogatepass"),
                           "not UTF-8"),
    "sql-title.txt": (b"---\ntitle: \"x'); drop table documents; --\"\n---\nBody.\n", None),
    "script-title.txt": (b"---\ntitle: \"<script>alert(1)</script>\"\n---\nBody.\n", None),
    "year-zero.txt": (b"---\npublished: 0000-01-01\n---\nBody.\n", "year 0 is out of range"),
    "year-9999.txt": (b"---\npublished: 9999-12-31\n---\nBody.\n", "not a plausible"),
    "yesterday.txt": (b"---\npublished: yesterday\n---\nBody.\n", "not an ISO 8601"),
    "date-as-number.txt": (b"---\npublished: 20220201\n---\nBody.\n", "must be a date"),
    "title-as-list.txt": (b"---\ntitle: [a, b]\n---\nBody.\n", "'title' must be text"),
    "yaml-bomb.txt": (b"---\na: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a]\n"
                      b"c: &c [*b, *b, *b, *b, *b, *b, *b, *b]\n---\nBody.\n", "unknown keys"),
    "python-tag.txt": (b"---\ntitle: !!python/object/apply:os.system ['echo pwned']\n---\nBody.\n",
                       "not valid YAML"),
    "huge-number.txt": (("---\ntitle: Figures\n---\nThere are " + "9" * 400 + " troops.\n").encode(),
                        None),
    "windows-newlines.txt": (b"---\r\ntitle: CRLF\r\n---\r\nBody.\r\n", None),
}


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    (tmp_path / "000-good.txt").write_text(GOOD)
    for name, (content, _) in CASES.items():
        (tmp_path / name).write_bytes(content)
    return tmp_path


def test_each_hostile_file_is_stored_or_refused_with_its_reason(conn, corpus: Path) -> None:
    report = ingest_paths(conn, [corpus])
    failed = {path.name: reason for path, reason in report.failed}
    stored = {path.name for path, _ in report.stored}
    assert "000-good.txt" in stored
    for name, (_, reason) in CASES.items():
        if reason is None:
            assert name in stored, failed.get(name)
        else:
            assert name in failed, f"{name} was stored"
            assert reason in failed[name], failed[name]
    assert count_rows(conn, "item_errors") == len(failed)


def test_metacharacters_in_titles_are_stored_verbatim(conn, corpus: Path) -> None:
    ingest_paths(conn, [corpus])
    with conn.cursor() as cur:
        cur.execute("select title from document_versions where title like %s or title like %s",
                    ("%drop table%", "%<script>%"))
        titles = sorted(row[0] for row in cur.fetchall())
    assert titles == ["<script>alert(1)</script>", "x'); drop table documents; --"]
    assert count_rows(conn, "documents") >= 1
