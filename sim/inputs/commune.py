"""A commune's data folder, loaded and checked.

Everything the model knows about a commune comes from one folder of plain
UTF-8 files (``docs/DATA.md`` is their specification): nothing about Nà Hỳ is
in code, so another commune is another folder. Loading checks every file
against the specification and the files against each other, and reports all
problems at once (``InputError``), so that a researcher editing a table in a
spreadsheet sees each mistake with its file, row and column.

Table problems are reported as ``FILE: row N:column: message`` where N is the
row as a spreadsheet or editor numbers it (the header is row 1), and
``FILE: column: message`` for a whole column.
"""

from __future__ import annotations

import csv
import io
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from sim.inputs.errors import (
    Checker,
    InputError,
    Problem,
    did_you_mean,
    domain_message,
    listing,
    parse_date,
    parse_number,
    read_text,
    show,
)
from sim.inputs.limits import Limits, commune_limits, default_limits, file_within_limit
from sim.inputs.measures import MEASURES_FILE, Measure, read_measures
from sim.inputs.parameters import REQUIRED_PARAMETERS
from sim.inputs.switches import SWITCHES

ETHNIC_GROUPS = ("thai", "hmong", "kinh", "other")
REMOTENESS = ("seat", "near", "remote_border")
CELL_KINDS = ("village", "school", "agency")
EDUCATION_LEVELS = ("primary", "lower_secondary", "upper_secondary", "beyond")
PARAMETER_KINDS = ("probability", "rate", "months", "years", "age", "count", "multiplier")
SHARE_TOLERANCE = 0.001
MORTALITY_LAST_AGE = 100

#: How a column's cells are read: a kind name, or a tuple of the allowed words.
ColumnKind = str | tuple[str, ...]

#: The columns of each table, in the order docs/DATA.md lists them.
COLUMNS: dict[str, dict[str, ColumnKind]] = {
    "villages.csv": {
        "village_id": "id",
        "name": "text",
        "population": "count",
        "households": "count",
        "poor_share": "probability",
        **{f"share_{group}": "probability" for group in ETHNIC_GROUPS},
        "remoteness": REMOTENESS,
        "members_official": "count",
        "members_probationary": "count",
        "candidates": "count",
        "host_cell": "id",
        "source": "text",
    },
    "cells.csv": {
        "cell_id": "id",
        "kind": CELL_KINDS,
        "name": "text",
        "villages": "ids",
        "members_official": "count",
        "members_probationary": "count",
        "staff": "count",
        "candidates": "count",
        "plan_per_year": "count",
        "source": "text",
    },
    "age_structure.csv": {
        "age_from": "age",
        "age_to": "age",
        "male": "probability",
        "female": "probability",
        "source": "text",
    },
    "mortality.csv": {
        "age_from": "age",
        "age_to": "age",
        "male_per_1000": "rate",
        "female_per_1000": "rate",
        "source": "text",
    },
    "education.csv": {
        "level": EDUCATION_LEVELS,
        "completion_age": "years",
        "share_poor": "probability",
        "share_nonpoor": "probability",
        "source": "text",
    },
    "parameters.csv": {
        "name": "identifier",
        "value": "number",
        "kind": PARAMETER_KINDS,
        "low": "optional_number",
        "high": "optional_number",
        "unit": "optional_text",
        "description": "optional_text",
        "source": "text",
    },
    "observed.csv": {
        "metric": "identifier",
        "date_from": "date",
        "date_to": "date",
        "value": "number",
        "source": "text",
        "note": "optional_text",
        "uncertainty": "optional_number",
        "joint": "optional_text",
    },
}

#: Columns a file may leave out of its header (read as empty).
OPTIONAL_COLUMNS = {"observed.csv": frozenset({"uncertainty", "joint"})}

#: Every file a commune folder must hold.
FILES = ("commune.toml", *COLUMNS, MEASURES_FILE, "SOURCES.md")

#: How the model names the cell a village forms during a run (``C-V05`` for V05), see
#: :func:`formed_cell_id`.
FORMED_CELL_PREFIX = "C-"

#: The sub-folder holding a commune's calibration (``sim calibrate`` output), when it has one.
CALIBRATION_FOLDER = "calibration"
#: The file that makes that folder a calibration: its particles and weights.
CALIBRATION_TABLE = "posterior.parquet"

_COMMUNE_KEYS = (
    "id",
    "name",
    "district",
    "province",
    "data_date",
    "population",
    "households",
    "party_members",
    "source",
)
_TARGET_KEYS = (
    "term_start",
    "term_end",
    "admissions_per_year_min",
    "admissions_per_year_max",
    "admissions_per_cell_per_year_min",
    "source",
)
_CALENDAR_KEYS = (
    "awareness_class_months",
    "military_callup_month",
    "cell_meeting_day",
    "decision_session_months",
    "decision_session_day",
    "ceremony_dates",
    "source",
)
_MONTH_LISTS = ("awareness_class_months", "decision_session_months")


