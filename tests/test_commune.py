"""Loading a commune folder: the fixture loads, and each rule of docs/DATA.md bites.

Each failing example breaks one thing in the fixture commune and checks that
the problem names the exact file and field, and says what is wrong.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
import pytest

from sim.inputs.commune import FILES, Commune, load_commune
from sim.inputs.errors import InputError, Problem
from sim.inputs.parameters import REQUIRED_PARAMETERS

if TYPE_CHECKING:
    from conftest import CommuneFolder

NAHY = Path(__file__).resolve().parents[1] / "data" / "nahy"


def problems_of(path: Path) -> list[Problem]:
    with pytest.raises(InputError) as info:
        load_commune(path)
    return info.value.problems


def find(problems: list[Problem], file: str, field: str, *fragments: str) -> Problem:
    """The one problem for ``file``/``field``, checking its message has each fragment."""
    matches = [p for p in problems if p.file == file and p.field == field]
    assert matches, f"no problem for {file}: {field} in:\n" + "\n".join(map(str, problems))
    problem = matches[0]
    for fragment in fragments:
        assert fragment in problem.message, str(problem)
    return problem


def expect(commune: CommuneFolder, name: str, field: str, *fragments: str) -> Problem:
    return find(problems_of(commune.path), commune.file(name), field, *fragments)


# -- the valid fixture --------------------------------------------------------


def test_fixture_commune_loads(commune_dir: Path) -> None:
    commune = load_commune(commune_dir)
    assert isinstance(commune, Commune)
    assert commune.path == commune_dir
    assert (commune.id, commune.name, commune.population, commune.party_members) == (
        "testville",
        "Xã Thử",
        1000,
        20,
    )
    assert str(commune.data_date) == "2015-01-01"
    assert commune.targets.admissions_per_year_max == 3
    assert commune.calendar.awareness_class_months == (3, 9)
    assert commune.calendar.ceremony_dates == ((2, 3), (5, 19))
    assert commune.calendar.decision_session_months == tuple(range(1, 13))
    assert commune.switches["plan_driven"] is True
    assert commune.cells[2].plan_per_year == 1 and commune.cells[2].candidates == 0
    assert [v.id for v in commune.villages] == ["V01", "V02", "V03"]
    assert commune.village("V01").ethnic_shares == {
        "thai": 0.6,
        "hmong": 0.3,
        "kinh": 0.1,
        "other": 0.0,
    }
    assert commune.cell("C-V01").villages == ("V01",)
    assert commune.cell("C-SCH1").villages == ()
    assert set(commune.parameters) == set(REQUIRED_PARAMETERS)
    assert commune.parameters["male_share_at_birth"] == 0.5
    assert list(commune.age_structure.columns) == ["age_from", "age_to", "male", "female", "source"]
    assert commune.age_structure["age_from"].dtype == "int64"
    assert list(commune.education["level"]) == [
        "primary",
        "lower_secondary",
        "upper_secondary",
        "beyond",
    ]
    assert pd.api.types.is_datetime64_any_dtype(commune.observed["date_from"])
    assert commune.parameter_table["low"].isna().sum() > 0  # facts have no range


def test_lookup_of_unknown_ids_names_the_known_ones(commune_dir: Path) -> None:
    commune = load_commune(commune_dir)
    with pytest.raises(KeyError, match="V01, V02, V03"):
        commune.village("V99")
    with pytest.raises(KeyError, match="C-SCH1"):
        commune.cell("C-X")


def test_bom_is_accepted(commune: CommuneFolder) -> None:
    path = commune.path / "villages.csv"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert load_commune(commune.path).villages[0].id == "V01"


# -- files -------------------------------------------------------------------------


def test_missing_folder(tmp_path: Path) -> None:
    [problem] = problems_of(tmp_path / "nowhere")
    assert problem.file == str(tmp_path / "nowhere")
    assert "does not exist" in problem.message


@pytest.mark.parametrize("name", FILES)
def test_missing_file(commune: CommuneFolder, name: str) -> None:
    (commune.path / name).unlink()
    expect(commune, name, "(file)", "missing")


def test_non_utf8_file_reports_byte_offset(commune: CommuneFolder) -> None:
    path = commune.path / "villages.csv"
    data = path.read_bytes().replace("Bản Hai".encode(), "B\xe0n Hai".encode("latin-1"))
    path.write_bytes(data)
    offset = data.index(b"\xe0")
    expect(commune, "villages.csv", "(encoding)", "not UTF-8", f"byte offset {offset}", "line 3")


def test_empty_table(commune: CommuneFolder) -> None:
    (commune.path / "cells.csv").write_text("", encoding="utf-8")
    expect(commune, "cells.csv", "(file)", "empty")


def test_row_with_wrong_number_of_fields(commune: CommuneFolder) -> None:
    with (commune.path / "mortality.csv").open("a", encoding="utf-8") as handle:
        handle.write("101,102\n")
    expect(commune, "mortality.csv", "row 5", "2 fields", "header has 5")


# -- columns and cells -----------------------------------------------------------


def test_missing_column(commune: CommuneFolder) -> None:
    commune.drop_column("villages.csv", "poor_share")
    expect(commune, "villages.csv", "poor_share", "missing column")


def test_unknown_column_suggests_the_intended_one(commune: CommuneFolder) -> None:
    commune.rename_column("villages.csv", "share_thai", "share_thia")
    problems = problems_of(commune.path)
    find(
        problems,
        commune.file("villages.csv"),
        "share_thia",
        "unknown column",
        "did you mean 'share_thai'?",
    )
    find(problems, commune.file("villages.csv"), "share_thai", "missing column")


@pytest.mark.parametrize(
    ("name", "row", "column", "value", "message"),
    [
        ("villages.csv", 1, "poor_share", "abc", "'abc' is not a number"),
        ("villages.csv", 0, "population", "12.5", "'12.5' is not a whole number"),
        ("cells.csv", 2, "staff", "", "empty"),
        ("mortality.csv", 1, "male_per_1000", "1,5", "'1,5' is not a number"),
        ("age_structure.csv", 0, "age_to", "x", "'x' is not a number"),
        ("parameters.csv", 4, "value", "nan", "'nan' is not a number"),
        ("parameters.csv", 1, "low", "low", "'low' is not a number"),
        ("observed.csv", 0, "value", "twenty", "'twenty' is not a number"),
    ],
)
def test_bad_number(
    commune: CommuneFolder, name: str, row: int, column: str, value: str, message: str
) -> None:
    commune.set(name, row, column, value)
    expect(commune, name, f"row {row + 2}:{column}", message)


@pytest.mark.parametrize(
    ("name", "column", "first", "other", "what"),
    [
        ("villages.csv", "village_id", "V01", "V02", "village_id"),
        ("cells.csv", "cell_id", "C-V01", "C-V02", "cell_id"),
        ("parameters.csv", "name", "crude_birth_rate_per_1000", "male_share_at_birth", "parameter"),
    ],
)
def test_duplicate_ids(
    commune: CommuneFolder, name: str, column: str, first: str, other: str, what: str
) -> None:
    row = commune.row_of(name, column, other)
    commune.set(name, row, column, first)
    expect(
        commune, name, f"row {row + 2}:{column}", f"duplicate {what} '{first}'", "first on row 2"
    )


@pytest.mark.parametrize(
    ("name", "column", "value"),
    [
        ("villages.csv", "poor_share", "1.5"),
        ("villages.csv", "share_kinh", "-0.1"),
        ("age_structure.csv", "male", "1.2"),
        ("education.csv", "share_nonpoor", "1.01"),
    ],
)
def test_probability_outside_0_1(
    commune: CommuneFolder, name: str, column: str, value: str
) -> None:
    commune.set(name, 0, column, value)
    expect(commune, name, f"row 2:{column}", value, "outside [0, 1]")


@pytest.mark.parametrize(
    ("name", "row", "column"),
    [
        ("villages.csv", 0, "population"),
        ("villages.csv", 1, "households"),
        ("villages.csv", 0, "members_official"),
        ("villages.csv", 2, "candidates"),
        ("cells.csv", 2, "staff"),
        ("mortality.csv", 0, "female_per_1000"),
        ("education.csv", 0, "completion_age"),
    ],
)
def test_negative_count_or_rate(commune: CommuneFolder, name: str, row: int, column: str) -> None:
    commune.set(name, row, column, "-1")
    expect(commune, name, f"row {row + 2}:{column}", "-1 is negative", ">= 0")


@pytest.mark.parametrize(
    ("name", "column", "value", "message"),
    [
        ("villages.csv", "remoteness", "far", "allowed: seat, near, remote_border"),
        ("cells.csv", "kind", "vilage", "did you mean 'village'?"),
        ("parameters.csv", "kind", "probabilty", "did you mean 'probability'?"),
        ("villages.csv", "name", "", "empty"),
        ("villages.csv", "source", "", "empty"),
    ],
)
def test_bad_words_and_empty_text(
    commune: CommuneFolder, name: str, column: str, value: str, message: str
) -> None:
    commune.set(name, 0, column, value)
    expect(commune, name, f"row 2:{column}", message)


# -- shares and bands --------------------------------------------------------------


def test_ethnic_shares_must_add_up_to_1(commune: CommuneFolder) -> None:
    commune.set("villages.csv", 1, "share_hmong", "0.45")
    expect(
        commune,
        "villages.csv",
        "row 3:share_thai+share_hmong+share_kinh+share_other",
        "add up to 0.95",
        "1 ± 0.001",
    )


def test_ethnic_shares_within_tolerance_pass(commune: CommuneFolder) -> None:
    commune.set("villages.csv", 1, "share_hmong", "0.5009")
    load_commune(commune.path)


def test_age_shares_must_add_up_to_1(commune: CommuneFolder) -> None:
    commune.set("age_structure.csv", 3, "female", "0.07")
    expect(commune, "age_structure.csv", "male+female", "add up to 0.99")


@pytest.mark.parametrize("name", ["age_structure.csv", "mortality.csv"])
def test_age_bands_must_be_contiguous(commune: CommuneFolder, name: str) -> None:
    commune.set(name, 1, "age_from", "16")
    expect(commune, name, "row 3:age_from", "16", "expected")


@pytest.mark.parametrize("name", ["age_structure.csv", "mortality.csv"])
def test_age_bands_start_at_0(commune: CommuneFolder, name: str) -> None:
    commune.set(name, 0, "age_from", "1")
    expect(commune, name, "row 2:age_from", "must start at 0")


def test_mortality_last_band_reaches_100(commune: CommuneFolder) -> None:
    commune.set("mortality.csv", 2, "age_to", "85")
    expect(commune, "mortality.csv", "row 4:age_to", "85", "100")


def test_education_levels_exactly_in_order(commune: CommuneFolder) -> None:
    commune.set("education.csv", 1, "level", "upper_secondary")
    commune.set("education.csv", 2, "level", "lower_secondary")
    expect(commune, "education.csv", "level", "in this order")


def test_education_level_missing(commune: CommuneFolder) -> None:
    commune.drop_row("education.csv", 3)
    expect(commune, "education.csv", "level", "expected exactly")


def test_education_shares_must_not_increase(commune: CommuneFolder) -> None:
    commune.set("education.csv", 2, "share_poor", "0.7")
    expect(commune, "education.csv", "row 4:share_poor", "0.7", "must not increase")


# -- totals and references -------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "old", "new", "fragment"),
    [
        ("population", "population = 1000", "population = 1010", "adds up to 1000"),
        ("households", "households = 200", "households = 199", "adds up to 200"),
        ("party_members", "party_members = 20", "party_members = 21", "add up to 20"),
    ],
)
def test_villages_add_up_to_commune_totals(
    commune: CommuneFolder, key: str, old: str, new: str, fragment: str
) -> None:
    commune.replace("commune.toml", old, new)
    expect(commune, "commune.toml", f"commune.{key}", fragment)


def test_school_cell_members_count_towards_the_total(commune: CommuneFolder) -> None:
    commune.set("cells.csv", 2, "members_probationary", "2")
    expect(commune, "commune.toml", "commune.party_members", "add up to 21", "7 in school")


def test_host_cell_must_exist(commune: CommuneFolder) -> None:
    commune.set("villages.csv", 2, "host_cell", "C-V2")
    expect(commune, "villages.csv", "row 4:host_cell", "unknown cell 'C-V2'")


def test_cell_villages_must_exist(commune: CommuneFolder) -> None:
    commune.set("cells.csv", 1, "villages", "V02;V04")
    expect(commune, "cells.csv", "row 3:villages", "unknown village 'V04'")


def test_village_in_at_most_one_village_cell(commune: CommuneFolder) -> None:
    commune.set("cells.csv", 1, "villages", "V02;V01")
    expect(commune, "cells.csv", "row 3:villages", "'V01' is already covered by cell 'C-V01'")


def test_covered_village_is_hosted_by_its_cell(commune: CommuneFolder) -> None:
    commune.set("villages.csv", 1, "host_cell", "C-V01")
    expect(commune, "villages.csv", "row 3:host_cell", "under cell 'C-V02'")


def test_village_cell_counts_no_members(commune: CommuneFolder) -> None:
    commune.set("cells.csv", 0, "members_official", "2")
    expect(commune, "cells.csv", "row 2:members_official", "allowed: 0")


def test_village_cell_candidates_are_counted_in_villages(commune: CommuneFolder) -> None:
    commune.set("cells.csv", 1, "candidates", "1")
    expect(commune, "cells.csv", "row 3:candidates", "counted in villages.csv")


def test_cell_plan_is_a_count(commune: CommuneFolder) -> None:
    commune.set("cells.csv", 2, "plan_per_year", "1.5")
    expect(commune, "cells.csv", "row 4:plan_per_year", "not a whole number")


def test_school_cell_covers_no_villages(commune: CommuneFolder) -> None:
    commune.set("cells.csv", 2, "villages", "V03")
    expect(commune, "cells.csv", "row 4:villages", "only village cells")


# -- parameters.csv ----------------------------------------------------------------


def test_missing_parameter(commune: CommuneFolder) -> None:
    row = commune.row_of("parameters.csv", "name", "spotting_rate_cell")
    commune.drop_row("parameters.csv", row)
    expect(commune, "parameters.csv", "spotting_rate_cell", "missing parameter")


def test_unknown_parameter_suggests_the_intended_one(commune: CommuneFolder) -> None:
    row = commune.row_of("parameters.csv", "name", "spotting_rate_cell")
    commune.set("parameters.csv", row, "name", "spoting_rate_cell")
    problems = problems_of(commune.path)
    find(
        problems,
        commune.file("parameters.csv"),
        f"row {row + 2}:name",
        "unknown parameter 'spoting_rate_cell' (did you mean 'spotting_rate_cell'?)",
    )
    find(problems, commune.file("parameters.csv"), "spotting_rate_cell", "missing parameter")


def test_parameter_kind_must_match_the_registry(commune: CommuneFolder) -> None:
    row = commune.row_of("parameters.csv", "name", "spotting_rate_cell")
    commune.set("parameters.csv", row, "kind", "probability")
    expect(commune, "parameters.csv", f"row {row + 2}:kind", "'rate'")


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("male_share_at_birth", "1.5", "outside [0, 1]"),
        ("poverty_exit_rate", "-0.1", "negative"),
        ("probation_months", "-12", "negative"),
    ],
)
def test_parameter_value_in_its_kind_domain(
    commune: CommuneFolder, name: str, value: str, message: str
) -> None:
    row = commune.row_of("parameters.csv", "name", name)
    commune.set("parameters.csv", row, "low", "")
    commune.set("parameters.csv", row, "high", "")
    commune.set("parameters.csv", row, "source", "test fact")
    commune.set("parameters.csv", row, "value", value)
    expect(commune, "parameters.csv", f"row {row + 2}:value", message)


@pytest.mark.parametrize("column", ["low", "high"])
def test_assumption_needs_a_range(commune: CommuneFolder, column: str) -> None:
    row = commune.row_of("parameters.csv", "name", "male_share_at_birth")  # an assumption
    commune.set("parameters.csv", row, column, "")
    expect(commune, "parameters.csv", f"row {row + 2}:{column}", "assumption")


def test_assumption_value_within_its_range(commune: CommuneFolder) -> None:
    row = commune.row_of("parameters.csv", "name", "male_share_at_birth")
    commune.set("parameters.csv", row, "value", "0.8")
    expect(commune, "parameters.csv", f"row {row + 2}:value", "above", "0.75")


def test_range_low_above_high(commune: CommuneFolder) -> None:
    row = commune.row_of("parameters.csv", "name", "male_share_at_birth")
    commune.set("parameters.csv", row, "low", "0.9")
    expect(commune, "parameters.csv", f"row {row + 2}:low", "above high")


# -- observed.csv ------------------------------------------------------------------


def test_observed_dates_parse(commune: CommuneFolder) -> None:
    commune.set("observed.csv", 1, "date_to", "2017-03-32")
    expect(commune, "observed.csv", "row 3:date_to", "'2017-03-32' is not a date")


def test_observed_period_in_order(commune: CommuneFolder) -> None:
    commune.set("observed.csv", 1, "date_to", "2016-12-31")
    expect(commune, "observed.csv", "row 3:date_to", "before date_from")


def test_observed_columns_present(commune: CommuneFolder) -> None:
    commune.drop_column("observed.csv", "metric")
    expect(commune, "observed.csv", "metric", "missing column")


# -- commune.toml --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "field", "message"),
    [
        ("population = 1000", "populaton = 1000", "commune.populaton", "did you mean 'population'"),
        ("population = 1000", "", "commune.population", "missing"),
        ("population = 1000", 'population = "many"', "commune.population", "not a whole number"),
        ('id = "testville"', 'id = "Test Ville"', "commune.id", "[a-z0-9_-]+"),
        ("data_date = 2015-01-01", 'data_date = "soon"', "commune.data_date", "not a date"),
        ("term_end = 2020-12-31", "term_end = 2014-12-31", "targets.term_end", "not after"),
        ("admissions_per_year_max = 3", "admissions_per_year_max = 1", "targets.", "below"),
        ("military_callup_month = 2", "military_callup_month = 13", "calendar.", "1 to 12"),
        ("[3, 9]", "[3, 0]", "calendar.awareness_class_months[1]", "1 to 12"),
        ("[calendar]", "[calender]", "calender", "did you mean 'calendar'"),
        ("cell_meeting_day = 5", "cell_meeting_day = 31", "calendar.cell_meeting_day", "1 to 28"),
        ("decision_session_day = 25", "", "calendar.decision_session_day", "missing"),
        ("[1, 2, 3, 4, 5, 6,", "[1, 1, 3, 4, 5, 6,", "calendar.decision_session_months", "repeats"),
        ('"05-19"]', '"05-32"]', "calendar.ceremony_dates[1]", "not a date"),
        ('["02-03", "05-19"]', '"02-03"', "calendar.ceremony_dates", "not a non-empty list"),
        ("plan_driven = true", "plan_driven = 1", "switches.plan_driven", "not a boolean"),
        ("plan_driven = true", "plan_drivn = true", "switches.plan_drivn", "did you mean"),
        ("cell_vote = true\n", "", "switches.cell_vote", "missing"),
        ("[targets]", "[targets", "(syntax)", "not valid TOML"),
    ],
)
def test_commune_toml(commune: CommuneFolder, old: str, new: str, field: str, message: str) -> None:
    commune.replace("commune.toml", old, new)
    problems = [p for p in problems_of(commune.path) if p.file == commune.file("commune.toml")]
    matches = [p for p in problems if p.field.startswith(field) and message in p.message]
    assert matches, "\n".join(map(str, problems))


@pytest.mark.parametrize("data_date", ["2020-12-31", "2021-06-01"])
def test_data_date_on_or_after_the_term_end_is_reported_on_commune_toml(
    commune: CommuneFolder, data_date: str
) -> None:
    """Every run starts at data_date: the commune itself is wrong, not each of its scenarios."""
    commune.replace("commune.toml", "data_date = 2015-01-01", f"data_date = {data_date}")
    [problem] = problems_of(commune.path)
    assert (problem.file, problem.field) == (commune.file("commune.toml"), "commune.data_date")
    assert problem.message.startswith(f"{data_date} is not before targets.term_end 2020-12-31")


# -- reporting ---------------------------------------------------------------------------


def test_all_problems_are_reported_at_once(commune: CommuneFolder) -> None:
    commune.set("villages.csv", 0, "poor_share", "abc")
    commune.set("cells.csv", 2, "staff", "-3")
    commune.set("education.csv", 0, "level", "primay")
    (commune.path / "observed.csv").unlink()
    problems = problems_of(commune.path)
    files = {p.file for p in problems}
    assert {commune.file(n) for n in ("villages.csv", "cells.csv", "education.csv")} <= files
    assert commune.file("observed.csv") in files
    for problem in problems:
        assert "\n" not in str(problem)
        assert str(problem).startswith(f"{problem.file}: {problem.field}: ")


def test_input_error_prints_one_line_per_problem(commune: CommuneFolder) -> None:
    commune.set("villages.csv", 0, "poor_share", "abc")
    commune.set("villages.csv", 1, "poor_share", "xyz")
    with pytest.raises(InputError) as info:
        load_commune(commune.path)
    lines = str(info.value).splitlines()
    assert len(lines) == len(info.value.problems) == 2
    assert lines[0] == f"{commune.file('villages.csv')}: row 2:poor_share: " + (
        "'abc' is not a number (expected a number in [0, 1])"
    )


# -- the baseline data ---------------------------------------------------------------


@pytest.mark.skipif(
    not (NAHY / "commune.toml").exists(), reason="data/nahy/commune.toml not written yet"
)
def test_baseline_nahy_data_loads() -> None:
    commune = load_commune(NAHY)
    assert commune.id == "nahy"
    assert len(commune.villages) == 10
    assert len(commune.cells) == 9
    assert set(commune.parameters) == set(REQUIRED_PARAMETERS)
