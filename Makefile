# Every target creates (once) and reuses a local virtual environment in .venv
# and installs the project into it, so a fresh machine needs only Python 3.11 and make.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# make forecast: REPS runs per scenario; baseline + resolution-2015 at 200 take about a minute on 2 cores.
# Each run draws its parameters from data/nahy/calibration/ when it exists (the default of
# `sim forecast`), else uses the assumed values of parameters.csv; the answer says which.
REPS   ?= 200
SEED   ?= 2015

.PHONY: setup forecast test lab app bench lint validate notebooks calibrate validate-model clean

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

# make test: the suite on TEST_WORKERS processes (pytest-xdist; the slowest tests are listed at
# the end); TEST_WORKERS=0 runs it in this process.
TEST_WORKERS ?= 2
test: $(STAMP)
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS)

# The notebooks' .py scripts are the source; their .ipynb pairs are generated here and ignored
# by git (jupytext.toml pairs them), so a session's outputs never reach the repository.
lab: notebooks
	$(BIN)/python -m ipykernel install --sys-prefix --name nahy-sim --display-name "nahy-sim (.venv)" >/dev/null
	$(BIN)/jupyter lab notebooks/

notebooks: $(STAMP)
	$(BIN)/jupytext --set-kernel python3 --update --to ipynb notebooks/*.py

# make app: the committee's screen (Voilà, no code shown) on http://127.0.0.1:$(APP_PORT) with
# an access token (printed; set NAHY_APP_TOKEN to choose it); APP_REPS runs per scenario. The
# baseline is run into the app's store first (once; reused after), so a visitor waits only
# for the plan.
APP_PORT ?= 8866
APP_REPS ?= 200
app: $(STAMP)
	$(BIN)/python -m sim run data/nahy/scenarios/baseline.toml --reps $(APP_REPS) --seed $(SEED) \
		--out results/app --quiet >/dev/null
	$(BIN)/python -m sim.presentation.app --port $(APP_PORT) --reps $(APP_REPS) --results results/app

bench: $(STAMP)
	$(BIN)/python -m benchmarks

lint: $(STAMP)
	$(BIN)/ruff check sim tests benchmarks notebooks
	$(BIN)/ruff format --check sim tests benchmarks notebooks

# make calibrate: the commune's calibration, regenerated into data/nahy/calibration/ (forecasts
# draw from it; tests/test_shipped_calibration.py fails when its inputs changed since). The
# budget of CALIBRATION_RUNS model runs takes about a quarter of an hour on 2 cores.
CALIBRATION_RUNS ?= 5000
calibrate: $(STAMP)
	$(BIN)/python -m sim calibrate data/nahy/scenarios/calibrate-2017.toml --out data/nahy/calibration \
		--max-runs $(CALIBRATION_RUNS) --fresh --no-plots

# make validate-model: the validation report in results/validation/ (known answers, posterior
# predictive checks against every observed figure, identifiability), about 5 minutes on 2 cores
validate-model: $(STAMP)
	$(BIN)/python -m sim validate-model --reps 200 --draws 300

# make check-calibration: do calibration's 90 % intervals hold planted values 9 times in 10?
# (normal means with an exact posterior, then the commune model over CHECK_SEEDS observation
# seeds; several minutes on 2 cores; exit status 1 when coverage fails its binomial bound)
CHECK_SEEDS ?= 20
.PHONY: check-calibration
check-calibration: $(STAMP)
	$(BIN)/python -m benchmarks.calibration_check --seeds $(CHECK_SEEDS) --workers 2

clean:
	rm -rf $(VENV) .pytest_cache results/.tmp
