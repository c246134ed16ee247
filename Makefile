# Thin wrappers around the storywatch CLI and pytest. `make help` lists them.
PYTHON ?= python3.11
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: help install run demo test test-unit lint bench lock clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

$(STAMP): requirements.lock pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes --no-deps -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	@touch $@

install: $(STAMP)  ## create or update .venv from the hash-pinned lock file

run: $(STAMP)  ## embedded database + Airflow (LocalExecutor) on this machine; Ctrl-C stops everything
	$(BIN)/python -m storywatch_airflow.localrun

demo: $(STAMP)  ## the whole pipeline once on the embedded database, printing what it found
	$(BIN)/storywatch demo

test: $(STAMP)  ## the whole suite against a real PostgreSQL (embedded unless STORYWATCH_TEST_DATABASE_URL)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-unit: $(STAMP)  ## only the fast tests that need no database
	$(BIN)/python -m pytest tests/unit $(PYTEST_ARGS)

lint: $(STAMP)  ## ruff over the code
	$(BIN)/ruff check plugins dags tests bench

bench: $(STAMP)  ## the benchmarks (not part of the test run)
	$(BIN)/python bench/run_all.py

lock:  ## re-resolve requirements.lock from pyproject.toml (needs uv; run on Linux x86_64)
	uv pip compile pyproject.toml --extra test --generate-hashes --python-version 3.11 \
	    --python-platform x86_64-manylinux_2_28 --no-header --no-annotate -o requirements.lock
	$(PYTHON) .ci/pin_model_hash.py requirements.lock

clean:  ## remove the virtualenv (keeps .storywatch/, your data)
	rm -rf $(VENV)
