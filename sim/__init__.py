"""nahy-sim: Monte Carlo forecasts of party-member recruitment in a commune.

The public API in a few names: load a commune folder or a scenario file
(everything is checked on loading, and every problem reported at once as an
:class:`InputError`), then vary the scenario with its ``with_*`` methods;
run it once (``run``) or many times (``run_ensemble``); ``compare`` scenarios
on common random numbers, ``cost_of_delay`` of each measure, and ``search``
for what it takes to make a target likely enough; ``calibrate`` the
scenario's ``[priors]`` against what was observed (then
``run_ensemble(..., posterior=folder)``), and ``run_sensitivity`` of the
targets to them. Ensembles draw their parameters from the commune's own
calibration (``<commune>/calibration/``) when it has one, by default;
``posterior=None`` runs at the assumed values (:mod:`sim.posterior`).
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

#: Names loaded on first use: they bring scipy and SALib, which most sessions never need.
_LAZY = {
    "calibrate": "sim.calibration",
    "load_calibration": "sim.calibration",
    "load_posterior": "sim.posterior",
    "run_sensitivity": "sim.sensitivity",
    "load_sensitivity": "sim.sensitivity",
}


def __getattr__(name: str) -> object:
    if name not in _LAZY:
        raise AttributeError(f"module 'sim' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(_LAZY[name]), name)


try:
    __version__ = _version("nahy-sim")
except PackageNotFoundError:  # a source tree that was never installed
    __version__ = "0.3.0"

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
    "calibrate",
    "compare",
    "cost_of_delay",
    "load_calibration",
    "load_commune",
    "load_ensemble",
    "load_posterior",
    "load_scenario",
    "load_sensitivity",
    "run",
    "run_ensemble",
    "run_sensitivity",
    "scenario_from_dict",
    "search",
]
