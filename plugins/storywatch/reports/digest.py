"""Digests: one thread's state and developments as Markdown or HTML, and the daily set.

The HTML version is a single self-contained file with a small inline SVG chart
of each quantity slot over time (no script, no external resource). Everything
that came from a feed (titles, sources, evidence, URLs) is escaped.

`storywatch digest --thread SLUG --out FILE` writes one digest on request;
`write_daily_digests` writes all of them for a day, as `DAY/SLUG.html` and
`DAY/SLUG.md` under the digests folder (STORYWATCH_DIGESTS_DIR): each thread as
it stands that day, every slot's state and all its developments, newest first,
with the charts. A snapshot rather than "the last 24 hours", because an article
published days ago may be ingested today, and its developments must not fall
between two digests. Files are written under a temporary name and renamed, so a
reader never opens half a digest and a rerun replaces the day's files.
"""
from __future__ import annotations

import datetime as dt
import html
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from storywatch.errors import StorywatchError
from storywatch.store.db import Connection
from storywatch.tracking.observations import format_number
from storywatch.tracking.review import list_developments

THREAD = "select slug, title, description from threads where slug = %s"
STATE = """
select slot, slot_type, unit, value_text, since, source_count, attributed_to, source, url
from v_thread_state where thread_slug = %s order by slot
"""
TIMELINE = """
select slot, ordered_at, value_num, value_low, qualifier, value_text, development_id,
       attributed_to, source
from v_thread_timeline
where thread_slug = %(thread)s
  and value_num is not null
  and (%(since)s::timestamptz is null or ordered_at >= %(since)s)
order by slot, timeline_position
"""
SAFE_SCHEMES = ("http://", "https://")


@dataclass(frozen=True, slots=True)
class Point:
    """One observed figure on a chart."""

    at: dt.datetime
    num: float
    low: float | None
    qualifier: str | None
    label: str
    is_development: bool


@dataclass(frozen=True, slots=True)
class DigestData:
    """Everything a digest shows."""

    slug: str
    title: str
    description: str
    since: dt.datetime | None
    state: tuple[dict[str, Any], ...]
    developments: tuple[dict[str, Any], ...]
    series: dict[str, tuple[Point, ...]]
    generated_at: dt.datetime


def read_digest(conn: Connection, thread: str, since: dt.datetime | None) -> DigestData:
    """Collect a thread's state, developments and quantity series."""
    with conn.cursor() as cur:
        cur.execute(THREAD, (thread,))
        row = cur.fetchone()
        if row is None:
            raise StorywatchError(f"no thread '{thread}': run `storywatch threads sync`")
        slug, title, description = row
        cur.execute(STATE, (thread,))
        names = [d[0] for d in cur.description or ()]
        state = tuple(dict(zip(names, r, strict=True)) for r in cur.fetchall())
        cur.execute(TIMELINE, {"thread": thread, "since": since})
        series: dict[str, list[Point]] = {}
        for slot, at, num, low, qualifier, text, dev_id, who, source in cur.fetchall():
            label = f"{text} ({who or source or 'unattributed'}, {at:%Y-%m-%d})"
            series.setdefault(slot, []).append(
                Point(at, float(num), float(low) if low is not None else None, qualifier,
                      label, dev_id is not None))
    developments = list_developments(conn, thread=thread, since=since).rows
    return DigestData(slug, title, description, since, state, tuple(developments),
                      {k: tuple(v) for k, v in series.items()}, dt.datetime.now(dt.UTC))


def write_digest(conn: Connection, thread: str, out: Path,
                 since: dt.datetime | None = None) -> Path:
    """Write the digest to `out`, as HTML for .html/.htm, else Markdown."""
    data = read_digest(conn, thread, since)
    suffix = out.suffix.lower()
    if suffix in (".html", ".htm"):
        text = render_html(data)
    elif suffix in (".md", ".markdown", ".txt"):
        text = render_markdown(data)
    else:
        raise StorywatchError(f"{out.name}: the digest is written as .md or .html")
    out.write_text(text, encoding="utf-8")
    return out


