"""The building blocks of ABC population Monte Carlo, without models, files or workers.

Kept apart from :mod:`sim.analysis.calibration` (which runs the model and stores the
generations) so that each piece can be read and tested on its own: the
distance, the effective sample size, the perturbation kernel and the
importance weights (Beaumont, Cornuet, Marin & Robert 2009), weighted
quantiles, and the move between parameter values and the *proposal space*
in which the kernel is a (truncated) normal (the logarithm of log-uniform
parameters).
It also names what the sampler calibrates, a :class:`Simulator`: the commune
model is one (:class:`sim.analysis.calibration.ScenarioSimulator`), and a problem
whose posterior is known exactly is another, which is how the sampler itself
is tested (``tests/test_calibration.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
from scipy.special import ndtr, ndtri

from sim.inputs.priors import Prior, joint_logpdf_space


class Simulator(Protocol):
    """What :func:`~sim.analysis.calibration.calibrate_simulator` calibrates: parameters to figures.

    ``keys`` names the figures (the columns of the stored tables), in the
    order ``__call__`` returns them. ``floors`` and ``uncertainty`` give, per
    figure, the smallest distance scale and the standard deviation of the
    observed reading itself (see the distance in :mod:`sim.analysis.calibration`).
    ``__call__`` runs once with ``parameters`` (a value for each calibrated
    name; an empty dict means the simulator's own reference values, where the
    pilot runs measure the run-to-run noise) and random numbers from
    ``seed`` only, so a run is reproducible wherever it happens.

    Why a protocol and not the commune model: the ABC loop's correctness
    (weights, stopping, storage) must be checkable on a problem whose
    posterior is known exactly, and that needs a simulator of a few lines.
    It must be picklable (a top-level class) to run in worker processes.
    """

    @property
    def keys(self) -> tuple[str, ...]: ...

    @property
    def floors(self) -> Sequence[float]: ...

    @property
    def uncertainty(self) -> Sequence[float]: ...

    def __call__(
        self, parameters: dict[str, float], seed: np.random.SeedSequence
    ) -> np.ndarray: ...


@dataclass
class Generation:
    """One generation's particles (rows) and its diagnostics.

    ``cost`` is the runs the generation needed (up to its last kept proposal:
    what the budget counts, the same whatever the batching); ``runs`` those
    actually made (a batch may run past the last kept proposal).
    """

    index: int
    theta: np.ndarray  # particles x parameters (values, not proposal space)
    distance: np.ndarray
    weight: np.ndarray  # normalised importance weights
    summaries: np.ndarray  # particles x observations
    tolerance: float
    ess: float
    acceptance: float
    cost: int
    runs: int
    seconds: float

    def diagnostics(self) -> dict[str, Any]:
        return {
            "generation": self.index,
            "tolerance": self.tolerance,
            "ess": self.ess,
            "acceptance_rate": self.acceptance,
            "cost": self.cost,
            "runs": self.runs,
            "distance_median": float(np.median(self.distance)),
            "distance_max": float(np.max(self.distance)),
            "seconds": self.seconds,
        }


def distances(summaries: np.ndarray, observed: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """Root-mean-square standardised difference of each row from the observations."""
    z = (np.atleast_2d(summaries) - observed) / scale
    return np.sqrt(np.mean(z * z, axis=1))


def ess(weights: np.ndarray) -> float:
    """Effective sample size ``(sum w)^2 / sum w^2`` (0 if all weights are 0)."""
    total = float(weights.sum())
    squares = float((weights * weights).sum())
    return total * total / squares if squares > 0 else 0.0


def weighted_quantile(values: np.ndarray, weights: np.ndarray, q: float | np.ndarray) -> Any:
    """Quantile(s) of weighted values (linear between mid-points of the weights)."""
    order = np.argsort(values)
    v, w = np.asarray(values, float)[order], np.asarray(weights, float)[order]
    keep = w > 0
    v, w = v[keep], w[keep]
    cdf = (np.cumsum(w) - 0.5 * w) / w.sum()
    return np.interp(q, cdf, v)


def weighted_cov(z: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Weighted covariance of the rows of ``z``."""
    w = weight / weight.sum()
    centred = z - w @ z
    return (centred * w[:, None]).T @ centred


def space_bounds(priors: list[Prior]) -> tuple[np.ndarray, np.ndarray]:
    """Each prior's support ``[low, high]`` in proposal space."""
    low = np.array([float(p.to_space(np.array([p.low]))[0]) for p in priors])
    high = np.array([float(p.to_space(np.array([p.high]))[0]) for p in priors])
    return low, high


