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
# # Quickstart: will Nà Hỳ's recruitment plan work?
#
# The commune resolved for 2015–2020 to admit **7–8 new party members a year**
# and to leave **no village without a party member** ("white village") or
# without a cell. This notebook loads the baseline commune, runs a Monte Carlo
# forecast of the measures the commune adopted, and reads the answer.
#
# Every number below comes from a scenario file, a seed and the package
# version, all recorded with the results.

# %%
import os
from pathlib import Path

import sim
from sim.headline import headline_table, sentences

# Small runs when the test suite executes this notebook; a real forecast otherwise.
REPS = int(os.environ.get("NAHY_NOTEBOOK_REPS", "200"))
SEED = 2015
DATA = Path(sim.__file__).resolve().parents[1] / "data" / "nahy"
RESULTS = Path(os.environ.get("NAHY_NOTEBOOK_RESULTS", "results"))

# %% [markdown]
# ## The commune as data
#
# Everything the model knows about Nà Hỳ lives in `data/nahy/`: villages,
# cells, members, demography and every rate, each with its source or marked as
# an assumption. Loading checks it all.

# %%
commune = sim.load_commune(DATA)
print(
    f"{commune.name}: {len(commune.villages)} villages, {len(commune.cells)} cells, "
    f"{commune.population} people, {commune.party_members} party members at {commune.data_date}"
)
for village in commune.villages:
    print(
        f"  {village.id} {village.name:22s} {village.population:4d} people, "
        f"{village.members_official + village.members_probationary:2d} members"
    )

# %% [markdown]
# ## The scenario: the measures the commune adopted
#
# A scenario file names the commune, the period and the measures, each with a
# start date and an intensity.

# %%
scenario = sim.load_scenario(DATA / "scenarios" / "resolution-2015.toml")
print(scenario.description)
for measure in scenario.interventions:
    where = ", ".join(measure.villages) if measure.villages else "all villages"
    print(f"  {measure.start}  {measure.measure:32s} intensity {measure.intensity}  ({where})")

# %% [markdown]
# ## One run
#
# A single stochastic run is one possible history of the commune.

# %%
one = sim.run(scenario, seed=SEED)
one.admissions_by_year()

# %% [markdown]
# ## The forecast: many runs
#
# An ensemble runs the scenario `REPS` times on all cores (the workers are
# separate processes, started safely from the notebook) and gives each target
# a probability with a 95 % interval. Results are stored and reused.
#
# Each run draws its parameters from the commune's calibration when it has one
# (`data/nahy/calibration/`), otherwise it uses the assumed values of
# `parameters.csv`; the last sentence says which (`posterior=None` asks for the
# assumed values).

# %%
forecast = sim.run_ensemble(scenario, reps=REPS, seed=SEED, workers=2, out=RESULTS)
for sentence in sentences(forecast.summary, forecast.manifest):
    print(sentence)

# %% [markdown]
# ## Admissions per year
#
# The spread of admissions per year across runs, against the resolution's
# target of 7–8 a year.

# %%
print(headline_table(forecast.summary, forecast.manifest))
