"""The Threads page, served by Airflow's own API server app with the storywatch plugin mounted.

The app is Airflow's `create_app("core")` (plugins, simple auth manager,
middlewares), driven in-process by Starlette's TestClient; the data comes from
the test database through the `storywatch_db` Connection, stored and processed
through the library's public functions. Reviews are posted as the page's forms
post them, token included, and read back from `development_reviews`.
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
    from storywatch_airflow.localrun import access_token

    def post_json(path: str, body: Any) -> tuple[int, Any]:
        reply = client.post(path, json=body)
        return reply.status_code, reply.json()

    token = access_token(post_json, "admin", PASSWORD)
    client.cookies.set("_token", token)
    return token


def _process(conn: db.Connection, paths: list[Path]) -> None:
    """Store and process articles as the seed and process DAGs would."""
    seeding.load_seeds(conn, REPO_ROOT / "seeds")
    ingest.ingest_paths(conn, paths)
    pipeline.process_pending(conn)


def _page_token(page: str) -> str:
    """The anti-forgery token the page's review forms carry."""
    tokens = set(re.findall(r'name="csrf_token" value="([0-9a-f]+)"', page))
    assert len(tokens) == 1, tokens
    return tokens.pop()


def _developments(page: str) -> dict[int, dict[str, str]]:
    """The development list of a page: id -> its data attributes."""
    found = {}
    for attributes in re.findall(r'<li class="development[^"]*" ([^>]*)>', page):
        values = dict(re.findall(r'data-([a-z-]+)="([^"]*)"', attributes))
        found[int(values["development-id"])] = values
    return found


def _state(page: str, slug: str, slot: str) -> str:
    section = page[page.index(f'id="thread-{slug}"'):]
    row = section[section.index(f'<tr class="slot" data-slot="{slot}">'):]
    return html.unescape(re.search(r'<td class="value">([^<]*)</td>', row).group(1))


def _review(client: Any, development_id: int, token: str | None, action: str,
            **fields: str) -> Any:
    form = {"action": action, **fields}
    if token is not None:
        form["csrf_token"] = token
    return client.post(f"/storywatch/developments/{development_id}/review", data=form,
                       follow_redirects=False)


def _reviews(conn: db.Connection, development_id: int) -> list[tuple[Any, ...]]:
    with conn.cursor() as cur:
        cur.execute("select action, reason, reviewed_by from development_reviews "
                    "where development_id = %s order by development_review_id", (development_id,))
        rows = cur.fetchall()
    conn.rollback()
    return rows


def _slot_developments(conn: db.Connection, slug: str, slot: str) -> list[tuple[Any, ...]]:
    """(id, value_text) of a slot's open developments, in publication order."""
    with conn.cursor() as cur:
        cur.execute("select development_id, value_text from v_developments where thread_slug = %s "
                    "and slot = %s and status <> 'dismissed' order by ordered_at, development_id",
                    (slug, slot))
        rows = cur.fetchall()
    conn.rollback()
    return rows


def test_anonymous_requests_get_401_on_every_route(client: Any) -> None:
    for path in ("/storywatch/threads", "/storywatch/versions/1", "/storywatch/articles/1",
                 "/storywatch/search?q=troops", "/storywatch/nowhere"):
        reply = client.get(path)
        assert reply.status_code == 401, (path, reply.status_code)
    assert client.get("/storywatch/threads", headers={"Authorization": "Bearer forged"}
                      ).status_code in (401, 403)
    client.cookies.set("_token", "forged")
    assert client.get("/storywatch/threads").status_code in (401, 403)


def test_an_anonymous_review_gets_401_and_records_nothing(client: Any,
                                                         conn: db.Connection) -> None:
    _process(conn, sorted(TIMELINE.glob("0[2-6]_*.txt")))
    development_id = _slot_developments(conn, "ukraine-buildup", "troop_estimate")[-1][0]
    reply = _review(client, development_id, "0" * 64, "dismiss", reason="anonymous")
    assert reply.status_code == 401
    assert _reviews(conn, development_id) == []


def test_the_plugin_adds_a_threads_entry_to_the_navigation(client: Any) -> None:
    token = _log_in(client)
    reply = client.get("/api/v2/plugins", headers={"Authorization": f"Bearer {token}"})
    assert reply.status_code == 200
    views = [view for plugin in reply.json()["plugins"] if plugin["name"] == "storywatch"
             for view in plugin["external_views"]]
    assert views == [{"name": "Threads", "href": "storywatch/threads", "destination": "nav",
                      "url_route": "threads", "nav_top_level": True, "icon": None,
                      "icon_dark_mode": None, "category": None}]


