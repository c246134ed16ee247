"""The Threads page, served by Airflow's own API server app with the storywatch plugin mounted.

The app is Airflow's `create_app("core")` (plugins, simple auth manager,
middlewares), driven in-process by Starlette's TestClient; the data comes from
the test database through the `storywatch_db` Connection, stored and processed
through the library's public functions.
"""
from __future__ import annotations

import html
import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from storywatch import seeding
from storywatch import stages as pipeline
from storywatch.settings import REPO_ROOT
from storywatch.sources import ingest
from storywatch.store import db

pytestmark = pytest.mark.integration

PASSWORD = "threads-page-test"
TIMELINE = REPO_ROOT / "tests" / "fixtures" / "timeline"
HOSTILE_TITLE = "<script>alert('owned')</script> US puts Russian force at more than 130,000"
HOSTILE_ARTICLE = """---
title: "{title}"
url: https://hostile-wire.example/2022/02/14/force
source: "<b>Hostile</b> Wire"
published: 2022-02-14T08:00:00Z
---
WASHINGTON (Hostile Wire) — Russia has now massed more than 130,000 troops near Ukraine's
borders, a US official said on Monday, up from about 100,000 a few weeks ago.

The official said more units had arrived in Belarus over the weekend.
"""


@pytest.fixture
def client(airflow_db: Path, storywatch_connection: str, tmp_path: Path,
           monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """A TestClient on Airflow's API server app, simple auth manager, user admin."""
    from fastapi.testclient import TestClient

    passwords = tmp_path / "passwords.json"
    passwords.write_text(json.dumps({"admin": PASSWORD}))
    for key, value in {
        "AIRFLOW__CORE__AUTH_MANAGER":
            "airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "admin:admin",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(passwords),
        "AIRFLOW__API_AUTH__JWT_SECRET": "threads-page-test-secret-" + "0123456789abcdef" * 4,
        "AIRFLOW__CORE__LAZY_LOAD_PLUGINS": "False",
    }.items():
        monkeypatch.setenv(key, value)
    from airflow.api_fastapi.app import create_app, purge_cached_app

    purge_cached_app()
    with TestClient(create_app("core"), base_url="http://127.0.0.1") as test_client:
        yield test_client
    purge_cached_app()


def _log_in(client: Any) -> str:
    """Log in as the dashboard does: the JWT goes into the `_token` cookie; the token."""
    reply = client.post("/auth/token", json={"username": "admin", "password": PASSWORD})
    assert reply.status_code in (200, 201), reply.text
    token = str(reply.json()["access_token"])
    client.cookies.set("_token", token)
    return token


def _process(conn: db.Connection, paths: list[Path]) -> None:
    """Store and process articles as the seed and process DAGs would."""
    seeding.load_seeds(conn, REPO_ROOT / "seeds")
    ingest.ingest_paths(conn, paths)
    pipeline.process_pending(conn)


def test_anonymous_requests_get_401_on_every_route(client: Any) -> None:
    for path in ("/storywatch/threads", "/storywatch/versions/1", "/storywatch/nowhere"):
        reply = client.get(path)
        assert reply.status_code == 401, (path, reply.status_code)
    assert client.get("/storywatch/threads", headers={"Authorization": "Bearer forged"}
                      ).status_code in (401, 403)
    client.cookies.set("_token", "forged")
    assert client.get("/storywatch/threads").status_code in (401, 403)


def test_the_plugin_adds_a_threads_entry_to_the_navigation(client: Any) -> None:
    token = _log_in(client)
    reply = client.get("/api/v2/plugins", headers={"Authorization": f"Bearer {token}"})
    assert reply.status_code == 200
    views = [view for plugin in reply.json()["plugins"] if plugin["name"] == "storywatch"
             for view in plugin["external_views"]]
    assert views == [{"name": "Threads", "href": "storywatch/threads", "destination": "nav",
                      "url_route": "threads", "nav_top_level": True, "icon": None,
                      "icon_dark_mode": None, "category": None}]


def test_logged_in_user_sees_each_threads_state_developments_and_charts(
        client: Any, conn: db.Connection) -> None:
    _process(conn, sorted(TIMELINE.glob("0[1-6]_*.txt")))
    with conn.cursor() as cur:
        cur.execute("select count(*) from v_developments where status <> 'dismissed'")
        developments = cur.fetchone()[0]
        cur.execute("select thread_slug, slot, value_text from v_thread_state "
                    "where value_text is not null")
        state = cur.fetchall()
    assert developments >= 3
    _log_in(client)
    reply = client.get("/storywatch/threads")
    assert reply.status_code == 200
    page = reply.text
    assert "Content-Security-Policy" in reply.headers
    assert page.count('<li class="development') == developments
    assert page.count('<blockquote class="evidence">') == developments
    for slug, slot, value in state:
        assert f'id="thread-{slug}"' in page
        assert f'data-slot="{slot}"' in page
        assert f"<td>{html.escape(value)}</td>" in page
    assert "<svg" in page and 'data-slot="troop_estimate"' in page
    # Newest first within a thread: publication dates never increase down the list.
    section = page[page.index('id="thread-ukraine-buildup"'):]
    dates = re.findall(r" · (\d{4}-\d{2}-\d{2} \d{2}:\d{2}) UTC", section.split("</section>")[0])
    assert dates == sorted(dates, reverse=True) and len(dates) >= 2


def test_a_title_with_a_script_tag_renders_as_text(client: Any, conn: db.Connection,
                                                   tmp_path: Path) -> None:
    article = tmp_path / "hostile.txt"
    article.write_text(HOSTILE_ARTICLE.format(title=HOSTILE_TITLE.replace('"', '\\"')))
    _process(conn, [article])
    with conn.cursor() as cur:
        cur.execute("select count(*) from v_developments where title like '<script>%%'")
        assert cur.fetchone()[0] >= 1, "the hostile article should have moved a slot"
    _log_in(client)
    page = client.get("/storywatch/threads").text
    assert "<script" not in page.lower()
    assert "&lt;script&gt;alert(&#39;owned&#39;)&lt;/script&gt;" in page
    assert "&lt;b&gt;Hostile&lt;/b&gt; Wire" in page


def test_versions_page_lists_an_edited_articles_versions(client: Any, conn: db.Connection,
                                                         tmp_path: Path) -> None:
    article = tmp_path / "06.txt"
    shutil.copy(TIMELINE / "06_us_estimate_130k.txt", article)
    _process(conn, [article])
    article.write_text(article.read_text() + "\nThe Pentagon declined to comment on Monday.\n")
    _process(conn, [article])
    with conn.cursor() as cur:
        cur.execute("select document_id, count(*) from v_article_versions "
                    "where url like '%%us-estimate-130000' group by document_id")
        document_id, versions = cur.fetchone()
    assert versions == 2
    _log_in(client)
    page = client.get("/storywatch/threads").text
    assert f'href="versions/{document_id}">version ' in page
    reply = client.get(f"/storywatch/versions/{document_id}")
    assert reply.status_code == 200
    assert reply.text.count('<li class="version"') == 2
    assert "<ins>The Pentagon declined to comment on Monday.</ins>" in reply.text
    assert client.get("/storywatch/versions/999999").status_code == 404


def test_without_threads_the_page_says_what_to_do(client: Any, conn: db.Connection) -> None:
    _log_in(client)
    page = client.get("/storywatch/threads").text
    assert "storywatch threads sync" in page
