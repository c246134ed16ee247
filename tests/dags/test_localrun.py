"""`make run`'s pieces that can be checked without starting Airflow."""
from __future__ import annotations

import base64
import json
import os
import signal
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from storywatch.errors import StorywatchError
from storywatch.settings import REPO_ROOT
from storywatch_airflow import localrun
from storywatch_airflow.localrun import Children, LocalPaths


@pytest.fixture
def paths(tmp_path: Path) -> LocalPaths:
    result = LocalPaths(tmp_path / "home")
    result.airflow_home.mkdir(parents=True)
    result.logs.mkdir()
    return result


@pytest.mark.parametrize(("url", "expected"), [
    ("postgresql://postgres@/storywatch?host=/tmp/sw/pgdata&port=5432",
     "postgresql+psycopg2://postgres@/airflow?host=/tmp/sw/pgdata&port=5432"),
    ("postgresql://sw:secret@127.0.0.1:5433/news?sslmode=disable",
     "postgresql+psycopg2://sw:secret@127.0.0.1:5433/airflow?sslmode=disable"),
])
def test_metadata_url_is_the_airflow_database_on_the_same_server(url: str, expected: str) -> None:
    assert localrun.sqlalchemy_url(url, "airflow") == expected


def test_secrets_are_generated_once_private_and_kept(paths: LocalPaths) -> None:
    first = localrun.load_local_secrets(paths)
    second = localrun.load_local_secrets(paths)
    assert first == second
    assert len(first["jwt_secret"]) >= 32
    assert len(base64.urlsafe_b64decode(first["fernet_key"])) == 32
    assert stat.S_IMODE(paths.secrets.stat().st_mode) == 0o600


def test_admin_password_is_created_once_and_other_users_are_kept(paths: LocalPaths) -> None:
    paths.passwords.write_text(json.dumps({"viewer": "v-secret"}))
    password = localrun.admin_password(paths)
    assert password and password == localrun.admin_password(paths)
    assert json.loads(paths.passwords.read_text()) == {"viewer": "v-secret", "admin": password}


def test_environment_configures_a_local_executor_setup_on_loopback(paths: LocalPaths) -> None:
    env = localrun.airflow_environment(
        paths, metadata_url="postgresql+psycopg2://postgres@/airflow?host=/x&port=5432",
        storywatch_url="postgresql://postgres@/storywatch?host=/x&port=5432", port=8123,
        local_secrets={"jwt_secret": "j", "fernet_key": "f"},
    )
    assert env["AIRFLOW__CORE__EXECUTOR"] == "LocalExecutor"
    assert int(env["AIRFLOW__CORE__PARALLELISM"]) <= 4
    assert env["AIRFLOW__CORE__LOAD_EXAMPLES"] == "False"
    assert env["AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION"] == "False"
    assert env["AIRFLOW__API__HOST"] == "127.0.0.1"
    assert env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] == "http://127.0.0.1:8123/execution/"
    assert env["AIRFLOW_HOME"].startswith(str(paths.home))
    assert Path(env["AIRFLOW__CORE__DAGS_FOLDER"], "storywatch_seed.py").exists()
    conn = json.loads(env["AIRFLOW_CONN_STORYWATCH_DB"])
    assert (conn["host"], conn["schema"], conn["port"]) == ("/x", "storywatch", 5432)


def test_child_environment_puts_this_checkout_first_on_the_path(paths: LocalPaths) -> None:
    env = localrun.child_environment({"PYTHONPATH": "/elsewhere"}, {"AIRFLOW_HOME": "/a"}, paths.home)
    first = env["PYTHONPATH"].split(os.pathsep)[0]
    assert Path(first, "storywatch_airflow", "localrun.py").exists()
    assert env["PYTHONPATH"].endswith("/elsewhere")
    assert env["STORYWATCH_HOME"] == str(paths.home)


def test_configured_port_that_is_taken_is_refused_with_the_variable_named() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(StorywatchError, match="STORYWATCH_AIRFLOW_PORT"):
            localrun.choose_port({"STORYWATCH_AIRFLOW_PORT": str(port)})


def test_chosen_port_is_free_when_none_is_configured() -> None:
    port = localrun.choose_port({})
    assert localrun.port_is_free(port)


def test_second_run_on_the_same_home_is_refused(paths: LocalPaths) -> None:
    with localrun.exclusive(paths):
        with pytest.raises(StorywatchError, match="already uses"):
            with localrun.exclusive(paths):
                pass


