"""``make check-calibration``: do calibration's 90 % intervals hold the truth nine times in ten?

``tests/test_calibration.py`` checks the same things quickly, with so few
seeds that only gross failures show; this runs them with the power to see a
sampler that is merely overconfident. Three checks, each against a bound
derived from theory; the exit status is 1 when one fails.

1. **Exact posterior.** Normal means (``tests/calibration_support.py``:
   ``y_k = mu + e_k``, two figures, a flat prior): the ABC-PMC posterior's
   mean, standard deviation and 90 % interval against the exact posterior
   and against the exact ABC posterior at its final tolerance, with the
   allowances explained in ``test_abc_finds_the_exact_posterior_of_normal_means``
   (here with 1,000 particles).
2. **Coverage, normal means.** Observation seeds 0..99: each 90 % interval
   covers the planted mean with probability at least 0.9 (the ABC
   tolerance only widens it), so the count must reach the lower 1 %
   quantile of Bin(100, 0.9).
3. **Coverage, the commune model.** The planted values ``TRUTH`` of
   ``tests/calibration_support.py``; observation seeds 1..N (default 20),
   each one run at ``TRUTH`` written as the small commune's observed.csv
   (yearly to 2019), calibrated with seed i (60 particles, up to 700 runs:
   the settings the single-seed recovery test used). Each parameter's
   intervals over the independent seeds are independent, so its count is
   binomial; the two intervals of one seed share its observations and are
   correlated, so rather than pool them each parameter is tested alone at
   0.5 % (a Bonferroni split of 1 %, valid whatever the correlation). The
   pooled count is printed against the Bin(2N, 0.9) bound for reference
   only (that bound assumes independence). At a fixed truth a Bayesian
   interval's coverage is nominal only roughly (it is exact on average over
   truths drawn from the prior); here the truth sits near the middle of the
   priors and the tolerance widens the intervals, so it should be at least
   nominal.

No seed is chosen: every check takes the first seeds in order.

``python -m benchmarks.calibration_check [--seeds 20] [--workers 2] [--normal-seeds 100]``
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from scipy.stats import binom

from sim.analysis.calibration import Settings, calibrate, calibrate_simulator
from sim.experiments.backends import make_backend
from tests.calibration_support import (
    NORMAL_MU,
    NORMAL_PRIOR,
    TRUTH,
    NormalMeans,
    abc_posterior,
    exact_posterior,
    normal_means_checks,
    scenario,
    synthetic_commune,
    weighted_moments,
)

#: Nominal coverage of the intervals, and the chance of a false alarm of each check.
NOMINAL = 0.9
ALPHA = 0.01
#: The exact-posterior check: 1,000 particles, generations until the tolerance reaches 0.25
#: (the run budget only a cap; about 100,000 runs, 10 s).
EXACT = Settings(
    particles=1000,
    generations=30,
    tolerance=0.25,
    max_runs=300_000,
    pilot_runs=200,
    predictive_runs=0,
    seed=0,
    projection_runs=0,  # the raw figures' distance, whose ABC posterior the theory gives
)
#: The normal-means coverage check: 60 particles, up to 1,500 runs each, over the raw figures
#: and over the semi-automatic summaries (fitted on 60 runs at prior draws).
NORMAL = Settings(
    particles=60,
    generations=8,
    max_runs=1500,
    pilot_runs=50,
    predictive_runs=0,
    seed=0,
    projection_runs=0,
)
NORMAL_SUMMARIES = Settings(**{**NORMAL.__dict__, "projection_runs": 60})
#: The commune coverage check: 60 particles, 700 runs, to 2019, over the summaries (the
#: commune's own calibration's distance), fitted on 100 runs at prior draws.
COMMUNE = Settings(
    particles=60,
    generations=6,
    max_runs=700,
    pilot_runs=10,
    predictive_runs=0,
    seed=0,
    projection_runs=100,
)


def lower_bound(trials: int, alpha: float, p: float = NOMINAL) -> int:
    """The least count of covers to accept: ``P(Bin(trials, p) < bound) <= alpha``."""
    return int(binom.ppf(alpha, trials, p))


def check_exact(folder: Path) -> bool:
    """Check 1: the normal-means posterior against the exact and exact-ABC posteriors."""
    normal = NormalMeans(n=2, sigma=1.0)
    y = normal.observe(NORMAL_MU, seed=0)
    started = time.perf_counter()
    result = calibrate_simulator(
        normal, [NORMAL_PRIOR], y, folder / "exact", EXACT, workers=1, quiet=True
    )
    wall = time.perf_counter() - started
    exact = exact_posterior(y, normal.sigma)
    mean, sd = weighted_moments(result)
    p = result.summary["parameters"]["mu"]
    print(
        f"1. Exact posterior of normal means: y = {y.round(4).tolist()}, sigma 1, "
        f"flat prior on [{NORMAL_PRIOR.low:g}, {NORMAL_PRIOR.high:g}]"
    )
    print(
        f"   {EXACT.particles} particles, {result.summary['generations']} generations, "
        f"{result.manifest['timings']['runs_this_call']} runs, {wall:.1f} s; final tolerance "
        f"{result.summary['tolerance']:.3f}, ESS {result.summary['ess']:.0f}"
    )
    print(f"   {'':10s} {'mean':>8s} {'sd':>8s} {'q05':>8s} {'q95':>8s}")
    print(f"   {'exact':10s} {exact.mean:8.4f} {exact.sd:8.4f} {exact.q05:8.4f} {exact.q95:8.4f}")
    scales = np.array(list(result.manifest["scales"].values()), dtype=float)
    abc = abc_posterior(y, normal.sigma, scales, float(result.summary["tolerance"]))
    print(f"   {'exact ABC':10s} {abc.mean:8.4f} {abc.sd:8.4f} {abc.q05:8.4f} {abc.q95:8.4f}")
    print(f"   {'ABC-PMC':10s} {mean:8.4f} {sd:8.4f} {p['p05']:8.4f} {p['p95']:8.4f}")
    print("   (exact ABC: the ABC posterior at the final tolerance and scales, by quadrature)")
    checks = normal_means_checks(result, y, normal.sigma)
    for check in checks:
        print(f"   {check}")
    return all(check.ok for check in checks)


def check_normal_coverage(folder: Path, seeds: int, base: Settings = NORMAL) -> bool:
    """Check 2: coverage of the normal-means intervals over observation seeds 0..seeds-1."""
    normal = NormalMeans(n=2, sigma=1.0)
    covered = 0
    started = time.perf_counter()
    distance = "summaries" if base.projection_runs else "raw figures"
    for seed in range(seeds):
        y = normal.observe(NORMAL_MU, seed=seed)
        settings = Settings(**{**base.__dict__, "seed": seed})
        result = calibrate_simulator(
            normal,
            [NORMAL_PRIOR],
            y,
            folder / f"normal-{distance[:3]}{seed}",
            settings,
            workers=1,
            quiet=True,
        )
        p = result.summary["parameters"]["mu"]
        covered += p["p05"] <= NORMAL_MU <= p["p95"]
    bound = lower_bound(seeds, ALPHA)
    ok = covered >= bound
    print(
        f"2. Coverage, normal means ({distance}): {covered} of {seeds} intervals hold "
        f"mu = {NORMAL_MU} "
        f"({covered / seeds:.0%}); bound {bound} (lower 1 % of Bin({seeds}, 0.9)); "
        f"{time.perf_counter() - started:.0f} s  {'ok' if ok else 'FAILS'}"
    )
    return ok


def check_commune_coverage(folder: Path, seeds: int, workers: int) -> bool:
    """Check 3: coverage of the planted commune parameters over observation seeds 1..seeds."""
    names = list(TRUTH)
    print(
        f"3. Coverage, the commune model: TRUTH {TRUTH}; {COMMUNE.particles} particles, "
        f"up to {COMMUNE.max_runs} runs each, {workers} worker processes"
    )
    header = "".join(f"{name:>36s}" for name in names)
    print(f"   {'seed':>4s}{header}{'tolerance':>11s}{'gens':>6s}{'s':>6s}")
    covered = dict.fromkeys(names, 0)
    with make_backend("local", workers=workers, preload=("sim.analysis.calibration",)) as backend:
        for seed in range(1, seeds + 1):
            started = time.perf_counter()
            commune = synthetic_commune(folder / f"commune{seed}", seed=seed)
            settings = Settings(**{**COMMUNE.__dict__, "seed": seed})
            result = calibrate(
                scenario(commune), folder / f"out{seed}", settings, backend=backend, quiet=True
            )
            cells = []
            for name in names:
                p = result.summary["parameters"][name]
                hit = p["p05"] <= TRUTH[name] <= p["p95"]
                covered[name] += hit
                mark = "covers" if hit else "MISSES"
                cells.append(f"{p['p05']:9.4f} - {p['p95']:8.4f} {mark:>7s}")
            print(
                f"   {seed:4d}"
                + "".join(f"{cell:>36s}" for cell in cells)
                + f"{result.summary['tolerance']:11.3f}{result.summary['generations']:6d}"
                + f"{time.perf_counter() - started:6.0f}",
                flush=True,
            )
    bound = lower_bound(seeds, ALPHA / len(names))
    ok = True
    for name in names:
        passed = covered[name] >= bound
        ok &= passed
        print(
            f"   {name}: {covered[name]} of {seeds} ({covered[name] / seeds:.0%}); bound {bound} "
            f"(lower {100 * ALPHA / len(names):g} % of Bin({seeds}, 0.9))  "
            f"{'ok' if passed else 'FAILS'}"
        )
    pooled = sum(covered.values())
    trials = seeds * len(names)
    print(
        f"   pooled: {pooled} of {trials} ({pooled / trials:.0%}); for reference, the lower 1 % "
        f"of Bin({trials}, 0.9) is {lower_bound(trials, ALPHA)} (assumes independent intervals)"
    )
    return ok


def main(argv: Sequence[str] | None = None) -> int:
    """Run the four checks; 0 when all hold their bounds, 1 otherwise."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.calibration_check")
    parser.add_argument("--seeds", type=int, default=20, help="commune observation seeds (>= 10)")
    parser.add_argument("--normal-seeds", type=int, default=100, help="normal-means seeds")
    parser.add_argument("--workers", type=int, default=2, help="worker processes (commune runs)")
    args = parser.parse_args(argv)
    if args.seeds < 10:
        parser.error("--seeds must be at least 10")
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        results = {
            "exact posterior": check_exact(folder),
            "normal-means coverage": check_normal_coverage(folder, args.normal_seeds),
            "normal-means coverage, summaries": check_normal_coverage(
                folder, args.normal_seeds, NORMAL_SUMMARIES
            ),
            "commune coverage": check_commune_coverage(folder, args.seeds, args.workers),
        }
    failed = [name for name, ok in results.items() if not ok]
    print(
        f"{'FAILED: ' + ', '.join(failed) if failed else 'all checks hold their bounds'} "
        f"({time.perf_counter() - started:.0f} s)"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
