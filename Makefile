# eMARAC developer commands. `make help` lists them.
SHELL := bash
.DEFAULT_GOAL := help

VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
FLASK := $(VENV)/bin/flask
HOST ?= 127.0.0.1
PORT ?= 5000
PYTEST_ARGS ?=
SCALE_ARGS ?=
CHROMIUM ?= /usr/bin/chromium

.PHONY: help run serve setup venv assets keys db demo test test-quick fuzz mutate-policy restore-drill lint format bench load migration clean

help: ## List the commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

$(VENV)/.installed: pyproject.toml
	@test -x $(PY) || python3 -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -e '.[dev]'
	@touch $@

venv: $(VENV)/.installed ## Create the virtual environment and install Python packages

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

static/dist/.built: node_modules/.package-lock.json scripts/build_assets.py $(wildcard static/src/*)
	$(PY) scripts/build_assets.py
	@touch $@

assets: venv static/dist/.built ## Install npm packages and build the front-end assets into static/

keys: venv ## Generate development keys into instance/ (never in production)
	$(FLASK) emarac init-dev

db: keys ## Create or upgrade the database schema
	$(FLASK) db upgrade
	$(FLASK) emarac setup

demo: db ## Load the synthetic demo partnership and print its logins
	$(FLASK) emarac demo

run: assets demo ## Set everything up and serve on http://127.0.0.1:5000
	@echo "Serving on http://$(HOST):$(PORT) (Ctrl-C to stop)"
	$(FLASK) run --host $(HOST) --port $(PORT)

chromium:
	@if [ ! -x $(CHROMIUM) ]; then \
	  if [ "$$(id -u)" = "0" ]; then \
	    echo "Installing Debian's chromium for the browser tests"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else \
	    echo "The browser tests need Chromium. Run: sudo apt-get install -y chromium"; exit 1; \
	  fi; \
	fi

test: assets chromium ## Run every test (SQLite; PostgreSQL too when EMARAC_TEST_DATABASE_URL is set)
	$(PY) -m pytest -n auto --dist loadgroup $(PYTEST_ARGS)

test-quick: assets ## The suite without the slow and browser tests, on SQLite only (a quick check while working)
	EMARAC_TEST_DATABASE_URL= $(PY) -m pytest -n auto -m "not slow and not browser" $(PYTEST_ARGS)

FUZZ_EXAMPLES ?= 50
fuzz: venv ## Random input to every route, 50 examples each (FUZZ_EXAMPLES=200 for more)
	EMARAC_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(PY) -m pytest -n auto tests/test_fuzz.py $(PYTEST_ARGS)

mutate-policy: venv ## Check the tests notice each policy predicate set to allow, then deny
	$(PY) scripts/mutate_policy.py

restore-drill: ## Dump a scratch demo database, restore it, verify the ledger and decrypt a sample (PostgreSQL)
	$(PY) scripts/restore_drill.py

lint: venv ## Static checks: ruff, mypy, import layers, bandit, pip-audit
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports
	$(VENV)/bin/bandit -q -c pyproject.toml -r emarac audit
	$(VENV)/bin/pip-audit --skip-editable

format: venv ## Format the code
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: assets ## Run the benchmarks (needs PostgreSQL for the full-scale figures)
	$(PY) benchmarks/run.py
	$(PY) benchmarks/scale.py $(SCALE_ARGS)
	$(PY) benchmarks/report.py

LOAD_USERS ?= 50
LOAD_MINUTES ?= 10
load: venv ## Load test: 50 users for 10 minutes on gunicorn and PostgreSQL (LOAD_USERS, LOAD_MINUTES)
	LOAD_USERS=$(LOAD_USERS) LOAD_MINUTES=$(LOAD_MINUTES) $(PY) benchmarks/load/run.py

migration: venv ## Autogenerate a migration: make migration m="what changed"
	$(FLASK) db migrate -m "$(m)"

clean: ## Remove built assets and caches (keeps instance/ and the venv)
	rm -rf static/dist .pytest_cache .mypy_cache .ruff_cache
