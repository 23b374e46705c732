"""What measures cost a run: only the clocks they change, whatever their number.

Measures starting at the same instant share one start event, which redraws
each affected clock once (``sim.model.levers``). These tests count the clocks that
event schedules and where their people live; none of them times anything.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

import sim
from sim.inputs.lever_vocabulary import scaled
from sim.inputs.scenario import Intervention
from sim.model import CommuneModel
from sim.model.clock import Clock
from sim.model.timeline import months_between
from tests.conftest import NAHY

BASELINE = NAHY / "scenarios" / "baseline.toml"
#: mid-month, so that no calendar event of the commune falls at the same instant
START = date(2016, 1, 16)
#: small, so that a hundred copies hardly change the rates the clocks are drawn with
INTENSITY = 0.001
#: every measure whose start redraws clocks of the people of the villages it covers
REDRAWING = (
    "standing_committee_assignment",
    "cell_admission_quota",
    "targeted_sourcing",
    "propaganda",
    "household_economy",
    "mass_org_renewal",
)


def on_one_village(
    copies: int, village: str = "V01", measures: tuple[str, ...] | list[str] = REDRAWING
) -> sim.Scenario:
    """``copies`` of every redrawing measure (or of ``measures``) on ``village`` at START."""
    measures = [
        Intervention(measure, START, INTENSITY, (village,))
        for measure in measures
        for _ in range(copies)
    ]
    return sim.load_scenario(BASELINE).with_interventions(*measures)


def next_changes(model: CommuneModel) -> list[tuple[float, ...]]:
    """Per person, the times of their next change in each organisation (drawn without events:
    ``sim.model.organisations``)."""
    return list(zip(*(column[: model.pop.size] for column in model.pop.org_next), strict=True))


def at_the_start_event(
    scenario: sim.Scenario,
) -> tuple[CommuneModel, int, list[Clock], list[int]]:
    """A model stopped just after the measures' start at START, how many clocks their start
    scheduled (``model.events`` counts them, plus the organisation changes it redrew), those
    of them still queued, and the people whose organisation changes it redrew."""
    model = CommuneModel(scenario, seed=1)
    when = months_between(scenario.start, START)
    model.env.run(until=when)
    # at that instant only the start (calendar clocks) and the stop event of ``run(until=)``
    at_start = [entry[3] for entry in model.env._queue if entry[0] == when]
    assert all(not isinstance(e, Clock) or e.pid == -1 for e in at_start), at_start
    first_id = next(model.env._eid)
    before, changes_before = model.events, next_changes(model)
    while model.env.peek() == when:
        model.env.step()
    entries = [*model.env._queue, *(e for bucket in model.scheduler.buckets for e in bucket)]
    clocks = [entry[3] for entry in entries if entry[2] > first_id]
    redrawn = [
        pid
        for pid, (old, new) in enumerate(zip(changes_before, next_changes(model), strict=False))
        if old != new
    ]
    return model, model.events - before + len(redrawn), clocks, redrawn


def test_the_clocks_redrawn_do_not_grow_with_the_number_of_measures() -> None:
    """A hundred copies used to redraw every clock a hundred times (125,406 clocks, against
    1,246 for one copy of each measure)."""
    scheduled = {n: at_the_start_event(on_one_village(n))[1] for n in (1, 10, 100)}
    assert scheduled[1] > 300  # the measures do redraw the village's clocks
    # whether a redrawn clock falls before the horizon (and the age limits) is a draw, and
    # the draws differ with the number of measures: the counts differ by chance, a little
    assert scheduled[10] < 1.25 * scheduled[1], scheduled
    assert scheduled[100] < 1.25 * scheduled[1], scheduled


def test_a_measure_on_one_village_redraws_only_that_villages_clocks() -> None:
    local = [m for m in REDRAWING if m != "cell_admission_quota"]  # see the next test
    model, _, clocks, redrawn = at_the_start_event(on_one_village(1, "V03", local))
    v03 = [v.id for v in model.commune.villages].index("V03")
    pipeline = model.pipeline
    personal = {pipeline.on_spotted, pipeline.on_dropout}
    people = [c.pid for c in clocks if c.callbacks in personal] + redrawn
    assert redrawn  # mass_org_renewal redraws the village's organisation changes
    households = [c.pid for c in clocks if c.callbacks == model.demography.on_poverty_change]
    assert people and households
    assert {model.pop.village[pid] for pid in people} == {v03}
    assert not any(model.pop.staff[pid] for pid in people)
    assert {model.households.village[h] for h in households} == {v03}


def test_cell_quotas_on_two_villages_do_not_multiply_each_other() -> None:
    """One commune-wide quota multiplier made quota measures on different villages compound
    (1,000 of them at intensity 0.3 raised it to about 5e8); each village has its own, and
    the quota's start redraws every spotting clock, since it may raise the commune-wide
    ceiling at which they run."""
    scenario = sim.load_scenario(BASELINE).with_interventions(
        Intervention("cell_admission_quota", START, 1.0, ("V05",)),
        Intervention("cell_admission_quota", START, 1.0, ("V06",)),
    )
    model, _, clocks, _ = at_the_start_event(scenario)
    levers, party = model.levers, model.party
    m = scaled(model.p["quota_spotting_multiplier"], 1.0)
    ids = [v.id for v in model.commune.villages]
    for village in ("V05", "V06"):
        cell = int(party.village_cell[ids.index(village)])
        assert levers.quota_multiplier(cell) == pytest.approx(m)
    assert levers.quota_ceiling == pytest.approx(m)
    untouched = int(party.village_cell[ids.index("V01")])
    assert levers.quota_multiplier(untouched) == 1.0
    spotted = {c.pid for c in clocks if c.callbacks == model.pipeline.on_spotted}
    assert {model.pop.village[pid] for pid in spotted} >= {ids.index("V01")}


def test_a_measure_applied_twice_to_a_village_acts_twice() -> None:
    model, _, _, _ = at_the_start_event(on_one_village(2, "V03"))
    v03 = [v.id for v in model.commune.villages].index("V03")
    p, levers = model.p, model.levers
    assert levers.target_mult[v03] == pytest.approx(
        scaled(p["targeting_spotting_multiplier"], INTENSITY) ** 2
    )
    assert levers.spot_add[v03] == pytest.approx(2 * INTENSITY * p["assignment_spotting_rate"])
    assert levers.quota_village_mult[v03] == pytest.approx(
        scaled(p["quota_spotting_multiplier"], INTENSITY) ** 2
    )
    others = [m for v, m in enumerate(levers.target_mult) if v != v03]
    assert others == [1.0] * len(others)


@pytest.mark.parametrize("scenario", ["resolution-2015", "stronger-all"])
def test_a_redraw_that_a_later_measure_repeats_draws_nothing(scenario: str) -> None:
    """Measures starting together draw each clock they change once, with all of them in
    force: the same measures at intensity 0 placed before and after them in the same
    instant change no rate, and their redraws, superseded or repeating one with the same
    rates, take no extra draw (each person draws from their own stream, ``sim.model.rng``). So
    the run is the same, number for number, and takes the same clocks."""
    measures = sim.load_scenario(NAHY / "scenarios" / f"{scenario}.toml").interventions
    idle = tuple(
        Intervention(m.measure, m.start, 0.0, m.villages, m.effort_per_unit) for m in measures
    )
    baseline = sim.load_scenario(BASELINE)

    def run(group: tuple[Intervention, ...]) -> tuple[sim.RunResult, int]:
        model = CommuneModel(baseline, seed=3)
        model.levers.apply_all(group)  # at the start of the run, before its first event
        result = model.run()
        events = model.events
        model.close()
        return result, events

    alone, events = run(measures)
    padded, padded_events = run(idle + measures + idle)
    for name, table in alone.tables().items():
        other = padded.tables()[name]
        if name == "levers":  # the log of measures put in force lists the idle ones too
            other = other[other["intensity"] > 0].reset_index(drop=True)
        pd.testing.assert_frame_equal(table, other, obj=name)
    assert len(alone.admissions) > 0
    assert padded_events == events