@dataclass(frozen=True)
class Targets:
    """The resolution's targets for the term (facts, from ``[targets]``)."""

    term_start: date
    term_end: date
    admissions_per_year_min: int
    admissions_per_year_max: int
    admissions_per_cell_per_year_min: int


@dataclass(frozen=True)
class Calendar:
    """When the district's and the cells' recurring events happen (from ``[calendar]``).

    Days are days of the month (1-28, so that every month has them);
    ``ceremony_dates`` are (month, day) pairs.
    """

    awareness_class_months: tuple[int, ...]
    military_callup_month: int
    cell_meeting_day: int
    decision_session_months: tuple[int, ...]
    decision_session_day: int
    ceremony_dates: tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class Village:
    """One row of ``villages.csv``: a village as it was at ``data_date``."""

    id: str
    name: str
    population: int
    households: int
    poor_share: float
    ethnic_shares: dict[str, float]
    remoteness: str
    members_official: int
    members_probationary: int
    candidates: int
    host_cell: str

    @property
    def members(self) -> int:
        """Official plus probationary members living in the village."""
        return self.members_official + self.members_probationary


@dataclass(frozen=True)
class Cell:
    """One row of ``cells.csv``: a party cell existing at ``data_date``."""

    id: str
    kind: str
    name: str
    villages: tuple[str, ...]
    members_official: int
    members_probationary: int
    staff: int
    candidates: int = 0
    plan_per_year: int = 0


@dataclass(frozen=True, eq=False)
class Commune:
    """A commune's checked data: facts, tables and parameters at ``data_date``.

    Compared by identity (its tables are DataFrames). The tables keep the
    columns of their files; ``observed`` has ``date_from``/``date_to`` as
    ``datetime64`` and ``parameter_table`` has empty ``low``/``high`` as NaN.
    """

    path: Path
    id: str
    name: str
    district: str
    province: str
    data_date: date
    population: int
    households: int
    party_members: int
    targets: Targets
    calendar: Calendar
    switches: dict[str, bool]
    villages: tuple[Village, ...]
    cells: tuple[Cell, ...]
    age_structure: pd.DataFrame = field(repr=False)
    mortality: pd.DataFrame = field(repr=False)
    education: pd.DataFrame = field(repr=False)
    parameters: dict[str, float] = field(repr=False)
    parameter_table: pd.DataFrame = field(repr=False)
    observed: pd.DataFrame = field(repr=False)
    #: The measures a scenario may put in force (``measures.toml``), by name, in file order.
    measures: dict[str, Measure] = field(repr=False)
    #: The input limits in force (``sim/inputs/limits.toml`` with the ``[limits]`` of commune.toml).
    limits: Limits = field(default_factory=default_limits, repr=False)

    @property
    def calibration_path(self) -> Path | None:
        """``<folder>/calibration`` if it holds a ``posterior.parquet``, else ``None``.

        Why a property looked up on use and not a loaded table: the
        calibration is derived from the data (``sim calibrate`` writes it)
        and is replaced when the commune is calibrated again, so it is not
        one of :data:`FILES` and does not enter the data's fingerprint
        (:func:`sim.inputs.provenance.commune_fingerprint`); ensembles that draw
        from it are keyed by the posterior's own hash instead
        (:mod:`sim.experiments.posterior`).
        """
        folder = Path(self.path) / CALIBRATION_FOLDER
        return folder if (folder / CALIBRATION_TABLE).is_file() else None

    def village(self, village_id: str) -> Village:
        """The village with this id (``KeyError`` naming the known ids if none)."""
        for village in self.villages:
            if village.id == village_id:
                return village
        known = ", ".join(v.id for v in self.villages)
        raise KeyError(f"no village {village_id!r} in commune {self.id!r} (villages: {known})")

    def cell(self, cell_id: str) -> Cell:
        """The cell with this id (``KeyError`` naming the known ids if none)."""
        for cell in self.cells:
            if cell.id == cell_id:
                return cell
        known = ", ".join(c.id for c in self.cells)
        raise KeyError(f"no cell {cell_id!r} in commune {self.id!r} (cells: {known})")


def formed_cell_id(village_id: str) -> str:
    """The id the model gives the cell a village forms during a run (``C-V05``).

    One definition for the model (:mod:`sim.model.party`) and for validation, which
    keeps ``cells.csv`` from taking such an id for another cell: the results
    group admissions by cell id, so two cells sharing one would be mixed.
    """
    return f"{FORMED_CELL_PREFIX}{village_id}"


# -- loading -----------------------------------------------------------------


