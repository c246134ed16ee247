#!/usr/bin/env python3
"""Scale-out without Docker: Airflow on the CeleryExecutor with two workers, driven by its REST API.

What `docker compose up --scale airflow-worker=2` runs, on this machine's own
Redis (127.0.0.1:6379, a dedicated database number) and PostgreSQL
(127.0.0.1:5432): this script creates an Airflow metadata database and a
storywatch database of its own, runs the compose file's `airflow-init` script
itself (metadata migration, `storywatch db upgrade`, the admin's password file,
the `storywatch_http` pool), starts the api-server, scheduler, dag-processor,
triggerer and two Celery workers, triggers `storywatch_seed` and then
`storywatch_process` through the REST API (a JWT from /auth/token, then
/api/v2/dags/{id}/dagRuns), waits for every run to succeed, and checks what the
runs stored in the database. Alerts go to a webhook sink on 127.0.0.1, so the
process DAG's notifier is exercised through Celery too; `storywatch_digest`
then writes the digests. Before the seed, an article whose title carries a
<script> tag is stored through `storywatch ingest`.

With --browser (the default when chromium and chromedriver are installed) the
browser test (.ci/browser_threads.py) then runs against this same Airflow, so
CI starts Airflow once for both: reading the Threads page, then reviewing,
searching and opening an article from it. At the end every process started here is
stopped, both databases are dropped and the Redis database is flushed.

Exit status 0 when everything held, 1 otherwise. Usage:
    .venv/bin/python .ci/celery_e2e.py [--timeout 900] [--keep] [--no-browser]
"""
from __future__ import annotations

import argparse
import base64
import contextlib
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT / "plugins"))
sys.path.insert(0, str(REPO_ROOT / ".ci"))

import psycopg2  # noqa: E402
import psycopg2.sql  # noqa: E402
import yaml  # noqa: E402

from storywatch import stages as pipeline  # noqa: E402
from storywatch_airflow import localrun  # noqa: E402

POSTGRES_URL = os.environ.get("CELERY_E2E_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
# A database number of its own, so flushing it at the end touches nobody else's keys.
REDIS_DB = int(os.environ.get("CELERY_E2E_REDIS_DB", "11"))
WORKERS = ("worker-1", "worker-2")
# An article whose title and source carry markup, stored before the seed DAG runs: the process
# DAG must track it, and the browser must show the markup as text.
HOSTILE_TITLE = "<script>document.title='owned'</script> US puts Russian force at more than 130,000"
HOSTILE_ARTICLE = f"""---
title: "{HOSTILE_TITLE}"
url: https://hostile-wire.example/2022/02/14/force
source: "<b>Hostile</b> Wire"
published: 2022-02-14T08:00:00Z
---
WASHINGTON (Hostile Wire) — Russia has now massed more than 130,000 troops near Ukraine's
borders, a US official said on Monday, up from about 100,000 a few weeks ago.

The official said more units had arrived in Belarus over the weekend.
"""
# A word of the hostile article: the browser test searches it and opens the result.
HOSTILE_SEARCH_WORD = "Belarus"
WORKER_CONCURRENCY = 2
DAGS_UNDER_TEST = ("storywatch_seed", "storywatch_process", "storywatch_digest")
RUN_STATES_DONE = {"success", "failed"}
START = time.monotonic()
TIMINGS: list[tuple[str, float]] = []


def say(message: str) -> None:
    print(f"[{time.monotonic() - START:6.1f} s] {message}", flush=True)


def mark(step: str) -> None:
    """Record how long the run took to get here (printed at the end)."""
    TIMINGS.append((step, time.monotonic() - START))
    say(step)


class Failed(Exception):
    """A check of this script did not hold."""


# -- the machine's services ------------------------------------------------------------------
def redis(*commands: tuple[str, ...]) -> list[bytes]:
    """Send commands to the local Redis on one connection (its wire protocol); the raw replies."""
    payload = b""
    for words in commands:
        payload += f"*{len(words)}\r\n".encode() + b"".join(
            f"${len(w.encode())}\r\n".encode() + w.encode() + b"\r\n" for w in words)
    replies: list[bytes] = []
    with socket.create_connection((REDIS_HOST, REDIS_PORT), timeout=5) as sock:
        sock.sendall(payload)
        buffer = b""
        while len(replies) < len(commands):
            chunk = sock.recv(4096)
            if not chunk:
                break
            buffer += chunk
            *complete, buffer = buffer.split(b"\r\n")
            replies += complete  # every reply used here is a one-line status or error
    return replies


def check_services() -> None:
    try:
        reply = redis(("PING",))[0]
    except (OSError, IndexError) as exc:
        raise Failed(f"Redis does not answer on {REDIS_HOST}:{REDIS_PORT} ({exc}): start it "
                     "(.ci/run does)") from exc
    if not reply.startswith(b"+PONG"):
        raise Failed(f"Redis on {REDIS_HOST}:{REDIS_PORT} answered {reply!r} to PING")
    try:
        psycopg2.connect(POSTGRES_URL, connect_timeout=5).close()
    except psycopg2.OperationalError as exc:
        raise Failed(f"PostgreSQL does not answer at {POSTGRES_URL}: {exc}".strip()) from exc


def with_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path="/" + name))


