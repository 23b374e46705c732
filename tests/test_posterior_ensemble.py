"""Forecasts under parameter uncertainty: ensembles drawing their parameters from a posterior."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sim
from sim.experiments.ensemble import replication_seeds, run_ensemble
from sim.experiments.posterior import load_posterior
from sim.experiments.summary import SUMMARY_KEYS
from sim.model.targets import definitions_for, replication_metrics
from tests.calibration_support import scenario, small_commune

TABLE = pd.DataFrame(
    {
        "spotting_rate_cell": [0.004, 0.05, 0.02],
        "leave_hazard_young": [0.02, 0.1, 0.05],
        "weight": [0.2, 0.5, 0.3],
        "distance": [1.0, 1.2, 0.9],  # other columns are ignored
    }
)


@pytest.fixture(scope="module")
def short(tmp_path_factory: pytest.TempPathFactory) -> sim.Scenario:
    return scenario(small_commune(tmp_path_factory.mktemp("c") / "commune"), horizon="2016-12-31")


def test_each_replication_runs_with_its_drawn_particle(short: sim.Scenario) -> None:
    result = run_ensemble(short, 8, seed=4, posterior=TABLE, workers=1, out=None, quiet=True)
    posterior = load_posterior(TABLE)
    particles = result.replications["posterior_particle"].tolist()
    assert particles == [posterior.draw(4, i)[0] for i in range(8)]
    # replication 5 is exactly a run with its particle's values and its own seed
    row, values = posterior.draw(4, 5)
    assert values == {k: TABLE.loc[row, k] for k in ("spotting_rate_cell", "leave_hazard_young")}
    alone = sim.run(short.with_parameters(**values), replication_seeds(4, 8)[5])
    metrics = replication_metrics(alone, definitions_for(short)).scalars
    assert result.replications.loc[5, "admissions_total"] == metrics["admissions_total"]
    assert result.replications.loc[5, "members_at_horizon"] == metrics["members_at_horizon"]


def test_the_summary_and_the_manifest_say_the_parameters_were_drawn(short: sim.Scenario) -> None:
    result = run_ensemble(short, 4, seed=1, posterior=TABLE, workers=1, out=None, quiet=True)
    for record in (result.summary, result.manifest):
        drawn = record["parameters_drawn_from_posterior"]
        assert drawn["sha256"] == load_posterior(TABLE).sha256
        assert drawn["particles"] == 3
        assert drawn["parameters"] == ["spotting_rate_cell", "leave_hazard_young"]
    plain = run_ensemble(short, 4, seed=1, workers=1, out=None, quiet=True)
    assert tuple(plain.summary) == (*SUMMARY_KEYS, "parameters")
    assert plain.summary["parameters"]["kind"] == "assumed"
    assert "posterior_particle" not in plain.replications


def test_draws_follow_the_weights_and_do_not_depend_on_the_ensemble_size() -> None:
    posterior = load_posterior(TABLE)
    rows = np.array([posterior.draw(9, i)[0] for i in range(4000)])
    assert np.bincount(rows, minlength=3) / 4000 == pytest.approx([0.2, 0.5, 0.3], abs=0.025)
    assert [posterior.draw(9, i) for i in range(5)] == [posterior.draw(9, i) for i in range(5)]
    one = load_posterior(TABLE.assign(weight=[0.0, 1.0, 0.0]))
    assert {one.draw(3, i)[0] for i in range(50)} == {1}


def test_a_stored_posterior_is_found_from_its_folder_and_keyed(
    short: sim.Scenario, tmp_path: Path
) -> None:
    folder = tmp_path / "calibration"
    folder.mkdir()
    TABLE.to_parquet(folder / "posterior.parquet")
    stored = run_ensemble(
        short, 3, seed=2, posterior=folder, workers=1, out=tmp_path / "r", quiet=True
    )
    assert stored.manifest["parameters_drawn_from_posterior"]["source"].endswith(
        "posterior.parquet"
    )
    plain = run_ensemble(short, 3, seed=2, workers=1, out=tmp_path / "r", quiet=True)
    assert plain.path != stored.path  # a different store key: never mixed up


BAD = [
    (pd.DataFrame({"nonsense": [1.0]}), "no column is a parameter name"),
    (TABLE.assign(weight=[0.0, 0.0, 0.0]), "weights must be numbers >= 0"),
    (TABLE.assign(spotting_rate_cell=[0.1, np.nan, 0.2]), "not finite"),
    (Path("/nonexistent/posterior.parquet"), "does not exist"),
]


@pytest.mark.parametrize(("source", "message"), BAD, ids=[m for _, m in BAD])
def test_bad_posteriors_are_input_errors(source: object, message: str) -> None:
    with pytest.raises(sim.InputError, match=message):
        load_posterior(source)
