#!/usr/bin/env python3
"""The browser test of the Threads page on fixture data only, and the README's screenshots.

A lighter sibling of .ci/celery_e2e.py: one Airflow api-server (nothing is
scheduled, so no scheduler or worker) on a fresh metadata database, and a
storywatch database holding only the threads of seeds/threads.yml and the
timeline fixtures that this repository wrote (tests/fixtures/timeline, without
01_seed_copy_syndicated.txt, which rewrites the real seed article), stored and
processed through the library. Then .ci/browser_threads.py runs in full against
it: reading, reviewing, searching, the article page, the refusals. Both
databases live on the machine's PostgreSQL (127.0.0.1:5432) and are dropped at
the end; every process started here is stopped.

    .venv/bin/python .ci/browser_desk.py --screenshots docs/
writes docs/threads-page.png, docs/threads-page-search.png and
docs/threads-page-article.png (the README shows them). Exit status 0 when
everything held, 1 otherwise.
"""
from __future__ import annotations

import argparse
import base64
import os
import secrets
import shutil
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT / "plugins"))
sys.path.insert(0, str(REPO_ROOT / ".ci"))

import browser_threads  # noqa: E402
from celery_e2e import databases  # noqa: E402

from storywatch import stages as pipeline  # noqa: E402
from storywatch.sources import ingest  # noqa: E402
from storywatch.store import db, migrate  # noqa: E402
from storywatch.tracking.sync import sync_seed_threads  # noqa: E402
from storywatch_airflow import localrun  # noqa: E402

TIMELINE = REPO_ROOT / "tests" / "fixtures" / "timeline"
# Rewrites the real seed article: the screenshots show text written here only.
NOT_OURS = {"01_seed_copy_syndicated.txt"}
SEARCH_WORD = "Belarus"
SCREENSHOT_THREAD = "ukraine-buildup"
SHOT_NAME = "threads-page.png"


def fixture_articles() -> list[Path]:
    return [path for path in sorted(TIMELINE.glob("*.txt")) if path.name not in NOT_OURS]


def load_fixtures(storywatch_url: str) -> None:
    conn = db.connect(storywatch_url)
    try:
        migrate.upgrade(conn, REPO_ROOT / "sql")
        sync_seed_threads(conn, REPO_ROOT / "seeds")
        ingest.ingest_paths(conn, fixture_articles())
        pipeline.process_pending(conn)
    finally:
        conn.close()


def run(screenshots: Path, home: Path) -> Path:
    paths = localrun.LocalPaths(home)
    paths.logs.mkdir(parents=True)
    port = localrun.choose_port({})
    api = localrun.Api(f"http://127.0.0.1:{port}")
    prefix = f"sw_desk_{secrets.token_hex(3)}"
    with databases(prefix) as (metadata_url, storywatch_url):
        load_fixtures(storywatch_url)
        print(f"stored and processed {len(fixture_articles())} fixture articles", flush=True)
        airflow_env = localrun.airflow_environment(
            paths, metadata_url=localrun.sqlalchemy_url(metadata_url,
                                                        urlsplit(metadata_url).path[1:]),
            storywatch_url=storywatch_url, port=port,
            local_secrets={"jwt_secret": secrets.token_urlsafe(48),
                           "fernet_key": base64.urlsafe_b64encode(os.urandom(32)).decode()})
        password = localrun.admin_password(paths)
        children = localrun.Children(paths.logs,
                                     localrun.child_environment(os.environ, airflow_env, home))
        try:
            children.run("db-migrate", "db", "migrate")
            children.start("api-server", *localrun.COMPONENTS["api-server"])
            localrun.wait_for("the API server", api.is_healthy, children)
            print(f"api-server healthy on {api.base_url}", flush=True)
            return browser_threads.run(api.base_url, localrun.ADMIN_USER, password,
                                       screenshots / SHOT_NAME, search_word=SEARCH_WORD,
                                       screenshot_thread=SCREENSHOT_THREAD)
        finally:
            children.stop_all()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--screenshots", type=Path, required=True,
                        help="folder for threads-page.png and its -search, -article siblings")
    parser.add_argument("--keep", action="store_true", help="keep the temporary home and logs")
    args = parser.parse_args()
    args.screenshots.mkdir(parents=True, exist_ok=True)
    home = Path(tempfile.mkdtemp(prefix="sw-desk-", dir="/tmp"))
    ok = False
    try:
        run(args.screenshots.resolve(), home)
        ok = True
    except (browser_threads.BrowserTestFailed, localrun.StorywatchError) as exc:
        print(f"FAIL: {exc}", flush=True)
    finally:
        if ok:  # the chromedriver log lands beside the screenshots; kept only on failure
            (args.screenshots / SHOT_NAME).with_suffix(".chromedriver.log").unlink(missing_ok=True)
        if ok and not args.keep:
            shutil.rmtree(home, ignore_errors=True)
        else:
            print(f"logs kept in {home}", flush=True)
    print("PASSED" if ok else "FAILED", flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
