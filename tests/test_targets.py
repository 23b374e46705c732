"""Target definitions and the reduce step, on hand-built tables with known answers."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from sim.experiments.summary import (
    SUMMARY_KEYS,
    ending_months,
    probability,
    summarise,
    wilson_interval,
)
from sim.model.targets import TARGET_KEYS, TargetDefinitions, replication_metrics

START, HORIZON = date(2015, 1, 1), date(2017, 12, 31)
MONTHS = 37  # snapshots at the start of each month, 2015-01 .. 2018-01
VILLAGES = ("V1", "V2", "V3")


def definitions(per_year: int = 2, per_cell: int = 1) -> TargetDefinitions:
    return TargetDefinitions(
        start=START,
        horizon=HORIZON,
        admissions_per_year_min=per_year,
        admissions_per_cell_per_year_min=per_cell,
        cells=("C1", "C2"),
        villages=VILLAGES,
    )


def month_date(month: int) -> pd.Timestamp:
    return pd.Timestamp(2015, 1, 1) + pd.DateOffset(months=month)


def fake_run(
    admissions: list[tuple[int, str, bool]], statuses: dict[str, list[str]]
) -> SimpleNamespace:
    """A RunResult-like object: admissions (year, cell, counted); statuses by village and month."""
    adm = pd.DataFrame(admissions, columns=["year", "cell", "counted"])
    adm["date"] = pd.to_datetime([f"{y}-06-01" for y in adm["year"]])
    adm["time"] = 0.0
    months = np.arange(MONTHS)
    dates = [month_date(m) for m in months]
    status_rows = [(m, dates[m], v, statuses[v][m]) for m in months for v in VILLAGES]
    monthly = pd.DataFrame(status_rows, columns=["month", "date", "village", "status"])
    log_rows = []
    for v in VILLAGES:
        previous = None
        for m in months:
            if statuses[v][m] != previous:
                log_rows.append((float(m), dates[m], v, statuses[v][m]))
                previous = statuses[v][m]
    log = pd.DataFrame(log_rows, columns=["time", "date", "village", "status"])
    population = pd.DataFrame(
        [
            (m, dates[m], v, place, band, 10 * (i + 1))
            for m in months
            for v in VILLAGES
            for i, place in enumerate(("home", "away", "military"))
            for band in ("0-15", "16-30")
        ],
        columns=["month", "date", "village", "place", "age_band", "people"],
    )
    pipeline = pd.DataFrame({"month": months, "date": dates, "cultivation": months % 5})
    members_by_cell = pd.DataFrame(
        [(m, dates[m], c, 10 + m, 1) for m in months for c in ("C1", "C2")],
        columns=["month", "date", "cell", "official", "probationary"],
    )
    members_by_village = pd.DataFrame(
        [(m, dates[m], v, 3 if v == "V1" else 0, 0) for m in months for v in VILLAGES],
        columns=["month", "date", "village", "official", "probationary"],
    )
    return SimpleNamespace(
        admissions=adm,
        village_status=log,
        village_status_monthly=monthly,
        population=population,
        pipeline=pipeline,
        members_by_cell=members_by_cell,
        members_by_village=members_by_village,
        metadata={},
    )


#: 2015: 1; 2016: 3 (C1 x2, C2); 2017: 3 (C1, C2, a new cell C3); army admissions not counted
ADMISSIONS = [
    (2015, "C1", True),
    (2015, "army", False),
    (2015, "army", False),
    (2016, "C1", True),
    (2016, "C1", True),
    (2016, "C2", True),
    (2016, "army", False),
    (2017, "C1", True),
    (2017, "C2", True),
    (2017, "C3", True),
]
#: V1 has its own cell; V2 white until month 20; V3 white until month 31
STATUSES = {
    "V1": ["own_cell"] * MONTHS,
    "V2": ["white"] * 20 + ["joint"] * (MONTHS - 20),
    "V3": ["white"] * 31 + ["joint"] * (MONTHS - 31),
}


def test_target_booleans_known_answers() -> None:
    m = replication_metrics(fake_run(ADMISSIONS, STATUSES), definitions(per_year=2))
    s = m.scalars
    assert s["admissions_every_year_meet_target"] is True  # 3 and 3 in 2016-2017
    assert s["admissions_term_mean_meets_target"] is True  # 7 / 3 >= 2
    assert s["no_white_village_at_horizon"] is True
    assert s["every_village_has_cell_at_horizon"] is False  # V2, V3 joint
    assert s["every_cell_admits_each_year"] is True  # C1, C2 each year 2016-2017
    assert s["admissions_total"] == 7  # the three army admissions are not counted
    assert s["admissions_min_target_year"] == 3
    assert s["white_villages_at_horizon"] == 0
    assert s["last_white_village_ends"] == month_date(31)
    assert list(m.years["admissions"]) == [1, 3, 3]


def test_threshold_comes_from_definitions_and_army_is_not_counted() -> None:
    # threshold 3: 2016 and 2017 have 3 each, but the term mean is 7/3 < 3
    # (counting the army admissions would lift it to 10/3)
    s = replication_metrics(fake_run(ADMISSIONS, STATUSES), definitions(per_year=3)).scalars
    assert s["admissions_every_year_meet_target"] is True
    assert s["admissions_term_mean_meets_target"] is False
    s = replication_metrics(fake_run(ADMISSIONS, STATUSES), definitions(per_year=4)).scalars
    assert s["admissions_every_year_meet_target"] is False


def test_first_year_is_not_a_target_year() -> None:
    # no admission at all in 2015 does not break "every year" (2016-2017)
    admissions = [a for a in ADMISSIONS if a[0] != 2015]
    s = replication_metrics(fake_run(admissions, STATUSES), definitions(per_year=3)).scalars
    assert s["admissions_every_year_meet_target"] is True


def test_every_cell_admits_fails_when_one_cell_misses_a_year() -> None:
    admissions = [a for a in ADMISSIONS if a[:2] != (2017, "C2")]
    m = replication_metrics(fake_run(admissions, STATUSES), definitions())
    assert m.scalars["every_cell_admits_each_year"] is False
    cells = m.cells.set_index(["cell", "year"])["admissions"]
    assert cells["C1", 2016] == 2 and cells["C2", 2017] == 0 and cells["C3", 2017] == 1
    # per-cell threshold from the definitions: 2 a year fails for C2 in 2016
    s = replication_metrics(fake_run(ADMISSIONS, STATUSES), definitions(per_cell=2)).scalars
    assert s["every_cell_admits_each_year"] is False


def test_white_village_at_horizon() -> None:
    statuses = dict(STATUSES, V3=["white"] * 31 + ["joint"] * 5 + ["white"])
    m = replication_metrics(fake_run(ADMISSIONS, statuses), definitions())
    assert m.scalars["no_white_village_at_horizon"] is False
    assert m.scalars["white_villages_at_horizon"] == 1
    assert m.scalars["last_white_village_ends"] is pd.NaT
    villages = m.villages.set_index("village")
    assert villages.loc["V3", "status_at_horizon"] == "white"
    assert villages.loc["V3", "first_member_date"] == month_date(31)


def test_every_village_has_cell_and_never_white() -> None:
    statuses = {v: ["own_cell"] * MONTHS for v in VILLAGES}
    s = replication_metrics(fake_run(ADMISSIONS, statuses), definitions()).scalars
    assert s["every_village_has_cell_at_horizon"] is True
    assert s["last_white_village_ends"] == month_date(0)  # none was ever white


def test_village_and_month_records() -> None:
    m = replication_metrics(fake_run(ADMISSIONS, STATUSES), definitions())
    villages = m.villages.set_index("village")
    assert not villages.loc["V1", "white_at_start"]
    assert villages.loc["V1", "first_member_date"] == pd.Timestamp(START)
    assert villages.loc["V2", "white_at_start"]
    assert villages.loc["V2", "first_member_date"] == month_date(20)
    assert list(villages["members_at_horizon"]) == [3, 0, 0]
    months = m.months
    assert len(months) == MONTHS
    row = months.iloc[5]
    # 3 villages x 10/20/30 people aged 16-30 at home/away/military
    assert (row["youth_home"], row["youth_away"], row["youth_military"]) == (30, 60, 90)
    assert row["members"] == 2 * (10 + 5 + 1)
    assert row["white_villages"] == 2 and months.iloc[25]["white_villages"] == 1
    assert row["stage_cultivation"] == 0
    assert m.scalars["members_at_horizon"] == 2 * (10 + 36 + 1)


# -- Wilson intervals and the summary ------------------------------------------


@pytest.mark.parametrize(
    ("k", "n", "low", "high"),
    [  # Newcombe (1998), Stat. Med. 17:857-872, Table I, method 3 (score, no correction)
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0, 0.1611),
        (1, 29, 0.0061, 0.1718),
        (29, 29, 0.8830, 1.0),
    ],
)
def test_wilson_known_values(k: int, n: int, low: float, high: float) -> None:
    lo, hi = wilson_interval(k, n)
    assert lo == pytest.approx(low, abs=5e-5)
    assert hi == pytest.approx(high, abs=5e-5)


def test_wilson_edges() -> None:
    assert wilson_interval(0, 0) == (0.0, 1.0)
    assert wilson_interval(5, 10)[0] == pytest.approx(1 - wilson_interval(5, 10)[1])
    with pytest.raises(ValueError):
        wilson_interval(3, 2)


def test_probability_entry() -> None:
    entry = probability(pd.Series([True, False, False, True]))
    assert entry["p"] == 0.5
    assert entry["ci95"] == list(wilson_interval(2, 4))


def test_ending_months_counts_still_white_runs_as_late() -> None:
    dates = pd.Series(pd.to_datetime(["2016-01-01", "2016-03-01", None, None]))
    ending = ending_months(dates)
    assert ending["p05"] == "2016-01-01"
    assert ending["median"] == "2016-03-01"
    assert ending["p95"] is None  # falls among the runs still white at the horizon
    assert ending["share_some_village_white"] == 0.5
    assert ending["runs"] == 4


def test_summary_keys_and_values() -> None:
    reps = 10
    replications = pd.DataFrame(
        {
            "replication": range(reps),
            **{key: [i < 3 for i in range(reps)] for key in TARGET_KEYS},
            "white_villages_at_horizon": [0, 1] * 5,
            "last_white_village_ends": pd.to_datetime(["2017-05-01"] * reps),
        }
    )
    years = pd.DataFrame(
        {
            "replication": np.repeat(range(reps), 2),
            "year": [2015, 2016] * reps,
            "admissions": [v for i in range(reps) for v in (i, 2 * i)],
        }
    )
    summary = summarise({"replications": replications, "years": years})
    assert tuple(summary) == SUMMARY_KEYS
    for key in TARGET_KEYS:
        assert summary[key] == {"p": 0.3, "ci95": list(wilson_interval(3, 10))}
    assert summary["admissions_by_year"]["2015"]["mean"] == 4.5
    assert summary["admissions_by_year"]["2016"]["p50"] == 9.0
    assert summary["admissions_by_year"]["2015"]["p05"] == pytest.approx(0.45)
    assert summary["white_villages_at_horizon"]["mean"] == 0.5
    assert summary["last_white_village_ends"]["median"] == "2017-05-01"


@pytest.mark.parametrize("name", ["baseline", "resolution-2015"])
def test_record_and_tables_give_the_same_metrics(name: str) -> None:
    """The fast path (the run's record) and the table path agree on real runs."""
    import sim
    from sim.model.results import TABLES
    from sim.model.targets import definitions_for, digest_record, digest_tables
    from tests.ensemble_support import NAHY

    scenario = sim.load_scenario(NAHY / "scenarios" / f"{name}.toml").with_horizon("2017-12-31")
    d = definitions_for(scenario)
    for seed in (1, 2):
        result = sim.run(scenario, seed)
        tables = SimpleNamespace(**{table: getattr(result, table) for table in TABLES})
        fast = replication_metrics(digest_record(result.record), d)
        slow = replication_metrics(digest_tables(tables), d)
        assert fast.scalars.keys() == slow.scalars.keys()
        for key, value in fast.scalars.items():
            other = slow.scalars[key]
            assert value == other or (pd.isna(value) and pd.isna(other)), key
        for table in ("years", "cells", "villages", "months"):
            pd.testing.assert_frame_equal(getattr(fast, table), getattr(slow, table), obj=table)


def test_a_later_term_start_moves_the_term_mean_and_the_every_year_span() -> None:
    """targets.term_start is used: a term from 2016 averages 2016-2017 only (3 and 3),
    while the per-year table still has every simulated year."""
    later = replace(definitions(per_year=3), term_start=date(2016, 1, 1))
    assert later.run_years == (2015, 2016, 2017)
    assert later.term_years == (2016, 2017)
    assert later.target_years == (2016, 2017)
    m = replication_metrics(fake_run(ADMISSIONS, STATUSES), later)
    assert m.scalars["admissions_term_mean"] == 3.0  # (3 + 3) / 2, not 7 / 3
    assert m.scalars["admissions_term_mean_meets_target"] is True
    assert list(m.years["year"]) == [2015, 2016, 2017]
    assert later.to_dict()["term_years"] == [2016, 2017]
    # a term from 2017: only 2017 must reach the threshold
    latest = replace(definitions(per_year=3), term_start=date(2017, 1, 1))
    assert latest.target_years == (2017,)


def test_the_definitions_take_the_communes_term_start(commune) -> None:
    from sim.inputs.commune import load_commune
    from sim.model.targets import definitions_for

    before = load_commune(commune.path).targets.term_start
    later = date(before.year + 1, 1, 1)
    commune.replace("commune.toml", f"term_start = {before}", f"term_start = {later}")
    loaded = load_commune(commune.path)
    scenario = SimpleNamespace(commune=loaded, start=loaded.data_date, horizon=HORIZON)
    d = definitions_for(scenario)
    assert d.term_start == later
    assert d.term_years[0] == later.year


def test_target_keys_name_no_threshold() -> None:
    """The commune's threshold is data: a key like ..._ge_7 would be wrong for a target of 10."""
    assert not any(ch.isdigit() for key in TARGET_KEYS for ch in key)
