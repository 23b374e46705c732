"""The commune's calibration shipped in data/nahy/calibration/ is the calibration of today's inputs.

Forecasts draw their parameters from it by default, so a change to anything
that decides its particles (the commune's data, observed.csv, the
calibration scenario and its priors, the settings, the package version)
must come with a new calibration: ``make calibrate``. This test recomputes
the calibration's key from today's inputs and the settings the shipped
manifest records, and fails, naming what to run, when they differ.
"""

from __future__ import annotations

import json

import pandas as pd

import sim
from sim.analysis.calibration import Settings, calibration_key
from sim.analysis.observed import observations
from sim.experiments.posterior import load_posterior
from tests.conftest import NAHY

FOLDER = NAHY / "calibration"
SCENARIO = NAHY / "scenarios" / "calibrate-2017.toml"


def shipped_settings(manifest: dict) -> Settings:
    recorded = dict(manifest["settings"])
    if recorded.get("metrics") is not None:
        recorded["metrics"] = tuple(recorded["metrics"])
    return Settings(**recorded)


def test_the_shipped_calibration_is_of_todays_inputs() -> None:
    manifest = json.loads((FOLDER / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["status"] == "complete"
    settings = shipped_settings(manifest)
    scenario = sim.load_scenario(SCENARIO)
    used, _ = observations(scenario, list(settings.metrics) if settings.metrics else None)
    key, inputs = calibration_key(scenario, used, settings)
    recorded = manifest.get("key")
    assert key == recorded, (
        "data/nahy/calibration is stale: the inputs that decide its particles changed since it "
        f"was made (version then {manifest['version']}, now {inputs['version']}); "
        "run `make calibrate` and commit data/nahy/calibration"
    )


def test_the_shipped_posterior_holds_every_calibrated_parameter_with_weights() -> None:
    scenario = sim.load_scenario(SCENARIO)
    posterior = load_posterior(FOLDER)
    assert set(posterior.parameters) == set(scenario.priors)
    table = pd.read_parquet(FOLDER / "posterior.parquet")
    for name, prior in scenario.priors.items():
        assert table[name].between(prior.low, prior.high).all(), name
    assert (posterior.weights > 0).all()
    # the forecasts find it: the commune knows its calibration
    assert scenario.commune.calibration_path == FOLDER
