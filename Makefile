# The two commands: `make demo` and `make test`. Everything installs into ./.venv.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export DAGSTER_HOME ?= $(CURDIR)/.itam/dagster

.PHONY: demo test lint ui bench install install-dev clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Stamps re-run the install whenever pyproject.toml changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev,postgres,celery,bench]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

demo: $(VENV)/.installed
	$(BIN)/itam-pipeline demo

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

# Whole files go to one of two workers: module-scoped fixtures (webserver, emulators) stay shared.
test: lint
	$(BIN)/pytest -q -n 2 --dist loadfile

ui: $(VENV)/.installed
	$(BIN)/itam-pipeline init-instance
	$(BIN)/dagster dev -w workspace.yaml -h 127.0.0.1

$(VENV)/.installed-bench: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[postgres,bench]'
	touch $@ $(VENV)/.installed

# make bench [QUICK=1] [SIZE=100000]
bench: $(VENV)/.installed-bench
	$(BIN)/python -m benchmarks.run $(if $(QUICK),--quick) $(if $(SIZE),--size $(SIZE))

clean:
	rm -rf .itam .pytest_cache .ruff_cache