def test_logged_in_user_sees_each_threads_state_timelines_and_developments(
        client: Any, conn: db.Connection) -> None:
    _process(conn, sorted(TIMELINE.glob("0[1-9]_*.txt")))
    with conn.cursor() as cur:
        cur.execute("select count(*) from v_developments where status <> 'dismissed'")
        developments = cur.fetchone()[0]
        cur.execute("select thread_slug, slot, slot_type, value_text from v_thread_state "
                    "where value_text is not null")
        state = cur.fetchall()
        cur.execute("select count(*) from v_thread_timeline where thread_slug = 'ukraine-buildup' "
                    "and slot = 'troop_estimate'")
        troop_observations = cur.fetchone()[0]
    conn.rollback()
    assert developments >= 3
    _log_in(client)
    reply = client.get("/storywatch/threads")
    assert reply.status_code == 200
    page = reply.text
    csp = reply.headers["Content-Security-Policy"]
    assert "script-src" not in csp and "default-src 'none'" in csp and "form-action 'self'" in csp
    assert "<script" not in page
    assert page.count('<li class="development') == developments
    assert page.count('<blockquote class="evidence">') == developments
    for slug, slot, slot_type, value in state:
        assert f'id="thread-{slug}"' in page
        assert _state(page, slug, slot) == value
        if slot_type in ("quantity", "status"):
            assert f'<figure class="chart slot-{slot_type}" data-slot="{slot}">' in page
    # Every observation of the slot is on its chart: developments large, corroborations small.
    chart = page[page.index('<figure class="chart slot-quantity" data-slot="troop_estimate">'):]
    chart = chart[:chart.index("</figure>")]
    assert chart.count("<circle") == troop_observations
    assert 'class="range"' in chart  # "169,000-190,000 troops" is a band
    status_row = page[page.index('data-slot="withdrawal_claim">'):]
    assert 'class="span" data-state="claimed"' in status_row
    assert 'class="span" data-state="disputed"' in status_row
    # Newest first: publication dates never increase down the list.
    listing = page[page.index('id="developments"'):]
    dates = re.findall(r" · (\d{4}-\d{2}-\d{2} \d{2}:\d{2}) UTC\n · <a class=\"article\"", listing)
    assert dates == sorted(dates, reverse=True) and len(dates) == developments


def test_a_title_with_a_script_tag_renders_as_text(client: Any, conn: db.Connection,
                                                   tmp_path: Path) -> None:
    article = tmp_path / "hostile.txt"
    article.write_text(HOSTILE_ARTICLE.format(title=HOSTILE_TITLE.replace('"', '\\"')))
    _process(conn, [article])
    with conn.cursor() as cur:
        cur.execute("select count(*), min(document_id) from v_developments "
                    "where title like '<script>%%'")
        count, document_id = cur.fetchone()
    assert count >= 1, "the hostile article should have moved a slot"
    _log_in(client)
    escaped_title = "&lt;script&gt;alert(&#39;owned&#39;)&lt;/script&gt;"
    for path in ("/storywatch/threads", f"/storywatch/articles/{document_id}",
                 "/storywatch/search?q=massed"):
        page = client.get(path).text
        assert "<script" not in page.lower(), path
        assert escaped_title in page, path
        assert "&lt;b&gt;Hostile&lt;/b&gt; Wire" in page, path