def load_commune(path: str | Path) -> Commune:
    """Load and check a commune folder; raise ``InputError`` listing every problem.

    Problems name the file inside the folder (``data/nahy/villages.csv``), so a
    scenario that points at a broken commune still sends the user to the right
    file.
    """
    folder = Path(path)
    if not folder.exists():
        raise InputError(
            [Problem(str(folder), "(folder)", "does not exist (expected a commune folder)")]
        )
    if not folder.is_dir():
        raise InputError(
            [Problem(str(folder), "(folder)", "is not a folder (expected a commune folder)")]
        )

    problems: list[Problem] = []
    # commune.toml first: its [limits] decide how big the other files may be
    meta = _read_commune_toml(folder, problems)
    limits = meta["limits"] if meta is not None else default_limits()
    _read_sources(folder / "SOURCES.md", problems, limits)
    tables = {
        name: _read_csv(
            folder / name, columns, problems, limits, allow_empty=name == "observed.csv"
        )
        for name, columns in COLUMNS.items()
    }
    measures = read_measures(folder / MEASURES_FILE, problems, limits)

    villages, cells = tables["villages.csv"], tables["cells.csv"]
    _check_villages(villages)
    _check_cells(cells, villages)
    _check_totals(meta, villages, cells, Checker(str(folder / "commune.toml"), problems))
    _check_bands(tables["age_structure.csv"], shares=("male", "female"))
    _check_bands(tables["mortality.csv"], last_age=MORTALITY_LAST_AGE)
    _check_education(tables["education.csv"])
    _check_parameters(tables["parameters.csv"])
    _check_observed(tables["observed.csv"])

    if problems:
        # grouped by file, in the order of FILES; within a file, as found
        order = {str(folder / name): index for index, name in enumerate(FILES)}
        raise InputError(sorted(problems, key=lambda p: order.get(p.file, len(order))))
    assert meta is not None and all(t is not None for t in tables.values())
    return _build(folder, meta, {name: t for name, t in tables.items() if t is not None}, measures)


# -- reading files -----------------------------------------------------------


@dataclass
class _Row:
    """A data row: its line number and the cells that parsed (bad ones are absent)."""

    line: int
    values: dict[str, Any]
    raw: dict[str, str] = field(default_factory=dict)

    def has(self, *columns: str) -> bool:
        return all(c in self.values for c in columns)

    def __getitem__(self, column: str) -> Any:
        return self.values[column]


@dataclass
class _Table:
    """A CSV file as read: rows, and which of the expected columns it has."""

    checker: Checker
    columns: tuple[str, ...]
    rows: list[_Row]

    def add(self, row: _Row | None, column: str, message: str) -> None:
        self.checker.add(f"row {row.line}:{column}" if row else column, message)

    def complete(self, *columns: str) -> bool:
        """True if every row has a good value in each of these columns."""
        return all(c in self.columns for c in columns) and all(r.has(*columns) for r in self.rows)


def _read_text(
    path: Path, problems: list[Problem], limits: Limits, limit: str = "file_bytes"
) -> str | None:
    """The file's text, or ``None`` after reporting it missing, too big or not UTF-8.

    The size is checked with stat before reading, so a wrong multi-gigabyte
    file is refused at once.
    """
    if not file_within_limit(path, limit, limits, problems):
        return None
    return read_text(path, problems, missing=f"missing (a commune folder needs {path.name})")


def _read_sources(path: Path, problems: list[Problem], limits: Limits) -> None:
    """SOURCES.md must be readable and say something: every value's source is listed there."""
    text = _read_text(path, problems, limits)
    if text is not None and not text.strip():
        problems.append(
            Problem(str(path), "(file)", "empty (expected the sources of the data, by key)")
        )


def _data_rows(text: str) -> int:
    """The number of data rows (non-blank CSV records after the header), read cheaply.

    Lines bound records from above, so only a file with more lines than a
    limit is counted record by record (quoted cells may span lines); a record
    that cannot be read stops the count, and the full read reports it.
    """
    records = 0
    try:
        for record in csv.reader(io.StringIO(text, newline="")):
            if any(cell.strip() for cell in record):
                records += 1
    except csv.Error:
        pass
    return max(records - 1, 0)


def _within_row_limit(path: Path, text: str, limits: Limits, checker: Checker) -> bool:
    """False (after reporting it) if the table has more data rows than its limit allows."""
    name = f"{path.name.removesuffix('.csv')}_rows"
    breaks = text.count("\n") + text.count("\r") - text.count("\r\n")
    if breaks <= limits[name]:  # the header and the rows are at most breaks + 1 records
        return True
    message = limits.over(_data_rows(text), "rows", name)
    if message is None:
        return True
    checker.add("(rows)", message)
    return False


