"""`storywatch ingest`: local article files into documents and versions, one file at a time."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import psycopg2

from storywatch.progress import Progress, task
from storywatch.sources.article_files import (
    ArticleFile,
    ArticleFileError,
    find_article_files,
    read_article_file,
)
from storywatch.sources.pages import extract_page
from storywatch.store.articles import ArticleText, StoredVersion, record_item_error, store_article
from storywatch.store.db import Connection

log = logging.getLogger(__name__)
STAGE = "ingest"
FILES_PER_BATCH = 50  # how often a log gets a summary line


@dataclass(slots=True)
class IngestReport:
    stored: list[tuple[Path, StoredVersion]] = field(default_factory=list)
    failed: list[tuple[Path, str]] = field(default_factory=list)

    @property
    def new_versions(self) -> list[int]:
        return [v.document_version_id for _, v in self.stored if v.is_new]

    @property
    def ok(self) -> bool:
        return not self.failed


def ingest_paths(conn: Connection, paths: list[Path], progress: Progress | None = None) -> IngestReport:
    """Ingest every article file under `paths`; a bad file is reported and the rest go on."""
    report = IngestReport()
    files = find_article_files(paths)
    with task(progress, "ingest", len(files), "file") as shown:
        for number, (path, root) in enumerate(files, start=1):
            failures = len(report.failed)
            _ingest_one(conn, report, path, root)
            if len(report.failed) > failures:
                shown.advance(failed=1)
            else:
                shown.advance(new_versions=int(report.stored[-1][1].is_new))
            if number % FILES_PER_BATCH == 0:
                shown.batch_done()
    return report


def _ingest_one(conn: Connection, report: IngestReport, path: Path, root: Path) -> None:
    try:
        stored = store_article(conn, to_article_text(read_article_file(path, root)))
    except ArticleFileError as exc:
        _record_failure(conn, report, path, str(exc))
        return
    except (psycopg2.OperationalError, psycopg2.InterfaceError):
        raise  # the database is gone: the batch stops; what was stored stays stored
    except Exception as exc:  # one odd file must never stop the batch
        log.exception("unexpected failure on %s", path)
        _record_failure(conn, report, path, f"unexpected {type(exc).__name__}: {exc}")
        return
    report.stored.append((path, stored))
    log.debug("%s: %s (document %d, version %d)", path, stored.outcome,
              stored.document_id, stored.version_no)


def _record_failure(conn: Connection, report: IngestReport, path: Path, reason: str) -> None:
    report.failed.append((path, reason))
    record_item_error(conn, STAGE, str(path), reason)
    log.warning("skipped %s: %s", path, reason)


def to_article_text(article: ArticleFile) -> ArticleText:
    """The storable text of an article file (HTML files reduced to their main text)."""
    title, body = article.title, article.text
    if article.is_html:
        page = extract_page(article.text, url=article.url)
        title = title or page.title
        body = page.text
        if not body.strip():
            raise ArticleFileError("the HTML page has no article text")
    return ArticleText(
        identity=article.identity,
        origin="file",
        body=body,
        title=title,
        url=article.url,
        source=article.source,
        author=article.author,
        published_at=article.published_at,
        published_at_source="metadata",
    )
