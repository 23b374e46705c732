"""Input limits (sim/inputs/limits.toml): data, overridable per commune, checked before the work.

A wrong file (a 150,000-row export where villages.csv should be) must be
refused in well under a second with one line naming the file, the limit and
where to raise it, not parsed row by row for minutes.
"""

from __future__ import annotations

import csv
import time
import tomllib
from pathlib import Path

import pytest

import sim.cli.main
from sim.inputs.commune import COLUMNS, load_commune
from sim.inputs.errors import InputError, Problem
from sim.inputs.limits import READ_BEFORE_COMMUNE, default_limits
from sim.inputs.scenario import load_scenario, scenario_from_dict
from tests.conftest import REPO, CommuneFolder

LIMITS_TOML = REPO / "sim" / "inputs" / "limits.toml"


def problems_of(path: Path) -> list[Problem]:
    with pytest.raises(InputError) as info:
        load_commune(path)
    return info.value.problems


def add_limits(commune: CommuneFolder, text: str) -> None:
    """Append a ``[limits]`` table to the fixture's commune.toml."""
    path = commune.path / "commune.toml"
    path.write_text(path.read_text(encoding="utf-8") + f"\n[limits]\n{text}\n", encoding="utf-8")


def write_villages(commune: CommuneFolder, rows: int, poor_share: str = "0.5") -> None:
    """A villages.csv of ``rows`` short rows (about 60 bytes each: under the size limit)."""
    path = commune.path / "villages.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        header = next(csv.reader(handle))
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        for i in range(rows):
            writer.writerow(
                [f"X{i}", "b", 1, 1, poor_share, 1, 0, 0, 0, "seat", 0, 0, 0, "C-V01", "s"]
            )


# -- the defaults are data -------------------------------------------------------------


def test_the_defaults_are_read_from_the_packaged_toml() -> None:
    shipped = tomllib.loads(LIMITS_TOML.read_text(encoding="utf-8"))["limits"]
    assert dict(default_limits().values) == shipped
    assert all(isinstance(v, int) and not isinstance(v, bool) and v >= 1 for v in shipped.values())
    tables = {f"{name.removesuffix('.csv')}_rows" for name in COLUMNS}
    others = {"file_bytes", "toml_bytes", "measures_bytes", "scenario_interventions"}
    assert tables | others == set(shipped)


def test_every_default_has_a_comment_saying_why() -> None:
    lines = LIMITS_TOML.read_text(encoding="utf-8").split("[limits]", 1)[1].splitlines()
    for index, line in enumerate(lines):
        if "=" in line and not line.startswith("#"):
            assert lines[index - 1].startswith("#"), f"no comment above {line!r}"


def test_the_limits_file_is_package_data() -> None:
    tool = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]
    assert "limits.toml" in tool["setuptools"]["package-data"]["sim.inputs"]


# -- rows ----------------------------------------------------------------------------


def test_150000_villages_are_refused_in_well_under_a_second(commune: CommuneFolder) -> None:
    """Every row is also bad (poor_share "x"): had the rows been parsed, each would be reported."""
    write_villages(commune, 150_000, poor_share="x")
    started = time.perf_counter()
    problems = problems_of(commune.path)
    elapsed = time.perf_counter() - started
    assert elapsed < 1.0, f"{elapsed:.2f} s"
    [problem] = [p for p in problems if p.file == commune.file("villages.csv")]
    assert str(problem) == (
        f"{commune.file('villages.csv')}: (rows): 150000 rows is more than the limit of 5000 "
        "(limits.villages_rows; raise it in commune.toml [limits])"
    )


def test_sim_validate_prints_the_limit_in_one_line_and_exits_2(
    commune: CommuneFolder, capsys: pytest.CaptureFixture[str]
) -> None:
    write_villages(commune, 5_001)
    code = sim.cli.main.main(["validate", str(commune.path)])
    err = capsys.readouterr().err
    assert code == 2
    line = (
        f"{commune.file('villages.csv')}: (rows): 5001 rows is more than the limit of 5000 "
        "(limits.villages_rows; raise it in commune.toml [limits])"
    )
    assert line in err.splitlines()
    assert "Traceback" not in err


@pytest.mark.parametrize("name", list(COLUMNS))
def test_every_table_has_a_row_limit_a_commune_can_set(commune: CommuneFolder, name: str) -> None:
    limit = f"{name.removesuffix('.csv')}_rows"
    add_limits(commune, f"{limit} = 1")
    problem = next(p for p in problems_of(commune.path) if p.file == commune.file(name))
    assert problem.field == "(rows)"
    assert f"is more than the limit of 1 (limits.{limit};" in problem.message


def test_a_raised_limit_lets_a_bigger_table_in(commune: CommuneFolder) -> None:
    add_limits(commune, "villages_rows = 3")
    assert load_commune(commune.path).limits["villages_rows"] == 3
    commune.replace("commune.toml", "villages_rows = 3", "villages_rows = 2")
    assert any(p.field == "(rows)" for p in problems_of(commune.path))


def test_rows_are_records_not_lines(commune: CommuneFolder) -> None:
    """A note spanning lines is one row: the cheap line count only decides whether to count."""
    add_limits(commune, "observed_rows = 2")
    commune.set("observed.csv", 0, "note", "one\ntwo\nthree\nfour")
    assert load_commune(commune.path).observed.shape[0] == 2