def test_search_finds_stored_articles_with_the_passage_marked(client: Any, conn: db.Connection,
                                                              tmp_path: Path) -> None:
    _process(conn, sorted(TIMELINE.glob("0[2-6]_*.txt")))
    hostile = tmp_path / "hostile.txt"
    hostile.write_text(HOSTILE_ARTICLE.format(title="Belarus <i>units</i> & more")
                       + "\nUnits & tanks massed in Belarus, 3 < 4 \"officials\" said.\n")
    _process(conn, [hostile])
    _log_in(client)
    reply = client.get("/storywatch/search", params={"q": "Belarus"})
    assert reply.status_code == 200
    hits = re.findall(r'<li class="hit" data-document-id="(\d+)">(.*?)</li>', reply.text, re.S)
    assert hits, reply.text
    with conn.cursor() as cur:
        cur.execute("select document_id from documents where url like '%%hostile-wire%%'")
        hostile_id = cur.fetchone()[0]
    conn.rollback()
    by_id = dict((int(i), body) for i, body in hits)
    body = by_id[hostile_id]
    assert f'<a class="article" href="articles/{hostile_id}">Belarus &lt;i&gt;units&lt;/i&gt; &amp; more</a>' in body
    assert "&lt;b&gt;Hostile&lt;/b&gt; Wire · 2022-02-14 08:00 UTC" in body
    assert "<mark>Belarus</mark>" in body
    passage = body.split('<div class="passage">')[1]
    assert "Units &amp; tanks" in passage and "3 &lt; 4 &#34;officials&#34;" in passage
    assert client.get(f"/storywatch/articles/{hostile_id}").status_code == 200
    # The same articles as `storywatch search` (the same index, the same query language).
    from storywatch.store.search import search_articles
    assert {hit.document_id for hit in search_articles(conn, "Belarus", limit=50)} == set(by_id)
    empty = client.get("/storywatch/search", params={"q": '"unbalanced -OR'})
    assert empty.status_code == 200
    assert client.get("/storywatch/search").status_code == 200


def test_article_page_shows_versions_claims_developments_and_copies(
        client: Any, conn: db.Connection, tmp_path: Path) -> None:
    article = tmp_path / "06.txt"
    shutil.copy(TIMELINE / "06_us_estimate_130k.txt", article)
    _process(conn, [TIMELINE / "01_seed_copy_syndicated.txt", article])
    article.write_text(article.read_text() + "\nThe Pentagon declined to comment on Monday.\n")
    _process(conn, [article])
    with conn.cursor() as cur:
        cur.execute("select document_id, count(*) from v_article_versions "
                    "where url like '%%us-estimate-130000' group by document_id")
        document_id, versions = cur.fetchone()
        cur.execute("select count(*), count(distinct speaker) from v_claims where document_version_id = "
                    "(select max(document_version_id) from document_versions where document_id = %s)",
                    (document_id,))
        claims, speakers = cur.fetchone()
        cur.execute("select development_id from v_developments where document_id = %s",
                    (document_id,))
        produced = [row[0] for row in cur.fetchall()]
        cur.execute("select document_id, copy_of_document_id from v_story_copies")
        copies = cur.fetchall()
    conn.rollback()
    assert versions == 2 and claims >= 1 and speakers >= 1 and produced and copies
    _log_in(client)
    page = client.get("/storywatch/threads").text
    assert f'href="articles/{document_id}#versions">version 1 of 2</a>' in page
    moved = client.get(f"/storywatch/versions/{document_id}", follow_redirects=False)
    assert moved.status_code == 308 and moved.headers["location"] == f"../articles/{document_id}"
    reply = client.get(f"/storywatch/articles/{document_id}")
    assert reply.status_code == 200
    assert reply.text.count('<li class="version"') == 2
    assert "<ins>The Pentagon declined to comment on Monday.</ins>" in reply.text
    assert reply.text.count('<tr class="claim') == claims
    assert 'class="speaker">a US official' in reply.text or 'class="speaker">US official' in reply.text
    for development_id in produced:
        assert f'<tr class="development" data-development-id="{development_id}">' in reply.text
    copy_id, original_id = copies[0]
    copy_page = client.get(f"/storywatch/articles/{copy_id}").text
    assert 'copy (score' in copy_page and f'<a href="{original_id}">' in copy_page
    original_page = client.get(f"/storywatch/articles/{original_id}").text
    assert f'<li class="copy"><a href="{copy_id}">' in original_page
    assert client.get("/storywatch/articles/999999").status_code == 404


