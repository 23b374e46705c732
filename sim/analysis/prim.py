"""PRIM, the Patient Rule Induction Method (Friedman & Fisher 1999), for a yes/no outcome.

Scenario discovery (:mod:`sim.analysis.discovery`) asks which ranges of the
uncertain parameters hold most of a plan's failures. PRIM answers with a
box: starting from every run, it *peels* repeatedly a thin slice
(``peel_alpha`` of the box's runs) off one end of one parameter, the slice
whose removal raises the failure rate most per run removed (the "lenient1"
objective), until the box holds ``mass_min`` of all runs; then it *pastes*
back slices that raise the rate. Every step is a candidate box, with its
coverage (share of all failures inside), density (failure rate inside) and
mass (share of runs inside): the peeling trajectory.

Why our own implementation, of about 200 lines: the two packages that have
one do not fit. ``PRIM`` (Project Platypus) is GPL-3.0, which this MIT
toolkit cannot take on for the people who redistribute it; EMA Workbench
(BSD-3) 3.0 needs Python >= 3.12 and 2.5 brings scikit-learn, statsmodels,
seaborn, Platypus-Opt and multiprocess (about 150 MB) and imports pyplot
and its logging machinery with its PRIM, about 4.5 s. This module follows
EMA Workbench 2.5's algorithm for continuous parameters step by step (its
quantile rule from sdtoolkit, peel and paste order, tie-breaking towards
boxes that restrict fewer parameters, stopping rules), so its boxes are the
ones that implementation finds; ``tests/test_prim.py`` checks it against
cases with known answers.

Quasi-p values (Bryant & Lempert 2010) say whether a restriction matters:
the one-sided binomial chance of at least the box's failures among its runs,
were the failure rate that of the box with that parameter's restriction
lifted. A restriction with a large quasi-p value can be dropped
(:meth:`PrimBox.drop_restriction`) without losing what the box shows.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy.stats import binomtest

#: Each step peels or pastes this share of the box's runs (Friedman & Fisher's default).
PEEL_ALPHA = 0.05
PASTE_ALPHA = 0.05
#: Peeling stops before the box holds less than this share of all runs.
MASS_MIN = 0.05


def quantile(data: np.ndarray, q: float) -> float:
    """sdtoolkit's quantile, as EMA Workbench uses it: the midpoint between the order
    statistics around ``q``, moved outwards past ties so a peel never cuts through equal values."""
    values = np.sort(np.asarray(data, dtype=float))
    position = (len(values) - 1) * q
    low, high = int(math.floor(position)), int(math.ceil(position))
    if q > 0.5:
        while values[low] == values[high] and low > 0:
            low -= 1
    else:
        while values[low] == values[high] and high < len(values) - 1:
            high += 1
    return float((values[low] + values[high]) / 2)


def _lenient1(y_old: np.ndarray, y_new: np.ndarray) -> float:
    """Gain in failure rate per run removed (or added): PRIM's "lenient1" objective."""
    mean_old = float(np.mean(y_old))
    mean_new = float(np.mean(y_new)) if len(y_new) else 0.0
    if mean_old == mean_new:
        return 0.0
    return (mean_new - mean_old) / abs(len(y_old) - len(y_new))


