# Gò Vấp InnoHub: `make run` starts everything, `make test` checks everything.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Every install comes from the lock (hashes included); `make lock` regenerates it after a
# change to pyproject.toml. base.lock is what the production image installs.
LOCK := requirements/dev.lock
DATA ?= .data

.PHONY: run test lint typecheck pytest browser-prerequisites bench lock clean clean-data

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(LOCK) pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --require-hashes -r $(LOCK)
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/python -m shared.infra.launcher

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy shared services bench tests

# The suites that start whole stacks run beside the others (tests/suites.py): two pytest
# processes, each with its own database and NATS servers on free ports.
pytest: $(STAMP)
	$(BIN)/python -m tests.suites

test: lint typecheck browser-prerequisites pytest

# The browser tests (tests/browser) drive Debian's Chromium; Playwright never downloads one.
CHROMIUM := /usr/bin/chromium

browser-prerequisites:
	@if [ ! -x "$(CHROMIUM)" ]; then \
		if [ "$$(id -u)" = 0 ]; then \
			apt-get update -qq && apt-get install -y -qq chromium; \
		else \
			echo "the browser tests need Debian's chromium package: sudo apt-get install chromium"; \
			exit 1; \
		fi; \
	fi

# wrk, the load generator of bench/gateway.py, from Debian's package.
WRK := $(shell command -v wrk)

bench: $(STAMP)
	@if [ -z "$(WRK)" ]; then \
		if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq wrk; \
		else echo "bench needs wrk: sudo apt-get install wrk"; exit 1; fi; fi
	$(BIN)/python bench/gateway.py
	$(BIN)/python bench/inbox_latency.py
	$(BIN)/python bench/rpc.py
	$(BIN)/python bench/consumer.py
	$(BIN)/python bench/web.py
	$(BIN)/python bench/events.py
	$(BIN)/python bench/registry_search.py
	$(BIN)/python bench/matching.py
	$(BIN)/python bench/reports.py

lock: | $(BIN)/python
	$(BIN)/python -m pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --extra dev --extra embedded --python-version 3.11 \
		--generate-hashes --no-header -o requirements/dev.lock
	$(BIN)/uv pip compile pyproject.toml --python-version 3.11 \
		--generate-hashes --no-header -o requirements/base.lock

# Stop `make run` first: this removes every user, startup and event kept under $(DATA).
clean-data:
	rm -rf $(DATA)

clean:
	rm -rf $(VENV) $(DATA) .pytest_cache .mypy_cache .ruff_cache .artifacts
