"""What the resolution's targets mean, measured on one run (MODEL.md section 4).

Why one module: the question users ask ("are 7-8 admissions a year and no
white village reachable by 2020?") turns on small definitional choices
(which years count, which admissions count, what "at the horizon" means).
They are written down once, here, and every ensemble, summary and sentence
uses them. Thresholds come from the commune's ``[targets]`` table, never from
code.

Definitions (``start`` and ``horizon`` are the scenario's dates):

- **Counted admissions**: rows of ``RunResult.admissions`` with
  ``counted == True``. Rows with ``counted == False`` are soldiers admitted by
  the army during service; the commune's cells did not admit them.
- **Target years** ("every year"): the calendar years ``start.year + 1`` to
  ``horizon.year`` (baseline: 2016-2020). The first year is left out because a
  candidate spotted at the start cannot be admitted within it (cultivation
  alone takes about a year). A partial last year still counts as a year.
  With no target year (a horizon in the start year) the "every year" targets
  hold vacuously.
- **Term years** ("term mean"): ``start.year`` to ``horizon.year``
  (2015-2020); the mean of counted admissions over them is compared with the
  threshold.
- **admissions_every_year_ge_7**: counted admissions >= ``admissions_per_year_min``
  in every target year. The key keeps the Nà Hỳ resolution's name; the
  threshold used is always the commune's (recorded in the manifest).
- **admissions_term_mean_ge_7**: the term mean >= ``admissions_per_year_min``.
- **At the horizon**: the last row of ``village_status_monthly`` for each
  village (the snapshot taken at the end of the run).
- **no_white_village_at_horizon**: no village's last status is ``white``.
- **every_village_has_cell_at_horizon**: every village's last status is
  ``own_cell``.
- **every_cell_admits_each_year**: every cell of the commune's data
  (``cells.csv``, the cells existing at the start) has at least
  ``admissions_per_cell_per_year_min`` counted admissions (by
  ``admissions.cell``) in every target year.
- **last_white_village_ends**: the first month (its date) from which the
  number of white villages stays 0 through the horizon; ``NaT`` if some
  village is white at the horizon; the first month if none ever was.
- **first_member_date** of a village: when its status first stopped being
  ``white`` (from the status log); the start date if it was not white at the
  start; ``NaT`` if it stays white.

Per replication only a small record is kept (:class:`ReplicationMetrics`),
never the full :class:`~sim.results.RunResult`: an ensemble of thousands of
runs must fit in memory and stream to disk.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from sim.scenario import Scenario

#: The boolean targets, in the order summaries list them (fixed summary.json keys).
TARGET_KEYS = (
    "admissions_every_year_ge_7",
    "admissions_term_mean_ge_7",
    "no_white_village_at_horizon",
    "every_village_has_cell_at_horizon",
    "every_cell_admits_each_year",
)

#: The age band whose place (home, away, military) the monthly series follow.
YOUTH_BAND = "16-30"
_PLACES = ("home", "away", "military")


@dataclass(frozen=True)
class TargetDefinitions:
    """Everything the target definitions need from a scenario, as plain values.

    Built by :func:`definitions_for`; plain values so workers and tests can
    build one without loading a commune.
    """

    start: date
    horizon: date
    admissions_per_year_min: int
    admissions_per_cell_per_year_min: int
    cells: tuple[str, ...]
    villages: tuple[str, ...]

    @property
    def target_years(self) -> tuple[int, ...]:
        """Years that must each reach the threshold: start.year + 1 .. horizon.year."""
        return tuple(range(self.start.year + 1, self.horizon.year + 1))

    @property
    def term_years(self) -> tuple[int, ...]:
        """Years of the term mean: start.year .. horizon.year."""
        return tuple(range(self.start.year, self.horizon.year + 1))

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable, for the manifest (every figure traceable to its definition)."""
        return {
            "start": self.start.isoformat(),
            "horizon": self.horizon.isoformat(),
            "admissions_per_year_min": self.admissions_per_year_min,
            "admissions_per_cell_per_year_min": self.admissions_per_cell_per_year_min,
            "target_years": list(self.target_years),
            "term_years": list(self.term_years),
            "cells": list(self.cells),
            "villages": list(self.villages),
            "counted_admissions_only": True,
        }


def definitions_for(scenario: Scenario) -> TargetDefinitions:
    """The target definitions of a scenario: its dates and its commune's thresholds."""
    commune = scenario.commune
    return TargetDefinitions(
        start=scenario.start,
        horizon=scenario.horizon,
        admissions_per_year_min=int(commune.targets.admissions_per_year_min),
        admissions_per_cell_per_year_min=int(commune.targets.admissions_per_cell_per_year_min),
        cells=tuple(c.id for c in commune.cells),
        villages=tuple(v.id for v in commune.villages),
    )


