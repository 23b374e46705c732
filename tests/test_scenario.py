"""Scenarios: loading, defaults, every check, and the re-checked ``with_*`` copies."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from sim import (
    InputError,
    Intervention,
    Scenario,
    baseline_scenario,
    load_commune,
    load_scenario,
    scenario_from_dict,
)
from sim.inputs.errors import Problem

NAHY = Path(__file__).resolve().parents[1] / "data" / "nahy"


def problems_of(data: dict[str, Any], commune_dir: Path) -> list[Problem]:
    with pytest.raises(InputError) as info:
        scenario_from_dict(data, commune_dir, source="s.toml")
    return info.value.problems


def expect(data: dict[str, Any], commune_dir: Path, field: str, *fragments: str) -> Problem:
    """The problem reported on ``field`` of ``s.toml``, with each fragment in its message."""
    problems = problems_of(data, commune_dir)
    matches = [p for p in problems if p.file == "s.toml" and p.field == field]
    assert matches, f"no problem on {field} in:\n" + "\n".join(map(str, problems))
    for fragment in fragments:
        assert fragment in matches[0].message, str(matches[0])
    return matches[0]


def base(**changes: Any) -> dict[str, Any]:
    """A valid minimal scenario dict (relative to the commune folder), changed."""
    data: dict[str, Any] = {"name": "t", "commune": "."}
    data.update(changes)
    return data


def one(**intervention: Any) -> dict[str, Any]:
    return base(interventions=[{"measure": "propaganda", **intervention}])


# -- loading ----------------------------------------------------------------------


def test_scenario_file_loads(scenario_file: Path, commune_dir: Path) -> None:
    scenario = load_scenario(scenario_file)
    assert scenario.path == scenario_file
    assert scenario.name == "test"
    assert scenario.commune.path == commune_dir
    assert scenario.start == date(2015, 1, 1)  # the commune's data_date
    assert scenario.horizon == date(2018, 12, 31)
    assert scenario.seed == 7
    # the scenario's own switch on top of the commune's [switches]
    assert scenario.switches == {**scenario.commune.switches, "education_exemption": True}
    assert scenario.commune.switches["education_exemption"] is False
    assert scenario.overrides == {"spotting_rate_cell": 0.2}
    assert scenario.parameters["spotting_rate_cell"] == 0.2
    assert scenario.parameters["male_share_at_birth"] == 0.5
    assert set(scenario.parameters) == set(scenario.commune.parameters)
    first, second = scenario.interventions
    assert first == Intervention("standing_committee_assignment", date(2016, 1, 1), 1.0, ("V03",))
    assert second.villages is None and second.intensity == 0.5 and second.effort_per_unit == 1.0


def test_defaults(commune_dir: Path) -> None:
    scenario = scenario_from_dict(base(), commune_dir)
    assert scenario.start == date(2015, 1, 1)
    assert scenario.horizon == date(2020, 12, 31)  # the term end
    assert scenario.seed is None and scenario.description == ""
    assert scenario.switches == scenario.commune.switches  # the commune's [switches]
    assert scenario.interventions == () and scenario.overrides == {}
    assert scenario.path is None


def test_intervention_defaults(commune_dir: Path) -> None:
    scenario = scenario_from_dict(one(), commune_dir)
    assert scenario.interventions == (Intervention("propaganda", date(2015, 1, 1), 1.0),)


def test_dict_input_takes_strings_and_a_loaded_commune(commune_dir: Path) -> None:
    commune = load_commune(commune_dir)
    scenario = scenario_from_dict(
        {"name": "nb", "commune": commune, "horizon": "2017-06-30"},
        source="notebook",
    )
    assert scenario.commune is commune
    assert scenario.horizon == date(2017, 6, 30)


def test_to_dict_is_json_metadata(scenario_file: Path) -> None:
    scenario = load_scenario(scenario_file)
    data = json.loads(json.dumps(scenario.to_dict()))
    assert data["name"] == "test"
    assert data["commune"]["id"] == "testville"
    assert data["commune"]["path"] == str(scenario.commune.path)
    assert (data["start"], data["horizon"], data["seed"]) == ("2015-01-01", "2018-12-31", 7)
    assert data["overrides"] == {"spotting_rate_cell": 0.2}
    assert data["parameters"] == scenario.parameters
    assert data["switches"]["over_60_exception"] is False
    assert data["interventions"][0] == {
        "measure": "standing_committee_assignment",
        "start": "2016-01-01",
        "intensity": 1.0,
        "villages": ["V03"],
        "effort_per_unit": 1.0,
    }


def test_baseline_scenario(commune_dir: Path) -> None:
    scenario = baseline_scenario(commune_dir)
    assert scenario.name == "baseline"
    assert (scenario.start, scenario.horizon) == (date(2015, 1, 1), date(2020, 12, 31))
    assert scenario.interventions == ()
    assert scenario.parameters == scenario.commune.parameters


# -- dates ---------------------------------------------------------------------------


def test_start_must_equal_data_date(commune_dir: Path) -> None:
    expect(base(start=date(2016, 1, 1)), commune_dir, "start", "data_date 2015-01-01")


@pytest.mark.parametrize("horizon", ["2015-01-01", "2014-12-31"])
def test_horizon_after_start(commune_dir: Path, horizon: str) -> None:
    expect(base(horizon=horizon), commune_dir, "horizon", "not after start 2015-01-01")


def test_bad_date(commune_dir: Path) -> None:
    expect(base(horizon="2020-02-30"), commune_dir, "horizon", "'2020-02-30' is not a date")


@pytest.mark.parametrize("start", ["2014-12-31", "2021-01-01"])
def test_intervention_start_within_the_period(commune_dir: Path, start: str) -> None:
    expect(one(start=start), commune_dir, "interventions[0].start", "2015-01-01 to 2020-12-31")


def test_intervention_start_may_be_the_horizon(commune_dir: Path) -> None:
    scenario_from_dict(one(start="2020-12-31"), commune_dir)


# -- interventions, switches, overrides ----------------------------------------------


@pytest.mark.parametrize(
    ("intervention", "field", "message"),
    [
        ({"measure": "propoganda"}, "measure", "did you mean 'propaganda'?"),
        ({"villages": ["V04"]}, "villages", "unknown village 'V04'"),
        ({"villages": []}, "villages", "empty"),
        ({"villages": ["V01", "V01"]}, "villages", "twice"),
        ({"villages": "V01"}, "villages", "not a list"),
        ({"intensity": -0.5}, "intensity", "-0.5 is negative"),
        ({"intensity": "high"}, "intensity", "'high' is not a number"),
        ({"effort_per_unit": -1}, "effort_per_unit", "-1 is negative"),
        ({"intesity": 1.0}, "intesity", "did you mean 'intensity'?"),
    ],
)
def test_intervention_checks(
    commune_dir: Path, intervention: dict[str, Any], field: str, message: str
) -> None:
    expect(one(**intervention), commune_dir, f"interventions[0].{field}", message)


def test_intervention_needs_a_measure(commune_dir: Path) -> None:
    data = base(interventions=[{"intensity": 1.0}])
    expect(data, commune_dir, "interventions[0].measure", "missing")


@pytest.mark.parametrize(
    ("switches", "field", "message"),
    [
        ({"over_60_exeption": True}, "switches.over_60_exeption", "did you mean"),
        ({"education_exemption": 1}, "switches.education_exemption", "not a boolean"),
    ],
)
def test_switch_checks(commune_dir: Path, switches: dict, field: str, message: str) -> None:
    expect(base(switches=switches), commune_dir, field, message)


def test_unknown_parameter_override_suggests_the_name(commune_dir: Path) -> None:
    problem = expect(
        base(parameters={"spoting_rate_cell": 0.1}), commune_dir, "parameters.spoting_rate_cell"
    )
    assert problem.message == (
        "unknown parameter 'spoting_rate_cell' (did you mean 'spotting_rate_cell'?)"
    )


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("male_share_at_birth", 1.2, "outside [0, 1]"),
        ("spotting_rate_cell", -0.1, "negative"),
        ("probation_months", "12", "not a number"),
        ("probation_months", True, "not a number"),
    ],
)
def test_parameter_override_fits_its_kind(
    commune_dir: Path, name: str, value: object, message: str
) -> None:
    expect(base(parameters={name: value}), commune_dir, f"parameters.{name}", message)


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (base(horizion="2020-12-31"), "horizion", "did you mean 'horizon'?"),
        ({"commune": "."}, "name", "missing"),
        (base(seed=-1), "seed", "out of range"),
        (base(seed=1.5), "seed", "not a whole number"),
        (base(switches=True), "switches", "not a table"),
        (base(interventions={"measure": "propaganda"}), "interventions", "not a list"),
    ],
)
def test_top_level_checks(commune_dir: Path, data: dict, field: str, message: str) -> None:
    expect(data, commune_dir, field, message)


# -- the commune reference --------------------------------------------------------------


def test_missing_commune_folder(commune_dir: Path) -> None:
    expect(base(commune="../elsewhere"), commune_dir, "commune", "does not exist")


def test_missing_commune_key(commune_dir: Path) -> None:
    expect({"name": "t"}, commune_dir, "commune", "missing")


def test_commune_problems_name_the_commune_file(scenario_file: Path, commune_dir: Path) -> None:
    text = (commune_dir / "villages.csv").read_text(encoding="utf-8").replace("0.5,0.6", "x,0.6")
    (commune_dir / "villages.csv").write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_scenario(scenario_file)
    [problem] = info.value.problems
    assert problem.file == str(commune_dir / "villages.csv")
    assert problem.field == "row 2:poor_share"


def test_commune_path_is_relative_to_the_scenario_file(tmp_path: Path, commune_dir: Path) -> None:
    elsewhere = tmp_path / "studies" / "a"
    elsewhere.mkdir(parents=True)
    path = elsewhere / "s.toml"
    path.write_text('name = "s"\ncommune = "../../testville"\n', encoding="utf-8")
    assert load_scenario(path).commune.path == commune_dir


# -- the file --------------------------------------------------------------------------


def test_missing_scenario_file(tmp_path: Path) -> None:
    with pytest.raises(InputError) as info:
        load_scenario(tmp_path / "nope.toml")
    [problem] = info.value.problems
    assert problem.file == str(tmp_path / "nope.toml") and "does not exist" in problem.message


def test_bad_toml(scenario_file: Path) -> None:
    scenario_file.write_text('name = "x"\nhorizon = \n', encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_scenario(scenario_file)
    [problem] = info.value.problems
    assert (problem.file, problem.field) == (str(scenario_file), "(syntax)")


def test_non_utf8_scenario(scenario_file: Path) -> None:
    scenario_file.write_bytes(b'name = "caf\xe9"\n')
    with pytest.raises(InputError) as info:
        load_scenario(scenario_file)
    assert "byte offset 11" in info.value.problems[0].message


def test_scenario_file_problems_name_file_and_field(scenario_file: Path) -> None:
    text = scenario_file.read_text(encoding="utf-8")
    scenario_file.write_text(text.replace("2016-01-01", "2030-01-01"), encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_scenario(scenario_file)
    assert [str(p) for p in info.value.problems] == [
        f"{scenario_file}: interventions[0].start: 2030-01-01 is outside the scenario's "
        "period (allowed: 2015-01-01 to 2018-12-31)"
    ]


def test_all_problems_are_reported_at_once(commune_dir: Path) -> None:
    data = base(
        horizon="2014-01-01",
        seed="x",
        parameters={"nope": 1, "spotting_rate_cell": -1},
        switches={"education_exemption": "yes"},
        interventions=[{"measure": "nope"}, {"measure": "propaganda", "villages": ["V9"]}],
    )
    fields = {p.field for p in problems_of(data, commune_dir)}
    assert fields >= {
        "horizon",
        "seed",
        "parameters.nope",
        "parameters.spotting_rate_cell",
        "switches.education_exemption",
        "interventions[0].measure",
        "interventions[1].villages",
    }


# -- with_* copies ---------------------------------------------------------------------


@pytest.fixture
def scenario(scenario_file: Path) -> Scenario:
    return load_scenario(scenario_file)


def test_with_parameters_adds_overrides(scenario: Scenario) -> None:
    changed = scenario.with_parameters(callup_share=0.1)
    assert changed.overrides == {"spotting_rate_cell": 0.2, "callup_share": 0.1}
    assert changed.parameters["callup_share"] == 0.1
    assert scenario.parameters["callup_share"] == 0.5  # the original is unchanged
    assert changed.path == scenario.path and changed.commune is scenario.commune


def test_with_parameters_rechecks(scenario: Scenario) -> None:
    with pytest.raises(InputError, match="did you mean 'callup_share'"):
        scenario.with_parameters(calup_share=0.1)
    with pytest.raises(InputError, match="outside"):
        scenario.with_parameters(callup_share=2.0)


def test_with_interventions_replaces_the_list(scenario: Scenario) -> None:
    changed = scenario.with_interventions(
        Intervention("extra_class_seats", date(2016, 3, 1), 2.0),
        {"measure": "household_economy", "start": "2017-01-01", "villages": ["V02"]},
    )
    assert [i.measure for i in changed.interventions] == ["extra_class_seats", "household_economy"]
    assert changed.interventions[1].villages == ("V02",)
    with pytest.raises(InputError, match=r"interventions\[0\]\.measure"):
        scenario.with_interventions({"measure": "bribery"})


def test_with_horizon_and_without_interventions(scenario: Scenario) -> None:
    assert scenario.with_horizon("2030-12-31").horizon == date(2030, 12, 31)
    assert scenario.with_horizon(date(2016, 6, 30)).without_interventions().interventions == ()
    with pytest.raises(InputError, match=r"interventions\[0\]\.start"):
        scenario.with_horizon("2015-12-31")  # the first measure starts in 2016


def test_with_switches(scenario: Scenario) -> None:
    assert scenario.with_switches(over_60_exception=True).switches == {
        **scenario.switches,
        "education_exemption": True,
        "over_60_exception": True,
    }


def test_scenarios_compare_by_value(scenario: Scenario) -> None:
    assert scenario.with_parameters() == scenario
    assert scenario.with_parameters(callup_share=0.1) != scenario


# -- the baseline data -------------------------------------------------------------------


NAHY_SCENARIOS = sorted((NAHY / "scenarios").glob("*.toml"))


@pytest.mark.skipif(not NAHY_SCENARIOS, reason="no scenario files in data/nahy/scenarios yet")
@pytest.mark.parametrize("path", NAHY_SCENARIOS, ids=lambda p: p.name)
def test_nahy_scenarios_load(path: Path) -> None:
    scenario = load_scenario(path)
    assert scenario.commune.id == "nahy"


@pytest.mark.skipif(
    not (NAHY / "commune.toml").exists(), reason="data/nahy/commune.toml not written yet"
)
def test_nahy_baseline_scenario() -> None:
    scenario = baseline_scenario(NAHY)
    assert (scenario.start, scenario.horizon) == (date(2015, 1, 1), date(2020, 12, 31))