def test_dismiss_reopen_and_confirm_from_the_page(client: Any, conn: db.Connection) -> None:
    _process(conn, sorted(TIMELINE.glob("0[2-6]_*.txt")))
    (before_id, before), (latest_id, latest) = _slot_developments(
        conn, "ukraine-buildup", "troop_estimate")[-2:]
    _log_in(client)
    page = client.get("/storywatch/threads?thread=ukraine-buildup").text
    assert _state(page, "ukraine-buildup", "troop_estimate") == latest
    assert _developments(page)[latest_id]["sets-state"] == "true"
    token = _page_token(page)

    reply = _review(client, latest_id, token, "dismiss", reason="  misread figure  ",
                    thread="ukraine-buildup")
    assert reply.status_code == 303
    assert reply.headers["location"] == "../../threads?thread=ukraine-buildup#developments"
    assert _reviews(conn, latest_id) == [("dismiss", "misread figure", "admin")]
    page = client.get("/storywatch/threads?thread=ukraine-buildup").text
    assert latest_id not in _developments(page)
    assert _state(page, "ukraine-buildup", "troop_estimate") == before
    chart = page[page.index('<figure class="chart slot-quantity" data-slot="troop_estimate">'):]
    assert chart[:chart.index("</figure>")].count('class="development dismissed"') == 1
    dismissed = client.get("/storywatch/threads?status=dismissed").text
    assert list(_developments(dismissed)) == [latest_id]
    assert "(dismissed by admin" in dismissed and "misread figure" in dismissed

    assert _review(client, latest_id, token, "reopen").status_code == 303
    page = client.get("/storywatch/threads").text
    assert _developments(page)[latest_id]["status"] == "open"
    assert _state(page, "ukraine-buildup", "troop_estimate") == latest

    assert _review(client, before_id, token, "confirm").status_code == 303
    assert _developments(client.get("/storywatch/threads").text)[before_id]["status"] == "confirmed"
    # Recorded exactly as `storywatch developments ...` records: one row per review.
    assert _reviews(conn, latest_id) == [("dismiss", "misread figure", "admin"),
                                         ("reopen", None, "admin")]
    assert _reviews(conn, before_id) == [("confirm", None, "admin")]
    # The same review again records nothing new, as from the command line.
    assert _review(client, before_id, token, "confirm").status_code == 303
    assert len(_reviews(conn, before_id)) == 1


def test_a_review_the_library_refuses_is_shown_and_not_recorded(client: Any,
                                                                conn: db.Connection) -> None:
    _process(conn, sorted(TIMELINE.glob("0[2-6]_*.txt")))
    development_id = _slot_developments(conn, "ukraine-buildup", "troop_estimate")[-1][0]
    _log_in(client)
    token = _page_token(client.get("/storywatch/threads").text)
    reply = _review(client, development_id, token, "dismiss", reason="   ")
    assert reply.status_code == 400 and "dismissing needs a reason" in reply.text
    assert _review(client, development_id, token, "delete").status_code == 400
    assert _review(client, 999999, token, "confirm").status_code == 404
    assert _reviews(conn, development_id) == []


def tampered(token: str) -> str:
    """The token with its last hex digit changed (never the token itself)."""
    return token[:-1] + ("1" if token[-1] == "0" else "0")


def test_a_review_without_this_sessions_token_is_refused(client: Any,
                                                         conn: db.Connection) -> None:
    _process(conn, sorted(TIMELINE.glob("0[2-6]_*.txt")))
    development_id = _slot_developments(conn, "ukraine-buildup", "troop_estimate")[-1][0]
    _log_in(client)
    first_token = _page_token(client.get("/storywatch/threads").text)
    assert _review(client, development_id, None, "confirm").status_code == 403
    assert _review(client, development_id, "", "confirm").status_code == 403
    assert _review(client, development_id, tampered(first_token), "confirm").status_code == 403
    cross_site = client.post(f"/storywatch/developments/{development_id}/review",
                             data={"action": "confirm", "csrf_token": first_token},
                             headers={"Sec-Fetch-Site": "cross-site"}, follow_redirects=False)
    assert cross_site.status_code == 403
    as_json = client.post(f"/storywatch/developments/{development_id}/review",
                          json={"action": "confirm", "csrf_token": first_token},
                          follow_redirects=False)
    assert as_json.status_code == 415
    _log_in(client)  # a new session: the old page's token no longer counts
    assert _review(client, development_id, first_token, "confirm").status_code == 403
    assert _reviews(conn, development_id) == []
    token = _page_token(client.get("/storywatch/threads").text)
    assert token != first_token
    assert _review(client, development_id, token, "confirm").status_code == 303
    assert _reviews(conn, development_id) == [("confirm", None, "admin")]