@dataclass
class ReplicationMetrics:
    """The small record kept of one run: scalars, and four tidy tables.

    ``scalars`` holds the target booleans (:data:`TARGET_KEYS`) and the
    headline numbers; ``years`` has one row per year, ``cells`` one per cell
    and year, ``villages`` one per village, ``months`` one per month.
    """

    scalars: dict[str, Any]
    years: pd.DataFrame
    cells: pd.DataFrame
    villages: pd.DataFrame
    months: pd.DataFrame = field(repr=False)


def counted_admissions(admissions: pd.DataFrame) -> pd.DataFrame:
    """The admissions the targets count: those made by the commune's cells."""
    return admissions[admissions["counted"].to_numpy().astype(bool)]


def admissions_per_year(admissions: pd.DataFrame, years: tuple[int, ...]) -> pd.Series:
    """Counted admissions in each of ``years`` (zeros included)."""
    counts = Counter(counted_admissions(admissions)["year"].astype(int).tolist())
    return pd.Series([counts[y] for y in years], index=list(years), dtype="int64", name="year")


def admissions_per_cell_year(
    admissions: pd.DataFrame, cells: tuple[str, ...], years: tuple[int, ...]
) -> pd.DataFrame:
    """Counted admissions by cell and year: every data cell x year, plus any other cell seen.

    Cells formed during the run appear when they admit someone; the data's
    cells appear always, with zeros.
    """
    counted = counted_admissions(admissions)
    pairs = list(zip(counted["cell"].astype(str), counted["year"].astype(int), strict=True))
    counts = Counter(pairs)
    others = sorted({cell for cell, _ in pairs} - set(cells))
    rows = [(cell, year, counts[cell, year]) for cell in (*cells, *others) for year in years]
    table = pd.DataFrame(rows, columns=["cell", "year", "admissions"])
    return table.astype({"year": "int64", "admissions": "int64"})


def status_at_horizon(village_status_monthly: pd.DataFrame) -> pd.Series:
    """Each village's status in the last monthly snapshot (index: village id)."""
    month = village_status_monthly["month"].to_numpy()
    last = village_status_monthly[month == month.max()]
    return pd.Series(
        last["status"].astype(str).to_numpy(), index=last["village"].astype(str).to_numpy()
    )


def white_villages_by_month(village_status_monthly: pd.DataFrame) -> pd.Series:
    """Number of white villages in each month (index: month 0, 1, ...)."""
    month = village_status_monthly["month"].to_numpy().astype(np.int64)
    white = village_status_monthly["status"].astype(str).to_numpy() == "white"
    counts = np.bincount(month[white], minlength=int(month.max(initial=-1)) + 1)
    return pd.Series(counts.astype(np.int64), index=np.arange(len(counts)))


def last_white_village_ends(white_by_month: pd.Series, dates: pd.Series) -> pd.Timestamp:
    """First month's date from which no village is white through the horizon, else ``NaT``.

    ``white_by_month`` and ``dates`` are indexed by month.
    """
    white = white_by_month.sort_index()
    if len(white) == 0 or white.iloc[-1] > 0:
        return pd.NaT
    positive = white.index[white.to_numpy() > 0]
    if len(positive) == 0:
        return pd.Timestamp(dates.loc[white.index[0]])
    later = white.index[white.index > positive[-1]]
    return pd.Timestamp(dates.loc[later[0]])


def first_member_dates(
    village_status: pd.DataFrame, villages: tuple[str, ...], start: date
) -> pd.DataFrame:
    """For each village: was it white at the start, and when it first stopped being white."""
    log = village_status.sort_values("time", kind="stable")
    ids = log["village"].astype(str).to_numpy()
    white = log["status"].astype(str).to_numpy() == "white"
    dates = pd.to_datetime(log["date"]).to_numpy().astype("datetime64[ms]")
    white_at_start, first = [], []
    for village in villages:
        own = ids == village
        starts_white = bool(white[own][:1].all()) and bool(own.any())
        ended = dates[own & ~white]
        white_at_start.append(starts_white)
        if not starts_white:
            first.append(np.datetime64(start, "ms"))
        else:
            first.append(ended[0] if len(ended) else np.datetime64("NaT", "ms"))
    return pd.DataFrame(
        {
            "village": list(villages),
            "white_at_start": white_at_start,
            "first_member_date": np.array(first, dtype="datetime64[ms]"),
        }
    )


