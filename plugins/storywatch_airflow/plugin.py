"""The Threads page in the Airflow dashboard: an AirflowPlugin with a FastAPI app and a nav entry.

Airflow mounts a plugin's FastAPI app without authentication, so every route
here depends on Airflow's own `requires_access_view`: the caller must present
the JWT that the dashboard keeps in its `_token` cookie (or an Authorization:
Bearer token from /auth/token), validated by Airflow's auth manager; without
one the answer is 401. The data comes from `storywatch.reports.dashboard` (plain
records); this module only renders them, with Jinja2 autoescaping, so text
from feeds is always text. The charts are SVG built by `storywatch.reports.digest`,
which escapes what it embeds.
"""
from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Annotated, Any

from airflow.api_fastapi.auth.managers.models.resource_details import AccessView
from airflow.api_fastapi.core_api.security import requires_access_view
from airflow.plugins_manager import AirflowPlugin
from fastapi import Depends, FastAPI, HTTPException
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from storywatch.reports import dashboard
from storywatch.reports.digest import render_chart
from storywatch.store.db import Connection

URL_PREFIX = "/storywatch"
SAFE_SCHEMES = ("http://", "https://")
# No script at all, styles inline only, and only the dashboard may frame the page.
HEADERS = {
    "Content-Security-Policy": ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
                                "frame-ancestors 'self'; base-uri 'none'; form-action 'none'"),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
log = logging.getLogger(__name__)

templates = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


def _safe_url(url: str | None) -> str | None:
    """Only http(s) links reach the page: a feed may send `javascript:` as an article URL."""
    return url if url and url.strip().lower().startswith(SAFE_SCHEMES) else None


def _when(moment: Any) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "undated"


def _chart(slot: str, points: Any) -> Markup:
    return Markup(render_chart(slot, points))  # noqa: S704 - the library escapes its SVG text


templates.filters["safe_url"] = _safe_url
templates.filters["when"] = _when
templates.globals["chart"] = _chart


def _connection() -> Iterator[Connection]:
    from storywatch_airflow.hooks import connect

    try:
        conn = connect()
    except Exception as exc:  # ours for a bad URL; Airflow's own for an unset Connection
        log.warning("the Threads page cannot reach the storywatch database: %s", exc)
        raise HTTPException(status_code=503,
                            detail="the storywatch database is unreachable (Connection "
                                   "storywatch_db); see the api-server log") from None
    with closing(conn):
        yield conn


StorywatchConnection = Annotated[Connection, Depends(_connection)]

app = FastAPI(
    title="storywatch",
    # Every route: an authenticated Airflow user allowed to use the dashboard at all.
    dependencies=[Depends(requires_access_view(AccessView.WEBSITE))],
    docs_url=None, redoc_url=None, openapi_url=None,
)


def _page(template: str, **values: Any) -> HTMLResponse:
    return HTMLResponse(templates.get_template(template).render(**values), headers=HEADERS)


@app.get("/threads", response_class=HTMLResponse)
def threads_page(conn: StorywatchConnection) -> HTMLResponse:
    """Every thread: current state per slot, developments newest first, a chart per quantity."""
    return _page("threads.html", threads=dashboard.read_threads(conn))


@app.get("/versions/{document_id}", response_class=HTMLResponse)
def versions_page(document_id: int, conn: StorywatchConnection) -> HTMLResponse:
    """The versions of one article and what changed between them."""
    versions = dashboard.read_versions(conn, document_id)
    if not versions:
        raise HTTPException(status_code=404, detail=f"no article {document_id}")
    return _page("versions.html", versions=versions, document_id=document_id)


@app.api_route("/{path:path}", methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"],
               include_in_schema=False)
def not_found(path: str) -> None:
    """Anything else: 404, but only to a logged-in user (an anonymous caller learns nothing)."""
    raise HTTPException(status_code=404, detail="no such page")


class StorywatchPlugin(AirflowPlugin):
    """Adds the Threads page to the Airflow navigation."""

    name = "storywatch"
    fastapi_apps = [{"app": app, "url_prefix": URL_PREFIX, "name": "storywatch"}]
    external_views = [{
        "name": "Threads",
        "href": URL_PREFIX.lstrip("/") + "/threads",
        "destination": "nav",
        "url_route": "threads",
        "nav_top_level": True,
    }]
