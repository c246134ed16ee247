"""Per-host request pacing that holds across threads, processes and machines.

The protocol: before each request the fetcher reserves the host's next slot
(`reserve`), which pushes the slot after it one interval further, then sleeps
until its own slot. A host that answered 429 or 503 is blocked until the time it
asked for (`back_off`); nobody gets a slot before then. When the wait would be
longer than `max_wait` no slot is taken and the caller is told how long to stay
away, so a worker never sleeps for minutes holding an Airflow pool slot.

`PgPoliteness` keeps the slots in the `host_politeness` table: the reservation
is one atomic `insert ... on conflict do update ... returning`, so any number of
Celery workers share the schedule. `MemoryPoliteness` is the same protocol in
one process, for use without a database.

A host whose robots.txt asks for a `Crawl-delay` longer than the configured
interval gets that delay as its interval (`set_crawl_delay`) until the
robots.txt entry expires; it is stored on the host's row, so it binds every
worker, and the longer delay wins while two are in force (http and https of
one host name share a row).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from storywatch.store.db import Connection

DEFAULT_MAX_WAIT = 60.0
# After a 429/503 without a usable Retry-After.
DEFAULT_BACK_OFF = 60.0
# A Retry-After further away than this is capped: the feed scheduler copes with longer absences.
MAX_BACK_OFF = 24 * 3600.0


@dataclass(frozen=True, slots=True)
class Slot:
    """A reservation: `granted` with `wait` seconds to sleep first, or refused for `wait` seconds."""

    granted: bool
    wait: float


class Politeness(Protocol):
    """Paces requests per host name."""

    min_interval: float

    def reserve(self, host: str) -> Slot:
        """Take the next request slot for `host` (or learn how long it is closed)."""
        ...

    def back_off(self, host: str, seconds: float, status: int | None = None) -> None:
        """Ask nothing of `host` for `seconds` (it answered 429/503)."""
        ...

    def set_crawl_delay(self, host: str, seconds: float, until: datetime) -> None:
        """Keep `host`'s requests at least `seconds` apart until `until` (its robots.txt asked)."""
        ...


class MemoryPoliteness:
    """The politeness protocol for one process (threads share it)."""

    def __init__(self, min_interval: float = 2.0, *, max_wait: float = DEFAULT_MAX_WAIT) -> None:
        self.min_interval = min_interval
        self.max_wait = max_wait
        self._next: dict[str, float] = {}
        self._blocked: dict[str, float] = {}
        self._crawl_delays: dict[str, tuple[float, float]] = {}  # host: (seconds, until)
        self._lock = threading.Lock()

    def reserve(self, host: str) -> Slot:
        """Take the next request slot for `host` (or learn how long it is closed)."""
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next.get(host, now), self._blocked.get(host, now))
            if start - now > self.max_wait:
                return Slot(granted=False, wait=start - now)
            self._next[host] = start + max(self.min_interval, self._crawl_delay(host, now))
            return Slot(granted=True, wait=start - now)

    def set_crawl_delay(self, host: str, seconds: float, until: datetime) -> None:
        """Keep `host`'s requests at least `seconds` apart until `until` (its robots.txt asked)."""
        with self._lock:
            now = time.monotonic()
            expires = now + (until - datetime.now(UTC)).total_seconds()
            seconds = min(max(seconds, 0.0), MAX_BACK_OFF)
            current = self._crawl_delay(host, now)
            self._crawl_delays[host] = (max(seconds, current), expires)

    def _crawl_delay(self, host: str, now: float) -> float:
        seconds, until = self._crawl_delays.get(host, (0.0, now))
        return seconds if until > now else 0.0

    def back_off(self, host: str, seconds: float, status: int | None = None) -> None:
        """Ask nothing of `host` for `seconds` (it answered 429/503)."""
        with self._lock:
            until = time.monotonic() + min(max(seconds, 0.0), MAX_BACK_OFF)
            self._blocked[host] = max(until, self._blocked.get(host, until))


