"""Known-answer tests of the migration model (``sim/model/migration.py``).

Why these tests: leaving and coming back drive the model (finishing school
makes the young eligible for the party and likely to go), and the return has
several parts that a calibration can only trust if each does what its
parameter says. Each test switches everything else off (``QUIET``) and builds
a world in which one part of the migration model has an answer from theory:

- a share ``never_return_share`` of work migrants never comes back; the others
  are back within w months with probability 1 - (1 - return_within_5y)^(w/60);
- a study leaver's course is uniform between ``study_months_min`` and
  ``study_months_max`` (exact bounds on every delay; the mean and variance of
  the delays against the uniform's);
- only upper-secondary completers leaving within two years of completion go
  to study, a share ``study_share_after_upper_secondary`` of them, and
  ``return_after_study`` of the students come home when the course ends;
- young work migrants come home to marry at ``marriage_return_rate`` a year,
  and never past ``marriage_return_age_max``;
- lower-secondary completers leave at ``leave_lower_secondary_multiplier``
  times the hazard of the others;
- with no settling, no study and no marriage, return is the pure exponential
  of ``return_within_5y``.

Stochastic checks use fixed seeds and bounds from theory (four standard
deviations of a binomial count, or of a mean or variance of iid draws), never
values copied from a run; each test also shows that a plausible wrong model
would fall outside its bound. Departures and returns are read from
``RunResult.migrations``; where a test needs a person's state at the start
(education, age) it builds the ``CommuneModel`` itself.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sim
from sim.model import CommuneModel
from sim.model.population import AWAY, HOME, LOWER_SECONDARY, NOT_MEMBER
from tests.conftest import CommuneFolder, write_commune
from tests.test_model import four_sigma, immortal, quiet_scenario

#: The fixture commune's upper-secondary completion age (education.csv): the
#: post-completion spike and the study window run over [18, 20).
UPPER_AGE = 18.0
#: The model's horizon is the last day's end: a run to 2019-12-31 records month 60.
FIVE_YEARS = "2019-12-31"
T_FIVE_YEARS = 60.0


@pytest.fixture
def folder(tmp_path: Path) -> CommuneFolder:
    """The fixture commune with nobody dying."""
    commune = CommuneFolder(write_commune(tmp_path / "migration"))
    immortal(commune)
    return commune


def set_education(folder: CommuneFolder, shares: tuple[float, float, float, float]) -> None:
    """Share completing at least primary, lower, upper secondary and beyond, poor or not."""
    for row, share in enumerate(shares):
        folder.set("education.csv", row, "share_poor", share)
        folder.set("education.csv", row, "share_nonpoor", share)


def mostly_teenagers(folder: CommuneFolder) -> None:
    """90 % of the people aged 15-19 (uniform on [15, 20)), so that many reach the study
    window [18, 20) within two years; 10 % aged 20-59, among whom the members are placed."""
    set_age_bands(folder, [(0, 14, 0.0), (15, 19, 0.45), (20, 59, 0.05), (60, 100, 0.0)])


def set_age_bands(folder: CommuneFolder, bands: list[tuple[int, int, float]]) -> None:
    """The four bands of age_structure.csv: (age_from, age_to, share of each sex)."""
    for row, (start, end, share) in enumerate(bands):
        folder.set("age_structure.csv", row, "age_from", start)
        folder.set("age_structure.csv", row, "age_to", end)
        folder.set("age_structure.csv", row, "male", share)
        folder.set("age_structure.csv", row, "female", share)


def mostly_young_adults(folder: CommuneFolder) -> None:
    """80 % of the residents aged 18-30, so that ``away_share_at_start`` 0.5 (one away per
    resident of that age, the most ``build_absent_youth`` can draw) puts ~800 away."""
    bands = [(0, 17, 0.05), (18, 30, 0.4), (31, 59, 0.05), (60, 100, 0.0)]
    set_age_bands(folder, bands)


def no_candidates(folder: CommuneFolder) -> None:
    """Nobody in the admission pipeline, so that no resident becomes a member (and stops
    following the youth leaving hazard) during the run."""
    for row in range(3):
        folder.set("villages.csv", row, "candidates", 0)


def everyone_leaves_at(h: float) -> dict[str, float]:
    """Parameters for leaving at the constant hazard ``h`` (a year) at every age and level:
    the post-completion spike sized to equal ``h`` (as in the pure-decay test)."""
    return {
        "leave_age_min": 0,
        "leave_age_max": 100,
        "leave_hazard_young": h,
        "leave_hazard_adult": h,
        "leave_after_upper_secondary_2y": 1 - math.exp(-2 * h),
    }


def leaves_with_next_return(result: sim.RunResult) -> pd.DataFrame:
    """Every departure, with the time and reason of the same person's next return (NaN if
    they were still away at the horizon). A person away cannot leave again, so the row
    after a departure, if any, is their return."""
    log = result.migrations.sort_values(["person", "time"], kind="stable")
    following = log.groupby("person")[["move", "reason", "time"]].shift(-1)
    leaves = log[log["move"] == "leave"].copy()
    after = following.loc[leaves.index]
    assert not (after["move"] == "leave").any(), "left twice without coming back"
    came_back = after["move"] == "return"
    leaves["back"] = after["time"].where(came_back)
    leaves["back_reason"] = after["reason"].where(came_back)
    return leaves


def returns(result: sim.RunResult) -> pd.DataFrame:
    log = result.migrations
    return log[log["move"] == "return"]


def away_at_start(result: sim.RunResult) -> int:
    population = result.population
    start = population[(population["month"] == 0) & (population["place"] == "away")]
    return int(start["people"].sum())


# -- settling away for good -----------------------------------------------------------


@pytest.mark.known_answer
def test_a_share_of_work_migrants_never_returns(folder: CommuneFolder) -> None:
    """Everyone leaves at h; a work migrant settles away for good with probability s, the
    others return at the constant hazard of ``return_within_5y`` = R. For each first
    departure at L < 60 - w, back within w months is Bernoulli((1 - s)(1 - (1 - R)^(w/60))),
    independently of L, so the count back is binomial."""
    h, s, r5, w = 1.0, 0.3, 0.99, 24.0
    scenario = quiet_scenario(
        folder.path,
        horizon=FIVE_YEARS,
        **everyone_leaves_at(h),
        never_return_share=s,
        return_within_5y=r5,
    )
    result = sim.run(scenario, seed=21)
    leaves = leaves_with_next_return(result)
    assert (leaves["reason"] == "work").all()  # no study share: every leaver works away
    assert (returns(result)["reason"] == "end_of_job").all()  # no marriage returns
    first = leaves.drop_duplicates("person")
    cohort = first[first["time"] < T_FIVE_YEARS - w]
    n = len(cohort)
    assert n > 800  # about 95 % of the ~990 non-member residents leave within 36 months
    back = int((cohort["back"] - cohort["time"] <= w).sum())
    p = (1 - s) * (1 - (1 - r5) ** (w / 60))
    bound = four_sigma(n, p)
    assert abs(back - n * p) < bound, (back, n * p, bound)
    # the test can fail: without settling, or with s 0.1 higher, the count is out of bounds
    for wrong in (0.0, s + 0.1):
        p_wrong = (1 - wrong) * (1 - (1 - r5) ** (w / 60))
        assert abs(p_wrong - p) * n > bound


# -- study ------------------------------------------------------------------------------


@pytest.mark.known_answer
def test_students_come_home_when_their_course_ends(folder: CommuneFolder) -> None:
    """Everyone completes upper secondary and (nearly) all leave in the two years after,
    all to study, and all come home when the course ends: every delay from leaving to
    coming back lies in [min, max]; the delays are iid uniform, so their mean is
    (min + max)/2 and their variance (max - min)^2/12, within four standard errors."""
    lo, hi = 12.0, 36.0
    set_education(folder, (1.0, 1.0, 1.0, 0.1))
    mostly_teenagers(folder)
    scenario = quiet_scenario(
        folder.path,
        horizon=FIVE_YEARS,
        leave_after_upper_secondary_2y=0.99,  # the spike is the only leaving hazard
        study_share_after_upper_secondary=1.0,
        return_after_study=1.0,
        study_months_min=lo,
        study_months_max=hi,
    )
    result = sim.run(scenario, seed=22)
    leaves = leaves_with_next_return(result)
    assert (leaves["reason"] == "study").all()
    assert leaves["age"].between(UPPER_AGE, UPPER_AGE + 2, inclusive="left").all()
    assert (returns(result)["reason"] == "end_of_study").all()
    # exact: every course ending before the horizon brought its student home in [lo, hi]
    back = leaves.dropna(subset=["back"])
    delay = back["back"] - back["time"]
    assert delay.between(lo - 1e-9, hi + 1e-9).all(), delay.describe()
    assert (back["back_reason"] == "end_of_study").all()
    observed = leaves[leaves["time"] < T_FIVE_YEARS - hi]  # every course ends in the run
    assert observed["back"].notna().all()
    delay = observed["back"] - observed["time"]
    n = len(delay)
    assert n > 400
    mean, var = (lo + hi) / 2, (hi - lo) ** 2 / 12
    mean_bound = 4 * math.sqrt(var / n)
    assert abs(delay.mean() - mean) < mean_bound, (delay.mean(), mean, mean_bound)
    # the sample variance of n iid draws has variance (mu4 - var^2 (n-3)/(n-1)) / n, with
    # the uniform's fourth central moment mu4 = (hi - lo)^4 / 80
    mu4 = (hi - lo) ** 4 / 80
    var_bound = 4 * math.sqrt((mu4 - var**2 * (n - 3) / (n - 1)) / n)
    assert abs(delay.var() - var) < var_bound, (delay.var(), var, var_bound)
    # the test can fail: a fixed course of (lo + hi)/2 has variance 0; a course uniform on
    # [0, hi] has mean hi/2; a course uniform on [lo, hi] years would fail the exact bounds
    assert var > var_bound
    assert abs(hi / 2 - mean) > mean_bound


def test_a_share_of_upper_secondary_leavers_go_to_study_and_a_share_come_back(
    folder: CommuneFolder,
) -> None:
    """Youth leave at a constant hazard from 16, upper-secondary completers also in the
    spike after completion. Only those leaving within two years of completion go to
    study, each with probability ``study_share_after_upper_secondary`` (binomial count);
    a student comes home at the end of the course with probability ``return_after_study``
    (binomial among courses ending in the run); work migrants (``never_return_share`` 1),
    including students who stay on to work, never come back."""
    study, home_after, lo, hi = 0.4, 0.6, 12.0, 36.0
    set_education(folder, (1.0, 0.9, 0.8, 0.1))
    mostly_teenagers(folder)
    scenario = quiet_scenario(
        folder.path,
        horizon=FIVE_YEARS,
        leave_hazard_young=0.2,  # from 16 to 30, at every level
        leave_after_upper_secondary_2y=0.9,
        study_share_after_upper_secondary=study,
        return_after_study=home_after,
        study_months_min=lo,
        study_months_max=hi,
        never_return_share=1.0,
    )
    result = sim.run(scenario, seed=23)
    leaves = leaves_with_next_return(result)
    completed = leaves["education"].isin(["upper_secondary", "beyond"])
    in_window = completed & leaves["age"].between(UPPER_AGE, UPPER_AGE + 2, inclusive="left")
    # exact: nobody outside the window studies, and work migrants never come back
    assert (leaves.loc[~in_window, "reason"] == "work").all()
    assert (~in_window).sum() > 100  # the rule is exercised: young workers of every level
    assert leaves.loc[leaves["reason"] == "work", "back"].isna().all()
    assert (returns(result)["reason"] == "end_of_study").all()
    # the share of students among those leaving in the window
    n = int(in_window.sum())
    students = int((leaves.loc[in_window, "reason"] == "study").sum())
    bound = four_sigma(n, study)
    assert abs(students - n * study) < bound, (students, n * study, bound)
    assert abs(0.5 - study) * n > bound  # the test can fail: a share of 0.5 would be out
    # the share of students back at the end of a course that ends in the run
    courses = leaves[(leaves["reason"] == "study") & (leaves["time"] < T_FIVE_YEARS - hi)]
    m = len(courses)
    assert m > 100
    back = courses["back"].notna()
    assert (
        (courses.loc[back, "back"] - courses.loc[back, "time"]).between(lo - 1e-9, hi + 1e-9).all()
    )
    came_home = int(back.sum())
    bound = four_sigma(m, home_after)
    assert abs(came_home - m * home_after) < bound, (came_home, m * home_after, bound)
    assert abs(0.4 - home_after) * m > bound  # the test can fail: 0.4 would be out


# -- marriage ---------------------------------------------------------------------------


@pytest.mark.known_answer
def test_young_work_migrants_come_home_to_marry_at_the_marriage_rate(
    folder: CommuneFolder,
) -> None:
    """The young away at the start (aged 18-30, work migrants) with no job returns and no
    settling, under an age limit none of them reaches in the run: each is back to marry
    by t months with probability 1 - exp(-m t / 12), independently (binomial)."""
    m = 0.5  # a year
    mostly_young_adults(folder)
    scenario = quiet_scenario(
        folder.path,
        horizon=FIVE_YEARS,
        away_share_at_start=0.5,  # one away per resident aged 18-30
        return_within_5y=0.0,
        never_return_share=0.0,
        marriage_return_rate=m,
        marriage_return_age_max=40,  # above 30 + 5 years of the run
    )
    result = sim.run(scenario, seed=24)
    n = away_at_start(result)
    assert n > 600
    back = returns(result)
    assert (back["reason"] == "marriage").all()
    assert len(result.migrations) == len(back)  # nobody leaves: every return is one of them
    for month in (6, 12, 24, 36, 60):
        p = 1 - math.exp(-m * month / 12)
        count = int((back["time"] <= month).sum())
        bound = four_sigma(n, p)
        assert abs(count - n * p) < bound, (month, count, n * p, bound)
    # the test can fail: a rate read per month (or not at all) is far outside at one year
    p_year = 1 - math.exp(-m)
    assert abs(1 - math.exp(-12 * m) - p_year) * n > four_sigma(n, p_year)


def test_nobody_comes_home_to_marry_past_the_age_limit(folder: CommuneFolder) -> None:
    """As above with ``marriage_return_age_max`` A = 25: a migrant aged a at the start is
    exposed to the marriage hazard for min(t, 12 (A + 1 - a))+ months, so is back by t with
    probability p(a, t) = 1 - exp(-m min(t/12, A + 1 - a)+). Given the ages at the start,
    the count back is a sum of independent Bernoullis (mean sum p, variance sum p(1 - p));
    and no return for marriage is at age A + 1 or more (exact)."""
    m, limit = 0.5, 25
    mostly_young_adults(folder)
    scenario = quiet_scenario(
        folder.path,
        horizon=FIVE_YEARS,
        away_share_at_start=0.5,
        return_within_5y=0.0,
        never_return_share=0.0,
        marriage_return_rate=m,
        marriage_return_age_max=limit,
    )
    model = CommuneModel(scenario, 25)
    pop = model.pop
    away = pop.column("place") == AWAY
    age0 = -pop.column("birth")[away] / 12.0
    result = model.run()
    model.close()
    assert len(age0) > 600
    assert (age0 > limit + 1).sum() > 100  # some are already too old at the start
    back = returns(result)
    assert (back["reason"] == "marriage").all()
    assert (back["age"] < limit + 1).all(), back["age"].max()
    for month in (12, 36, 60):
        exposure = np.clip(np.minimum(month / 12, limit + 1 - age0), 0.0, None)
        p = 1 - np.exp(-m * exposure)
        count = int((back["time"] <= month).sum())
        bound = 4 * math.sqrt(float((p * (1 - p)).sum()))
        assert abs(count - p.sum()) < bound, (month, count, p.sum(), bound)
    # the test can fail: without the age limit, 1 - exp(-m t/12) of all would be back
    p_unlimited = 1 - math.exp(-m * 5)
    assert abs(p_unlimited * len(age0) - p.sum()) > bound


# -- the schooling multiplier -----------------------------------------------------------


@pytest.mark.known_answer
def test_lower_secondary_completers_leave_at_the_multiplied_hazard(
    folder: CommuneFolder,
) -> None:
    """Half the people complete lower secondary (nobody upper secondary, so no spike);
    leaving is constant at h for all ages, times k for the completers. With no returns,
    each group's residents at home decay as Binomial(N_g, exp(-h_g t))."""
    h, k = 0.3, 2.0
    set_education(folder, (1.0, 0.5, 0.0, 0.0))
    no_candidates(folder)
    scenario = quiet_scenario(
        folder.path,
        horizon="2017-12-31",
        **everyone_leaves_at(h),
        leave_lower_secondary_multiplier=k,
    )
    model = CommuneModel(scenario, 26)
    pop = model.pop
    age0 = -pop.column("birth") / 12.0
    # those the youth hazard applies to, and who stay below leave_age_max + 1 = 101
    # (where the adult hazard, not multiplied, would take over) for the 3 years
    cohort = np.flatnonzero(
        (pop.column("place") == HOME)
        & ~pop.column("staff")
        & (pop.array("member") == NOT_MEMBER)
        & (age0 < 97)
    )
    schooled = pop.column("education")[cohort] >= LOWER_SECONDARY
    result = model.run()
    model.close()
    assert len(returns(result)) == 0
    left = result.migrations.drop_duplicates("person").set_index("person")["time"]
    left_at = left.reindex(cohort).to_numpy()  # NaN: still at home at the horizon
    for group, rate in ((~schooled, h), (schooled, h * k)):
        n = int(group.sum())
        assert n > 400
        for month in (12, 24, 36):
            p = math.exp(-rate * month / 12)
            home = n - int((left_at[group] <= month).sum())
            bound = four_sigma(n, p)
            assert abs(home - n * p) < bound, (rate, month, home, n * p, bound)
    # the test tells the groups apart: at 36 months, completers leaving at h (no
    # multiplier) would be far outside their bound
    n = int(schooled.sum())
    p = math.exp(-h * k * 3)
    assert abs(math.exp(-h * 3) - p) * n > four_sigma(n, p)


