"""`make run`: the database and Airflow's components on this machine; Ctrl-C stops them all.

Starts the embedded PostgreSQL server (or uses STORYWATCH_DATABASE_URL), applies
storywatch's migrations, configures Airflow through environment variables only
(AIRFLOW_HOME is `$STORYWATCH_HOME/airflow`, generated secrets stay there), migrates
Airflow's metadata database (a database `airflow` on the same server), starts
the api-server, scheduler, dag-processor and triggerer, unpauses the storywatch
DAGs and triggers `storywatch_seed`.

Every child runs in a session of its own, so Ctrl-C in the terminal reaches only
this process, which then stops the children in order: SIGTERM to each process
group, a grace period, SIGKILL to whatever is left in their sessions (task
processes included), then the embedded server if this run started it.
"""
from __future__ import annotations

import base64
import contextlib
import ctypes
import fcntl
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any, TextIO
from urllib.parse import urlsplit, urlunsplit

from storywatch.errors import StorywatchError
from storywatch.settings import REPO_ROOT, Settings
from storywatch.store import db, migrate
from storywatch.store.embedded import EmbeddedServer
from storywatch_airflow.hooks import connection_json

# The scheduler and triggerer would also serve task logs on all interfaces; every
# component here shares one log folder, so the api-server reads the files itself.
COMPONENTS = {
    "api-server": ("api-server",),
    "scheduler": ("scheduler", "--skip-serve-logs"),
    "dag-processor": ("dag-processor",),
    "triggerer": ("triggerer", "--skip-serve-logs"),
}
AIRFLOW_DATABASE = "airflow"
ADMIN_USER = "admin"
TOKEN_PATH = "/auth/token"
DEFAULT_PORT = 8080
PORT_VARIABLE = "STORYWATCH_AIRFLOW_PORT"
HTTP_POOL = "storywatch_http"
HTTP_POOL_SLOTS = 4
SEED_DAG = "storywatch_seed"
DAG_TAG = "storywatch"
STARTUP_TIMEOUT = 300.0  # a cold first start on a busy 2-core box: migrations, imports, parsing
STOP_GRACE = 30.0
PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


class Shutdown(BaseException):
    """Raised by the signal handler so every `finally` block runs (not an Exception on purpose)."""


@dataclass(frozen=True, slots=True)
class LocalPaths:
    """Where `make run` keeps Airflow's state, all under STORYWATCH_HOME."""

    home: Path

    @property
    def airflow_home(self) -> Path:
        return self.home / "airflow"

    @property
    def logs(self) -> Path:
        return self.airflow_home / "logs"

    @property
    def secrets(self) -> Path:
        return self.airflow_home / "secrets.json"

    @property
    def passwords(self) -> Path:
        return self.airflow_home / "simple_auth_manager_passwords.json"

    @property
    def lock(self) -> Path:
        return self.airflow_home / "localrun.lock"


# -- pure helpers ---------------------------------------------------------------
def sqlalchemy_url(libpq_url: str, database: str) -> str:
    """The psycopg2 SQLAlchemy URL of `database` on the server of a libpq URL (sockets kept)."""
    parts = urlsplit(libpq_url)
    return urlunsplit(parts._replace(scheme="postgresql+psycopg2", path="/" + database))


def airflow_environment(
    paths: LocalPaths, *, metadata_url: str, storywatch_url: str, port: int,
    local_secrets: Mapping[str, str],
) -> dict[str, str]:
    """The AIRFLOW_* variables that configure every component (no airflow.cfg edits)."""
    base_url = f"http://127.0.0.1:{port}"
    return {
        "AIRFLOW_HOME": str(paths.airflow_home),
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        # Two cores: more task slots than this only makes the tasks fight for them.
        "AIRFLOW__CORE__PARALLELISM": "4",
        "AIRFLOW__CORE__MAX_ACTIVE_TASKS_PER_DAG": "4",
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DAGS_FOLDER": str(REPO_ROOT / "dags"),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(REPO_ROOT / "plugins"),
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
        "AIRFLOW__CORE__FERNET_KEY": local_secrets["fernet_key"],
        "AIRFLOW__API_AUTH__JWT_SECRET": local_secrets["jwt_secret"],
        "AIRFLOW__CORE__AUTH_MANAGER": (
            "airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager"
        ),
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{ADMIN_USER}:admin",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(paths.passwords),
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": metadata_url,
        # Five components with their own pools share one small server.
        "AIRFLOW__DATABASE__SQL_ALCHEMY_POOL_SIZE": "3",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_MAX_OVERFLOW": "5",
        "AIRFLOW__API__HOST": "127.0.0.1",
        "AIRFLOW__API__PORT": str(port),
        "AIRFLOW__API__BASE_URL": base_url,
        "AIRFLOW__API__WORKERS": "1",
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{base_url}/execution/",
        "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(paths.logs),
        "AIRFLOW_CONN_STORYWATCH_DB": connection_json(storywatch_url),
    }