class Prim:
    """PRIM on ``x`` (one run per row, one float column per parameter) against ``y`` (bool).

    :meth:`find_box` finds one box among the runs no earlier box holds.
    """

    def __init__(
        self,
        x: pd.DataFrame,
        y: Sequence[bool] | np.ndarray,
        *,
        peel_alpha: float = PEEL_ALPHA,
        paste_alpha: float = PASTE_ALPHA,
        mass_min: float = MASS_MIN,
    ) -> None:
        self.names = [str(c) for c in x.columns]
        self.x = np.asarray(x, dtype=float)
        self.y = np.asarray(y, dtype=bool)
        if len(self.y) != len(self.x):
            raise ValueError(f"{len(self.x)} runs but {len(self.y)} outcomes")
        self.n = len(self.y)
        self.total_failures = int(self.y.sum())
        self.init = np.vstack([self.x.min(axis=0), self.x.max(axis=0)])
        self.peel_alpha, self.paste_alpha, self.mass_min = peel_alpha, paste_alpha, mass_min
        self.boxes: list[PrimBox] = []

    def remaining(self) -> np.ndarray:
        """The runs no box found so far holds."""
        keep = np.ones(self.n, dtype=bool)
        for box in self.boxes:
            keep[box.yi] = False
        return np.flatnonzero(keep)

    def find_box(self) -> PrimBox | None:
        """Peel, then paste, a new box among the remaining runs (``None`` when none remain)."""
        rest = self.remaining()
        if len(rest) == 0:
            return None
        box = PrimBox(self, rest)
        self._peel(box)
        self._paste(box)
        self.boxes.append(box)
        return box

    def inside(self, limits: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """Which of ``rows`` lie within ``limits`` (a 2 × parameters array of min, max)."""
        x = self.x[rows]
        return np.all((limits[0] <= x) & (x <= limits[1]), axis=1)

    def restricted(self, limits: np.ndarray) -> np.ndarray:
        """The columns ``limits`` restricts (differs from the runs' full range)."""
        return np.flatnonzero(np.any(limits != self.init, axis=0))

    def _best(self, box: PrimBox, candidates: list[tuple[np.ndarray, np.ndarray]]) -> tuple:
        scored = []
        for indices, limits in candidates:
            score = _lenient1(self.y[box.yi], self.y[indices])
            free = len(self.names) - len(self.restricted(limits))
            scored.append((score, free, limits, indices))
        scored.sort(key=lambda entry: (entry[0], entry[1]), reverse=True)  # stable: first wins
        return scored[0]

    def _peel(self, box: PrimBox) -> None:
        while True:
            candidates = []
            x = self.x[box.yi]
            for j in range(len(self.names)):
                for side, q in ((1, 1 - self.peel_alpha), (0, self.peel_alpha)):
                    cut = quantile(x[:, j], q)
                    keep = x[:, j] <= cut if side == 1 else x[:, j] >= cut
                    limits = box.limits_array.copy()
                    limits[side, j] = cut
                    candidates.append((box.yi[keep], limits))
            score, _, limits, indices = self._best(box, candidates)
            mass_old, mass_new = len(box.yi) / self.n, len(indices) / self.n
            if not (mass_new >= self.mass_min and mass_new < mass_old and score > 0):
                return
            box.update(limits, indices)

    def _paste(self, box: PrimBox) -> None:
        rest = box.rows
        while True:
            current = box.limits_array
            restricted = self.restricted(current)
            if len(restricted) == 0:
                return
            candidates = []
            for j in restricted:
                for side in (0, 1):
                    region = current.copy()
                    if side == 0:
                        region[:, j] = self.init[0, j], current[0, j]
                    else:
                        region[:, j] = current[1, j], self.init[1, j]
                    near = rest[self._inside_on(region, rest, restricted)]
                    values = self.x[near, j]
                    q = 1 - self.paste_alpha if side == 0 else self.paste_alpha
                    value = quantile(values, q) if len(values) else region[side, j]
                    limits = current.copy()
                    limits[side, j] = value
                    candidates.append((rest[self._inside_on(limits, rest, restricted)], limits))
            score, _, limits, indices = self._best(box, candidates)
            mass_old, mass_new = len(box.yi) / self.n, len(indices) / self.n
            gains = float(np.mean(self.y[indices])) > float(np.mean(self.y[box.yi]))
            if not (mass_new >= self.mass_min and mass_new > mass_old and score > 0 and gains):
                return
            box.update(limits, indices)

    def _inside_on(self, limits: np.ndarray, rows: np.ndarray, columns: np.ndarray) -> np.ndarray:
        """Which of ``rows`` lie within ``limits`` on ``columns`` only (as EMA's pasting tests)."""
        x = self.x[np.ix_(rows, columns)]
        return np.all((limits[0, columns] <= x) & (x <= limits[1, columns]), axis=1)


class PrimBox:
    """One box's peeling and pasting trajectory, with one step selected (the last, at first)."""

    def __init__(self, prim: Prim, rows: np.ndarray) -> None:
        self.prim = prim
        #: The runs no earlier box holds: where this box was peeled from.
        self.rows = rows
        self.steps: list[tuple[np.ndarray, np.ndarray]] = []
        self.update(prim.init.copy(), rows)

    def update(self, limits: np.ndarray, indices: np.ndarray) -> None:
        """Append a box to the trajectory and select it."""
        self.steps.append((limits, np.asarray(indices, dtype=int)))
        self.current = len(self.steps) - 1

    def select(self, step: int) -> None:
        """Make step ``step`` of the trajectory the current box."""
        self.current = range(len(self.steps))[step]

    @property
    def limits_array(self) -> np.ndarray:
        return self.steps[self.current][0]

    @property
    def yi(self) -> np.ndarray:
        """The runs (row numbers) inside the current box."""
        return self.steps[self.current][1]

    def _stats(self, limits: np.ndarray, yi: np.ndarray) -> dict[str, float]:
        failures = int(self.prim.y[yi].sum())
        return {
            "coverage": failures / self.prim.total_failures if self.prim.total_failures else 0.0,
            "density": failures / len(yi) if len(yi) else 0.0,
            "mass": len(yi) / self.prim.n,
            "res dim": len(self.prim.restricted(limits)),
        }

    @property
    def coverage(self) -> float:
        return self._stats(self.limits_array, self.yi)["coverage"]

    @property
    def density(self) -> float:
        return self._stats(self.limits_array, self.yi)["density"]

    @property
    def mass(self) -> float:
        return self._stats(self.limits_array, self.yi)["mass"]

    @property
    def peeling_trajectory(self) -> pd.DataFrame:
        """Every step's coverage, density, mass and number of restricted parameters."""
        return pd.DataFrame([self._stats(limits, yi) for limits, yi in self.steps])

    @property
    def limits(self) -> pd.DataFrame:
        """The current box's restrictions: ``min``, ``max`` and ``qp values`` per parameter,
        the most significant first."""
        limits = self.limits_array
        rows = {
            self.prim.names[j]: (limits[0, j], limits[1, j], self._quasi_p(j))
            for j in self.prim.restricted(limits)
        }
        frame = pd.DataFrame.from_dict(rows, orient="index", columns=["min", "max", "qp values"])
        return frame.sort_values("qp values", kind="stable")

    def _quasi_p(self, j: int) -> float:
        """One-sided binomial chance of the box's failures were restriction ``j`` lifted."""
        rest = self.rows
        wider = self.limits_array.copy()
        wider[:, j] = self.prim.init[:, j]
        around = rest[self.prim.inside(wider, rest)]
        rate = float(self.prim.y[around].mean())
        failures = int(self.prim.y[self.yi].sum())
        if rate >= 1.0:
            return 1.0
        return float(binomtest(failures, len(self.yi), rate, alternative="greater").pvalue)

    def drop_restriction(self, name: str) -> None:
        """Append the current box without its restriction on ``name`` to the trajectory."""
        j = self.prim.names.index(name)
        limits = self.limits_array.copy()
        limits[:, j] = self.prim.init[:, j]
        rest = self.rows
        self.update(limits, rest[self.prim.inside(limits, rest)])
