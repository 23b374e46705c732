"""nahy-sim: Monte Carlo forecasts of party-member recruitment in a commune.

The public API in a few names: load a commune folder or a scenario file
(everything is checked on loading, and every problem reported at once as an
:class:`InputError`), then vary the scenario with its ``with_*`` methods;
run it once (``run``) or many times (``run_ensemble``); ``compare`` scenarios
on common random numbers, ``cost_of_delay`` of each measure, and ``search``
for what it takes to make a target likely enough; ``calibrate`` the
scenario's ``[priors]`` against what was observed (then
``run_ensemble(..., posterior=folder)``), and ``run_sensitivity`` of the
targets to them; ``discover`` which of them, in which ranges, make a
plan fail. Ensembles draw their parameters from the commune's own
calibration (``<commune>/calibration/``) when it has one, by default;
``posterior=None`` runs at the assumed values (:mod:`sim.experiments.posterior`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim.inputs.errors import InputError
from sim.version import __version__

#: The public names and the modules that hold them, loaded on first use: ``sim.model.run``
#: (as a worker process uses it) must not load the analysis and presentation layers, and most
#: sessions never need scipy and SALib (calibration, sensitivity).
_LAZY = {
    "Commune": "sim.inputs.commune",
    "load_commune": "sim.inputs.commune",
    "Comparison": "sim.analysis.comparison",
    "DelayCosts": "sim.analysis.comparison",
    "compare": "sim.analysis.comparison",
    "cost_of_delay": "sim.analysis.comparison",
    "EnsembleResult": "sim.experiments.ensemble",
    "load_ensemble": "sim.experiments.ensemble",
    "run_ensemble": "sim.experiments.ensemble",
    "run": "sim.model",
    "RunResult": "sim.model.results",
    "Intervention": "sim.inputs.scenario",
    "Scenario": "sim.inputs.scenario",
    "baseline_scenario": "sim.inputs.scenario",
    "load_scenario": "sim.inputs.scenario",
    "scenario_from_dict": "sim.inputs.scenario",
    "Lever": "sim.analysis.what_it_takes",
    "SearchResult": "sim.analysis.what_it_takes",
    "search": "sim.analysis.what_it_takes",
    "calibrate": "sim.analysis.calibration",
    "load_calibration": "sim.analysis.calibration",
    "load_posterior": "sim.experiments.posterior",
    "run_sensitivity": "sim.analysis.sensitivity",
    "load_sensitivity": "sim.analysis.sensitivity",
    "DiscoveryResult": "sim.analysis.discovery",
    "discover": "sim.analysis.discovery",
    "load_discovery": "sim.analysis.discovery",
}

if TYPE_CHECKING:  # what a type checker and an editor see
    from sim.analysis.calibration import calibrate, load_calibration
    from sim.analysis.comparison import Comparison, DelayCosts, compare, cost_of_delay
    from sim.analysis.discovery import DiscoveryResult, discover, load_discovery
    from sim.analysis.sensitivity import load_sensitivity, run_sensitivity
    from sim.analysis.what_it_takes import Lever, SearchResult, search
    from sim.experiments.ensemble import EnsembleResult, load_ensemble, run_ensemble
    from sim.experiments.posterior import load_posterior
    from sim.inputs.commune import Commune, load_commune
    from sim.inputs.scenario import (
        Intervention,
        Scenario,
        baseline_scenario,
        load_scenario,
        scenario_from_dict,
    )
    from sim.model import run
    from sim.model.results import RunResult


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
    "DiscoveryResult",
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
    "discover",
    "load_calibration",
    "load_commune",
    "load_discovery",
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
