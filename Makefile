# Khiu: `make run` serves the kiosk with the demo catalog; `make test` runs every test.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app app

.PHONY: setup run test lint screenshots bench office-day clean

setup: $(VENV)/.installed node_modules/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

run: setup
	$(FLASK) init-db
	$(FLASK) seed-demo
	OPENING_HOURS="$${OPENING_HOURS:-always}" $(FLASK) serve --host $${HOST:-127.0.0.1} --port $${PORT:-5000}

lint: setup
	$(BIN)/ruff check .

test: lint
	$(BIN)/pytest $(PYTEST_ARGS)

screenshots: setup
	$(BIN)/python -m scripts.screenshots docs/screenshots

bench: setup
	$(BIN)/python -m bench.run
	$(BIN)/python -m bench.run --postgres

office-day: setup
	$(BIN)/python -m bench.office_day
	$(BIN)/python -m bench.office_day --postgres

clean:
	rm -rf $(VENV) node_modules .pytest_cache test-artifacts
