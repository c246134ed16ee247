"""When to poll a feed next and when to revisit an article: pure functions of what happened.

Feeds: a feed with new items is polled again soon; one with nothing new waits
twice as long as last time, up to a day; a failing one backs off the same way
and is deactivated after a configurable number of failures in a row. The
publisher's own hint (RSS `ttl`, `sy:updatePeriod`) is honoured as a lower
bound, clamped so that no hint makes a feed wait longer than a day.
Articles: revisited often while young, less as they age, then no more.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

MINUTE = dt.timedelta(minutes=1)
HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)

SOON = 10 * MINUTE  # after new items
MIN_FEED_INTERVAL = 5 * MINUTE
MAX_FEED_INTERVAL = DAY
FIRST_FAILURE_WAIT = 15 * MINUTE
DEFAULT_MAX_FAILURES = 10

# (articles younger than this, are revisited this often); older than the last: never again.
REVISIT_STEPS: tuple[tuple[dt.timedelta, dt.timedelta], ...] = (
    (3 * HOUR, 15 * MINUTE),
    (DAY, HOUR),
    (7 * DAY, 4 * HOUR),
    (30 * DAY, DAY),
)


@dataclass(frozen=True, slots=True)
class FeedSchedule:
    """The next poll of a feed, or its deactivation."""

    interval: dt.timedelta
    next_poll_at: dt.datetime
    deactivate_reason: str | None = None


def after_success(
    now: dt.datetime,
    previous_interval: dt.timedelta,
    new_items: int,
    hint: dt.timedelta | None = None,
) -> FeedSchedule:
    """Soon after new items; otherwise double the interval (capped at a day); never under the hint."""
    interval = SOON if new_items > 0 else min(previous_interval * 2, MAX_FEED_INTERVAL)
    interval = max(interval, MIN_FEED_INTERVAL)
    if hint is not None:
        interval = max(interval, min(hint, MAX_FEED_INTERVAL))
    return FeedSchedule(interval, now + interval)


def after_failure(
    now: dt.datetime,
    previous_interval: dt.timedelta,
    error_count: int,
    reason: str,
    max_failures: int = DEFAULT_MAX_FAILURES,
) -> FeedSchedule:
    """Back off exponentially from 15 minutes; deactivate after `max_failures` failures in a row.

    `error_count` counts this failure too. The polling interval itself is kept, so
    a feed that recovers goes back to its usual pace.
    """
    wait = min(FIRST_FAILURE_WAIT * 2 ** min(max(error_count - 1, 0), 16), MAX_FEED_INTERVAL)
    reason_kept = None
    if error_count >= max_failures:
        reason_kept = f"{error_count} failures in a row; last: {reason}"
    return FeedSchedule(previous_interval, now + wait, reason_kept)


def revisit_interval(age: dt.timedelta) -> dt.timedelta | None:
    """How long to wait before re-fetching an article of this age; None once it is too old."""
    for younger_than, every in REVISIT_STEPS:
        if age < younger_than:
            return every
    return None


def next_revisit_at(born_at: dt.datetime, now: dt.datetime) -> dt.datetime | None:
    """When to re-fetch an article first seen (or published) at `born_at`; None to stop."""
    interval = revisit_interval(max(now - born_at, dt.timedelta(0)))
    return None if interval is None else now + interval
