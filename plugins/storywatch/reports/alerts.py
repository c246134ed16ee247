"""Alerts: the developments and feed failures nobody was told about yet, as one message.

One message per run: every development not yet alerted, grouped by thread (never
one message per article), or every feed deactivated since the last feed-health
alert. A ledger table records what was sent, keyed by development (or by feed
and deactivation time), so a rerun, a retry or a recomputation that keeps a
development's id never alerts twice. Reading takes a transaction-level advisory
lock, so two workers never build the same message; the caller sends it and then
calls `mark_alerted`, which commits (and releases the lock). A send that fails
rolls back instead, and the next run tries again.

A development is alerted only once it is settled: once every document version
that could sit before it on its slot's timeline has been tracked. A slot's
developments are a replay of its observations in publication order, so a
version still waiting for the `track` stage (or being tracked by another worker
right now, uncommitted) that was published earlier may yet move the slot and
withdraw a development another worker has already written. The alert waits for
the tracking horizon, the publication time of the earliest version not yet
tracked, to pass the development, and for its slot to be replayed with every
tracked observation (a run replays the slots it marked at its end), which is
exact where a settle time would only
guess how slow a worker can be; and serialising tracking per slot would not do,
since the worker holding the earlier article may simply come second. The rows an
alert names are key-share locked until `mark_alerted` commits, so the tracker
never deletes one that is being sent (it marks it withdrawn instead).

The message is built here as plain text, HTML (everything from feeds escaped)
and a JSON payload; the Airflow side only sends it. Webhooks are POSTed through
the fetcher's transport, under the same address rules as fetching.
"""
from __future__ import annotations

import datetime as dt
import html
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import SplitResult, urlsplit

from psycopg2 import sql

from storywatch import __version__
from storywatch.errors import StorywatchError
from storywatch.settings import Settings
from storywatch.store.db import Connection, insert_rows
from storywatch.store.stagework import PENDING_IDS
from storywatch.tracking.stage import STAGE_NAME as TRACK_STAGE
from storywatch.tracking.stage import TrackStage
from storywatch.web.addresses import Resolver
from storywatch.web.fetch import Fetcher
from storywatch.web.transport import FetchError, parse_target

# Serialises alert building across workers ("swal").
ALERT_LOCK_KEY = 0x7377616C
# A first run over a backlog must not send a novel: the text lists this many per thread.
MAX_LISTED_PER_THREAD = 20
# ... and the JSON payload this many, with the count of the rest (a webhook is not a data dump).
MAX_PAYLOAD_PER_THREAD = 200
SAFE_SCHEMES = ("http://", "https://")
WEBHOOK_TIMEOUT = 15.0
WEBHOOK_MAX_REPLY = 64 * 1024

LOCK = "select pg_advisory_xact_lock(%s)"
PENDING_DEVELOPMENTS = sql.SQL("""
with untracked as ({pending}),  -- what the track stage's claim would take (store/stagework.py)
horizon as (
    select min(v.ordered_at) as earliest_untracked
    from document_versions as v
    where v.document_version_id in (select document_version_id from untracked)
)
select
    d.development_id,
    d.thread_slug,
    coalesce(t.title, d.thread_slug) as thread_title,
    d.slot,
    d.kind,
    d.value_text,
    d.previous_value_text,
    d.attributed_to,
    d.published_at,
    d.detected_at,
    d.url,
    d.title,
    d.source,
    d.evidence
from v_developments as d
left join threads as t on t.slug = d.thread_slug
cross join horizon as h
where d.status <> 'dismissed'
  and (h.earliest_untracked is null or d.ordered_at < h.earliest_untracked)
  and not exists (  -- tracked observations its slot has not been replayed with yet
      select 1 from thread_slots as s join threads as st on st.thread_id = s.thread_id
      where st.slug = d.thread_slug and s.slot = d.slot and s.replay_pending
  )
  and not exists (
      select 1 from alerted_developments as a where a.development_id = d.development_id
  )
order by d.thread_slug, coalesce(d.published_at, d.detected_at), d.development_id
""").format(pending=sql.SQL(PENDING_IDS))
# The named rows, locked until the ledger records them; one deleted meanwhile is left out.
HOLD_DEVELOPMENTS = """
select development_id from developments where development_id = any(%s) for key share
"""
RECORD_DEVELOPMENTS = """
insert into alerted_developments (development_id, channels) values %s
on conflict (development_id) do nothing
"""
PENDING_FEED_FAILURES = """
select f.feed_id, f.url, f.name, f.deactivated_at, f.deactivated_reason, f.error_count,
       f.last_error
from feeds as f
where not f.active
  and f.deactivated_at is not null
  and not exists (
      select 1 from alerted_feed_deactivations as a
      where a.feed_id = f.feed_id and a.deactivated_at = f.deactivated_at
  )
order by f.deactivated_at, f.feed_id
"""
RECORD_FEED_FAILURES = """
insert into alerted_feed_deactivations (feed_id, deactivated_at, channels) values %s
on conflict (feed_id, deactivated_at) do nothing
"""


