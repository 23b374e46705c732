"""Property tests: no corruption of a commune folder or a scenario gives a traceback.

Hypothesis corrupts a copy of data/nahy (never the repository's own): a bad
value in any typed column of any table, a missing or an unknown column, a
duplicated row, an invalid UTF-8 byte, a file cut at any byte, an empty
file, and wrong types or values in every field of a scenario. Each time
``sim validate <commune> <scenario>`` (in-process, and twice in a real
subprocess) must exit 2 with one well-formed line per problem
(``FILE: FIELD: message``) naming the corrupted file and field, and
``sim run`` must leave nothing in its ``--out`` folder.

Below the properties, one plain regression test per bug they found.
"""

from __future__ import annotations

import copy
import csv
import json
import math
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.cli.main import main
from sim.inputs.commune import COLUMNS, FILES, OPTIONAL_COLUMNS, load_commune
from sim.inputs.errors import InputError, Problem, one_line
from sim.inputs.languages import LANGUAGES
from sim.inputs.lever_vocabulary import HOWS, LEVERS, PROCESSES
from sim.inputs.limits import READ_BEFORE_COMMUNE, default_limits
from sim.inputs.measures import MEASURES_FILE, TARGETS
from sim.inputs.parameters import REQUIRED_PARAMETERS
from sim.inputs.scenario import load_scenario
from sim.inputs.switches import SWITCHES
from tests.conftest import NAHY, REPO, CommuneFolder, read_csv

SCENARIO = "scenarios/resolution-2015.toml"
#: Every file a validation reads, relative to the commune folder.
EVERY_FILE = (*FILES, SCENARIO)
#: ``FILE: FIELD: message``; the field is the shortest run up to ": ".
LINE = re.compile(r"(?P<file>[^:]+): (?P<field>.+?): (?P<message>.+)")
#: Bytes that are never part of valid UTF-8, wherever they are put.
NEVER_UTF8 = (0xC0, 0xC1, *range(0xF5, 0x100))
#: The number of data rows of each table of data/nahy.
ROWS = {name: len(read_csv(NAHY / name)) - 1 for name in COLUMNS}

#: capsys and tmp_path serve every example: each example reads capsys out and works in a
#: fresh temporary folder, so the function-scoped fixtures are safe to share.
PROPERTY = settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


# -- running validate ------------------------------------------------------------------------


@contextmanager
def nahy_copy(base: Path) -> Iterator[Path]:
    """A fresh copy of data/nahy (without its calibration) for one example."""
    with tempfile.TemporaryDirectory(dir=base) as root:
        folder = Path(root) / "nahy"
        shutil.copytree(NAHY, folder, ignore=shutil.ignore_patterns("calibration"))
        yield folder


def run_main(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[str]]:
    """``sim.cli.main.main(args)`` in-process: its exit status and its stderr lines."""
    capsys.readouterr()
    try:
        code = main(list(args))
    except SystemExit as exit_:  # the command line's contract allows either
        code = exit_.code
    err = capsys.readouterr().err
    assert "Traceback" not in err, err
    return code, err.splitlines()


def validate(capsys: pytest.CaptureFixture[str], folder: Path) -> tuple[int, list[str]]:
    return run_main(capsys, "validate", str(folder), str(folder / SCENARIO))


def well_formed(lines: list[str], folder: Path) -> None:
    """Every line is one problem, ``FILE: FIELD: message``, about a file of the folder."""
    assert lines, "exit 2 with nothing on stderr"
    assert len(set(lines)) == len(lines), "a problem printed twice"
    for line in lines:
        match = LINE.fullmatch(line)
        assert match, f"not FILE: FIELD: message: {line!r}"
        assert Path(match["file"]).is_relative_to(folder), line


def expect_problem(code: int, lines: list[str], folder: Path, prefix: str) -> None:
    """Exit 2, well-formed lines, and one of them starting with ``prefix``."""
    assert code == 2, lines
    well_formed(lines, folder)
    assert any(line.startswith(one_line(prefix)) for line in lines), (prefix, lines)


# -- corrupting tables ----------------------------------------------------------------------


def rewrite(path: Path, edit: Callable[[list[list[str]]], None]) -> None:
    """Edit a table's rows (header first) in place.

    Rows end in CRLF: the csv module quotes a cell holding a line break only
    if that break is part of its line terminator.
    """
    rows = read_csv(path)
    edit(rows)
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\r\n").writerows(rows)


