"""The building blocks of ABC population Monte Carlo, without models, files or workers.

Kept apart from :mod:`sim.calibration` (which runs the model and stores the
generations) so that each piece can be read and tested on its own: the
distance, the effective sample size, the perturbation kernel and the
importance weights (Beaumont, Cornuet, Marin & Robert 2009), weighted
quantiles, and the move between parameter values and the *proposal space*
in which the kernel is Gaussian (the logarithm of log-uniform parameters).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.linalg import solve_triangular

from sim.priors import Prior, joint_logpdf_space


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
    outside: int  # proposals outside the priors' support (no run)
    seconds: float

    def diagnostics(self) -> dict[str, Any]:
        return {
            "generation": self.index,
            "tolerance": self.tolerance,
            "ess": self.ess,
            "acceptance_rate": self.acceptance,
            "cost": self.cost,
            "runs": self.runs,
            "outside_support": self.outside,
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


def kernel_cholesky(z: np.ndarray, weight: np.ndarray, priors: list[Prior]) -> np.ndarray:
    """Cholesky factor of the perturbation kernel: twice the particles' weighted covariance.

    A small ridge (a millionth of each prior's spread) keeps it positive
    definite when the particles agree on a parameter.
    """
    cov = 2.0 * weighted_cov(z, weight)
    spread = np.array([np.ptp(p.to_space(p.ppf(np.array([0.05, 0.95])))) for p in priors])
    cov += np.diag((1e-6 * np.maximum(spread, 1e-12)) ** 2)
    return np.linalg.cholesky(cov)


def importance_weights(
    z_new: np.ndarray,
    z_old: np.ndarray,
    w_old: np.ndarray,
    chol: np.ndarray,
    priors: list[Prior],
) -> np.ndarray:
    """``w ∝ prior(z) / sum_k W_k K(z | z_k)`` (Gaussian kernel ``K``), normalised.

    Computed in logs (log-sum-exp) so that far-apart particles do not
    underflow; the kernel's normalising constant cancels.
    """
    dims = z_new.shape[1]
    differences = (z_new[:, None, :] - z_old[None, :, :]).reshape(-1, dims)
    solved = solve_triangular(chol, differences.T, lower=True)
    quad = (solved * solved).sum(axis=0).reshape(len(z_new), len(z_old))
    log_kernel = -0.5 * quad + np.log(w_old / w_old.sum())[None, :]
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
