# Two entry points for a fresh machine with only Python 3.11 and make:
#   make run    set up .venv, run the pipeline on data/sample/, print what SQL reads the result
#   make test   set up .venv with test extras, run the test suite
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test setup clean

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "need $(PYTHON) on PATH (or: make PYTHON=python3)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	@touch $(STAMP)

setup: $(STAMP)

run: $(STAMP)
	$(BIN)/akhbar run
	$(BIN)/akhbar query --file sql/queries/articles_per_site.sql
	@echo
	@echo "Query the corpus:  $(BIN)/akhbar query \"select site, count(*) from documents group by 1\""
	@echo "             or:   $(BIN)/duckdb -init sql/views.sql"

test: $(STAMP)
	$(BIN)/python -m pytest -q

clean:
	rm -rf data/out .pytest_cache