# -- the switched-down case --------------------------------------------------------------


@pytest.mark.known_answer
def test_returns_alone_are_the_pure_exponential_of_return_within_5y(
    folder: CommuneFolder,
) -> None:
    """No settling, no study, no marriage: the young away at the start come back at the
    constant hazard -ln(1 - R)/60 a month, so by t months 1 - (1 - R)^(t/60) of them are
    back (R at 60 months), independently: binomial."""
    r5 = 0.35
    mostly_young_adults(folder)
    scenario = quiet_scenario(
        folder.path,
        horizon=FIVE_YEARS,
        away_share_at_start=0.5,
        return_within_5y=r5,
    )
    result = sim.run(scenario, seed=27)
    n = away_at_start(result)
    assert n > 600
    back = returns(result)
    assert len(result.migrations) == len(back)  # nobody leaves
    assert (back["reason"] == "end_of_job").all()
    for month in (12, 24, 36, 60):
        p = 1 - (1 - r5) ** (month / 60)
        count = int((back["time"] <= month).sum())
        bound = four_sigma(n, p)
        assert abs(count - n * p) < bound, (month, count, n * p, bound)
    # the test can fail: R back within one year (a hazard five times too high) is out
    p = 1 - (1 - r5) ** (12 / 60)
    assert abs(r5 - p) * n > four_sigma(n, p)


