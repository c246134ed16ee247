"""A thread's timeline as inline SVG: a chart per quantity slot, a row of spans per status slot.

Quantity charts show every observation: a corroboration as a small hollow
dot, a development as a large mark (a conflict in orange, a dismissed one
grey and hollow), a stated range ("169,000-190,000") as a translucent band
from its low to its high end, a bound ("more than", "up to") as a tick
pointing the open way, and the slot's path (the developments that moved it)
as a dashed step line. Status rows colour each state from the development
that set it to the next one; conflicts are orange ticks above the row,
corroborations small grey ticks below it. All charts of a thread share one
time axis so they line up. Every text is escaped: labels come from feeds.
"""
from __future__ import annotations

import datetime as dt
import html
from collections.abc import Sequence
from dataclasses import dataclass

from storywatch.tracking.observations import format_number

MOVES = ("new", "update", "revision")
DEVELOPMENT_BLUE = "#2b6cb0"
CONFLICT_ORANGE = "#dd6b20"
DISMISSED_GREY = "#a0aec0"
RANGE_BAND = "#90cdf4"
# Colours of a status slot's states, in the order they first appear.
STATE_COLOURS = ("#3182ce", "#38a169", "#d69e2e", "#e53e3e", "#805ad5", "#319795", "#dd6b20",
                 "#718096")
WIDTH, LEFT, RIGHT = 560, 70, 16
QUANTITY_HEIGHT, TOP, BOTTOM = 150, 12, 28
STATUS_HEIGHT, ROW_TOP, ROW_HEIGHT = 74, 14, 22


@dataclass(frozen=True, slots=True)
class Mark:
    """One observation of a slot on the timeline."""

    at: dt.datetime
    value_text: str
    num: float | None
    low: float | None
    qualifier: str | None
    label: str
    kind: str | None  # the development's kind; None for a corroboration
    status: str | None  # the development's review status; None for a corroboration

    @property
    def is_development(self) -> bool:
        return self.kind is not None

    @property
    def moves_slot(self) -> bool:
        """True when this development set the slot's value (and was not dismissed)."""
        return self.kind in MOVES and self.status != "dismissed"


@dataclass(frozen=True, slots=True)
class Axis:
    """The time axis shared by a thread's charts."""

    start: dt.datetime
    end: dt.datetime

    @classmethod
    def around(cls, marks: Sequence[Mark]) -> Axis:
        start, end = min(m.at for m in marks), max(m.at for m in marks)
        if end - start < dt.timedelta(days=2):
            start, end = start - dt.timedelta(days=1), end + dt.timedelta(days=1)
        # Room after the last observation, so that a state set last still shows as a span.
        return cls(start, end + max((end - start) * 0.08, dt.timedelta(days=1)))

    def x(self, moment: dt.datetime) -> float:
        span = (self.end - self.start).total_seconds()
        return LEFT + (moment - self.start).total_seconds() / span * (WIDTH - LEFT - RIGHT)


def _h(value: object) -> str:
    return html.escape(str(value), quote=True)


def _tip(mark: Mark) -> str:
    what = mark.kind or "corroboration"
    status = f", {mark.status}" if mark.status and mark.status != "open" else ""
    return f"<title>{_h(f'{what}{status}: {mark.label}')}</title>"


def _dates(axis: Axis, height: int) -> list[str]:
    return [
        f'<text x="{LEFT}" y="{height - 8}" font-size="11">{_h(axis.start.date())}</text>',
        f'<text x="{WIDTH - RIGHT}" y="{height - 8}" text-anchor="end" font-size="11">'
        f"{_h(axis.end.date())}</text>",
    ]


