"""Joining and leaving without events: reading activity does not change the path.

The mass organisations' changes are drawn as clocks but played only when
someone's activity is read (``sim.model.organisations``). That is exact only
if when and how often a person is read makes no difference: these tests read
many people at many extra moments and find every table of the run unchanged,
and check the poverty history that a joining ring played late relies on.
"""

from __future__ import annotations

import numpy as np
import pytest

import sim
from sim.model import CommuneModel
from sim.model.clock import calls
from sim.model.population import Households
from tests.conftest import NAHY

SCENARIOS = ("baseline", "resolution-2015")


def tables(result: sim.RunResult) -> dict[str, str]:
    return {name: table.to_csv(index=False) for name, table in result.tables().items()}


def run_with_extra_reads(scenario: sim.Scenario, seed: int) -> tuple[sim.RunResult, int]:
    """The run, with a tenth of the people read at a random moment of each month, and how
    many of those reads found someone active."""
    model = CommuneModel(scenario, seed)
    organisations, pop = model.organisations, model.pop
    chooser = np.random.default_rng(12345)  # picks whom to read and when: not the model's draws
    found = [0]

    def read_some(_clock) -> None:
        for pid in np.flatnonzero(chooser.random(pop.size) < 0.1).tolist():
            found[0] += any(organisations.active_in(pid))

    for month in range(int(model.horizon)):
        model.scheduler.at(month + chooser.random(), calls(read_some))
    return model.run(), found[0]


@pytest.mark.parametrize("name", SCENARIOS)
def test_reading_activity_more_often_changes_nothing(name: str) -> None:
    scenario = sim.load_scenario(NAHY / "scenarios" / f"{name}.toml")
    for seed in (1, 2):
        plain = sim.run(scenario, seed)
        read, found_active = run_with_extra_reads(scenario, seed)
        assert found_active > 1000  # the reads happened, and many found someone active
        assert tables(read) == tables(plain), (name, seed)


def test_the_comparison_sees_a_changed_path() -> None:
    """The comparison above can fail: another seed changes the organisations' table."""
    scenario = sim.load_scenario(NAHY / "scenarios" / "baseline.toml")
    first, other = sim.run(scenario, 1), sim.run(scenario, 2)
    assert tables(first)["organisations"] != tables(other)["organisations"]


def test_a_household_poverty_at_an_earlier_time_undoes_the_later_changes() -> None:
    households = Households(village=[0, 0], poor=[False, True], farming=[True, True], ethnic=[0, 0])
    households.toggle_poverty(0, 3.0)
    households.toggle_poverty(0, 7.5)
    households.toggle_poverty(0, 9.0)
    assert households.poor == [True, True]
    assert [households.poor_at(0, t) for t in (0.0, 3.0, 5.0, 7.5, 8.0, 9.0, 12.0)] == [
        False,
        True,
        True,
        False,
        False,
        True,
        True,
    ]
    assert households.poor_at(1, 4.0) is True  # never changed
