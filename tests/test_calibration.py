"""Calibration (ABC population Monte Carlo): its parts, recovery of known values, resuming."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sim
from sim.backends import SerialBackend
from sim.calibration import (
    Settings,
    calibrate,
    distances,
    ess,
    importance_weights,
    kernel_cholesky,
    load_calibration,
    weighted_quantile,
)
from sim.priors import Prior
from tests.calibration_support import TRUTH, scenario, small_commune, synthetic_commune

# -- the parts ---------------------------------------------------------------------------------


def test_distance_is_the_rms_of_standardised_differences() -> None:
    observed = np.array([10.0, 2.0])
    scale = np.array([2.0, 0.5])
    summaries = np.array([[10.0, 2.0], [12.0, 2.5], [14.0, 2.0]])
    assert distances(summaries, observed, scale) == pytest.approx(
        [0.0, 1.0, np.sqrt((4.0 + 0.0) / 2)]
    )


def test_effective_sample_size() -> None:
    assert ess(np.full(10, 0.1)) == pytest.approx(10)
    assert ess(np.array([1.0, 0, 0, 0])) == pytest.approx(1)
    assert ess(np.array([0.5, 0.5, 0, 0])) == pytest.approx(2)


def test_weighted_quantile() -> None:
    values = np.array([3.0, 1.0, 2.0, 100.0])
    assert weighted_quantile(values, np.array([1.0, 1.0, 1.0, 0.0]), 0.5) == pytest.approx(2.0)
    assert weighted_quantile(values, np.ones(4), [0.0, 1.0]) == pytest.approx([1.0, 100.0])


def test_importance_weights_undo_a_proposal_that_is_not_the_prior() -> None:
    """Proposals from a narrow mixture, reweighted, must give back the (uniform) prior."""
    priors = [Prior("x", "uniform", 0.0, 1.0)]
    rng = np.random.default_rng(4)
    old = np.array([[0.3], [0.7]])
    w_old = np.array([0.8, 0.2])
    chol = kernel_cholesky(old, w_old, priors)
    picks = rng.choice(2, size=20_000, p=w_old)
    z = old[picks] + rng.standard_normal((20_000, 1)) @ chol.T
    z = z[(z[:, 0] >= 0) & (z[:, 0] <= 1)]
    w = importance_weights(z, old, w_old, chol, priors)
    # under the prior, P(x < 0.5) = 0.5, although most proposals lie near 0.3
    assert np.mean(z[:, 0] < 0.5) > 0.6
    assert np.sum(w[z[:, 0] < 0.5]) == pytest.approx(0.5, abs=0.02)


def test_settings_are_checked() -> None:
    with pytest.raises(sim.InputError) as error:
        Settings(particles=1, alpha=1.5, max_runs=0, seed=-1).check()
    fields = [p.field for p in error.value.problems]
    assert fields == ["particles", "max_runs", "alpha", "seed"]


# -- recovering known values --------------------------------------------------------------------


def test_calibration_recovers_the_values_that_made_the_observations(tmp_path: Path) -> None:
    """Observations from one run at known values: both lie in the 90 % credible intervals.

    Two parameters with a signal (the spotting rate drives admissions and
    members, the youth leaving hazard the population at home), a small
    commune observed yearly to 2019 (tests/calibration_support.py). The test
    can fail: one that locked onto a wrong value would leave the truth outside
    the interval, and one that returned the prior would fail the narrowing
    check. That check pools the two parameters: with 60 particles drawn from
    the prior itself, each interval's width on the prior's (log) scale is a
    ratio of sample quantiles of uniforms, and the mean of two such ratios
    falls below 0.85 with probability 0.001 (below 0.881 with 0.01; simulated,
    100,000 draws). One parameter alone is too noisy for this small commune:
    its ratio falls below 0.85 by chance 1.5 % of the time, and the weakly
    identified spotting rate narrows to 0.66-0.92 here. (With the model of
    the admission rules and the commune admitting as a flow, observation
    seeds 1-5 give pooled ratios 0.61-0.83, and 9 of 10 intervals hold the
    truth, seed 2 missing the leaving hazard; seed 1 is the first.)
    """
    commune = synthetic_commune(tmp_path / "commune", seed=1)
    settings = Settings(
        particles=60, generations=6, max_runs=700, pilot_runs=10, predictive_runs=0, seed=11
    )
    result = calibrate(scenario(commune), tmp_path / "out", settings, workers=2, quiet=True)
    summary = result.summary
    for name, truth in TRUTH.items():
        p = summary["parameters"][name]
        assert p["p05"] <= truth <= p["p95"], (name, truth, p)
    narrowing = [summary["parameters"][name]["interval_vs_prior"] for name in TRUTH]
    assert np.mean(narrowing) < 0.85, narrowing  # it learnt something
    assert summary["generations"] >= 3
    assert result.diagnostics["tolerance"].is_monotonic_decreasing
    assert (result.diagnostics["ess"] > 0.5 * settings.particles).all()


# -- storage, resuming, reproducibility ---------------------------------------------------------

SMALL = Settings(particles=12, generations=3, max_runs=400, pilot_runs=4, predictive_runs=6, seed=5)


class InterruptMidGeneration(SerialBackend):
    """Runs tasks in this process and presses Ctrl-C in the middle of generation ``g``.

    Armed by the calibration's ``on_generation`` callback when generation
    ``g - 1`` is stored; then lets one more task through and interrupts.
    """

    def __init__(self, g: int) -> None:
        super().__init__()
        self.g = g
        self.left: int | None = None

    def stored(self, generation) -> None:  # noqa: ANN001 - a Generation
        if generation.index == self.g - 1:
            self.left = 1

    def run(self, fn, tasks):  # noqa: ANN001, ANN201 - the Backend interface
        for task in tasks:
            if self.left == 0:
                raise KeyboardInterrupt
            if self.left is not None:
                self.left -= 1
            yield fn(*task)


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> tuple[sim.Scenario, Path]:
    """A small calibration run in one go (the reference for the resume tests)."""
    folder = tmp_path_factory.mktemp("small")
    # synthetic observations to 2019; with a 2017 horizon only those up to 2017 count
    s = scenario(synthetic_commune(folder / "commune", seed=2), horizon="2017-12-31")
    calibrate(s, folder / "whole", SMALL, workers=1, quiet=True)
    return s, folder / "whole"


def test_an_interrupted_calibration_resumes_to_the_same_result(
    small: tuple[sim.Scenario, Path], tmp_path: Path
) -> None:
    s, whole = small
    out = tmp_path / "interrupted"
    backend = InterruptMidGeneration(g=2)
    with pytest.raises(KeyboardInterrupt) as error:
        calibrate(s, out, SMALL, backend=backend, quiet=True, on_generation=backend.stored)
    assert "run the same calibration again to resume" in "".join(error.value.__notes__)
    stored = sorted(p.name for p in (out / "generations").glob("*.parquet"))
    assert stored == ["g000.parquet", "g001.parquet"]  # generation 2 was lost half-way
    assert not (out / ".lock").exists()

    resumed = calibrate(s, out, SMALL, workers=1, quiet=True)
    reference = load_calibration(whole)
    pd.testing.assert_frame_equal(resumed.posterior, reference.posterior)
    pd.testing.assert_frame_equal(resumed.predictive, reference.predictive)
    assert resumed.summary == reference.summary
    for name in ("tolerance", "ess", "acceptance_rate", "cost"):
        assert resumed.diagnostics[name].tolist() == reference.diagnostics[name].tolist()


def test_results_do_not_depend_on_the_number_of_workers(
    small: tuple[sim.Scenario, Path], tmp_path: Path
) -> None:
    s, whole = small
    parallel = calibrate(s, tmp_path / "two", SMALL, workers=2, quiet=True)
    pd.testing.assert_frame_equal(parallel.posterior, load_calibration(whole).posterior)


def test_dask_gives_the_local_result(small: tuple[sim.Scenario, Path], tmp_path: Path) -> None:
    """The same calibration on a Dask LocalCluster of two worker processes."""
    s, whole = small
    on_dask = calibrate(s, tmp_path / "dask", SMALL, backend="dask", workers=2, quiet=True)
    assert on_dask.manifest["backend"]["name"] == "dask"
    pd.testing.assert_frame_equal(on_dask.posterior, load_calibration(whole).posterior)
    pd.testing.assert_frame_equal(on_dask.predictive, load_calibration(whole).predictive)


def test_the_folder_holds_the_tables_and_a_finished_one_is_reused(
    small: tuple[sim.Scenario, Path],
) -> None:
    s, whole = small
    names = {p.name for p in whole.iterdir()}
    assert {
        "manifest.json",
        "observed.csv",
        "pilot.parquet",
        "generations",
        "diagnostics.csv",
        "posterior.parquet",
        "posterior.csv",
        "predictive.parquet",
        "summary.json",
    } <= names
    manifest = json.loads((whole / "manifest.json").read_text())
    assert manifest["status"] == "complete"
    assert manifest["parameters"] == list(TRUTH)
    assert list(manifest["scales"]) == [  # the observations up to the 2017 horizon
        "admissions@2016-01-01..2016-12-31",
        "admissions@2017-01-01..2017-12-31",
        "population@2016-12-01",
        "population@2017-12-01",
        "party_members@2017-12-01",
    ]
    assert {s["reason"] for s in manifest["skipped"]} == {
        "outside the scenario's period 2015-01-01 to 2017-12-31"
    }
    posterior = pd.read_parquet(whole / "posterior.parquet")
    assert posterior["weight"].sum() == pytest.approx(1.0)
    assert len(posterior) == SMALL.particles
    diagnostics = pd.read_csv(whole / "diagnostics.csv")
    assert list(diagnostics["generation"]) == list(range(len(diagnostics)))
    assert {"tolerance", "ess", "acceptance_rate", "runs", "cost"} <= set(diagnostics)
    before = (whole / "generations" / "g000.parquet").stat().st_mtime_ns
    again = calibrate(s, whole, SMALL, workers=1, quiet=True)
    assert (whole / "generations" / "g000.parquet").stat().st_mtime_ns == before
    assert again.manifest["timings"]["runs_this_call"] == 0


def test_another_calibration_in_the_same_folder_is_refused(
    small: tuple[sim.Scenario, Path],
) -> None:
    s, whole = small
    other = Settings(**{**SMALL.__dict__, "seed": 6})
    with pytest.raises(sim.InputError, match="holds a calibration of other inputs"):
        calibrate(s, whole, other, workers=1, quiet=True)


def test_a_folder_being_written_by_another_process_is_refused(
    small: tuple[sim.Scenario, Path], tmp_path: Path
) -> None:
    s, _ = small
    out = tmp_path / "busy"
    out.mkdir()
    (out / ".lock").write_text("1")  # process 1 (init) is alive
    with pytest.raises(sim.InputError, match="another calibration"):
        calibrate(s, out, SMALL, workers=1, quiet=True)


def test_nothing_to_calibrate_is_one_line(tmp_path: Path) -> None:
    commune = small_commune(tmp_path / "commune")
    with pytest.raises(sim.InputError, match="none declared"):
        calibrate(scenario(commune, priors={}), tmp_path / "out", SMALL, workers=1)
    with pytest.raises(sim.InputError, match="no observation the model can be compared with"):
        calibrate(scenario(commune, horizon="2015-06-30"), tmp_path / "out", SMALL, workers=1)


def test_the_public_api_names_calibration_without_loading_scipy_up_front() -> None:
    """``import sim`` stays light; ``sim.calibrate`` loads scipy when first used."""
    import subprocess
    import sys

    code = (
        "import sys, sim; assert 'scipy' not in sys.modules; "
        "from sim.calibration import calibrate; assert sim.calibrate is calibrate; "
        "assert sim.run_sensitivity.__module__ == 'sim.sensitivity'"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


def test_a_generation_cut_short_by_the_budget_is_kept_when_half_full(
    small: tuple[sim.Scenario, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An over-optimistic cost estimate lets generation 1 start with too few runs left."""
    import sim.calibration

    monkeypatch.setattr(sim.calibration, "ACCEPTANCE_DECAY", 1.0)
    s, _ = small
    settings = Settings(
        particles=12, generations=5, max_runs=26, pilot_runs=4, predictive_runs=0, seed=5
    )
    result = calibrate(s, tmp_path / "cut", settings, workers=1, quiet=True)
    kept = len(result.posterior)
    assert 6 <= kept < 12
    assert result.summary["stop_reason"] == (
        f"run budget: generation 1 kept {kept} of 12 particles within the 26 runs"
    )
    assert result.diagnostics["cost"].tolist() == [12, 14]
    assert result.posterior["weight"].sum() == pytest.approx(1.0)
