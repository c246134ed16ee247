"""What Airflow costs: the same articles through `storywatch process` and through the DAG.

    PYTHONPATH=plugins python bench/airflow_overhead.py [--articles 200] [--quick]

Two scratch databases get the same articles (the timeline fixtures, the gold articles and
real bodies of the extraction benchmark). Into one, `storywatch process` runs as a command
(a fresh process: interpreter, imports, model load, every stage). Into the other, the
`storywatch_process` DAG runs with `dag.test()` in a fresh process with a temporary
AIRFLOW_HOME and a SQLite metadata database, as tests/dags does; Airflow's one-time
metadata set-up (initdb) is reported apart, the DAG parse and the run are counted. The
ratio DAG / command is what Airflow adds per run; aim (issue 7): under 1.3, which the DAG
reaches by batching (one task processes every pending version).
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import benchkit  # noqa: E402
from benchkit import REPO  # noqa: E402
from scale import store_new_articles  # noqa: E402

from storywatch.store import migrate  # noqa: E402
from storywatch.store.db import connect  # noqa: E402

DATABASE = "storywatch_bench_airflow"
PYTHON = sys.executable

DAG_INIT = """
from airflow.utils.db import initdb
initdb()
"""
DAG_RUNNER = """
import json, os
from airflow.dag_processing.dagbag import DagBag
bag = DagBag(dag_folder=os.environ["AIRFLOW__CORE__DAGS_FOLDER"])
run = bag.dags["storywatch_process"].test()
print(json.dumps({"state": str(run.state)}))
"""


@dataclass(frozen=True, slots=True)
class Cost:
    wall: float
    cpu: float  # user + system seconds of the child process: what load on a shared machine
    #             does not inflate, unlike wall time


def timed(args: list[str], env: dict[str, str]) -> tuple[Cost, subprocess.CompletedProcess[str]]:
    """Run `args` as a child; its wall and CPU seconds and its result."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    done = subprocess.run(args, check=False, cwd=REPO, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{args[:3]} failed:\n{done.stderr[-3000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Cost(wall, cpu), done


def prepare(name: str, articles: int) -> tuple[str, int]:
    """A scratch database with the articles stored and nothing processed; its URL."""
    url = benchkit.with_database(benchkit.server_url(), name)
    conn = connect(url, application_name="bench-airflow")
    migrate.upgrade(conn, REPO / "sql")
    from storywatch.tracking.sync import sync_seed_threads

    sync_seed_threads(conn, REPO / "seeds")
    conn.commit()
    stored = store_new_articles(conn, articles)
    conn.close()
    return url, len(stored)


def environment(extra: dict[str, str]) -> dict[str, str]:
    """This process's environment with the repo's plugins importable, plus `extra`."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO / "plugins") + os.pathsep + env.get("PYTHONPATH", "")
    env.update(extra)
    return env


def run_command(url: str) -> Cost:
    """`storywatch process` as a command on `url`."""
    cost, _ = timed([PYTHON, "-m", "storywatch", "process"],
                    environment({"STORYWATCH_DATABASE_URL": url}))
    return cost


def run_dag(url: str) -> tuple[Cost, Cost]:
    """Airflow's metadata set-up, then the process DAG with dag.test() on `url`, each a process."""
    sys.path.insert(0, str(REPO / "plugins"))
    from storywatch_airflow.hooks import connection_json

    with tempfile.TemporaryDirectory(prefix="airflow-home-") as home:
        env = environment({
            "AIRFLOW_HOME": home,
            "AIRFLOW_CONFIG": str(Path(home) / "airflow.cfg"),
            "AIRFLOW__CORE__DAGS_FOLDER": str(REPO / "dags"),
            "AIRFLOW__CORE__PLUGINS_FOLDER": str(REPO / "plugins"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{Path(home) / 'airflow.db'}",
            "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(Path(home) / "logs"),
            "AIRFLOW__CORE__HOSTNAME_CALLABLE": "socket.gethostname",
            "AIRFLOW_CONN_STORYWATCH_DB": connection_json(url),
        })
        setup, _ = timed([PYTHON, "-c", DAG_INIT], env)
        cost, done = timed([PYTHON, "-c", DAG_RUNNER], env)
    state = json.loads(done.stdout.strip().splitlines()[-1])["state"]
    if state not in ("success", "DagRunState.SUCCESS"):
        raise SystemExit(f"the process DAG ended {state}: {done.stderr[-2000:]}")
    return setup, cost


def processed(url: str) -> int:
    """Versions the stages recorded as handled."""
    conn = connect(url)
    with conn.cursor() as cur:
        cur.execute("select count(distinct document_version_id) from stage_runs")
        count = int(cur.fetchone()[0])  # type: ignore[index]
    conn.close()
    return count


def main(argv: Sequence[str] | None = None) -> int:
    """Run both ways, print and record the ratio."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=200)
    parser.add_argument("--quick", action="store_true", help="40 articles")
    parser.add_argument("--no-results", action="store_true", help="print only; leave RESULTS.md")
    args = parser.parse_args(argv)
    articles = 40 if args.quick else args.articles
    with benchkit.scratch_database(f"{DATABASE}_cli") as _a, \
            benchkit.scratch_database(f"{DATABASE}_dag") as _b:
        cli_url, stored = prepare(f"{DATABASE}_cli", articles)
        dag_url, _ = prepare(f"{DATABASE}_dag", articles)
        cli = run_command(cli_url)
        setup, dag = run_dag(dag_url)
        counts = (processed(cli_url), processed(dag_url))
    ratio = dag.cpu / cli.cpu
    rows = [
        ["`storywatch process` (a fresh process)", f"{cli.cpu:.1f} s", f"{cli.wall:.1f} s",
         counts[0], "1.00"],
        ["`storywatch_process` DAG, `dag.test()` (a fresh process: DAG parse + run)",
         f"{dag.cpu:.1f} s", f"{dag.wall:.1f} s", counts[1],
         f"{ratio:.2f}" + ("" if ratio < 1.3 else " **over 1.3**")
         + f" (wall {dag.wall / cli.wall:.2f})"],
        ["(not counted) Airflow metadata set-up, once per AIRFLOW_HOME (initdb)",
         f"{setup.cpu:.1f} s", f"{setup.wall:.1f} s", "", ""],
    ]
    text = "\n".join([
        "## Airflow overhead: the same articles through the command and through the DAG", "",
        f"{stored} article versions, every stage of `process`; the DAG runs them in one task "
        "(pipeline.process_pending, which batches the versions itself). The ratio is of CPU "
        "seconds (user + system of the process): on this shared machine wall time moves "
        "with the other jobs' load; wall times are shown beside.", "",
        benchkit.markdown_table(["path", "CPU time", "wall time", "versions processed",
                                 "ratio (CPU)"], rows),
    ])
    print(text)
    if not args.no_results:
        benchkit.write_section("airflow-quick" if args.quick else "airflow", text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
