#!/usr/bin/env python3
"""Smoke test of `make run`: start it, wait for both DAGs to succeed, Ctrl-C it, find no leftovers.

Runs `make run` in its own process group with a temporary STORYWATCH_HOME (so
the embedded default is exercised and nothing of the user's is touched) and a
free API port. Polls Airflow's REST API (a JWT from /auth/token with the admin
password from the generated passwords file, then /api/v2) until
`storywatch_seed` and `storywatch_process` each have a successful run, sends
SIGINT to the group as a terminal's Ctrl-C would, and fails if any process it
started is still alive afterwards: found by process group, and by the temporary
home in a command line or environment (Airflow's components and the embedded
PostgreSQL server run in sessions of their own). Standard library only.

Exit status 0 when everything held, 1 otherwise. Usage:
    python3 .ci/smoke_make_run.py [--timeout 600] [--keep] [-- COMMAND ...]
COMMAND defaults to `make run`. SMOKE_STOP_TIMEOUT (seconds, default 120) bounds the
wait for everything to stop after SIGINT.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
DAGS = ("storywatch_seed", "storywatch_process")
STOP_TIMEOUT = float(os.environ.get("SMOKE_STOP_TIMEOUT", "120"))


def say(message: str, start: float) -> None:
    print(f"[{time.monotonic() - start:6.1f} s] {message}", flush=True)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def request(base: str, method: str, path: str, token: str | None = None,
            body: object = None) -> tuple[int, object]:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base + path, data=data, method=method)
    req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(req, timeout=10) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as exc:
        return exc.code, None


def get_token(base: str, passwords_file: Path) -> str | None:
    if not passwords_file.exists():
        return None
    try:
        password = json.loads(passwords_file.read_text())["admin"]
        status, body = request(base, "POST", "/auth/token", body={"username": "admin",
                                                                  "password": password})
    except (OSError, ValueError, KeyError):
        return None
    if status in (200, 201) and isinstance(body, dict):
        return str(body["access_token"])
    return None


def successful_runs(base: str, token: str, dag_id: str) -> int:
    try:
        status, body = request(base, "GET", f"/api/v2/dags/{dag_id}/dagRuns?state=success", token)
    except OSError:
        return 0
    if status != 200 or not isinstance(body, dict):
        return 0
    return int(body.get("total_entries", 0))


def failed_runs(base: str, token: str, dag_id: str) -> int:
    try:
        status, body = request(base, "GET", f"/api/v2/dags/{dag_id}/dagRuns?state=failed", token)
    except OSError:
        return 0
    return int(body.get("total_entries", 0)) if status == 200 and isinstance(body, dict) else 0


def leftovers(pgid: int, home: Path) -> list[str]:
    """Live processes in the process group, or naming the temporary home in argv or environment."""
    marker = str(home).encode()
    env_marker = b"STORYWATCH_HOME=" + marker
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
            environ = (entry / "environ").read_bytes()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        if fields[0] == "Z":
            continue
        in_group = int(fields[2]) == pgid
        named = marker in cmdline or any(
            var == env_marker for var in environ.split(b"\0")
        )
        if in_group or named:
            command = cmdline.replace(b"\0", b" ").decode(errors="replace")[:160]
            found.append(f"{entry.name}: {command}")
    return found


def embedded_pgdata(home: Path) -> Path:
    """The embedded server's data folder: in the home, or (run as root) the one it records."""
    record = home / "pgdata-location"
    return Path(record.read_text().strip()) if record.exists() else home / "pgdata"


def embedded_server_running(home: Path) -> bool:
    pid_file = embedded_pgdata(home) / "postmaster.pid"
    if not pid_file.exists():
        return False
    try:
        pid = int(pid_file.read_text().splitlines()[0])
        os.kill(pid, 0)
    except (OSError, ValueError, IndexError):
        return False
    return True