def render_quantity(slot: str, marks: Sequence[Mark], axis: Axis) -> str:
    """The SVG chart of a quantity slot's observations."""
    figures = [m for m in marks if m.num is not None]
    if not figures:
        return ""
    high = max(m.num for m in figures if m.num is not None) * 1.15 or 1.0
    bottom_y = QUANTITY_HEIGHT - BOTTOM

    def y(value: float) -> float:
        return TOP + (1 - value / high) * (bottom_y - TOP)

    shapes = [
        f'<line x1="{LEFT}" y1="{bottom_y}" x2="{WIDTH - RIGHT}" y2="{bottom_y}" stroke="#999"/>',
        f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{bottom_y}" stroke="#999"/>',
        f'<text x="{LEFT - 6}" y="{y(high / 1.15) + 4:.1f}" text-anchor="end" font-size="11">'
        f"{_h(format_number(high / 1.15))}</text>",
        f'<text x="{LEFT - 6}" y="{bottom_y + 4}" text-anchor="end" font-size="11">0</text>',
        *_dates(axis, QUANTITY_HEIGHT),
    ]
    for m in figures:  # bands first, so the marks stay on top
        if m.qualifier == "range" and m.low is not None and m.num is not None:
            top, low = y(m.num), y(m.low)
            shapes.append(f'<rect class="range" x="{axis.x(m.at) - 5:.1f}" y="{top:.1f}" '
                          f'width="10" height="{max(low - top, 1):.1f}" fill="{RANGE_BAND}" '
                          f'fill-opacity="0.55">{_tip(m)}</rect>')
    path = [m for m in figures if m.moves_slot]
    if len(path) > 1:
        points = []
        for before, after in zip(path, path[1:], strict=False):
            points += [f"{axis.x(before.at):.1f},{y(before.num or 0):.1f}",
                       f"{axis.x(after.at):.1f},{y(before.num or 0):.1f}"]
        points.append(f"{axis.x(path[-1].at):.1f},{y(path[-1].num or 0):.1f}")
        shapes.append(f'<polyline class="path" points="{" ".join(points)}" fill="none" '
                      f'stroke="{DEVELOPMENT_BLUE}" stroke-dasharray="3,3"/>')
    for m in figures:
        cx, cy = axis.x(m.at), y(m.num or 0)
        if m.qualifier in ("at_least", "at_most"):
            tip_y = cy - 9 if m.qualifier == "at_least" else cy + 9
            shapes.append(f'<line x1="{cx:.1f}" y1="{cy:.1f}" x2="{cx:.1f}" y2="{tip_y:.1f}" '
                          f'stroke="#4a5568"/>')
        if not m.is_development:
            shapes.append(f'<circle class="corroboration" cx="{cx:.1f}" cy="{cy:.1f}" r="2.5" '
                          f'fill="#fff" stroke="#4a5568">{_tip(m)}</circle>')
            continue
        colour = CONFLICT_ORANGE if m.kind == "conflict" else DEVELOPMENT_BLUE
        if m.status == "dismissed":
            shapes.append(f'<circle class="development dismissed" cx="{cx:.1f}" cy="{cy:.1f}" '
                          f'r="5" fill="#fff" stroke="{DISMISSED_GREY}" stroke-width="2">'
                          f"{_tip(m)}</circle>")
        else:
            shapes.append(f'<circle class="development kind-{_h(m.kind)}" cx="{cx:.1f}" '
                          f'cy="{cy:.1f}" r="5.5" fill="{colour}" stroke="#fff">{_tip(m)}</circle>')
    return _svg(slot, QUANTITY_HEIGHT, shapes)


def status_colours(marks: Sequence[Mark]) -> dict[str, str]:
    """A colour per state, in the order the states were first set."""
    colours: dict[str, str] = {}
    for m in marks:
        if m.moves_slot and m.value_text not in colours:
            colours[m.value_text] = STATE_COLOURS[len(colours) % len(STATE_COLOURS)]
    return colours


def render_status(slot: str, marks: Sequence[Mark], axis: Axis) -> str:
    """The SVG row of a status slot: each state a coloured span until the next one."""
    moves = [m for m in marks if m.moves_slot]
    colours = status_colours(marks)
    shapes = [*_dates(axis, STATUS_HEIGHT)]
    row_end = axis.x(axis.end)
    for i, m in enumerate(moves):
        start = axis.x(m.at)
        end = axis.x(moves[i + 1].at) if i + 1 < len(moves) else row_end
        width = max(end - start, 2.0)
        shapes.append(f'<rect class="span" data-state="{_h(m.value_text)}" x="{start:.1f}" '
                      f'y="{ROW_TOP}" width="{width:.1f}" height="{ROW_HEIGHT}" '
                      f'fill="{colours[m.value_text]}">{_tip(m)}</rect>')
        if width > 7 * len(m.value_text):
            shapes.append(f'<text x="{start + 4:.1f}" y="{ROW_TOP + 15}" font-size="11" '
                          f'fill="#fff">{_h(m.value_text)}</text>')
    for m in marks:
        x = axis.x(m.at)
        if m.kind == "conflict" or (m.is_development and m.status == "dismissed"):
            colour = DISMISSED_GREY if m.status == "dismissed" else CONFLICT_ORANGE
            shapes.append(f'<path class="development kind-{_h(m.kind)}" d="M{x - 5:.1f},'
                          f'{ROW_TOP - 9} L{x + 5:.1f},{ROW_TOP - 9} L{x:.1f},{ROW_TOP - 1} Z" '
                          f'fill="{colour}">{_tip(m)}</path>')
        elif not m.is_development:
            shapes.append(f'<line class="corroboration" x1="{x:.1f}" y1="{ROW_TOP + ROW_HEIGHT + 2}"'
                          f' x2="{x:.1f}" y2="{ROW_TOP + ROW_HEIGHT + 7}" stroke="#4a5568">'
                          f"{_tip(m)}</line>")
    return _svg(slot, STATUS_HEIGHT, shapes)


def _svg(slot: str, height: int, shapes: list[str]) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
            f'viewBox="0 0 {WIDTH} {height}" role="img" aria-label="{_h(slot)} over time">'
            + "".join(shapes) + "</svg>")
