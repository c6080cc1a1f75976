# Terakoya — `make help` lists the targets.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8000
ONLY ?=
CONTACTS ?=
PYTEST_ARGS ?=
export TERAKOYA_BASE_URL ?= http://127.0.0.1:$(PORT)

.DEFAULT_GOAL := help

help: ## Show this list
	@grep -hE '^[a-z-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "} {printf "  make %-10s %s\n", $$1, $$2}'

$(VENV)/.installed: pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -c constraints.txt -e ".[dev]"
	@touch $@

install: $(VENV)/.installed ## Create the virtualenv and install Terakoya with its dev tools
	@$(BIN)/python -m terakoya.core.i18n_compile

migrate: install ## Apply database migrations
	TERAKOYA_DEBUG=1 $(BIN)/terakoya migrate --noinput

run: migrate ## Serve the demo workspace at http://127.0.0.1:$(PORT)/ with a worker beside it
	TERAKOYA_DEBUG=1 $(BIN)/terakoya demo
	TERAKOYA_DEBUG=1 $(BIN)/terakoya run --port $(PORT)

worker: install ## Run the background worker (and the periodic scheduler)
	$(BIN)/terakoya worker

test: install ## Run the whole test suite (browser tests included; needs Debian chromium)
	@bash scripts/system-deps.sh
	$(BIN)/pytest -n 2 --dist loadfile $(PYTEST_ARGS)

check: install ## Lint, format check, type check, migrations check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	TERAKOYA_DEBUG=1 $(BIN)/mypy terakoya
	TERAKOYA_DEBUG=1 $(BIN)/python manage.py makemigrations --check --dry-run

fmt: install ## Format and auto-fix the code
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

messages: install ## Extract translatable strings into the .po catalogs (needs gettext)
	TERAKOYA_DEBUG=1 $(BIN)/python scripts/makemessages.py

bench: install ## Run the benchmarks (ONLY=name, CONTACTS=n); one JSON object per figure
	@bash scripts/system-deps.sh bench
	$(BIN)/python benchmarks/run.py $(if $(ONLY),--only $(ONLY)) $(if $(CONTACTS),--contacts $(CONTACTS))

clean: ## Remove the virtualenv and local data (var/)
	rm -rf $(VENV) var

.PHONY: help install migrate run worker test check fmt messages bench clean
