"""Measures are data: measures.toml declares them, loading checks them, runs follow them.

Why these tests: a measure that acts on the model's existing rates must need
no code (a table added to a copy of data/nahy runs, and moves the rates it
says), the shipped six measures and the extra class seats must load as
declared, and each mistake in the file must be one line naming
measures.toml and the field, like every other input problem.
"""

from __future__ import annotations

import shutil
import unicodedata
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

import sim
from sim.cli.main import main
from sim.inputs.commune import load_commune
from sim.inputs.errors import InputError
from sim.inputs.languages import LANGUAGES
from sim.inputs.lever_vocabulary import HOWS, LEVERS, PROCESSES, scaled
from sim.inputs.measures import COMMUNE, MEASURES_FILE
from sim.inputs.parameters import REQUIRED_PARAMETERS
from sim.inputs.provenance import commune_fingerprint
from sim.inputs.scenario import Intervention
from sim.model import CommuneModel
from sim.model.levers import Levers
from tests.conftest import NAHY, CommuneFolder

SHIPPED = (
    "standing_committee_assignment",
    "cell_admission_quota",
    "propaganda",
    "household_economy",
    "targeted_sourcing",
    "mass_org_renewal",
    "extra_class_seats",
)
START = date(2015, 7, 1)
HORIZON = "2016-12-31"


@pytest.fixture
def nahy(tmp_path: Path) -> Path:
    """A copy of data/nahy (without its calibration) to add measures to."""
    folder = tmp_path / "nahy"
    shutil.copytree(NAHY, folder, ignore=shutil.ignore_patterns("calibration"))
    return folder


def add_measure(folder: Path, text: str) -> None:
    path = folder / MEASURES_FILE
    path.write_text(path.read_text(encoding="utf-8") + "\n" + text, encoding="utf-8")


def short_baseline(folder: Path) -> sim.Scenario:
    return sim.load_scenario(folder / "scenarios" / "baseline.toml").with_horizon(HORIZON)


# -- the shipped measures --------------------------------------------------------------------


def test_the_shipped_measures_load_as_declared() -> None:
    commune = load_commune(NAHY)
    assert tuple(commune.measures) == SHIPPED
    for measure in commune.measures.values():
        assert set(measure.label) == set(LANGUAGES), measure.name
        for text in measure.label.values():
            assert text.strip() and unicodedata.is_normalized("NFC", text), measure.name
        assert measure.source.strip() and measure.description.strip()
        assert all(p in commune.parameters for p in measure.parameters), measure.name
    assert commune.measures["extra_class_seats"].targets == COMMUNE
    assert {m.name for m in commune.measures.values() if m.staff} == {
        "cell_admission_quota",
        "propaganda",
    }
    assert commune.measures["propaganda"].redraws == ("organisations", "dropout")


def test_the_lever_vocabulary_names_real_attributes() -> None:
    """Every lever's attribute (and staff value) is one the processes read, of the right shape."""
    model = CommuneModel(short_baseline(NAHY), seed=1)
    n = len(model.commune.villages)
    for name, lever in LEVERS.items():
        value = getattr(model.levers, lever.attribute)
        assert (len(value) == n) if lever.per_village else isinstance(value, float), name
        if lever.staff_attribute is not None:
            assert isinstance(getattr(model.levers, lever.staff_attribute), float), name
        assert lever.redraw in (*PROCESSES, None), name
        assert any(how.combine == lever.combine for how in HOWS.values()), name
        assert any(kind == lever.kind for kind, _ in REQUIRED_PARAMETERS.values()), name
    assert isinstance(model.levers, Levers)


# -- a measure added in data only ------------------------------------------------------------

ECONOMY_COPY = """\
[household_economy_copy]
description = "the household economy measure again, under another name"
label = { vi = "Kinh tế hộ (bản sao)", en = "Household economy (copy)" }
source = "assumption: a test of measures declared in data"
targets = "villages"
effects = [
    { lever = "poverty_exit_multiplier", parameter = "economy_exit_multiplier", how = "scale" },
]
redraws = ["poverty"]
"""

SPOTTING_CAMPAIGN = """\
[spotting_campaign]
description = "every cell spots more, school and agency cells too"
label = { vi = "Chiến dịch phát hiện nguồn", en = "Spotting campaign" }
source = "assumption: a test of measures declared in data"
targets = "villages"
staff = true
effects = [
    { lever = "spotting_multiplier", parameter = "targeting_spotting_multiplier", how = "scale" },
]
redraws = ["spotting"]
"""


