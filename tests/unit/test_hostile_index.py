"""tests/HOSTILE.md names real tests: each file exists and each test function is defined there."""
from __future__ import annotations

import re
from pathlib import Path

from storywatch.settings import REPO_ROOT

INDEX = REPO_ROOT / "tests" / "HOSTILE.md"
REFERENCE = re.compile(r"`((?:unit|integration|dags|e2e)/[\w/]+\.py)?(?:::([\w…]+))?`")


def test_every_test_the_hostile_index_names_exists() -> None:
    text = INDEX.read_text(encoding="utf-8")
    rows = [line for line in text.splitlines() if line.startswith("| ") and line[2:3].isdigit()]
    assert len(rows) >= 30, "the index must list at least 30 hostile cases"
    missing = []
    for row in rows:
        current = None
        for path, name in REFERENCE.findall(row.split("|")[5]):
            if path:
                current = path
            if current is None:
                continue
            source = (REPO_ROOT / "tests" / current)
            if not source.exists():
                missing.append(current)
                continue
            if name:
                pattern = re.escape(name).replace("…", ".*")
                if not re.search(rf"^def ({pattern})\(", source.read_text(encoding="utf-8"), re.M):
                    missing.append(f"{current}::{name}")
    assert not missing, f"tests/HOSTILE.md names tests that do not exist: {missing}"


SECURITY = REPO_ROOT / "SECURITY.md"
CITATION = re.compile(r"`(tests/[\w/]+\.py|[\w/]+\.py)?(?:::([\w…]+))?`")


def test_every_test_and_module_security_md_cites_exists() -> None:
    text = SECURITY.read_text(encoding="utf-8")
    missing = []
    for paragraph in re.split(r"\n(?=- |\n|#)", text):
        current = None
        for path, name in CITATION.findall(paragraph):
            if path.startswith("tests/"):
                current = path
            elif path.startswith("test_") and current and current.startswith("tests/"):
                current = str(Path(current).parent / path)  # a sibling of the last test cited
            elif path:
                current = f"plugins/storywatch/{path}"
            if current is None:
                continue
            source = REPO_ROOT / current
            if not source.exists():
                missing.append(current)
                continue
            if name and current.startswith("tests/"):
                pattern = re.escape(name).replace("…", ".*")
                if not re.search(rf"^def ({pattern})\(", source.read_text(encoding="utf-8"), re.M):
                    missing.append(f"{current}::{name}")
    assert not missing, f"SECURITY.md cites what does not exist: {missing}"