NO_SURROGATES = st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00")
TEXT = st.text(NO_SURROGATES, max_size=12)
NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
NOT_NUMBERS = st.one_of(
    st.sampled_from(["", "  ", "abc", "nan", "inf", "-inf", "1_000", "1,5", "0x10", "1e999"]),
    TEXT.filter(lambda s: not NUMBER.fullmatch(s.strip())),
)
NEGATIVE = st.floats(max_value=-1e-9, allow_nan=False, allow_infinity=False).map(repr)
FRACTIONS = st.floats(-1e6, 1e6).filter(lambda x: not float(x).is_integer()).map(repr)
ABOVE_ONE = st.floats(min_value=1.000001, max_value=1e9).map(repr)
NOT_DATES = st.one_of(
    st.sampled_from(["", "2017-13-01", "2017-02-30", "17/04/2017", "2017-1-1", "soon"]),
    TEXT.filter(lambda s: not re.fullmatch(r"\d{4}-\d{2}-\d{2}", s.strip())),
)
NOT_IDENTIFIERS = st.one_of(
    st.sampled_from(["", "1abc", "a b", "a-b", "é"]),
    TEXT.filter(lambda s: not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", s.strip())),
)
BLANK = st.sampled_from(["", " ", "\t"])


def bad_values(name: str, column: str) -> st.SearchStrategy[str] | None:
    """Cells no row of ``name`` may have in ``column``; ``None`` if any text is allowed."""
    kind = COLUMNS[name][column]
    if isinstance(kind, tuple):
        return TEXT.filter(lambda s: s.strip() not in kind)
    if name == "parameters.csv" and column in ("value", "low", "high"):
        return st.one_of(NEGATIVE, NOT_NUMBERS.filter(str.strip))  # every kind is >= 0
    if name == "observed.csv" and column == "uncertainty":
        return st.one_of(NEGATIVE, NOT_NUMBERS.filter(str.strip))
    return {
        "count": st.one_of(NEGATIVE, FRACTIONS, NOT_NUMBERS),
        "age": st.one_of(NEGATIVE, FRACTIONS, NOT_NUMBERS),
        "probability": st.one_of(NEGATIVE, ABOVE_ONE, NOT_NUMBERS),
        "rate": st.one_of(NEGATIVE, NOT_NUMBERS),
        "years": st.one_of(NEGATIVE, NOT_NUMBERS),
        "number": NOT_NUMBERS,
        "date": NOT_DATES,
        "identifier": NOT_IDENTIFIERS,
        "ids": st.sampled_from(["V99", "V01;V99", "X;Y"]),  # an unknown village
        "id": BLANK,
        "text": BLANK,
    }.get(kind)


CHECKED = [(n, c) for n in COLUMNS for c in COLUMNS[n] if bad_values(n, c) is not None]


@st.composite
def bad_cells(draw: st.DrawFn) -> tuple[str, int, str, str]:
    name, column = draw(st.sampled_from(CHECKED))
    row = draw(st.integers(0, ROWS[name] - 1))
    return name, row, column, draw(bad_values(name, column))


@given(bad=bad_cells())
@settings(PROPERTY, max_examples=300)
def test_a_bad_cell_is_reported_on_its_row_and_column(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], bad: tuple[str, int, str, str]
) -> None:
    """Wrong types and out-of-range values, in every typed column of every table."""
    name, row, column, value = bad
    with nahy_copy(tmp_path) as folder:

        def put(rows: list[list[str]]) -> None:
            rows[row + 1][rows[0].index(column)] = value

        rewrite(folder / name, put)
        code, lines = validate(capsys, folder)
        expect_problem(code, lines, folder, f"{folder / name}: row {row + 2}:{column}: ")


REQUIRED = [(n, c) for n in COLUMNS for c in COLUMNS[n] if c not in OPTIONAL_COLUMNS.get(n, ())]


@given(missing=st.sampled_from(REQUIRED))
@settings(PROPERTY, max_examples=60)
def test_a_missing_column_is_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], missing: tuple[str, str]
) -> None:
    name, column = missing
    with nahy_copy(tmp_path) as folder:

        def drop(rows: list[list[str]]) -> None:
            index = rows[0].index(column)
            for cells in rows:
                del cells[index]

        rewrite(folder / name, drop)
        code, lines = validate(capsys, folder)
        expect_problem(code, lines, folder, f"{folder / name}: {column}: missing column")