def _read_csv(
    path: Path,
    columns: dict[str, ColumnKind],
    problems: list[Problem],
    limits: Limits,
    *,
    allow_empty: bool = False,
) -> _Table | None:
    """Read a table, reporting missing/unknown columns and every bad cell.

    Only ``observed.csv`` may have no rows: a commune may have observed nothing.
    A table over its size or row limit is not parsed at all.
    """
    text = _read_text(path, problems, limits)
    if text is None:
        return None
    checker = Checker(str(path), problems)
    if not _within_row_limit(path, text, limits, checker):
        return None
    reader = csv.reader(io.StringIO(text, newline=""))
    expected = ", ".join(columns)
    header: list[str] | None = None
    rows: list[_Row] = []
    line = 1
    try:
        for record in reader:
            start, line = line, reader.line_num + 1
            if not any(cell.strip() for cell in record):
                continue
            if header is None:
                header = [cell.strip() for cell in record]
                _check_header(checker, header, columns, OPTIONAL_COLUMNS.get(path.name, ()))
                continue
            if len(record) != len(header):
                checker.add(
                    f"row {start}",
                    f"has {len(record)} fields but the header has {len(header)}",
                )
                continue
            row = _Row(start, {})
            for column, raw in zip(header, record, strict=True):
                if column not in columns or column in row.raw:
                    continue
                row.raw[column] = raw.strip()
                value, message = _parse_cell(columns[column], raw.strip())
                if message is None:
                    row.values[column] = value
                else:
                    checker.add(f"row {start}:{column}", message)
            rows.append(row)
    except csv.Error as error:
        checker.add(f"row {line}", f"cannot be read as CSV ({error})")
    if header is None:
        checker.add("(file)", f"empty (expected a header row: {expected})")
        return None
    if not rows and not allow_empty:
        checker.add("(file)", "has a header but no rows")
    present = tuple(c for c in columns if c in header)
    return _Table(checker, present, rows)


def _check_header(
    checker: Checker,
    header: list[str],
    columns: dict[str, ColumnKind],
    optional: frozenset[str] | tuple[()] = (),
) -> None:
    expected = ", ".join(columns)
    seen: set[str] = set()
    for name in header:
        if name in seen:
            checker.add(name or "(header)", "column appears twice")
        seen.add(name)
        if name not in columns:
            checker.add(
                name or "(header)",
                f"unknown column{did_you_mean(name, columns)}; the columns are: {expected}",
            )
    for name in columns:
        if name not in header and name not in optional:
            checker.add(name, f"missing column; the columns are: {expected}")


_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_EXPECTED = {
    "count": "a whole number >= 0",
    "age": "a whole number >= 0",
    "probability": "a number in [0, 1]",
    "rate": "a number >= 0",
    "years": "a number >= 0",
    "number": "a number",
    "optional_number": "a number or empty",
}


def _parse_cell(kind: ColumnKind, raw: str) -> tuple[Any, str | None]:
    """``(value, None)`` for a good cell, ``(None, why)`` for a bad one."""
    if isinstance(kind, tuple):
        if raw in kind:
            return raw, None
        allowed = ", ".join(kind)
        if not raw:
            return None, f"empty (allowed: {allowed})"
        return None, f"{raw!r} is not allowed{did_you_mean(raw, kind)}; allowed: {allowed}"
    if kind in ("id", "text"):
        return (raw, None) if raw else (None, "empty (expected text)")
    if kind == "optional_text":
        return raw, None
    if kind == "identifier":
        if _IDENTIFIER.fullmatch(raw):
            return raw, None
        return None, f"{raw!r} is not an identifier (expected letters, digits and _)"
    if kind == "ids":
        return tuple(part.strip() for part in raw.split(";") if part.strip()), None
    if kind == "date":
        value = parse_date(raw)
        if value is None:
            return None, f"{raw!r} is not a date (expected YYYY-MM-DD)"
        return value, None
    if kind == "optional_number" and not raw:
        return None, None
    expected = _EXPECTED[kind]
    if not raw:
        return None, f"empty (expected {expected})"
    number = parse_number(raw)
    if number is None:
        return None, f"{raw!r} is not a number (expected {expected})"
    if kind in ("count", "age"):
        if not number.is_integer():
            return None, f"{raw!r} is not a whole number (expected {expected})"
        number = int(number)
    domain = kind if kind in ("count", "age", "probability", "rate", "years") else "number"
    message = domain_message(number, domain, written=raw)
    return (None, message) if message else (number, None)


