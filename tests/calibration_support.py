"""A small commune for calibration tests: the fixture's three villages with Nà Hỳ's rates.

The fixture commune of ``conftest.py`` has placeholder rates under which
nobody is ever admitted; with Nà Hỳ's ``parameters.csv`` its 1,000 people
behave like a small Nà Hỳ and a run to 2019 takes a few hundredths of a
second, so a calibration of a few hundred runs fits in a test. It admits as
a flow (``plan_driven`` off): under a yearly plan of one per cell its
admissions would be capped by the plan and say little about the spotting
rate, which is the identifiability question of calibration itself, not of
the machinery these tests check.
"""

from __future__ import annotations

import math
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

import sim
from sim.analysis.calibration_store import CalibrationResult
from sim.analysis.observed import measure_plan, observations
from sim.inputs.priors import Prior
from tests.conftest import NAHY, write_commune

#: The synthetic truth the recovery test must find again.
TRUTH = {"spotting_rate_cell": 0.024, "leave_hazard_young": 0.05}
PRIORS = {
    "spotting_rate_cell": {"dist": "loguniform", "low": 0.003, "high": 0.1},
    "leave_hazard_young": {"dist": "loguniform", "low": 0.01, "high": 0.2},
}
HORIZON = "2019-12-31"
#: Observed figures the synthetic observation fills in: yearly admissions, and stocks at the end.
ROWS = (
    [("admissions", f"{y}-01-01", f"{y}-12-31") for y in (2016, 2017, 2018, 2019)]
    + [("population", f"{y}-12-01", f"{y}-12-01") for y in (2016, 2017, 2018, 2019)]
    + [("party_members", f"{y}-12-01", f"{y}-12-01") for y in (2017, 2019)]
)


def write_observed(folder: Path, values: list[float]) -> None:
    lines = ["metric,date_from,date_to,value,source,note"]
    lines += [f"{m},{a},{b},{v:g},synthetic," for (m, a, b), v in zip(ROWS, values, strict=True)]
    (folder / "observed.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")


def small_commune(folder: Path) -> Path:
    """The fixture commune with Nà Hỳ's parameters and placeholder observations."""
    commune = write_commune(folder)
    shutil.copy(NAHY / "parameters.csv", commune / "parameters.csv")
    toml = commune / "commune.toml"
    toml.write_text(
        toml.read_text(encoding="utf-8").replace("plan_driven = true", "plan_driven = false"),
        encoding="utf-8",
    )
    write_observed(commune, [0.0] * len(ROWS))
    return commune


def scenario(commune: Path, priors: dict | None = None, horizon: str = HORIZON) -> sim.Scenario:
    return sim.scenario_from_dict(
        {
            "name": "synthetic",
            "description": "calibration test",
            "commune": str(commune),
            "horizon": horizon,
            "seed": 3,
            "priors": PRIORS if priors is None else priors,
        }
    )


def synthetic_commune(folder: Path, seed: int) -> Path:
    """A small commune whose observed.csv is one run of the model at :data:`TRUTH`."""
    commune = small_commune(folder)
    s = scenario(commune)
    used, _ = observations(s)
    values = measure_plan(s, used).measure(sim.run(s.with_parameters(**TRUTH), seed).record)
    write_observed(commune, list(np.asarray(values, float)))
    return commune


# -- a problem whose posterior is known: normal means ----------------------------------------


@dataclass(frozen=True)
class NormalMeans:
    """``n`` figures ``y_k = mu + sigma * e_k`` with ``e_k`` independent standard normals.

    A :class:`sim.analysis.abc.Simulator` whose posterior is known exactly: with a
    flat prior on ``[low, high]`` it is ``Normal(mean(y), sigma^2 / n)``
    truncated to the prior's range (:func:`exact_posterior`), and the ABC
    posterior at a tolerance can be computed by quadrature for two figures
    (:func:`abc_posterior`). ``reference`` is ``mu`` for the pilot runs
    (the noise does not depend on it). Floors and reading uncertainties are
    zero, so the distance scales are the pilot's standard deviations alone.
    """

    n: int = 2
    sigma: float = 1.0
    reference: float = 0.0

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(f"y{k}" for k in range(1, self.n + 1))

    @property
    def floors(self) -> tuple[float, ...]:
        return (0.0,) * self.n

    @property
    def uncertainty(self) -> tuple[float, ...]:
        return (0.0,) * self.n

    def __call__(self, parameters: dict[str, float], seed: np.random.SeedSequence) -> np.ndarray:
        mu = parameters.get("mu", self.reference)
        return mu + self.sigma * np.random.default_rng(seed).standard_normal(self.n)

    def observe(self, mu: float, seed: int) -> np.ndarray:
        """The observations: one draw at ``mu`` from observation seed ``seed``.

        Drawn from ``SeedSequence(seed, spawn_key=(99,))``, a stream no
        calibration uses (their keys start with 0-3), so observation seed
        ``i`` and calibration seed ``i`` share no random numbers.
        """
        return self({"mu": mu}, np.random.SeedSequence(seed, spawn_key=(99,)))


