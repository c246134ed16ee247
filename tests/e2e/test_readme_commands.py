"""The README's commands as a newcomer runs them (the installed CLI, the embedded default)."""
from __future__ import annotations

import os
import re
import secrets
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from storywatch.settings import REPO_ROOT
from storywatch.store.embedded import EmbeddedServer

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@pytest.fixture
def fresh_home() -> Iterator[Path]:
    """An empty STORYWATCH_HOME: the embedded server starts from nothing."""
    base = REPO_ROOT / ".storywatch" / "test-homes"
    base.mkdir(parents=True, exist_ok=True)
    home = base / f"e2e-{secrets.token_hex(4)}"
    try:
        yield home
    finally:
        EmbeddedServer(home).remove_data()
        shutil.rmtree(home, ignore_errors=True)


def storywatch(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("STORYWATCH_")}
    env["STORYWATCH_HOME"] = str(home)
    return subprocess.run([sys.executable, "-m", "storywatch", *args], env=env, cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=600)


def test_demo_prints_the_seed_document_and_a_second_run_adds_nothing(fresh_home: Path) -> None:
    first = storywatch("demo", home=fresh_home)
    assert first.returncode == 0, first.stderr
    assert re.search(r"file:000_d3ec237e47cabcad\.txt v1", first.stdout)
    second = storywatch("demo", home=fresh_home)
    assert second.returncode == 0, second.stderr
    assert "0 new versions" in second.stdout
    assert not EmbeddedServer(fresh_home).is_running()


def test_every_documented_command_is_in_the_readme() -> None:
    from storywatch.cli.main import build_parser

    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    parser = build_parser()
    commands = parser._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    missing = [name for name in commands if f"storywatch {name}" not in readme]
    assert not missing, f"commands missing from README.md: {missing}"


def test_every_environment_variable_the_code_reads_is_in_the_readme() -> None:
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    names: set[str] = set()
    for folder in ("plugins", "dags"):
        for path in (REPO_ROOT / folder).rglob("*.py"):
            names |= set(re.findall(r"(?<![A-Z_])STORYWATCH_[A-Z_]+[A-Z]", path.read_text(encoding="utf-8")))
    missing = sorted(name for name in names if f"`{name}`" not in readme)
    assert not missing, f"environment variables missing from README.md: {missing}"
