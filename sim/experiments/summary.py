"""The reduce step: replication tables -> the ensemble's summary (``summary.json``).

Why a separate step: the per-replication tables are what is stored and
resumed; the summary is a pure function of them, so it can be recomputed from
a results folder at any time and the way each figure was computed is written
down here once. Probabilities carry Wilson 95 % score intervals, which stay
inside [0, 1] and behave at 0 % and 100 %, where the normal approximation
claims a certainty that a few hundred runs cannot give.

The summary's keys are fixed (:data:`SUMMARY_KEYS`): the five target
probabilities of :data:`sim.model.targets.TARGET_KEYS`, each ``{"p", "ci95"}``,
then ``admissions_by_year`` and ``white_villages_at_horizon`` (mean and
quantiles) and ``last_white_village_ends``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from sim.model.targets import TARGET_KEYS

#: The two-sided 95 % standard normal quantile.
Z95 = 1.959963984540054

#: Quantiles reported for distributions, as (key, level).
QUANTILES = (("p05", 0.05), ("p25", 0.25), ("p50", 0.50), ("p75", 0.75), ("p95", 0.95))

#: Every key of summary.json, in order.
SUMMARY_KEYS = (
    *TARGET_KEYS,
    "admissions_by_year",
    "white_villages_at_horizon",
    "last_white_village_ends",
)


def wilson_interval(successes: int, trials: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion (no continuity correction).

    Known values (Newcombe 1998, Table I): 81/263 -> (0.2553, 0.3662),
    0/20 -> (0, 0.1611). With no trials nothing is known: (0, 1).
    """
    if trials < 0 or not 0 <= successes <= trials:
        raise ValueError(f"need 0 <= successes <= trials, got {successes}/{trials}")
    if trials == 0:
        return (0.0, 1.0)
    n = float(trials)
    p = successes / n
    z2 = z * z
    denominator = 1.0 + z2 / n
    centre = (p + z2 / (2.0 * n)) / denominator
    half = z * math.sqrt(p * (1.0 - p) / n + z2 / (4.0 * n * n)) / denominator
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == trials else min(1.0, centre + half)
    return (low, high)


def probability(flags: pd.Series | np.ndarray) -> dict[str, Any]:
    """``{"p": share true, "ci95": [lo, hi]}`` of a boolean column (Wilson 95 %)."""
    values = np.asarray(flags, dtype=bool)
    k, n = int(values.sum()), int(values.size)
    low, high = wilson_interval(k, n)
    return {"p": k / n if n else float("nan"), "ci95": [low, high]}


def distribution(values: pd.Series | np.ndarray) -> dict[str, float]:
    """Mean and the quantiles of :data:`QUANTILES` (linear interpolation)."""
    array = np.asarray(values, dtype=float)
    stats = {"mean": float(array.mean())}
    for key, level in QUANTILES:
        stats[key] = float(np.quantile(array, level))
    return stats


def ending_months(dates: pd.Series) -> dict[str, Any]:
    """When the last white village ends: median and p05-p95 months across runs.

    Runs in which some village is still white at the horizon have ``NaT``;
    they count as "later than the horizon", so they push the quantiles later
    rather than being dropped (dropping them would make the typical ending
    look earlier than it is). A quantile that falls among them is ``None``.
    Quantiles are observed months (the lower of two when between), given as
    ``YYYY-MM-DD`` (the first of the month).
    """
    stamps = pd.to_datetime(dates)
    n = len(stamps)
    still_white = stamps.isna().to_numpy()
    low, high = wilson_interval(int(still_white.sum()), n)
    ordered = np.sort(stamps.dropna().to_numpy())
    result: dict[str, Any] = {}
    for key, level in (("median", 0.5), ("p05", 0.05), ("p95", 0.95)):
        result[key] = _order_statistic(ordered, n, level)
    result["share_some_village_white"] = float(still_white.mean()) if n else float("nan")
    result["share_ci95"] = [low, high]
    result["runs"] = n
    return result


def _order_statistic(ordered: np.ndarray, n: int, level: float) -> str | None:
    """The ``level`` quantile (inverted CDF) of n values whose missing ones lie above all."""
    if n == 0:
        return None
    rank = max(1, math.ceil(level * n))  # 1-based rank of the inverted-CDF quantile
    if rank > len(ordered):
        return None
    return pd.Timestamp(ordered[rank - 1]).date().isoformat()


def summarise(tables: dict[str, pd.DataFrame]) -> dict[str, Any]:
    """The summary of an ensemble from its ``replications`` and ``years`` tables."""
    replications = tables["replications"]
    years = tables["years"]
    if len(replications) == 0:
        raise ValueError("an ensemble summary needs at least one replication")
    summary: dict[str, Any] = {key: probability(replications[key]) for key in TARGET_KEYS}
    summary["admissions_by_year"] = {
        str(int(year)): distribution(group["admissions"])
        for year, group in years.groupby("year", sort=True)
    }
    summary["white_villages_at_horizon"] = distribution(replications["white_villages_at_horizon"])
    summary["last_white_village_ends"] = ending_months(replications["last_white_village_ends"])
    return summary