@st.composite
def unknown_columns(draw: st.DrawFn) -> tuple[str, str, int, bool]:
    """A table, a new header cell, where it goes, and whether it is a typo of a known column."""
    name = draw(st.sampled_from(list(COLUMNS)))
    known = COLUMNS[name]
    typo = draw(st.booleans())
    if typo:
        column = draw(st.sampled_from([c for c in known if len(c) >= 4]))
        cut = draw(st.integers(0, len(column) - 1))
        header = column[:cut] + column[cut + 1 :]
    else:
        header = draw(st.text(NO_SURROGATES, min_size=1, max_size=16))
    stripped = header.strip()
    if stripped in known:  # a known name (or an optional one) is not unknown
        header = f"{header}_x"
    return name, header, draw(st.integers(0, len(known))), typo


@given(extra=unknown_columns(), cell=TEXT)
@settings(PROPERTY, max_examples=200)
def test_an_unknown_column_is_named_with_the_closest_known_name(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    extra: tuple[str, str, int, bool],
    cell: str,
) -> None:
    """An extra column is usually a typo of a known one: it is refused, and named."""
    name, header, position, typo = extra
    with nahy_copy(tmp_path) as folder:

        def insert(rows: list[list[str]]) -> None:
            for index, cells in enumerate(rows):
                cells.insert(min(position, len(cells)), header if index == 0 else cell)

        rewrite(folder / name, insert)
        code, lines = validate(capsys, folder)
        field = header.strip() or "(header)"
        expect_problem(code, lines, folder, f"{folder / name}: {field}: unknown column")
        if typo:
            line = next(x for x in lines if x.startswith(one_line(f"{folder / name}: {field}: ")))
            assert "(did you mean '" in line, line


@given(name=st.sampled_from(list(COLUMNS)), data=st.data())
@settings(PROPERTY, max_examples=100)
def test_a_duplicated_row_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, data: st.DataObject
) -> None:
    """Repeated ids, parameters, levels, age bands and observations are all refused."""
    row = data.draw(st.integers(0, ROWS[name] - 1))
    where = data.draw(st.integers(1, ROWS[name] + 1))
    with nahy_copy(tmp_path) as folder:
        rewrite(folder / name, lambda rows: rows.insert(where, list(rows[row + 1])))
        code, lines = validate(capsys, folder)
        expect_problem(code, lines, folder, f"{folder / name}: ")


@given(name=st.sampled_from(EVERY_FILE), data=st.data())
@settings(PROPERTY, max_examples=150)
def test_an_invalid_utf8_byte_is_located(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, data: st.DataObject
) -> None:
    with nahy_copy(tmp_path) as folder:
        path = folder / name
        raw = path.read_bytes()
        at = data.draw(st.integers(0, len(raw)))
        byte = data.draw(st.sampled_from(NEVER_UTF8))
        path.write_bytes(raw[:at] + bytes([byte]) + raw[at:])
        code, lines = validate(capsys, folder)
        expect_problem(code, lines, folder, f"{path}: (encoding): not UTF-8: byte 0x")
        line = next(x for x in lines if x.startswith(f"{path}: (encoding)"))
        offset = int(re.search(r"at byte offset (\d+)", line).group(1))
        assert at - 3 <= offset <= at, line  # inside the character the byte broke


@given(name=st.sampled_from(EVERY_FILE), data=st.data())
@settings(PROPERTY, max_examples=200)
def test_a_truncated_file_never_gives_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, data: st.DataObject
) -> None:
    """A file cut at any byte: still valid (a cut inside the last note), or one line per
    problem. A cut before the last row of a table whose rows are all needed is an error."""
    with nahy_copy(tmp_path) as folder:
        path = folder / name
        raw = path.read_bytes()
        cut = data.draw(st.integers(0, len(raw) - 1))
        path.write_bytes(raw[:cut])
        code, lines = validate(capsys, folder)
        assert code in (0, 2)
        if code == 2:
            well_formed(lines, folder)
        else:
            assert lines == []
        last_row = raw.rstrip(b"\n").rfind(b"\n")
        if name in COLUMNS and name != "observed.csv" and cut <= last_row:
            assert code == 2, f"{name} lost its last row and still validates"


@given(
    name=st.sampled_from(EVERY_FILE),
    content=st.sampled_from([b"", b"\n", b" \r\n\t\n", b"\xef\xbb\xbf"]),
)
@settings(PROPERTY, max_examples=40)
def test_an_empty_file_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, content: bytes
) -> None:
    with nahy_copy(tmp_path) as folder:
        (folder / name).write_bytes(content)
        code, lines = validate(capsys, folder)
        expect_problem(code, lines, folder, f"{folder / name}: ")


# -- corrupting a scenario ------------------------------------------------------------------


