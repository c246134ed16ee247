"""storywatch: news monitoring with change tracking.

All the logic lives here and runs without a scheduler; the Airflow side
(`storywatch_airflow`, `dags/`) only wires these functions into tasks.

The package is layered in the order data flows, feed to page to version to
language to copies to tracking to reports. Each line below names a part and
the parts it may import (besides itself and this module's `__version__`);
`tests/unit/test_layering.py` reads this list and fails on any other import,
on any import cycle, and on any import of Airflow.

Layers:
- basics (settings, errors, text, sentences, progress): basics
- store: basics
- web: basics, store
- language: basics
- extraction: basics, store, language
- copies: basics, store
- sources: basics, store, web
- tracking: basics, store, language, extraction
- reports: basics, store, web, sources, tracking
- stages: basics, store, extraction, copies, tracking
- workers: basics, store, stages
- seeding: basics, store, sources, tracking
- cli: basics, store, web, language, extraction, copies, sources, tracking, reports, stages, workers, seeding
- __main__: cli
"""

__version__ = "0.1.0"
