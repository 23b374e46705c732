"""nahy-sim: Monte Carlo forecasts of party-member recruitment in a commune.

The public API in a few names: load a commune folder or a scenario file
(everything is checked on loading, and every problem reported at once as an
:class:`InputError`), then vary the scenario with its ``with_*`` methods;
run it once (``run``) or many times (``run_ensemble``); ``compare`` scenarios
on common random numbers, ``cost_of_delay`` of each measure, and ``search``
for what it takes to make a target likely enough.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as _version

from sim.commune import Commune, load_commune
from sim.comparison import Comparison, DelayCosts, compare, cost_of_delay
from sim.ensemble import EnsembleResult, load_ensemble, run_ensemble
from sim.errors import InputError
from sim.model import run
from sim.results import RunResult
from sim.scenario import (
    Intervention,
    Scenario,
    baseline_scenario,
    load_scenario,
    scenario_from_dict,
)
from sim.what_it_takes import Lever, SearchResult, search

try:
    __version__ = _version("nahy-sim")
except PackageNotFoundError:  # a source tree that was never installed
    __version__ = "0.1.0"

__all__ = [
    "Commune",
    "Comparison",
    "DelayCosts",
    "EnsembleResult",
    "InputError",
    "Intervention",
    "Lever",
    "RunResult",
    "Scenario",
    "SearchResult",
    "__version__",
    "baseline_scenario",
    "compare",
    "cost_of_delay",
    "load_commune",
    "load_ensemble",
    "load_scenario",
    "run",
    "run_ensemble",
    "scenario_from_dict",
    "search",
]
