# The two commands of the README, plus a few conveniences. Everything installs itself on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PYTEST_ARGS ?=

.PHONY: demo test unit lint audit bench schemas stack-up stack-down clean web

$(BIN)/crm: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	# venv's own setuptools (65.5 with Python 3.11) has known high-severity advisories (docs/security.md)
	$(BIN)/pip install -q --upgrade pip 'setuptools>=78.1.1'
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

## demo: set up everything and run the product on this machine
demo: $(BIN)/crm
	$(BIN)/crm demo

## test: start the local services and run the whole test suite (lint, web app, unit, integration, end-to-end),
## then the dependency audit
test: $(BIN)/crm web
	$(BIN)/crm stack up
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	npm --prefix web run lint
	npm --prefix web test
	$(BIN)/pytest $(PYTEST_ARGS)
	$(BIN)/python -m infra.audit

## web: install the web app's packages (exactly as locked) and build it into web/dist
web: web/node_modules/.package-lock.json
	npm --prefix web run build

web/node_modules/.package-lock.json: web/package-lock.json
	npm --prefix web ci --no-audit --no-fund

## unit: the pure tests only, no services needed
unit: $(BIN)/crm
	$(BIN)/pytest -m "not integration" $(PYTEST_ARGS)

## audit: known vulnerabilities in the Python packages (pip-audit) and the web app's (npm audit); needs the
## network: an advisory service that cannot be reached is reported UNCHECKED, and fails with CRM_AUDIT_STRICT=1
audit: $(BIN)/crm
	$(BIN)/python -m infra.audit

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
