"""The scaled commune of the scale benchmark is Nà Hỳ repeated, and it loads and runs."""

from __future__ import annotations

from pathlib import Path

import sim
from benchmarks.scale_bench import COMMUNE, scaled_commune


def test_a_commune_scaled_twice_is_two_communes_side_by_side(tmp_path: Path) -> None:
    one = sim.load_scenario(COMMUNE / "scenarios" / "baseline.toml").commune
    scenario = sim.load_scenario(scaled_commune(COMMUNE, 2, tmp_path / "x2"))
    two = scenario.commune
    assert len(two.villages) == 2 * len(one.villages)
    assert len(two.cells) == 2 * len(one.cells)
    assert len({v.id for v in two.villages}) == len(two.villages)
    assert two.population == 2 * one.population
    assert sum(v.population for v in two.villages) == 2 * sum(v.population for v in one.villages)
    copy = next(c for c in two.cells if c.id == "C-V01-2")
    assert set(copy.villages) == {"V01-2", "V02-2"}
    assert next(v for v in two.villages if v.id == "V08-2").host_cell == "C-V06-2"
    start = sim.run(scenario, seed=1).population.query("month == 0")
    assert set(start["village"]) == {v.id for v in two.villages}
    assert start["people"].sum() > 1.9 * one.population