def child_environment(base: Mapping[str, str], airflow_env: Mapping[str, str], home: Path) -> dict[str, str]:
    """The environment of every child: ours, Airflow's settings, and this checkout first on the path."""
    env = dict(base)
    env.update(airflow_env)
    env["STORYWATCH_HOME"] = str(home)
    # Children import the same storywatch as this process, whatever else is installed.
    plugins = str(REPO_ROOT / "plugins")
    env["PYTHONPATH"] = os.pathsep.join(p for p in (plugins, base.get("PYTHONPATH", "")) if p)
    return env


def port_is_free(port: int) -> bool:
    """True when nothing listens on 127.0.0.1:`port`."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def choose_port(env: Mapping[str, str]) -> int:
    """STORYWATCH_AIRFLOW_PORT if set (it must be free), else 8080, else any free port."""
    configured = env.get(PORT_VARIABLE, "").strip()
    if configured:
        if not configured.isdigit() or not 0 < int(configured) < 65536:
            raise StorywatchError(f"{PORT_VARIABLE}={configured!r} is not a port number")
        if not port_is_free(int(configured)):
            raise StorywatchError(
                f"port {configured} ({PORT_VARIABLE}) is taken: choose another or unset it"
            )
        return int(configured)
    if port_is_free(DEFAULT_PORT):
        return DEFAULT_PORT
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _write_private(path: Path, text: str) -> None:
    """Write `text` to `path` readable by the owner only, atomically."""
    tmp = path.with_suffix(path.suffix + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    tmp.replace(path)


def load_local_secrets(paths: LocalPaths) -> dict[str, str]:
    """The JWT secret and Fernet key of this home, generated on first use and kept."""
    if paths.secrets.exists():
        stored = json.loads(paths.secrets.read_text(encoding="utf-8"))
        if {"jwt_secret", "fernet_key"} <= set(stored):
            return {"jwt_secret": stored["jwt_secret"], "fernet_key": stored["fernet_key"]}
    generated = {
        "jwt_secret": secrets.token_urlsafe(48),
        # A Fernet key is 32 random bytes, urlsafe-base64 encoded.
        "fernet_key": base64.urlsafe_b64encode(os.urandom(32)).decode("ascii"),
    }
    _write_private(paths.secrets, json.dumps(generated, indent=2) + "\n")
    return generated


def admin_password(paths: LocalPaths) -> str:
    """The admin's password from the auth manager's password file, created on first use."""
    passwords: dict[str, str] = {}
    if paths.passwords.exists():
        text = paths.passwords.read_text(encoding="utf-8").strip()
        passwords = json.loads(text) if text else {}
    if ADMIN_USER not in passwords:
        passwords[ADMIN_USER] = secrets.token_urlsafe(12)
        _write_private(paths.passwords, json.dumps(passwords) + "\n")
    return passwords[ADMIN_USER]


# -- child processes --------------------------------------------------------------
class Children:
    """The processes this run started, each the leader of its own session."""

    def __init__(self, logs: Path, env: Mapping[str, str]) -> None:
        self.logs = logs
        self.env = dict(env)
        self.running: dict[str, subprocess.Popen[bytes]] = {}
        self.sessions: set[int] = set()
        self.hurry = False

    def log_path(self, name: str) -> Path:
        return self.logs / f"{name}.log"

    def start(self, name: str, *args: str) -> subprocess.Popen[bytes]:
        """Start `python -m airflow ARGS` (see `spawn`)."""
        return self.spawn(name, [sys.executable, "-m", "airflow", *args])

    def spawn(self, name: str, command: list[str]) -> subprocess.Popen[bytes]:
        """Start `command` in a new session, its output in logs/NAME.log."""
        with open(self.log_path(name), "ab") as log:
            # The logs outlive a run: mark where this one starts.
            log.write(f"\n=== {time.strftime('%Y-%m-%dT%H:%M:%S%z')} {' '.join(command[1:])}\n".encode())
            log.flush()
            process = subprocess.Popen(
                command, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                env=self.env, cwd=REPO_ROOT, start_new_session=True,
                preexec_fn=_terminate_with_parent,
            )
        self.running[name] = process
        self.sessions.add(process.pid)
        return process

    def run(self, name: str, *args: str, timeout: float = STARTUP_TIMEOUT) -> None:
        """Run a one-shot airflow command to completion; fail with its log's last lines."""
        process = self.start(name, *args)
        try:
            returncode = process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise StorywatchError(
                f"`airflow {' '.join(args)}` did not finish in {timeout:.0f} s; see {self.log_path(name)}"
            ) from None
        del self.running[name]
        if returncode != 0:
            raise StorywatchError(
                f"`airflow {' '.join(args)}` failed (exit {returncode}):\n"
                f"{tail(self.log_path(name))}\nfull log: {self.log_path(name)}"
            )

    def first_dead(self) -> str | None:
        """The name of a long-running child that has exited, if any."""
        for name, process in self.running.items():
            if process.poll() is not None:
                return name
        return None

    def stop_all(self, grace: float = STOP_GRACE) -> list[int]:
        """SIGTERM every group, wait, SIGKILL what is left in our sessions; pids killed."""
        for process in self.running.values():
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline and not self.hurry:
            for process in self.running.values():
                process.poll()  # reap leaders as they exit so they leave the process table
            if not session_members(self.sessions):
                break
            time.sleep(0.2)
        killed = session_members(self.sessions)
        for pid in killed:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        for process in self.running.values():
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=5)
        # SIGKILL is delivered asynchronously: return only once the killed are gone, so
        # that "stopped" means nothing of ours is still running.
        deadline = time.monotonic() + 5
        while killed and session_members(self.sessions) and time.monotonic() < deadline:
            time.sleep(0.02)
        return killed


