"""What was observed, and the same quantity measured on a model run.

A commune's ``observed.csv`` lists figures with dates (Nà Hỳ: 128 members in
April 2017; 8 admissions in the first quarter of 2017, 3 from the Youth Union
and 5 farmers; 2 white villages and 4 villages without a cell in April 2017;
1 white village eliminated since the start of the term). Calibration compares
them with the model, so each metric needs one written-down reading on a run.

The readings (``t(d)`` is model time at date ``d``; the recorder takes a
snapshot at the start of every month, and a *stock at date d* is read from
the last snapshot at or before ``d``, i.e. the first of ``d``'s month):

- ``party_members`` (stock): all members, official and probationary, residents
  and school/agency staff;
- ``population`` (stock): residents living at home (not away, not in military
  service; staff not counted);
- ``white_villages`` (stock): villages with no resident member;
- ``villages_without_cell`` (stock): villages without a cell of their own
  (white, or meeting jointly with another village's cell);
- ``cells`` (stock): party cells existing (the data's and those formed since);
- ``village_cells`` (stock): cells existing that are not school or agency cells;
- ``poor_household_share`` (stock): poor households / households;
- ``departures_work``, ``departures_study`` (period): residents leaving home
  to work or to study (``RunResult.migrations``), with the same window as
  admissions;
- ``callups`` (period): men called up for military service;
- ``returns`` (period): migrants coming back to live at home (after study, a
  job, or to marry; not conscripts);
- ``births`` (period): children born to residents, counted by month;
- ``white_villages_eliminated`` (period): villages white at ``date_from`` and
  not white at ``date_to`` (both read as stocks);
- ``admissions`` (period): admissions by the commune's cells (``counted``)
  with ``t(date_from) <= time < t(date_to + 1 day)``;
- ``admissions_<group>`` (period): the same, spotted in source group
  ``<group>`` (youth_union, farmer, womens_union, returning_soldier, staff,
  other);
- ``admissions_min_education_<level>`` (period, a share): the share of those
  admissions with at least ``<level>`` of schooling (1 when there were none:
  nothing contradicts it).

Rows the model cannot inform are skipped with a reason, never silently:
figures the data fix whatever the parameters (``villages``, ``school_cells``,
``agency_cells``), plans rather than outcomes (``admissions_year_plan``),
metrics with no reading above, and rows outside the scenario's period.

Measuring works on the plain :class:`~sim.model.results.RunRecord` (no table is
built), through a small picklable :class:`MeasurePlan`, because calibration
measures thousands of runs in worker processes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sim.model.population import EDUCATION_LEVELS
from sim.model.results import (
    ADMISSION_COLUMNS,
    FLOWS,
    MIGRATION_COLUMNS,
    PLACES_RECORDED,
    VILLAGE_STATUSES,
    RunRecord,
)
from sim.model.timeline import months_between

if TYPE_CHECKING:
    from sim.inputs.scenario import Scenario

#: Source groups an admission can come from (``sim.model.pipeline``).
SOURCE_GROUPS = ("youth_union", "farmer", "womens_union", "returning_soldier", "staff", "other")

#: Stock metrics (read at one date) and what they count.
STOCKS = {
    "party_members": "members (official + probationary), residents and staff",
    "population": "residents living at home",
    "white_villages": "villages with no resident member",
    "villages_without_cell": "villages without a cell of their own",
    "cells": "party cells",
    "village_cells": "village party cells",
    "poor_household_share": "share of households that are poor",
}

#: Period metrics counted from the run's logs, besides admissions.
PERIOD_COUNTS = {
    "departures_work": "residents leaving home to work (any destination)",
    "departures_study": "residents leaving home to study",
    "callups": "men called up for military service",
    "returns": "migrants coming back to live at home (after study or a job, or to marry)",
    "births": "children born to residents",
}

#: Metrics that are shares in [0, 1] (the others are counts).
SHARES = frozenset({"poor_household_share"})

#: Observed metrics that no parameter can change, or that are not outcomes: skipped.
NOT_OUTCOMES = {
    "villages": "fixed by the data (villages.csv), whatever the parameters",
    "school_cells": "fixed by the data (cells.csv), whatever the parameters",
    "agency_cells": "fixed by the data (cells.csv), whatever the parameters",
    "admissions_year_plan": "a plan (a target), not an outcome",
}

#: Smallest spread a metric's distance is scaled by: counts move in whole units,
#: so a difference of one is never "nothing"; shares in tenths.
COUNT_FLOOR = 0.5
SHARE_FLOOR = 0.1
#: Floors of shares over many units (a commune's ~1,000 households move it by tenths of a point).
FLOORS = {"poor_household_share": 0.005}

_COL = {name: i for i, name in enumerate(ADMISSION_COLUMNS)}
_WHITE = VILLAGE_STATUSES.index("white")
_OWN_CELL = VILLAGE_STATUSES.index("own_cell")
_HOME = PLACES_RECORDED.index("home")


@dataclass(frozen=True)
class Observation:
    """One observed figure the model can be compared with."""

    metric: str
    date_from: date
    date_to: date
    value: float
    source: str = ""
    note: str = ""
    uncertainty: float = 0.0  # standard deviation of the reading itself (0: read directly)
    joint: str = ""  # figures with one label are one record (the Q1 2017 split)

    @property
    def key(self) -> str:
        """A column name: ``metric@date`` for stocks, ``metric@from..to`` for periods."""
        if self.metric in STOCKS:
            return f"{self.metric}@{self.date_to.isoformat()}"
        return f"{self.metric}@{self.date_from.isoformat()}..{self.date_to.isoformat()}"

    @property
    def is_share(self) -> bool:
        """True for shares (in [0, 1]); counts otherwise."""
        return self.metric in SHARES or self.metric.startswith("admissions_min_education_")

    @property
    def floor(self) -> float:
        """Smallest scale for the distance (see :data:`COUNT_FLOOR`)."""
        if self.metric in FLOORS:
            return FLOORS[self.metric]
        return SHARE_FLOOR if self.is_share else COUNT_FLOOR

    def to_dict(self) -> dict[str, Any]:
        return {
            "metric": self.metric,
            "key": self.key,
            "date_from": self.date_from.isoformat(),
            "date_to": self.date_to.isoformat(),
            "value": self.value,
            "source": self.source,
            "note": self.note,
            "uncertainty": self.uncertainty,
            "joint": self.joint,
        }


@dataclass(frozen=True)
class Skipped:
    """An observed row calibration does not use, and why."""

    metric: str
    date_from: date
    date_to: date
    value: float
    reason: str


def _reading(metric: str) -> str | None:
    """Why ``metric`` has no reading on a run, or ``None`` if it has one."""
    if metric in STOCKS or metric in PERIOD_COUNTS:
        return None
    if metric in ("admissions", "white_villages_eliminated"):
        return None
    if metric in NOT_OUTCOMES:
        return NOT_OUTCOMES[metric]
    if metric.startswith("admissions_min_education_"):
        level = metric.removeprefix("admissions_min_education_")
        if level in EDUCATION_LEVELS:
            return None
        return f"unknown education level {level!r} (known: {', '.join(EDUCATION_LEVELS)})"
    if metric.startswith("admissions_"):
        group = metric.removeprefix("admissions_")
        if group in SOURCE_GROUPS:
            return None
        return f"unknown source group {group!r} (known: {', '.join(SOURCE_GROUPS)})"
    return "the model has no reading of this metric (see sim/analysis/observed.py)"


def observations(
    scenario: Scenario, metrics: list[str] | None = None
) -> tuple[list[Observation], list[Skipped]]:
    """The rows of the commune's ``observed.csv`` a run of ``scenario`` can be compared with.

    ``metrics`` keeps only those metric names (default: every usable row).
    Returns the usable observations and the skipped rows with their reasons.
    """
    table = scenario.commune.observed
    used: list[Observation] = []
    skipped: list[Skipped] = []
    for row in table.itertuples(index=False):
        start = pd.Timestamp(row.date_from).date()
        end = pd.Timestamp(row.date_to).date()
        value = float(row.value)
        reason = _reading(row.metric)
        if reason is None and metrics is not None and row.metric not in metrics:
            reason = "not among the metrics asked for"
        if reason is None and (start < scenario.start or end > scenario.horizon):
            reason = f"outside the scenario's period {scenario.start} to {scenario.horizon}"
        if reason is None and row.metric in STOCKS and start != end:
            reason = "a stock needs date_from = date_to"
        if reason is not None:
            skipped.append(Skipped(row.metric, start, end, value, reason))
            continue
        uncertainty = getattr(row, "uncertainty", None)
        joint = getattr(row, "joint", None)
        used.append(
            Observation(
                row.metric,
                start,
                end,
                value,
                str(row.source or ""),
                str(row.note or ""),
                0.0 if uncertainty is None or pd.isna(uncertainty) else float(uncertainty),
                "" if joint is None or pd.isna(joint) else str(joint),
            )
        )
    return used, skipped


# -- measuring a run ------------------------------------------------------------------


@dataclass(frozen=True)
class _Reading:
    metric: str
    month_from: int  # snapshot index (stocks, white_villages_eliminated)
    month_to: int
    t_from: float  # model-time window [t_from, t_to) of admissions
    t_to: float
    group: str | None = None
    min_education: int | None = None


@dataclass(frozen=True)
class MeasurePlan:
    """How to measure each observation on a run's record (picklable, built once)."""

    keys: tuple[str, ...]
    readings: tuple[_Reading, ...]
    other_cells: frozenset[str] = field(default_factory=frozenset)  # school and agency cells

    def measure(self, record: RunRecord) -> np.ndarray:
        """The observed quantities measured on one run, in the order of ``keys``."""
        return np.array([_measure(r, record, self.other_cells) for r in self.readings], float)