#: The normal-means problem of the tests: the planted mean and a flat prior far wider than the
#: posterior (its edges lie more than 10 posterior standard deviations from any likely mean(y)).
NORMAL_MU = 0.7
NORMAL_PRIOR = Prior("mu", "uniform", -10.0, 10.0)


@dataclass(frozen=True)
class Posterior:
    """A one-parameter posterior: mean, standard deviation and quantile function.

    ``ppf`` takes probabilities (an array) and returns quantiles.
    """

    mean: float
    sd: float
    ppf: Callable[[np.ndarray], np.ndarray]

    @property
    def q05(self) -> float:
        return float(self.ppf(np.array([0.05]))[0])

    @property
    def q95(self) -> float:
        return float(self.ppf(np.array([0.95]))[0])


def exact_posterior(y: np.ndarray, sigma: float, prior: Prior = NORMAL_PRIOR) -> Posterior:
    """``Normal(mean(y), sigma^2 / n)`` truncated to the flat prior's range, exactly."""
    from scipy.stats import truncnorm

    s = sigma / math.sqrt(len(y))
    centre = float(np.mean(y))
    law = truncnorm((prior.low - centre) / s, (prior.high - centre) / s, loc=centre, scale=s)
    return Posterior(float(law.mean()), float(law.std()), law.ppf)


def abc_posterior(
    y: np.ndarray,
    sigma: float,
    scales: np.ndarray,
    tolerance: float,
    prior: Prior = NORMAL_PRIOR,
    points: int = 4001,
    nodes: int = 200,
) -> Posterior:
    """The ABC posterior of two normal means at ``tolerance``, by quadrature (flat prior).

    A run is kept when ``sum_k ((s_k - y_k) / c_k)^2 <= 2 tolerance^2``
    (the distance of :mod:`sim.analysis.calibration`), so the ABC posterior density
    of ``mu`` is the chance that ``x = mu - y + sigma e`` falls in that
    ellipse: with ``x_1 = c_1 R sin(t)`` (``R^2 = 2 tolerance^2``), ``x_2``
    must lie within ``+-c_2 R cos(t)``, a difference of normal CDFs,
    integrated over ``t`` by Gauss-Legendre on a grid of ``mu`` values.
    (Checked against 40 million rejection-sampling draws: the mean, standard
    deviation and quantiles agree to their Monte Carlo error, 1e-3.)
    """
    from scipy.special import ndtr

    assert len(y) == 2
    c1, c2 = (float(c) for c in scales)
    radius = math.sqrt(2.0) * tolerance
    centre = float(np.mean(y))
    half = 10.0 * (sigma + c1 * radius + c2 * radius)
    mu = np.linspace(max(prior.low, centre - half), min(prior.high, centre + half), points)
    t, w = np.polynomial.legendre.leggauss(nodes)
    theta = 0.5 * math.pi * t
    x1 = c1 * radius * np.sin(theta)  # nodes
    r2 = c2 * radius * np.cos(theta)
    # density of x1 at the node given mu, times the chance x2 lies in [-r2, r2]
    d1 = (x1[None, :] - (mu[:, None] - y[0])) / sigma
    f1 = np.exp(-0.5 * d1 * d1) / (sigma * math.sqrt(2 * math.pi))
    m2 = (mu[:, None] - y[1]) / sigma
    p2 = ndtr(r2[None, :] / sigma - m2) - ndtr(-r2[None, :] / sigma - m2)
    jacobian = c1 * radius * np.cos(theta) * 0.5 * math.pi
    density = (f1 * p2 * (w * jacobian)[None, :]).sum(axis=1)
    density /= np.trapezoid(density, mu)
    cdf = np.concatenate([[0.0], np.cumsum(0.5 * (density[1:] + density[:-1]) * np.diff(mu))])
    cdf /= cdf[-1]
    mean = float(np.trapezoid(mu * density, mu))
    sd = math.sqrt(float(np.trapezoid((mu - mean) ** 2 * density, mu)))
    return Posterior(mean, sd, lambda q: np.interp(q, cdf, mu))


