"""Boxes in a table of runs: where the failing runs gather, by PRIM (model-free).

:mod:`sim.analysis.discovery` runs a plan with drawn parameters and hands
the runs here: ``X`` the drawn values (a run per row), ``y`` whether each
run failed the target. Nothing here knows the model, so the rule can be
tested on runs whose answer is known.

**Screen, then PRIM.** With many parameters and noisy runs, PRIM's greedy
peeling spends steps on parameters that do not matter and no restriction
survives a significance check, so the parameters are screened first
(:func:`screen_parameters`, Monte Carlo filtering after Hornberger & Spear
1981): PRIM sees those whose values in the failing runs differ from those in
the others (two-sample Kolmogorov-Smirnov test, p below 0.05 divided by the
number of parameters varying), in their declared order. PRIM then peels
(``peel_alpha`` 0.05: each step removes the 5 % of the box's runs at one end of
one parameter that raises the failure rate most per run removed, its
``lenient1`` objective) down to 5 % of the runs, and pastes back; every step
of this *peeling trajectory* is a candidate box with its *coverage* (the
share of all failures inside it), *density* (the failure rate inside it)
and *mass* (the share of runs inside it).

**Which box** (:func:`choose_step`). First every candidate loses the
restrictions that do not matter, least significant first, while one's
quasi-p value (Bryant & Lempert 2010: the chance of so many failures in the
box were that restriction lifted, a one-sided binomial test) is 0.05 or
more. Then, among the candidates that still restrict at least one parameter
and whose density reaches ``threshold``, the rule takes the one holding the
most failures *beyond what the overall failure rate would put there*
(failures in the box minus the base rate times the runs in it: weighted
relative accuracy, the trajectory's knee between coverage and density; ties
to the larger box). ``threshold`` defaults to halfway from the base failure
rate to certainty (31 % -> 65.5 %): a box must fail clearly more often than
the plan does overall. Further boxes (at most :data:`MAX_BOXES`) are found
the same way among the runs outside the boxes before them, while at least
:data:`MIN_CASES` failures remain.

**When there is nothing to find** the result says so and has no box: the
plan never fails, always fails, has fewer than :data:`MIN_CASES` failures
(or successes) for PRIM to tell a region from chance, no parameter varies,
no parameter passes the screen, or no box reaches the threshold (failures
are spread across the ranges: chance from run to run decides more than
these parameters).

**PRIM** is :mod:`sim.analysis.prim`, this package's port of EMA Workbench's
implementation (why not a library: that module's docstring); its trajectory
matches EMA Workbench 2.5.3's step for step on the same runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis.prim import MASS_MIN, PASTE_ALPHA, PEEL_ALPHA, Prim

#: A restriction whose quasi-p value reaches this is dropped from a box.
SIGNIFICANCE = 0.05
#: A parameter enters PRIM when its screen's p-value is below this, divided by the number of
#: parameters that vary (Bonferroni).
SCREEN_LEVEL = 0.05
#: Fewest failures (and successes) PRIM is asked to tell from chance.
MIN_CASES = 10
#: Most boxes looked for (each among the runs outside the boxes before it).
MAX_BOXES = 3

#: What a discovery found.
BOX = "box"
NEVER_FAILS = "never_fails"
ALWAYS_FAILS = "always_fails"
FEW_FAILURES = "too_few_failures"
FEW_SUCCESSES = "too_few_successes"
NOTHING_VARIES = "nothing_varies"
NO_BOX = "no_box"
STATUSES = (BOX, NEVER_FAILS, ALWAYS_FAILS, FEW_FAILURES, FEW_SUCCESSES, NOTHING_VARIES, NO_BOX)

#: The box rule and PRIM's settings, as the manifest states them (and the key covers them).
METHOD = {
    "algorithm": "PRIM (Friedman & Fisher 1999), sim.analysis.prim (EMA Workbench 2.5's "
    "algorithm for continuous parameters)",
    "peel_alpha": PEEL_ALPHA,
    "paste_alpha": PASTE_ALPHA,
    "mass_min": MASS_MIN,
    "objective": "lenient1",
    "box_rule": "among the trajectory's boxes (pruned) restricting at least one parameter "
    "whose density reaches the threshold, the one with the most failures beyond the base rate "
    "(failures in the box - base rate x runs in the box); ties: the earlier step",
    "threshold_default": "halfway from the base failure rate to 1",
    "screen": f"two-sample Kolmogorov-Smirnov test of each parameter's values in failing "
    f"against other runs; PRIM sees those with p < {SCREEN_LEVEL} / parameters varying",
    "pruning": f"every step's box loses its restrictions, least significant first, while a "
    f"quasi-p value is >= {SIGNIFICANCE}",
    "min_cases": MIN_CASES,
    "max_boxes": MAX_BOXES,
}

#: The columns of a discovery's table (one row per box and restricted parameter).
TABLE_COLUMNS = (
    "box",
    "coverage",
    "density",
    "mass",
    "runs",
    "failures",
    "parameter",
    "low",
    "high",
    "full_low",
    "full_high",
    "limited",
    "quasi_p",
)
TRAJECTORY_COLUMNS = (
    "box",
    "step",
    "coverage",
    "density",
    "mass",
    "runs",
    "restricted",
    "pruned_coverage",
    "pruned_density",
    "pruned_mass",
    "pruned_restricted",
    "chosen",
)


@dataclass(frozen=True)
class Boxes:
    """What PRIM found in ``X`` (a run per row) against ``fails``; see the module docstring.

    ``table`` has one row per box and restricted parameter (:data:`TABLE_COLUMNS`;
    ``limited`` says which end is restricted: ``low``, ``high`` or ``both``),
    ``trajectory`` every box's peeling trajectory (:data:`TRAJECTORY_COLUMNS`),
    ``ranges`` each varying parameter's full range among the runs, ``screen``
    each one's screening p-value (empty when the runs are degenerate).
    """

    status: str
    runs: int
    failures: int
    threshold: float
    parameters: tuple[str, ...]
    ranges: dict[str, tuple[float, float]]
    screen: dict[str, float]
    table: pd.DataFrame
    trajectory: pd.DataFrame

    @property
    def base_rate(self) -> float:
        """The share of runs that fail."""
        return self.failures / self.runs if self.runs else float("nan")

    @property
    def screened(self) -> tuple[str, ...]:
        """The parameters the screen let into PRIM."""
        level = SCREEN_LEVEL / max(1, len(self.parameters))
        return tuple(name for name in self.parameters if self.screen.get(name, 1.0) < level)


def default_threshold(base_rate: float) -> float:
    """Halfway from the base failure rate to certainty: a box must fail clearly more often."""
    return base_rate + (1.0 - base_rate) / 2.0


def find_boxes(
    x: pd.DataFrame,
    fails: Any,
    threshold: float | None = None,
    *,
    max_boxes: int = MAX_BOXES,
    min_cases: int = MIN_CASES,
) -> Boxes:
    """PRIM's boxes of ``x`` (one run per row, one column per parameter) where ``fails``.

    The screen, the box rule, the pruning and the degenerate cases are the
    module docstring's. Columns that do not vary are left out. Deterministic:
    the same table (its columns in the same order) gives the same boxes.
    """
    x = pd.DataFrame(x).reset_index(drop=True).astype(float)
    y = np.asarray(fails, dtype=bool)
    if len(y) != len(x):
        raise ValueError(f"{len(x)} runs but {len(y)} outcomes")
    runs, failures = len(y), int(y.sum())
    varying = tuple(str(c) for c in x.columns if x[c].nunique() > 1)
    x = x[list(varying)]
    ranges = {c: (float(x[c].min()), float(x[c].max())) for c in varying}
    base = failures / runs if runs else float("nan")
    if threshold is None:
        threshold = default_threshold(base) if runs else 1.0
    status = _degenerate(runs, failures, varying, min_cases)
    screen = screen_parameters(x, y) if status is None else {}
    kept = [name for name, p in screen.items() if p < SCREEN_LEVEL / len(varying)]

    def result(status: str, table: list, steps: list) -> Boxes:
        return Boxes(
            status, runs, failures, float(threshold), varying, ranges, screen,
            frame_of(table, TABLE_COLUMNS), frame_of(steps, TRAJECTORY_COLUMNS),
        )  # fmt: skip

    if status is not None or not kept:
        return result(status or NO_BOX, [], [])
    engine = Prim(x[kept], y, peel_alpha=PEEL_ALPHA, paste_alpha=PASTE_ALPHA, mass_min=MASS_MIN)
    rows: list[dict[str, Any]] = []
    steps: list[dict[str, Any]] = []
    outside = np.ones(runs, dtype=bool)
    for number in range(1, max_boxes + 1):
        left = int(y[outside].sum())
        if left < min_cases or not (~y[outside]).any():
            break
        box = engine.find_box()
        if box is None:
            break
        pruned = _pruned_trajectory(box, len(box.peeling_trajectory))
        step = choose_step(pruned, left / int(outside.sum()), threshold, runs, failures)
        steps += _trajectory_rows(number, box.peeling_trajectory, pruned, step, runs)
        if step is None:
            break
        box.select(step)
        _prune(box)  # the chosen box as pruned, the current one (the next box starts outside it)
        inside = np.asarray(box.yi, dtype=int)
        stats = {
            "box": number,
            "coverage": float(box.coverage),
            "density": float(box.density),
            "mass": float(box.mass),
            "runs": len(inside),
            "failures": int(y[inside].sum()),
        }
        for name, limit in box.limits.iterrows():
            low, high = float(limit["min"]), float(limit["max"])
            full_low, full_high = ranges[str(name)]
            above, below = low > full_low, high < full_high
            rows.append(
                {
                    **stats,
                    "parameter": str(name),
                    "low": low,
                    "high": high,
                    "full_low": full_low,
                    "full_high": full_high,
                    "limited": "both" if above and below else ("low" if above else "high"),
                    "quasi_p": float(limit["qp values"]),
                }
            )
        outside[inside] = False
    return result(BOX if rows else NO_BOX, rows, steps)


def screen_parameters(x: pd.DataFrame, fails: np.ndarray) -> dict[str, float]:
    """Each parameter's two-sample Kolmogorov-Smirnov p-value: do its values in the failing
    runs differ from those in the others? (Monte Carlo filtering, Hornberger & Spear 1981.)"""
    from scipy.stats import ks_2samp

    y = np.asarray(fails, dtype=bool)
    return {
        str(name): float(ks_2samp(x[name].to_numpy()[y], x[name].to_numpy()[~y]).pvalue)
        for name in x.columns
    }


def choose_step(
    trajectory: pd.DataFrame, base_rate: float, threshold: float, runs: int, failures: int
) -> int | None:
    """The step the box rule picks (module docstring), or ``None`` when no box qualifies.

    ``trajectory`` has one row per step with the (pruned) box's ``coverage``
    (a share of all ``failures``), ``density``, ``mass`` (a share of all
    ``runs``) and ``restricted`` (parameters it restricts); ``base_rate`` is
    the failure rate of the runs PRIM peeled. Ties go to the earlier step
    (the larger box).
    """
    in_box = trajectory["mass"].to_numpy(float) * runs
    failing = trajectory["coverage"].to_numpy(float) * failures
    excess = np.round(failing - base_rate * in_box, 9)
    density = trajectory["density"].to_numpy(float)
    allowed = (trajectory["restricted"].to_numpy(int) >= 1) & (density >= threshold - 1e-12)
    if not allowed.any():
        return None
    return int(np.flatnonzero(allowed)[np.argmax(excess[allowed])])


def _pruned_trajectory(box: Any, length: int) -> pd.DataFrame:
    """Every step of a box's trajectory with its insignificant restrictions dropped."""
    rows = []
    for step in range(length):
        box.select(step)
        _prune(box)
        rows.append(
            {
                "coverage": float(box.coverage),
                "density": float(box.density),
                "mass": float(box.mass),
                "restricted": len(box.limits),
            }
        )
    return pd.DataFrame(rows)