def _terminate_with_parent() -> None:
    """In the child: get SIGTERM if this process dies, even by SIGKILL (Linux prctl)."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def session_members(sessions: set[int]) -> list[int]:
    """Live (not zombie) processes whose session id is one of `sessions`."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # Fields after the parenthesised command: state ppid pgrp session ...
        fields = stat[stat.rindex(")") + 2:].split()
        if fields[0] != "Z" and int(fields[3]) in sessions:
            members.append(int(entry.name))
    return members


def tail(path: Path, lines: int = 15) -> str:
    """The last lines of a log file, indented, for an error message."""
    if not path.exists():
        return "    (no log)"
    text = path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:]
    return "\n".join("    " + line for line in text)


# -- the REST API -------------------------------------------------------------------
def access_token(post_json: Callable[[str, Any], tuple[int, Any]], user: str,
                 password: str) -> str:
    """Log in to Airflow's API as `user` through `post_json(path, body) -> (status, JSON)`; the JWT.

    The one login of this repository's tools and tests, whatever carries the request
    (urllib here, a TestClient in the tests).
    """
    status, body = post_json(TOKEN_PATH, {"username": user, "password": password})
    if status not in (200, 201) or not isinstance(body, dict) or "access_token" not in body:
        raise StorywatchError(f"could not log in to the Airflow API as {user} (HTTP {status})")
    return str(body["access_token"])


