# Assura developer commands. A newcomer needs two: `make run` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PIP_INSTALL := $(BIN)/python -m pip install --disable-pip-version-check -c requirements/constraints.txt
MANAGE := $(BIN)/python manage.py

.PHONY: help run test lint messages clean chromium bench

help:
	@echo "make run       install, migrate, load the demo data, serve on http://127.0.0.1:\$${PORT:-8000} with a Celery worker and beat"
	@echo "make test      install test dependencies (and Debian's chromium when missing), run the whole suite"
	@echo "make lint      ruff check"
	@echo "make messages  extract and compile translations (ar, en)"
	@echo "make clean     remove caches and generated files (keeps .venv and the database in var/)"
	@echo "make bench     seed a company at scale (BENCH_CONTACTS, default 200000) and measure the customer pages"
	@echo "               (PostgreSQL assura_bench if it answers on 127.0.0.1:5432, else SQLite var/bench.sqlite3;"
	@echo "               BENCH_DB=sqlite, BENCH_RESET=1, BENCH_CASES=list,search_name: see scripts/bench.py)"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# A stamp newer than the requirement files means they are installed: the next run skips pip.
$(VENV)/.stamp-base: requirements/base.txt requirements/constraints.txt | $(BIN)/python
	$(PIP_INSTALL) -r requirements/base.txt
	touch $@

$(VENV)/.stamp-test: requirements/test.txt requirements/base.txt requirements/constraints.txt | $(BIN)/python
	$(PIP_INSTALL) -r requirements/test.txt
	touch $@

run: $(VENV)/.stamp-base
	VENV=$(VENV) scripts/run.sh

# pytest exits non-zero on a failure and with 5 when no test ran: both fail the target.
test: $(VENV)/.stamp-test chromium
	$(BIN)/pytest

chromium:
	@scripts/ensure-chromium.sh

lint: $(VENV)/.stamp-test
	$(BIN)/ruff check .

messages: $(VENV)/.stamp-base
	$(MANAGE) makemessages -l ar -l en --no-obsolete --ignore=var --ignore=static
	$(MANAGE) compilemessages --ignore=.venv --ignore=var

# Not part of `make test`: timings belong to a machine, not to a unit test. Writes bench/results.json.
bench: $(VENV)/.stamp-base
	$(BIN)/python scripts/bench.py

clean:
	rm -rf .ruff_cache test-results staticfiles var/staticfiles
	find . -path ./$(VENV) -prune -o -type d -name __pycache__ -exec rm -rf {} +
