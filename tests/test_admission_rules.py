"""Known-answer tests of how a commune admits: the yearly plan, the calendar, the Party's rules.

Each rule and practice is a switch (``sim/inputs/switches.py``). Every test starts
from the quiet world of ``tests/test_model.py`` (nothing happens by chance,
durations are fixed, the newer rules are off), in which three candidates
finish mentoring at t = 10, make their file from 10 to 12, are verified by
t = 16 and, with no rule in the way, are admitted at t = 16 exactly. Each
test switches one rule on and checks the dates or counts theory gives:
dates to the second, chances within four binomial standard deviations.
"""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import pytest
from scipy.stats import binom

import sim
from sim.model import CommuneModel
from sim.model.population import GONE, LOWER_SECONDARY, MILITARY, NOT_MEMBER, PROBATIONARY
from sim.model.timeline import months_between
from tests.conftest import NAHY, CommuneFolder
from tests.test_model import admission_times, four_sigma, quiet_commune, quiet_scenario

START = date(2015, 1, 1)
__all__ = ["quiet_commune"]  # the fixture, shared with tests/test_model.py


def t(day: date) -> float:
    """Model time of a calendar date."""
    return months_between(START, day)


def steps_of(result: sim.RunResult, step: str) -> list[float]:
    steps = result.pipeline_steps
    return sorted(steps[steps["step"] == step]["time"].round(9).tolist())


def rounded(times: list[float]) -> list[float]:
    return [round(x, 9) for x in times]


# -- the yearly plan ------------------------------------------------------------------


@pytest.fixture
def three_in_one_cell(quiet_commune: CommuneFolder) -> CommuneFolder:
    """All three candidates in V01, whose cell C-V01 plans one admission a year."""
    quiet_commune.set("villages.csv", 0, "candidates", 3)
    quiet_commune.set("villages.csv", 1, "candidates", 0)
    return quiet_commune


def test_a_met_plan_holds_the_other_files_for_the_next_years_first_vote(
    three_in_one_cell: CommuneFolder,
) -> None:
    """Three files are ready on 1 May 2016 and the cell meets on the 5th of each month. Its
    plan of one a year is met by the first; the others wait, one to the first meeting of
    2017 and one to that of 2018. Without the plan all three pass in May 2016."""
    switches = {"plan_driven": True, "cell_vote": True}
    scenario = quiet_scenario(three_in_one_cell.path, "2018-12-31", switches, plan_hold_share=1.0)
    meetings = [t(date(2016, 5, 5)), t(date(2017, 1, 5)), t(date(2018, 1, 5))]
    assert admission_times(sim.run(scenario, seed=3)) == rounded(meetings)
    flow = scenario.with_switches(plan_driven=False)
    assert admission_times(sim.run(flow, seed=3)) == rounded([meetings[0]] * 3)
    keen = scenario.with_parameters(plan_hold_share=0.0)  # a cell that does not hold
    assert admission_times(sim.run(keen, seed=3)) == rounded([meetings[0]] * 3)


def test_the_plan_sets_the_spotting_effort_as_specified(quiet_commune: CommuneFolder) -> None:
    """``plan_short_spotting_multiplier`` while the candidates in hand are fewer than
    ``plan_source_ratio`` times the plan, else ``plan_met_spotting_multiplier`` once the
    year's plan is met, else 1; the quota measure multiplies it in cells behind their quota."""
    short, met, ratio, quota = 1.7, 0.4, 2.0, 1.9
    scenario = quiet_scenario(
        quiet_commune.path,
        switches={"plan_driven": True},
        plan_short_spotting_multiplier=short,
        plan_met_spotting_multiplier=met,
        plan_source_ratio=ratio,
        quota_spotting_multiplier=quota,
    ).with_interventions({"measure": "cell_admission_quota", "start": "2015-01-01"})
    model = CommuneModel(scenario, 1)
    model.env.run(until=0.5)  # the measure comes into force at t = 0
    plans, cell, year = model.pipeline.plans, 0, 2015
    assert plans.plan_of(cell) == 1
    plans.in_hand[cell] = 0
    assert plans.effort(cell) == pytest.approx(short * quota)  # short, behind the quota
    plans.in_hand[cell] = 2
    assert plans.effort(cell) == pytest.approx(quota)  # enough in hand, behind the quota
    plans.committed[(cell, year)] = 1
    assert plans.effort(cell) == pytest.approx(met)  # plan and quota met
    plans.in_hand[cell] = 1
    assert plans.effort(cell) == pytest.approx(short)  # met, but next year's source is short
    assert plans.effort_ceiling() == pytest.approx(short * quota)
    plans.on = False
    plans.in_hand[cell] = 0
    assert plans.effort(cell) == 1.0  # without the plan, only the quota's cells behind it


