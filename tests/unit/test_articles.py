"""Reading article files: front matter, sidecars, and the reasons bad files are refused."""
from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import pytest

from storywatch.settings import REPO_ROOT
from storywatch.sources.article_files import (
    ArticleFileError,
    find_article_files,
    parse_published,
    read_article_file,
    split_front_matter,
)

SEED = REPO_ROOT / "seeds" / "000_d3ec237e47cabcad.txt"


def write(path: Path, content: str | bytes) -> Path:
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def test_seed_file_is_byte_identical_to_the_given_input() -> None:
    assert hashlib.sha256(SEED.read_bytes()).hexdigest().startswith("dd24a98a")


def test_seed_reads_with_its_sidecar_metadata() -> None:
    article = read_article_file(SEED, SEED.parent)
    assert article.title == "Raisi visits Putin in Moscow"
    assert article.published_at == dt.datetime(2022, 1, 19, tzinfo=dt.UTC)
    assert article.url is None
    assert article.identity == "file:000_d3ec237e47cabcad.txt"
    assert article.text == SEED.read_text(encoding="utf-8")


def test_front_matter_is_split_from_the_body(tmp_path: Path) -> None:
    path = write(tmp_path / "a.txt", "---\ntitle: Talks resume\nurl: https://example.org/a\n"
                 "published: 2022-02-08T09:30:00+01:00\n---\nBody line.\n")
    article = read_article_file(path, tmp_path)
    assert article.title == "Talks resume"
    assert article.identity == "https://example.org/a"
    assert article.published_at == dt.datetime(2022, 2, 8, 8, 30, tzinfo=dt.UTC)
    assert article.text == "Body line.\n"


def test_file_without_published_gets_none(tmp_path: Path) -> None:
    path = write(tmp_path / "a.txt", "---\ntitle: Undated\n---\nText.\n")
    assert read_article_file(path, tmp_path).published_at is None


def test_identity_of_a_file_without_url_is_its_path_relative_to_the_folder(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    path = write(tmp_path / "sub" / "b.txt", "Text.\n")
    assert read_article_file(path, tmp_path).identity == "file:sub/b.txt"


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
        ("caf\u00e9 cr\u00e8me".encode("latin-1"), "not UTF-8"),
        ("---\ntitle: [unclosed\n---\nBody\n", "not valid YAML"),
        ("---\npublished: next tuesday\n---\nBody\n", "not an ISO 8601"),
        ("---\ntitle: x\n---\n   \n\n", "empty"),
        ("---\ntitle: x\nBody without closing\n", "no closing"),
        ("---\ntitle: [1, 2]\n---\nBody\n", "'title' must be text"),
        ("---\ntitel: typo\n---\nBody\n", "unknown keys titel"),
        ("---\npublished: 9999-01-01\n---\nBody\n", "not a plausible"),
        ("---\n- a list\n---\nBody\n", "must be a mapping"),
    ],
)
def test_bad_file_is_refused_with_its_reason(tmp_path: Path, content: str | bytes, reason: str) -> None:
    path = write(tmp_path / "bad.txt", content)
    with pytest.raises(ArticleFileError, match=reason):
        read_article_file(path, tmp_path)


def test_front_matter_and_sidecar_together_are_refused(tmp_path: Path) -> None:
    path = write(tmp_path / "c.txt", "---\ntitle: a\n---\nBody\n")
    write(tmp_path / "c.yml", "title: b\n")
    with pytest.raises(ArticleFileError, match="both front matter and a sidecar"):
        read_article_file(path, tmp_path)


def test_sidecar_with_wrong_types_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path / "d.txt", "Body\n")
    write(tmp_path / "d.yml", "title:\n  nested: mapping\n")
    with pytest.raises(ArticleFileError, match="d.yml: 'title' must be text"):
        read_article_file(path, tmp_path)


def test_yaml_error_names_the_line(tmp_path: Path) -> None:
    path = write(tmp_path / "e.txt", "---\ntitle: ok\nsource: \"unterminated\n---\nBody\n")
    with pytest.raises(ArticleFileError, match="line"):
        read_article_file(path, tmp_path)


def test_date_without_time_means_midnight_utc() -> None:
    assert parse_published("2022-02-24") == dt.datetime(2022, 2, 24, tzinfo=dt.UTC)
    assert parse_published(dt.date(2022, 2, 24)) == dt.datetime(2022, 2, 24, tzinfo=dt.UTC)


def test_datetime_with_offset_is_converted_to_utc() -> None:
    assert parse_published("2022-02-24T05:00:00+03:00") == dt.datetime(2022, 2, 24, 2, tzinfo=dt.UTC)


def test_text_without_front_matter_is_all_body() -> None:
    assert split_front_matter("no front matter\n---\n") == ({}, "no front matter\n---\n")


def test_folders_are_walked_in_name_order_and_only_article_files_kept(tmp_path: Path) -> None:
    write(tmp_path / "b.txt", "B")
    write(tmp_path / "a.html", "<p>A</p>")
    write(tmp_path / "a.yml", "title: sidecar\n")
    write(tmp_path / "notes.md", "ignored")
    names = [path.name for path, _ in find_article_files([tmp_path])]
    assert names == ["a.html", "b.txt"]
