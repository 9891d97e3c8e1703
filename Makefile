# Two commands: `make demo` runs the main job against the sandbox, `make test` runs every test.
# Each creates .venv when missing and installs what it needs.
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin

.PHONY: demo test test-pandas2 lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.demo-installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.test-installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.demo-installed

demo: $(VENV)/.demo-installed
	$(BIN)/cargamos-explore demo

test: $(VENV)/.test-installed
	$(BIN)/ruff check cargamos_explore tests benchmarks
	$(BIN)/mypy
	$(BIN)/pytest

# The pure frame tests again on the oldest supported pandas major.
test-pandas2: | $(BIN)/python
	$(PYTHON) -m venv $(VENV)-pandas2
	$(VENV)-pandas2/bin/pip install --quiet -e '.[test]' 'pandas>=2.2,<3'
	$(VENV)-pandas2/bin/pytest -p no:randomly tests/test_frames.py tests/test_kpis.py

bench: $(VENV)/.test-installed
	for f in benchmarks/bench_*.py; do $(BIN)/python $$f || exit 1; done

clean:
	rm -rf $(VENV) $(VENV)-pandas2