def _prune(box: Any) -> None:
    """Drop the current box's restrictions that do not matter (quasi-p >= SIGNIFICANCE),
    least significant first (PRIM appends each reduced box to the trajectory)."""
    while True:
        limits = box.limits
        if limits.empty:
            return
        values = limits["qp values"].astype(float)
        worst = values.idxmax()
        if not values[worst] >= SIGNIFICANCE:
            return
        box.drop_restriction(worst)


def _degenerate(runs: int, failures: int, varying: tuple[str, ...], least: int) -> str | None:
    if failures == 0:
        return NEVER_FAILS
    if failures == runs:
        return ALWAYS_FAILS
    if not varying:
        return NOTHING_VARIES
    if failures < least:
        return FEW_FAILURES
    if runs - failures < least:
        return FEW_SUCCESSES
    return None


def _trajectory_rows(
    number: int, trajectory: pd.DataFrame, pruned: pd.DataFrame, chosen: int | None, runs: int
) -> list[dict[str, Any]]:
    """PRIM's steps as peeled and pasted, beside each step's box once pruned."""
    rows = []
    for i in range(len(pruned)):
        row, kept = trajectory.iloc[i], pruned.iloc[i]
        rows.append(
            {
                "box": number,
                "step": i,
                "coverage": float(row["coverage"]),
                "density": float(row["density"]),
                "mass": float(row["mass"]),
                "runs": round(float(row["mass"]) * runs),
                "restricted": int(row["res dim"]),
                "pruned_coverage": float(kept["coverage"]),
                "pruned_density": float(kept["density"]),
                "pruned_mass": float(kept["mass"]),
                "pruned_restricted": int(kept["restricted"]),
                "chosen": i == chosen,
            }
        )
    return rows


def frame_of(rows: list[dict[str, Any]], columns: tuple[str, ...]) -> pd.DataFrame:
    """A table of ``columns`` from ``rows``, its counts as integers and ``chosen`` as bool
    (so an empty table and a stored one read back have the same types)."""
    frame = pd.DataFrame(rows, columns=list(columns))
    for name in ("box", "runs", "failures", "step", "restricted", "pruned_restricted"):
        if name in frame:
            frame[name] = frame[name].astype("int64")
    if "chosen" in frame:
        frame["chosen"] = frame["chosen"].astype(bool)
    return frame