def measure_plan(scenario: Scenario, used: list[Observation]) -> MeasurePlan:
    """The plan that measures ``used`` on runs of ``scenario``."""
    readings = []
    for obs in used:
        months_from = months_between(scenario.start, obs.date_from)
        months_to = months_between(scenario.start, obs.date_to)
        t_to = months_between(scenario.start, obs.date_to + timedelta(days=1))
        group = None
        level = None
        if obs.metric.startswith("admissions_min_education_"):
            level = EDUCATION_LEVELS.index(obs.metric.removeprefix("admissions_min_education_"))
        elif obs.metric.startswith("admissions_") and obs.metric != "admissions":
            group = obs.metric.removeprefix("admissions_")
        readings.append(
            _Reading(
                obs.metric,
                math.floor(months_from + 1e-9),
                math.floor(months_to + 1e-9),
                months_from,
                t_to,
                group=group,
                min_education=level,
            )
        )
    other = frozenset(c.id for c in scenario.commune.cells if c.kind != "village")
    return MeasurePlan(tuple(o.key for o in used), tuple(readings), other)


def _snapshot(record: RunRecord, month: int) -> int:
    return min(max(month, 0), record.status.shape[0] - 1)


def _measure(r: _Reading, record: RunRecord, other_cells: frozenset[str]) -> float:
    metric = r.metric
    m = _snapshot(record, r.month_to)
    if metric == "party_members":
        rows = record.members_cell[record.members_cell[:, 0] == m]
        return float(rows[:, 2].sum() + rows[:, 3].sum())
    if metric == "population":
        return float(record.population[m, :, _HOME, :].sum())
    if metric == "white_villages":
        return float((record.status[m] == _WHITE).sum())
    if metric == "villages_without_cell":
        return float((record.status[m] != _OWN_CELL).sum())
    if metric == "poor_household_share":
        return float(record.poor_households[m] / max(record.households, 1))
    if metric in PERIOD_COUNTS:
        return float(_count_between(record, metric, r.t_from, r.t_to))
    if metric in ("cells", "village_cells"):
        rows = record.members_cell[record.members_cell[:, 0] == m]
        if metric == "cells":
            return float(len(rows))
        return float(sum(record.cell_ids[c] not in other_cells for c in rows[:, 1]))
    if metric == "white_villages_eliminated":
        before = record.status[_snapshot(record, r.month_from)] == _WHITE
        return float((before & (record.status[m] != _WHITE)).sum())
    rows = [
        row
        for row in record.admissions
        if row[_COL["counted"]] and r.t_from <= row[_COL["time"]] < r.t_to
    ]
    if r.min_education is not None:
        if not rows:
            return 1.0
        ok = [EDUCATION_LEVELS.index(row[_COL["education"]]) >= r.min_education for row in rows]
        return float(np.mean(ok))
    if r.group is not None:
        return float(sum(row[_COL["source_group"]] == r.group for row in rows))
    return float(len(rows))


_MIG = {name: i for i, name in enumerate(MIGRATION_COLUMNS)}


def _count_between(record: RunRecord, metric: str, t_from: float, t_to: float) -> int:
    """Departures for work or study, returns, call-ups or births with ``t_from <= time < t_to``
    (births are counted by month: the months whose start lies in the window)."""
    if metric == "callups":
        return sum(t_from <= row[0] < t_to for row in record.callups)
    if metric == "births":
        months = np.arange(record.flows.shape[0])
        inside = (months >= t_from - 1e-9) & (months < t_to - 1e-9)
        return int(record.flows[inside, :, FLOWS.index("births")].sum())
    t, move, why = _MIG["time"], _MIG["move"], _MIG["reason"]
    if metric == "returns":
        return sum(row[move] == "return" and t_from <= row[t] < t_to for row in record.migrations)
    reason = metric.removeprefix("departures_")
    return sum(
        row[move] == "leave" and row[why] == reason and t_from <= row[t] < t_to
        for row in record.migrations
    )