@dataclass(frozen=True, slots=True)
class DevelopmentItem:
    """One development as an alert shows it."""

    development_id: int
    thread_slug: str
    thread_title: str
    slot: str
    kind: str
    value_text: str
    previous_value_text: str | None
    attributed_to: str | None
    published_at: dt.datetime | None
    detected_at: dt.datetime
    url: str | None
    title: str | None
    source: str | None
    evidence: str | None


@dataclass(frozen=True, slots=True)
class FeedFailure:
    """A feed that storywatch stopped polling."""

    feed_id: int
    url: str
    name: str | None
    deactivated_at: dt.datetime
    reason: str | None
    error_count: int
    last_error: str | None


@dataclass(frozen=True, slots=True)
class Alert:
    """One message, ready to send, and the ledger keys it covers."""

    kind: str  # "developments" or "feed_health"
    subject: str
    text: str
    html: str
    payload: dict[str, Any]
    keys: tuple[tuple[Any, ...], ...] = field(repr=False)


# -- building messages (pure) ----------------------------------------------------------------------
def _day(moment: dt.datetime | None) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%d") if moment else "undated"


def _moved(item: DevelopmentItem) -> str:
    if item.previous_value_text and item.previous_value_text != item.value_text:
        return f"{item.previous_value_text} \u2192 {item.value_text}"
    return item.value_text


def _one_line(text: str | None) -> str:
    """Feed text on one line: a title cannot forge extra lines of the message."""
    return " ".join(str(text or "").split())


def _safe_url(url: str | None) -> str | None:
    return url if url and url.lower().startswith(SAFE_SCHEMES) else None