class Api:
    """Just enough of Airflow's REST API (v2, JWT from /auth/token) for start-up."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.token: str | None = None

    def call(self, method: str, path: str, body: Any = None, *,
             form: Mapping[str, str] | None = None) -> tuple[int, Any]:
        """(status, decoded JSON or None) of one request; HTTP errors are statuses, not exceptions.

        `body` goes as JSON; `form`, instead, as an urlencoded form (as a browser posts one).
        """
        if form is not None:
            data = urllib.parse.urlencode(form).encode()
            content_type = "application/x-www-form-urlencoded"
        else:
            data = json.dumps(body).encode() if body is not None else None
            content_type = "application/json"
        request = urllib.request.Request(self.base_url + path, data=data, method=method)
        request.add_header("Content-Type", content_type)
        if self.token:
            request.add_header("Authorization", f"Bearer {self.token}")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                payload = response.read()
                status = response.status
        except urllib.error.HTTPError as exc:
            payload, status = exc.read(), exc.code
        except OSError as exc:  # URLError, refused, reset, timed out
            raise StorywatchError(f"the Airflow API at {self.base_url} does not answer: {exc}") from exc
        try:
            return status, json.loads(payload) if payload else None
        except ValueError:
            return status, None

    def is_healthy(self) -> bool:
        """True once the api-server answers its health check."""
        try:
            status, _ = self.call("GET", "/api/v2/monitor/health")
        except StorywatchError:
            return False
        return status == 200

    def log_in(self, user: str, password: str) -> None:
        """Get a JWT for `user`."""
        self.token = access_token(lambda path, body: self.call("POST", path, body), user, password)

    def has_dag(self, dag_id: str) -> bool:
        """True once the dag-processor has parsed `dag_id`."""
        try:
            status, _ = self.call("GET", f"/api/v2/dags/{dag_id}")
        except StorywatchError:
            return False
        return status == 200

    def unpause_tagged(self, tag: str) -> list[str]:
        """Unpause every DAG tagged `tag`; the ids unpaused."""
        status, body = self.call("GET", f"/api/v2/dags?tags={tag}&paused=true&limit=100")
        if status != 200:
            raise StorywatchError(f"listing the {tag} DAGs failed (HTTP {status})")
        unpaused = []
        for dag in body.get("dags", []):
            status, _ = self.call("PATCH", f"/api/v2/dags/{dag['dag_id']}", {"is_paused": False})
            if status != 200:
                raise StorywatchError(f"unpausing {dag['dag_id']} failed (HTTP {status})")
            unpaused.append(dag["dag_id"])
        return unpaused

    def trigger(self, dag_id: str) -> str:
        """Start a run of `dag_id` now; its run id."""
        status, body = self.call("POST", f"/api/v2/dags/{dag_id}/dagRuns", {"logical_date": None})
        if status not in (200, 201) or not body:
            raise StorywatchError(f"triggering {dag_id} failed (HTTP {status}): {body}")
        return str(body["dag_run_id"])


def wait_for(what: str, check: Any, children: Children, timeout: float = STARTUP_TIMEOUT) -> None:
    """Poll `check()` until true; fail early if a component dies, or after `timeout`."""
    deadline = time.monotonic() + timeout
    while not check():
        dead = children.first_dead()
        if dead:
            raise StorywatchError(
                f"the Airflow {dead} stopped while waiting for {what}:\n"
                f"{tail(children.log_path(dead))}\nfull log: {children.log_path(dead)}"
            )
        if time.monotonic() > deadline:
            raise StorywatchError(f"gave up waiting for {what} after {timeout:.0f} s; logs in "
                                  f"{children.logs}")
        time.sleep(1.0)


# -- the run ----------------------------------------------------------------------------
@contextlib.contextmanager
def exclusive(paths: LocalPaths) -> Iterator[None]:
    """Refuse a second `make run` on the same STORYWATCH_HOME."""
    with open(paths.lock, "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise StorywatchError(
                f"another `make run` already uses {paths.home}: stop it first, or set "
                "STORYWATCH_HOME to another folder"
            ) from None
        yield


@contextlib.contextmanager
def storywatch_server(settings: Settings, out: TextIO) -> Iterator[str]:
    """Yield the server's libpq URL; an embedded server started here is stopped at the end."""
    if settings.database_url:
        yield settings.database_url
        return
    server = EmbeddedServer(settings.home, settings.embedded_port)
    print("starting the embedded PostgreSQL server ...", file=out, flush=True)
    was_running = server.is_running()
    try:
        started = server.start()
    except Shutdown:
        if not was_running:  # interrupted half way: whatever pg_ctl got going is ours
            server.stop(mode="fast")
        raise
    try:
        db.wait_until_ready(server.url())
        yield server.url()
    finally:
        if started:
            print("stopping the embedded PostgreSQL server ...", file=out, flush=True)
            server.stop(mode="fast")
        else:
            print(f"the embedded server in {server.pgdata} was running before this run, so it is "
                  "left running (`storywatch db stop` stops it)", file=out, flush=True)


def _with_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path="/" + name))


def prepare_databases(settings: Settings, server_url: str, out: TextIO) -> str:
    """Create the storywatch and airflow databases, migrate storywatch's; its URL."""
    if settings.database_url:
        storywatch_url = server_url
    else:
        db.ensure_database(server_url, db.EMBEDDED_DATABASE)
        storywatch_url = _with_database(server_url, db.EMBEDDED_DATABASE)
    db.ensure_database(storywatch_url, AIRFLOW_DATABASE)
    conn = db.connect(storywatch_url)
    try:
        result = migrate.upgrade(conn, settings.sql_dir)
    finally:
        conn.close()
    applied = ", ".join(result.applied) if result.applied else "none pending"
    print(f"storywatch migrations: {applied}", file=out, flush=True)
    return storywatch_url


