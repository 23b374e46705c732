"""Common random numbers per person: a measure changes nothing for those it cannot reach.

Each person draws from their own stream for each process (``sim.model.rng``), so a
measure that makes some people draw more (their clocks drawn again, a
candidacy, an admission) moves no one else's draws. These tests run a
scenario with and without a measure on one village and compare, person by
person, every clock that rang (its time, kind and version: stale ones too),
every logged event and the final state.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

import numpy as np
import pytest

import sim
from sim.inputs.scenario import Intervention
from sim.model import CommuneModel
from sim.model.clock import Clock
from tests.conftest import NAHY

BASELINE = NAHY / "scenarios" / "baseline.toml"

#: the logs of a run that name a person, and the column that does
PERSON_LOGS = {
    "admissions": "person",
    "migrations": "person",
    "pipeline_steps": "person",
    "pipeline_exits": "person",
    "member_exits": "person",
    "recognitions": "person",
    "callups": "person",
}


def labels(model: CommuneModel) -> dict[int, str]:
    """A name for every kind of clock of ``model``, by the identity of its callbacks."""
    named = {id(model.scheduler._release_calls): "release"}
    parts = ("demography", "migration", "party", "pipeline", "organisations")
    for part in parts:
        for attribute, value in vars(getattr(model, part)).items():
            if attribute.startswith("on_") and isinstance(value, tuple):
                named[id(value)] = f"{part}.{attribute}"
    return named


def log_organisation_changes(model: CommuneModel, rang: dict[tuple, list]) -> None:
    """Log each person's joining and leaving, which are played without events
    (``sim.model.organisations``): whenever playing them changes anything, their activity
    and the times of their next changes afterwards."""
    organisations, pop, keys = model.organisations, model.pop, model.streams.keys
    play = organisations.play

    def logged(pid: int, until: float) -> None:
        before = [column[pid] for column in pop.org_next]
        play(pid, until)
        after = [column[pid] for column in pop.org_next]
        if after != before:
            state = tuple(active[pid] for active in pop.active)
            rang[("person", *keys.key(pid))].append(("organisations", state, tuple(after)))

    organisations.play = logged


def run_logged(scenario: sim.Scenario, seed: int) -> tuple[CommuneModel, dict, sim.RunResult]:
    """Run ``scenario`` and log every clock that rings, by what it is about: a person (by
    their key in the random streams, not their id, which depends on everyone added before
    them), a household or a village."""
    model = CommuneModel(scenario, seed)
    named = labels(model)
    rang: dict[tuple, list] = defaultdict(list)
    log_organisation_changes(model, rang)
    queue, households = model.env._queue, model.households
    while queue and queue[0][0] < model.horizon:
        when, _, _, event = queue[0]
        if isinstance(event, Clock):
            kind = named.get(id(event.callbacks), "calendar")
            if kind == "demography.on_poverty_change":
                about = ("village", households.village[event.pid], "household", event.pid)
            elif kind == "demography.on_birth":
                about = ("village", event.pid, "births")
            elif kind not in ("release", "calendar") and event.pid >= 0:
                about = ("person", *model.streams.keys.key(event.pid))
            else:
                about = None
            if about is not None:
                rang[about].append((when, kind, event.ver))
        model.env.step()
    return model, rang, model.recorder.result(wall_time=0.0)


def histories(model: CommuneModel, rang: dict, result: sim.RunResult, villages: set[int]):
    """Per person, household and village of ``villages`` (and per member of staff): the
    clocks that rang, the logged events and the final state."""
    pop, keys = model.pop, model.streams.keys
    logged: dict[tuple, list] = defaultdict(list)
    for table, column in PERSON_LOGS.items():
        frame = getattr(result, table)
        for row in frame.to_dict("records"):
            person = ("person", *keys.key(int(row.pop(column))))
            logged[person].append((table, tuple(sorted(row.items()))))
    out = {}
    for pid in range(pop.size):
        if pop.staff[pid] or pop.village[pid] in villages:
            key = ("person", *keys.key(pid))
            state = (
                pop.place[pid],
                pop.alive[pid],
                pop.member[pid],
                pop.stage[pid],
                tuple(active[pid] for active in pop.active),
            )
            out[key] = (rang.get(key, []), logged.get(key, []), state)
    for about, rings in rang.items():
        if about[0] == "village" and about[1] in villages:
            out[about] = rings
    return out


@pytest.mark.parametrize(
    ("measure", "village", "cell"),
    [("standing_committee_assignment", "V08", "C-V06"), ("household_economy", "V03", "C-V03")],
)
def test_a_measure_on_one_village_leaves_those_it_cannot_reach_as_they_were(
    measure: str, village: str, cell: str
) -> None:
    """A measure on one village from July 2015 (a Standing Committee member in charge of
    V08, or the household-economy measure in V03), against the baseline, seed 11.

    Who it can reach: the people of that village, and through the cell their candidates
    attend, the people of the villages that attend it too (their candidates share its
    mentoring places, its plan and its votes): V06, V07 and V08 (C-V06 hosts white V08;
    V08 may also form a cell of its own), or V03 and V04 (C-V03). Every other village
    attends other cells, its households and births are its own, and no one moves between
    villages. One capacity is shared by the whole commune: the seats of the district's
    awareness classes. Here it cannot bind (10,000 seats a class, so the class takes
    everyone waiting, in the order they came, whoever else came), so everyone else, the
    staff of the school and agency cells included, cannot be reached. For each of them,
    each of their households and each of their villages' births: every clock that rang
    (time, kind and version, stale ones too), every logged event (migration, call-up,
    pipeline step and exit, admission, member exit, recognition) and the final state
    (place, alive, membership, stage, activity in each mass organisation) are identical.
    Joining and leaving the mass organisations are those clocks."""
    base = sim.load_scenario(BASELINE).with_parameters(awareness_class_seats=10_000)
    start = date(2015, 7, 1)
    treated = base.with_interventions(Intervention(measure, start, 1.0, (village,)))
    ids = [v.id for v in base.commune.villages]
    reachable = {
        v
        for v, data in enumerate(base.commune.villages)
        if data.id == village or data.host_cell == cell
    }
    for c in base.commune.cells:
        if c.id == cell:
            reachable |= {ids.index(v) for v in c.villages}
    others = set(range(len(ids))) - reachable
    assert ids.index(village) in reachable and len(others) >= 5

    runs = [run_logged(scenario, seed=11) for scenario in (base, treated)]
    before, after = (histories(*run, others) for run in runs)
    assert before.keys() == after.keys()
    differing = [key for key in before if before[key] != after[key]]
    assert not differing, differing[:5]
    # the measure did change the paths of people it can reach
    near = [histories(*run, reachable) for run in runs]
    assert sum(near[0][k] != near[1].get(k) for k in near[0]) > 10


def test_the_keys_of_people_added_during_a_run_do_not_depend_on_other_villages() -> None:
    """A child's key is their village and rank of birth there, whatever happens elsewhere:
    with and without a measure in V03, the children born in V09 have the same keys and the
    same birth times."""
    base = sim.load_scenario(BASELINE)
    treated = base.with_interventions(
        Intervention("household_economy", date(2015, 7, 1), 1.0, ("V03",))
    )
    births = []
    for scenario in (base, treated):
        model = CommuneModel(scenario, 4)
        result = model.run()
        v09 = [v.id for v in model.commune.villages].index("V09")
        flows = result.record.flows[:, v09, 0]  # births by month in V09
        keyed = sorted(
            model.streams.keys.key(pid)
            for pid in range(model.streams.keys.start, model.pop.size)
            if model.pop.village[pid] == v09
        )
        births.append((flows.tolist(), keyed))
        model.close()
    assert births[0] == births[1]
    assert np.sum(births[0][0]) > 5
