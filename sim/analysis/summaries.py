"""Semi-automatic summaries (Fearnhead & Prangle 2012, *JRSS B* 74:419): the figures, projected
onto what they say about each parameter.

Why: the calibration compares a run with the record through sixteen
observed figures, most of which say little about most parameters (the
number of cells is 9 whatever the return rate). A distance over all of
them at once is dominated by their noise: with the tolerance a few thousand
runs allow, the kept particles of the first calibration spanned 82-104 % of
their priors' widths, the youth leaving hazard included, although the
departures to work follow it closely (Spearman's r 0.9 over prior draws).
Fearnhead and Prangle's remedy is to learn, from runs at prior draws, the
best linear guess of each parameter from the figures, and to compare runs
by those guesses: one summary per parameter, which moves with the figures
that inform that parameter and hardly at all with the others.

How: over ``n`` runs at prior draws, regress each parameter (in the logit of
its position within its prior's range, on the prior's scale, so that every
parameter lives on the same unbounded scale) on the runs' standardised
figures ``x = (s - y) / sigma`` (ridge-penalised, see :data:`RIDGE`). A
run's summary ``j`` is the fitted value ``a_j + b_j . x``; the record's is
``a_j`` (its ``x`` is 0). Summaries are compared in units of each
parameter's prior spread on that scale (``pi / sqrt(3)`` for the logit of a
uniform position), so a parameter the figures cannot predict (``b_j`` near
0) adds almost nothing to the distance, and one they predict well adds up to
its whole prior range. A parameter whose guess explains no more of its
prior draws' variance than chance would (its R^2 below the 99 % quantile of
R^2 for unrelated figures, ``Beta(k/2, (n-k-1)/2)``) is left out of the
distance: its summary would only add the regression's noise. The result is
still an ABC posterior (of the parameters given these summaries): the
projection decides what counts as close, it does not move particles, so it
cannot make the posterior narrower than the runs justify; and ``make
check-calibration`` counts its coverage.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.stats import beta

from sim.inputs.priors import Prior

#: Ridge penalty (in runs' worth) on the standardised figures: a figure the pilot
#: runs barely vary in gets a slope near zero, not a wild one.
RIDGE = 1.0
#: A parameter's summary counts when its R^2 beats this quantile of R^2 under chance.
CHANCE_LEVEL = 0.99
#: Standard deviation of the logit of a uniform position (the standard logistic's).
LOGISTIC_SD = math.pi / math.sqrt(3.0)
#: Positions this close to a bound are read as this close (their logit stays finite).
_EDGE = 1e-9


def to_logit(priors: list[Prior], theta: np.ndarray) -> np.ndarray:
    """Parameter values (rows) -> logit of their position within [low, high] on the prior scale."""
    columns = []
    for j, p in enumerate(priors):
        low, high = (float(v) for v in p.to_space(np.array([p.low, p.high])))
        u = np.clip((p.to_space(theta[:, j]) - low) / (high - low), _EDGE, 1.0 - _EDGE)
        columns.append(np.log(u) - np.log1p(-u))
    return np.column_stack(columns)


@dataclass(frozen=True)
class Projection:
    """The fitted guesses of each parameter from the standardised figures."""

    intercept: np.ndarray  # parameters
    slopes: np.ndarray  # figures x parameters
    spread: np.ndarray  # parameters: each parameter's prior spread on the logit scale
    r_squared: np.ndarray  # parameters: share of the prior draws' variance the figures explain
    used: np.ndarray  # parameters: whose summary counts (its R^2 beats chance, see fit)

    def summaries(self, misses: np.ndarray) -> np.ndarray:
        """Runs' summaries (runs x parameters) from their standardised misses (runs x figures)."""
        return (self.intercept + np.atleast_2d(misses) @ self.slopes) / self.spread

    def distances(self, misses: np.ndarray) -> np.ndarray:
        """Root mean square, over the parameters whose summary counts, of the summaries'
        difference from the record's."""
        gap = (self.summaries(misses) - self.intercept / self.spread)[:, self.used]
        return np.sqrt(np.mean(gap * gap, axis=1))

    def to_dict(self, parameters: list[str], figures: list[str]) -> dict:
        return {
            "method": "semi-automatic summaries (Fearnhead & Prangle 2012): ridge regression of "
            "each parameter's logit position on the standardised figures over prior draws",
            "ridge": RIDGE,
            "r_squared": dict(zip(parameters, map(float, self.r_squared), strict=True)),
            "counted": [p for p, u in zip(parameters, self.used, strict=True) if u],
            "chance_r_squared": "a parameter's summary counts when its R^2 exceeds the 99 % "
            "quantile of R^2 for figures that say nothing about it, "
            "Beta(k / 2, (n - k - 1) / 2) (k figures that vary, n runs)",
            "slopes": {
                p: dict(zip(figures, map(float, self.slopes[:, j]), strict=True))
                for j, p in enumerate(parameters)
            },
        }


def fit_projection(priors: list[Prior], theta: np.ndarray, misses: np.ndarray) -> Projection:
    """Fit the projection on runs at prior draws ``theta`` with standardised misses ``misses``."""
    z = to_logit(priors, theta)
    varies = misses.std(axis=0) > 0
    x = misses[:, varies]
    centre = x.mean(axis=0)
    xc = x - centre
    gram = xc.T @ xc + RIDGE * np.eye(x.shape[1])
    slopes_varying = np.linalg.solve(gram, xc.T @ (z - z.mean(axis=0)))
    slopes = np.zeros((misses.shape[1], len(priors)))
    slopes[varies] = slopes_varying
    intercept = z.mean(axis=0) - centre @ slopes_varying
    fitted = misses @ slopes + intercept
    residual = ((z - fitted) ** 2).sum(axis=0)
    total = ((z - z.mean(axis=0)) ** 2).sum(axis=0)
    r_squared = 1.0 - residual / np.maximum(total, 1e-300)
    spread = np.array(
        [
            LOGISTIC_SD if p.dist in ("uniform", "loguniform") else float(z[:, j].std()) or 1.0
            for j, p in enumerate(priors)
        ]
    )
    chance = float(beta.ppf(CHANCE_LEVEL, x.shape[1] / 2, (len(z) - x.shape[1] - 1) / 2))
    used = r_squared > chance
    if not used.any():  # the figures tell nothing about any parameter: count them all
        used = np.ones(len(priors), dtype=bool)
    return Projection(intercept, slopes, spread, r_squared, used)
