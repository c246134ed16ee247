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
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import benchkit  # noqa: E402
from benchkit import REPO  # noqa: E402
from scale import store_new_articles  # noqa: E402

from storywatch import migrate  # noqa: E402
from storywatch.db import connect  # noqa: E402

DATABASE = "storywatch_bench_airflow"
PYTHON = sys.executable

DAG_RUNNER = """
import json, os, sys, time
t0 = time.perf_counter()
from airflow.utils.db import initdb
initdb()
t1 = time.perf_counter()
from airflow.dag_processing.dagbag import DagBag
bag = DagBag(dag_folder=os.environ["AIRFLOW__CORE__DAGS_FOLDER"])
run = bag.dags["storywatch_process"].test()
t2 = time.perf_counter()
print(json.dumps({"initdb": t1 - t0, "dag": t2 - t1, "state": str(run.state)}))
"""


def prepare(name: str, articles: int) -> tuple[str, int]:
    """A scratch database with the articles stored and nothing processed; its URL."""
    url = benchkit.with_database(benchkit.server_url(), name)
    conn = connect(url, application_name="bench-airflow")
    migrate.upgrade(conn, REPO / "sql")
    from storywatch.threads import sync_seed_threads

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


def run_command(url: str) -> float:
    """`storywatch process` as a command on `url`: wall seconds."""
    t0 = time.perf_counter()
    subprocess.run([PYTHON, "-m", "storywatch", "process"], check=True, cwd=REPO,
                   env=environment({"STORYWATCH_DATABASE_URL": url}), stdout=subprocess.DEVNULL)
    return time.perf_counter() - t0


def run_dag(url: str) -> dict[str, float]:
    """The process DAG with dag.test() on `url` in a fresh process: its timings."""
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
        t0 = time.perf_counter()
        done = subprocess.run([PYTHON, "-c", DAG_RUNNER], check=False, cwd=REPO, env=env,
                              capture_output=True, text=True)
        if done.returncode != 0:
            raise SystemExit(f"the DAG run failed:\n{done.stderr[-3000:]}")
        wall = time.perf_counter() - t0
    result = json.loads(done.stdout.strip().splitlines()[-1])
    if result["state"] not in ("success", "DagRunState.SUCCESS"):
        raise SystemExit(f"the process DAG ended {result['state']}: {done.stderr[-2000:]}")
    result["wall"] = wall
    return result  # type: ignore[no-any-return]


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
        dag = run_dag(dag_url)
        counts = (processed(cli_url), processed(dag_url))
    ratio = dag["dag"] / cli
    rows = [
        ["`storywatch process` (a fresh process)", f"{cli:.1f} s", counts[0], "1.00"],
        ["`storywatch_process` DAG, `dag.test()`: DAG parse + run", f"{dag['dag']:.1f} s",
         counts[1], f"{ratio:.2f}" + ("" if ratio < 1.3 else " **over 1.3**")],
        ["(not counted) Airflow metadata set-up, once per home (initdb)",
         f"{dag['initdb']:.1f} s", "", ""],
    ]
    text = "\n".join([
        "## Airflow overhead: the same articles through the command and through the DAG", "",
        f"{stored} article versions, every stage of `process`; "
        "the DAG runs them in one task (process_pending).", "",
        benchkit.markdown_table(["path", "wall time", "versions processed", "ratio"], rows),
    ])
    print(text)
    if not args.no_results:
        benchkit.write_section("airflow-quick" if args.quick else "airflow", text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