def _read_commune_toml(folder: Path, problems: list[Problem]) -> dict[str, Any] | None:
    """Read and check ``commune.toml``; ``None`` if it could not be read at all.

    ``meta["limits"]`` holds the limits in force for the rest of the folder.
    """
    path = folder / "commune.toml"
    text = _read_text(path, problems, default_limits(), "toml_bytes")
    if text is None:
        return None
    ck = Checker(str(path), problems)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        ck.add("(syntax)", f"not valid TOML: {error}")
        return None
    ck.keys(data, "", ("commune", "targets", "calendar", "switches", "limits"))
    meta: dict[str, Any] = {"limits": commune_limits(data.get("limits"), ck)}

    commune = ck.table(data, "commune") or {}
    ck.keys(commune, "commune", _COMMUNE_KEYS, _COMMUNE_KEYS)
    meta["commune"] = {
        "id": ck.text(commune, "id", "commune", pattern=r"[a-z0-9_-]+", pattern_help="[a-z0-9_-]+"),
        **{key: ck.text(commune, key, "commune") for key in ("name", "district", "province")},
        "data_date": ck.date(commune, "data_date", "commune"),
        **{
            key: ck.integer(commune, key, "commune")
            for key in ("population", "households", "party_members")
        },
    }
    ck.text(commune, "source", "commune")

    targets = ck.table(data, "targets") or {}
    ck.keys(targets, "targets", _TARGET_KEYS, _TARGET_KEYS)
    t = {
        "term_start": ck.date(targets, "term_start", "targets"),
        "term_end": ck.date(targets, "term_end", "targets"),
        **{key: ck.integer(targets, key, "targets") for key in _TARGET_KEYS[2:5]},
    }
    ck.text(targets, "source", "targets")
    if t["term_start"] and t["term_end"] and t["term_end"] <= t["term_start"]:
        ck.add(
            "targets.term_end",
            f"{t['term_end']} is not after targets.term_start {t['term_start']}",
        )
    _check_data_date(meta["commune"]["data_date"], t["term_end"], ck)
    low, high = t["admissions_per_year_min"], t["admissions_per_year_max"]
    if low is not None and high is not None and high < low:
        ck.add(
            "targets.admissions_per_year_max",
            f"{high} is below targets.admissions_per_year_min {low}",
        )
    meta["targets"] = t

    calendar = ck.table(data, "calendar") or {}
    ck.keys(calendar, "calendar", _CALENDAR_KEYS, _CALENDAR_KEYS)
    meta["calendar"] = {
        **{key: _month_list(calendar, key, ck) for key in _MONTH_LISTS},
        "military_callup_month": ck.integer(
            calendar, "military_callup_month", "calendar", minimum=1, maximum=12
        ),
        **{
            key: ck.integer(calendar, key, "calendar", minimum=1, maximum=28)
            for key in ("cell_meeting_day", "decision_session_day")
        },
        "ceremony_dates": _month_days(calendar, "ceremony_dates", ck),
    }
    ck.text(calendar, "source", "calendar")

    switches = ck.table(data, "switches") or {}
    ck.keys(switches, "switches", (*SWITCHES, "source"))
    meta["switches"] = {key: ck.boolean(switches, key, "switches") for key in SWITCHES}
    ck.text(switches, "source", "switches")
    return meta


def _check_data_date(data_date: date | None, term_end: date | None, ck: Checker) -> None:
    """The data must describe a date before the term ends.

    Every run starts at ``data_date`` and by default ends at the term's end,
    so a commune whose data_date is not before it has no run at all; said
    here, once, rather than on each of its scenarios.
    """
    if data_date and term_end and data_date >= term_end:
        ck.add(
            "commune.data_date",
            f"{data_date} is not before targets.term_end {term_end} (runs start at "
            "data_date and end by default at the term's end)",
        )


def _month_list(calendar: dict, key: str, ck: Checker) -> list[int | None]:
    """A non-empty list of distinct months (1-12); ``[None]`` after a problem."""
    if key not in calendar:
        return [None]
    raw = calendar[key]
    if not isinstance(raw, list) or not raw:
        ck.add(
            f"calendar.{key}", f"{show(raw)} is not a non-empty list of months (e.g. [3, 7, 11])"
        )
        return [None]
    months = [
        ck.check_integer(m, f"calendar.{key}[{i}]", minimum=1, maximum=12)
        for i, m in enumerate(raw)
    ]
    if len(set(map(str, raw))) != len(raw):
        ck.add(f"calendar.{key}", f"{raw} repeats a month")
    return months


def _month_days(calendar: dict, key: str, ck: Checker) -> list[tuple[int, int] | None]:
    """A list of distinct ``"MM-DD"`` dates (day 1-28 is not required: real dates only)."""
    if key not in calendar:
        return [None]
    raw = calendar[key]
    if not isinstance(raw, list) or not raw:
        ck.add(f"calendar.{key}", f'{show(raw)} is not a non-empty list of "MM-DD" dates')
        return [None]
    days: list[tuple[int, int] | None] = []
    for i, item in enumerate(raw):
        match = re.fullmatch(r"(\d\d)-(\d\d)", item) if isinstance(item, str) else None
        parsed = None
        if match:
            try:
                parsed = date(2001, int(match[1]), int(match[2]))  # not a leap year
            except ValueError:
                parsed = None
        if parsed is None:
            ck.add(f"calendar.{key}[{i}]", f'{show(item)} is not a date "MM-DD" (e.g. "02-03")')
            days.append(None)
        else:
            days.append((parsed.month, parsed.day))
    if len(set(map(str, raw))) != len(raw):
        ck.add(f"calendar.{key}", f"{raw} repeats a date")
    return days


# -- checks across rows and files ---------------------------------------------