def test_a_cell_short_of_its_plan_spots_at_the_stepped_up_rate(
    quiet_commune: CommuneFolder,
) -> None:
    """Every adult of V01 active in the Farmers' Association and eligible: each is spotted
    within a year with probability 1 - exp(-rate), the rate being the cell's spotting
    rate, times ``plan_short_spotting_multiplier`` while the cell is short of candidates
    (``plan_source_ratio`` so high that it always is). Binomial bounds; the two
    probabilities are far enough apart for the test to tell them apart."""
    rate, short = 0.3, 2.0
    activity = {
        "adult_age": 18,
        "farming_household_share": 1.0,
        "farmers_association_active_share": 1.0,
        "active_spell_years": 1000.0,
        "spotting_rate_cell": rate,
        "plan_short_spotting_multiplier": short,
        "plan_source_ratio": 1000.0,
    }
    for row in range(3):
        quiet_commune.set("villages.csv", row, "candidates", 0)
    counts = {}
    for plan_driven, multiplier in ((True, short), (False, 1.0)):
        scenario = quiet_scenario(
            quiet_commune.path, "2015-12-31", {"plan_driven": plan_driven}, **activity
        )
        model = CommuneModel(scenario, 9)
        pop = model.pop
        age = -pop.column("birth") / 12.0
        pool = np.flatnonzero(
            (pop.column("village") == 0)
            & ~pop.column("staff")
            & (pop.array("member") == 0)
            & (pop.column("education") >= LOWER_SECONDARY)
            & (age >= 18)
            & (age < 59)
        )
        result = model.run()
        steps = result.pipeline_steps
        spotted = set(steps[steps["step"] == "spotted"]["person"])
        years = model.horizon / 12.0
        n, p = len(pool), 1 - math.exp(-rate * multiplier * years)
        counts[plan_driven] = sum(pid in spotted for pid in pool.tolist())
        assert n > 150
        assert abs(counts[plan_driven] - n * p) < four_sigma(n, p), (plan_driven, n, p)
    p_short, p_flow = 1 - math.exp(-rate * short * years), 1 - math.exp(-rate * years)
    assert (p_short - p_flow) * n > four_sigma(n, p_flow)  # the flow rate would fail


# -- the calendar ------------------------------------------------------------------------


def test_the_district_decides_only_at_its_sessions(quiet_commune: CommuneFolder) -> None:
    """Sessions in March and September on the 25th: files voted on 1 May 2016 wait for
    the forwarding (half a month) and the session of 25 September 2016."""
    quiet_commune.replace("commune.toml", "[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]", "[3, 9]")
    scenario = quiet_scenario(quiet_commune.path, switches={"decision_sessions": True})
    result = sim.run(scenario, seed=3)
    session = t(date(2016, 9, 25))
    assert steps_of(result, "decided") == rounded([session] * 3)
    assert admission_times(result) == rounded([session] * 3)  # ceremony_months 0
    assert result.admissions["vote_time"].round(9).tolist() == [16.0] * 3