@contextlib.contextmanager
def databases(prefix: str) -> Iterator[tuple[str, str]]:
    """Two fresh databases (Airflow's metadata, storywatch's data), dropped at the end."""
    names = (f"{prefix}_airflow", f"{prefix}_storywatch")
    admin = psycopg2.connect(POSTGRES_URL)
    admin.autocommit = True
    try:
        with admin.cursor() as cur:
            for name in names:
                cur.execute(psycopg2.sql.SQL("create database {}").format(
                    psycopg2.sql.Identifier(name)))
        yield with_database(POSTGRES_URL, names[0]), with_database(POSTGRES_URL, names[1])
    finally:
        with admin.cursor() as cur:
            for name in names:
                cur.execute(psycopg2.sql.SQL("drop database if exists {} with (force)").format(
                    psycopg2.sql.Identifier(name)))
        admin.close()


# -- a webhook sink for the alerts -------------------------------------------------------------
class WebhookSink:
    """Collects the JSON bodies POSTed to it on 127.0.0.1."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                try:
                    sink.received.append(json.loads(body))
                    self.send_response(204)
                except ValueError:
                    self.send_response(400)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/storywatch-alerts"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> WebhookSink:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


# -- Airflow ------------------------------------------------------------------------------------
def init_script() -> str:
    """The compose file's airflow-init script, with compose's `$$` escapes undone."""
    compose = yaml.safe_load((REPO_ROOT / "docker-compose.yml").read_text())
    command = compose["services"]["airflow-init"]["command"]
    script = command[-1]
    if re.search(r"(?<!\$)\$\{", script):
        raise Failed("the airflow-init script reads a compose variable; this runner cannot")
    return script.replace("$$", "$")


def environment(paths: localrun.LocalPaths, metadata_url: str, storywatch_url: str, port: int,
                webhook_url: str) -> dict[str, str]:
    """What every component gets: make run's settings, with Celery instead of LocalExecutor."""
    airflow_env = localrun.airflow_environment(
        paths, metadata_url=localrun.sqlalchemy_url(metadata_url, urlsplit(metadata_url).path[1:]),
        storywatch_url=storywatch_url, port=port,
        local_secrets={"jwt_secret": secrets.token_urlsafe(48),
                       "fernet_key": base64.urlsafe_b64encode(os.urandom(32)).decode()},
    )
    airflow_env.update({
        "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
        "AIRFLOW__CELERY__BROKER_URL": f"redis://{REDIS_HOST}:{REDIS_PORT}/{REDIS_DB}",
        "AIRFLOW__CELERY__RESULT_BACKEND": "db+" + metadata_url,
        "AIRFLOW__CELERY__WORKER_CONCURRENCY": str(WORKER_CONCURRENCY),
        "AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK": "False",
        # Only the DAGs under test run (unpaused below); the scheduled ones stay quiet.
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "True",
    })
    env = localrun.child_environment(os.environ, airflow_env, paths.home)
    env.update({
        # The compose services' storywatch settings.
        "STORYWATCH_DATABASE_URL": storywatch_url,
        "STORYWATCH_NOTIFY_WEBHOOK_URL": webhook_url,
        "STORYWATCH_ALLOWED_NETWORKS": "127.0.0.1/32",
        # airflow-init's inputs, as compose passes them.
        "AIRFLOW_ADMIN_PASSWORD": secrets.token_urlsafe(12),
        "AIRFLOW_UID": str(os.getuid()),
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]),
    })
    for name in ("STORYWATCH_NOTIFY_SMTP_TO", "AIRFLOW_CONN_SMTP_DEFAULT"):
        env.pop(name, None)
    return env