def _day(moment: dt.datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "undated"


def _moved(row: dict[str, Any]) -> str:
    if row["previous_value_text"]:
        return f"{row['previous_value_text']} \u2192 {row['value_text']}"
    return str(row["value_text"])


# --- Markdown ------------------------------------------------------------------------


def _md(text: Any) -> str:
    """Text from feeds made inert in Markdown (no links, emphasis or HTML)."""
    value = html.escape(str(text if text is not None else ""), quote=False)
    for char in "\\`*_[]<>#|":
        value = value.replace(char, "\\" + char)
    return " ".join(value.split())


def render_markdown(data: DigestData) -> str:
    """The digest as Markdown."""
    lines = [f"# {_md(data.title)} (`{data.slug}`)", ""]
    if data.description:
        lines += [_md(data.description), ""]
    window = f" since {_day(data.since)}" if data.since else ""
    lines += [f"Generated {_day(data.generated_at)}{window}.", "", "## Where things stand", "",
              "| slot | value | since | sources |", "|---|---|---|---|"]
    for row in data.state:
        lines.append(f"| {row['slot']} | {_md(row['value_text'] or '(nothing yet)')} | "
                     f"{_day(row['since']) if row['since'] else ''} | "
                     f"{row['source_count'] or ''} |")
    lines += ["", "## Developments", ""]
    if not data.developments:
        lines.append("No developments in this period.")
    for row in reversed(data.developments):
        link = row["url"] if row["url"] and str(row["url"]).startswith(SAFE_SCHEMES) else None
        source = _md(row["source"] or row["identity"])
        lines += [
            f"- **{row['slot']}**, {row['kind']}: {_md(_moved(row))} "
            f"({_md(row['attributed_to'] or 'unattributed')}; {source}; "
            f"{_day(row['published_at'] or row['ordered_at'])})",
            f"  > {_md(row['evidence'])}",
        ]
        if link:
            lines.append(f"  <{_md(link)}>")
    return "\n".join(lines) + "\n"


# --- HTML ----------------------------------------------------------------------------

CSS = """
body{font:15px/1.45 system-ui,sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem;color:#222}
h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:2rem}table{border-collapse:collapse}
td,th{border-bottom:1px solid #ddd;padding:.3rem .6rem;text-align:left;vertical-align:top}
blockquote{margin:.3rem 0 0 0;padding-left:.7rem;border-left:3px solid #bbb;color:#444}
.dev{margin:1rem 0}.kind{font-variant:small-caps;font-weight:600}.meta{color:#666;font-size:.9em}
svg{display:block;margin:.5rem 0 1rem 0}
"""


def _h(text: Any) -> str:
    return html.escape(str(text if text is not None else ""), quote=True)


def render_html(data: DigestData) -> str:
    """The digest as one self-contained HTML page with an SVG chart per quantity slot."""
    parts = [
        "<!doctype html>", '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{_h(data.title)} \u2014 storywatch digest</title>",
        f"<style>{CSS}</style></head><body>",
        f"<h1>{_h(data.title)} <small><code>{_h(data.slug)}</code></small></h1>",
    ]
    if data.description:
        parts.append(f"<p>{_h(data.description)}</p>")
    window = f" since {_h(_day(data.since))}" if data.since else ""
    parts.append(f'<p class="meta">Generated {_h(_day(data.generated_at))}{window}.</p>')
    parts += ["<h2>Where things stand</h2>",
              "<table><tr><th>slot</th><th>value</th><th>since</th><th>sources</th></tr>"]
    for row in data.state:
        parts.append(
            f"<tr><td>{_h(row['slot'])}</td><td>{_h(row['value_text'] or '(nothing yet)')}</td>"
            f"<td>{_h(_day(row['since']) if row['since'] else '')}</td>"
            f"<td>{_h(row['source_count'] or '')}</td></tr>")
    parts.append("</table>")
    charted = [row for row in data.state if row["slot_type"] == "quantity"]
    if charted:
        parts.append("<h2>Over time</h2>")
    for row in charted:
        points = data.series.get(row["slot"], ())
        parts.append(f"<h3>{_h(row['slot'])} ({_h(row['unit'] or '')})</h3>")
        parts.append(render_chart(row["slot"], points) if points else
                     "<p class=\"meta\">No figures yet.</p>")
    parts.append("<h2>Developments</h2>")
    if not data.developments:
        parts.append("<p>No developments in this period.</p>")
    for row in reversed(data.developments):
        url = str(row["url"] or "")
        link = (f' \u00b7 <a href="{_h(url)}" rel="noopener noreferrer">article</a>'
                if url.startswith(SAFE_SCHEMES) else "")
        parts.append(
            f'<div class="dev"><span class="kind">{_h(row["kind"])}</span> '
            f"<b>{_h(row['slot'])}</b>: {_h(_moved(row))}"
            f'<div class="meta">{_h(row["attributed_to"] or "unattributed")} \u00b7 '
            f"{_h(row['source'] or row['identity'])} \u00b7 "
            f"{_h(_day(row['published_at'] or row['ordered_at']))}{link}</div>"
            f"<blockquote>{_h(row['evidence'])}</blockquote></div>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def render_chart(slot: str, points: Sequence[Point], *, width: int = 560,
                 height: int = 180) -> str:
    """An inline SVG of a slot's figures over time: ranges as bars, bounds as arrows."""
    left, right, top, bottom = 64, 16, 12, 28
    times = [p.at.timestamp() for p in points]
    t0, t1 = min(times), max(times)
    if t1 == t0:
        t0, t1 = t0 - 86400, t1 + 86400
    high = max(p.num for p in points) * 1.15 or 1.0

    def x(moment: dt.datetime) -> float:
        return left + (moment.timestamp() - t0) / (t1 - t0) * (width - left - right)

    def y(value: float) -> float:
        return top + (1 - value / high) * (height - top - bottom)

    shapes = [
        f'<line x1="{left}" y1="{y(0):.1f}" x2="{width - right}" y2="{y(0):.1f}" stroke="#999"/>',
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{y(0):.1f}" stroke="#999"/>',
        f'<text x="{left - 6}" y="{y(high / 1.15) + 4:.1f}" text-anchor="end" font-size="11">'
        f"{_h(format_number(high / 1.15))}</text>",
        f'<text x="{left - 6}" y="{y(0) + 4:.1f}" text-anchor="end" font-size="11">0</text>',
        f'<text x="{left}" y="{height - 8}" font-size="11">{_h(points[0].at.date())}</text>',
        f'<text x="{width - right}" y="{height - 8}" text-anchor="end" font-size="11">'
        f"{_h(points[-1].at.date())}</text>",
    ]
    steps = [p for p in points if p.is_development]
    if len(steps) > 1:
        path = " ".join(f"{x(p.at):.1f},{y(p.num):.1f}" for p in steps)
        shapes.append(f'<polyline points="{path}" fill="none" stroke="#36c" '
                      'stroke-dasharray="3,3"/>')
    for p in points:
        cx, cy = x(p.at), y(p.num)
        fill = "#36c" if p.is_development else "#fff"
        tip = f"<title>{_h(p.label)}</title>"
        if p.qualifier == "range" and p.low is not None:
            shapes.append(f'<line x1="{cx:.1f}" y1="{y(p.low):.1f}" x2="{cx:.1f}" y2="{cy:.1f}" '
                          f'stroke="#36c" stroke-width="3">{tip}</line>')
        if p.qualifier == "at_least":
            shapes.append(f'<path d="M{cx - 5:.1f},{cy + 3:.1f} L{cx:.1f},{cy - 6:.1f} '
                          f'L{cx + 5:.1f},{cy + 3:.1f} Z" fill="{fill}" stroke="#36c">{tip}</path>')
        elif p.qualifier == "at_most":
            shapes.append(f'<path d="M{cx - 5:.1f},{cy - 3:.1f} L{cx:.1f},{cy + 6:.1f} '
                          f'L{cx + 5:.1f},{cy - 3:.1f} Z" fill="{fill}" stroke="#36c">{tip}</path>')
        else:
            shapes.append(f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="4" fill="{fill}" '
                          f'stroke="#36c">{tip}</circle>')
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" role="img" aria-label="{_h(slot)} over time">'
            + "".join(shapes) + "</svg>")


# --- the daily set ---------------------------------------------------------------------

ACTIVE_THREADS = "select slug from threads where is_active order by slug"
FORMATS = (".html", ".md")


def active_threads(conn: Connection) -> list[str]:
    """Slugs of the threads being followed."""
    with conn.cursor() as cur:
        cur.execute(ACTIVE_THREADS)
        slugs = [row[0] for row in cur.fetchall()]
    conn.rollback()
    return slugs


def write_daily_digests(conn: Connection, folder: Path, day: dt.date,
                        since: dt.datetime | None = None) -> list[Path]:
    """Write every active thread's digest for `day` into `folder/DAY/`; the files written.

    `since` limits the developments and charts to those published since then.
    """
    target = folder / day.isoformat()
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for slug in active_threads(conn):
        for suffix in FORMATS:
            final = target / f"{slug}{suffix}"
            with tempfile.TemporaryDirectory(dir=target, prefix=".writing-") as scratch:
                partial = write_digest(conn, slug, Path(scratch) / final.name, since)
                os.chmod(partial, 0o644)  # readable by the analyst, like any report
                partial.replace(final)
            written.append(final)
    return written
