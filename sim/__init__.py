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

from typing import TYPE_CHECKING

from sim.errors import InputError
from sim.version import __version__

#: The public names and the modules that hold them, loaded on first use: ``import sim.model``
#: (as a worker process does) must not load the analysis and presentation layers, and most
#: sessions never need scipy and SALib (calibration, sensitivity).
_LAZY = {
    "Commune": "sim.commune",
    "load_commune": "sim.commune",
    "Comparison": "sim.comparison",
    "DelayCosts": "sim.comparison",
    "compare": "sim.comparison",
    "cost_of_delay": "sim.comparison",
    "EnsembleResult": "sim.ensemble",
    "load_ensemble": "sim.ensemble",
    "run_ensemble": "sim.ensemble",
    "run": "sim.model",
    "RunResult": "sim.results",
    "Intervention": "sim.scenario",
    "Scenario": "sim.scenario",
    "baseline_scenario": "sim.scenario",
    "load_scenario": "sim.scenario",
    "scenario_from_dict": "sim.scenario",
    "Lever": "sim.what_it_takes",
    "SearchResult": "sim.what_it_takes",
    "search": "sim.what_it_takes",
    "calibrate": "sim.calibration",
    "load_calibration": "sim.calibration",
    "load_posterior": "sim.posterior",
    "run_sensitivity": "sim.sensitivity",
    "load_sensitivity": "sim.sensitivity",
}

if TYPE_CHECKING:  # what a type checker and an editor see
    from sim.calibration import calibrate, load_calibration
    from sim.commune import Commune, load_commune
    from sim.comparison import Comparison, DelayCosts, compare, cost_of_delay
    from sim.ensemble import EnsembleResult, load_ensemble, run_ensemble
    from sim.model import run
    from sim.posterior import load_posterior
    from sim.results import RunResult
    from sim.scenario import (
        Intervention,
        Scenario,
        baseline_scenario,
        load_scenario,
        scenario_from_dict,
    )
    from sim.sensitivity import load_sensitivity, run_sensitivity
    from sim.what_it_takes import Lever, SearchResult, search


def __getattr__(name: str) -> object:
    if name not in _LAZY:
        raise AttributeError(f"module 'sim' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(_LAZY[name]), name)
    globals()[name] = value  # found once: later uses are plain attribute reads
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


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