def toml_value(value: Any) -> str:
    """One TOML value on one line (strings escaped, tables inline)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return "nan" if math.isnan(value) else repr(value)  # repr gives inf and -inf
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{toml_value(k)} = {toml_value(v)}" for k, v in value.items()) + "}"
    raise TypeError(value)


def write_toml(path: Path, data: dict[str, Any]) -> None:
    lines = (f"{toml_value(key)} = {toml_value(value)}\n" for key, value in data.items())
    path.write_text("".join(lines), encoding="utf-8")


SCENARIO_DATA = tomllib.loads((NAHY / SCENARIO).read_text(encoding="utf-8"))
SCENARIO_KEYS = (
    *("name", "description", "commune", "start", "horizon", "seed"),
    *("switches", "parameters", "interventions", "priors"),
)
INTERVENTION_KEYS = ("measure", "start", "intensity", "villages", "effort_per_unit")
DISTRIBUTIONS = ("uniform", "loguniform", "triangular", "normal")
START, END = SCENARIO_DATA["start"], SCENARIO_DATA["horizon"]
VILLAGE_IDS = [f"V{i:02d}" for i in range(1, 11)]

DATES = st.dates(date(1900, 1, 1), date(2100, 12, 31))
TIMES = st.times().filter(lambda t: t != time(0, 0))
DATETIMES = st.builds(datetime.combine, DATES, TIMES)  # not a date: it has a time
SCALARS = st.one_of(
    st.integers(-(2**63), 2**63 - 1), st.floats(), st.booleans(), TEXT, DATES, TIMES, DATETIMES
)
ANY = st.recursive(
    SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=2)
)
NOT_TEXT = ANY.filter(lambda v: not isinstance(v, str))
NOT_A_NUMBER = ANY.filter(
    lambda v: isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v)
)
NOT_A_DATE = st.one_of(
    ANY.filter(lambda v: not isinstance(v, date | str)),
    TEXT.filter(lambda s: not re.fullmatch(r"\d{4}-\d{2}-\d{2}", s.strip())),
    DATETIMES,
)
BELOW_ZERO = st.integers(max_value=-1) | st.floats(max_value=-1e-9, allow_infinity=False)
BAD_VILLAGES = st.one_of(
    SCALARS,
    st.just([]),
    st.lists(st.sampled_from(VILLAGE_IDS), min_size=2).filter(lambda v: len(set(v)) < len(v)),
    st.lists(TEXT.filter(lambda s: s not in VILLAGE_IDS), min_size=1, max_size=3),
    st.lists(NOT_TEXT, min_size=1, max_size=3),
)
#: A prior table that is certainly wrong: its ``dist`` is missing, not a known name, or
#: not text at all (a list once raised TypeError: see the regression test below).
BAD_PRIOR = SCALARS | st.dictionaries(
    st.sampled_from(["dist", "low", "high", "mode", "mean", "sd", "x"]),
    SCALARS | st.lists(SCALARS, max_size=2),
    max_size=4,
).filter(lambda spec: not (isinstance(spec.get("dist"), str) and spec["dist"] in DISTRIBUTIONS))


def unknown(known: Any) -> st.SearchStrategy[str]:
    return TEXT.filter(lambda s: s not in known)


@st.composite
def scenario_corruptions(draw: st.DrawFn) -> tuple[tuple[Any, ...], str, Any]:
    """Where in the scenario (a path of keys), the field a problem must name, the bad value."""
    i = draw(st.integers(0, len(SCENARIO_DATA["interventions"]) - 1))
    item = ("interventions", i)
    parameter = draw(st.sampled_from(list(REQUIRED_PARAMETERS)))
    bad_parameter = NOT_A_NUMBER | BELOW_ZERO
    if REQUIRED_PARAMETERS[parameter][0] == "probability":
        bad_parameter |= ABOVE_ONE.map(float)
    switch = draw(st.sampled_from(list(SWITCHES)))
    choices: dict[tuple[Any, ...], st.SearchStrategy[Any]] = {
        ("name",): NOT_TEXT | BLANK,
        ("description",): NOT_TEXT,
        ("commune",): NOT_TEXT | st.sampled_from(["", "nowhere", "../nowhere"]),
        ("start",): NOT_A_DATE | DATES.filter(lambda d: d != START),
        ("horizon",): NOT_A_DATE | st.dates(max_value=START),
        ("seed",): BELOW_ZERO | NOT_A_NUMBER | st.floats(),
        (draw(unknown(SCENARIO_KEYS)),): ANY,
        ("parameters",): SCALARS,
        ("parameters", draw(unknown(REQUIRED_PARAMETERS))): ANY,
        ("parameters", parameter): bad_parameter,
        ("switches",): SCALARS,
        ("switches", draw(unknown(SWITCHES))): ANY,
        ("switches", switch): ANY.filter(lambda v: not isinstance(v, bool)),
        ("interventions",): SCALARS,
        item: SCALARS,
        (*item, "measure"): NOT_TEXT | unknown(MEASURE_DATA),
        (*item, "start"): NOT_A_DATE | DATES.filter(lambda d: not START <= d <= END),
        (*item, "intensity"): NOT_A_NUMBER | BELOW_ZERO,
        (*item, "effort_per_unit"): NOT_A_NUMBER | BELOW_ZERO,
        (*item, "villages"): BAD_VILLAGES,
        (*item, draw(unknown(INTERVENTION_KEYS))): ANY,
        ("priors",): SCALARS,
        ("priors", draw(unknown(REQUIRED_PARAMETERS))): ANY,
        ("priors", draw(st.sampled_from(list(REQUIRED_PARAMETERS)))): BAD_PRIOR,
    }
    keys = draw(st.sampled_from(list(choices)))
    field = keys[0] + "".join(f"[{k}]" if isinstance(k, int) else f".{k}" for k in keys[1:])
    return keys, field, draw(choices[keys])


def corrupted(keys: tuple[Any, ...], value: Any) -> dict[str, Any]:
    """The scenario's data with ``value`` at ``keys`` (tables created on the way)."""
    data = copy.deepcopy(SCENARIO_DATA)
    target: Any = data
    for key in keys[:-1]:
        target = target.setdefault(key, {}) if isinstance(target, dict) else target[key]
    target[keys[-1]] = value
    return data


