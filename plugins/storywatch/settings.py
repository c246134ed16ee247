"""Configuration from environment variables, in one place.

| variable | meaning | default |
|---|---|---|
| STORYWATCH_DATABASE_URL | PostgreSQL URL (`postgresql://...`) | unset: the embedded server |
| STORYWATCH_HOME | folder for the embedded server's data and local state | `./.storywatch` |
| STORYWATCH_EMBEDDED_PORT | also listen on 127.0.0.1:PORT (embedded server only) | unset: Unix socket only |
| STORYWATCH_ALLOWED_NETWORKS | CIDRs the fetcher may reach despite being non-public | empty |
| STORYWATCH_CONTACT_URL | page named in the User-Agent, where site owners can reach the operator | a placeholder: set it |
| STORYWATCH_HOST_INTERVAL | minimum seconds between two requests to one host (all workers together) | 2 |
| STORYWATCH_SHARED_DIR | folder with the shared fixtures and benchmarks | `../shared` beside the repo |
| STORYWATCH_SEEDS_DIR | folder of seed articles, threads.yml and feeds.yml | `seeds/` in the repo |
| STORYWATCH_SQL_DIR | folder with `migrations/` and `views/` | `sql/` in the repo |
| STORYWATCH_FEED_MAX_FAILURES | failed polls in a row after which a feed is deactivated | 10 |
| STORYWATCH_PAGES_PER_POLL | article pages fetched per feed and poll (the rest wait for the next) | 30 |
| STORYWATCH_RAW_RETENTION_DAYS | days a stored page's raw HTTP body is kept (0: purge at once) | 90 |
| STORYWATCH_NOTIFY_WEBHOOK_URL | URL that receives each alert as a JSON POST | unset: no webhook |
| STORYWATCH_NOTIFY_SMTP_TO | comma-separated recipients of alert e-mails (Airflow's SMTP connection) | unset: no e-mail |
| STORYWATCH_DIGESTS_DIR | folder where the daily digests are written | `$STORYWATCH_HOME/digests` |
| STORYWATCH_DISCOVERY_URLS | comma-separated search-feed URL templates with `{query}`, or preset names | unset: no searching |
| STORYWATCH_PROCESS_WORKERS | worker processes of `storywatch process` (each loads the language model, about 200 MB) | the usable cores |
"""
from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from storywatch.errors import StorywatchError

REPO_ROOT = Path(__file__).resolve().parents[2]
# `.invalid` can never resolve (RFC 2606): a deployment names its own page instead.
DEFAULT_CONTACT_URL = "https://storywatch.invalid/contact"


def _parse_networks(raw: str) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    networks = []
    for part in raw.split(","):
        part = part.strip()
        if part:
            networks.append(ipaddress.ip_network(part, strict=False))
    return tuple(networks)


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything storywatch reads from its environment."""

    database_url: str | None = None
    home: Path = Path(".storywatch")
    embedded_port: int | None = None
    allowed_networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = ()
    contact_url: str = DEFAULT_CONTACT_URL
    host_interval: float = 2.0
    shared_dir: Path = REPO_ROOT.parent / "shared"
    seeds_dir: Path = REPO_ROOT / "seeds"
    sql_dir: Path = REPO_ROOT / "sql"
    feed_max_failures: int = 10
    pages_per_poll: int = 30
    raw_retention_days: int = 90
    # STORYWATCH_DISCOVERY_URLS as given (sources.discovery.parse_templates checks it)
    discovery_urls: str = ""
    notify_webhook_url: str | None = None
    notify_smtp_to: tuple[str, ...] = ()
    digests_dir: Path = Path(".storywatch") / "digests"
    process_workers: int = 1

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Build settings from `env` (default: `os.environ`)."""
        env = os.environ if env is None else env
        port = env.get("STORYWATCH_EMBEDDED_PORT", "").strip()
        home = Path(env.get("STORYWATCH_HOME") or ".storywatch").absolute()
        recipients = env.get("STORYWATCH_NOTIFY_SMTP_TO", "")
        return cls(
            database_url=env.get("STORYWATCH_DATABASE_URL") or None,
            home=home,
            embedded_port=int(port) if port else None,
            allowed_networks=_parse_networks(env.get("STORYWATCH_ALLOWED_NETWORKS", "")),
            contact_url=env.get("STORYWATCH_CONTACT_URL") or DEFAULT_CONTACT_URL,
            host_interval=float(env.get("STORYWATCH_HOST_INTERVAL") or 2.0),
            shared_dir=Path(env.get("STORYWATCH_SHARED_DIR") or REPO_ROOT.parent / "shared"),
            seeds_dir=Path(env.get("STORYWATCH_SEEDS_DIR") or REPO_ROOT / "seeds"),
            sql_dir=Path(env.get("STORYWATCH_SQL_DIR") or REPO_ROOT / "sql"),
            feed_max_failures=_positive_int(env, "STORYWATCH_FEED_MAX_FAILURES", 10),
            pages_per_poll=_positive_int(env, "STORYWATCH_PAGES_PER_POLL", 30),
            raw_retention_days=_positive_int(env, "STORYWATCH_RAW_RETENTION_DAYS", 90, zero=True),
            notify_webhook_url=env.get("STORYWATCH_NOTIFY_WEBHOOK_URL", "").strip() or None,
            notify_smtp_to=tuple(a.strip() for a in recipients.split(",") if a.strip()),
            digests_dir=Path(env.get("STORYWATCH_DIGESTS_DIR") or home / "digests").absolute(),
            discovery_urls=env.get("STORYWATCH_DISCOVERY_URLS", "").strip(),
            process_workers=_positive_int(env, "STORYWATCH_PROCESS_WORKERS", usable_cores()),
        )


def usable_cores() -> int:
    """The cores this process may run on (a container's or a task runner's limit included)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _positive_int(env: Mapping[str, str], name: str, default: int, zero: bool = False) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise StorywatchError(f"{name} must be a whole number, not {raw!r}") from None
    if value < 0 or (value == 0 and not zero):
        raise StorywatchError(f"{name} must be {'zero or more' if zero else 'at least 1'}, not {value}")
    return value
