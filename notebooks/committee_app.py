# %%
# The committee's screen: `make app` serves this notebook with Voilà, which shows its outputs
# only (no code). The screen (sim.presentation.planner_screen) holds the title, the
# controls and the answer.
import os
from pathlib import Path

from IPython.display import display

import sim
from sim.presentation.language_switch import language_switch
from sim.presentation.planner_screen import PlannerScreen
from sim.presentation.search_screen import SearchScreen

REPS = int(os.environ.get("NAHY_NOTEBOOK_REPS", "200"))
WORKERS = int(os.environ["NAHY_APP_WORKERS"]) if "NAHY_APP_WORKERS" in os.environ else None
SEED = 2015
DATA = Path(sim.__file__).resolve().parents[1] / "data" / "nahy"
RESULTS = Path(os.environ.get("NAHY_NOTEBOOK_RESULTS", "results"))

display(language_switch())
screen = PlannerScreen(
    sim.load_scenario(DATA / "scenarios" / "baseline.toml"),
    initial=sim.load_scenario(DATA / "scenarios" / "alone-standing-committee.toml").interventions,
    reps=REPS,
    seed=SEED,
    out=RESULTS,
    workers=WORKERS,
)
display(screen)
_ = screen.run()

# What does it take? Run on demand (the Search button): the answer says how sure it is.
search_screen = SearchScreen(
    sim.load_scenario(DATA / "scenarios" / "resolution-2015.toml"),
    ticked=["standing_committee_assignment", "targeted_sourcing"],
    reps=20,
    trials=12,
    discover_reps=300,
    seed=SEED,
    out=RESULTS,
    workers=WORKERS,
)
display(search_screen)
