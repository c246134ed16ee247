"""The Threads page in the Airflow dashboard: an AirflowPlugin with a FastAPI app and a nav entry.

Airflow mounts a plugin's FastAPI app without authentication, so every route
here depends on Airflow's own `requires_access_view`: the caller must present
the JWT that the dashboard keeps in its `_token` cookie (or an Authorization:
Bearer token from /auth/token), validated by Airflow's auth manager; without
one the answer is 401. The data comes from `storywatch.reports.dashboard` (plain
records); this module only renders them, with Jinja2 autoescaping, so text
from feeds is always text. The timelines are SVG built by
`storywatch.reports.timeline`, which escapes what it embeds.

Reviews (confirm, dismiss, reopen) are form POSTs recorded by the same
function as `storywatch developments confirm/dismiss/reopen`, in the name of
the logged-in Airflow user. Every POST must carry the session's anti-forgery
token (see `anti_forgery_token` and SECURITY.md); the page has no script.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import parse_qs, urlencode

from airflow.api_fastapi.app import get_auth_manager
from airflow.api_fastapi.auth.managers.base_auth_manager import COOKIE_NAME_JWT_TOKEN
from airflow.api_fastapi.auth.managers.models.base_user import BaseUser
from airflow.api_fastapi.auth.managers.models.resource_details import AccessView
from airflow.api_fastapi.core_api.security import GetUserDep, requires_access_view
from airflow.plugins_manager import AirflowPlugin
from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from storywatch.errors import StorywatchError
from storywatch.reports import dashboard, timeline
from storywatch.store.db import Connection
from storywatch.tracking.review import UnknownDevelopment, review_development

URL_PREFIX = "/storywatch"
SAFE_SCHEMES = ("http://", "https://")
# No script at all, styles inline only, forms post only here, only the dashboard may frame it.
HEADERS = {
    "Content-Security-Policy": ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
                                "frame-ancestors 'self'; base-uri 'none'; form-action 'self'"),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
REVIEW_ACTIONS = ("confirm", "dismiss", "reopen")
FORM_TYPE = "application/x-www-form-urlencoded"
MAX_FORM_BYTES = 16_384
# The resource name a custom auth manager sees when asked whether a user may review.
REVIEW_RESOURCE = "storywatch"
FILTER_FIELDS = ("thread", "slot", "kind", "status", "since", "until", "page")
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


def _timeline(panel: dashboard.ThreadPanel, slot: str) -> Markup:
    """A slot's timeline SVG on the thread's shared time axis (the library escapes its text)."""
    marks = panel.timeline.get(slot, ())
    if not marks:
        return Markup("")
    axis = timeline.Axis.around([m for ms in panel.timeline.values() for m in ms])
    if panel.slot_type(slot) == "quantity":
        return Markup(timeline.render_quantity(slot, marks, axis))  # noqa: S704 - escaped SVG
    if panel.slot_type(slot) == "status":
        return Markup(timeline.render_status(slot, marks, axis))  # noqa: S704 - escaped SVG
    return Markup("")


templates.filters["safe_url"] = _safe_url
templates.filters["when"] = _when
templates.globals["timeline_svg"] = _timeline
templates.globals["status_colours"] = timeline.status_colours


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


def _page(template: str, status_code: int = 200, **values: Any) -> HTMLResponse:
    return HTMLResponse(templates.get_template(template).render(**values), status_code=status_code,
                        headers=HEADERS)


# -- anti-forgery ---------------------------------------------------------------------------------
def session_credential(request: Request) -> str | None:
    """The JWT this request authenticated with, chosen as Airflow's `get_user` chooses it."""
    authorization = request.headers.get("authorization", "")
    scheme, _, credential = authorization.partition(" ")
    if scheme.lower() == "bearer" and credential.strip():
        return credential.strip()
    return request.cookies.get(COOKIE_NAME_JWT_TOKEN) or None


def anti_forgery_token(credential: str) -> str:
    """The session's form token: an HMAC keyed by the session's own JWT.

    A page from another site can make the browser send the cookie, but can
    neither read it nor read this page, so it cannot know the token. Keyed by
    the session, the token changes at each login and needs no server state nor
    a secret shared between API server processes.
    """
    return hmac.new(credential.encode(), b"storywatch review form", hashlib.sha256).hexdigest()


def _form_token(request: Request) -> str:
    credential = session_credential(request)
    return anti_forgery_token(credential) if credential else ""


