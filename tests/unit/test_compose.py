"""The Docker stack, checked statically (no Docker engine is needed to run these)."""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from storywatch.settings import REPO_ROOT

COMPOSE = REPO_ROOT / "docker-compose.yml"
AIRFLOW_SERVICES = ("airflow-init", "airflow-apiserver", "airflow-scheduler",
                    "airflow-dag-processor", "airflow-triggerer", "airflow-worker")


def services() -> dict[str, dict]:
    return yaml.safe_load(COMPOSE.read_text())["services"]


def test_compose_file_validates_against_the_compose_specification() -> None:
    checker = Path(sys.executable).parent / "check-jsonschema"
    if not checker.exists():
        checker = Path(shutil.which("check-jsonschema") or "check-jsonschema")
    result = subprocess.run(
        [str(checker), "--builtin-schema", "vendor.compose-spec", str(COMPOSE),
         str(REPO_ROOT / "docker" / "publish-postgres.yml")],
        capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_airflow_service_shares_the_jwt_secret_and_fernet_key() -> None:
    for name in AIRFLOW_SERVICES:
        env = services()[name]["environment"]
        assert env["AIRFLOW__API_AUTH__JWT_SECRET"].startswith("${AIRFLOW__API_AUTH__JWT_SECRET"), name
        assert env["AIRFLOW__CORE__FERNET_KEY"].startswith("${AIRFLOW__CORE__FERNET_KEY"), name


def test_postgres_is_not_published_on_the_host_by_default() -> None:
    assert "ports" not in services()["postgres"]


def test_services_wait_for_healthy_dependencies() -> None:
    for name in AIRFLOW_SERVICES:
        depends = services()[name]["depends_on"]
        assert depends["postgres"]["condition"] == "service_healthy"
        assert depends["redis"]["condition"] == "service_healthy"
        if name != "airflow-init":
            assert depends["airflow-init"]["condition"] == "service_completed_successfully"
    for name in ("postgres", "redis", *AIRFLOW_SERVICES[1:]):
        assert "healthcheck" in services()[name], name


def test_every_variable_the_compose_file_reads_is_documented_in_env_example() -> None:
    # "$${NAME}" is escaped: read inside the container at run time, not from .env.
    used = set(re.findall(r"(?<!\$)\$\{([A-Z0-9_]+)", COMPOSE.read_text()))
    used |= set(re.findall(r"\$\{([A-Z0-9_]+)", (REPO_ROOT / "docker" / "publish-postgres.yml").read_text()))
    documented = set(re.findall(r"^([A-Z0-9_]+)=", (REPO_ROOT / ".env.example").read_text(), re.M))
    assert used - documented == set()


def test_image_installs_from_the_same_hash_pinned_lock_as_make_install() -> None:
    dockerfile = (REPO_ROOT / "Dockerfile").read_text()
    makefile = (REPO_ROOT / "Makefile").read_text()
    assert "--require-hashes --no-deps -r requirements.lock" in dockerfile
    assert "--require-hashes --no-deps -r requirements.lock" in makefile
    assert "_PIP_ADDITIONAL_REQUIREMENTS" not in COMPOSE.read_text()
    base = re.search(r"^FROM apache/airflow:(\S+)-python(\S+)$", dockerfile, re.M)
    assert base is not None
    locked = re.search(r"^apache-airflow==(\S+) ", (REPO_ROOT / "requirements.lock").read_text(), re.M)
    assert locked is not None and base.group(1) == locked.group(1)
    assert base.group(2) == "3.11"


@pytest.mark.parametrize("path", [".env.example"])
def test_no_secret_is_committed(path: str) -> None:
    text = (REPO_ROOT / path).read_text()
    for key in ("AIRFLOW__API_AUTH__JWT_SECRET", "AIRFLOW__CORE__FERNET_KEY"):
        assert re.search(rf"^{key}=\s*$", text, re.M), f"{key} must be empty in {path}"
