"""The process DAG alerts once per run; the digest DAG writes each thread's digest for the day."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from storywatch.store import db
from storywatch_airflow.digests import run_day

pytestmark = pytest.mark.integration


@pytest.fixture
def alert_sink(http_server: Any, monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """A webhook sink on the loopback test server, configured for the DAGs' tasks."""
    received: list[dict[str, Any]] = []

    def collect(request: Any) -> None:
        received.append(json.loads(request.rfile.read(int(request.headers["Content-Length"]))))
        request.send_response(204)
        request.send_header("Content-Length", "0")
        request.end_headers()

    http_server.handler("/alerts", collect)
    monkeypatch.setenv("STORYWATCH_NOTIFY_WEBHOOK_URL", http_server.url("/alerts"))
    monkeypatch.setenv("STORYWATCH_ALLOWED_NETWORKS", "127.0.0.0/8")
    monkeypatch.delenv("STORYWATCH_NOTIFY_SMTP_TO", raising=False)
    return received


def _run(dagbag: Any, dag_id: str) -> Any:
    dag_run = dagbag.dags[dag_id].test()
    assert dag_run.state == "success", f"{dag_id} ended {dag_run.state}"
    return dag_run


def test_process_dag_sends_one_alert_grouped_by_thread_and_never_again(
        dagbag: Any, airflow_db: Path, storywatch_connection: str, conn: db.Connection,
        alert_sink: list[dict[str, Any]]) -> None:
    _run(dagbag, "storywatch_seed")
    _run(dagbag, "storywatch_process")
    with conn.cursor() as cur:
        cur.execute("select thread_slug, count(*) from v_developments group by 1 order by 1")
        expected = cur.fetchall()
    conn.rollback()  # the next seed run re-creates the views: hold no lock on them
    assert expected, "the seed should move some slots"
    assert len(alert_sink) == 1
    message = alert_sink[0]
    assert message["kind"] == "developments"
    assert [(t["slug"], len(t["developments"])) for t in message["threads"]] == expected
    _run(dagbag, "storywatch_seed")
    _run(dagbag, "storywatch_process")
    assert len(alert_sink) == 1  # nothing new: no second message


def test_digest_dag_writes_each_threads_digest_for_the_day(
        dagbag: Any, airflow_db: Path, storywatch_connection: str, conn: db.Connection,
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STORYWATCH_DIGESTS_DIR", str(tmp_path / "digests"))
    monkeypatch.delenv("STORYWATCH_NOTIFY_WEBHOOK_URL", raising=False)
    monkeypatch.delenv("STORYWATCH_NOTIFY_SMTP_TO", raising=False)
    _run(dagbag, "storywatch_seed")
    _run(dagbag, "storywatch_process")
    _run(dagbag, "storywatch_digest")
    written = sorted(p.relative_to(tmp_path / "digests") for p in (tmp_path / "digests").rglob("*")
                     if p.is_file())
    day = written[0].parts[0]
    dt.date.fromisoformat(day)
    assert [p.name for p in written] == ["jcpoa-talks.html", "jcpoa-talks.md",
                                         "ukraine-buildup.html", "ukraine-buildup.md"]
    page = (tmp_path / "digests" / day / "ukraine-buildup.html").read_text()
    assert "about 100,000 troops" in page and "<svg" in page
    _run(dagbag, "storywatch_digest")  # a rerun replaces the day's files, leaves no scratch
    again = sorted(p.relative_to(tmp_path / "digests") for p in (tmp_path / "digests").rglob("*"))
    assert [p for p in again if p.suffix] == written


def test_a_run_is_named_after_the_end_of_its_data_interval_or_today() -> None:
    end = dt.datetime(2026, 3, 2, 6, tzinfo=dt.UTC)
    assert run_day({"data_interval_start": end - dt.timedelta(days=1),
                    "data_interval_end": end}) == dt.date(2026, 3, 2)
    now = dt.datetime(2026, 3, 5, 9, 30, tzinfo=dt.UTC)
    assert run_day({"data_interval_end": None}, now) == dt.date(2026, 3, 5)
