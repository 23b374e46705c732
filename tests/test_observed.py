"""Observed figures and their readings on a run (sim/observed.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import sim
from sim.observed import measure_plan, observations
from tests.conftest import NAHY


@pytest.fixture(scope="module")
def calibration_scenario() -> sim.Scenario:
    return sim.load_scenario(NAHY / "scenarios" / "calibrate-2017.toml")


def test_the_articles_figures_are_used_and_the_others_skipped_with_a_reason(
    calibration_scenario: sim.Scenario,
) -> None:
    used, skipped = observations(calibration_scenario)
    assert {o.key: o.value for o in used} == {
        "party_members@2017-04-14": 128,
        "cells@2017-04-14": 9,
        "village_cells@2017-04-14": 4,
        "white_villages@2017-04-14": 2,
        "villages_without_cell@2017-04-14": 4,
        "white_villages_eliminated@2015-01-01..2017-04-14": 1,
        "admissions@2017-01-01..2017-03-31": 8,
        "admissions_youth_union@2017-01-01..2017-03-31": 3,
        "admissions_farmer@2017-01-01..2017-03-31": 5,
        "admissions_min_education_lower_secondary@2017-01-01..2017-03-31": 1.0,
    }
    reasons = {s.metric: s.reason for s in skipped}
    assert set(reasons) == {
        "school_cells",
        "agency_cells",
        "villages",
        "admissions_year_plan",
        "population",
    }
    assert "fixed by the data" in reasons["villages"]
    assert "a plan" in reasons["admissions_year_plan"]
    assert "outside the scenario's period" in reasons["population"]  # dated 2022


def test_metrics_can_be_chosen(calibration_scenario: sim.Scenario) -> None:
    used, skipped = observations(calibration_scenario, ["admissions", "white_villages"])
    assert [o.metric for o in used] == ["white_villages", "admissions"]
    assert any(s.reason == "not among the metrics asked for" for s in skipped)


def test_readings_on_the_record_agree_with_the_result_tables(
    calibration_scenario: sim.Scenario,
) -> None:
    """The fast readings (plain arrays) against the same figures from the pandas tables."""
    used, _ = observations(calibration_scenario)
    plan = measure_plan(calibration_scenario, used)
    for seed in (1, 2):
        result = sim.run(calibration_scenario, seed)
        got = dict(zip(plan.keys, plan.measure(result.record), strict=True))
        april = pd.Timestamp("2017-04-01")
        admissions = result.admissions
        q1 = admissions[
            admissions["counted"]
            & (admissions["date"] >= "2017-01-01")
            & (admissions["date"] < "2017-04-01")
        ]
        status = result.village_status_monthly
        at_april = status[status["date"] == april]["status"]
        at_start = status[status["month"] == 0].set_index("village")["status"]
        at_end = status[status["date"] == april].set_index("village")["status"]
        cells = result.members_by_cell
        cells_april = cells[cells["date"] == april]
        other = {c.id for c in calibration_scenario.commune.cells if c.kind != "village"}
        expected = {
            "party_members@2017-04-14": result.members_total().loc[april],
            "cells@2017-04-14": len(cells_april),
            "village_cells@2017-04-14": int((~cells_april["cell"].isin(other)).sum()),
            "white_villages@2017-04-14": result.white_villages().loc[april],
            "villages_without_cell@2017-04-14": int((at_april != "own_cell").sum()),
            "white_villages_eliminated@2015-01-01..2017-04-14": int(
                ((at_start == "white") & (at_end != "white")).sum()
            ),
            "admissions@2017-01-01..2017-03-31": len(q1),
            "admissions_youth_union@2017-01-01..2017-03-31": int(
                (q1["source_group"] == "youth_union").sum()
            ),
            "admissions_farmer@2017-01-01..2017-03-31": int((q1["source_group"] == "farmer").sum()),
            "admissions_min_education_lower_secondary@2017-01-01..2017-03-31": (
                float(q1["education"].isin(["lower_secondary", "upper_secondary", "beyond"]).mean())
                if len(q1)
                else 1.0
            ),
        }
        assert got == pytest.approx(expected), seed


def test_the_model_moves_the_figures_the_calibration_fits(
    calibration_scenario: sim.Scenario,
) -> None:
    """A much higher spotting rate gives more admissions and members (else nothing to fit)."""
    used, _ = observations(calibration_scenario, ["admissions", "party_members"])
    plan = measure_plan(calibration_scenario, used)

    def mean(**parameters: float) -> np.ndarray:
        varied = calibration_scenario.with_parameters(**parameters)
        return np.mean([plan.measure(sim.run(varied, s).record) for s in range(4)], axis=0)

    low, high = mean(spotting_rate_cell=0.004), mean(spotting_rate_cell=0.05)
    assert (high > low).all(), (low, high)
