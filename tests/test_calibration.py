"""Calibration (ABC population Monte Carlo): its parts, an exact posterior, coverage, resuming."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.stats import binom

import sim
from sim.analysis.abc import from_space, space_bounds, to_space, truncated_step
from sim.analysis.calibration import (
    Settings,
    calibrate,
    calibrate_simulator,
    distances,
    ess,
    importance_weights,
    kernel_scales,
    load_calibration,
    weighted_quantile,
)
from sim.experiments.backends import SerialBackend
from sim.inputs.priors import Prior
from tests.calibration_support import (
    NORMAL_MU,
    NORMAL_PRIOR,
    TRUTH,
    NormalMeans,
    normal_means_checks,
    scenario,
    small_commune,
    synthetic_commune,
)

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


@pytest.mark.parametrize("centres", [(0.3, 0.7), (0.03, 0.7)], ids=["inside", "near a bound"])
def test_importance_weights_undo_a_proposal_that_is_not_the_prior(centres: tuple) -> None:
    """Proposals from a narrow mixture of truncated normals, reweighted, must give back the
    (uniform) prior, also when a particle sits near a bound and loses much of its kernel to
    the truncation (the kernel's mass is part of the weight). The weighted share below 0.5
    is within four standard errors of 0.5, the error from the weights' effective size."""
    priors = [Prior("x", "uniform", 0.0, 1.0), Prior("y", "loguniform", 0.01, 1.0)]
    rng = np.random.default_rng(4)
    values = np.array([[centres[0], 0.05], [centres[1], 0.5]])
    old = to_space(priors, values)
    w_old = np.array([0.8, 0.2])
    scales = kernel_scales(old, w_old, priors) / 2.0  # a narrow kernel: far from the prior
    bounds = space_bounds(priors)
    picks = rng.choice(2, size=20_000, p=w_old)
    z = np.array([truncated_step(rng, old[k], scales, bounds) for k in picks])
    assert ((z >= bounds[0]) & (z <= bounds[1])).all()  # every step inside the support
    w = importance_weights(z, old, w_old, scales, priors)
    below = from_space(priors, z) < np.array([0.5, 0.1])  # prior chance 0.5 for each
    assert abs(np.mean(below[:, 0]) - 0.5) > 0.1  # the proposals alone are far from it
    error = 4 * math.sqrt(0.25 / ess(w))
    for j in range(2):
        assert np.sum(w[below[:, j]]) == pytest.approx(0.5, abs=error), j


def test_settings_are_checked() -> None:
    with pytest.raises(sim.InputError) as error:
        Settings(particles=1, alpha=1.5, max_runs=0, seed=-1).check()
    fields = [p.field for p in error.value.problems]
    assert fields == ["particles", "max_runs", "alpha", "seed"]


# -- a problem whose posterior is known exactly ----------------------------------------------

#: Standard errors a Monte Carlo estimate may be off by (two-sided normal tail 6e-5 per check).
Z = 4.0
#: ABC-PMC settings of the exact-posterior test: generations until the tolerance reaches 0.35
#: (times the distance scale, about 1, that is half the posterior standard deviation), the run
#: budget only a cap; enough particles that equal weights in place of the importance weights
#: fail it (about 45,000 runs, 5 s).
EXACT = Settings(
    particles=700,
    generations=30,
    tolerance=0.35,
    max_runs=100_000,
    pilot_runs=200,
    predictive_runs=0,
    seed=0,
    projection_runs=0,  # the raw figures' distance, whose ABC posterior the theory gives
)


def test_abc_finds_the_exact_posterior_of_normal_means(tmp_path: Path) -> None:
    """The whole ABC-PMC loop, on y_k = mu + e_k (two figures, sigma 1, flat prior).

    **Exact posterior.** With a flat prior on [-10, 10] the posterior is
    Normal(ybar, s^2), s = sigma / sqrt(n), truncated to the prior (the edges
    are more than 10 s from ybar, so the truncation moves nothing visibly;
    it is computed anyway, ``exact_posterior``).

    **What ABC converges to.** A run is kept when
    ``sum_k (x_k / c_k)^2 <= n eps^2``, x = (simulated - observed figures)
    and c_k the pilot's scales. Under a flat prior mu given x is
    Normal(ybar + mean(x), s^2), whatever x, so the ABC posterior is exactly
    mu = ybar + s G + xbar, G standard normal, xbar = mean(x) of a kept run
    independent of G, and |xbar| <= h =
    eps c_rms (the largest mean over that ellipsoid). Hence (i) each ABC
    quantile lies within h of the exact one (its CDF is a mixture of the
    exact CDF shifted by at most h); (ii) its variance is s^2 + E xbar^2 >=
    s^2, and E xbar^2 <= b^2 + (eps c_h)^2 / 3, where, given the part of x
    orthogonal to (1, ..., 1), xbar is uniform on a chord of half-length at
    most eps c_h (c_h = sqrt(n / sum c_k^-2)) centred within b = sqrt(n)
    eps c_max |w - wbar| / sum w of 0 (w_k = c_k^-2; b = 0 when the scales
    are equal, where the inflation is the textbook ``eps^2 c^2 / 3`` of a
    uniform kernel for n = 1); (iii) its mean is within b of ybar. For two
    figures the ABC posterior at the final tolerance is also computed by
    quadrature (``abc_posterior``), which the test first checks against
    (i)-(iii).

    **Monte Carlo error.** The final generation is an importance-weighted
    sample of that ABC posterior; with effective sample size ESS, a weighted
    mean is off by about sd / sqrt(ESS), a standard deviation by
    sd / sqrt(2 ESS) (normal kurtosis; the ABC posterior's is lower), and
    the ABC CDF at a weighted p-quantile by sqrt(p (1 - p) / ESS), so that
    quantile lies between the ABC posterior's quantiles at p -+ that error.
    Every check allows Z = 4 such errors. Against the exact ABC posterior
    the checks are that sharp; against the exact posterior they add the ABC
    allowances (i)-(iii), the quantiles taken from the exact CDF widened by
    h on each side.
    (With the importance weights replaced by equal ones, the classic slip,
    the posterior comes out too narrow and the standard deviation check
    fails.)

    Observation seed 0 and calibration seed 0, the first: the bounds hold
    for every observation, and the coverage test below runs 50 of them.
    """
    normal = NormalMeans(n=2, sigma=1.0)
    y = normal.observe(NORMAL_MU, seed=0)
    result = calibrate_simulator(
        normal, [NORMAL_PRIOR], y, tmp_path / "out", EXACT, workers=1, quiet=True
    )
    checks = normal_means_checks(result, y, normal.sigma, z=Z)
    assert all(check.ok for check in checks), "\n".join(map(str, checks))


#: Cheap settings for the coverage test: 50 calibrations of about 600 runs each (5 s in all).
COVERAGE = Settings(
    particles=40,
    generations=8,
    max_runs=600,
    pilot_runs=20,
    predictive_runs=0,
    seed=0,
    projection_runs=0,
)
#: Observation seeds of the coverage test: the first 50 (make check-calibration runs 100).
COVERAGE_SEEDS = range(50)


def test_normal_means_intervals_cover_the_planted_mean_nine_times_in_ten(tmp_path: Path) -> None:
    """Observation seeds 0-49 (all of them): the 90 % intervals cover mu about 90 % of the time.

    With a flat prior the exact 90 % credible interval ybar +- 1.645 s is
    also a 90 % confidence interval, so over independent observations the
    number covering the planted mu is Bin(50, 0.9). The ABC posterior is
    that interval widened by the tolerance (the test above), so its
    coverage is at least nominal, less a little for the Monte Carlo noise
    of quantiles of 40 particles (a symmetric error tau in the endpoints,
    in units of s, costs about z phi(z) tau^2 = 0.17 tau^2: about 0.02
    here, less than the widening adds). The count must reach the lower 1 %
    quantile of Bin(50, 0.9), 40: a sampler whose intervals were too
    narrow or off centre (wrong weights, a biased stopping rule) would miss
    far more often. Calibration seed i goes with observation seed i (the
    streams are disjoint, see ``NormalMeans.observe``).
    """
    normal = NormalMeans(n=2, sigma=1.0)
    covered = 0
    for seed in COVERAGE_SEEDS:
        y = normal.observe(NORMAL_MU, seed=seed)
        settings = Settings(**{**COVERAGE.__dict__, "seed": seed})
        result = calibrate_simulator(
            normal, [NORMAL_PRIOR], y, tmp_path / f"s{seed}", settings, workers=1, quiet=True
        )
        p = result.summary["parameters"]["mu"]
        covered += p["p05"] <= NORMAL_MU <= p["p95"]
    assert covered >= binom.ppf(0.01, len(COVERAGE_SEEDS), 0.9), covered


def test_with_summaries_the_intervals_still_cover_nine_times_in_ten(tmp_path: Path) -> None:
    """The same 50 observations, calibrated over the semi-automatic summaries (the default):
    the summary of mu is its linear guess from the two figures, a function of their mean (the
    sufficient statistic), so the ABC posterior is again the exact one widened by the
    tolerance, and the count covering mu must reach the same binomial bound (40 of 50). The
    projection is fitted on 40 runs at prior draws per calibration."""
    normal = NormalMeans(n=2, sigma=1.0)
    covered = 0
    for seed in COVERAGE_SEEDS:
        y = normal.observe(NORMAL_MU, seed=seed)
        settings = Settings(**{**COVERAGE.__dict__, "seed": seed, "projection_runs": 40})
        result = calibrate_simulator(
            normal, [NORMAL_PRIOR], y, tmp_path / f"s{seed}", settings, workers=1, quiet=True
        )
        assert "Fearnhead" in result.manifest["distance_summaries"]["method"]
        p = result.summary["parameters"]["mu"]
        covered += p["p05"] <= NORMAL_MU <= p["p95"]
    assert covered >= binom.ppf(0.01, len(COVERAGE_SEEDS), 0.9), covered


def test_a_simulator_calibration_is_stored_resumed_and_keyed_like_a_scenario_one(
    tmp_path: Path,
) -> None:
    """The generic loop keeps the folder layout: tables, reuse when finished, refusal of others.

    Its default key digests the simulator's repr, figures, priors and
    observations, so other observations in the same folder are refused.
    """
    normal = NormalMeans(n=2, sigma=1.0)
    y = normal.observe(NORMAL_MU, seed=0)
    out = tmp_path / "out"
    first = calibrate_simulator(normal, [NORMAL_PRIOR], y, out, COVERAGE, workers=1, quiet=True)
    assert {"manifest.json", "observed.csv", "pilot.parquet", "posterior.parquet"} <= {
        p.name for p in out.iterdir()
    }
    assert first.parameters == ["mu"]
    assert list(first.manifest["scales"]) == ["y1", "y2"]
    assert first.observed["key"].tolist() == ["y1", "y2"]
    assert first.observed["value"].tolist() == pytest.approx(y.tolist())
    assert list(first.posterior.columns[-2:]) == ["sim:y1", "sim:y2"]
    again = calibrate_simulator(normal, [NORMAL_PRIOR], y, out, COVERAGE, workers=1, quiet=True)
    assert again.manifest["timings"]["runs_this_call"] == 0
    pd.testing.assert_frame_equal(again.posterior, first.posterior)
    with pytest.raises(sim.InputError, match=r"other inputs \(simulator, observations"):
        calibrate_simulator(normal, [NORMAL_PRIOR], y + 1, out, COVERAGE, workers=1, quiet=True)


# -- the commune model: coverage of planted values ----------------------------------------------

#: The fast coverage test's calibrations: 40 particles, up to 400 runs to 2017 (seconds each).
RECOVERY = Settings(
    particles=40,
    generations=6,
    max_runs=400,
    pilot_runs=8,
    predictive_runs=0,
    seed=0,
    projection_runs=40,
)
#: Its observation seeds: the first three (make check-calibration runs 20, to 2019).
RECOVERY_SEEDS = (1, 2, 3)


def test_calibration_covers_the_planted_values_over_observation_seeds(tmp_path: Path) -> None:
    """Observations from runs at known values, seeds 1-3: the 90 % intervals hold them.

    Two parameters with a signal (the spotting rate drives admissions and
    members, the youth leaving hazard the population at home), a small
    commune observed yearly, here to 2017 (five figures; a run is half as
    long as to 2019). Each observation seed i gives one observed.csv from a
    run at TRUTH (tests/calibration_support.py), calibrated with seed i
    (disjoint random streams). No seed is chosen: they are the first three,
    and ``make check-calibration`` (benchmarks/calibration_check.py) runs
    20 to 2019 with more particles.

    **Coverage.** A parameter's intervals over independent seeds are
    independent, so its count of covers is binomial; the two intervals of
    one seed share its observations and are not independent, so rather than
    pool them each parameter is tested alone at 0.5 % (a Bonferroni split
    of 1 % over the two, valid whatever the correlation): at least
    ``binom.ppf(0.005, 3, 0.9)`` = 1 of 3. Weak with three seeds, as a fast
    test must be; the benchmark has the power. (At a fixed truth a Bayesian
    interval's coverage is nominal only roughly: here the truth sits near
    the middle of the priors and the ABC tolerance widens the intervals, so
    it should be at least nominal.)

    **It learnt something.** A calibration that returned the prior would
    pass any coverage check, so the narrowing is checked too, pooled over
    the six intervals: with 40 particles drawn from the prior itself each
    interval's width on the prior's (log) scale is a ratio of sample
    quantiles of uniforms, and the mean of six such ratios falls below 0.85
    with probability under 1e-5 (its 0.1 % quantile is 0.90; simulated,
    100,000 draws). These calibrations give 0.5-0.9 a parameter.
    """
    covered = {name: 0 for name in TRUTH}
    narrowing = []
    for seed in RECOVERY_SEEDS:
        commune = synthetic_commune(tmp_path / f"commune{seed}", seed=seed)
        settings = Settings(**{**RECOVERY.__dict__, "seed": seed})
        s = scenario(commune, horizon="2017-12-31")
        result = calibrate(s, tmp_path / f"out{seed}", settings, workers=2, quiet=True)
        summary = result.summary
        for name, truth in TRUTH.items():
            p = summary["parameters"][name]
            covered[name] += p["p05"] <= truth <= p["p95"]
            narrowing.append(p["interval_vs_prior"])
        assert summary["generations"] >= 3
        assert result.diagnostics["tolerance"].is_monotonic_decreasing
        assert (result.diagnostics["ess"] > 0.5 * settings.particles).all()
    bound = binom.ppf(0.005, len(RECOVERY_SEEDS), 0.9)
    assert all(count >= bound for count in covered.values()), covered
    assert np.mean(narrowing) < 0.85, narrowing  # it learnt something


# -- storage, resuming, reproducibility ---------------------------------------------------------

SMALL = Settings(
    particles=12,
    generations=3,
    max_runs=400,
    pilot_runs=4,
    predictive_runs=6,
    seed=5,
    projection_runs=20,
)


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
        "from sim.analysis.calibration import calibrate; assert sim.calibrate is calibrate; "
        "assert sim.run_sensitivity.__module__ == 'sim.analysis.sensitivity'"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


def test_a_generation_cut_short_by_the_budget_is_kept_when_half_full(
    small: tuple[sim.Scenario, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An over-optimistic cost estimate lets generation 1 start with too few runs left.

    The distances alternate 0 and 1 whatever the runs give, so that the path does not
    hang on the draws: generation 0 keeps all 12 (its tolerance is infinite), the
    tolerance of generation 1 is their median, 0.5, and its 14 runs keep the 7 at 0."""
    import itertools

    import sim.analysis.calibration

    monkeypatch.setattr(sim.analysis.calibration, "ACCEPTANCE_DECAY", 1.0)
    alternating = itertools.cycle((0.0, 1.0))
    monkeypatch.setattr(
        sim.analysis.calibration,
        "_distance_function",
        lambda *_: lambda _summary: next(alternating),
    )
    s, _ = small
    settings = Settings(
        particles=12,
        generations=5,
        max_runs=26,
        pilot_runs=4,
        predictive_runs=0,
        seed=5,
        projection_runs=0,
    )
    result = calibrate(s, tmp_path / "cut", settings, workers=1, quiet=True)
    kept = len(result.posterior)
    assert kept == 7
    assert result.summary["stop_reason"] == (
        f"run budget: generation 1 kept {kept} of 12 particles within the 26 runs"
    )
    assert result.diagnostics["cost"].tolist() == [12, 14]
    assert result.posterior["weight"].sum() == pytest.approx(1.0)
