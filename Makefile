# The two commands that matter on a fresh machine: `make serve` and `make test` (see README.md).
PYTHON ?= python3
VENV ?= .venv
HOST ?= 127.0.0.1
PORT ?= 8000
BIN := $(VENV)/bin

.PHONY: serve test lint typecheck unit fixture score clean

serve: $(VENV)/.runtime
	$(BIN)/translator serve --host $(HOST) --port $(PORT)

# lint and mypy run beside pytest (each mostly holds one core): on 2 cores the whole run is pytest's time
test: $(VENV)/.dev
	$(MAKE) --no-print-directory -j3 lint typecheck unit

lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(VENV)/.dev
	$(BIN)/mypy

# two pytest workers, a test file each at a time (module fixtures stay whole): much of the suite waits on
# servers, subprocesses and sockets, so two workers overlap it on two cores
unit: $(VENV)/.dev
	$(BIN)/pytest -n 2 --dist loadfile

# Rebuild the tiny memorising Marian model under tests/fixtures (about half a minute on 2 cores).
fixture: $(VENV)/.dev
	$(BIN)/python tests/fixtures/build_tiny_model.py

# Segmentation boundary P/R/F1 on ../shared/data/segmentation.
score: $(VENV)/.runtime
	$(BIN)/python bench/score_segmentation.py

$(VENV)/.runtime: requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt -e .
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis
