"""Shared fixtures: a small valid commune written into a temporary folder.

The fixture commune is the smallest folder that exercises every rule of
docs/DATA.md: three villages (one with its own cell, one with a small cell,
one white village hosted by a neighbour's cell), two village cells and one
school cell, one parameter row per entry of REQUIRED_PARAMETERS, and the
measures of data/nahy (they name only registered parameters). Tests break
one thing in it and check the message names the file and field.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from sim.inputs.parameters import REQUIRED_PARAMETERS

REPO = Path(__file__).resolve().parents[1]
NAHY = REPO / "data" / "nahy"

COMMUNE_TOML = """\
[commune]
id = "testville"
name = "Xã Thử"
district = "Test District"
province = "Test Province"
data_date = 2015-01-01
population = 1000
households = 200
party_members = 20
source = "test fixture"

[targets]
term_start = 2015-01-01
term_end = 2020-12-31
admissions_per_year_min = 2
admissions_per_year_max = 3
admissions_per_cell_per_year_min = 1
source = "test fixture"

[calendar]
awareness_class_months = [3, 9]
military_callup_month = 2
cell_meeting_day = 5
decision_session_months = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]
decision_session_day = 25
ceremony_dates = ["02-03", "05-19"]
source = "test fixture"

[switches]
education_exemption = false
over_60_exception = false
plan_driven = true
cell_vote = true
introducers = true
file_validity = true
file_before_class = false
decision_sessions = true
anniversary_ceremonies = true
recognition_decision = true
in_service_rules = true
source = "test fixture"
"""

TABLES: dict[str, list[list[object]]] = {
    "villages.csv": [
        [
            "village_id",
            "name",
            "population",
            "households",
            "poor_share",
            "share_thai",
            "share_hmong",
            "share_kinh",
            "share_other",
            "remoteness",
            "members_official",
            "members_probationary",
            "candidates",
            "host_cell",
            "source",
        ],
        ["V01", "Bản Một", 500, 100, 0.5, 0.6, 0.3, 0.1, 0.0, "seat", 10, 1, 2, "C-V01", "test"],
        ["V02", "Bản Hai", 300, 60, 0.6, 0.5, 0.5, 0.0, 0.0, "near", 3, 0, 1, "C-V02", "test"],
        ["V03", "Bản Ba", 200, 40, 0.8, 0, 1, 0, 0, "remote_border", 0, 0, 0, "C-V02", "test"],
    ],
    "cells.csv": [
        [
            "cell_id",
            "kind",
            "name",
            "villages",
            "members_official",
            "members_probationary",
            "staff",
            "candidates",
            "plan_per_year",
            "source",
        ],
        ["C-V01", "village", "Chi bộ Một", "V01", 0, 0, 0, 0, 1, "test"],
        ["C-V02", "village", "Chi bộ Hai", "V02", 0, 0, 0, 0, 1, "test"],
        ["C-SCH1", "school", "Chi bộ Trường", "", 5, 1, 12, 0, 1, "test"],
    ],
    "age_structure.csv": [
        ["age_from", "age_to", "male", "female", "source"],
        [0, 14, 0.15, 0.15, "test"],
        [15, 29, 0.14, 0.14, "test"],
        [30, 59, 0.13, 0.13, "test"],
        [60, 100, 0.08, 0.08, "test"],
    ],
    "mortality.csv": [
        ["age_from", "age_to", "male_per_1000", "female_per_1000", "source"],
        [0, 4, 5.0, 4.5, "test"],
        [5, 59, 2.0, 1.5, "test"],
        [60, 100, 40.0, 35.0, "test"],
    ],
    "education.csv": [
        ["level", "completion_age", "share_poor", "share_nonpoor", "source"],
        ["primary", 11, 0.9, 0.95, "test"],
        ["lower_secondary", 15, 0.6, 0.8, "test"],
        ["upper_secondary", 18, 0.3, 0.5, "test"],
        ["beyond", 22, 0.05, 0.15, "test"],
    ],
    "observed.csv": [
        ["metric", "date_from", "date_to", "value", "source", "note"],
        ["party_members", "2015-01-01", "2015-01-01", 20, "test", ""],
        ["admissions", "2017-01-01", "2017-03-31", 3, "test", "first quarter"],
    ],
}

#: A valid value of each parameter kind.
KIND_VALUES = {
    "probability": 0.5,
    "rate": 0.1,
    "months": 12,
    "years": 5,
    "age": 18,
    "count": 2,
    "multiplier": 1.0,
}


def parameter_rows() -> list[list[object]]:
    """One valid row per registered parameter: every third a fact, the rest assumptions."""
    rows: list[list[object]] = [
        ["name", "value", "kind", "low", "high", "unit", "description", "source"]
    ]
    for index, (name, (kind, description)) in enumerate(REQUIRED_PARAMETERS.items()):
        value = KIND_VALUES[kind]
        if index % 3 == 0:
            rows.append([name, value, kind, "", "", kind, description, "test fact"])
        else:
            low, high = (0.25, 0.75) if kind == "probability" else (value / 2, value * 2)
            source = f"assumption; range {low}-{high}"
            rows.append([name, value, kind, low, high, kind, description, source])
    return rows


SCENARIO_TOML = """\
name = "test"
description = "A test scenario."
commune = ".."
horizon = 2018-12-31
seed = 7

[switches]
education_exemption = true

[parameters]
spotting_rate_cell = 0.2

[[interventions]]
measure = "standing_committee_assignment"
start = 2016-01-01
intensity = 1.0
villages = ["V03"]

[[interventions]]
measure = "propaganda"
start = 2015-06-01
intensity = 0.5
"""


def write_csv(path: Path, rows: list[list[object]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)


def read_csv(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def write_commune(folder: Path) -> Path:
    """Write the valid fixture commune into ``folder`` and return it."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "commune.toml").write_text(COMMUNE_TOML, encoding="utf-8")
    for name, rows in TABLES.items():
        write_csv(folder / name, rows)
    write_csv(folder / "parameters.csv", parameter_rows())
    shutil.copyfile(NAHY / "measures.toml", folder / "measures.toml")
    (folder / "SOURCES.md").write_text("# Sources\n\n- test: the test fixture\n", encoding="utf-8")
    return folder


class CommuneFolder:
    """Edits one file of the fixture commune at a time, as a test breaks it."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def file(self, name: str) -> str:
        """The file path as problems report it."""
        return str(self.path / name)

    def set(self, name: str, row: int, column: str, value: object) -> None:
        """Set a cell; ``row`` counts data rows from 0 (file row ``row + 2``)."""
        rows = read_csv(self.path / name)
        rows[row + 1][rows[0].index(column)] = str(value)
        write_csv(self.path / name, rows)

    def rename_column(self, name: str, old: str, new: str) -> None:
        rows = read_csv(self.path / name)
        rows[0][rows[0].index(old)] = new
        write_csv(self.path / name, rows)

    def drop_column(self, name: str, column: str) -> None:
        rows = read_csv(self.path / name)
        index = rows[0].index(column)
        write_csv(self.path / name, [r[:index] + r[index + 1 :] for r in rows])

    def drop_row(self, name: str, row: int) -> None:
        rows = read_csv(self.path / name)
        del rows[row + 1]
        write_csv(self.path / name, rows)

    def row_of(self, name: str, column: str, value: str) -> int:
        """The data-row index (from 0) whose ``column`` is ``value``."""
        rows = read_csv(self.path / name)
        index = rows[0].index(column)
        return next(i for i, r in enumerate(rows[1:]) if r[index] == value)

    def replace(self, name: str, old: str, new: str) -> None:
        path = self.path / name
        text = path.read_text(encoding="utf-8")
        assert old in text, f"{old!r} not in {name}"
        path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.fixture
def commune_dir(tmp_path: Path) -> Path:
    """A valid three-village commune folder."""
    return write_commune(tmp_path / "testville")


@pytest.fixture
def commune(commune_dir: Path) -> CommuneFolder:
    """The fixture commune, with helpers to break it."""
    return CommuneFolder(commune_dir)


@pytest.fixture
def scenario_file(commune_dir: Path) -> Path:
    """A valid scenario file in ``<commune>/scenarios/``."""
    folder = commune_dir / "scenarios"
    folder.mkdir()
    path = folder / "test.toml"
    path.write_text(SCENARIO_TOML, encoding="utf-8")
    return path