def kernel_scales(z: np.ndarray, weight: np.ndarray, priors: list[Prior]) -> np.ndarray:
    """Per-parameter spread of the perturbation kernel: twice the particles' weighted variance.

    Beaumont et al.'s choice, taken one parameter at a time (a diagonal
    kernel), so that each step can be drawn from a normal truncated to the
    prior's support and its density known exactly. Why not the full
    covariance: with many parameters (Nà Hỳ calibrates 18) a correlated
    Gaussian step falls outside at least one bound nearly every time, and
    the truncated kernel's normalising constant (which the importance
    weights need) has no closed form. A small floor (a millionth of each
    prior's spread) keeps the kernel proper when the particles agree.
    """
    variance = 2.0 * np.diag(weighted_cov(z, weight))
    spread = np.array([np.ptp(p.to_space(p.ppf(np.array([0.05, 0.95])))) for p in priors])
    return np.sqrt(np.maximum(variance, (1e-6 * np.maximum(spread, 1e-12)) ** 2))


def truncated_step(
    rng: np.random.Generator,
    centre: np.ndarray,
    scales: np.ndarray,
    bounds: tuple[np.ndarray, np.ndarray],
) -> np.ndarray:
    """One kernel step from ``centre``: each coordinate normal, truncated to its bounds.

    Drawn by inverting the normal distribution function between the bounds,
    so it never falls outside and costs one uniform per parameter.
    """
    low, high = bounds
    a = ndtr((low - centre) / scales)
    b = ndtr((high - centre) / scales)
    u = a + rng.random(len(centre)) * (b - a)
    z = centre + scales * ndtri(np.clip(u, 1e-300, 1.0 - 1e-16))
    return np.clip(z, low, high)


def importance_weights(
    z_new: np.ndarray,
    z_old: np.ndarray,
    w_old: np.ndarray,
    scales: np.ndarray,
    priors: list[Prior],
) -> np.ndarray:
    """``w ∝ prior(z) / sum_k W_k K(z | z_k)``, ``K`` the truncated normal kernel, normalised.

    Computed in logs (log-sum-exp) so that far-apart particles do not
    underflow. The truncation's mass differs from particle to particle (one
    near a bound loses more of its kernel), so it is part of ``K``.
    """
    low, high = space_bounds(priors)
    mass = np.log(
        np.maximum(
            ndtr((high[None, :] - z_old) / scales) - ndtr((low[None, :] - z_old) / scales),
            1e-300,
        )
    ).sum(axis=1)
    standardised = (z_new[:, None, :] - z_old[None, :, :]) / scales
    log_kernel = (
        -0.5 * (standardised * standardised).sum(axis=2)
        - mass[None, :]
        + np.log(w_old / w_old.sum())[None, :]
    )
    peak = log_kernel.max(axis=1, keepdims=True)
    log_mixture = peak[:, 0] + np.log(np.exp(log_kernel - peak).sum(axis=1))
    log_w = joint_logpdf_space(priors, z_new) - log_mixture
    log_w -= log_w.max()
    weight = np.exp(log_w)
    return weight / weight.sum()


def to_space(priors: list[Prior], theta: np.ndarray) -> np.ndarray:
    """Parameter values (rows) -> proposal space."""
    return np.column_stack([p.to_space(theta[:, j]) for j, p in enumerate(priors)])


def from_space(priors: list[Prior], z: np.ndarray) -> np.ndarray:
    """Proposal space (rows) -> parameter values."""
    return np.column_stack([p.from_space(z[:, j]) for j, p in enumerate(priors)])


def posterior_summary(prior: Prior, values: np.ndarray, weights: np.ndarray) -> dict[str, Any]:
    """Prior and posterior of one parameter: mean, median, 90 % interval, and how much narrower.

    ``interval_vs_prior`` compares the 90 % intervals on the prior's own scale
    (the logarithm for a log-uniform prior, where a factor matters, not a
    difference): 1 means the observations taught nothing about it.
    """
    q05, q50, q95 = weighted_quantile(values, weights, [0.05, 0.5, 0.95])
    p05, p95 = (float(x) for x in prior.ppf(np.array([0.05, 0.95])))
    post_width = float(np.ptp(prior.to_space(np.array([q05, q95]))))
    prior_width = float(np.ptp(prior.to_space(np.array([p05, p95]))))
    return {
        "prior": prior.describe(),
        "prior_p05": p05,
        "prior_p95": p95,
        "mean": float(np.average(values, weights=weights)),
        "median": float(q50),
        "p05": float(q05),
        "p95": float(q95),
        "interval_vs_prior": post_width / prior_width if prior_width > 0 else float("nan"),
    }