def test_rows_ending_in_a_bare_carriage_return_are_counted(commune: CommuneFolder) -> None:
    add_limits(commune, "observed_rows = 1")
    path = commune.path / "observed.csv"
    path.write_bytes(path.read_bytes().replace(b"\r\n", b"\r").replace(b"\n", b"\r"))
    problem = next(p for p in problems_of(commune.path) if p.file == str(path))
    assert problem.message.startswith("2 rows is more than the limit of 1")


# -- bytes ---------------------------------------------------------------------------


def test_a_file_is_measured_before_it_is_read(
    commune: CommuneFolder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A 30 MB (sparse) villages.csv is refused on its size: it is never read."""
    path = commune.path / "villages.csv"
    with path.open("r+b") as handle:
        handle.truncate(30_000_000)
    read_bytes = Path.read_bytes

    def refuse(self: Path) -> bytes:
        assert self != path, "the oversized file was read"
        return read_bytes(self)

    monkeypatch.setattr(Path, "read_bytes", refuse)
    problem = next(p for p in problems_of(commune.path) if p.file == str(path))
    assert str(problem) == (
        f"{path}: (size): 30000000 bytes is more than the limit of 20000000 "
        "(limits.file_bytes; raise it in commune.toml [limits])"
    )


def test_sources_md_has_the_size_limit_too(commune: CommuneFolder) -> None:
    add_limits(commune, "file_bytes = 10")
    files = {p.file for p in problems_of(commune.path) if p.field == "(size)"}
    assert files == {commune.file(n) for n in (*COLUMNS, "SOURCES.md")}


def test_commune_toml_and_scenario_files_have_a_limit_only_the_package_sets(
    commune: CommuneFolder, scenario_file: Path
) -> None:
    padding = "# padding\n" * 110_000  # 1.1 MB
    scenario_file.write_text(scenario_file.read_text(encoding="utf-8") + padding)
    with pytest.raises(InputError) as info:
        load_scenario(scenario_file)
    [problem] = info.value.problems
    assert (problem.file, problem.field) == (str(scenario_file), "(size)")
    assert "(limits.toml_bytes; raise it in sim/inputs/limits.toml" in problem.message
    path = commune.path / "commune.toml"
    path.write_text(path.read_text(encoding="utf-8") + padding, encoding="utf-8")
    [problem] = [p for p in problems_of(commune.path) if p.file == str(path)]
    assert problem.field == "(size)"


# -- the [limits] table of commune.toml ------------------------------------------------


@pytest.mark.parametrize(
    ("line", "field", "fragment"),
    [
        ("village_rows = 10", "limits.village_rows", "did you mean 'villages_rows'"),
        (
            "villages_rows = 0",
            "limits.villages_rows",
            "out of range (allowed: a whole number >= 1)",
        ),
        ("villages_rows = -5", "limits.villages_rows", "out of range"),
        ("villages_rows = 1.5", "limits.villages_rows", "not a whole number"),
        ('villages_rows = "10"', "limits.villages_rows", "not a whole number"),
        ("villages_rows = true", "limits.villages_rows", "not a whole number"),
        ("toml_bytes = 10", "limits.toml_bytes", "change sim/inputs/limits.toml"),
    ],
)
def test_the_limits_table_is_checked(
    commune: CommuneFolder, line: str, field: str, fragment: str
) -> None:
    add_limits(commune, line)
    [problem] = problems_of(commune.path)
    assert (problem.file, problem.field) == (commune.file("commune.toml"), field)
    assert fragment in problem.message


def test_limits_must_be_a_table(commune: CommuneFolder) -> None:
    commune.replace("commune.toml", "[commune]", "limits = 5\n\n[commune]")
    [problem] = problems_of(commune.path)
    assert (problem.field, problem.message) == ("limits", "5 is not a table (expected [limits])")


# -- interventions -----------------------------------------------------------------------


def test_too_many_interventions_are_refused_before_any_is_checked(commune: CommuneFolder) -> None:
    add_limits(commune, "scenario_interventions = 3")
    bad = {"measure": "nothing", "start": "1900-01-01", "intensity": -1}
    with pytest.raises(InputError) as info:
        scenario_from_dict({"name": "x", "commune": str(commune.path), "interventions": [bad] * 4})
    [problem] = info.value.problems
    assert problem.field == "interventions"
    assert problem.message == (
        "4 interventions is more than the limit of 3 "
        "(limits.scenario_interventions; raise it in commune.toml [limits])"
    )


def test_the_default_interventions_limit(commune: CommuneFolder) -> None:
    limit = default_limits()["scenario_interventions"]
    item = {"measure": "propaganda", "start": "2016-01-01"}
    data = {"name": "x", "commune": str(commune.path)}
    assert len(scenario_from_dict({**data, "interventions": [item] * limit}).interventions) == limit
    with pytest.raises(InputError, match="is more than the limit"):
        scenario_from_dict({**data, "interventions": [item] * (limit + 1)})


def test_only_the_package_limits_are_read_before_a_commune() -> None:
    assert set(READ_BEFORE_COMMUNE) <= set(default_limits().values)
