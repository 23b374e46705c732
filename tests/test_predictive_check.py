"""Predictive checks (sim/analysis/predictive_check.py): the tables say what the runs say."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest
from scipy import stats

from sim.analysis.observed import Observation
from sim.analysis.predictive_check import predictive_check, wilson, with_reading_error


def obs(metric: str, value: float, uncertainty: float = 0.0, joint: str = "") -> Observation:
    day = date(2017, 3, 31)
    return Observation(metric, date(2017, 1, 1), day, value, uncertainty=uncertainty, joint=joint)


def test_wilson_interval_holds_the_share_and_stays_in_range() -> None:
    for hits, n in ((0, 50), (1, 50), (25, 50), (50, 50), (3, 7)):
        low, high = wilson(hits, n)
        assert 0.0 <= low <= hits / n <= high <= 1.0
    assert wilson(0, 0) == (0.0, 1.0)
    # near 0 the interval is not the degenerate [0, 0] of the normal approximation
    assert wilson(0, 100)[1] == pytest.approx(0.037, abs=0.001)


def test_inside_and_tails_are_read_from_the_runs() -> None:
    used = [obs("admissions", 8), obs("admissions_farmer", 5)]
    runs = np.column_stack([np.arange(100) % 10, np.zeros(100)])  # 0..9 evenly; always 0
    check = predictive_check(used, {"posterior": runs})
    rows = check.figures.set_index("metric")
    assert rows.loc["admissions", "inside_90"]
    assert rows.loc["admissions", "p_at_most"] == pytest.approx(0.9)
    assert rows.loc["admissions", "p_at_least"] == pytest.approx(0.2)
    assert not rows.loc["admissions_farmer", "inside_90"]
    assert rows.loc["admissions_farmer", "p_at_least"] == 0.0
    assert not check.all_inside()


def test_a_joint_record_is_the_share_of_runs_reproducing_all_of_it() -> None:
    used = [obs("admissions", 8, joint="q1"), obs("admissions_farmer", 5, joint="q1")]
    total = np.array([8, 8, 8, 7, 8, 8, 9, 8, 8, 8])
    farmers = np.array([5, 4, 5, 5, 5, 3, 5, 5, 2, 5])
    check = predictive_check(used, {"assumed": np.column_stack([total, farmers])})
    row = check.joint.iloc[0]
    assert row["record"] == "q1" and row["hits"] == 5 and row["probability"] == 0.5
    assert row["figures"] == "admissions = 8 & admissions_farmer = 5"
    assert row["low_95"] < 0.5 < row["high_95"]


def test_reading_error_is_added_only_to_figures_read_indirectly() -> None:
    used = [obs("party_members", 128), obs("departures_work", 79, uncertainty=20)]
    values = np.zeros((4000, 2))
    noisy = with_reading_error(values, used)
    assert (noisy[:, 0] == 0).all()
    # the standard deviation of 4,000 normal draws is within 5 % of sigma (about 4.5 standard
    # errors: sd of the sample sd is sigma / sqrt(2 n))
    assert np.std(noisy[:, 1]) == pytest.approx(20, rel=0.05)
    assert (with_reading_error(values, used) == noisy).all()  # a fixed generator


def test_a_model_that_is_right_puts_the_record_inside_90_percent_of_the_time() -> None:
    """Observed values drawn from the runs' own distribution fall inside the central 90 % of
    runs with probability about 0.9 (a little more for a finite number of runs). Over 400
    independent figures the count inside is Binomial(400, ~0.9): the bound is its 0.1 %
    quantile either side, decided from theory, for any seed."""
    rng = np.random.default_rng(11)
    trials, runs = 400, 500
    truth = rng.poisson(6.0, size=trials).astype(float)
    used = [obs("admissions", float(v)) for v in truth]
    simulated = rng.poisson(6.0, size=(runs, trials)).astype(float)
    inside = int(predictive_check(used, {"posterior": simulated}).figures["inside_90"].sum())
    # counts tie at the ends of the interval, so "inside" (ends included) is at least 0.9
    low = stats.binom.ppf(0.001, trials, 0.9)
    assert low <= inside <= trials
    far = [obs("admissions", float(v) + 8) for v in truth]  # a model that is wrong by 8
    wrong = int(predictive_check(far, {"posterior": simulated}).figures["inside_90"].sum())
    assert wrong < stats.binom.ppf(0.001, trials, 0.9) / 2