def tail(path: Path, lines: int = 40) -> str:
    if not path.exists():
        return "(no output)"
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def wait_for_runs(process: subprocess.Popen[bytes], base: str, home: Path, timeout: float,
                  start: float) -> bool:
    passwords = home / "airflow" / "simple_auth_manager_passwords.json"
    token = None
    done: dict[str, float] = {}
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            say(f"FAIL: make run exited with status {process.returncode} before the DAGs succeeded",
                start)
            return False
        if token is None:
            token = get_token(base, passwords)
            if token:
                say("API up, logged in as admin", start)
        if token:
            for dag_id in DAGS:
                if dag_id not in done and successful_runs(base, token, dag_id) > 0:
                    done[dag_id] = time.monotonic() - start
                    say(f"{dag_id}: a run succeeded", start)
                if dag_id not in done and failed_runs(base, token, dag_id) > 0:
                    say(f"FAIL: {dag_id} has a failed run", start)
                    return False
            if len(done) == len(DAGS):
                return True
        time.sleep(2.0)
    say(f"FAIL: timed out after {timeout:.0f} s; succeeded so far: {sorted(done)}", start)
    return False


def stop_and_check(process: subprocess.Popen[bytes], home: Path, start: float) -> bool:
    pgid = process.pid
    say("sending SIGINT to the process group (Ctrl-C)", start)
    stop_started = time.monotonic()
    os.killpg(pgid, signal.SIGINT)
    deadline = stop_started + STOP_TIMEOUT
    remaining = leftovers(pgid, home)
    while time.monotonic() < deadline:
        process.poll()
        remaining = leftovers(pgid, home)
        if not remaining and process.returncode is not None and not embedded_server_running(home):
            say(f"everything stopped {time.monotonic() - stop_started:.1f} s after SIGINT "
                f"(exit status {process.returncode})", start)
            return True
        time.sleep(0.5)
    say(f"FAIL: {STOP_TIMEOUT:.0f} s after SIGINT these are still alive:", start)
    for line in remaining:
        print("    " + line, flush=True)
    if embedded_server_running(home):
        print(f"    the embedded PostgreSQL server in {embedded_pgdata(home)}", flush=True)
    return False


def clean_up_after_failure(pgid: int, home: Path) -> None:
    """Leave the machine as it was: kill what the failed run left behind."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for line in leftovers(pgid, home):
            try:
                os.kill(int(line.split(":")[0]), sig)
            except (ProcessLookupError, PermissionError):
                pass
        time.sleep(5)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timeout", type=float, default=600.0,
                        help="seconds to wait for both DAGs to succeed (default 600)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary STORYWATCH_HOME")
    parser.add_argument("command", nargs="*", default=["make", "run"],
                        help="what to start (default: make run)")
    args = parser.parse_args()

    # Short: the embedded server's Unix socket path must fit in 107 bytes.
    home = Path(tempfile.mkdtemp(prefix="sw-smoke-", dir="/tmp"))
    port = free_port()
    env = dict(os.environ, STORYWATCH_HOME=str(home), STORYWATCH_AIRFLOW_PORT=str(port))
    env.pop("STORYWATCH_DATABASE_URL", None)  # the embedded default is what a newcomer gets
    output = home / "make-run.out"
    base = f"http://127.0.0.1:{port}"
    start = time.monotonic()
    say(f"starting `{' '.join(args.command)}` in {REPO_ROOT} with STORYWATCH_HOME={home}, "
        f"API port {port}", start)
    with open(output, "wb") as out:
        process = subprocess.Popen(args.command, cwd=REPO_ROOT, env=env, stdout=out,
                                   stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                   start_new_session=True)
    ok = False
    try:
        ok = wait_for_runs(process, base, home, args.timeout, start)
    finally:
        stopped = stop_and_check(process, home, start)
        ok = ok and stopped
        if not stopped:
            clean_up_after_failure(process.pid, home)
    if not ok:
        print(f"--- last lines of the output ({output}) ---\n{tail(output)}", flush=True)
        print(f"FAILED (kept {home} for inspection)", flush=True)
        return 1
    if args.keep:
        print(f"kept {home}", flush=True)
    else:
        if embedded_pgdata(home) != home / "pgdata":  # root: the data's folder outside the home
            shutil.rmtree(embedded_pgdata(home).parent, ignore_errors=True)
        shutil.rmtree(home, ignore_errors=True)
    say("PASSED: both DAGs succeeded and nothing is left running", start)
    return 0


if __name__ == "__main__":
    sys.exit(main())
