# Two commands: `make demo` runs the main job against the sandbox, `make test` runs every test.
# Each creates .venv when missing and installs what it needs.
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin

.PHONY: demo test test-repeat test-pandas2 reliability screenshots charts cassettes notebooks bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.demo-installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.test-installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test,spark]'
	touch $@ $(VENV)/.demo-installed

demo: $(VENV)/.demo-installed
	$(BIN)/cargamos-explore demo

# The suite runs with CARGAMOS_* and a .netrc aimed at a local trap, as on an analyst's
# machine: it fails if any test, doctest, README example or notebook reaches the trap.
test: $(VENV)/.test-installed
	$(BIN)/ruff check cargamos_explore tests benchmarks
	$(BIN)/mypy
	$(BIN)/python -m tests.trap -- $(BIN)/pytest

# The whole suite five times in a row: a test that depends on timing shows up here.
test-repeat: $(VENV)/.test-installed
	for i in 1 2 3 4 5; do echo "run $$i"; $(BIN)/python -m tests.trap -- $(BIN)/pytest -q || exit 1; done

# The pure frame tests again on the oldest supported pandas major.
test-pandas2: | $(BIN)/python
	$(PYTHON) -m venv $(VENV)-pandas2
	$(VENV)-pandas2/bin/pip install --quiet -e '.[test]' 'pandas>=2.2,<3'
	$(VENV)-pandas2/bin/pytest -p no:randomly tests/test_frames.py tests/test_kpis.py tests/test_plots.py

# The reliability suite at a larger scale; rewrites RELIABILITY.md with its figures.
reliability: $(VENV)/.test-installed
	$(BIN)/pytest -q -m reliability --reliability-scale=4 --reliability-report=RELIABILITY.md

# The browser tests again, saving their screenshots as the README's pictures.
screenshots: $(VENV)/.test-installed
	$(BIN)/pytest -q -m browser --screenshots=docs

# The README's charts, drawn from a sandbox with a fixed seed and date: same data, same PNGs.
charts: $(VENV)/.test-installed
	$(BIN)/python -m tests.charts docs

# Re-record every notebook's cassette from the sandbox: a fixed seed and day, so an
# unchanged sandbox gives byte-identical files. Add --host URL to record a real account.
CASSETTE_DAY ?= 2026-11-18
cassettes: $(VENV)/.test-installed
	$(BIN)/cargamos-explore record notebooks/*.ipynb --folder cassettes --seed 0 --anchor $(CASSETTE_DAY)

# Replay every notebook from its cassette and save it with its outputs (charts included), so
# that it reads well on a code host; a test checks that the saved outputs are the replay's.
notebooks: $(VENV)/.test-installed
	$(BIN)/cargamos-explore run-notebooks notebooks/*.ipynb

bench: $(VENV)/.test-installed
	for f in benchmarks/bench_*.py; do $(BIN)/python $$f || exit 1; done

clean:
	rm -rf $(VENV) $(VENV)-pandas2
