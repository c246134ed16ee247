"""The thin Airflow side of storywatch: the Connection hook, the Asset, the local runner."""
