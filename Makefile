# Accord developer commands. `make help` lists them.
SHELL := /bin/sh
VENV ?= .venv
BIN := $(VENV)/bin
export ACCORD_DATA_DIR ?= $(CURDIR)/var
PG_TEST_URL ?= postgres://postgres@127.0.0.1:5432/accord

.DEFAULT_GOAL := help

.PHONY: help
help: ## List the commands
	@awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  make %-12s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(BIN)/python:
	"$$(scripts/find-python)" -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python requirements.lock pyproject.toml
	$(BIN)/pip install --quiet --no-deps --require-hashes -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	@touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.lock
	$(BIN)/pip install --quiet --no-deps --require-hashes -r requirements-dev.lock
	@touch $@

frontend/node_modules/.installed: frontend/package.json frontend/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --prefix frontend --no-audit --no-fund --silent && touch $@; \
	else \
		echo "npm not found: pages work without htmx, only without its live updates"; \
	fi

# The BSI's CSAF validator library: publication runs its mandatory tests on each CSAF
# document (accord.cvd.advisories.csaf_validator); without it, the JSON schema alone.
tools/csaf-validator/node_modules/.installed: tools/csaf-validator/package.json tools/csaf-validator/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --prefix tools/csaf-validator --ignore-scripts --no-audit --no-fund --silent && touch $@; \
	else \
		echo "npm not found: CSAF documents are checked against the JSON schema only"; \
	fi

.PHONY: install
install: $(VENV)/.installed frontend/node_modules/.installed tools/csaf-validator/node_modules/.installed ## Create the virtualenv and install from the lock file

.PHONY: run
run: install ## Install, migrate, load catalogue and demo data, serve on http://127.0.0.1:8000
	$(BIN)/accord demo

.PHONY: test
test: $(VENV)/.installed-dev frontend/node_modules/.installed tools/csaf-validator/node_modules/.installed ## Run the whole suite on SQLite, then PostgreSQL (when reachable), with branch coverage and its floor
	scripts/run-tests

.PHONY: lint
lint: $(VENV)/.installed-dev ## ruff, format check, mypy, import-linter app contracts, makemigrations --check, check --deploy
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache
	$(BIN)/python -m accord.manage makemigrations --check --dry-run
	ACCORD_SECRET_KEY=lint-only-$$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n') \
		ACCORD_ALLOWED_HOSTS=accord.example.org \
		DJANGO_SETTINGS_MODULE=accord.settings.production \
		$(BIN)/python -m accord.manage check --deploy --fail-level WARNING

.PHONY: fmt
fmt: $(VENV)/.installed-dev ## Format and auto-fix
	$(BIN)/ruff format src tests benchmarks
	$(BIN)/ruff check --fix src tests benchmarks

.PHONY: bench
bench: $(VENV)/.installed-dev ## Run every benchmark at its default size
	@set -e; found=0; for b in benchmarks/*.py; do \
		[ -e "$$b" ] || continue; found=1; echo "== $$b"; $(BIN)/python "$$b"; done; \
	[ $$found = 1 ] || echo "no benchmarks yet"

.PHONY: lock
lock: ## Re-pin the lock files (needs uv in the virtualenv)
	$(BIN)/pip install --quiet uv
	$(BIN)/uv pip compile -q --python-version 3.12 --generate-hashes --no-header --overrides requirements-overrides.txt pyproject.toml -o requirements.lock
	$(BIN)/uv pip compile -q --python-version 3.12 --generate-hashes --no-header --overrides requirements-overrides.txt pyproject.toml requirements-dev.in -o requirements-dev.lock

.PHONY: clean
clean: ## Remove the virtualenv, data directory and caches
	rm -rf $(VENV) var frontend/node_modules tools/csaf-validator/node_modules .pytest_cache .mypy_cache .ruff_cache
