"""Observed figures and their readings on a run (sim/analysis/observed.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import sim
from sim.analysis.observed import measure_plan, observations
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
        "population@2022-07-01": 5253,
        "callups@2017-01-01..2017-12-31": 5.7,
        "departures_work@2018-01-01..2018-12-31": 79,
        "poor_household_share@2016-12-31": 0.7209,
        "poor_household_share@2019-12-31": 0.6012,
        "poor_household_share@2020-12-31": 0.5174,
    }
    reasons = {s.metric: s.reason for s in skipped}
    assert set(reasons) == {"school_cells", "agency_cells", "villages", "admissions_year_plan"}
    assert "fixed by the data" in reasons["villages"]
    assert "a plan" in reasons["admissions_year_plan"]
    by_key = {o.key: o for o in used}
    # the district's figures brought to the commune's share carry their reading's uncertainty
    assert by_key["departures_work@2018-01-01..2018-12-31"].uncertainty == 20
    assert by_key["party_members@2017-04-14"].uncertainty == 0
    # the first quarter's split is one record
    q1 = {o.metric for o in used if o.joint == "q1_2017"}
    assert q1 == {"admissions", "admissions_youth_union", "admissions_farmer"}


def test_births_and_returns_read_the_flows_and_the_migration_log(
    calibration_scenario: sim.Scenario,
) -> None:
    """Two figures no source gives yet (the validation note asks for them), read on a run."""
    from sim.analysis.observed import Observation, measure_plan

    year = (pd.Timestamp("2018-01-01").date(), pd.Timestamp("2018-12-31").date())
    used = [Observation("births", *year, 0.0), Observation("returns", *year, 0.0)]
    plan = measure_plan(calibration_scenario, used)
    result = sim.run(calibration_scenario, 3)
    births, returns = plan.measure(result.record)
    flows = result.flows
    in_2018 = flows["month"].between(36, 47)  # the run starts on 1 January 2015
    expected_births = flows[(flows["flow"] == "births") & in_2018]
    assert births == expected_births["people"].sum() > 0
    log = result.migrations
    assert returns == ((log["move"] == "return") & (log["date"].dt.year == 2018)).sum() > 0


def test_a_scenario_ending_before_a_figure_skips_it_with_a_reason(
    calibration_scenario: sim.Scenario,
) -> None:
    used, skipped = observations(calibration_scenario.with_horizon("2017-04-30"))
    assert "population@2022-07-01" not in {o.key for o in used}
    reasons = {s.metric: s.reason for s in skipped}
    assert "outside the scenario's period" in reasons["population"]


def test_observed_csv_without_the_optional_columns_is_read_as_direct_and_separate(
    tmp_path,
) -> None:
    from tests.conftest import write_commune

    commune = sim.load_commune(write_commune(tmp_path))
    assert "uncertainty" not in commune.observed.columns  # the fixture's header lacks them
    scenario = sim.scenario_from_dict({"name": "x", "commune": str(commune.path)})
    used, _ = observations(scenario)
    assert used and all(o.uncertainty == 0 and o.joint == "" for o in used)


def test_a_negative_uncertainty_is_one_line_naming_the_row(tmp_path) -> None:
    from tests.conftest import write_commune

    folder = write_commune(tmp_path)
    path = folder / "observed.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[0] += ",uncertainty,joint"
    lines[1:] = [line + ",-1," for line in lines[1:]]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(sim.InputError) as error:
        sim.load_commune(folder)
    assert "observed.csv: row 2:uncertainty: -1.0 is negative" in str(error.value)


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
        population, migrations = result.population, result.migrations
        july = pd.Timestamp("2022-07-01")
        poverty = result.poverty.set_index("date")
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
            "population@2022-07-01": int(
                population[(population["date"] == july) & (population["place"] == "home")][
                    "people"
                ].sum()
            ),
            "callups@2017-01-01..2017-12-31": int(result.callups["date"].dt.year.eq(2017).sum()),
            "departures_work@2018-01-01..2018-12-31": int(
                (
                    (migrations["move"] == "leave")
                    & (migrations["reason"] == "work")
                    & (migrations["date"].dt.year == 2018)
                ).sum()
            ),
            **{
                f"poor_household_share@{day}": poverty.loc[
                    pd.Timestamp(day[:8] + "01"), "poor_share"
                ]
                for day in ("2016-12-31", "2019-12-31", "2020-12-31")
            },
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