def names_field(lines: list[str], path: Path, field: str) -> bool:
    """Some line is about ``field`` of ``path`` (or a part of it: ``field.x``, ``field[0]``)."""
    prefix = one_line(f"{path}: {field}")
    return any(line.startswith(prefix) and line[len(prefix)] in ":.[" for line in lines)


@given(corruption=scenario_corruptions())
@settings(PROPERTY, max_examples=400)
def test_a_bad_scenario_field_is_named(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    corruption: tuple[tuple[Any, ...], str, Any],
) -> None:
    """Wrong types, out-of-range values and unknown keys in every field of a scenario."""
    keys, field, value = corruption
    with nahy_copy(tmp_path) as folder:
        path = folder / SCENARIO
        write_toml(path, corrupted(keys, value))
        code, lines = validate(capsys, folder)
        assert code == 2, lines
        well_formed(lines, folder)
        assert names_field(lines, path, field), (field, lines)


# -- corrupting commune.toml ----------------------------------------------------------------

COMMUNE_DATA = tomllib.loads((NAHY / "commune.toml").read_text(encoding="utf-8"))
TERM_START, TERM_END = COMMUNE_DATA["targets"]["term_start"], COMMUNE_DATA["targets"]["term_end"]
NOT_AN_INTEGER = ANY.filter(lambda v: isinstance(v, bool) or not isinstance(v, int))
MONTHS = st.integers(-(2**63), 2**63 - 1)
BAD_MONTH_LISTS = st.one_of(
    SCALARS,
    st.just([]),
    st.lists(st.integers(1, 12), min_size=2).filter(lambda v: len(set(v)) < len(v)),
    st.lists(MONTHS.filter(lambda m: not 1 <= m <= 12), min_size=1, max_size=3),
    st.lists(NOT_AN_INTEGER, min_size=1, max_size=3),
)
BAD_DAYS = st.one_of(
    SCALARS,
    st.just([]),
    st.lists(
        TEXT.filter(lambda s: not re.fullmatch(r"\d\d-\d\d", s))
        | st.sampled_from(["02-30", "13-01"]),
        min_size=1,
        max_size=3,
    ),
)