def _check_unique(table: _Table, column: str, what: str) -> dict[str, _Row]:
    """Report repeated ids; return the first row of each id."""
    first: dict[str, _Row] = {}
    for row in table.rows:
        if not row.has(column):
            continue
        key = row[column]
        if key in first:
            table.add(row, column, f"duplicate {what} {key!r} (first on row {first[key].line})")
        else:
            first[key] = row
    return first


def _check_villages(villages: _Table | None) -> None:
    if villages is None:
        return
    _check_unique(villages, "village_id", "village_id")
    share_columns = [f"share_{group}" for group in ETHNIC_GROUPS]
    for row in villages.rows:
        if row.has(*share_columns):
            total = sum(row[c] for c in share_columns)
            if abs(total - 1.0) > SHARE_TOLERANCE:
                villages.add(
                    row,
                    "share_thai+share_hmong+share_kinh+share_other",
                    f"the ethnic shares add up to {total:.4g} (allowed: 1 ± {SHARE_TOLERANCE})",
                )


def _check_cells(cells: _Table | None, villages: _Table | None) -> None:
    """Cells are unique and well-formed; villages and cells refer to each other correctly."""
    cell_rows = _check_unique(cells, "cell_id", "cell_id") if cells else {}
    village_ids = (
        {r["village_id"] for r in villages.rows if r.has("village_id")} if villages else set()
    )
    covered_by: dict[str, str] = {}
    if cells is not None and villages is not None:
        _check_formed_cell_ids(cells, village_ids)
    if cells is not None:
        for row in cells.rows:
            if not row.has("kind"):
                continue
            kind = row["kind"]
            covered = row.values.get("villages", ())
            if kind == "village":
                if "villages" in cells.columns and not covered:
                    cells.add(row, "villages", "empty (a village cell covers at least one village)")
                for column in ("members_official", "members_probationary", "staff", "candidates"):
                    if row.has(column) and row[column] != 0:
                        cells.add(
                            row,
                            column,
                            f"{row[column]} for a village cell (allowed: 0; its members "
                            "and candidates are counted in villages.csv)",
                        )
            elif covered:
                cells.add(
                    row,
                    "villages",
                    f"{';'.join(covered)!r} for a {kind} cell (allowed: empty; only village "
                    "cells cover villages)",
                )
            if len(set(covered)) != len(covered):
                cells.add(row, "villages", f"{';'.join(covered)!r} lists a village twice")
            for village_id in dict.fromkeys(covered):
                if villages is not None and village_id not in village_ids:
                    cells.add(
                        row,
                        "villages",
                        f"unknown village {village_id!r}"
                        f"{did_you_mean(village_id, village_ids)}; "
                        f"villages.csv has: {listing(sorted(village_ids))}",
                    )
                elif kind == "village" and row.has("cell_id"):
                    if village_id in covered_by:
                        cells.add(
                            row,
                            "villages",
                            f"village {village_id!r} is already covered by cell "
                            f"{covered_by[village_id]!r} (a village belongs to at most "
                            "one village cell)",
                        )
                    else:
                        covered_by[village_id] = row["cell_id"]
    if villages is None or cells is None or "cell_id" not in cells.columns:
        return
    for row in villages.rows:
        if not row.has("host_cell"):
            continue
        host = row["host_cell"]
        if host not in cell_rows:
            villages.add(
                row,
                "host_cell",
                f"unknown cell {host!r}{did_you_mean(host, cell_rows)}; "
                f"cells.csv has: {listing(sorted(cell_rows))}",
            )
        elif row.has("village_id") and covered_by.get(row["village_id"], host) != host:
            villages.add(
                row,
                "host_cell",
                f"{host!r}, but cells.csv lists village {row['village_id']!r} under cell "
                f"{covered_by[row['village_id']]!r} (its own cell must be its host)",
            )


def _check_formed_cell_ids(cells: _Table, village_ids: set[str]) -> None:
    """No cell takes the id a village's own cell gets when it forms during a run.

    A village without a cell forms one named :func:`formed_cell_id` (``C-V05``)
    when it has enough members; a school or agency cell already called that
    would be mixed with it in the results. Only the village cell covering
    that village may carry its name.
    """
    for row in cells.rows:
        if not row.has("cell_id", "kind"):
            continue
        cell_id, kind = row["cell_id"], row["kind"]
        village = cell_id.removeprefix(FORMED_CELL_PREFIX)
        if village == cell_id or village not in village_ids:
            continue
        if kind == "village" and village in row.values.get("villages", ()):
            continue
        cells.add(
            row,
            "cell_id",
            f"{cell_id!r} is the id the model gives the cell village {village!r} forms "
            f"during a run; only a village cell covering {village!r} may use it, not this "
            f"{kind} cell (choose another id)",
        )


