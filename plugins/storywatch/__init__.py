"""storywatch: news monitoring with change tracking.

All the logic lives here and runs without a scheduler; the Airflow side
(`storywatch_airflow`, `dags/`) only wires these functions into tasks.
"""

__version__ = "0.1.0"
