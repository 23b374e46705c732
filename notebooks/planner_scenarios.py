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
# # Planner: which measure, started when, moves the odds?
#
# Choose a measure, its start date, its intensity and the villages it covers;
# the notebook runs the plan against the baseline **on common random numbers**
# (the same simulated histories, so the difference is the plan's effect, not
# noise) and redraws the figures. Change the controls and press **Run**.
#
# Intensity 1 means "as the 2015 resolution describes"; 0 means "not in force".
#
# **Parameters.** When the commune has a calibration (`data/nahy/calibration/`),
# every run draws its rates from it, the same draw for run *i* of both
# scenarios; otherwise the runs use the assumed values of `parameters.csv`.
# Untick *Calibrated* to run at the assumed values anyway. The output's
# `Parameters:` line always says which.

# %%
import os
from datetime import date
from pathlib import Path

import ipywidgets as widgets
import matplotlib.pyplot as plt
from IPython.display import display

import sim
from sim.interventions import MEASURES
from sim.plots import admissions_fan, target_probabilities, village_timeline
from sim.posterior import COMMUNE

REPS = int(os.environ.get("NAHY_NOTEBOOK_REPS", "200"))
SEED = 2015
LANG = "en"  # "vi" for Vietnamese labels
DATA = Path(sim.__file__).resolve().parents[1] / "data" / "nahy"
RESULTS = Path(os.environ.get("NAHY_NOTEBOOK_RESULTS", "results"))

baseline = sim.load_scenario(DATA / "scenarios" / "baseline.toml")
villages = [v.id for v in baseline.commune.villages]

# %% [markdown]
# ## The controls

# %%
measure = widgets.Dropdown(
    options=sorted(MEASURES), value="standing_committee_assignment", description="Measure"
)
start = widgets.DatePicker(value=date(2016, 1, 1), description="Start")
intensity = widgets.FloatSlider(value=1.0, min=0.0, max=3.0, step=0.25, description="Intensity")
where = widgets.SelectMultiple(
    options=villages, value=("V08", "V09", "V10"), rows=5, description="Villages"
)
horizon = widgets.Dropdown(
    options=["2020-12-31", "2025-12-31", "2030-12-31"], value="2020-12-31", description="Horizon"
)
calibrated = widgets.Checkbox(value=True, description="Calibrated (the commune's calibration)")
run_button = widgets.Button(description="Run", button_style="primary")
output = widgets.Output()
display(widgets.VBox([measure, start, intensity, where, horizon, calibrated, run_button, output]))


# %% [markdown]
# ## What Run does
#
# It builds the plan as a scenario (the baseline plus one measure), checks it
# (a start date outside the period or an unknown village is reported in one
# line), runs both scenarios and shows the comparison and the figures.


# %%
def plan_scenario() -> sim.Scenario:
    """The baseline plus the measure chosen with the controls."""
    chosen = sim.Intervention(
        measure=measure.value,
        start=start.value,
        intensity=intensity.value,
        villages=tuple(where.value) or None,
    )
    return baseline.with_horizon(horizon.value).with_interventions(chosen)


def run_plan(_button=None) -> sim.Comparison:
    """Run the plan against the baseline and show the comparison and figures."""
    output.clear_output()
    with output:
        try:
            plan = plan_scenario()
        except sim.InputError as problem:
            print(problem)
            return None
        comparison = sim.compare(
            [baseline.with_horizon(horizon.value), plan],
            reps=REPS,
            seed=SEED,
            out=RESULTS,
            posterior=COMMUNE if calibrated.value else None,
        )
        print(comparison.manifest["parameters"]["sentence"])
        print()
        print(comparison.text())
        results = list(comparison.results.values())
        for draw in (admissions_fan, target_probabilities, village_timeline):
            display(draw(results, LANG))
            plt.close("all")
        return comparison


run_button.on_click(run_plan)

# %% [markdown]
# ## A first run with the default controls
#
# (Press **Run** above after changing the controls.)

# %%
comparison = run_plan()
comparison.table[
    ["scenario", "measure", "value", "difference", "difference_low", "difference_high"]
].head(12)

# %% [markdown]
# ## The resolution's measures, each alone
#
# The scenario library holds each of the 2015 resolution's measures alone:
# which one moves each target most?

# %%
library = [DATA / "scenarios" / "baseline.toml"] + sorted((DATA / "scenarios").glob("alone-*.toml"))
alone = sim.compare(library, reps=REPS, seed=SEED, out=RESULTS)
print(alone.manifest["parameters"]["sentence"])
print()
print(alone.text())