# A process that ignores SIGTERM and leaves a grandchild in a process group of
# its own (as Airflow's task supervisor does), in the same session.
# The grandchild says it is ready only once it ignores SIGTERM: a SIGTERM that came
# before would kill it and leave nothing for stop_all to kill.
STUBBORN = """
import os, signal, subprocess, sys, time
signal.signal(signal.SIGTERM, signal.SIG_IGN)
ready = sys.argv[1]
child = subprocess.Popen([sys.executable, "-c", "import pathlib, signal, sys, time; "
                          "signal.signal(signal.SIGTERM, signal.SIG_IGN); "
                          "pathlib.Path(sys.argv[1]).touch(); time.sleep(120)", ready],
                         process_group=0)
print(child.pid, flush=True)
time.sleep(120)
"""


def test_stop_all_kills_a_child_that_ignores_sigterm_and_its_regrouped_grandchild(
    paths: LocalPaths, tmp_path: Path,
) -> None:
    children = Children(paths.logs, os.environ)
    ready = tmp_path / "grandchild.ready"
    leader = children.spawn("stubborn", [sys.executable, "-c", STUBBORN, str(ready)])
    deadline = time.monotonic() + 20
    while not ready.exists() or len(localrun.session_members({leader.pid})) < 2:
        assert time.monotonic() < deadline, "the grandchild never started"
        time.sleep(0.05)
    started = time.monotonic()
    killed = children.stop_all(grace=0.5)
    assert len(killed) == 2
    assert time.monotonic() - started < 10
    assert localrun.session_members({leader.pid}) == []
    assert leader.returncode is not None


def test_stop_all_is_quick_when_children_exit_on_sigterm(paths: LocalPaths) -> None:
    children = Children(paths.logs, os.environ)
    leader = children.spawn("sleeper", [sys.executable, "-c", "import time; time.sleep(120)"])
    started = time.monotonic()
    assert children.stop_all(grace=30) == []
    assert time.monotonic() - started < 5
    assert leader.returncode is not None


def test_children_get_sigterm_when_the_runner_is_killed(paths: LocalPaths, tmp_path: Path) -> None:
    # A runner killed by SIGKILL cannot stop anything; its children must not outlive it.
    marker = tmp_path / "child.pid"
    runner_code = (
        "import os, sys, time\n"
        "from storywatch_airflow.localrun import Children\n"
        "from pathlib import Path\n"
        f"children = Children(Path({str(paths.logs)!r}), os.environ)\n"
        "child = children.spawn('sleeper', [sys.executable, '-c', 'import time; time.sleep(120)'])\n"
        f"Path({str(marker)!r}).write_text(str(child.pid))\n"
        "time.sleep(120)\n"
    )
    runner = subprocess.Popen([sys.executable, "-c", runner_code],
                              env=dict(os.environ, PYTHONPATH=str(REPO_ROOT / "plugins")))
    deadline = time.monotonic() + 20
    while not marker.exists() or not marker.read_text():
        assert time.monotonic() < deadline, "the runner never started its child"
        time.sleep(0.05)
    child_pid = int(marker.read_text())
    runner.kill()
    runner.wait()
    deadline = time.monotonic() + 10
    try:
        while localrun.session_members({child_pid}):
            assert time.monotonic() < deadline, "the child outlived its killed runner"
            time.sleep(0.05)
    finally:
        for pid in localrun.session_members({child_pid}):
            os.kill(pid, signal.SIGKILL)


def test_unwritable_home_ends_with_one_clear_line(tmp_path: Path) -> None:
    home = tmp_path / "file-not-folder"
    home.write_text("")
    env = {"STORYWATCH_HOME": str(home / "sub"), "PATH": os.environ.get("PATH", ""),
           "PYTHONPATH": str(REPO_ROOT / "plugins")}
    result = subprocess.run(
        [sys.executable, "-m", "storywatch_airflow.localrun"], env=env, capture_output=True,
        text=True, timeout=60,
    )
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "STORYWATCH_HOME" in lines[0] and "not writable" in lines[0], lines


def test_unanswered_api_is_a_clear_error() -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    api = localrun.Api(f"http://127.0.0.1:{port}")
    assert api.is_healthy() is False
    with pytest.raises(StorywatchError, match="does not answer"):
        api.log_in("admin", "x")
