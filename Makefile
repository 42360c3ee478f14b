# Thin targets over the kzgov command and tools; the logic lives in server/kzgov and tools/.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: help run build validate test lint bench clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

run: $(STAMP) ## build the graph if needed and serve it on 127.0.0.1:8000
	$(BIN)/kzgov serve

build: $(STAMP) ## parse, validate, materialize, check and write build/current
	$(BIN)/kzgov build

validate: $(STAMP) ## validate the data against the shapes
	$(BIN)/kzgov validate

lint: $(STAMP) ## ruff and mypy
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: $(STAMP) ## install what the tests need, then lint and run every test
	bash tools/install-test-system-deps
	$(MAKE) lint
	$(BIN)/pytest -n 2 --dist loadfile

bench: $(STAMP) ## build stages at 10k-1M, HTTP against the peers, serving memory: one table + bench/results/bench.json
	$(BIN)/python bench/suite.py

clean: ## remove the build and the virtual environment
	rm -rf build $(VENV)
