"""Cell ids never clash with the id the model gives a cell a village forms during a run.

A village without a cell forms one named ``C-<village>`` when its third
official member arrives. Results group admissions and members by cell id,
so a school cell already called ``C-V03`` would be mixed with V03's new cell.
Both ends are closed: validation refuses such an id in cells.csv, and the
model never hands out an id that is taken (whatever the data, or a cell
that dissolved and forms again).
"""

from __future__ import annotations

from dataclasses import replace
from types import SimpleNamespace

import pytest

import sim
from sim.inputs.commune import formed_cell_id, load_commune
from sim.inputs.errors import InputError
from sim.model.party import Party
from tests.conftest import CommuneFolder
from tests.test_model import QUIET, QUIET_SWITCHES, immortal


def cells_problems(commune: CommuneFolder) -> list[str]:
    with pytest.raises(InputError) as info:
        load_commune(commune.path)
    return [str(p) for p in info.value.problems if p.file == commune.file("cells.csv")]


# -- validation --------------------------------------------------------------------------


def test_a_school_cell_may_not_take_a_village_s_formed_cell_id(commune: CommuneFolder) -> None:
    """V03 has no cell of its own (C-V02 hosts it): C-V03 is the id its cell will get."""
    commune.set("cells.csv", 2, "cell_id", "C-V03")
    assert cells_problems(commune) == [
        f"{commune.file('cells.csv')}: row 4:cell_id: 'C-V03' is the id the model gives the "
        "cell village 'V03' forms during a run; only a village cell covering 'V03' may use "
        "it, not this school cell (choose another id)"
    ]


def test_a_village_cell_may_not_take_another_village_s_id(commune: CommuneFolder) -> None:
    commune.set("cells.csv", 1, "cell_id", "C-V03")  # covers V02 only
    commune.set("villages.csv", 1, "host_cell", "C-V03")
    commune.set("villages.csv", 2, "host_cell", "C-V03")
    [problem] = cells_problems(commune)
    assert "row 3:cell_id: 'C-V03'" in problem and "not this village cell" in problem


def test_a_village_cell_carries_the_id_of_a_village_it_covers(commune: CommuneFolder) -> None:
    """C-V01 covering V01 (and a cell named after the first of two villages) is fine."""
    commune.set("cells.csv", 0, "villages", "V01;V03")
    commune.set("villages.csv", 2, "host_cell", "C-V01")
    assert [c.id for c in load_commune(commune.path).cells] == ["C-V01", "C-V02", "C-SCH1"]


def test_ids_that_only_look_generated_are_fine(commune: CommuneFolder) -> None:
    commune.set("cells.csv", 2, "cell_id", "C-V99")  # no village V99
    assert load_commune(commune.path).cells[2].id == "C-V99"


# -- the model ------------------------------------------------------------------------


def test_the_model_never_reuses_a_taken_id(commune: CommuneFolder) -> None:
    """The school cell is called C-V03 (a commune built in code is not validated); V03's
    third official member arrives at t=28 and its new cell is C-V03-2, kept apart."""
    immortal(commune)
    commune.set("villages.csv", 0, "members_official", 8)
    commune.set("villages.csv", 2, "members_official", 2)
    commune.set("villages.csv", 2, "candidates", 1)
    commune.set("villages.csv", 2, "share_hmong", 0)
    commune.set("villages.csv", 2, "share_kinh", 1)
    loaded = load_commune(commune.path)
    school = replace(loaded.cells[2], id="C-V03")
    clashing = replace(loaded, cells=(*loaded.cells[:2], school))
    scenario = sim.baseline_scenario(clashing).with_horizon("2017-12-31")
    scenario = scenario.with_switches(**QUIET_SWITCHES).with_parameters(**QUIET)
    result = sim.run(scenario, seed=3)

    v03 = result.village_status[result.village_status["village"] == "V03"]
    assert v03["status"].tolist() == ["joint", "own_cell"]
    assert "cell C-V03-2 formed" in v03["note"].iloc[-1]
    by_cell = result.members_by_cell
    last = by_cell[by_cell["month"] == by_cell["month"].max()].set_index("cell")
    assert last.index.is_unique
    members = last["official"] + last["probationary"]
    assert members["C-V03"] == 6  # the school's 5 + 1 staff members
    assert members["C-V03-2"] == 3  # V03's residents


def test_a_cell_formed_again_gets_a_new_id() -> None:
    """A village whose cell dissolved and forms again: the old id is still taken."""
    taken = SimpleNamespace(cell_index={"C-V03": 0, "C-V03-2": 1, "C-V04": 2})
    assert Party._new_cell_id(taken, "V03") == "C-V03-3"
    assert Party._new_cell_id(taken, "V05") == formed_cell_id("V05") == "C-V05"
