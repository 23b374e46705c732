# Every target creates (once) and reuses a local virtual environment in .venv
# and installs the project into it, so a fresh machine needs only Python 3.11 and make.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# make forecast: REPS runs per scenario; baseline + resolution-2015 at 200 take about a minute on 2 cores
REPS   ?= 200
SEED   ?= 2015

.PHONY: setup forecast test lab bench lint validate notebooks clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

forecast: $(STAMP)
	$(BIN)/python -m sim forecast --reps $(REPS) --seed $(SEED)
	$(BIN)/python -m sim briefing results/forecast --lang vi --out results/forecast/briefing

validate: $(STAMP)
	$(BIN)/python -m sim validate data/nahy data/nahy/scenarios

test: $(STAMP)
	$(BIN)/python -m pytest -q

lab: $(STAMP)
	$(BIN)/python -m ipykernel install --sys-prefix --name nahy-sim --display-name "nahy-sim (.venv)" >/dev/null
	$(BIN)/jupyter lab notebooks/

notebooks: $(STAMP)
	$(BIN)/jupytext --to ipynb --update notebooks/*.py

bench: $(STAMP)
	$(BIN)/python -m benchmarks

lint: $(STAMP)
	$(BIN)/ruff check sim tests benchmarks notebooks
	$(BIN)/ruff format --check sim tests benchmarks notebooks

clean:
	rm -rf $(VENV) .pytest_cache results/.tmp