@pytest.mark.parametrize(
    ("limits", "expected"),
    [
        # the usual case: young hazard from 16, the spike over [18, 20), adult from 31
        ({}, [(15, 0.0), (17, 0.065), (19, "spike"), (25, 0.065), (40, 0.005)]),
        # leaving starts after the spike: nothing between the spike and leave_age_min
        ({"leave_age_min": 22}, [(17, 0.0), (19, "spike"), (21, 0.0), (25, 0.065)]),
        # the young hazard ends before completion: adult hazard on both sides of the spike
        (
            {"leave_age_min": 16, "leave_age_max": 16},
            [(16.5, 0.065), (17.5, 0.005), (19, "spike"), (21, 0.005)],
        ),
    ],
)
def test_the_leaving_profile_keeps_every_age_limit(limits: dict, expected: list) -> None:
    """The upper-secondary profile by age: each band gets the hazard its limits give."""
    from sim.model.migration import leaving_profiles

    p = {
        "leave_age_min": 16,
        "leave_age_max": 30,
        "leave_hazard_young": 0.05,
        "leave_hazard_adult": 0.005,
        "leave_lower_secondary_multiplier": 1.3,
        "leave_after_upper_secondary_2y": 0.6,
        **limits,
    }
    upper = leaving_profiles(p, UPPER_AGE)[2]
    spike = -math.log(1 - 0.6) / 2
    for age, rate in expected:
        i = int(np.searchsorted(upper.edges, age, side="right")) - 1
        assert upper.rates[i] == pytest.approx(spike if rate == "spike" else rate), (limits, age)


def test_more_young_people_away_than_at_home_at_the_start(folder: CommuneFolder) -> None:
    """``away_share_at_start`` above one half (more away than at home): the number away is a
    Poisson count with mean share / (1 - share) times the residents aged 18-30."""
    share = 0.7
    scenario = quiet_scenario(folder.path, away_share_at_start=share)
    model = CommuneModel(scenario, 27)
    pop = model.pop
    age = -pop.column("birth") / 12.0
    place = pop.column("place")
    home_young = int(((place == HOME) & (age >= 18) & (age < 31)).sum())
    away = int((place == AWAY).sum())
    mean = home_young * share / (1 - share)
    assert abs(away - mean) < 4 * math.sqrt(mean), (away, mean)