def group_by_thread(items: Sequence[DevelopmentItem]) -> list[tuple[str, str, list[DevelopmentItem]]]:
    """(slug, title, developments) per thread, threads by slug, developments in the given order."""
    groups: dict[str, tuple[str, list[DevelopmentItem]]] = {}
    for item in items:
        groups.setdefault(item.thread_slug, (item.thread_title, []))[1].append(item)
    return [(slug, title, listed) for slug, (title, listed) in sorted(groups.items())]


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def build_development_alert(items: Sequence[DevelopmentItem]) -> Alert:
    """The message for `items`: subject, text, HTML and JSON payload, grouped by thread."""
    if not items:
        raise ValueError("an alert needs at least one development")
    groups = group_by_thread(items)
    subject = (f"storywatch: {_plural(len(items), 'development')} in "
               f"{_plural(len(groups), 'thread')}: " + ", ".join(slug for slug, _, _ in groups))
    text = [subject, ""]
    parts = [f"<h1>{html.escape(subject)}</h1>"]
    threads_payload = []
    for slug, title, listed in groups:
        text.append(f"{_one_line(title)} ({slug})")
        parts.append(f"<h2>{html.escape(_one_line(title))} <small>({html.escape(slug)})</small>"
                     "</h2><ul>")
        for item in listed[:MAX_LISTED_PER_THREAD]:
            who = ", ".join(x for x in (_one_line(item.source), _day(item.published_at)) if x)
            said = f" \u2014 {_one_line(item.attributed_to)}" if item.attributed_to else ""
            url = _safe_url(item.url)
            text.append(f"  * {item.slot} [{item.kind}]: {_one_line(_moved(item))}")
            text.append(f"    {who}{said}")
            if item.evidence:
                text.append(f"    \u201c{_one_line(item.evidence)}\u201d")
            if url:
                text.append(f"    {url}")
            link = (f' <a href="{html.escape(url, quote=True)}">{html.escape(_one_line(item.title) or "article")}</a>'
                    if url else "")
            parts.append(
                f"<li><b>{html.escape(item.slot)}</b> [{html.escape(item.kind)}]: "
                f"{html.escape(_one_line(_moved(item)))}<br>{html.escape(who + said)}{link}"
                + (f"<blockquote>{html.escape(_one_line(item.evidence))}</blockquote>"
                   if item.evidence else "") + "</li>")
        if len(listed) > MAX_LISTED_PER_THREAD:
            more = len(listed) - MAX_LISTED_PER_THREAD
            text.append(f"  ... and {more} more (storywatch developments --thread {slug})")
            parts.append(f"<li>\u2026 and {more} more</li>")
        text.append("")
        parts.append("</ul>")
        threads_payload.append({
            "slug": slug,
            "title": title,
            "count": len(listed),
            "omitted": max(len(listed) - MAX_PAYLOAD_PER_THREAD, 0),
            "developments": [_development_json(item) for item in listed[:MAX_PAYLOAD_PER_THREAD]],
        })
    payload = {"kind": "developments", "storywatch": __version__, "subject": subject,
               "text": "\n".join(text).rstrip() + "\n", "threads": threads_payload}
    return Alert("developments", subject, payload["text"], "\n".join(parts), payload,
                 tuple((item.development_id,) for item in items))


def _development_json(item: DevelopmentItem) -> dict[str, Any]:
    return {
        "development_id": item.development_id,
        "slot": item.slot,
        "kind": item.kind,
        "value_text": item.value_text,
        "previous_value_text": item.previous_value_text,
        "attributed_to": item.attributed_to,
        "published_at": item.published_at.isoformat() if item.published_at else None,
        "detected_at": item.detected_at.isoformat(),
        "url": item.url,
        "title": item.title,
        "source": item.source,
        "evidence": item.evidence,
    }


def build_feed_health_alert(failures: Sequence[FeedFailure]) -> Alert:
    """The message saying which feeds were deactivated, and why."""
    if not failures:
        raise ValueError("an alert needs at least one feed")
    subject = f"storywatch: {_plural(len(failures), 'feed')} deactivated after repeated failures"
    text = [subject, ""]
    parts = [f"<h1>{html.escape(subject)}</h1><ul>"]
    for failure in failures:
        label = _one_line(failure.name) or failure.url
        why = _one_line(failure.reason or failure.last_error) or "repeated failures"
        text += [f"  * {label}: {why} ({_plural(failure.error_count, 'failure')}, "
                 f"{failure.deactivated_at:%Y-%m-%d %H:%M} UTC)", f"    {failure.url}"]
        parts.append(f"<li><b>{html.escape(label)}</b>: {html.escape(why)}<br>"
                     f"<code>{html.escape(failure.url)}</code></li>")
    text += ["", "Fix the feed and re-add it: storywatch feeds add URL"]
    parts.append("</ul><p>Fix the feed and re-add it: <code>storywatch feeds add URL</code></p>")
    payload = {
        "kind": "feed_health", "storywatch": __version__, "subject": subject,
        "text": "\n".join(text) + "\n",
        "feeds": [{"feed_id": f.feed_id, "url": f.url, "name": f.name,
                   "deactivated_at": f.deactivated_at.isoformat(), "reason": f.reason,
                   "error_count": f.error_count, "last_error": f.last_error}
                  for f in failures],
    }
    return Alert("feed_health", subject, payload["text"], "\n".join(parts), payload,
                 tuple((f.feed_id, f.deactivated_at) for f in failures))