def test_a_ceremony_near_an_anniversary_is_held_on_it(quiet_commune: CommuneFolder) -> None:
    """Decided at the session of 25 January 2017, the ceremony is held on 3 February (9 days
    later, within ``ceremony_max_months``); with a limit of 0.2 months it is not, and comes
    ``ceremony_months`` after the decision. Probation runs from the ceremony."""
    quiet_commune.replace("commune.toml", "[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]", "[1]")
    switches = {"decision_sessions": True, "anniversary_ceremonies": True}
    scenario = quiet_scenario(
        quiet_commune.path, "2018-06-30", switches, ceremony_months=0.5, ceremony_max_months=1.4
    )
    result = sim.run(scenario, seed=3)
    ceremony = t(date(2017, 2, 3))
    assert admission_times(result) == rounded([ceremony] * 3)
    recognised = result.recognitions.set_index("person")["time"]
    admitted = result.admissions.set_index("person")["time"]
    assert np.allclose(recognised[admitted.index] - admitted, 12.0)
    strict = scenario.with_parameters(ceremony_max_months=0.2)
    decision = t(date(2017, 1, 25))
    assert admission_times(sim.run(strict, seed=3)) == rounded([decision + 0.5] * 3)


def test_recognition_waits_for_the_next_session_after_probation(
    quiet_commune: CommuneFolder,
) -> None:
    """Admitted at the session of 25 September 2016, probation ends on 25 September 2017;
    the cell considers it at once (no meeting calendar) and the district decides at its
    first session after the forwarding, 25 March 2018. Every recognition, the start's
    probationary members' too, falls on a session date."""
    quiet_commune.replace("commune.toml", "[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]", "[3, 9]")
    switches = {"decision_sessions": True, "recognition_decision": True}
    result = sim.run(quiet_scenario(quiet_commune.path, "2018-12-31", switches), seed=3)
    admitted = set(result.admissions["person"])
    recognitions = result.recognitions
    mine = recognitions[recognitions["person"].isin(admitted)]["time"].round(9).tolist()
    assert mine == rounded([t(date(2018, 3, 25))] * 3)
    sessions = {round(t(date(y, m, 25)), 9) for y in (2015, 2016, 2017, 2018) for m in (3, 9)}
    assert set(recognitions["time"].round(9)) <= sessions
    off = quiet_scenario(quiet_commune.path, "2018-12-31", {"decision_sessions": True})
    times = sim.run(off, seed=3).recognitions["time"].round(9).tolist()
    assert sorted(times)[-3:] == rounded([t(date(2016, 9, 25)) + 12] * 3)


# -- the file -------------------------------------------------------------------------------


def test_a_lapsed_file_is_made_again(quiet_commune: CommuneFolder) -> None:
    """Files started at t = 10 with 11 months of verification reach the vote at 23, 13 months
    old: they lapse and are made again (2 + 11 months: lapsing again at 36), so nobody is
    admitted. With 10 months of verification the file is exactly 12 months old at the vote
    and passes at 22."""
    switches = {"file_validity": True}
    slow = quiet_scenario(quiet_commune.path, "2018-12-31", switches, verification_months=11)
    result = sim.run(slow, seed=3)
    assert admission_times(result) == []
    assert steps_of(result, "file_lapsed") == [23.0] * 3 + [36.0] * 3
    assert result.pipeline_exits.empty  # a lapse is not a loss
    just = slow.with_parameters(verification_months=10)
    assert admission_times(sim.run(just, seed=3)) == [22.0] * 3


def test_waiting_for_the_cells_meeting_can_make_a_file_lapse(
    quiet_commune: CommuneFolder,
) -> None:
    """Verified at t = 21.9 with a file 11.9 months old: voted at once it passes, but the next
    meeting (5 November 2016) finds it 12.13 months old, and it is made again."""
    slow = quiet_scenario(
        quiet_commune.path, "2017-06-30", {"file_validity": True}, verification_months=9.9
    )
    assert admission_times(sim.run(slow, seed=3)) == [21.9] * 3
    meeting = slow.with_switches(cell_vote=True)
    result = sim.run(meeting, seed=3)
    assert admission_times(result) == []
    assert steps_of(result, "file_lapsed") == rounded([t(date(2016, 11, 5))] * 3)


# -- the cell's vote ---------------------------------------------------------------------