def test_filters_are_in_the_url_and_narrow_the_list(client: Any, conn: db.Connection) -> None:
    _process(conn, sorted(TIMELINE.glob("*.txt")))
    with conn.cursor() as cur:
        cur.execute("select development_id, thread_slug, slot, kind, "
                    "coalesce(published_at, ordered_at)::date from v_developments")
        rows = cur.fetchall()
    conn.rollback()
    _log_in(client)

    def shown(query: str) -> set[int]:
        reply = client.get(f"/storywatch/threads?{query}")
        assert reply.status_code == 200, (query, reply.text)
        return set(_developments(reply.text))

    assert shown("thread=jcpoa-talks") == {r[0] for r in rows if r[1] == "jcpoa-talks"}
    assert shown("slot=troop_estimate") == {r[0] for r in rows if r[2] == "troop_estimate"}
    assert shown("kind=new") == {r[0] for r in rows if r[3] == "new"}
    assert shown("since=2022-02-14&until=2022-02-18") == {
        r[0] for r in rows if "2022-02-14" <= r[4].isoformat() <= "2022-02-18"}
    assert shown("thread=ukraine-buildup&kind=update&since=2022-02-15") == {
        r[0] for r in rows if r[1] == "ukraine-buildup" and r[3] == "update"
        and r[4].isoformat() >= "2022-02-15"}
    assert shown("thread=&slot=&kind=&status=&since=&until=") == {r[0] for r in rows}
    assert shown("status=confirmed") == set()
    # The form shows the filters it was given, so a shared link shows the same view.
    page = client.get("/storywatch/threads?thread=jcpoa-talks&kind=update").text
    assert '<option value="jcpoa-talks" selected>' in page and '<option value="update" selected>' in page
    assert 'id="thread-jcpoa-talks"' in page and 'id="thread-ukraine-buildup"' not in page
    for bad in ("kind=rumour", "status=maybe", "since=yesterday", "page=0", "page=x"):
        assert client.get(f"/storywatch/threads?{bad}").status_code == 400, bad
    # A review from a filtered view comes back to the same view.
    token = _page_token(page)
    development_id = next(r[0] for r in rows if r[1] == "jcpoa-talks" and r[3] == "update")
    reply = _review(client, development_id, token, "confirm", thread="jcpoa-talks", kind="update",
                    since="2022-01-01")
    assert reply.headers["location"] == (
        "../../threads?thread=jcpoa-talks&kind=update&since=2022-01-01#developments")
    assert shown("status=confirmed") == {development_id}


def test_developments_come_in_pages_of_50_newest_first(client: Any, conn: db.Connection,
                                                       tmp_path: Path) -> None:
    # 56 estimates, each 8% above the last (beyond the 5% tolerance): 56 developments.
    for day in range(56):
        troops = round(100_000 * 1.08 ** day, -3)
        published = f"2022-01-{1 + day // 2:02d}T{8 + 9 * (day % 2):02d}:00:00Z"
        (tmp_path / f"estimate_{day:02d}.txt").write_text(
            f"---\ntitle: Estimate {day}\nurl: https://paging-wire.example/{day}\n"
            f"source: Paging Wire\npublished: {published}\n---\n"
            f"Russia has massed about {troops:,.0f} troops near Ukraine's "
            "borders, a US official said.\n")
    _process(conn, sorted(tmp_path.glob("estimate_*.txt")))
    with conn.cursor() as cur:
        cur.execute("select development_id from v_developments where status <> 'dismissed' "
                    "order by coalesce(published_at, ordered_at) desc, development_id desc")
        expected = [row[0] for row in cur.fetchall()]
    conn.rollback()
    assert len(expected) > 50
    _log_in(client)
    first = client.get("/storywatch/threads").text
    assert list(_developments(first)) == expected[:50]
    assert f"{len(expected)} developments, page 1 of 2" in first
    assert 'rel="next" href="threads?page=2#developments"' in first
    second = client.get("/storywatch/threads?page=2").text
    assert list(_developments(second)) == expected[50:]
    assert 'rel="prev" href="threads?page=1#developments"' not in second  # page 1 is the default
    assert 'rel="prev" href="threads?#developments"' in second
    beyond = client.get("/storywatch/threads?page=9").text
    assert _developments(beyond) == {} and f"{len(expected)} developments" in beyond


def test_without_threads_the_page_says_what_to_do(client: Any, conn: db.Connection) -> None:
    _log_in(client)
    page = client.get("/storywatch/threads").text
    assert "storywatch threads sync" in page
    assert client.get("/storywatch/nowhere").status_code == 404
    assert client.get("/storywatch/threads?thread=no-such-thread").status_code == 200
