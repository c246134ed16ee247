"""Thread timelines as SVG: every observation drawn, ranges as bands, conflicts apart, text escaped."""
from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET

from storywatch.reports import timeline
from storywatch.reports.dashboard import MATCH_END, MATCH_START, split_passage
from storywatch.reports.timeline import Axis, Mark

SVG = "{http://www.w3.org/2000/svg}"


def _at(day: int) -> dt.datetime:
    return dt.datetime(2022, 2, day, 12, tzinfo=dt.UTC)


def _mark(day: int, text: str, num: float | None = None, *, low: float | None = None,
          qualifier: str | None = None, kind: str | None = None,
          status: str | None = None) -> Mark:
    return Mark(_at(day), text, num, low, qualifier, f"{text} (someone, day {day})", kind,
                status if status or kind is None else "open")


TROOPS = (
    _mark(1, "about 100,000 troops", 100_000, qualifier="approx", kind="new"),
    _mark(3, "some 100,000 troops", 100_000, qualifier="approx"),
    _mark(5, "more than 130,000 troops", 130_000, qualifier="at_least", kind="update"),
    _mark(6, "70,000 troops", 70_000, kind="conflict"),
    _mark(7, "150,000 troops", 150_000, kind="update", status="dismissed"),
    _mark(9, "169,000–190,000 troops", 190_000, low=169_000, qualifier="range", kind="update"),
)


def _parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 - our own output, parsed to check it is well formed


def test_every_observation_is_on_the_quantity_chart() -> None:
    root = _parse(timeline.render_quantity("troop_estimate", TROOPS, Axis.around(TROOPS)))
    circles = root.findall(f"{SVG}circle")
    assert len(circles) == len(TROOPS)
    classes = [c.get("class") for c in circles]
    assert classes.count("corroboration") == 1
    small = next(c for c in circles if c.get("class") == "corroboration")
    assert float(small.get("r")) < min(float(c.get("r")) for c in circles if c is not small)
    conflict = next(c for c in circles if c.get("class") == "development kind-conflict")
    assert conflict.get("fill") == timeline.CONFLICT_ORANGE
    moved = [c for c in circles if c.get("class") == "development kind-update"]
    assert {c.get("fill") for c in moved} == {timeline.DEVELOPMENT_BLUE}
    dismissed = next(c for c in circles if "dismissed" in c.get("class"))
    assert dismissed.get("fill") == "#fff" and dismissed.get("stroke") == timeline.DISMISSED_GREY


def test_a_range_is_a_band_from_its_low_to_its_high_end() -> None:
    axis = Axis.around(TROOPS)
    root = _parse(timeline.render_quantity("troop_estimate", TROOPS, axis))
    (band,) = root.findall(f"{SVG}rect[@class='range']")
    ranged = next(c for c in root.findall(f"{SVG}circle") if "169,000" in c.find(f"{SVG}title").text)
    top, height = float(band.get("y")), float(band.get("height"))
    assert abs(top - float(ranged.get("cy"))) < 0.2  # the band reaches up to the figure
    assert height > 5  # and down to 169,000, not a line


def test_the_path_follows_the_moves_only() -> None:
    """The dashed step line joins new and update marks, never a conflict or a dismissed one."""
    root = _parse(timeline.render_quantity("troop_estimate", TROOPS, Axis.around(TROOPS)))
    (path,) = root.findall(f"{SVG}polyline")
    xs = {round(float(p.split(",")[0]), 1) for p in path.get("points").split()}
    circles = {c.find(f"{SVG}title").text: round(float(c.get("cx")), 1)
               for c in root.findall(f"{SVG}circle")}
    on_path = {title for title, x in circles.items() if x in xs}
    assert on_path == {t for t in circles if t.startswith(("new", "update:"))}


def test_status_slots_are_coloured_spans_until_the_next_state() -> None:
    marks = (
        _mark(1, "claimed", kind="new"),
        _mark(2, "claimed"),
        _mark(4, "disputed", kind="update"),
        _mark(5, "verified", kind="conflict"),
        _mark(6, "verified", kind="update", status="dismissed"),
    )
    axis = Axis.around(marks)
    root = _parse(timeline.render_status("withdrawal_claim", marks, axis))
    spans = root.findall(f"{SVG}rect[@class='span']")
    assert [s.get("data-state") for s in spans] == ["claimed", "disputed"]
    claimed, disputed = spans
    assert abs(float(claimed.get("x")) + float(claimed.get("width")) - float(disputed.get("x"))) < 0.2
    assert float(disputed.get("x")) + float(disputed.get("width")) == axis.x(axis.end)
    assert claimed.get("fill") != disputed.get("fill")
    assert timeline.status_colours(marks) == {"claimed": claimed.get("fill"),
                                              "disputed": disputed.get("fill")}
    ticks = root.findall(f"{SVG}path")
    assert [t.get("fill") for t in ticks] == [timeline.CONFLICT_ORANGE, timeline.DISMISSED_GREY]
    assert len(root.findall(f"{SVG}line[@class='corroboration']")) == 1


def test_the_last_state_set_still_shows() -> None:
    marks = (_mark(1, "threatened", kind="new"), _mark(24, "underway", kind="update"))
    root = _parse(timeline.render_status("invasion_status", marks, Axis.around(marks)))
    last = root.findall(f"{SVG}rect[@class='span']")[-1]
    assert last.get("data-state") == "underway" and float(last.get("width")) > 20


def test_text_from_feeds_is_escaped_in_the_svg() -> None:
    hostile = '<script>alert("x")</script> & co'
    marks = (Mark(_at(1), hostile, 5.0, None, None, hostile, "new", "open"),
             Mark(_at(2), hostile, None, None, None, hostile, "new", "open"))
    for svg in (timeline.render_quantity('slot"><script>', marks, Axis.around(marks)),
                timeline.render_status("slot", marks[1:], Axis.around(marks))):
        assert "<script" not in svg
        root = _parse(svg)
        assert any(hostile in (t.text or "") for t in root.iter(f"{SVG}title"))


def test_a_slot_without_figures_has_no_quantity_chart() -> None:
    marks = (_mark(1, "claimed", kind="new"),)
    assert timeline.render_quantity("slot", marks, Axis.around(marks)) == ""


def test_search_passages_split_at_the_marks_only() -> None:
    passage = f"troops {MATCH_START}massed{MATCH_END} near {MATCH_START}Belarus{MATCH_END}."
    assert split_passage(passage) == ("troops ", "massed", " near ", "Belarus", ".")
    assert split_passage("no match at all") == ("no match at all",)
    # A stray mark smuggled in by a feed only moves the highlighting.
    stray = f"a{MATCH_END}b {MATCH_START}c{MATCH_END}{MATCH_END} d"
    parts = split_passage(stray)
    assert "".join(parts) == "ab c d" and parts[1::2] == ("c",)
    assert not re.search(f"[{MATCH_START}{MATCH_END}]", "".join(split_passage(stray)))
