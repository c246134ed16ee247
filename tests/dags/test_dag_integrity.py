"""Every DAG parses and follows the house rules; the library stays free of Airflow."""
from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest

from storywatch.settings import REPO_ROOT

DAGS_FOLDER = REPO_ROOT / "dags"
LIBRARY = REPO_ROOT / "plugins" / "storywatch"
EXPECTED_DAGS = {"storywatch_seed", "storywatch_process"}


def _dags(dagbag: Any) -> list[Any]:
    dags = list(dagbag.dags.values())
    assert dags, f"no DAG found in {DAGS_FOLDER}"
    return dags


def test_every_dag_file_imports_without_errors(dagbag: Any) -> None:
    assert dagbag.import_errors == {}, "\n\n".join(
        f"{path}:\n{error}" for path, error in dagbag.import_errors.items()
    )


def test_the_seed_and_process_dags_are_defined(dagbag: Any) -> None:
    assert EXPECTED_DAGS <= set(dagbag.dag_ids)


def test_every_dag_file_defines_exactly_one_dag_named_after_it(dagbag: Any) -> None:
    files = sorted(path.stem for path in DAGS_FOLDER.glob("*.py"))
    assert files, f"no DAG file in {DAGS_FOLDER}"
    by_file = {Path(dag.fileloc).stem: dag.dag_id for dag in _dags(dagbag)}
    assert by_file == {stem: stem for stem in files}


def test_dag_ids_start_with_storywatch(dagbag: Any) -> None:
    bad = [dag.dag_id for dag in _dags(dagbag) if not dag.dag_id.startswith("storywatch_")]
    assert bad == [], f"DAG ids must start with storywatch_: {bad}"


def test_every_dag_is_tagged_storywatch(dagbag: Any) -> None:
    bad = [dag.dag_id for dag in _dags(dagbag) if "storywatch" not in dag.tags]
    assert bad == [], f"DAGs without the storywatch tag: {bad}"


def test_every_task_retries_at_least_once(dagbag: Any) -> None:
    bad = [
        f"{dag.dag_id}.{task.task_id}"
        for dag in _dags(dagbag)
        for task in dag.tasks
        if (task.retries or 0) < 1
    ]
    assert bad == [], f"tasks without retries: {bad}"


def test_no_dag_catches_up(dagbag: Any) -> None:
    bad = [dag.dag_id for dag in _dags(dagbag) if dag.catchup]
    assert bad == [], f"DAGs with catchup on: {bad}"


def test_every_dag_is_documented(dagbag: Any) -> None:
    bad = [dag.dag_id for dag in _dags(dagbag) if not (dag.doc_md or "").strip()]
    assert bad == [], f"DAGs without doc_md (use doc_md=__doc__ and a module docstring): {bad}"


def test_every_dag_has_a_timezone_aware_start_date(dagbag: Any) -> None:
    bad = [dag.dag_id for dag in _dags(dagbag) if dag.start_date is None
           or dag.start_date.tzinfo is None]
    assert bad == [], f"DAGs without a timezone-aware start_date: {bad}"


def test_process_dag_is_scheduled_on_the_asset_the_seed_dag_updates(dagbag: Any) -> None:
    from storywatch_airflow.assets import DOCUMENT_VERSIONS

    seed = dagbag.dags["storywatch_seed"]
    outlets = [outlet for task in seed.tasks for outlet in task.outlets]
    assert DOCUMENT_VERSIONS in outlets
    process = dagbag.dags["storywatch_process"]
    assert DOCUMENT_VERSIONS in process.timetable.asset_condition.objects


def _imported_modules(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


def test_library_never_imports_airflow() -> None:
    files = sorted(LIBRARY.rglob("*.py"))
    assert files, f"no Python file under {LIBRARY}"
    offenders = [
        f"{path.relative_to(REPO_ROOT)} imports {name}"
        for path in files
        for name in _imported_modules(path)
        if name == "airflow" or name.startswith("airflow.")
    ]
    assert offenders == [], "plugins/storywatch must not import Airflow:\n" + "\n".join(offenders)


@pytest.mark.parametrize("name", ["airflow", "airflow.sdk", "airflow.models.dag"])
def test_import_walk_detects_an_airflow_import(tmp_path: Path, name: str) -> None:
    module = tmp_path / "m.py"
    module.write_text(f"def f():\n    import {name}\n", encoding="utf-8")
    assert name in _imported_modules(module)


def test_airflow_plugin_scan_skips_the_packages_on_sys_path(airflow_home: Path) -> None:
    # Airflow executes every .py file it scans as a top-level module; the
    # library's __main__.py would run the CLI inside the scheduler.
    from airflow._shared.module_loading.file_discovery import find_path_from_directory

    plugins = REPO_ROOT / "plugins"
    scanned = [Path(p).relative_to(plugins) for p in find_path_from_directory(plugins, ".airflowignore")]
    python_files = [p for p in scanned if p.suffix == ".py"]
    assert python_files == [] or all(p.name == "plugin.py" for p in python_files), python_files