@st.composite
def commune_toml_corruptions(draw: st.DrawFn) -> tuple[tuple[Any, ...], str, Any]:
    """Where in commune.toml, the field a problem must name, the bad value."""
    text = draw(st.sampled_from(["name", "district", "province", "source"]))
    count = draw(st.sampled_from(["population", "households", "party_members"]))
    target = draw(st.sampled_from(list(COMMUNE_DATA["targets"])[2:5]))
    months = draw(st.sampled_from(["awareness_class_months", "decision_session_months"]))
    day = draw(st.sampled_from(["cell_meeting_day", "decision_session_day"]))
    table = draw(st.sampled_from(["commune", "targets", "calendar", "switches", "limits"]))
    known = [*COMMUNE_DATA.get(table, {}), *(default_limits().values if table == "limits" else ())]
    choices: dict[tuple[Any, ...], st.SearchStrategy[Any]] = {
        (draw(unknown(["commune", "targets", "calendar", "switches", "limits"])),): ANY,
        (table,): SCALARS,
        (table, draw(unknown(known))): ANY,
        ("commune", "id"): NOT_TEXT | TEXT.filter(lambda s: not re.fullmatch(r"[a-z0-9_-]+", s)),
        ("commune", text): NOT_TEXT | BLANK,
        ("commune", "data_date"): NOT_A_DATE | DATES.filter(lambda d: d >= TERM_END),
        ("commune", count): NOT_AN_INTEGER | st.integers(max_value=-1),
        ("targets", "term_start"): NOT_A_DATE,
        ("targets", "term_end"): NOT_A_DATE | DATES.filter(lambda d: d <= TERM_START),
        ("targets", target): NOT_AN_INTEGER | st.integers(max_value=-1),
        ("calendar", months): BAD_MONTH_LISTS,
        ("calendar", "military_callup_month"): NOT_AN_INTEGER
        | MONTHS.filter(lambda m: not 1 <= m <= 12),
        ("calendar", day): NOT_AN_INTEGER | MONTHS.filter(lambda d: not 1 <= d <= 28),
        ("calendar", "ceremony_dates"): BAD_DAYS,
        ("switches", draw(st.sampled_from(list(SWITCHES)))): ANY.filter(
            lambda v: not isinstance(v, bool)
        ),
        (
            "limits",
            draw(st.sampled_from(sorted(set(default_limits().values) - READ_BEFORE_COMMUNE))),
        ): NOT_AN_INTEGER | st.integers(max_value=0),
    }
    keys = draw(st.sampled_from(list(choices)))
    return keys, ".".join(keys), draw(choices[keys])


@given(corruption=commune_toml_corruptions())
@settings(PROPERTY, max_examples=300)
def test_a_bad_commune_toml_field_is_named(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    corruption: tuple[tuple[Any, ...], str, Any],
) -> None:
    keys, field, value = corruption
    with nahy_copy(tmp_path) as folder:
        path = folder / "commune.toml"
        data = copy.deepcopy(COMMUNE_DATA)
        target = data
        for key in keys[:-1]:
            target = target.setdefault(key, {})
        target[keys[-1]] = value
        write_toml(path, data)
        code, lines = validate(capsys, folder)
        assert code == 2, lines
        well_formed(lines, folder)
        assert names_field(lines, path, field), (field, lines)


# -- corrupting measures.toml -------------------------------------------------------------

MEASURE_DATA = tomllib.loads((NAHY / MEASURES_FILE).read_text(encoding="utf-8"))
MEASURE_KEYS = ("description", "label", "source", "targets", "staff", "effects", "redraws")
REQUIRED_MEASURE_KEYS = tuple(k for k in MEASURE_KEYS if k != "staff")
EFFECT_KEYS = ("lever", "parameter", "how")
#: Put at a key, it deletes the key: a required key left out.
DROP = object()


@st.composite
def measure_corruptions(draw: st.DrawFn) -> tuple[tuple[Any, ...], str, Any]:
    """Where in measures.toml (a path of keys), the field a problem must name, the bad value."""
    name = draw(st.sampled_from(list(MEASURE_DATA)))
    measure = MEASURE_DATA[name]
    effect = (name, "effects", draw(st.integers(0, len(measure["effects"]) - 1)))
    choices: dict[tuple[Any, ...], st.SearchStrategy[Any]] = {
        (draw(unknown(MEASURE_DATA)),): SCALARS,  # a new measure that is not a table
        (name,): SCALARS,
        (name, draw(unknown(MEASURE_KEYS))): ANY,
        (name, draw(st.sampled_from(REQUIRED_MEASURE_KEYS))): st.just(DROP),
        (name, draw(st.sampled_from(["description", "source"]))): NOT_TEXT | BLANK,
        (name, "label"): SCALARS,
        (name, "label", draw(st.sampled_from(LANGUAGES))): NOT_TEXT | BLANK | st.just(DROP),
        (name, "label", draw(unknown(LANGUAGES))): ANY,
        (name, "targets"): NOT_TEXT | unknown(TARGETS),
        (name, "staff"): ANY.filter(lambda v: not isinstance(v, bool)),
        (name, "effects"): SCALARS | st.just([]),
        effect: SCALARS,
        (*effect, draw(st.sampled_from(EFFECT_KEYS))): st.just(DROP),
        (*effect, draw(unknown(EFFECT_KEYS))): ANY,
        (*effect, "lever"): NOT_TEXT | unknown(LEVERS),
        (*effect, "parameter"): NOT_TEXT | unknown(REQUIRED_PARAMETERS),
        (*effect, "how"): NOT_TEXT | unknown(HOWS),
        (name, "redraws"): SCALARS | st.lists(unknown(PROCESSES), min_size=1, max_size=3),
    }
    keys = draw(st.sampled_from(list(choices)))
    field = keys[0] + "".join(f"[{k}]" if isinstance(k, int) else f".{k}" for k in keys[1:])
    return keys, field, draw(choices[keys])


