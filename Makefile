# The two commands of the README, plus a few conveniences. Everything installs itself on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PYTEST_ARGS ?=

.PHONY: demo test unit lint bench schemas stack-up stack-down clean web

$(BIN)/crm: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

## demo: set up everything and run the product on this machine
demo: $(BIN)/crm
	$(BIN)/crm demo

## test: start the local services and run the whole test suite (lint, web app, unit, integration, end-to-end)
test: $(BIN)/crm web
	$(BIN)/crm stack up
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	npm --prefix web run lint
	npm --prefix web test
	$(BIN)/pytest $(PYTEST_ARGS)

## web: install the web app's packages (exactly as locked) and build it into web/dist
web: web/node_modules/.package-lock.json
	npm --prefix web run build

web/node_modules/.package-lock.json: web/package-lock.json
	npm --prefix web ci --no-audit --no-fund

## unit: the pure tests only, no services needed
unit: $(BIN)/crm
	$(BIN)/pytest -m "not integration" $(PYTEST_ARGS)

lint: $(BIN)/crm
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

schemas: $(BIN)/crm
	$(BIN)/python -m contracts.schemas

bench: $(BIN)/crm
	$(BIN)/python benchmarks/ingest.py

stack-up: $(BIN)/crm
	$(BIN)/crm stack up

stack-down: $(BIN)/crm
	$(BIN)/crm stack down
