"""Every way the database can be unusable ends in one clear line and exit status 1."""
from __future__ import annotations

import os
import secrets
import shutil
import socket
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from storywatch.settings import REPO_ROOT
from storywatch.store.embedded import EmbeddedServer

pytestmark = pytest.mark.integration

HOMES = REPO_ROOT / ".storywatch" / "test-homes"


@pytest.fixture
def home() -> Iterator[Path]:
    HOMES.mkdir(parents=True, exist_ok=True)
    path = HOMES / secrets.token_hex(4)
    try:
        yield path
    finally:
        EmbeddedServer(path).remove_data()
        shutil.rmtree(path, ignore_errors=True)


def run_cli(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("STORYWATCH_")}
    environment.update(env)
    environment["PYTHONPATH"] = str(REPO_ROOT / "plugins")
    return subprocess.run([sys.executable, "-m", "storywatch", "-q", *args], env=environment,
                          capture_output=True, text=True, timeout=120)


def assert_one_clear_line(result: subprocess.CompletedProcess[str], *fragments: str) -> None:
    assert result.returncode == 1, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("storywatch: error:")]
    assert len(errors) == 1, result.stderr
    for fragment in fragments:
        assert fragment in errors[0]
    assert "Traceback" not in result.stderr


def test_unreachable_server_is_one_line(tmp_path: Path) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = run_cli("db", "upgrade", STORYWATCH_DATABASE_URL=f"postgresql://postgres@127.0.0.1:{port}/x")
    assert_one_clear_line(result, "cannot connect to the database", "STORYWATCH_DATABASE_URL")


def test_password_never_appears_in_the_message() -> None:
    result = run_cli("db", "upgrade",
                     STORYWATCH_DATABASE_URL="postgresql://postgres:hunter2@127.0.0.1:1/x")
    assert_one_clear_line(result, ":***@")
    assert "hunter2" not in result.stderr


def test_unwritable_home_is_one_line(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    result = run_cli("db", "upgrade", STORYWATCH_HOME=str(blocker / "home"))
    assert_one_clear_line(result, "is not writable", "STORYWATCH_HOME")


def test_taken_port_is_one_line(home: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_cli("db", "upgrade", STORYWATCH_HOME=str(home),
                         STORYWATCH_EMBEDDED_PORT=str(port))
    assert_one_clear_line(result, f"127.0.0.1:{port}", "taken")


def test_data_directory_of_another_user_is_one_line(home: Path) -> None:
    (home / "pgdata").mkdir(parents=True)
    (home / "pgdata" / "PG_VERSION").write_text("18\n")
    os.chown(home / "pgdata", 65534, 65534)  # nobody
    result = run_cli("db", "upgrade", STORYWATCH_HOME=str(home))
    assert_one_clear_line(result, "belongs to user", "STORYWATCH_HOME")


def test_lock_file_of_a_live_process_is_one_line(home: Path) -> None:
    server = EmbeddedServer(home)
    server.start()
    server.stop()
    lock = server.pgdata / "postmaster.pid"
    # A lock naming a live process of the server's own user that is not a server:
    # postgres must refuse to start (a process of another user counts as stale).
    sleeper = subprocess.Popen(["sleep", "60"], user=server.run_as)
    try:
        lock.write_text(f"{sleeper.pid}\n{server.pgdata}\n0\n5432\n\n\n0 0\nready\n")
        result = run_cli("db", "upgrade", STORYWATCH_HOME=str(home))
    finally:
        sleeper.kill()
        sleeper.wait()
    assert_one_clear_line(result, "lock file")


def test_stale_lock_file_of_a_dead_process_is_recovered(home: Path) -> None:
    server = EmbeddedServer(home)
    server.start()
    server.stop()
    dead = subprocess.Popen(["true"])
    dead.wait()
    (server.pgdata / "postmaster.pid").write_text(f"{dead.pid}\n{server.pgdata}\n0\n5432\n\n\n0 0\nready\n")
    result = run_cli("db", "upgrade", STORYWATCH_HOME=str(home))
    assert result.returncode == 0, result.stderr


@pytest.mark.skipif(os.geteuid() != 0, reason="only root runs the server as another user")
def test_private_parent_folder_works_and_is_left_untouched(tmp_path: Path) -> None:
    private = tmp_path / "private"
    private.mkdir(mode=0o700)
    home = private / "home"
    try:
        result = run_cli("db", "upgrade", STORYWATCH_HOME=str(home))
        assert result.returncode == 0, result.stderr
        assert stat.S_IMODE(private.stat().st_mode) == 0o700
        assert stat.S_IMODE(tmp_path.stat().st_mode) == 0o700
        server = EmbeddedServer(home)
        assert server.data_outside_home and not server.is_running()
        assert (home / "pgdata-location").read_text().strip() == str(server.pgdata)
    finally:
        EmbeddedServer(home).remove_data()


@pytest.mark.skipif(os.geteuid() != 0, reason="only root runs the server as another user")
def test_data_folder_inside_a_private_home_is_refused_and_left_untouched(tmp_path: Path) -> None:
    private = tmp_path / "private"
    (private / "home" / "pgdata").mkdir(parents=True)
    private.chmod(0o700)
    result = run_cli("db", "upgrade", STORYWATCH_HOME=str(private / "home"))
    assert_one_clear_line(result, "will not change permissions outside STORYWATCH_HOME",
                          "move ")
    assert stat.S_IMODE(private.stat().st_mode) == 0o700
    assert stat.S_IMODE(tmp_path.stat().st_mode) == 0o700


def test_cli_stops_the_embedded_server_it_started(home: Path) -> None:
    result = run_cli("db", "upgrade", STORYWATCH_HOME=str(home))
    assert result.returncode == 0, result.stderr
    assert not EmbeddedServer(home).is_running()


def test_cli_leaves_a_running_server_running(home: Path) -> None:
    server = EmbeddedServer(home)
    server.start()
    result = run_cli("db", "upgrade", STORYWATCH_HOME=str(home))
    assert result.returncode == 0, result.stderr
    assert server.is_running()


def test_sigterm_still_stops_the_server_the_cli_started(home: Path) -> None:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("STORYWATCH_")}
    environment.update(STORYWATCH_HOME=str(home), PYTHONPATH=str(REPO_ROOT / "plugins"))
    script = (
        "import time; from storywatch.store import db\n"
        "with db.session() as conn:\n"
        "    print('ready', flush=True); time.sleep(60)\n"
    )
    child = subprocess.Popen([sys.executable, "-c", script], env=environment,
                             stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None and child.stdout.readline().strip() == "ready"
    assert EmbeddedServer(home).is_running()
    child.terminate()
    child.wait(timeout=60)
    assert not EmbeddedServer(home).is_running()
