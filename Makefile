# The two commands of the README. Each creates .venv from a fresh clone and installs what it
# needs itself; the stamp file re-installs only when the dependency files change.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# checkov in an environment of its own (its pins conflict with the dev set): requirements-checkov.txt.
CHECKOV_STAMP := $(VENV)/.checkov

.PHONY: run test lint types docs unit bench clean requirements

$(STAMP): pyproject.toml requirements.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt -e '.[dev,conformance]'
	@touch $(STAMP)

$(CHECKOV_STAMP): requirements-checkov.txt
	@test -x $(VENV)/checkov/bin/python || $(PYTHON) -m venv $(VENV)/checkov || python3 -m venv $(VENV)/checkov
	$(VENV)/checkov/bin/python -m pip install --quiet -r requirements-checkov.txt
	@touch $(CHECKOV_STAMP)

run: $(STAMP)
	$(BIN)/cityzen run

test: lint types docs unit

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

types: $(STAMP)
	$(BIN)/mypy

# The documentation site, into site/ (mkdocs.yml; docs/_hooks.py generates the reference pages).
# --strict: a broken link, anchor or nav entry fails the build. Needs no network.
# NO_MKDOCS_2_WARNING: Material prints an end-of-life banner on every build; it is known.
docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --quiet --site-dir site

unit: $(STAMP) $(CHECKOV_STAMP)
	$(BIN)/python -m pytest

# bench/_*.py are a benchmark's own modules, not benchmarks.
bench: $(STAMP)
	@for b in bench/[!_]*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

# Print the exact pins of the runtime set from the current .venv (review, then paste).
requirements: $(STAMP)
	$(BIN)/python -m pip freeze --exclude-editable

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache site
