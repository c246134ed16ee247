"""Feed polling schedule and article revisit schedule."""
from __future__ import annotations

import datetime as dt

from storywatch.sources.schedule import (
    after_failure,
    after_success,
    next_revisit_at,
    revisit_interval,
)

NOW = dt.datetime(2022, 1, 19, 12, tzinfo=dt.UTC)
MIN = dt.timedelta(minutes=1)


def test_new_items_bring_the_next_poll_soon():
    schedule = after_success(NOW, dt.timedelta(hours=8), new_items=3)
    assert schedule.interval == 10 * MIN and schedule.next_poll_at == NOW + 10 * MIN


def test_nothing_new_doubles_the_interval_up_to_a_day():
    interval = 10 * MIN
    seen = []
    for _ in range(10):
        interval = after_success(NOW, interval, new_items=0).interval
        seen.append(interval)
    assert seen[:3] == [20 * MIN, 40 * MIN, 80 * MIN]
    assert seen[-1] == dt.timedelta(days=1) and max(seen) == dt.timedelta(days=1)


def test_publisher_hint_is_a_lower_bound_clamped_to_a_day():
    assert after_success(NOW, 10 * MIN, 5, hint=dt.timedelta(hours=2)).interval == dt.timedelta(hours=2)
    assert after_success(NOW, 10 * MIN, 5, hint=dt.timedelta(days=7)).interval == dt.timedelta(days=1)
    assert after_success(NOW, 10 * MIN, 5, hint=MIN).interval == 10 * MIN


def test_failures_back_off_and_deactivate_after_the_configured_count():
    waits = [after_failure(NOW, 30 * MIN, n, "HTTP 500", max_failures=5) for n in range(1, 6)]
    assert [w.next_poll_at - NOW for w in waits[:4]] == [15 * MIN, 30 * MIN, 60 * MIN, 120 * MIN]
    assert [w.deactivate_reason for w in waits[:4]] == [None] * 4
    assert waits[4].deactivate_reason == "5 failures in a row; last: HTTP 500"
    assert all(w.interval == 30 * MIN for w in waits)  # the normal pace is kept for a recovery
    assert after_failure(NOW, 30 * MIN, 40, "x", max_failures=50).next_poll_at == NOW + dt.timedelta(days=1)


def test_revisits_slow_down_with_age_then_stop():
    hour, day = dt.timedelta(hours=1), dt.timedelta(days=1)
    assert revisit_interval(2 * hour) == 15 * MIN
    assert revisit_interval(5 * hour) == hour
    assert revisit_interval(3 * day) == 4 * hour
    assert revisit_interval(20 * day) == day
    assert revisit_interval(31 * day) is None
    assert next_revisit_at(NOW - 2 * hour, NOW) == NOW + 15 * MIN
    assert next_revisit_at(NOW - 40 * day, NOW) is None
    assert next_revisit_at(NOW + hour, NOW) == NOW + 15 * MIN  # a future date counts as new
