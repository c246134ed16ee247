"""Settings come from the environment, with the documented defaults."""
from __future__ import annotations

import ipaddress
from pathlib import Path

from storywatch.settings import REPO_ROOT, Settings


def test_defaults_use_the_embedded_server_and_the_repo_folders() -> None:
    settings = Settings.from_env({})
    assert settings.database_url is None
    assert settings.home == Path(".storywatch").absolute()
    assert settings.allowed_networks == ()
    assert settings.seeds_dir == REPO_ROOT / "seeds"
    assert settings.sql_dir == REPO_ROOT / "sql"


def test_allowed_networks_are_parsed_as_cidrs() -> None:
    settings = Settings.from_env({"STORYWATCH_ALLOWED_NETWORKS": "127.0.0.0/8, ::1/128"})
    assert settings.allowed_networks == (
        ipaddress.ip_network("127.0.0.0/8"), ipaddress.ip_network("::1/128"))


def test_database_url_and_home_are_read() -> None:
    settings = Settings.from_env({"STORYWATCH_DATABASE_URL": "postgresql://u@h/d",
                                  "STORYWATCH_HOME": "/srv/sw"})
    assert settings.database_url == "postgresql://u@h/d"
    assert settings.home == Path("/srv/sw")
