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
# # Committee briefing (Vietnamese and English)
#
# Produces the figures and the one-page summary for the commune Party
# Committee from stored forecasts: the baseline and the measures the commune
# adopted. Every figure carries a source line (scenario, runs, seed, version,
# where the parameters came from, date) and the same provenance in its file
# metadata. The parameters are drawn from the commune's calibration when it
# has one (`data/nahy/calibration/`), else they are the assumed values of
# `parameters.csv`; the summary says which, in both languages.

# %%
import os
from pathlib import Path

import matplotlib.pyplot as plt
from IPython.display import Markdown, display

import sim
from sim.briefing import parameters_sentence, write_briefing
from sim.plots import admissions_fan, target_probabilities

REPS = int(os.environ.get("NAHY_NOTEBOOK_REPS", "200"))
SEED = 2015
DATA = Path(sim.__file__).resolve().parents[1] / "data" / "nahy"
RESULTS = Path(os.environ.get("NAHY_NOTEBOOK_RESULTS", "results"))

# %% [markdown]
# ## The forecasts (stored and reused when already run)

# %%
scenarios = [DATA / "scenarios" / "baseline.toml", DATA / "scenarios" / "resolution-2015.toml"]
comparison = sim.compare(scenarios, reps=REPS, seed=SEED, out=RESULTS)
results = list(comparison.results.values())
for lang in ("vi", "en"):
    print(parameters_sentence(results, lang))

# %% [markdown]
# ## The two key figures, in Vietnamese

# %%
admissions_fan(results, "vi")

# %%
target_probabilities(results, "vi")

# %% [markdown]
# ## Export: every figure (PNG 300 dpi, SVG, PDF) and the one-page summary

# %%
plt.close("all")
for lang in ("vi", "en"):
    briefing = write_briefing(results, RESULTS / "briefing" / lang, lang)
    print(lang, "->", RESULTS / "briefing" / lang)

# %%
display(Markdown((RESULTS / "briefing" / "vi" / "summary.md").read_text(encoding="utf-8")))
