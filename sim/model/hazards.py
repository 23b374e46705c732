"""Piecewise-constant hazards in age, and drawing the age at which an event happens.

Why: the model is event-driven. Instead of waking each person every month to
ask "do you leave now?", a person's next event is drawn once, by inverting the
cumulative hazard along their future ages: with a standard exponential clock
E, the event happens at the age a* where H(a*) - H(a0) = E / m (m a
person-level multiplier). This is exact for hazards that change only with age
between state changes; when the state changes, the clock is drawn again
(valid because the process is Markov given age).
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Sequence

import numpy as np

INF = math.inf


class AgeProfile:
    """A hazard (per year) that is constant between age breakpoints.

    ``edges`` are increasing ages starting at 0; ``rates[i]`` holds on
    ``[edges[i], edges[i+1])`` and the last rate holds for ever after.
    """

    def __init__(self, edges: Sequence[float], rates: Sequence[float]) -> None:
        if len(edges) != len(rates) or edges[0] != 0:
            raise ValueError("edges and rates must have the same length and start at age 0")
        if any(b <= a for a, b in zip(edges, edges[1:], strict=False)):
            raise ValueError("edges must increase")
        if any(r < 0 for r in rates):
            raise ValueError("rates must be non-negative")
        self.edges = [float(e) for e in edges]
        self.rates = [float(r) for r in rates]
        cumulative = [0.0]
        for i in range(len(edges) - 1):
            cumulative.append(cumulative[-1] + self.rates[i] * (self.edges[i + 1] - self.edges[i]))
        self.cumulative = cumulative
        self._edges_np = np.asarray(self.edges)
        self._rates_np = np.asarray(self.rates)
        self._cum_np = np.asarray(cumulative)

    @classmethod
    def from_bands(cls, bands: Sequence[tuple[float, float, float]]) -> AgeProfile:
        """Build from (age_from, age_to_exclusive, rate) bands; gaps have rate 0."""
        edges: list[float] = [0.0]
        rates: list[float] = []
        for start, end, rate in sorted(bands):
            if start > edges[-1]:
                rates.append(0.0)
                edges.append(start)
            elif start < edges[-1]:
                raise ValueError("bands overlap")
            rates.append(rate)
            edges.append(end)
        rates.append(0.0)
        return cls(edges[: len(rates)], rates)

    def cumulative_at(self, age: float) -> float:
        """H(age): the integrated hazard from 0 to ``age``."""
        i = bisect_right(self.edges, age) - 1
        return self.cumulative[i] + self.rates[i] * (age - self.edges[i])

    def age_at(self, age: float, clock: float, multiplier: float = 1.0) -> float:
        """The age at which a clock ``clock`` (standard exponential) runs out, from ``age``."""
        if multiplier <= 0.0:
            return INF
        target = self.cumulative_at(age) + clock / multiplier
        i = bisect_right(self.cumulative, target) - 1
        # on a flat stretch (rate 0) move to the first edge where the hazard resumes
        while i < len(self.rates) and self.rates[i] == 0.0:
            i += 1
            if i == len(self.rates):
                return INF
            if self.cumulative[i] > target:
                return INF  # pragma: no cover - cumulative is non-decreasing
        result = self.edges[i] + (target - self.cumulative[i]) / self.rates[i]
        return max(result, age)

    def ages_at(self, ages: np.ndarray, clocks: np.ndarray, multipliers: np.ndarray) -> np.ndarray:
        """Vectorised ``age_at`` for many people at once (used to build the start population)."""
        ages = np.asarray(ages, dtype=float)
        idx = np.searchsorted(self._edges_np, ages, side="right") - 1
        start = self._cum_np[idx] + self._rates_np[idx] * (ages - self._edges_np[idx])
        with np.errstate(divide="ignore", invalid="ignore"):
            target = start + np.where(multipliers > 0, clocks / multipliers, np.inf)
        out = np.full(ages.shape, np.inf)
        finite = np.isfinite(target)
        j = np.searchsorted(self._cum_np, target[finite], side="right") - 1
        # skip flat stretches: the first segment at or after j with a positive rate
        positive = self._rates_np > 0
        next_positive = np.full(len(self.rates) + 1, len(self.rates))
        for k in range(len(self.rates) - 1, -1, -1):
            next_positive[k] = k if positive[k] else next_positive[k + 1]
        j = next_positive[j]
        ok = j < len(self.rates)
        jj = j[ok]
        sub = np.full(j.shape, np.inf)
        sub[ok] = self._edges_np[jj] + (target[finite][ok] - self._cum_np[jj]) / self._rates_np[jj]
        out[finite] = np.maximum(sub, ages[finite])
        return out