def test_a_file_passes_with_two_thirds_of_the_official_members(
    quiet_commune: CommuneFolder,
) -> None:
    """120 files come before C-V01's 10 official members at one meeting, everyone present,
    each member approving with probability 0.6: a file passes with P(Bin(10, 0.6) >= 7).
    A majority rule (>= 6) would give far more."""
    quiet_commune.set("villages.csv", 0, "candidates", 120)
    quiet_commune.set("villages.csv", 1, "candidates", 0)
    scenario = quiet_scenario(
        quiet_commune.path,
        "2016-12-31",
        {"cell_vote": True},
        vote_approval_prob=0.6,
        mentor_capacity=12,
        awareness_class_seats=120,
    )
    result = sim.run(scenario, seed=5)
    passed = len(admission_times(result))
    failed = (result.pipeline_exits["reason"] == "vote_failed").sum()
    assert passed + failed == 120
    p = binom.sf(6, 10, 0.6)  # at least 7 of 10
    assert abs(passed - 120 * p) < four_sigma(120, p), (passed, 120 * p)
    majority = binom.sf(5, 10, 0.6)
    assert (majority - p) * 120 > four_sigma(120, p)  # a majority rule would fail


def test_a_meeting_without_two_thirds_present_cannot_vote(quiet_commune: CommuneFolder) -> None:
    """Nobody attends: every file waits, none fails."""
    scenario = quiet_scenario(
        quiet_commune.path, switches={"cell_vote": True}, member_attendance_prob=0.0
    )
    result = sim.run(scenario, seed=3)
    assert admission_times(result) == []
    assert result.pipeline_exits.empty
    assert result.pipeline["waiting_vote"].iloc[-1] == 3
    meetings = [t(date(y, m, 5)) for y in (2016, 2017) for m in range(1, 13)]
    meetings = [m for m in meetings if m >= 16.0]  # May 2016 to December 2017
    assert steps_of(result, "vote_postponed") == rounded(sorted(meetings * 3))


# -- introducers -------------------------------------------------------------------------------


def v02_candidate(model: CommuneModel) -> int:
    pop = model.pop
    return next(pid for pid in range(pop.size) if pop.stage[pid] != 0 and pop.village[pid] == 1)


def test_an_introducer_who_leaves_breaks_the_file(quiet_commune: CommuneFolder) -> None:
    """V02's candidate is in verification at t = 13 when their mentor (an introducer) moves
    away: the file is made again from 13 (2 + 4 months) with two of the other members, who
    have lived beside the candidate for years, and passes at 19, not 16."""
    scenario = quiet_scenario(quiet_commune.path, switches={"introducers": True})
    model = CommuneModel(scenario, 3)
    candidate = v02_candidate(model)
    mentor = model.pipeline.introducers.of[candidate][0]
    model.env.run(until=13.0)
    model.leaves_home(mentor, GONE, "moved")
    result = model.run()
    admitted = result.admissions.set_index("person")["time"].round(9)
    assert admitted[candidate] == 19.0
    assert sorted(admitted.drop(candidate).tolist()) == [16.0, 16.0]
    steps = result.pipeline_steps
    mine = steps[steps["person"] == candidate]
    assert mine[mine["step"].isin(["introducer_left", "file_broken"])]["time"].tolist() == [
        13.0,
        13.0,
    ]


def test_introducers_must_have_worked_with_the_applicant_for_a_year(
    quiet_commune: CommuneFolder,
) -> None:
    """V02's official members came to live there at t = 10: at the vote (t = 16) they have
    known the candidate 6 months, so the file waits until t = 22."""
    scenario = quiet_scenario(quiet_commune.path, switches={"introducers": True})
    model = CommuneModel(scenario, 3)
    for member in model.party.res_official_ids[1]:
        model.pop.home_since[member] = 10.0
    candidate = v02_candidate(model)
    admitted = model.run().admissions.set_index("person")["time"].round(9)
    assert admitted[candidate] == 22.0


