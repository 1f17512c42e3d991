# Two entry points for a fresh machine with only Python 3.11 and make:
#   make run    set up .venv, run the pipeline on data/sample/, print what SQL reads the result
#   make test   set up .venv with test extras, run the test suite
# The versions installed are the ones in $(LOCK) (what CI tested); `make lock` re-resolves them.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
LOCK := requirements/lock.txt
# `make lock` resolves from this index only (no local wheel folders or extra indexes from pip's config)
LOCK_INDEX ?= https://pypi.org/simple

.PHONY: run test lint setup lock clean

$(STAMP): pyproject.toml $(LOCK)
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "need $(PYTHON) on PATH (or: make PYTHON=python3)"; exit 1; }
	$(PYTHON) -m venv --clear $(VENV)   # a fresh venv: nothing left over from an earlier lock
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -c $(LOCK) -e '.[test]'
	@touch $(STAMP)

setup: $(STAMP)

run: $(STAMP)
	$(BIN)/akhbar run
	$(BIN)/akhbar query --file sql/queries/articles_per_site.sql
	@echo
	@echo "Query the corpus:  $(BIN)/akhbar query \"select site, count(*) from documents group by 1\""
	@echo "             or:   $(BIN)/duckdb -init sql/views.sql"

test: lint
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Re-resolve pyproject.toml's dependencies (with the test extra) in a fresh temporary venv and
# rewrite $(LOCK) with the exact versions; then `make setup` (or rm $(STAMP)) installs them.
lock:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "need $(PYTHON) on PATH (or: make PYTHON=python3)"; exit 1; }
	@set -e; tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	$(PYTHON) -m venv "$$tmp/venv"; \
	env -u PIP_FIND_LINKS -u PIP_EXTRA_INDEX_URL -u PIP_INDEX_URL -u PIP_CONSTRAINT -u PIP_REQUIRE_VIRTUALENV \
	    PIP_CONFIG_FILE=/dev/null PIP_DISABLE_PIP_VERSION_CHECK=1 \
	    "$$tmp/venv/bin/pip" install -q --index-url $(LOCK_INDEX) -e '.[test]'; \
	{ echo "# The exact versions \`make setup\` installs (pip install -c $(LOCK) -e '.[test]')."; \
	  echo "# Written by \`make lock\` from pyproject.toml for $$("$$tmp/venv/bin/python" -c 'import platform; print("Python", platform.python_version(), "on", platform.system())'); do not edit by hand."; \
	  "$$tmp/venv/bin/pip" freeze --exclude-editable --exclude akhbar; } > "$$tmp/lock.txt"; \
	mkdir -p $(dir $(LOCK)); mv "$$tmp/lock.txt" $(LOCK); \
	echo "$(LOCK): $$(grep -c '==' $(LOCK)) pinned distributions"

clean:
	rm -rf data/out .pytest_cache