def without_measure_names(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The run's tables, the levers table without the measure's name."""
    return {**tables, "levers": tables["levers"].drop(columns="measure")}


@pytest.mark.parametrize("villages", [None, ("V08", "V09")])
def test_a_copy_of_a_measure_declared_in_data_runs_as_the_original(
    nahy: Path, villages: tuple[str, ...] | None
) -> None:
    add_measure(nahy, ECONOMY_COPY)
    base = short_baseline(nahy)
    original = base.with_interventions(Intervention("household_economy", START, 1.5, villages))
    copy = base.with_interventions(Intervention("household_economy_copy", START, 1.5, villages))
    for seed in (1, 2):
        expected = without_measure_names(sim.run(original, seed).tables())
        got = without_measure_names(sim.run(copy, seed).tables())
        assert expected.keys() == got.keys()
        for name in expected:
            pd.testing.assert_frame_equal(got[name], expected[name], obj=name)
    assert sim.run(copy, 1).tables()["levers"]["measure"].tolist() == ["household_economy_copy"]


def spotted(scenario: sim.Scenario, seeds: range) -> int:
    steps = [sim.run(scenario, seed).tables()["pipeline_steps"] for seed in seeds]
    return sum(int((table["step"] == "spotted").sum()) for table in steps)


def test_a_new_measure_on_an_existing_rate_moves_it_the_way_it_says(nahy: Path) -> None:
    """``spotting_multiplier`` is used by no shipped measure: a table alone puts it in force."""
    add_measure(nahy, SPOTTING_CAMPAIGN)
    base = short_baseline(nahy)
    x, m = 2.0, base.parameters["targeting_spotting_multiplier"]
    whole = base.with_interventions(Intervention("spotting_campaign", START, x))
    model = CommuneModel(whole, seed=1)
    model.env.run(until=7.0)  # after the start, 2015-07-01
    assert model.levers.spot_mult == pytest.approx([scaled(m, x)] * 10)
    assert model.levers.staff_spot_mult == pytest.approx(scaled(m, x))  # staff = true
    some = base.with_interventions(Intervention("spotting_campaign", START, x, ("V01",)))
    model = CommuneModel(some, seed=1)
    model.env.run(until=7.0)
    assert model.levers.spot_mult[0] == pytest.approx(scaled(m, x))
    assert model.levers.spot_mult[1:] == [1.0] * 9
    assert model.levers.staff_spot_mult == 1.0  # staff only when it covers the commune
    assert spotted(whole, range(1, 6)) > spotted(base, range(1, 6))


def test_whole_commune_redraws_cover_staff_only_where_a_lever_has_a_staff_value(
    nahy: Path,
) -> None:
    add_measure(nahy, SPOTTING_CAMPAIGN)
    base = short_baseline(nahy)
    model = CommuneModel(base, seed=1)
    [(process, villages, staff)] = model.levers.redraws(Intervention("spotting_campaign", START, 1))
    assert (process, villages.tolist(), staff) == ("spotting", list(range(10)), True)
    plan = model.levers.redraws(Intervention("propaganda", START, 1))
    assert [(p, s) for p, _, s in plan] == [("organisations", False), ("dropout", True)]
    plan = model.levers.redraws(Intervention("cell_admission_quota", START, 1, ("V05",)))
    assert [(p, v.tolist(), s) for p, v, s in plan] == [("spotting", list(range(10)), True)]


def test_a_whole_commune_measure_takes_no_villages_in_a_scenario() -> None:
    base = sim.load_scenario(NAHY / "scenarios" / "baseline.toml")
    with pytest.raises(InputError) as info:
        base.with_interventions({"measure": "extra_class_seats", "villages": ["V01"]})
    [problem] = info.value.problems
    assert problem.field == "interventions[0].villages"
    assert 'targets = "commune"' in problem.message and "omit villages" in problem.message


def test_scenarios_know_the_measures_of_their_commune(nahy: Path) -> None:
    base = short_baseline(nahy)
    with pytest.raises(InputError) as info:
        base.with_interventions({"measure": "household_economy_copy"})
    [problem] = info.value.problems
    assert problem.field == "interventions[0].measure"
    assert "known (measures.toml): standing_committee_assignment" in problem.message
    add_measure(nahy, ECONOMY_COPY)
    assert short_baseline(nahy).with_interventions({"measure": "household_economy_copy"})


def test_the_fingerprint_and_the_size_limit_cover_measures_toml(nahy: Path) -> None:
    before = commune_fingerprint(load_commune(nahy))
    add_measure(nahy, ECONOMY_COPY)
    assert commune_fingerprint(load_commune(nahy)) != before
    path = nahy / "commune.toml"
    path.write_text(
        path.read_text(encoding="utf-8") + "\n[limits]\nmeasures_bytes = 100\n", encoding="utf-8"
    )
    with pytest.raises(InputError) as info:
        load_commune(nahy)
    [problem] = info.value.problems
    assert (problem.file, problem.field) == (str(nahy / MEASURES_FILE), "(size)")
    assert "limits.measures_bytes" in problem.message


# -- one line per mistake --------------------------------------------------------------------


def validate_lines(folder: Path, capsys: pytest.CaptureFixture[str]) -> list[str]:
    capsys.readouterr()
    assert main(["validate", str(folder)]) == 2
    return capsys.readouterr().err.splitlines()


ECONOMY_EFFECT = (
    '{ lever = "poverty_exit_multiplier", parameter = "economy_exit_multiplier", how = "scale" }'
)


@pytest.mark.parametrize(
    ("old", "new", "field", "fragment"),
    [
        (
            'lever = "poverty_exit_multiplier"',
            'lever = "poverty_exit_multiplyer"',
            "household_economy.effects[0].lever",
            "did you mean 'poverty_exit_multiplier'",
        ),
        (
            'parameter = "economy_exit_multiplier"',
            'parameter = "economy_exit_multiplyer"',
            "household_economy.effects[0].parameter",
            "unknown parameter 'economy_exit_multiplyer' (did you mean",
        ),
        (
            'parameter = "economy_exit_multiplier"',
            'parameter = "poverty_exit_rate"',
            "household_economy.effects[0].parameter",
            "'poverty_exit_rate' is a 'rate', but lever 'poverty_exit_multiplier' takes",
        ),
        (
            ECONOMY_EFFECT,
            ECONOMY_EFFECT.replace('how = "scale"', 'how = "scal"'),
            "household_economy.effects[0].how",
            "did you mean 'scale'",
        ),
        (
            ECONOMY_EFFECT,
            ECONOMY_EFFECT.replace('how = "scale"', 'how = "add"'),
            "household_economy.effects[0].how",
            "does not fit lever 'poverty_exit_multiplier'",
        ),
        (
            ECONOMY_EFFECT,
            ECONOMY_EFFECT.replace(', how = "scale"', ""),
            "household_economy.effects[0].how",
            "missing (required)",
        ),
        (
            'source = "DBTV2017, measure 3 (propaganda and education about the Party)"\n',
            "",
            "propaganda.source",
            "missing (required)",
        ),
        (
            'description = "more seats for the commune in the district awareness class"\n',
            'description = " "\n',
            "extra_class_seats.description",
            "empty",
        ),
        (
            'redraws = ["poverty"]',
            'redraws = ["povrety"]',
            "household_economy.redraws[0]",
            "did you mean 'poverty'",
        ),
        (
            'redraws = ["poverty"]',
            'redraws = ["poverty", "poverty"]',
            "household_economy.redraws",
            "names a process twice",
        ),
        ('redraws = ["poverty"]', "redraws = []", "household_economy.redraws", "misses 'poverty'"),
        (
            'redraws = ["poverty"]',
            'redraws = ["poverty", "pools"]',
            "household_economy.redraws",
            "'pools', but no effect",
        ),
        ('redraws = ["poverty"]', 'redraws = "poverty"', "household_economy.redraws", "not a list"),
        (
            'targets = "commune"\nstaff',
            'targets = "villages"\nstaff',
            "extra_class_seats.effects[0].lever",
            'needs targets = "commune"',
        ),
        (
            'targets = "commune"\nstaff',
            'targets = "comune"\nstaff',
            "extra_class_seats.targets",
            "did you mean 'commune'",
        ),
        (
            'staff = false\neffects = [\n    { lever = "poverty',
            'staff = true\neffects = [\n    { lever = "poverty',
            "household_economy.staff",
            "none of its levers has a value for staff",
        ),
        (
            'staff = true\neffects = [\n    { lever = "dropout',
            'staff = 1\neffects = [\n    { lever = "dropout',
            "propaganda.staff",
            "not a boolean",
        ),
        (
            "[propaganda]\n",
            '[propaganda]\nsorce = "x"\n',
            "propaganda.sorce",
            "unknown key (did you mean 'source'?)",
        ),
        (', en = "Propaganda and education" }', " }", "propaganda.label.en", "missing (required)"),
        (
            "[extra_class_seats]\n",
            "[Extra-Seats]\n[extra_class_seats]\n",
            "Extra-Seats",
            "not allowed as a measure name",
        ),
        ("[extra_class_seats]\n", "[propaganda]\n", "propaganda", "declared twice (again on line"),
    ],
)
def test_each_mistake_is_one_line_naming_measures_toml_and_the_field(
    commune: CommuneFolder,
    capsys: pytest.CaptureFixture[str],
    old: str,
    new: str,
    field: str,
    fragment: str,
) -> None:
    commune.replace(MEASURES_FILE, old, new)
    [line] = validate_lines(commune.path, capsys)
    prefix = f"{commune.file(MEASURES_FILE)}: {field}: "
    assert line.startswith(prefix), line
    assert fragment in line, line


def test_an_empty_measures_toml_is_one_line(
    commune: CommuneFolder, capsys: pytest.CaptureFixture[str]
) -> None:
    (commune.path / MEASURES_FILE).write_text("# no measures yet\n", encoding="utf-8")
    [line] = validate_lines(commune.path, capsys)
    assert (
        line
        == f"{commune.file(MEASURES_FILE)}: (file): no measures (expected one [table] per measure)"
    )