@pytest.mark.parametrize(("youth_union", "admitted"), [(True, [16.0]), (False, [])])
def test_a_youth_union_member_needs_one_introducer(
    quiet_commune: CommuneFolder, youth_union: bool, admitted: list[float]
) -> None:
    """V02 has one official member. A Youth Union member (everyone is one here) needs one
    introducer plus the Youth Union's resolution and is admitted; anyone else needs two and
    cannot be, for lack of introducers."""
    quiet_commune.set("villages.csv", 0, "candidates", 0)
    quiet_commune.set("villages.csv", 1, "members_official", 1)
    quiet_commune.replace("commune.toml", "party_members = 20", "party_members = 18")
    scenario = quiet_scenario(
        quiet_commune.path,
        switches={"introducers": True},
        youth_union_age_max=100,
        youth_union_active_share=1.0 if youth_union else 0.0,
        active_spell_years=1000.0,
    )
    result = sim.run(scenario, seed=3)
    assert admission_times(result) == admitted
    reasons = result.pipeline_exits["reason"].tolist()
    assert reasons == ([] if youth_union else ["no_introducers"])


# -- conscripts ------------------------------------------------------------------------------


def test_conscripts_admitted_in_service_meet_the_rules_and_serve_probation_there(
    quiet_commune: CommuneFolder,
) -> None:
    """Every man of call-up age is called up in February 2015 and every one who may be is
    admitted in service: exactly those with lower-secondary schooling, 12 to 24 months into
    their service; admitted less than a year before discharge, they come home probationary
    and are recognised 12 months after their admission."""
    scenario = quiet_scenario(
        quiet_commune.path,
        "2017-12-31",
        {"in_service_rules": True},
        callup_share=1.0,
        admitted_in_service_prob=1.0,
        in_service_admission_earliest_months=12,
    )
    model = CommuneModel(scenario, 4)
    model.env.run(until=1.6)  # just after the call-up of mid-February 2015
    pop = model.pop
    called = [pid for pid in range(pop.size) if pop.place[pid] == MILITARY]
    eligible = {
        pid
        for pid in called
        if pop.education[pid] >= LOWER_SECONDARY and pop.member[pid] == NOT_MEMBER
    }
    assert 10 < len(eligible) < len(called)
    model.env.run(until=25.5 + 1e-6)  # just after their discharge in mid-February 2017
    admitted = {row[9]: row[0] for row in model.recorder.admissions if not row[8]}
    first = {pid: when for pid, when in admitted.items() if when < 25.5}
    assert set(first) == eligible
    assert all(13.5 <= when < 25.5 for when in first.values())
    assert [(pop.place[pid], pop.member[pid]) for pid in first] == [(0, PROBATIONARY)] * len(first)
    result = model.run()
    recognised = result.recognitions.set_index("person")["time"]
    due = [pid for pid, when in first.items() if when + 12 < model.horizon]
    assert due and np.allclose([recognised[pid] - first[pid] for pid in due], 12.0)


# -- the rules on the real commune -------------------------------------------------------


def test_with_every_rule_every_admission_keeps_the_calendar() -> None:
    """On Nà Hỳ's data (every rule on): each counted admission was voted at a cell meeting,
    decided at a session after the forwarding, and its ceremony is on an anniversary within
    the limit, or ``ceremony_months`` after the decision."""
    scenario = sim.load_scenario(NAHY / "scenarios" / "resolution-2015.toml")
    p, calendar = scenario.parameters, scenario.commune.calendar
    from sim.model.party_calendar import PartyCalendar

    cal = PartyCalendar(calendar, scenario.start, 200.0)
    result = sim.run(scenario, seed=1)
    counted = result.admissions[result.admissions["counted"]]
    assert len(counted) > 30
    meetings = np.round(cal.meetings, 9)
    for voted, ceremony in zip(counted["vote_time"], counted["time"], strict=True):
        assert round(voted, 9) in meetings
        decision = cal.next_session(voted + p["forwarding_months"])
        anniversary = cal.next_anniversary(decision)
        expected = (
            anniversary
            if anniversary - decision <= p["ceremony_max_months"]
            else decision + p["ceremony_months"]
        )
        assert ceremony == pytest.approx(expected, abs=1e-9)


def test_a_scenario_switches_a_rule_off_and_the_run_records_it() -> None:
    scenario = sim.load_scenario(NAHY / "scenarios" / "baseline.toml").with_switches(
        cell_vote=False, plan_driven=False
    )
    result = sim.run(scenario.with_horizon("2016-12-31"), seed=1)
    assert result.metadata["scenario"]["switches"]["cell_vote"] is False
    assert result.metadata["scenario"]["switches"]["introducers"] is True
