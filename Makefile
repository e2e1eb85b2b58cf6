# The two commands of the README: `make warehouse` and `make test`. Both create .venv/ on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DB     := data/warehouse.duckdb
EXPORT := data/export

INPUTS := $(shell find data/inputs -type f 2>/dev/null | LC_ALL=C sort)
CODE   := $(shell find ingest warehouse sql data/policy data/vocab -type f \( -name '*.py' -o -name '*.sql' -o -name '*.yaml' \) 2>/dev/null | LC_ALL=C sort)

.PHONY: warehouse test lint check export bench clean

warehouse: $(DB)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	$(BIN)/python -m compileall -q ingest warehouse  # (read even where PYTHONDONTWRITEBYTECODE is set)
	touch $@

$(DB): $(STAMP) $(INPUTS) $(CODE)
	$(BIN)/mscwh build --input data/inputs --db $@

test: $(STAMP)
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check ingest warehouse tests

check: lint test

export: $(DB)
	$(BIN)/mscwh export --db $(DB) --out $(EXPORT)

bench: $(STAMP)
	$(BIN)/python -m warehouse.bench

clean:
	rm -rf $(DB) $(DB).wal $(EXPORT)
