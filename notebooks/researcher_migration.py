# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Researcher: youth outmigration and return
#
# No source gives Nà Hỳ's migration rates: they are assumptions with ranges in
# `data/nahy/parameters.csv`. This notebook shows what they do to the
# forecast, how sensitive the targets are to them, and how calibration against
# the article's April 2017 figures narrows them.
#
# The parameters:
#
# - `leave_after_upper_secondary_2y`: share of upper-secondary completers who
#   leave within two years (the article: "most" leave);
# - `leave_hazard_young`: yearly leaving hazard at 16-30 otherwise (times
#   `leave_lower_secondary_multiplier` for those with lower-secondary schooling,
#   who are also the ones the party may admit);
# - `return_within_5y`: share of work migrants (those not settled away for
#   good, `never_return_share`) back within five years when a job ends.
#
# Returns have reasons: students come home when their course ends (some),
# work migrants when a job ends or to marry, and some never come back. Every
# departure and return is in a run's `migrations` table.

# %%
import os
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import Image

import sim
from sim.analysis_plots import plot_indices, plot_predictive, plot_priors_posteriors
from sim.calibration import Settings, calibrate
from sim.identifiability import identify
from sim.plots import youth_places
from sim.sensitivity import run_sensitivity

SMALL = "NAHY_NOTEBOOK_REPS" in os.environ  # the test suite runs this notebook small
REPS = int(os.environ.get("NAHY_NOTEBOOK_REPS", "100"))
WORKERS = 1 if SMALL else None  # small runs: no worker pool to start
SEED = 2015
DATA = Path(sim.__file__).resolve().parents[1] / "data" / "nahy"
RESULTS = Path(os.environ.get("NAHY_NOTEBOOK_RESULTS", "results"))

scenario = sim.load_scenario(DATA / "scenarios" / "resolution-2015.toml")
table = scenario.commune.parameter_table.set_index("name")
table.loc[
    ["leave_after_upper_secondary_2y", "leave_hazard_young", "return_within_5y"],
    ["value", "low", "high", "source"],
]

# %% [markdown]
# ## One parameter at a time
#
# The forecast at the low, central and high value of each migration parameter
# (every other parameter at its data value, so `posterior=None`: not drawn
# from the commune's calibration even if it has one; same seed, so the runs
# are paired).

# %%
rows = []
for name in ("leave_after_upper_secondary_2y", "leave_hazard_young", "return_within_5y"):
    for level in ("low", "value", "high"):
        value = float(table.loc[name, level])
        result = sim.run_ensemble(
            scenario.with_parameters(**{name: value}),
            reps=REPS,
            seed=SEED,
            out=RESULTS,
            quiet=True,
            posterior=None,
        )
        rows.append(
            {
                "parameter": name,
                "level": level,
                "value": value,
                "P(>= 7 every year)": result.probability("admissions_every_year_ge_7")[0],
                "P(no white village)": result.probability("no_white_village_at_horizon")[0],
                "mean admissions a year": result.replications["admissions_term_mean"].mean(),
            }
        )
one_at_a_time = pd.DataFrame(rows)
one_at_a_time.round(3)

# %% [markdown]
# Young people at home, away and in military service under the central values:

# %%
central = sim.run_ensemble(
    scenario, reps=REPS, seed=SEED, out=RESULTS, quiet=True, workers=WORKERS, posterior=None
)
print(central.manifest["parameters"]["sentence"])
youth_places(central, "en")

# %% [markdown]
# ## Global sensitivity (Morris screening)
#
# All the calibration scenario's uncertain parameters varied together over
# their prior ranges; Morris screening ranks them by their effect on each
# target metric (Sobol indices: `method="sobol"`, many more runs).

# %%
plt.close("all")
calibration_scenario = sim.load_scenario(DATA / "scenarios" / "calibrate-2017.toml")
screening = run_sensitivity(
    calibration_scenario.with_horizon("2020-12-31"),
    method="morris",
    n=2 if SMALL else 20,
    seed=SEED,
    out=RESULTS / "sensitivity",
    quiet=True,
    workers=WORKERS,
)
screening.indices.head(12)

# %%
plot_indices(screening, RESULTS / "sensitivity" / "indices.png")

# %% [markdown]
# ## Before calibrating: which observed figure informs which parameter
#
# Calibration can only narrow a parameter that some observed figure responds
# to. `identify` draws parameter sets from the priors (one run each), measures
# every figure of `observed.csv` on each run exactly as calibration does, and
# gives the Spearman rank correlation and a mutual-information estimate of
# every (figure, parameter) pair. A parameter whose |r| stays within the bound
# independence would give (z_0.995 / sqrt(draws - 1)) for every figure is
# flagged *not informed*: its posterior will be its prior, whatever the
# calibration. More draws lower the bound (300, the default, gives 0.15).

# %%
identifiability = identify(
    calibration_scenario,
    RESULTS / "identifiability",
    draws=10 if SMALL else 150,
    seed=SEED,
    quiet=True,
    workers=WORKERS,
)
identifiability.summary.round(3)

# %% [markdown]
# The heat map (rows: parameters; columns: observed figures; bold: beyond the
# bound; framed: each parameter's most informative figure). The Vietnamese
# version is `identifiability.vi.png` in the same folder.

# %%
Image(filename=identifiability.figure_paths()["en"])

# %% [markdown]
# ## Calibration against April 2017
#
# Approximate Bayesian computation (population Monte Carlo) over the priors
# declared in `calibrate-2017.toml`, against the article's figures. A full
# calibration (the default settings) takes a few minutes on two cores; it can
# be interrupted and resumed.

# %%
settings = (
    Settings(
        particles=8, generations=1, pilot_runs=4, max_runs=16, predictive_runs=4, projection_runs=20
    )
    if SMALL
    else Settings()
)
posterior = calibrate(
    calibration_scenario, RESULTS / "calibration", settings, quiet=True, workers=WORKERS
)
posterior.diagnostics

# %% [markdown]
# The accepted parameter sets (weighted) and how far each prior narrowed:

# %%
posterior.posterior.describe().round(4)

# %%
plot_priors_posteriors(posterior, RESULTS / "calibration" / "priors_posteriors.png")
plot_predictive(posterior, RESULTS / "calibration" / "predictive.png")