@dataclass(frozen=True)
class Check:
    """One comparison: ``value`` must lie in ``[low, high]``."""

    name: str
    value: float
    low: float
    high: float

    @property
    def ok(self) -> bool:
        return self.low <= self.value <= self.high

    def __str__(self) -> str:
        verdict = "ok" if self.ok else "FAILS"
        return (
            f"{self.name:44s} {self.value:9.4f}  in [{self.low:9.4f}, {self.high:9.4f}]  {verdict}"
        )


def weighted_moments(result: CalibrationResult, name: str = "mu") -> tuple[float, float]:
    """The weighted mean and standard deviation of a calibrated parameter."""
    values = result.posterior[name].to_numpy(float)
    weight = result.posterior["weight"].to_numpy(float)
    mean = float(np.average(values, weights=weight))
    return mean, float(np.sqrt(np.average((values - mean) ** 2, weights=weight)))


def normal_means_checks(
    result: CalibrationResult, y: np.ndarray, sigma: float, z: float = 4.0
) -> list[Check]:
    """The checks of a normal-means calibration against its exact and exact-ABC posteriors.

    The theory (the allowances ``h``, ``b``, the chord and the Monte Carlo
    errors) is explained in ``test_abc_finds_the_exact_posterior_of_normal_means``.
    First the exact ABC posterior at the final tolerance (quadrature)
    against the theory's bounds (deterministic); then the sampler's mean,
    standard deviation and 5 % and 95 % quantiles against the exact ABC
    posterior (Monte Carlo error only) and against the exact posterior
    (Monte Carlo error plus the ABC allowances); each within ``z`` errors.
    """
    exact = exact_posterior(y, sigma)
    scales = np.array(list(result.manifest["scales"].values()), dtype=float)
    eps = float(result.summary["tolerance"])
    n, ybar = len(y), float(np.mean(y))
    s = sigma / math.sqrt(n)
    w = scales**-2.0
    h = eps * float(np.sqrt(np.mean(scales**2)))
    b = math.sqrt(n) * eps * float(scales.max() * np.linalg.norm(w - w.mean()) / w.sum())
    chord = eps * math.sqrt(n / float(w.sum()))
    sd_max = math.sqrt(s**2 + b**2 + chord**2 / 3)
    abc = abc_posterior(y, sigma, scales, eps)
    mean, sd = weighted_moments(result)
    p = result.summary["parameters"]["mu"]
    q05, q95 = float(p["p05"]), float(p["p95"])
    size = float(result.summary["ess"])
    tiny = 1e-6  # quadrature error
    checks = [
        Check("tolerance x scale (h) / posterior sd", h / s, 0.0, 0.6),
        Check("ESS / particles", size / len(result.posterior), 0.5, 1.0 + 1e-9),
        Check("theory: exact-ABC mean - mean(y)", abc.mean - ybar, -b - tiny, b + tiny),
        Check("theory: exact-ABC sd", abc.sd, exact.sd - tiny, sd_max + tiny),
        Check("theory: exact-ABC q05 - exact q05", abc.q05 - exact.q05, -h, h),
        Check("theory: exact-ABC q95 - exact q95", abc.q95 - exact.q95, -h, h),
    ]
    se_mean = abc.sd / math.sqrt(size)
    se_sd = abc.sd / math.sqrt(2 * size)
    checks += [
        Check("ABC-PMC mean vs exact-ABC", mean, abc.mean - z * se_mean, abc.mean + z * se_mean),
        Check("ABC-PMC sd vs exact-ABC", sd, abc.sd - z * se_sd, abc.sd + z * se_sd),
    ]
    margin = b + z * sd_max / math.sqrt(size)
    relative = z / math.sqrt(2 * size)
    checks += [
        Check("ABC-PMC mean vs exact", mean, exact.mean - margin, exact.mean + margin),
        Check("ABC-PMC sd vs exact", sd, exact.sd * (1 - relative), sd_max * (1 + relative)),
    ]
    # a weighted p-quantile q has F(q) within z sqrt(p (1 - p) / ESS) of p (F: the ABC CDF),
    # and the ABC CDF lies between the exact CDF shifted by -h and by +h
    for label, got, level in (("q05", q05, 0.05), ("q95", q95, 0.95)):
        delta = z * math.sqrt(level * (1 - level) / size)
        levels = np.clip([level - delta, level + delta], 1e-9, 1 - 1e-9)
        low, high = (float(v) for v in abc.ppf(levels))
        checks.append(Check(f"ABC-PMC {label} vs exact-ABC", got, low, high))
        low, high = (float(v) for v in exact.ppf(levels))
        checks.append(Check(f"ABC-PMC {label} vs exact", got, low - h, high + h))
    return checks
