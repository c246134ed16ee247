"""The Docker stack, checked statically (no Docker engine is needed to run these)."""
from __future__ import annotations

import re
import shlex
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


# Flags that change only what pip prints or caches, never what it installs.
OUTPUT_ONLY_FLAGS = {"--quiet", "-q", "--no-cache-dir"}


def _pip_install_args(command: str) -> list[str] | None:
    """The arguments after `pip install` (however pip is invoked), minus output-only flags."""
    words = shlex.split(command)
    for i in range(len(words) - 1):
        if words[i].endswith("pip") and words[i + 1] == "install":
            return [w for w in words[i + 2:] if w not in OUTPUT_ONLY_FLAGS]
    return None


def dockerfile_pip_installs() -> list[list[str]]:
    text = (REPO_ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    runs = re.findall(r"^RUN\s+(.+)$", text, re.M)
    return [args for run in runs for part in run.split("&&")
            if (args := _pip_install_args(part)) is not None]


def makefile_pip_installs() -> list[list[str]]:
    """The pip commands of the recipe that `make install` runs (the $(STAMP) target)."""
    text = (REPO_ROOT / "Makefile").read_text()
    recipe = re.search(r"^\$\(STAMP\):.*\n((?:\t.*\n)+)", text, re.M)
    assert recipe is not None, "the Makefile has no $(STAMP) recipe"
    return [args for line in recipe.group(1).splitlines()
            if (args := _pip_install_args(line.strip())) is not None]


def test_dockerfile_runs_exactly_the_install_commands_of_make_install() -> None:
    # CI runs `make install` from a clean clone (.ci/run), so these very commands are exercised
    # there; the image differs only in where the virtualenv lives.
    make = makefile_pip_installs()
    assert make == [
        ["--require-hashes", "--no-deps", "-r", "requirements.lock"],
        ["--no-deps", "--no-build-isolation", "-e", "."],
    ]
    assert dockerfile_pip_installs() == make


def test_dockerfile_copies_what_each_install_step_reads_before_it() -> None:
    lines = [line for line in (REPO_ROOT / "Dockerfile").read_text().splitlines()
             if line.startswith(("COPY", "RUN"))]
    copied: set[str] = set()
    for line in lines:
        words = line.split()
        if words[0] == "COPY":
            copied |= {w.rstrip("/") for w in words[1:-1] if not w.startswith("--")}
        elif "requirements.lock" in line:
            assert "requirements.lock" in copied
        elif "-e ." in line:
            assert {"pyproject.toml", "README.md", "plugins"} <= copied


def test_docker_build_context_leaves_out_local_state() -> None:
    ignored = (REPO_ROOT / ".dockerignore").read_text().split()
    assert {".venv", ".storywatch", ".env", ".git"} <= set(ignored)


def test_init_migrates_upgrades_writes_the_admin_password_and_creates_the_pool() -> None:
    # .ci/celery_e2e.py runs this very script against real PostgreSQL; here, that it is complete.
    init = services()["airflow-init"]
    script = init["command"][-1]
    steps = ["airflow db migrate", "storywatch db upgrade",
             'os.environ["AIRFLOW_ADMIN_PASSWORD"]', "airflow pools set storywatch_http"]
    positions = [script.index(step) for step in steps]
    assert positions == sorted(positions)
    assert init["user"] == "0:0"
    assert init["environment"]["AIRFLOW_ADMIN_PASSWORD"].startswith("${AIRFLOW_ADMIN_PASSWORD:?")


def test_mounted_code_is_the_code_the_image_installed_in_editable_mode() -> None:
    common = yaml.safe_load(COMPOSE.read_text())["x-airflow-common"]
    volumes = set(common["volumes"])
    for folder in ("dags", "plugins", "seeds", "sql"):
        assert f"./{folder}:/opt/storywatch/{folder}" in volumes
    env = common["environment"]
    assert env["AIRFLOW__CORE__DAGS_FOLDER"] == "/opt/storywatch/dags"
    assert env["AIRFLOW__CORE__PLUGINS_FOLDER"] == "/opt/storywatch/plugins"
    assert "WORKDIR /opt/storywatch" in (REPO_ROOT / "Dockerfile").read_text()


def test_workers_can_be_scaled() -> None:
    worker = services()["airflow-worker"]
    # A fixed name or a host port would make a second replica fail to start.
    assert "container_name" not in worker and "ports" not in worker
    assert worker["command"] == "celery worker"
