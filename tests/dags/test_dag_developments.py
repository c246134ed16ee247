"""The seed DAG, then the process DAG: threads synced and the seed's developments recorded."""
from __future__ import annotations

from typing import Any

import pytest

from storywatch.store import db

pytestmark = pytest.mark.integration

SEED_DEVELOPMENTS = """
select thread_slug, slot, kind, value_text from v_developments order by thread_slug, slot
"""


def test_seed_then_process_dag_records_the_seeds_developments(
        dagbag: Any, airflow_db: Any, storywatch_connection: str, conn: db.Connection) -> None:
    for dag_id in ("storywatch_seed", "storywatch_process"):
        dag_run = dagbag.dags[dag_id].test()
        assert dag_run.state == "success", f"{dag_id} ended {dag_run.state}"
    with conn.cursor() as cur:
        cur.execute(SEED_DEVELOPMENTS)
        rows = cur.fetchall()
        cur.execute("select count(*) from v_thread_state")
        slots = cur.fetchone()[0]
    assert rows == [
        ("jcpoa-talks", "talks_status", "new", "stalled"),
        ("ukraine-buildup", "invasion_status", "new", "threatened"),
        ("ukraine-buildup", "troop_estimate", "new", "about 100,000 troops"),
    ]
    assert slots == 6
