"""What the resolution's targets mean, measured on one run (MODEL.md section 4).

Why one module: the question users ask ("are 7-8 admissions a year and no
white village reachable by 2020?") turns on small definitional choices
(which years count, which admissions count, what "at the horizon" means).
They are written down once, here, and every ensemble, summary and sentence
uses them. Thresholds come from the commune's ``[targets]`` table, never from
code.

Definitions (``start`` and ``horizon`` are the scenario's dates, ``term_start``
the commune's ``targets.term_start``):

- **Counted admissions**: rows of ``RunResult.admissions`` with
  ``counted == True``. Rows with ``counted == False`` are soldiers admitted by
  the army during service; the commune's cells did not admit them.
- **Run years**: ``start.year`` to ``horizon.year``: every year the run
  simulates; the per-year and per-cell tables have one row for each.
- **Target years** ("every year"): the calendar years from ``start.year + 1``
  (or ``term_start.year`` if later) to ``horizon.year`` (baseline: 2016-2020).
  The run's first year is left out because a candidate spotted at the start
  cannot be admitted within it (cultivation alone takes about a year). A
  partial last year still counts as a year. With no target year (a horizon in
  the start year) the "every year" targets hold vacuously.
- **Term years** ("term mean"): the run years from ``term_start.year`` on
  (2015-2020); the mean of counted admissions over them is compared with the
  threshold. Years of the term before the commune's data (``start``) are not
  simulated and so not counted: the definitions in the manifest list the
  years used.
- **admissions_every_year_meet_target**: counted admissions >= ``admissions_per_year_min``
  in every target year. The threshold is the commune's (recorded in the
  manifest), so the key names no number.
- **admissions_term_mean_meets_target**: the term mean >= ``admissions_per_year_min``.
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
never the full :class:`~sim.model.results.RunResult`: an ensemble of thousands of
runs must fit in memory and stream to disk.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sim.model.results import (
    ADMISSION_COLUMNS,
    AGE_BANDS,
    PLACES_RECORDED,
    VILLAGE_STATUSES,
    RunRecord,
)
from sim.model.timeline import date_at

if TYPE_CHECKING:
    from sim.inputs.scenario import Scenario

#: The boolean targets, in the order summaries list them (fixed summary.json keys).
TARGET_KEYS = (
    "admissions_every_year_meet_target",
    "admissions_term_mean_meets_target",
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
    #: the commune's ``targets.term_start``; ``None``: the term starts with the run
    term_start: date | None = None

    @property
    def run_years(self) -> tuple[int, ...]:
        """Every year the run simulates: start.year .. horizon.year."""
        return tuple(range(self.start.year, self.horizon.year + 1))

    @property
    def target_years(self) -> tuple[int, ...]:
        """Years that must each reach the threshold: from start.year + 1 (or the term's
        first year, if later) to horizon.year."""
        first = max(self.start.year + 1, self._term_year)
        return tuple(range(first, self.horizon.year + 1))

    @property
    def term_years(self) -> tuple[int, ...]:
        """Years of the term mean: the run years from the term's first year on."""
        return tuple(y for y in self.run_years if y >= self._term_year)

    @property
    def _term_year(self) -> int:
        return (self.term_start or self.start).year

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable, for the manifest (every figure traceable to its definition)."""
        return {
            "start": self.start.isoformat(),
            "horizon": self.horizon.isoformat(),
            "admissions_per_year_min": self.admissions_per_year_min,
            "admissions_per_cell_per_year_min": self.admissions_per_cell_per_year_min,
            "term_start": (self.term_start or self.start).isoformat(),
            "run_years": list(self.run_years),
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
        term_start=commune.targets.term_start,
    )


@dataclass
class ReplicationMetrics:
    """The small record kept of one run: scalars, and six tidy tables.

    ``scalars`` holds the target booleans (:data:`TARGET_KEYS`) and the
    headline numbers; ``years`` has one row per year, ``cells`` one per cell
    and year, ``villages`` one per village, ``months`` one per month;
    ``village_changes`` one per village and month in which its monthly status
    differs from the month before (month 0: every village's first status), so
    the status of every village in every month can be rebuilt from a few rows;
    ``losses`` one per (year, stage, reason) with the candidacies that ended
    or paused there (``RunResult.pipeline_exits`` counted).
    """

    scalars: dict[str, Any]
    years: pd.DataFrame
    cells: pd.DataFrame
    villages: pd.DataFrame
    months: pd.DataFrame = field(repr=False)
    village_changes: pd.DataFrame = field(default_factory=lambda: status_changes_frame((), []))
    losses: pd.DataFrame = field(default_factory=lambda: losses_frame([]), repr=False)


def counted_admissions(admissions: pd.DataFrame) -> pd.DataFrame:
    """The admissions the targets count: those made by the commune's cells."""
    return admissions[admissions["counted"].to_numpy().astype(bool)]


@dataclass
class RunDigest:
    """What the targets read from one run, as plain values.

    Built either from a run's tables (:func:`digest_tables`: any RunResult-like
    object, so tests can hand-build one) or, much faster, straight from the
    record a :class:`~sim.model.results.RunResult` keeps (:func:`digest_record`);
    a test checks that both give the same metrics.
    """

    counted: list[tuple[int, str]]  # (year, cell) of each counted admission
    village_ids: tuple[str, ...]  # the columns of ``status``
    status: np.ndarray  # month x village: status words
    status_log: list[tuple[float, np.datetime64, str, str]]  # (time, date, village, status)
    members_end: dict[str, int]  # resident members (official + probationary), last month
    months: pd.DataFrame  # the monthly series (see :func:`monthly_frame`)
    exits: list[tuple[int, str, str]] = field(default_factory=list)  # (year, stage, reason)


def monthly_frame(
    dates: np.ndarray,
    youth: dict[str, np.ndarray],
    members: np.ndarray,
    white: np.ndarray,
    stages: dict[str, np.ndarray],
) -> pd.DataFrame:
    """The key monthly series, one row per month.

    Columns: ``month``, ``date``; ``youth_home``, ``youth_away``,
    ``youth_military`` (people aged 16-30 by place); ``members`` (all
    members); ``white_villages``; and ``stage_<name>`` per pipeline stage.
    """
    columns: dict[str, Any] = {
        "month": np.arange(len(dates), dtype=np.int64),
        "date": np.asarray(dates, dtype="datetime64[ms]"),
    }
    for place in _PLACES:
        columns[f"youth_{place}"] = np.asarray(youth[place], dtype=np.int64)
    columns["members"] = np.asarray(members, dtype=np.int64)
    columns["white_villages"] = np.asarray(white, dtype=np.int64)
    for stage, counts in stages.items():
        columns[f"stage_{stage}"] = np.asarray(counts, dtype=np.int64)
    return pd.DataFrame(columns)


def _sum_by_month(values: np.ndarray, month: np.ndarray, months: int) -> np.ndarray:
    """Sum ``values`` by ``month`` (0 .. months - 1)."""
    sums = np.bincount(month.astype(np.int64), weights=values.astype(float), minlength=months)
    return sums[:months].astype(np.int64)


def digest_tables(result: Any) -> RunDigest:
    """The digest of a run from its tables (``admissions``, ``population``, ``pipeline``,
    ``members_by_cell``, ``members_by_village``, ``village_status``,
    ``village_status_monthly``)."""
    counted = counted_admissions(result.admissions)
    admissions = list(
        zip(counted["year"].astype(int).tolist(), counted["cell"].astype(str).tolist(), strict=True)
    )
    monthly = result.village_status_monthly
    grid = monthly.pivot(index="month", columns="village", values="status").sort_index()
    village_ids = tuple(str(v) for v in grid.columns)
    status = grid.to_numpy().astype(str)
    months = len(grid)

    log = result.village_status.sort_values("time", kind="stable")
    log_dates = pd.to_datetime(log["date"]).to_numpy().astype("datetime64[ms]")
    status_log = list(
        zip(
            log["time"].astype(float).tolist(),
            log_dates,
            log["village"].astype(str).tolist(),
            log["status"].astype(str).tolist(),
            strict=True,
        )
    )
    by_village = result.members_by_village
    at_end = by_village[by_village["month"] == by_village["month"].max()]
    members_end = dict(
        zip(
            at_end["village"].astype(str),
            (at_end["official"] + at_end["probationary"]).astype(int),
            strict=True,
        )
    )

    pipeline = result.pipeline.sort_values("month", kind="stable")
    population = result.population
    month = population["month"].to_numpy()
    youth_rows = population["age_band"].astype(str).to_numpy() == YOUTH_BAND
    place = population["place"].astype(str).to_numpy()
    people = population["people"].to_numpy()
    youth = {
        name: _sum_by_month(
            people[youth_rows & (place == name)], month[youth_rows & (place == name)], months
        )
        for name in _PLACES
    }
    by_cell = result.members_by_cell
    members = _sum_by_month(
        (by_cell["official"] + by_cell["probationary"]).to_numpy(),
        by_cell["month"].to_numpy(),
        months,
    )
    stages = {c: pipeline[c].to_numpy() for c in pipeline.columns if c not in ("month", "date")}
    dates = pd.to_datetime(pipeline["date"]).to_numpy().astype("datetime64[ms]")
    frame = monthly_frame(dates, youth, members, (status == "white").sum(axis=1), stages)
    exits_table = getattr(result, "pipeline_exits", None)
    exits = (
        list(
            zip(
                pd.to_datetime(exits_table["date"]).dt.year.astype(int).tolist(),
                exits_table["stage"].astype(str).tolist(),
                exits_table["reason"].astype(str).tolist(),
                strict=True,
            )
        )
        if exits_table is not None
        else []
    )
    return RunDigest(admissions, village_ids, status, status_log, members_end, frame, exits)


def digest_record(record: RunRecord) -> RunDigest:
    """The digest of a run straight from its record (no table is built)."""
    start = record.start
    col = {name: i for i, name in enumerate(ADMISSION_COLUMNS)}
    t, cell, counted = col["time"], col["cell"], col["counted"]
    admissions = [
        (date_at(start, float(row[t])).year, str(row[cell]))
        for row in record.admissions
        if row[counted]
    ]
    status = np.asarray(VILLAGE_STATUSES)[record.status]
    months = status.shape[0]
    status_log = sorted(
        (
            (float(time), np.datetime64(date_at(start, float(time)), "ms"), str(v), str(s))
            for time, v, s, *_ in record.status_changes
        ),
        key=lambda row: row[0],
    )
    end = record.members_village[-1]
    members_end = {v: int(end[0, i] + end[1, i]) for i, v in enumerate(record.village_ids)}
    dates = np.array([np.datetime64(date_at(start, m), "ms") for m in range(months)])
    band = AGE_BANDS.index(YOUTH_BAND)
    youth = {
        place: record.population[:, :, PLACES_RECORDED.index(place), band].sum(axis=1)
        for place in _PLACES
    }
    rows = record.members_cell.reshape(-1, 4)
    members = _sum_by_month(rows[:, 2] + rows[:, 3], rows[:, 0], months)
    stages = {name: record.stage_counts[:, i] for i, name in enumerate(record.stages)}
    frame = monthly_frame(dates, youth, members, (status == "white").sum(axis=1), stages)
    exits = [
        (date_at(start, float(time)).year, str(stage), str(reason))
        for time, _village, stage, reason, *_ in record.exits
    ]
    return RunDigest(
        admissions, tuple(record.village_ids), status, status_log, members_end, frame, exits
    )


def digest(result: Any) -> RunDigest:
    """The digest of a run: from its record when it has one, else from its tables."""
    record = getattr(result, "record", None)
    return digest_record(record) if isinstance(record, RunRecord) else digest_tables(result)


def last_white_village_ends(white_by_month: np.ndarray, dates: np.ndarray) -> pd.Timestamp:
    """Date of the first month from which no village is white through the horizon, else ``NaT``."""
    white = np.asarray(white_by_month)
    if len(white) == 0 or white[-1] > 0:
        return pd.NaT
    positive = np.flatnonzero(white > 0)
    first_clear = 0 if len(positive) == 0 else int(positive[-1]) + 1
    return pd.Timestamp(dates[first_clear])


def first_member_dates(
    run: RunDigest, villages: tuple[str, ...], start: date, **more_columns: np.ndarray
) -> pd.DataFrame:
    """For each village: was it white at the start, and when it first stopped being white.

    ``more_columns`` are added as they are (one value per village, in order).
    """
    white_at_start, first = [], []
    for village in villages:
        own = [(when, status) for _, when, v, status in run.status_log if v == village]
        starts_white = bool(own) and own[0][1] == "white"
        white_at_start.append(starts_white)
        if not starts_white:
            first.append(np.datetime64(start, "ms"))
        else:
            ended = [when for when, status in own if status != "white"]
            first.append(ended[0] if ended else np.datetime64("NaT", "ms"))
    return pd.DataFrame(
        {
            "village": pd.array(list(villages), dtype="str"),
            "white_at_start": np.array(white_at_start, dtype=bool),
            "first_member_date": np.array(first, dtype="datetime64[ms]"),
            **more_columns,
        }
    )


def replication_metrics(result: Any, definitions: TargetDefinitions) -> ReplicationMetrics:
    """Measure one run against the targets (see the module docstring for the definitions).

    ``result`` is a :class:`~sim.model.results.RunResult` or anything with the same
    tables, or an already computed :class:`RunDigest`.
    """
    d = definitions
    run = result if isinstance(result, RunDigest) else digest(result)
    threshold = d.admissions_per_year_min
    by_year = Counter(year for year, _ in run.counted)
    per_year = np.array([by_year[y] for y in d.run_years], dtype=np.int64)
    term = np.array([by_year[y] for y in d.term_years], dtype=np.int64)
    target = np.array([by_year[y] for y in d.target_years], dtype=np.int64)
    by_cell = Counter(run.counted)
    others = sorted({cell for _, cell in run.counted} - set(d.cells))
    keys = [(c, y) for c in (*d.cells, *others) for y in d.run_years]
    cells = pd.DataFrame(
        {
            "cell": pd.array([c for c, _ in keys], dtype="str"),
            "year": np.array([y for _, y in keys], dtype=np.int64),
            "admissions": np.array([by_cell[y, c] for c, y in keys], dtype=np.int64),
        }
    )
    per_cell_ok = all(
        by_cell[y, c] >= d.admissions_per_cell_per_year_min for c in d.cells for y in d.target_years
    )

    last = dict(zip(run.village_ids, run.status[-1], strict=True)) if len(run.status) else {}
    status = np.array([last.get(v, "white") for v in d.villages], dtype=object)
    villages = first_member_dates(
        run,
        d.villages,
        d.start,
        status_at_horizon=status.astype(str),
        members_at_horizon=np.array([run.members_end.get(v, 0) for v in d.villages], np.int64),
    )
    months = run.months
    term_mean = float(term.mean()) if len(term) else 0.0
    scalars: dict[str, Any] = {
        "admissions_every_year_meet_target": bool((target >= threshold).all()),
        "admissions_term_mean_meets_target": bool(term_mean >= threshold),
        "no_white_village_at_horizon": bool((status != "white").all()),
        "every_village_has_cell_at_horizon": bool((status == "own_cell").all()),
        "every_cell_admits_each_year": bool(per_cell_ok),
        "admissions_term_mean": term_mean,
        "admissions_total": int(per_year.sum()),
        "admissions_min_target_year": int(target.min()) if len(target) else 0,
        "white_villages_at_horizon": int((status == "white").sum()),
        "own_cell_villages_at_horizon": int((status == "own_cell").sum()),
        "members_at_horizon": int(months["members"].iloc[-1]) if len(months) else 0,
        "last_white_village_ends": last_white_village_ends(
            months["white_villages"].to_numpy(), months["date"].to_numpy()
        ),
    }
    years = pd.DataFrame({"year": np.array(d.run_years, dtype=np.int64), "admissions": per_year})
    return ReplicationMetrics(
        scalars=scalars,
        years=years,
        cells=cells,
        villages=villages,
        months=months,
        village_changes=status_changes_frame(run.village_ids, run.status),
        losses=losses_frame(run.exits),
    )


def status_changes_frame(village_ids: tuple[str, ...], status: Any) -> pd.DataFrame:
    """Each village's monthly status, kept only where it changes (month 0: the first status).

    Columns ``village``, ``month``, ``status``. A few rows a run instead of
    one per village and month, and the full month x village grid can be
    rebuilt exactly by carrying each status forward.
    """
    grid = np.asarray(status, dtype=object).reshape(-1, len(village_ids))
    rows = []
    for j, village in enumerate(village_ids):
        column = grid[:, j]
        changed = np.flatnonzero(column[1:] != column[:-1]) + 1
        for month in (0, *changed.tolist()) if len(column) else ():
            rows.append((village, month, column[month]))
    return pd.DataFrame(
        {
            "village": pd.array([r[0] for r in rows], dtype="str"),
            "month": np.array([r[1] for r in rows], dtype=np.int64),
            "status": pd.array([str(r[2]) for r in rows], dtype="str"),
        }
    )


def losses_frame(exits: list[tuple[int, str, str]]) -> pd.DataFrame:
    """Candidacies that ended or paused, counted by ``year``, ``stage`` and ``reason``."""
    counts = Counter(exits)
    keys = sorted(counts)
    return pd.DataFrame(
        {
            "year": np.array([k[0] for k in keys], dtype=np.int64),
            "stage": pd.array([k[1] for k in keys], dtype="str"),
            "reason": pd.array([k[2] for k in keys], dtype="str"),
            "candidates": np.array([counts[k] for k in keys], dtype=np.int64),
        }
    )
