"""The scenario library of data/nahy/scenarios: described, valid, and consistent.

Each measure-alone file must stay a copy of its measure in resolution-2015
(same start, intensity, villages and effort), and every file must say what it
assumes and why before anything else, so a planner reading a comparison can
open the file and see the reasoning.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

import sim
from tests.ensemble_support import NAHY

SCENARIOS = NAHY / "scenarios"
FILES = sorted(SCENARIOS.glob("*.toml"))
ALONE = sorted(SCENARIOS.glob("alone-*.toml"))


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_every_file_starts_with_a_description_and_loads(path: Path) -> None:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    assert list(data)[:2] == ["name", "description"]
    assert len(data["description"].split()) >= 10
    assert data["name"] == path.stem
    sim.load_scenario(path)


def test_each_measure_of_the_resolution_has_a_file_of_its_own() -> None:
    resolution = sim.load_scenario(SCENARIOS / "resolution-2015.toml")
    alone = [sim.load_scenario(path) for path in ALONE]
    assert len(alone) == len(resolution.interventions) == 6
    for scenario in alone:
        (only,) = scenario.interventions
        (same,) = [i for i in resolution.interventions if i.measure == only.measure]
        assert only == same, scenario.name


def test_a_measure_costs_the_same_effort_in_every_file() -> None:
    """Where a file declares effort_per_unit, it agrees with every other file's."""
    efforts: dict[str, set[float]] = {}
    for path in FILES:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        for item in data.get("interventions", []):
            if "effort_per_unit" in item:
                efforts.setdefault(item["measure"], set()).add(float(item["effort_per_unit"]))
    assert len(efforts) == 7  # the six measures and the extra class seats
    assert all(len(values) == 1 for values in efforts.values()), efforts


#: The two ends of the migration comparison (issue 13's values), within the plausible ranges.
MIGRATION_ENDS = {
    "low": {
        "leave_hazard_young": 0.02,
        "leave_after_upper_secondary_2y": 0.4,
        "return_within_5y": 0.6,
    },
    "high": {
        "leave_hazard_young": 0.09,
        "leave_after_upper_secondary_2y": 0.8,
        "return_within_5y": 0.2,
    },
}


@pytest.mark.parametrize("end", ["low", "high"])
def test_the_migration_bounds_differ_from_the_resolution_only_in_migration(end: str) -> None:
    """migration-low and migration-high are resolution-2015 with the three youth migration
    parameters at the ends of the comparison, inside their plausible ranges, nothing else."""
    resolution = sim.load_scenario(SCENARIOS / "resolution-2015.toml")
    table = resolution.commune.parameter_table.set_index("name")
    scenario = sim.load_scenario(SCENARIOS / f"migration-{end}.toml")
    assert scenario.interventions == resolution.interventions
    assert scenario.switches == resolution.switches
    assert scenario.overrides == MIGRATION_ENDS[end]
    for name, value in scenario.overrides.items():
        assert table.loc[name, "low"] <= value <= table.loc[name, "high"], name
