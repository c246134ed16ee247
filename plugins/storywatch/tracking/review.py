"""What analysts do with developments: list them, confirm them, dismiss them.

Listing reads `v_developments` (so JSON and CSV keys are the view's column
names). A review is a row in `development_reviews` with who and when; the
latest review is the development's status. Dismissing a development replays
its slot at once, so the dismissed value stops being the slot's state.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from storywatch.errors import StorywatchError
from storywatch.store.db import Connection

LIST_DEVELOPMENTS = """
select * from v_developments
where (%(thread)s::text is null or thread_slug = %(thread)s)
  and (%(since)s::timestamptz is null or coalesce(published_at, ordered_at) >= %(since)s)
  and (%(all)s or status <> 'dismissed')
order by ordered_at, development_id
"""
THREAD_EXISTS = "select 1 from threads where slug = %s"
DEVELOPMENT = """
select dev.development_id, dev.thread_slot_id, dev.withdrawn_at
from developments as dev where dev.development_id = %s
"""
INSERT_REVIEW = """
insert into development_reviews (development_id, action, reason, reviewed_by)
values (%s, %s, %s, %s)
returning development_review_id, reviewed_at
"""
LATEST_REVIEW = """
select action, reason, reviewed_by from development_reviews
where development_id = %s order by reviewed_at desc, development_review_id desc limit 1
"""
FORMATS = ("table", "json", "csv")


@dataclass(frozen=True, slots=True)
class Listing:
    """Rows of `v_developments` with the view's column names."""

    columns: tuple[str, ...]
    rows: tuple[dict[str, Any], ...]


def list_developments(conn: Connection, *, thread: str | None = None,
                      since: dt.datetime | None = None,
                      include_dismissed: bool = False) -> Listing:
    """Developments in publication order, dismissed ones only when asked for."""
    with conn.cursor() as cur:
        if thread is not None:
            cur.execute(THREAD_EXISTS, (thread,))
            if cur.fetchone() is None:
                raise StorywatchError(f"no thread '{thread}': run `storywatch threads sync`, "
                                      "or check the slug in seeds/threads.yml")
        cur.execute(LIST_DEVELOPMENTS, {"thread": thread, "since": since,
                                        "all": include_dismissed})
        columns = tuple(d[0] for d in cur.description or ())
        rows = tuple(dict(zip(columns, row, strict=True)) for row in cur.fetchall())
    conn.rollback()
    return Listing(columns, rows)


def render(listing: Listing, fmt: str) -> str:
    """The listing as a terminal table, JSON (a list of objects) or CSV."""
    if fmt == "json":
        return json.dumps([{k: _plain(v) for k, v in row.items()} for row in listing.rows],
                          indent=2, ensure_ascii=False) + "\n"
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=list(listing.columns), lineterminator="\n")
        writer.writeheader()
        for row in listing.rows:
            writer.writerow({k: _plain(v) for k, v in row.items()})
        return out.getvalue()
    return render_table(listing.rows)


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return value


def render_table(rows: Sequence[dict[str, Any]]) -> str:
    """Developments as short blocks a person reads in a terminal."""
    if not rows:
        return "no developments\n"
    blocks = []
    for row in rows:
        moved = row["value_text"]
        if row["previous_value_text"]:
            moved = f"{row['previous_value_text']} \u2192 {row['value_text']}"
        when = row["published_at"] or row["ordered_at"]
        day = when.strftime("%Y-%m-%d %H:%M") if when else "undated"
        status = "" if row["status"] == "open" else f" [{row['status']}]"
        who = row["attributed_to"] or "unattributed"
        where = row["source"] or row["url"] or row["identity"]
        credit = where if who == where else f"{who} \u00b7 {where}"  # the outlet's own voice
        lines = [
            f"#{row['development_id']} {row['thread_slug']} / {row['slot']}: "
            f"{row['kind'].upper()} {moved}{status}",
            f"    {credit} \u00b7 {day}",
        ]
        lines += textwrap.wrap(f"\u201c{row['evidence']}\u201d", width=96,
                               initial_indent="    ", subsequent_indent="    ")
        if row["url"]:
            lines.append(f"    {row['url']}")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"


class UnknownDevelopment(StorywatchError):
    """The development to review does not exist."""


@dataclass(frozen=True, slots=True)
class Review:
    """A recorded review."""

    development_id: int
    action: str
    reviewed_by: str
    reviewed_at: dt.datetime
    recorded: bool


def review_development(conn: Connection, development_id: int, action: str, *,
                       reviewed_by: str, reason: str | None = None) -> Review:
    """Confirm, dismiss or reopen a development (who and when kept); replay its slot; commit."""
    from storywatch.tracking.stage import recompute_slot

    if action not in ("confirm", "dismiss", "reopen"):
        raise ValueError(f"unknown review action {action!r}")
    if action == "dismiss" and not (reason and reason.strip()):
        raise StorywatchError("dismissing needs a reason (--reason TEXT): it is kept with it")
    if not reviewed_by.strip():
        raise StorywatchError("say who reviews (--by NAME, or set $USER)")
    try:
        with conn.cursor() as cur:
            cur.execute(DEVELOPMENT, (development_id,))
            row = cur.fetchone()
            if row is None:
                raise UnknownDevelopment(f"no development {development_id}")
            slot_id = int(row[1])
            cur.execute(LATEST_REVIEW, (development_id,))
            latest = cur.fetchone()
            if latest is not None and tuple(latest) == (action, reason, reviewed_by):
                conn.rollback()  # the same review again records nothing new
                return Review(development_id, action, reviewed_by,
                              dt.datetime.now(dt.UTC), recorded=False)
            cur.execute(INSERT_REVIEW, (development_id, action, reason, reviewed_by))
            _, reviewed_at = cur.fetchone()  # type: ignore[misc]
        recompute_slot(conn, slot_id)
    except BaseException:
        conn.rollback()
        raise
    conn.commit()
    return Review(development_id, action, reviewed_by, reviewed_at, recorded=True)


SLOT_STATES = """
select thread_slug, thread_title, slot, value_text, since, source_count
from v_thread_state order by thread_slug, slot
"""


def render_paths(conn: Connection) -> str:
    """Each thread slot's path through its developments, e.g. "100,000 -> more than 130,000"."""
    listing = list_developments(conn)
    with conn.cursor() as cur:
        cur.execute(SLOT_STATES)
        slots = cur.fetchall()
    conn.rollback()
    lines: list[str] = []
    current_thread = None
    for slug, title, slot, value, since, sources in slots:
        if slug != current_thread:
            lines.append(f"{slug}: {title}")
            current_thread = slug
        moves = [row for row in listing.rows if row["thread_slug"] == slug and row["slot"] == slot
                 and row["kind"] in ("new", "update", "revision")]
        path = " \u2192 ".join(str(row["value_text"]) for row in moves) or "(nothing yet)"
        conflicts = sum(1 for row in listing.rows if row["thread_slug"] == slug
                        and row["slot"] == slot and row["kind"] == "conflict")
        now = (f"now {value} since {since:%Y-%m-%d}, {sources} source(s)" if value
               else "no value yet")
        extra = f", {conflicts} conflict(s)" if conflicts else ""
        lines.append(f"  {slot}: {path}   [{now}{extra}]")
    return "\n".join(lines) + "\n"
