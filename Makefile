# The two commands of the README. Each creates .venv from a fresh clone and installs what it
# needs itself; the stamp file re-installs only when the dependency files change.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint types unit bench clean requirements

$(STAMP): pyproject.toml requirements.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt -e '.[dev]'
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/cityzen run

test: lint types unit

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

types: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/python -m pytest

bench: $(STAMP)
	@for b in bench/*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

# Print the exact pins of the runtime set from the current .venv (review, then paste).
requirements: $(STAMP)
	$(BIN)/python -m pip freeze --exclude-editable

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
