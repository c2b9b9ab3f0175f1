# Two set-up commands: `make run` and `make test`. Both create .venv on first use.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed

.PHONY: run test lint format install clean

run: $(INSTALLED)
	$(PY) -m carm.localservices run

# The suite runs on every core (pytest-xdist); TEST_WORKERS=0 runs it in one process.
TEST_WORKERS ?= auto

test: $(INSTALLED)
	$(PY) -m carm.localservices test -n $(TEST_WORKERS) $(ARGS)

lint: $(INSTALLED)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(VENV)/bin/lint-imports

format: $(INSTALLED)
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

install: $(INSTALLED)

$(INSTALLED): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet ".[local,dev]"
	touch $(INSTALLED)

clean:
	rm -rf $(VENV) .local build *.egg-info
