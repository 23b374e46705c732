"""Priors: what a researcher believes about an uncertain parameter before calibrating.

A scenario file declares them in a ``[priors]`` table, one inline table per
parameter of ``sim/inputs/parameters.py``::

    [priors]
    leave_hazard_young = { dist = "loguniform", low = 0.02, high = 0.10 }
    return_within_5y   = { dist = "uniform", low = 0.2, high = 0.6 }
    cultivation_months = { dist = "triangular", low = 9, mode = 12, high = 18 }
    callup_share       = { dist = "normal", mean = 0.03, sd = 0.01, low = 0.01, high = 0.08 }

Why every prior has ``low`` and ``high``, even the normal one (truncated to
them): calibration needs a bounded support to move in, and the sensitivity
analysis varies each parameter over its declared range. One declaration
serves both, so they cannot disagree.

Each :class:`Prior` can sample, give its log density and its quantile
function (``ppf``, which turns SALib's unit-cube designs into parameter
values). Calibration moves particles in a *proposal space* where a random
walk is natural: the logarithm for a log-uniform prior (whose range spans a
factor of several, so a step of fixed size in the value would crawl at the
bottom and overshoot at the top), the value itself otherwise.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.inputs.errors import Checker, did_you_mean, show
from sim.inputs.parameters import REQUIRED_PARAMETERS

#: Distributions and the keys each takes (besides ``dist``).
DISTRIBUTIONS: dict[str, tuple[str, ...]] = {
    "uniform": ("low", "high"),
    "loguniform": ("low", "high"),
    "triangular": ("low", "mode", "high"),
    "normal": ("mean", "sd", "low", "high"),
}

#: A truncated normal must keep at least this much of its mass inside [low, high].
_MIN_MASS = 1e-6
_LOG_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)


@dataclass(frozen=True)
class Prior:
    """A prior distribution of one parameter on ``[low, high]``.

    ``mode`` is used by ``triangular`` only, ``mean`` and ``sd`` by
    ``normal`` only (a normal truncated to ``[low, high]``).
    """

    name: str
    dist: str
    low: float
    high: float
    mode: float | None = None
    mean: float | None = None
    sd: float | None = None

    # -- description ------------------------------------------------------------
    def describe(self) -> str:
        """Short text such as ``loguniform(0.02, 0.1)`` for tables and plot titles."""
        if self.dist == "triangular":
            return f"triangular({self.low:g}, {self.mode:g}, {self.high:g})"
        if self.dist == "normal":
            return f"normal({self.mean:g}, {self.sd:g}) on [{self.low:g}, {self.high:g}]"
        return f"{self.dist}({self.low:g}, {self.high:g})"

    def to_dict(self) -> dict[str, Any]:
        """The scenario-file form (what :func:`check_priors` accepts back)."""
        data: dict[str, Any] = {"dist": self.dist}
        for key in DISTRIBUTIONS[self.dist]:
            data[key] = getattr(self, key)
        return data

    # -- the distribution -----------------------------------------------------------
    def _normal_bounds(self) -> tuple[float, float]:
        from scipy.special import ndtr  # lazily: loading a scenario must not pay for scipy

        assert self.mean is not None and self.sd is not None
        return (
            float(ndtr((self.low - self.mean) / self.sd)),
            float(ndtr((self.high - self.mean) / self.sd)),
        )

    def ppf(self, u: np.ndarray | float) -> np.ndarray:
        """The quantile function: values at cumulative probabilities ``u`` in [0, 1]."""
        u = np.clip(np.asarray(u, dtype=float), 0.0, 1.0)
        lo, hi = self.low, self.high
        if self.dist == "uniform":
            return lo + u * (hi - lo)
        if self.dist == "loguniform":
            return np.exp(math.log(lo) + u * (math.log(hi) - math.log(lo)))
        if self.dist == "triangular":
            assert self.mode is not None
            c = (self.mode - lo) / (hi - lo)
            left = lo + np.sqrt(u * (hi - lo) * (self.mode - lo))
            right = hi - np.sqrt((1.0 - u) * (hi - lo) * (hi - self.mode))
            return np.where(u < c, left, right)
        from scipy.special import ndtri

        a, b = self._normal_bounds()
        assert self.mean is not None and self.sd is not None
        return np.clip(self.mean + self.sd * ndtri(a + u * (b - a)), lo, hi)

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """``n`` independent draws."""
        return self.ppf(rng.random(n))

    def logpdf(self, x: np.ndarray | float) -> np.ndarray:
        """Log density at ``x`` (``-inf`` outside ``[low, high]``)."""
        x = np.asarray(x, dtype=float)
        lo, hi = self.low, self.high
        inside = (x >= lo) & (x <= hi)
        with np.errstate(divide="ignore", invalid="ignore"):
            if self.dist == "uniform":
                density = np.full(x.shape, -math.log(hi - lo))
            elif self.dist == "loguniform":
                density = -np.log(x) - math.log(math.log(hi) - math.log(lo))
            elif self.dist == "triangular":
                assert self.mode is not None
                m = self.mode
                left = np.log(2.0 * (x - lo)) - math.log((hi - lo) * max(m - lo, 1e-300))
                right = np.log(2.0 * (hi - x)) - math.log((hi - lo) * max(hi - m, 1e-300))
                density = np.where(x < m, left, right)
            else:
                assert self.mean is not None and self.sd is not None
                a, b = self._normal_bounds()
                z = (x - self.mean) / self.sd
                density = -0.5 * z * z - _LOG_SQRT_2PI - math.log(self.sd) - math.log(b - a)
        return np.where(inside, density, -np.inf)

    # -- proposal space (where calibration's random walk moves) ------------------------
    @property
    def log_scale(self) -> bool:
        """True when proposals move in log(value): log-uniform priors."""
        return self.dist == "loguniform"

    def to_space(self, x: np.ndarray) -> np.ndarray:
        """Values -> proposal space."""
        x = np.asarray(x, dtype=float)
        return np.log(x) if self.log_scale else x

    def from_space(self, z: np.ndarray) -> np.ndarray:
        """Proposal space -> values."""
        z = np.asarray(z, dtype=float)
        return np.exp(z) if self.log_scale else z

    def logpdf_space(self, z: np.ndarray) -> np.ndarray:
        """Log density in proposal space (with the Jacobian of :meth:`from_space`)."""
        z = np.asarray(z, dtype=float)
        x = self.from_space(z)
        return self.logpdf(x) + (z if self.log_scale else 0.0)


def joint_logpdf_space(priors: list[Prior], z: np.ndarray) -> np.ndarray:
    """Joint log density of independent priors at rows of ``z`` (proposal space, n x d)."""
    z = np.atleast_2d(np.asarray(z, dtype=float))
    total = np.zeros(z.shape[0])
    for j, prior in enumerate(priors):
        total += prior.logpdf_space(z[:, j])
    return total


# -- checking a [priors] table ----------------------------------------------------------


def check_priors(table: Mapping[str, Any], ck: Checker) -> dict[str, Prior]:
    """Check a ``[priors]`` table; every problem goes to ``ck`` as ``priors.NAME...``.

    Unknown parameter names, unknown distributions or keys, missing or bad
    numbers, ``low >= high``, a bound outside the parameter kind's domain
    (probabilities in [0, 1], everything else >= 0), a log-uniform prior
    reaching 0, a triangular mode outside the range and a normal with no mass
    in its range are all errors.
    """
    priors: dict[str, Prior] = {}
    for name, spec in table.items():
        prior = _check_prior(str(name), spec, ck)
        if prior is not None:
            priors[str(name)] = prior
    return priors


def _check_prior(name: str, spec: Any, ck: Checker) -> Prior | None:
    field = f"priors.{name}"
    if name not in REQUIRED_PARAMETERS:
        hint = (
            did_you_mean(name, REQUIRED_PARAMETERS)
            or " (see sim/inputs/parameters.py for the names)"
        )
        ck.add(field, f"unknown parameter {name!r}{hint}")
        return None
    if isinstance(spec, Prior):
        spec = spec.to_dict()
    if not isinstance(spec, Mapping):
        ck.add(
            field,
            f'{show(spec)} is not a table (expected e.g. {{dist = "uniform", low = 0.1, '
            "high = 0.5}})",
        )
        return None
    before = len(ck.problems)
    dist = spec.get("dist")
    if dist is None:
        ck.add(f"{field}.dist", f"missing (required; allowed: {', '.join(DISTRIBUTIONS)})")
        return None
    if not isinstance(dist, str) or dist not in DISTRIBUTIONS:
        ck.add(
            f"{field}.dist",
            f"{show(dist)} is not allowed{did_you_mean(str(dist), DISTRIBUTIONS)}; "
            f"allowed: {', '.join(DISTRIBUTIONS)}",
        )
        return None
    ck.keys(spec, field, ("dist", *DISTRIBUTIONS[dist]), required=DISTRIBUTIONS[dist])
    kind = REQUIRED_PARAMETERS[name][0]
    values: dict[str, float] = {}
    for key in DISTRIBUTIONS[dist]:
        if key not in spec:
            continue
        if key in ("low", "high", "mode"):
            checked = ck.check_number(spec[key], f"{field}.{key}", kind=kind)
        else:
            checked = ck.check_number(spec[key], f"{field}.{key}", kind="number")
        if checked is not None:
            values[key] = checked
    low, high = values.get("low"), values.get("high")
    if low is not None and high is not None and not low < high:
        ck.add(f"{field}.high", f"{show(spec['high'])} is not above low {show(spec['low'])}")
    if dist == "loguniform" and low is not None and low <= 0:
        ck.add(f"{field}.low", f"{show(spec['low'])} (loguniform needs low > 0)")
    mode = values.get("mode")
    if dist == "triangular" and None not in (low, high, mode) and not low <= mode <= high:
        ck.add(f"{field}.mode", f"{show(spec['mode'])} is outside [low, high] = [{low}, {high}]")
    sd = values.get("sd")
    if dist == "normal" and sd is not None and sd <= 0:
        ck.add(f"{field}.sd", f"{show(spec['sd'])} (allowed: > 0)")
    if len(ck.problems) > before:
        return None
    assert low is not None and high is not None
    prior = Prior(name, dist, low, high, mode=mode, mean=values.get("mean"), sd=sd)
    if dist == "normal":
        a, b = prior._normal_bounds()
        if not b - a > _MIN_MASS:
            ck.add(
                field,
                f"normal({prior.mean:g}, {prior.sd:g}) has almost no mass in [{low}, {high}] "
                "(move the mean or widen the range)",
            )
            return None
    return prior