def start_airflow(children: Children, paths: LocalPaths, api: Api, out: TextIO) -> str:
    """Migrate Airflow's database, start its components, trigger the seed DAG; the run id."""
    print("migrating Airflow's metadata database (the first time takes a minute) ...",
          file=out, flush=True)
    children.run("db-migrate", "db", "migrate")
    children.run("pools-set", "pools", "set", HTTP_POOL, str(HTTP_POOL_SLOTS),
                 "Concurrent HTTP fetches (per-host politeness is enforced by storywatch)")
    print(f"starting Airflow: {', '.join(COMPONENTS)} (logs in {paths.logs}) ...",
          file=out, flush=True)
    for name, args in COMPONENTS.items():
        children.start(name, *args)
    wait_for("the API server", api.is_healthy, children)
    api.log_in(ADMIN_USER, admin_password(paths))
    wait_for(f"the DAG {SEED_DAG} to be parsed", lambda: api.has_dag(SEED_DAG), children)
    unpaused = api.unpause_tagged(DAG_TAG)
    if unpaused:
        print(f"unpaused: {', '.join(unpaused)}", file=out, flush=True)
    return api.trigger(SEED_DAG)


def _raise_shutdown(signum: int, _frame: FrameType | None) -> None:
    raise Shutdown(signum)


def run(settings: Settings, env: Mapping[str, str], out: TextIO) -> int:
    """Start everything, wait for Ctrl-C or SIGTERM (or a component dying), stop everything."""
    paths = LocalPaths(settings.home)
    try:
        paths.logs.mkdir(parents=True, exist_ok=True)
        paths.airflow_home.chmod(0o700)  # it holds the secrets and the password file
    except OSError as exc:
        raise StorywatchError(
            f"STORYWATCH_HOME {paths.home} is not writable ({exc.strerror}): point "
            "STORYWATCH_HOME at a folder you can write"
        ) from exc
    port = choose_port(env)
    api = Api(f"http://127.0.0.1:{port}")
    children: Children | None = None
    status = 0
    with exclusive(paths), storywatch_server(settings, out) as server_url:
        try:
            storywatch_url = prepare_databases(settings, server_url, out)
            metadata_url = sqlalchemy_url(storywatch_url, AIRFLOW_DATABASE)
            airflow_env = airflow_environment(
                paths, metadata_url=metadata_url, storywatch_url=storywatch_url, port=port,
                local_secrets=load_local_secrets(paths),
            )
            admin_password(paths)
            children = Children(paths.logs, child_environment(env, airflow_env, paths.home))
            run_id = start_airflow(children, paths, api, out)
            print_banner(out, api.base_url, paths, storywatch_url, run_id)
            while (dead := children.first_dead()) is None:
                time.sleep(1.0)
            print(f"storywatch: error: the Airflow {dead} stopped:\n"
                  f"{tail(children.log_path(dead))}\nfull log: {children.log_path(dead)}",
                  file=sys.stderr, flush=True)
            status = 1
        except Shutdown as stop:
            print(f"\n{signal.Signals(stop.args[0]).name}: stopping ...", file=out, flush=True)
            status = 0
        except StorywatchError as exc:
            print(f"storywatch: error: {exc}", file=sys.stderr, flush=True)
            status = 1
        finally:
            # A second Ctrl-C during the stop skips the grace period instead of aborting it.
            def hurry(_signum: int, _frame: FrameType | None) -> None:
                if children is not None:
                    children.hurry = True

            for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
                signal.signal(sig, hurry)
            if children is not None:
                print("stopping Airflow ...", file=out, flush=True)
                killed = children.stop_all()
                if killed:
                    print(f"killed {len(killed)} process(es) that ignored SIGTERM", file=out,
                          flush=True)
    print("stopped.", file=out, flush=True)
    return status


def print_banner(out: TextIO, base_url: str, paths: LocalPaths, storywatch_url: str,
                 run_id: str) -> None:
    """Tell the newcomer where to look."""
    print(
        f"\nstorywatch is running; {SEED_DAG} was triggered (run {run_id}).\n"
        f"  dashboard: {base_url}/\n"
        f"  user:      {ADMIN_USER}\n"
        f"  password:  in {paths.passwords}\n"
        f"  database:  psql '{db.redact_url(storywatch_url)}'\n"
        f"  logs:      {paths.logs}\n"
        "Press Ctrl-C to stop Airflow and the database.\n",
        file=out, flush=True,
    )


def main() -> int:
    """Entry point of `python -m storywatch_airflow.localrun`."""
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _raise_shutdown)
    try:
        return run(Settings.from_env(), os.environ, sys.stdout)
    except StorywatchError as exc:
        print(f"storywatch: error: {exc}", file=sys.stderr)
        return 1
    except Shutdown:
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