@given(corruption=measure_corruptions())
@settings(PROPERTY, max_examples=300)
def test_a_bad_measures_toml_field_is_named(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    corruption: tuple[tuple[Any, ...], str, Any],
) -> None:
    """Wrong types, unknown names and missing keys in every field of every measure."""
    keys, field, value = corruption
    with nahy_copy(tmp_path) as folder:
        path = folder / MEASURES_FILE
        data = copy.deepcopy(MEASURE_DATA)
        target: Any = data
        for key in keys[:-1]:
            target = target[key]
        if value is DROP:
            del target[keys[-1]]
        else:
            target[keys[-1]] = value
        write_toml(path, data)
        code, lines = validate(capsys, folder)
        assert code == 2, lines
        well_formed(lines, folder)
        shown = field if keys[0].strip() else "(name)" + field[len(keys[0]) :]
        assert names_field(lines, path, shown), (field, lines)


# -- sim run writes nothing from bad input ---------------------------------------------------


@st.composite
def breakages(draw: st.DrawFn) -> Callable[[Path], None]:
    """A corruption that no folder survives: a bad cell, or an invalid byte in any file."""
    if draw(st.booleans()):
        name, row, column, value = draw(bad_cells())

        def put(folder: Path) -> None:
            def edit(rows: list[list[str]]) -> None:
                rows[row + 1][rows[0].index(column)] = value

            rewrite(folder / name, edit)

        return put
    name = draw(st.sampled_from(EVERY_FILE))
    at = draw(st.integers(0, 10_000))
    byte = draw(st.sampled_from(NEVER_UTF8))

    def spoil(folder: Path) -> None:
        raw = (folder / name).read_bytes()
        (folder / name).write_bytes(raw[:at] + bytes([byte]) + raw[at:])

    return spoil


def run_leaves_nothing(code: int, lines: list[str], folder: Path, out: Path) -> None:
    assert code == 2, lines
    well_formed(lines, folder)
    assert not out.exists() or not any(out.iterdir()), sorted(out.rglob("*"))


@given(breakage=breakages())
@settings(PROPERTY, max_examples=50)
def test_sim_run_on_bad_input_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], breakage: Callable[[Path], None]
) -> None:
    with nahy_copy(tmp_path) as folder:
        breakage(folder)
        out = folder.parent / "results"
        code, lines = run_main(
            capsys,
            "run",
            str(folder / SCENARIO),
            "--out",
            str(out),
            "--reps",
            "2",
            "--workers",
            "1",
            "--quiet",
            "--no-posterior",
        )
        run_leaves_nothing(code, lines, folder, out)


# -- end to end, in a real process ------------------------------------------------------------


def python_m_sim(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sim", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=REPO,
        timeout=120,
        check=False,
    )


def test_python_m_sim_validate_exits_2_without_a_traceback(tmp_path: Path) -> None:
    with nahy_copy(tmp_path) as folder:
        rewrite(folder / "villages.csv", lambda rows: rows[3].__setitem__(4, "0,7"))
        path = folder / SCENARIO
        path.write_bytes(path.read_bytes().replace(b"intensity = 1.0", b'intensity = "x"', 1))
        done = python_m_sim("validate", str(folder), str(path))
        assert done.returncode == 2, done.stderr
        assert "Traceback" not in done.stderr
        lines = done.stderr.splitlines()
        well_formed(lines, folder)
        assert f"{folder / 'villages.csv'}: row 4:poor_share: '0,7' is not a number" in (
            done.stderr
        )
        assert names_field(lines, path, "interventions[0].intensity")


