"""The quick modes of the scale, poll and Airflow benchmarks, one after another (`make bench`).

    PYTHONPATH=plugins python bench/run_all.py

Each writes its own `-quick` section of bench/RESULTS.md; the full runs are in bench/README.md.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent
QUICK = (
    ["scale.py", "--quick"],
    ["poll.py", "--quick"],
    ["airflow_overhead.py", "--quick"],
)


def main() -> int:
    """Run every quick benchmark; the exit status is the first failure's, else 0."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(BENCH.parent / "plugins") + os.pathsep + env.get("PYTHONPATH", "")
    status = 0
    for args in QUICK:
        print(f"== {' '.join(args)}", flush=True)
        done = subprocess.run([sys.executable, str(BENCH / args[0]), *args[1:]], env=env,
                              cwd=BENCH.parent, check=False)
        status = status or done.returncode
    return status


if __name__ == "__main__":
    sys.exit(main())