def _by_month(values: np.ndarray, month: np.ndarray, months: np.ndarray) -> np.ndarray:
    """Sum ``values`` by ``month`` and read the sums at ``months`` (months are 0, 1, ...)."""
    size = int(max(month.max(initial=-1), months.max(initial=-1))) + 1
    sums = np.bincount(month.astype(np.int64), weights=values, minlength=size)
    return sums[months].astype(np.int64)


def monthly_series(result: Any) -> pd.DataFrame:
    """The key monthly series of a run, one row per month.

    Columns: ``month``, ``date``; people aged 16-30 at home, away and in
    military service; all members; white villages; and one column per
    pipeline stage (as the run's ``pipeline`` table names them).
    """
    pipeline = result.pipeline.sort_values("month", kind="stable")
    months = pipeline["month"].to_numpy().astype(np.int64)
    columns: dict[str, Any] = {
        "month": months,
        "date": pd.to_datetime(pipeline["date"]).to_numpy().astype("datetime64[ms]"),
    }
    population = result.population
    month = population["month"].to_numpy()
    youth = population["age_band"].astype(str).to_numpy() == YOUTH_BAND
    place = population["place"].astype(str).to_numpy()
    people = population["people"].to_numpy().astype(float)
    for name in _PLACES:
        chosen = youth & (place == name)
        columns[f"youth_{name}"] = _by_month(people[chosen], month[chosen], months)
    by_cell = result.members_by_cell
    members = (by_cell["official"] + by_cell["probationary"]).to_numpy().astype(float)
    columns["members"] = _by_month(members, by_cell["month"].to_numpy(), months)
    columns["white_villages"] = (
        white_villages_by_month(result.village_status_monthly)
        .reindex(months, fill_value=0)
        .to_numpy()
        .astype(np.int64)
    )
    for stage in pipeline.columns:
        if stage not in ("month", "date"):
            columns[f"stage_{stage}"] = pipeline[stage].to_numpy().astype(np.int64)
    return pd.DataFrame(columns)


def replication_metrics(result: Any, definitions: TargetDefinitions) -> ReplicationMetrics:
    """Measure one run against the targets.

    ``result`` is a :class:`~sim.results.RunResult` or anything with the same
    tables (``admissions``, ``population``, ``pipeline``, ``members_by_cell``,
    ``village_status``, ``village_status_monthly``), so tests can hand-build one.
    """
    d = definitions
    per_year = admissions_per_year(result.admissions, d.term_years)
    threshold = d.admissions_per_year_min
    target = per_year.reindex(list(d.target_years), fill_value=0)
    per_cell = admissions_per_cell_year(result.admissions, d.cells, d.term_years)
    data_cells = per_cell[per_cell["cell"].isin(d.cells) & per_cell["year"].isin(d.target_years)]

    status = status_at_horizon(result.village_status_monthly)
    status = status.reindex(list(d.villages), fill_value="white")
    months = monthly_series(result)
    dates = pd.Series(months["date"].to_numpy(), index=months["month"].to_numpy())
    white = pd.Series(months["white_villages"].to_numpy(), index=months["month"].to_numpy())

    villages = first_member_dates(result.village_status, d.villages, d.start)
    villages["status_at_horizon"] = status.to_numpy()
    by_village = result.members_by_village
    last_month = by_village["month"].max()
    at_end = by_village[by_village["month"] == last_month].set_index("village")
    residents = (at_end["official"] + at_end["probationary"]).reindex(list(d.villages))
    villages["members_at_horizon"] = residents.fillna(0).to_numpy().astype("int64")

    scalars: dict[str, Any] = {
        "admissions_every_year_ge_7": bool((target >= threshold).all()),
        "admissions_term_mean_ge_7": bool(per_year.mean() >= threshold),
        "no_white_village_at_horizon": bool((status != "white").all()),
        "every_village_has_cell_at_horizon": bool((status == "own_cell").all()),
        "every_cell_admits_each_year": bool(
            (data_cells["admissions"] >= d.admissions_per_cell_per_year_min).all()
        ),
        "admissions_term_mean": float(per_year.mean()),
        "admissions_total": int(per_year.sum()),
        "admissions_min_target_year": int(target.min()) if len(target) else 0,
        "white_villages_at_horizon": int((status == "white").sum()),
        "own_cell_villages_at_horizon": int((status == "own_cell").sum()),
        "members_at_horizon": int(months["members"].iloc[-1]) if len(months) else 0,
        "last_white_village_ends": last_white_village_ends(white, dates),
    }
    years = pd.DataFrame({"year": per_year.index.astype("int64"), "admissions": per_year.values})
    return ReplicationMetrics(
        scalars=scalars, years=years, cells=per_cell, villages=villages, months=months
    )