def test_python_m_sim_run_on_a_broken_table_writes_nothing(tmp_path: Path) -> None:
    with nahy_copy(tmp_path) as folder:
        path = folder / "cells.csv"
        path.write_bytes(path.read_bytes()[:500] + b"\xff" + path.read_bytes()[500:])
        out = folder.parent / "results"
        done = python_m_sim("run", str(folder / SCENARIO), "--out", str(out), "--reps", "2")
        assert "Traceback" not in done.stderr
        run_leaves_nothing(done.returncode, done.stderr.splitlines(), folder, out)
        assert f"{path}: (encoding): not UTF-8: byte 0xff at byte offset 500" in done.stderr


# -- regression tests: one per bug the properties found ------------------------------------


def test_a_repeated_observation_is_refused(commune: CommuneFolder) -> None:
    """Found by test_a_duplicated_row_is_an_error: observed.csv took the same figure twice
    (calibration keys figures by metric and dates, so it would be compared twice)."""
    rewrite(commune.path / "observed.csv", lambda rows: rows.append(list(rows[2])))
    with pytest.raises(InputError) as info:
        load_commune(commune.path)
    assert [str(p) for p in info.value.problems] == [
        f"{commune.file('observed.csv')}: row 4:metric: duplicate observation of 'admissions' "
        "for 2017-01-01 to 2017-03-31 (first on row 3; one figure per metric and period)"
    ]


def test_the_same_metric_for_another_period_is_fine(commune: CommuneFolder) -> None:
    def another_quarter(rows: list[list[str]]) -> None:
        rows.append([*rows[2][:1], "2017-04-01", "2017-06-30", *rows[2][3:]])

    rewrite(commune.path / "observed.csv", another_quarter)
    assert len(load_commune(commune.path).observed) == 3


def test_an_empty_sources_md_is_refused(commune: CommuneFolder) -> None:
    """Found by test_an_empty_file_is_an_error: an empty SOURCES.md passed, though every
    value's source key must be listed there."""
    (commune.path / "SOURCES.md").write_text("\n  \n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_commune(commune.path)
    assert [str(p) for p in info.value.problems] == [
        f"{commune.file('SOURCES.md')}: (file): empty (expected the sources of the data, by key)"
    ]


def test_a_line_break_in_a_column_name_stays_on_one_line(
    commune: CommuneFolder, capsys: pytest.CaptureFixture[str]
) -> None:
    """Found by test_an_unknown_column_is_named_with_the_closest_known_name (and the
    scenario property, with a TOML key "\\r"): a quoted header cell or key holding a line
    break split its problem over two lines."""
    rewrite(commune.path / "villages.csv", lambda rows: rows[0].__setitem__(1, "na\r\nme"))
    code, lines = run_main(capsys, "validate", str(commune.path))
    assert code == 2
    prefix = f"{commune.file('villages.csv')}: na\\r\\nme: unknown column (did you mean 'name'?)"
    assert any(line.startswith(prefix) for line in lines), lines
    well_formed(lines, commune.path)
    assert str(Problem("f", "a\nb", "c\u2028d")) == "f: a\\nb: c\\u2028d"


def test_a_line_break_in_a_scenario_key_stays_on_one_line(scenario_file: Path) -> None:
    scenario_file.write_text(
        scenario_file.read_text(encoding="utf-8").replace("seed = 7", '"se\\ned" = 7'),
        encoding="utf-8",
    )
    with pytest.raises(InputError) as info:
        load_scenario(scenario_file)
    [line] = str(info.value).splitlines()
    assert line.startswith(f"{scenario_file}: se\\ned: unknown key")


def test_an_unhashable_prior_distribution_is_a_problem(scenario_file: Path) -> None:
    """Found while writing the scenario property: dist = ["uniform"] raises TypeError."""
    with scenario_file.open("a", encoding="utf-8") as handle:
        handle.write(
            '\n[priors]\nleave_hazard_young = { dist = ["uniform"], low = 0.02, high = 0.1 }\n'
        )
    with pytest.raises(InputError) as info:
        load_scenario(scenario_file)
    assert info.value.problems[0].field == "priors.leave_hazard_young.dist"


def test_a_long_list_of_known_ids_is_cut_short(commune: CommuneFolder) -> None:
    """Found with the 150,000-row villages.csv: each unknown village listed every id of
    villages.csv, a line of megabytes."""
    rows = read_csv(commune.path / "villages.csv")
    extra = [[f"X{i}", *rows[3][1:]] for i in range(30)]
    rewrite(commune.path / "villages.csv", lambda table: table.extend(extra))
    commune.set("cells.csv", 0, "villages", "V01;V99")
    with pytest.raises(InputError) as info:
        load_commune(commune.path)
    [problem] = [p for p in info.value.problems if p.field == "row 2:villages"]
    assert problem.message.endswith(", X22, X23, ... (13 more)"), problem.message
