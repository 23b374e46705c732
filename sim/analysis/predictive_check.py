"""Predictive checks: would the model, at given parameter values, have produced the record?

A calibration is only as good as the runs it admits. For every observed
figure this module reads the distribution of that figure over runs (at the
assumed values of ``parameters.csv``, at draws from the prior, at draws from
the posterior) and asks where the observed value falls: inside the central
90 % of the runs, and how far out in a tail (``P(run <= observed)`` and
``P(run >= observed)``). A record whose figures belong together (the first
quarter of 2017: 8 admissions, 3 from the Youth Union and 5 farmers; rows of
``observed.csv`` sharing a ``joint`` label) is also checked as one: the share
of runs that reproduce all of it at once, with its 95 % interval.

Why the reading's own uncertainty is added to the runs: a figure read
indirectly (a district figure brought to the commune's share, with
``uncertainty`` in ``observed.csv``) is the run's quantity plus a reading
error, so the check compares the observed value with the run's figure plus a
normal draw of that standard deviation (from a fixed generator, so the check
is reproducible). Figures read directly are compared as they are.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.analysis.observed import Observation

#: The runs each check reads, in the order tables and figures show them.
SOURCES = ("assumed", "prior", "posterior")
#: Central interval of the runs a figure should fall in.
LEVEL = 0.90
#: Seed of the reading-error draws (fixed: the same runs give the same check).
READING_SEED = 20170414
#: Two-sided normal quantile of the 95 % interval of a share of runs.
_Z95 = 1.959963984540054


@dataclass(frozen=True)
class PredictiveCheck:
    """Per figure and per joint record, how the runs of each source compare with the record."""

    figures: pd.DataFrame
    joint: pd.DataFrame

    def all_inside(self, source: str = "posterior") -> bool:
        """True when every observed figure is inside the source's central 90 % of runs."""
        rows = self.figures[self.figures["source"] == source]
        return bool(len(rows)) and bool(rows["inside_90"].all())


def wilson(hits: int, n: int) -> tuple[float, float]:
    """Wilson's 95 % interval of a share ``hits / n`` (stays in [0, 1], fine near 0)."""
    if n == 0:
        return (0.0, 1.0)
    p = hits / n
    centre = (p + _Z95**2 / (2 * n)) / (1 + _Z95**2 / n)
    half = _Z95 * math.sqrt(p * (1 - p) / n + _Z95**2 / (4 * n * n)) / (1 + _Z95**2 / n)
    low = 0.0 if hits == 0 else max(0.0, centre - half)  # exact ends (no rounding residue)
    high = 1.0 if hits == n else min(1.0, centre + half)
    return (low, high)


def with_reading_error(values: np.ndarray, used: Sequence[Observation]) -> np.ndarray:
    """Runs' figures plus a normal reading error where the observation has an uncertainty."""
    sd = np.array([o.uncertainty for o in used], float)
    if not (sd > 0).any():
        return values
    rng = np.random.default_rng(READING_SEED)
    return values + rng.standard_normal(values.shape) * sd[None, :]


def predictive_check(
    used: Sequence[Observation], runs: Mapping[str, np.ndarray]
) -> PredictiveCheck:
    """Compare each observation with the runs of each source (``runs[source]``: runs x figures).

    The columns of each array follow ``used``. Sources missing from ``runs``
    are left out of the tables.
    """
    observed = np.array([o.value for o in used], float)
    rows, joint_rows = [], []
    for source in SOURCES:
        if source not in runs:
            continue
        raw = np.asarray(runs[source], float)
        values = with_reading_error(raw, used)
        n = values.shape[0]
        low, high = np.quantile(values, [(1 - LEVEL) / 2, (1 + LEVEL) / 2], axis=0)
        for k, obs in enumerate(used):
            column = values[:, k]
            rows.append(
                {
                    "figure": obs.key,
                    "metric": obs.metric,
                    "date_from": obs.date_from.isoformat(),
                    "date_to": obs.date_to.isoformat(),
                    "observed": observed[k],
                    "uncertainty": obs.uncertainty,
                    "source": source,
                    "runs": n,
                    "mean": float(column.mean()),
                    "q05": float(low[k]),
                    "q95": float(high[k]),
                    "p_at_most": float((column <= observed[k]).mean()),
                    "p_at_least": float((column >= observed[k]).mean()),
                    "inside_90": bool(low[k] <= observed[k] <= high[k]),
                }
            )
        for label, members in _joint_groups(used).items():
            exact = (raw[:, members] == observed[members]).all(axis=1)
            hits = int(exact.sum())
            lo, hi = wilson(hits, n)
            joint_rows.append(
                {
                    "record": label,
                    "figures": " & ".join(f"{used[k].metric} = {observed[k]:g}" for k in members),
                    "source": source,
                    "runs": n,
                    "hits": hits,
                    "probability": hits / n if n else float("nan"),
                    "low_95": lo,
                    "high_95": hi,
                }
            )
    return PredictiveCheck(pd.DataFrame(rows), pd.DataFrame(joint_rows))


def _joint_groups(used: Sequence[Observation]) -> dict[str, list[int]]:
    groups: dict[str, list[int]] = {}
    for k, obs in enumerate(used):
        if obs.joint:
            groups.setdefault(obs.joint, []).append(k)
    return groups