def run_init(children: localrun.Children, timeout: float) -> None:
    process = children.spawn("airflow-init", ["bash", "-c", init_script()])
    try:
        status = process.wait(timeout=timeout)
    except Exception:
        raise Failed(f"airflow-init did not finish in {timeout:.0f} s; see "
                     f"{children.log_path('airflow-init')}") from None
    del children.running["airflow-init"]
    if status != 0:
        raise Failed(f"airflow-init failed (exit {status}):\n"
                     f"{localrun.tail(children.log_path('airflow-init'), 30)}")


def ingest_hostile_article(home: Path, env: dict[str, str]) -> None:
    """Store the hostile article through the command line, as an analyst would."""
    path = home / "hostile.txt"
    path.write_text(HOSTILE_ARTICLE, encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "storywatch", "ingest", str(path)], env=env,
                            cwd=REPO_ROOT, capture_output=True, text=True, timeout=300)
    if result.returncode != 0:
        raise Failed(f"storywatch ingest failed: {result.stdout}{result.stderr}")


def start_components(children: localrun.Children) -> None:
    for name, args in localrun.COMPONENTS.items():
        children.start(name, *args)
    for name in WORKERS:
        # Both on this machine: distinct Celery node names, and no second log server on the
        # same port (the api-server reads the shared log folder).
        children.start(name, "celery", "worker", "--celery-hostname", f"{name}@%h",
                       "--concurrency", str(WORKER_CONCURRENCY), "--skip-serve-logs")


def unpause(api: localrun.Api, dag_id: str) -> None:
    status, _ = api.call("PATCH", f"/api/v2/dags/{dag_id}", {"is_paused": False})
    if status != 200:
        raise Failed(f"unpausing {dag_id} failed (HTTP {status})")


def run_state(api: localrun.Api, dag_id: str, run_id: str) -> str:
    """The run's state; "unknown" while the API is too busy to answer in time (2 shared cores)."""
    try:
        status, body = api.call("GET", f"/api/v2/dags/{dag_id}/dagRuns/{run_id}")
    except localrun.StorywatchError as exc:
        say(f"(the API did not answer in time: {exc}; asking again)")
        return "unknown"
    if status != 200 or not isinstance(body, dict):
        raise Failed(f"reading run {run_id} of {dag_id} failed (HTTP {status})")
    return str(body["state"])


def wait_for_run(api: localrun.Api, children: localrun.Children, dag_id: str, run_id: str,
                 timeout: float) -> float:
    """Wait until the run ends; its duration; Failed unless it succeeded."""
    started = time.monotonic()
    deadline = started + timeout
    state = "queued"
    while time.monotonic() < deadline:
        dead = children.first_dead()
        if dead:
            raise Failed(f"the {dead} stopped:\n{localrun.tail(children.log_path(dead), 30)}")
        state = run_state(api, dag_id, run_id)
        if state in RUN_STATES_DONE:
            break
        time.sleep(2.0)
    if state != "success":
        raise Failed(f"{dag_id} run {run_id} ended {state}:\n{task_report(api, dag_id, run_id)}")
    return time.monotonic() - started


def all_runs(api: localrun.Api, dag_id: str) -> list[dict[str, Any]]:
    try:
        status, body = api.call("GET", f"/api/v2/dags/{dag_id}/dagRuns?limit=100")
    except localrun.StorywatchError:
        return [{"state": "unknown"}]
    if status != 200 or not isinstance(body, dict):
        raise Failed(f"listing the runs of {dag_id} failed (HTTP {status})")
    return list(body["dag_runs"])


