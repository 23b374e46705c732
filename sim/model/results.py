"""The result of one run: what the recorder collected, shown as pandas tables.

Why lazy tables: an ensemble reads a handful of figures from each run (the
admissions, the village status, a few series), while building every table of
a run costs as much as a third of simulating it. :class:`RunResult` keeps the
plain record the recorder collected (picklable, small) and builds each table
the first time it is asked for.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from sim.model.timeline import DAYS_PER_MONTH

AGE_BANDS = ("0-15", "16-30", "31-59", "60+")
PLACES_RECORDED = ("home", "away", "military")
FLOWS = ("births", "deaths", "departures", "arrivals")
VILLAGE_STATUSES = ("white", "joint", "own_cell")

ADMISSION_COLUMNS = (
    "time",
    "village",
    "cell",
    "sex",
    "age",
    "ethnicity",
    "education",
    "source_group",
    "counted",
    "person",
    "vote_time",
)
MIGRATION_COLUMNS = ("time", "village", "move", "reason", "sex", "age", "education", "person")


@dataclass
class RunRecord:
    """Everything one run recorded, as plain arrays and lists."""

    start: date
    horizon: date
    village_ids: list[str]
    cell_ids: list[str]
    organisations: tuple[str, ...]
    stages: tuple[str, ...]
    population: np.ndarray  # month x village x place x age band
    active: np.ndarray  # month x organisation
    stage_counts: np.ndarray  # month x stage (without "none")
    members_village: np.ndarray  # month x (official, probationary) x village
    status: np.ndarray  # month x village (index into VILLAGE_STATUSES)
    members_cell: np.ndarray  # rows (month, cell index, official, probationary)
    flows: np.ndarray  # month x village x flow
    admissions: list[tuple]
    status_changes: list[tuple]
    exits: list[tuple]
    steps: list[tuple]
    member_exits: list[tuple]
    recognitions: list[tuple]
    classes: list[tuple]
    levers: list[tuple]
    migrations: list[tuple] = field(default_factory=list)
    callups: list[tuple] = field(default_factory=list)  # (time, village, person)
    poor_households: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # month
    households: int = 0


def _dates(start: date, times) -> pd.DatetimeIndex:
    """Calendar dates of model times (months after ``start``), vectorised."""
    times = np.asarray(times, dtype=float)
    whole = np.floor(times).astype(np.int64)
    first = np.datetime64(start.replace(day=1), "M") + whole
    days = (start.day - 1) + (times - whole) * DAYS_PER_MONTH
    stamps = first.astype("datetime64[D]") + days.astype(np.int64).astype("timedelta64[D]")
    return pd.DatetimeIndex(stamps.astype("datetime64[ns]"))


def _monthly(record: RunRecord, columns: dict[str, np.ndarray], months: np.ndarray) -> pd.DataFrame:
    dates = _dates(record.start, np.arange(record.status.shape[0]))
    return pd.DataFrame({"month": months, "date": dates[months], **columns})


def _population(r: RunRecord) -> pd.DataFrame:
    m, v, p, b = np.indices(r.population.shape)
    columns = {
        "village": np.asarray(r.village_ids)[v.ravel()],
        "place": np.asarray(PLACES_RECORDED)[p.ravel()],
        "age_band": np.asarray(AGE_BANDS)[b.ravel()],
        "people": r.population.ravel(),
    }
    return _monthly(r, columns, m.ravel())


def _poverty(r: RunRecord) -> pd.DataFrame:
    poor = np.asarray(r.poor_households, dtype=np.int64)
    share = poor / r.households if r.households else np.full(len(poor), np.nan)
    return _monthly(r, {"poor_households": poor, "poor_share": share}, np.arange(len(poor)))


def _by_month(r: RunRecord, values: np.ndarray, names) -> pd.DataFrame:
    columns = {name: values[:, i] for i, name in enumerate(names)}
    return _monthly(r, columns, np.arange(values.shape[0]))


def _by_village(r: RunRecord, columns: dict[str, np.ndarray]) -> pd.DataFrame:
    m, v = np.indices(r.status.shape)
    villages = {"village": np.asarray(r.village_ids)[v.ravel()]}
    return _monthly(r, {**villages, **{k: x.ravel() for k, x in columns.items()}}, m.ravel())


def _members_cell(r: RunRecord) -> pd.DataFrame:
    rows = r.members_cell.reshape(-1, 4)
    columns = {
        "cell": np.asarray(r.cell_ids)[rows[:, 1]],
        "official": rows[:, 2],
        "probationary": rows[:, 3],
    }
    return _monthly(r, columns, rows[:, 0])


def _log(r: RunRecord, rows: list[tuple], columns: tuple[str, ...]) -> pd.DataFrame:
    table = pd.DataFrame(rows, columns=list(columns))
    table["time"] = table["time"].astype(float)
    table.insert(1, "date", _dates(r.start, table["time"].to_numpy()))
    return table


def _admissions(r: RunRecord) -> pd.DataFrame:
    table = _log(r, r.admissions, ADMISSION_COLUMNS)
    table = table.astype({"age": float, "counted": bool, "person": np.int64, "vote_time": float})
    table.insert(2, "year", table["date"].dt.year.astype(np.int64))
    return table


def _flows(r: RunRecord) -> pd.DataFrame:
    m, v, k = np.indices(r.flows.shape)
    return pd.DataFrame(
        {
            "month": m.ravel(),
            "village": np.asarray(r.village_ids)[v.ravel()],
            "flow": np.asarray(FLOWS)[k.ravel()],
            "people": r.flows.ravel(),
        }
    )


#: table name -> (what its rows are, how it is built from the record)
TABLES: dict[str, tuple[str, Callable[[RunRecord], pd.DataFrame]]] = {
    "admissions": (
        "one row per admission, at its ceremony (counted: admitted by the commune's cells; "
        "vote_time: when the cell voted)",
        _admissions,
    ),
    "population": ("month x village x place x age band: people", _population),
    "organisations": (
        "month: active members per mass organisation",
        lambda r: _by_month(r, r.active, r.organisations),
    ),
    "pipeline": (
        "month: candidates per pipeline stage",
        lambda r: _by_month(r, r.stage_counts, r.stages),
    ),
    "members_by_village": (
        "month x village: resident members at home",
        lambda r: _by_village(
            r,
            {"official": r.members_village[:, 0, :], "probationary": r.members_village[:, 1, :]},
        ),
    ),
    "members_by_cell": ("month x cell: members attending the cell", _members_cell),
    "village_status": (
        "status changes (the first rows: the data's status)",
        lambda r: _log(r, r.status_changes, ("time", "village", "status", "note")),
    ),
    "village_status_monthly": (
        "month x village: status",
        lambda r: _by_village(r, {"status": np.asarray(VILLAGE_STATUSES)[r.status]}),
    ),
    "pipeline_exits": (
        "candidacies that ended or paused, by stage and reason",
        lambda r: _log(r, r.exits, ("time", "village", "stage", "reason", "person")),
    ),
    "pipeline_steps": (
        "each step a candidate entered (spotted, cultivation, certified, ...)",
        lambda r: _log(r, r.steps, ("time", "village", "step", "person")),
    ),
    "member_exits": (
        "members who moved away, were removed, transferred or not recognised",
        lambda r: _log(r, r.member_exits, ("time", "village", "reason", "person")),
    ),
    "recognitions": (
        "probationary members recognised as official",
        lambda r: _log(r, r.recognitions, ("time", "village", "person")),
    ),
    "classes": (
        "each awareness class: seats, served, still waiting",
        lambda r: _log(r, r.classes, ("time", "served", "seats", "still_waiting")),
    ),
    "levers": (
        "each measure as it came into force",
        lambda r: _log(r, r.levers, ("time", "measure", "intensity", "villages")),
    ),
    "flows": ("month x village: births, deaths, departures, arrivals (at home)", _flows),
    "migrations": (
        "each departure of a resident to live away and each return, with its reason",
        lambda r: _log(r, r.migrations, MIGRATION_COLUMNS).astype({"age": float}),
    ),
    "callups": (
        "each man called up for military service",
        lambda r: _log(r, r.callups, ("time", "village", "person")),
    ),
    "poverty": ("month: poor households and their share of all households", _poverty),
}


@dataclass
class RunResult:
    """One stochastic run: its tables (built on first use) and the metadata that made it.

    Tables: ``admissions``, ``population``, ``organisations``, ``pipeline``,
    ``members_by_village``, ``members_by_cell``, ``village_status``,
    ``village_status_monthly``, ``pipeline_exits``, ``pipeline_steps``,
    ``member_exits``, ``recognitions``, ``classes``, ``levers``, ``flows``,
    ``migrations``, ``callups``, ``poverty`` (see :data:`TABLES` for their rows).
    """

    record: RunRecord = field(repr=False)
    metadata: dict = field(default_factory=dict)
    _cache: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False)

    def __getattr__(self, name: str) -> pd.DataFrame:
        if name.startswith("_") or name not in TABLES:
            raise AttributeError(name)
        table = self._cache.get(name)
        if table is None:
            table = self._cache[name] = TABLES[name][1](self.record)
        return table

    def tables(self) -> dict[str, pd.DataFrame]:
        """Every table by name (for storing and inspecting)."""
        return {name: getattr(self, name) for name in TABLES}

    def admissions_by_year(self, counted_only: bool = True) -> pd.Series:
        """Admissions per calendar year of the run (every year present, zeros included)."""
        record = self.record
        times = np.asarray(
            [row[0] for row in record.admissions if row[8] or not counted_only], dtype=float
        )
        offset = record.start.month - 1 + (record.start.day - 1) / DAYS_PER_MONTH
        calendar_years = record.start.year + np.floor((offset + times) / 12).astype(np.int64)
        counts = pd.Series(calendar_years).value_counts()
        start, end = record.start.year, record.horizon.year
        index = pd.Index(range(start, end + 1), name="year")
        return counts.reindex(index, fill_value=0).astype(np.int64).rename("admissions")

    def members_total(self) -> pd.Series:
        """All members (official + probationary, residents and staff) by month."""
        by_cell = self.members_by_cell.groupby("date")[["official", "probationary"]].sum()
        return (by_cell["official"] + by_cell["probationary"]).rename("members")

    def white_villages(self) -> pd.Series:
        """Number of white villages by month."""
        white = (self.record.status == VILLAGE_STATUSES.index("white")).sum(axis=1)
        dates = _dates(self.record.start, np.arange(len(white)))
        return pd.Series(white, index=pd.Index(dates, name="date"), name="white_villages")
