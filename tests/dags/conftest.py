"""Airflow for the DAG tests: a private AIRFLOW_HOME, the repo's DAGs, a throwaway metadata DB.

Airflow reads its configuration when `airflow` is first imported, so the
environment is set in the session fixture below and every test module imports
airflow lazily (inside fixtures and tests), never at collection time.

The metadata database is a SQLite file in the temporary AIRFLOW_HOME, created
once per session from Airflow's models (about two seconds). `dag.test()` runs
tasks in this process, one at a time, so SQLite's single writer is no limit;
a PostgreSQL database would cost a create, a longer migration and a drop, and
would tie these tests to the test server for Airflow's own bookkeeping. The
storywatch data itself goes to the real test database (`database_url`), which
the tasks reach through AIRFLOW_CONN_STORYWATCH_DB, as they would in production.
"""
from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from storywatch.settings import REPO_ROOT

DAGS_FOLDER = REPO_ROOT / "dags"
PLUGINS_FOLDER = REPO_ROOT / "plugins"


def _airflow_environment(home: Path) -> dict[str, str]:
    return {
        "AIRFLOW_HOME": str(home),
        "AIRFLOW_CONFIG": str(home / "airflow.cfg"),
        "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS_FOLDER),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(PLUGINS_FOLDER),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
        "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(home / "logs"),
        "AIRFLOW__CORE__DAGBAG_IMPORT_ERROR_TRACEBACKS": "True",
        # The default (getfqdn) looks the machine's name up, which the network guard
        # refuses: on a machine without it in /etc/hosts that lookup would leave loopback.
        "AIRFLOW__CORE__HOSTNAME_CALLABLE": "socket.gethostname",
    }


@pytest.fixture(scope="session")
def airflow_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A temporary AIRFLOW_HOME configured before airflow is imported; the old env restored after."""
    home = tmp_path_factory.mktemp("airflow-home")
    if "airflow" in sys.modules:
        pytest.fail(
            "airflow was imported before tests/dags configured it, so it may be using ~/airflow: "
            "import airflow lazily (inside tests and fixtures) in every test module"
        )
    values = _airflow_environment(home)
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield home
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@pytest.fixture(scope="session")
def dagbag(airflow_home: Path) -> Any:
    """The repo's DAGs, parsed the way the DAG processor parses them."""
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=DAGS_FOLDER)


@pytest.fixture(scope="session")
def airflow_db(airflow_home: Path) -> Path:
    """Airflow's metadata database (SQLite in AIRFLOW_HOME), created once per session."""
    from airflow.utils.db import initdb

    initdb()
    return airflow_home / "airflow.db"


@pytest.fixture
def storywatch_connection(database_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """The Airflow Connection `storywatch_db` pointing at the session's test database."""
    from storywatch_airflow.hooks import connection_json

    monkeypatch.setenv("AIRFLOW_CONN_STORYWATCH_DB", connection_json(database_url))
    return database_url