async def _posted_form(request: Request) -> dict[str, str]:
    """The fields of an urlencoded form (the last value of each); anything else is refused."""
    if request.headers.get("content-type", "").split(";")[0].strip().lower() != FORM_TYPE:
        raise HTTPException(status_code=415, detail=f"send the form as {FORM_TYPE}")
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        raise HTTPException(status_code=413, detail="the form is too large")
    try:
        fields = parse_qs(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
    except UnicodeDecodeError:
        raise HTTPException(status_code=400, detail="the form is not UTF-8") from None
    return {name: values[-1] for name, values in fields.items()}


PostedForm = Annotated[dict[str, str], Depends(_posted_form)]


def _check_origin(request: Request, form: dict[str, str]) -> None:
    """Refuse a POST whose token is not this session's, or that a browser says is cross-site."""
    if request.headers.get("sec-fetch-site", "").lower() == "cross-site":
        raise HTTPException(status_code=403, detail="cross-site form posts are refused")
    expected = _form_token(request)
    if not expected or not hmac.compare_digest(form.get("csrf_token", ""), expected):
        raise HTTPException(status_code=403,
                            detail="the form's anti-forgery token is missing or stale: reload "
                                   "the page and try again")


def _check_may_review(user: BaseUser) -> None:
    if not get_auth_manager().is_authorized_custom_view(method="POST",
                                                         resource_name=REVIEW_RESOURCE, user=user):
        raise HTTPException(status_code=403, detail="you may read the Threads page, not review")


# -- filters in the URL ---------------------------------------------------------------------------
def _date(value: str | None, name: str) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise HTTPException(status_code=400, detail=f"{name}: not a date (YYYY-MM-DD)") from None


def parse_filters(fields: dict[str, str | None]) -> dashboard.DevelopmentFilters:
    """The list's filters from query or form fields; empty fields mean "any"."""
    values = {name: (fields.get(name) or "").strip() or None for name in FILTER_FIELDS}
    try:
        page = int(values["page"] or 1)
        return dashboard.DevelopmentFilters(
            thread=values["thread"], slot=values["slot"], kind=values["kind"],
            status=values["status"], since=_date(values["since"], "since"),
            until=_date(values["until"], "until"), page=page)
    except ValueError as exc:
        raise HTTPException(status_code=400, detail=str(exc)) from None


def filter_query(filters: dashboard.DevelopmentFilters, **changes: Any) -> str:
    """The query string that shows `filters` (with `changes`), without the empty fields."""
    values: dict[str, Any] = {
        "thread": filters.thread, "slot": filters.slot, "kind": filters.kind,
        "status": filters.status, "since": filters.since, "until": filters.until,
        "page": filters.page,
    }
    values.update(changes)
    if values["page"] == 1:
        values["page"] = None
    return urlencode({name: str(value) for name, value in values.items()
                      if value is not None and value != ""})


templates.globals["filter_query"] = filter_query


# -- pages ------------------------------------------------------------------------------------------
@app.get("/threads", response_class=HTMLResponse)
def threads_page(request: Request, conn: StorywatchConnection) -> HTMLResponse:
    """Threads (state and timelines), then the filtered developments, newest first, by pages."""
    filters = parse_filters(dict(request.query_params))
    return _page("threads.html", threads=dashboard.read_threads(conn, thread=filters.thread),
                 developments=dashboard.read_developments(conn, filters), filters=filters,
                 kinds=dashboard.KINDS, statuses=dashboard.STATUSES,
                 csrf_token=_form_token(request), list_query=filter_query(filters))


@app.post("/developments/{development_id}/review")
def review(development_id: int, request: Request, user: GetUserDep, form: PostedForm,
           conn: StorywatchConnection) -> Any:
    """Confirm, dismiss or reopen, as `storywatch developments ...` does; back to the list."""
    _check_origin(request, form)
    _check_may_review(user)
    action = form.get("action", "")
    if action not in REVIEW_ACTIONS:
        raise HTTPException(status_code=400, detail=f"unknown action {action!r}")
    filters = parse_filters(dict(form))
    reason = (form.get("reason") or "").strip() or None
    try:
        result = review_development(conn, development_id, action, reviewed_by=user.get_name(),
                                    reason=reason)
    except StorywatchError as exc:
        return _page("refused.html",
                     status_code=404 if isinstance(exc, UnknownDevelopment) else 400,
                     message=str(exc), back="../../threads?" + filter_query(filters),
                     root="../../")
    log.info("development %s: %s by %s%s", development_id, action, result.reviewed_by,
             "" if result.recorded else " (already so)")
    query = filter_query(filters)
    return RedirectResponse(f"../../threads?{query}#developments", status_code=303,
                            headers={"Cache-Control": "no-store"})


@app.get("/search", response_class=HTMLResponse)
def search_page(conn: StorywatchConnection, q: str = "") -> HTMLResponse:
    """Full-text search over stored articles (the index `storywatch search` uses)."""
    query = q.strip()
    hits = dashboard.search_articles(conn, query) if query else []
    return _page("search.html", query=query, hits=hits)


@app.get("/articles/{document_id}", response_class=HTMLResponse)
def article_page(document_id: int, conn: StorywatchConnection) -> HTMLResponse:
    """One article: versions and what changed, claims, developments, copies."""
    article = dashboard.read_article(conn, document_id)
    if article is None:
        raise HTTPException(status_code=404, detail=f"no article {document_id}")
    return _page("article.html", article=article, versions=article.versions, root="../")


@app.get("/versions/{document_id}")
def versions_page(document_id: int) -> RedirectResponse:
    """The former versions page: now a part of the article page."""
    return RedirectResponse(f"../articles/{document_id}", status_code=308)


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