def wait_until_idle(api: localrun.Api, dag_id: str, timeout: float) -> list[dict[str, Any]]:
    """Wait until no run of `dag_id` is queued or running (Asset-triggered ones included)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        runs = all_runs(api, dag_id)
        if all(run["state"] in RUN_STATES_DONE for run in runs):
            return runs
        time.sleep(2.0)
    raise Failed(f"runs of {dag_id} still unfinished after {timeout:.0f} s")


def task_instances(api: localrun.Api, dag_id: str, run_id: str) -> list[dict[str, Any]]:
    try:
        status, body = api.call("GET", f"/api/v2/dags/{dag_id}/dagRuns/{run_id}/taskInstances")
    except localrun.StorywatchError:
        return []
    if status != 200 or not isinstance(body, dict):
        return []
    return list(body["task_instances"])


def task_report(api: localrun.Api, dag_id: str, run_id: str) -> str:
    return "\n".join(f"    {ti['task_id']}: {ti['state']} (executor {ti.get('executor')}, "
                     f"try {ti.get('try_number')})" for ti in task_instances(api, dag_id, run_id))


def tasks_per_worker(children: localrun.Children) -> dict[str, int]:
    """How many task workloads each Celery worker received, from its log."""
    counts = {}
    for name in WORKERS:
        text = children.log_path(name).read_text(errors="replace")
        counts[name] = len(re.findall(r"Task \S*execute_workload\S* received", text))
    return counts


# -- checks of the stored data ---------------------------------------------------------------------
COUNTS = {
    "documents": "select count(*) from documents",
    "document_versions": "select count(*) from document_versions",
    "stage_runs": "select count(*) from stage_runs",
}
DEVELOPMENTS = "select count(*), count(distinct thread_slug) from v_developments"
RELATION_EXISTS = "select to_regclass(%s) is not null"


def check_database(storywatch_url: str) -> dict[str, int]:
    conn = psycopg2.connect(storywatch_url)
    try:
        with conn.cursor() as cur:
            found = {}
            for name, query in COUNTS.items():
                cur.execute(query)
                found[name] = int(cur.fetchone()[0])
            cur.execute(RELATION_EXISTS, ("v_developments",))
            if cur.fetchone()[0]:
                cur.execute(DEVELOPMENTS)
                found["developments"], found["threads_moved"] = map(int, cur.fetchone())
    finally:
        conn.close()
    if found["document_versions"] < 1:
        raise Failed(f"the seed DAG stored no document version: {found}")
    if found["stage_runs"] != found["document_versions"] * len(pipeline.STAGE_FACTORIES):
        raise Failed(f"the process DAG left versions unprocessed: {found}")
    if "developments" in found and found["developments"] < 1:
        raise Failed(f"the process DAG recorded no development from the seeds: {found}")
    return found


def check_alerts(sink: WebhookSink, found: dict[str, int]) -> None:
    """One webhook message for the developments, grouped by thread (when developments exist)."""
    if "developments" not in found:
        return
    messages = [m for m in sink.received if m.get("kind") == "developments"]
    if len(messages) != 1:
        raise Failed(f"expected one alert for the run's developments, got {len(messages)}")
    alerted = sum(len(thread["developments"]) for thread in messages[0]["threads"])
    if alerted != found["developments"] or len(messages[0]["threads"]) != found["threads_moved"]:
        raise Failed(f"the alert lists {alerted} developments in {len(messages[0]['threads'])} "
                     f"threads; the database has {found['developments']} in "
                     f"{found['threads_moved']}")


# -- the run ------------------------------------------------------------------------------------------
def exercise(args: argparse.Namespace, home: Path) -> None:
    check_services()
    prefix = f"sw_celery_{secrets.token_hex(3)}"
    paths = localrun.LocalPaths(home)
    paths.logs.mkdir(parents=True)
    port = localrun.choose_port({})
    api = localrun.Api(f"http://127.0.0.1:{port}")
    with databases(prefix) as (metadata_url, storywatch_url), WebhookSink() as sink:
        env = environment(paths, metadata_url, storywatch_url, port, sink.url)
        children = localrun.Children(paths.logs, env)
        try:
            say(f"home {home}; databases {prefix}_*; Redis db {REDIS_DB}; API port {port}")
            run_init(children, timeout=args.timeout)
            mark("airflow-init done (metadata migrated, storywatch upgraded, admin, pool)")
            ingest_hostile_article(home, env)
            start_components(children)
            localrun.wait_for("the API server", api.is_healthy, children)
            mark("api-server healthy")
            api.log_in(localrun.ADMIN_USER, env["AIRFLOW_ADMIN_PASSWORD"])
            for dag_id in DAGS_UNDER_TEST:
                localrun.wait_for(f"{dag_id} to be parsed", lambda d=dag_id: api.has_dag(d),
                                  children)
                unpause(api, dag_id)
            mark("DAGs parsed, the ones under test unpaused")
            seed_run = api.trigger("storywatch_seed")
            seconds = wait_for_run(api, children, "storywatch_seed", seed_run, args.timeout)
            mark(f"storywatch_seed succeeded ({seconds:.1f} s from trigger)")
            process_run = api.trigger("storywatch_process")
            seconds = wait_for_run(api, children, "storywatch_process", process_run,
                                   args.timeout)
            mark(f"storywatch_process succeeded ({seconds:.1f} s from trigger)")
            runs = wait_until_idle(api, "storywatch_process", args.timeout)
            failed = [run["dag_run_id"] for run in runs if run["state"] != "success"]
            if failed:
                raise Failed(f"storywatch_process runs failed: {failed}")
            say(f"storywatch_process runs: {len(runs)} (the Asset-triggered one included), "
                "all succeeded")
            per_worker = tasks_per_worker(children)
            say(f"task workloads received per Celery worker: {per_worker}")
            if sum(per_worker.values()) < 3:
                raise Failed(f"the Celery workers received too few tasks: {per_worker}")
            digest_run = api.trigger("storywatch_digest")
            seconds = wait_for_run(api, children, "storywatch_digest", digest_run, args.timeout)
            written = sorted(p.name for p in (home / "digests").rglob("*.html"))
            if not written:
                raise Failed("storywatch_digest succeeded but wrote no digest")
            mark(f"storywatch_digest succeeded ({seconds:.1f} s from trigger): {written}")
            found = check_database(storywatch_url)
            say(f"stored: {found}")
            check_alerts(sink, found)
            say(f"alerts received by the webhook sink: {len(sink.received)}")
            if args.browser:
                import browser_threads

                shot = browser_threads.run(api.base_url, localrun.ADMIN_USER,
                                           env["AIRFLOW_ADMIN_PASSWORD"], home / "threads.png",
                                           expect_developments="developments" in found,
                                           expect_literal_script="developments" in found,
                                           search_word=HOSTILE_SEARCH_WORD)
                mark(f"browser test passed (screenshot {shot})")
                if args.screenshot:
                    shutil.copy(shot, args.screenshot)
                    say(f"screenshot copied to {args.screenshot}")
        finally:
            stop_started = time.monotonic()
            killed = children.stop_all()
            left = localrun.session_members(children.sessions)
            say(f"stopped every component in {time.monotonic() - stop_started:.1f} s"
                + (f" ({len(killed)} killed after the grace period)" if killed else ""))
            with contextlib.suppress(OSError):
                redis(("SELECT", str(REDIS_DB)), ("FLUSHDB",))
            if left:
                raise Failed(f"processes still alive after the stop: {left}")
    mark("databases dropped, Redis database flushed")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timeout", type=float, default=900.0,
                        help="seconds allowed for each wait (default 900)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary home and its logs")
    parser.add_argument("--browser", action=argparse.BooleanOptionalAction,
                        default=bool(shutil.which("chromium") and shutil.which("chromedriver")),
                        help="run the browser test against this Airflow (default: when installed)")
    parser.add_argument("--screenshot", type=Path, help="also copy the screenshot here")
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="sw-celery-", dir="/tmp"))
    ok = False
    try:
        exercise(args, home)
        ok = True
    except (Failed, localrun.StorywatchError) as exc:
        say(f"FAIL: {exc}")
    except Exception as exc:
        if type(exc).__name__ != "BrowserTestFailed":
            raise
        say(f"FAIL (browser test): {exc}")
    print("\ntimings (seconds since start):", flush=True)
    for step, at in TIMINGS:
        print(f"  {at:7.1f}  {step}", flush=True)
    if ok and not args.keep:
        shutil.rmtree(home, ignore_errors=True)
    else:
        print(f"logs kept in {home / 'airflow' / 'logs'}", flush=True)
    say("PASSED" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
