"""The Assets through which storywatch DAGs hand work to each other (one definition each)."""
from __future__ import annotations

from airflow.sdk import Asset

# Updated by every DAG that may store new document versions (seed, poll, revisit);
# storywatch_process is scheduled on it. The x- scheme is Airflow's convention
# for a URI it should not try to normalise.
DOCUMENT_VERSIONS = Asset(
    name="storywatch_document_versions",
    uri="x-storywatch://document_versions",
    group="storywatch",
)