def _check_totals(
    meta: dict[str, Any] | None,
    villages: _Table | None,
    cells: _Table | None,
    ck: Checker,
) -> None:
    """The villages (and school/agency cells) add up to the commune's totals.

    Reported against commune.toml: the totals are the facts the village rows
    must reproduce.
    """
    if meta is None or villages is None:
        return
    totals = meta["commune"]
    for key in ("population", "households"):
        if totals[key] is not None and villages.complete(key):
            total = sum(r[key] for r in villages.rows)
            if total != totals[key]:
                ck.add(
                    f"commune.{key}",
                    f"{totals[key]}, but the {key} column of villages.csv adds up to {total}",
                )
    member_columns = ("members_official", "members_probationary")
    if (
        totals["party_members"] is not None
        and villages.complete(*member_columns)
        and cells is not None
        and cells.complete("kind", *member_columns)
    ):
        in_villages = sum(r[c] for r in villages.rows for c in member_columns)
        in_cells = sum(r[c] for r in cells.rows if r["kind"] != "village" for c in member_columns)
        if in_villages + in_cells != totals["party_members"]:
            ck.add(
                "commune.party_members",
                f"{totals['party_members']}, but the members add up to {in_villages + in_cells} "
                f"({in_villages} living in villages (villages.csv) + {in_cells} in school and "
                "agency cells (cells.csv))",
            )


def _check_bands(
    table: _Table | None,
    *,
    shares: tuple[str, ...] = (),
    last_age: int | None = None,
) -> None:
    """Age bands run contiguously from 0; optional shares add up to 1."""
    if table is None or not table.rows:
        return
    if table.complete("age_from", "age_to"):
        previous: _Row | None = None
        for row in table.rows:
            if row["age_to"] < row["age_from"]:
                table.add(row, "age_to", f"{row['age_to']} is below age_from {row['age_from']}")
            if previous is None and row["age_from"] != 0:
                table.add(row, "age_from", f"{row['age_from']}, but the first band must start at 0")
            elif previous is not None and row["age_from"] != previous["age_to"] + 1:
                table.add(
                    row,
                    "age_from",
                    f"{row['age_from']}, but the previous band ends at {previous['age_to']} "
                    f"(expected {previous['age_to'] + 1}: bands are contiguous, in order)",
                )
            previous = row
        last = table.rows[-1]
        if last_age is not None and last["age_to"] < last_age:
            table.add(
                last,
                "age_to",
                f"{last['age_to']}, but the last band is open-ended and must reach {last_age}",
            )
    if shares and table.complete(*shares):
        total = sum(r[c] for r in table.rows for c in shares)
        if abs(total - 1.0) > SHARE_TOLERANCE:
            table.add(
                None,
                "+".join(shares),
                f"the shares add up to {total:.4g} (allowed: 1 ± {SHARE_TOLERANCE})",
            )


def _check_education(table: _Table | None) -> None:
    """Exactly the four levels in order; completion shares never rise down the rows."""
    if table is None or not table.rows:
        return
    if table.complete("level"):
        levels = tuple(r["level"] for r in table.rows)
        if levels != EDUCATION_LEVELS:
            table.add(
                None,
                "level",
                f"the rows are {', '.join(levels)} (expected exactly "
                f"{', '.join(EDUCATION_LEVELS)}, in this order, one row each)",
            )
    for column in ("share_poor", "share_nonpoor"):
        previous: _Row | None = None
        for row in table.rows:
            if not row.has(column):
                previous = None
                continue
            if previous is not None and row[column] > previous[column]:
                table.add(
                    row,
                    column,
                    f"{row.raw[column]} is above the previous level's {previous.raw[column]} "
                    "(shares must not increase down the rows: a level includes the ones before)",
                )
            previous = row


def _check_parameters(table: _Table | None) -> None:
    """Every registered parameter exactly once, of its registered kind and in range."""
    if table is None:
        return
    names = list(REQUIRED_PARAMETERS)
    first = _check_unique(table, "name", "parameter")
    for row in table.rows:
        if not row.has("name"):
            continue
        name = row["name"]
        registered = REQUIRED_PARAMETERS.get(name)
        if registered is None:
            table.add(
                row,
                "name",
                f"unknown parameter {name!r}{did_you_mean(name, names)}; "
                "the model reads only the names listed in sim/inputs/parameters.py",
            )
        elif row.has("kind") and row["kind"] != registered[0]:
            table.add(
                row,
                "kind",
                f"{row['kind']!r}, but sim/inputs/parameters.py says {name!r} is a "
                f"{registered[0]!r}",
            )
        kind = registered[0] if registered else row.values.get("kind")
        if kind is None:
            continue
        for column in ("value", "low", "high"):
            value = row.values.get(column)
            if value is not None and (message := domain_message(value, kind, row.raw[column])):
                table.add(row, column, message)
        source = row.values.get("source", "")
        low, high = row.values.get("low"), row.values.get("high")
        shown = row.raw.get
        if source.strip().lower().startswith("assumption"):
            for column in ("low", "high"):
                if column in table.columns and column in row.values and row[column] is None:
                    table.add(
                        row,
                        column,
                        "empty, but the source is an assumption (give its plausible range)",
                    )
        if low is not None and high is not None and low > high:
            table.add(row, "low", f"{shown('low')} is above high {shown('high')}")
        elif row.has("value"):
            value = row["value"]
            if low is not None and value < low:
                table.add(
                    row,
                    "value",
                    f"{shown('value')} is below its plausible range (low {shown('low')})",
                )
            if high is not None and value > high:
                table.add(
                    row,
                    "value",
                    f"{shown('value')} is above its plausible range (high {shown('high')})",
                )
    if "name" in table.columns and table.rows:
        for name, (kind, description) in REQUIRED_PARAMETERS.items():
            if name not in first:
                table.add(
                    None,
                    name,
                    f"missing parameter (sim/inputs/parameters.py needs it: {kind}, {description})",
                )


