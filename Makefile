# Two commands: `make demo` runs the main job against the sandbox, `make test` runs every test.
# Each creates .venv when missing and installs what it needs; `make lab` then opens the notebooks.
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin

.PHONY: demo lab test test-repeat test-pandas2 test-vcrpy-floor test-notebook-floor reliability screenshots charts cassettes notebooks bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# JupyterLab and a kernel come with the demo: the notebooks are what an analyst opens next.
$(VENV)/.demo-installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[lab]'
	touch $@

$(VENV)/.test-installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test,lab,spark]'
	touch $@ $(VENV)/.demo-installed

demo: $(VENV)/.demo-installed
	$(BIN)/cargamos-explore demo
	@echo
	@echo "Open the notebooks in JupyterLab (on 127.0.0.1; Ctrl-C stops it):"
	@echo "    make lab"

# JupyterLab on notebooks/, opening the quickstart, listening on 127.0.0.1 only.
# LAB_OPTIONS adds options, e.g. LAB_OPTIONS=--no-browser or LAB_OPTIONS=--port=8890.
# As root (a container), JupyterLab refuses to start without --allow-root.
LAB_OPTIONS ?=
LAB_ROOT = $(if $(filter 0,$(shell id -u)),--allow-root)
lab: $(VENV)/.demo-installed
	cd notebooks && $(abspath $(BIN))/jupyter lab --ip=127.0.0.1 $(LAB_ROOT) $(LAB_OPTIONS) 00_quickstart.ipynb

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
	$(VENV)-pandas2/bin/pytest -p no:randomly tests/test_frames.py tests/test_kpis.py tests/test_leadtime.py tests/test_plots.py

# The cassette tests again on the oldest vcrpy the pin admits (vcrpy>=8.2.1 in pyproject.toml;
# tests/test_cassette_files.py checks that the two agree): the first to load YAML safely.
VCRPY_FLOOR = 8.2.1
CASSETTE_TESTS = tests/test_cassette_files.py tests/test_cassette_peers.py \
	tests/test_cassette_isolation.py tests/test_cassette_sessions.py tests/test_recording.py
test-vcrpy-floor: | $(BIN)/python
	$(PYTHON) -m venv $(VENV)-vcrpy-floor
	$(VENV)-vcrpy-floor/bin/pip install --quiet -e '.[test]' 'vcrpy==$(VCRPY_FLOOR)'
	$(VENV)-vcrpy-floor/bin/pytest -p no:randomly $(CASSETTE_TESTS)

# The dashboard's Notebook 7 browser test again on the oldest Notebook the pin admits
# (notebook>=7.2 in pyproject.toml; tests/test_explore_notebook7.py checks that the two
# agree), with the JupyterLab 4.2 it is built on.
NOTEBOOK_FLOOR = 7.2.0
test-notebook-floor: | $(BIN)/python
	$(PYTHON) -m venv $(VENV)-notebook-floor
	$(VENV)-notebook-floor/bin/pip install --quiet -e '.[test]' 'notebook==$(NOTEBOOK_FLOOR)'
	$(VENV)-notebook-floor/bin/pytest -p no:randomly tests/test_explore_notebook7.py

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
	rm -rf $(VENV) $(VENV)-pandas2 $(VENV)-vcrpy-floor $(VENV)-notebook-floor
