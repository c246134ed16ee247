"""The seed DAG, then the process DAG: the seed's entities and claims land in the test database."""
from __future__ import annotations

from typing import Any

import pytest

from storywatch.settings import REPO_ROOT
from storywatch.store import db

pytestmark = pytest.mark.integration

SEED_ENTITIES = """
select entity, type, mention_count from v_entities
where entity in ('Ebrahim Raisi', 'Vladimir Putin', 'Kremlin (Russian presidency)')
order by entity
"""
SEED_CLAIMS = "select kind, count(*) from v_claims group by kind order by kind"


@pytest.fixture
def run_dag(dagbag: Any, airflow_db: Any, storywatch_connection: str) -> Any:
    """Run one DAG of the repo with `dag.test()`; it must succeed."""

    def run(dag_id: str) -> Any:
        dag_run = dagbag.dags[dag_id].test()
        assert dag_run.state == "success", f"{dag_id} ended {dag_run.state}"
        return dag_run

    return run


def test_process_dag_fills_entities_and_claims_of_the_seed(
    run_dag: Any, conn: db.Connection
) -> None:
    # other tests' truncation empties every table, the migration's seed aliases included
    with conn.cursor() as cur:
        cur.execute((REPO_ROOT / "sql" / "migrations" / "0022_seed_entity_aliases.sql").read_text())
    conn.commit()
    run_dag("storywatch_seed")
    run_dag("storywatch_process")
    with conn.cursor() as cur:
        cur.execute(SEED_ENTITIES)
        entities = cur.fetchall()
        cur.execute(SEED_CLAIMS)
        claims = dict(cur.fetchall())
    assert entities == [("Ebrahim Raisi", "PERSON", 17),
                        ("Kremlin (Russian presidency)", "ORG", 8),
                        ("Vladimir Putin", "PERSON", 17)]
    assert claims["quote"] == 18
    assert claims["quantity"] >= 8
    assert claims["reported_speech"] >= 10 and claims["status"] > 0