def _check_observed(table: _Table | None) -> None:
    """Periods in order, uncertainties >= 0, and one figure per metric and period.

    A repeated figure would be compared with the model twice (calibration
    keys each figure by metric and dates), and two different values for the
    same figure cannot both be what was observed.
    """
    if table is None:
        return
    first: dict[tuple[str, date, date], _Row] = {}
    for row in table.rows:
        if row.has("metric", "date_from", "date_to"):
            key = (row["metric"], row["date_from"], row["date_to"])
            if key in first:
                table.add(
                    row,
                    "metric",
                    f"duplicate observation of {key[0]!r} for {key[1]} to {key[2]} "
                    f"(first on row {first[key].line}; one figure per metric and period)",
                )
            else:
                first[key] = row
        if row.has("date_from", "date_to") and row["date_to"] < row["date_from"]:
            table.add(row, "date_to", f"{row['date_to']} is before date_from {row['date_from']}")
        if row.has("uncertainty") and row["uncertainty"] is not None and row["uncertainty"] < 0:
            table.add(
                row, "uncertainty", f"{row['uncertainty']} is negative (a standard deviation)"
            )


# -- building ------------------------------------------------------------------


def _frame(table: _Table, convert: dict[str, Callable[[pd.Series], pd.Series]] | None = None):
    frame = pd.DataFrame([r.values for r in table.rows], columns=list(table.columns))
    for column, function in (convert or {}).items():
        frame[column] = function(frame[column])
    return frame


def _build(
    folder: Path, meta: dict[str, Any], tables: dict[str, _Table], measures: dict[str, Measure]
) -> Commune:
    c, t, k = meta["commune"], meta["targets"], meta["calendar"]
    villages = tuple(
        Village(
            id=r["village_id"],
            name=r["name"],
            population=r["population"],
            households=r["households"],
            poor_share=r["poor_share"],
            ethnic_shares={g: r[f"share_{g}"] for g in ETHNIC_GROUPS},
            remoteness=r["remoteness"],
            members_official=r["members_official"],
            members_probationary=r["members_probationary"],
            candidates=r["candidates"],
            host_cell=r["host_cell"],
        )
        for r in tables["villages.csv"].rows
    )
    cells = tuple(
        Cell(
            id=r["cell_id"],
            kind=r["kind"],
            name=r["name"],
            villages=r["villages"],
            members_official=r["members_official"],
            members_probationary=r["members_probationary"],
            staff=r["staff"],
            candidates=r["candidates"],
            plan_per_year=r["plan_per_year"],
        )
        for r in tables["cells.csv"].rows
    )
    ints = {"age_from": lambda s: s.astype("int64"), "age_to": lambda s: s.astype("int64")}
    floats = {"low": lambda s: s.astype("float64"), "high": lambda s: s.astype("float64")}
    dates = {"date_from": pd.to_datetime, "date_to": pd.to_datetime}
    parameter_rows = tables["parameters.csv"].rows
    return Commune(
        path=folder,
        id=c["id"],
        name=c["name"],
        district=c["district"],
        province=c["province"],
        data_date=c["data_date"],
        population=c["population"],
        households=c["households"],
        party_members=c["party_members"],
        targets=Targets(**t),
        calendar=Calendar(
            awareness_class_months=tuple(k["awareness_class_months"]),
            military_callup_month=k["military_callup_month"],
            cell_meeting_day=k["cell_meeting_day"],
            decision_session_months=tuple(k["decision_session_months"]),
            decision_session_day=k["decision_session_day"],
            ceremony_dates=tuple(k["ceremony_dates"]),
        ),
        switches=dict(meta["switches"]),
        villages=villages,
        cells=cells,
        age_structure=_frame(tables["age_structure.csv"], ints),
        mortality=_frame(tables["mortality.csv"], ints),
        education=_frame(tables["education.csv"]),
        parameters={r["name"]: float(r["value"]) for r in parameter_rows},
        parameter_table=_frame(tables["parameters.csv"], floats),
        observed=_frame(tables["observed.csv"], dates),
        measures=measures,
        limits=meta["limits"],
    )
