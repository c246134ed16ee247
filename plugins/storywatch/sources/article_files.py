"""Article files: UTF-8 `.txt` or `.html` with YAML front matter or a sidecar `NAME.yml`.

The format (DESIGN.md): metadata `title`, `url`, `source`, `published` (ISO 8601
date or datetime; a date means 00:00 UTC) and optional `author`, either between
two `---` lines at the top of the file or in `NAME.yml` beside `NAME.txt`. A file
without `published` gets none. A file's identity is its `url`, else its path
relative to the folder ingested.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from storywatch.text import clean_text

ARTICLE_SUFFIXES = (".txt", ".html", ".htm")
METADATA_KEYS = {"title", "url", "source", "published", "author"}
# Earliest publication date accepted: anything older is a typo, not news.
EARLIEST_PUBLISHED = dt.datetime(1800, 1, 1, tzinfo=dt.UTC)
MAX_FUTURE = dt.timedelta(days=2)


class ArticleFileError(ValueError):
    """The file cannot be read as an article; the message says why."""


@dataclass(frozen=True, slots=True)
class ArticleFile:
    path: Path
    identity: str
    url: str | None
    source: str | None
    title: str | None
    author: str | None
    published_at: dt.datetime | None
    text: str
    is_html: bool


def find_article_files(paths: list[Path]) -> list[tuple[Path, Path]]:
    """(file, folder it is relative to) for every article file under `paths`, in name order."""
    found: list[tuple[Path, Path]] = []
    for path in paths:
        if path.is_dir():
            for file in sorted(path.rglob("*")):
                if file.is_file() and file.suffix.lower() in ARTICLE_SUFFIXES:
                    found.append((file, path))
        else:
            found.append((path, path.parent))
    return found


def read_article_file(path: Path, root: Path) -> ArticleFile:
    """Read one article file and its metadata; raise ArticleFileError with the reason."""
    if path.suffix.lower() not in ARTICLE_SUFFIXES:
        raise ArticleFileError(f"not an article file (expected {', '.join(ARTICLE_SUFFIXES)})")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ArticleFileError(f"cannot read: {exc.strerror}") from exc
    text = decode_article_bytes(raw)
    metadata, body = split_front_matter(text)
    sidecar = path.with_suffix(".yml")
    if sidecar.exists():
        if metadata:
            raise ArticleFileError(f"has both front matter and a sidecar {sidecar.name}; keep one")
        metadata = parse_metadata(sidecar.read_text(encoding="utf-8"), where=sidecar.name)
    body = clean_text(body)
    if not body.strip():
        raise ArticleFileError("the article body is empty")
    url = _optional_str(metadata, "url")
    identity = url or "file:" + path.relative_to(root).as_posix()
    return ArticleFile(
        path=path,
        identity=identity,
        url=url,
        source=_optional_str(metadata, "source"),
        title=_optional_str(metadata, "title"),
        author=_optional_str(metadata, "author"),
        published_at=parse_published(metadata.get("published")),
        text=body,
        is_html=path.suffix.lower() in (".html", ".htm"),
    )


def decode_article_bytes(raw: bytes) -> str:
    """UTF-8 (with or without BOM); anything else, or binary data, is refused."""
    if b"\x00" in raw[:8192]:
        raise ArticleFileError("binary file (contains NUL bytes), not article text")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ArticleFileError(
            f"not UTF-8 (invalid byte 0x{raw[exc.start]:02x} at offset {exc.start}); "
            "article files must be UTF-8: convert it, e.g. with iconv"
        ) from exc


def split_front_matter(text: str) -> tuple[dict[str, Any], str]:
    """Split `---` YAML front matter from the body; no front matter gives an empty dict."""
    lines = text.split("\n")
    if not lines or lines[0].rstrip() != "---":
        return {}, text
    for index in range(1, len(lines)):
        if lines[index].rstrip() in ("---", "..."):
            header = "\n".join(lines[1:index])
            return parse_metadata(header, where="front matter"), "\n".join(lines[index + 1:])
    raise ArticleFileError("front matter starts with '---' but has no closing '---' line")


def parse_metadata(yaml_text: str, *, where: str) -> dict[str, Any]:
    """Parse and check a metadata mapping (front matter or sidecar)."""
    try:
        data = yaml.safe_load(yaml_text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" line {mark.line + 1}" if mark is not None else ""
        raise ArticleFileError(f"{where}{line} is not valid YAML: {getattr(exc, 'problem', exc)}") from exc
    except ValueError as exc:  # e.g. a timestamp in year 0, which YAML parses but Python cannot hold
        raise ArticleFileError(f"{where} has a value that cannot be read: {exc}") from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ArticleFileError(f"{where} must be a mapping of keys to values, not {type(data).__name__}")
    unknown = sorted(str(key) for key in data if key not in METADATA_KEYS)
    if unknown:
        raise ArticleFileError(
            f"{where} has unknown keys {', '.join(unknown)} (known: {', '.join(sorted(METADATA_KEYS))})"
        )
    for key in ("title", "url", "source", "author"):
        value = data.get(key)
        if value is not None and not isinstance(value, str):
            raise ArticleFileError(f"{where}: '{key}' must be text, not {type(value).__name__}")
    return data


def parse_published(value: object) -> dt.datetime | None:
    """An aware UTC datetime from a YAML date, datetime or ISO 8601 string; None stays None."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, dt.date):
        moment = dt.datetime(value.year, value.month, value.day)
    elif isinstance(value, str):
        try:
            moment = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError as exc:
            raise ArticleFileError(
                f"'published' is not an ISO 8601 date or datetime: {value!r}"
            ) from exc
    else:
        raise ArticleFileError(f"'published' must be a date, not {type(value).__name__}")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    moment = moment.astimezone(dt.UTC)
    if not EARLIEST_PUBLISHED <= moment <= dt.datetime.now(dt.UTC) + MAX_FUTURE:
        raise ArticleFileError(f"'published' {moment.isoformat()} is not a plausible publication time")
    return moment


def _optional_str(metadata: dict[str, Any], key: str) -> str | None:
    value = metadata.get(key)
    if value is None:
        return None
    value = value.strip()
    return value or None