# -- the database -------------------------------------------------------------------------------------
def read_development_alert(conn: Connection) -> Alert | None:
    """The message for every settled development not yet alerted (None if none); holds the lock."""
    with conn.cursor() as cur:
        cur.execute(LOCK, (ALERT_LOCK_KEY,))
        cur.execute(PENDING_DEVELOPMENTS, {"stage": TRACK_STAGE,
                                           "stage_version": TrackStage().version,
                                           "only_ids": None})
        items = [DevelopmentItem(*row) for row in cur.fetchall()]
        if items:
            cur.execute(HOLD_DEVELOPMENTS, ([item.development_id for item in items],))
            held = {int(row[0]) for row in cur.fetchall()}
            items = [item for item in items if item.development_id in held]
    if not items:
        conn.rollback()
        return None
    return build_development_alert(items)


def read_feed_health_alert(conn: Connection) -> Alert | None:
    """The message for every feed deactivation not yet alerted (None when there is none)."""
    with conn.cursor() as cur:
        cur.execute(LOCK, (ALERT_LOCK_KEY,))
        cur.execute(PENDING_FEED_FAILURES)
        failures = [FeedFailure(*row) for row in cur.fetchall()]
    if not failures:
        conn.rollback()
        return None
    return build_feed_health_alert(failures)


def mark_alerted(conn: Connection, alert: Alert, channels: Sequence[str]) -> int:
    """Record that `alert` went out through `channels`; commit; rows recorded."""
    sent = ",".join(channels) or "log"
    sql = RECORD_DEVELOPMENTS if alert.kind == "developments" else RECORD_FEED_FAILURES
    insert_rows(conn, sql, [(*key, sent) for key in alert.keys])
    conn.commit()
    return len(alert.keys)


# -- sending a webhook --------------------------------------------------------------------------------
class WebhookError(StorywatchError):
    """The webhook refused the alert or could not be reached."""


def post_webhook(settings: Settings, url: str, payload: dict[str, Any], *,
                 resolver: Resolver | None = None,
                 tls_context: Any = None) -> int:
    """POST `payload` as JSON to `url` under the fetcher's address rules; the HTTP status.

    Redirects are not followed (a webhook that moved is a configuration error),
    and only a 2xx answer counts as delivered.
    """
    shown = redact_webhook(url)
    fetcher = Fetcher(settings, resolver=resolver, total_timeout=WEBHOOK_TIMEOUT,
                      tls_context=tls_context)
    body = json.dumps(payload, ensure_ascii=False, default=str).encode("utf-8")
    try:
        target = parse_target(url.strip())
        addresses = fetcher.check_addresses(target)
        reply = fetcher.transport.get(
            target, addresses,
            {"User-Agent": fetcher.user_agent, "Content-Type": "application/json; charset=utf-8",
             "Accept": "*/*", "Connection": "close"},
            time.monotonic() + WEBHOOK_TIMEOUT, WEBHOOK_MAX_REPLY, False, method="POST", body=body)
    except FetchError as exc:
        reason = str(exc).replace(url.strip(), shown)
        raise WebhookError(f"the alert webhook {shown} was not called: {reason}") from exc
    if not 200 <= reply.status < 300:
        raise WebhookError(f"the alert webhook {shown} answered HTTP {reply.status} "
                           "(expected 2xx)")
    return reply.status


def redact_webhook(url: str) -> str:
    """The webhook URL without its path, query or credentials (which often hold its secret)."""
    parts = urlsplit(url.strip())
    host = parts.hostname or "?"
    port = f":{parts.port}" if _has_port(parts) else ""
    return f"{parts.scheme}://{host}{port}/…"


def _has_port(parts: SplitResult) -> bool:
    try:
        return parts.port is not None
    except ValueError:
        return False