# The host's interval: the configured one, or its robots.txt Crawl-delay while that is longer
# and in force (written out twice below). The update leaves both crawl_delay columns as they
# were, so RETURNING subtracts the same interval from the new next_slot_at to give the slot.
RESERVE_SLOT = """
insert into host_politeness as hp (host, next_slot_at, updated_at)
values (%(host)s, now() + make_interval(secs => %(interval)s), now())
on conflict (host) do update
set next_slot_at = greatest(now(), hp.next_slot_at, hp.blocked_until)
                   + make_interval(secs => greatest(%(interval)s, case
                       when hp.crawl_delay_until > now() then hp.crawl_delay else 0 end)),
    updated_at = now()
where greatest(now(), hp.next_slot_at, hp.blocked_until)
      <= now() + make_interval(secs => %(max_wait)s)
returning extract(epoch from hp.next_slot_at - now()
                  - make_interval(secs => greatest(%(interval)s, case
                      when hp.crawl_delay_until > now() then hp.crawl_delay else 0 end)))
"""

SET_CRAWL_DELAY = """
insert into host_politeness as hp (host, next_slot_at, crawl_delay, crawl_delay_until, updated_at)
values (%(host)s, now(), %(seconds)s, %(until)s, now())
on conflict (host) do update
set crawl_delay = case when hp.crawl_delay_until > now()
                       then greatest(hp.crawl_delay, excluded.crawl_delay)
                       else excluded.crawl_delay end,
    crawl_delay_until = greatest(hp.crawl_delay_until, excluded.crawl_delay_until),
    updated_at = now()
"""

HOST_CLOSED_FOR = """
select extract(epoch from greatest(next_slot_at, blocked_until) - now())
from host_politeness
where host = %(host)s
"""

BACK_OFF_HOST = """
insert into host_politeness as hp (host, next_slot_at, blocked_until, last_status, updated_at)
values (%(host)s, now(), now() + make_interval(secs => %(seconds)s), %(status)s, now())
on conflict (host) do update
set blocked_until = greatest(hp.blocked_until, excluded.blocked_until),
    last_status = excluded.last_status,
    updated_at = now()
"""


class PgPoliteness:
    """The politeness protocol in PostgreSQL, shared by every worker on every machine.

    Give it a connection of its own: each call commits, so that other workers
    see the reservation at once.
    """

    def __init__(
        self, conn: Connection, min_interval: float = 2.0, *, max_wait: float = DEFAULT_MAX_WAIT
    ) -> None:
        self.conn = conn
        self.min_interval = min_interval
        self.max_wait = max_wait
        # One transaction at a time on the connection, whichever thread asks.
        self.lock = threading.Lock()

    @classmethod
    def connect(cls, url: str, min_interval: float = 2.0, **kwargs: float) -> PgPoliteness:
        """A PgPoliteness on a new connection to `url`."""
        from storywatch.store.db import connect

        return cls(connect(url, application_name="storywatch-politeness"), min_interval, **kwargs)

    def reserve(self, host: str) -> Slot:
        """Take the next request slot for `host` (or learn how long it is closed)."""
        params = {"host": host, "interval": self.min_interval, "max_wait": self.max_wait}
        with self.lock, self.conn, self.conn.cursor() as cur:
            cur.execute(RESERVE_SLOT, params)
            row = cur.fetchone()
            if row is not None:
                return Slot(granted=True, wait=max(float(row[0]), 0.0))
            cur.execute(HOST_CLOSED_FOR, params)
            closed = cur.fetchone()
            return Slot(granted=False, wait=max(float(closed[0]) if closed else 0.0, 0.0))

    def back_off(self, host: str, seconds: float, status: int | None = None) -> None:
        """Ask nothing of `host` for `seconds` (it answered 429/503)."""
        seconds = min(max(seconds, 0.0), MAX_BACK_OFF)
        params = {"host": host, "seconds": seconds, "status": status}
        with self.lock, self.conn, self.conn.cursor() as cur:
            cur.execute(BACK_OFF_HOST, params)

    def set_crawl_delay(self, host: str, seconds: float, until: datetime) -> None:
        """Keep `host`'s requests at least `seconds` apart until `until` (its robots.txt asked)."""
        params = {"host": host, "seconds": min(max(seconds, 0.0), MAX_BACK_OFF), "until": until}
        with self.lock, self.conn, self.conn.cursor() as cur:
            cur.execute(SET_CRAWL_DELAY, params)
