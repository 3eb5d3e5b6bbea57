# Two commands do all the set-up from a fresh clone: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
FLASK := $(BIN)/flask --app wsgi
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: install run test lint format bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

# One process migrates, loads the demo into an empty database and serves; its links, the demo
# texts and PUBLIC_BASE_URL follow HOST and PORT (unless PUBLIC_BASE_URL is set).
run: $(STAMP)
	mkdir -p instance
	$(FLASK) dev --host $(HOST) --port $(PORT)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# One test worker per core (pytest-xdist); each has its own PostgreSQL database and browser.
test: lint
	$(BIN)/python -m pytest -n auto

bench: $(STAMP)
	$(BIN)/python bench/claim_rush.py
	$(BIN)/python bench/dispatch.py
	$(BIN)/python bench/dev_start.py
	$(BIN)/python bench/page_weight.py
	$(BIN)/python bench/scale.py
	$(BIN)/python bench/line_rush.py

clean:
	rm -rf $(VENV) instance/*.sqlite3 .pytest_cache
