# Two commands do all the set-up on a fresh machine: `make run` (or `make console`) and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
PACKAGES := bot content devtools runtime scheduler storage

.PHONY: run console test check lint typecheck content-check format scheduler benchmarks clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "MagBot needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

run: $(STAMP)
	$(PY) -m bot

console: $(STAMP)
	@$(PY) -m bot.console

scheduler: $(STAMP)
	$(PY) -m scheduler

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

typecheck: $(STAMP)
	$(PY) -m mypy $(PACKAGES) tests benchmarks

content-check: $(STAMP)
	$(PY) -m content check
	$(PY) -m content eval --misses none

# The fast loop: everything but PostgreSQL, real processes and fuzzing (under 2 minutes).
check: lint typecheck content-check
	HYPOTHESIS_PROFILE=dev $(PY) -m pytest -q -n 2 -m "not postgresql and not process and not slow"

test: lint typecheck content-check
	$(PY) -m pytest -n 2

format: $(STAMP)
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

# Every benchmark in turn, then one table of the goals (ARGS="--quick": a smoke test).
benchmarks: $(STAMP)
	$(PY) benchmarks/run_all.py $(ARGS)

clean:
	rm -rf $(VENV) *.egg-info .mypy_cache .pytest_cache .ruff_cache
