"""Scenario comparison on common random numbers, and the cost of delay.

The model runs here are short (Nà Hỳ to the end of 2016, a handful of
replications, one worker) so the whole file stays within seconds per test.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sim
from sim.analysis.comparison import MEASURE_KEYS, add_months, compare, cost_of_delay
from sim.cli.main import main
from sim.inputs.scenario import Intervention
from sim.model.results import TABLES as RUN_TABLES
from sim.model.targets import definitions_for
from tests.ensemble_support import NAHY, short_scenario, write_short_scenario

FAST = {"workers": 1, "quiet": True}

#: One-sided 99 % quantile of Student's t with 7 degrees of freedom (8 paired runs).
T99_7 = 2.998


def renamed(scenario: sim.Scenario, name: str) -> sim.Scenario:
    return dataclasses.replace(scenario, name=name)


@pytest.fixture(scope="module")
def three(tmp_path_factory: pytest.TempPathFactory) -> sim.Comparison:
    """baseline, resolution-2015, and a copy of baseline under another name, stored."""
    out = tmp_path_factory.mktemp("compare")
    scenarios = [
        short_scenario("baseline"),
        short_scenario("resolution-2015"),
        renamed(short_scenario("baseline"), "baseline-copy"),
    ]
    return compare(scenarios, reps=4, seed=3, out=out, **FAST)


def test_identical_scenarios_differ_by_exactly_zero(three: sim.Comparison) -> None:
    copy = three.results["baseline-copy"]
    base = three.results["baseline"]
    # the same draws: every per-replication record is identical
    pd.testing.assert_frame_equal(base.replications, copy.replications)
    pd.testing.assert_frame_equal(base.years, copy.years)
    rows = three.table[three.table["scenario"] == "baseline-copy"]
    assert len(rows) == len(MEASURE_KEYS)
    assert (rows["difference"] == 0.0).all()
    probabilities = rows[rows["kind"] == "probability"]
    assert (probabilities["gained"] == 0).all() and (probabilities["lost"] == 0).all()
    means = rows[rows["kind"] == "mean"]
    assert (means["difference_low"] == 0.0).all() and (means["difference_high"] == 0.0).all()


def test_every_scenario_asked_for_is_in_the_table_and_the_text(three: sim.Comparison) -> None:
    assert three.labels == ["baseline", "resolution-2015", "baseline-copy"]
    assert len(three.table) == 3 * len(MEASURE_KEYS)
    assert set(three.table["scenario"]) == set(three.labels)
    text = three.text()
    for label in three.labels:
        assert text.count(f"  {label} ") == len(MEASURE_KEYS)
    reference = three.table[three.table["order"] == 0]
    assert reference["difference"].isna().all()
    other = three.row("resolution-2015", "no_white_village_at_horizon")
    low, high = other["difference_low"], other["difference_high"]
    assert low <= other["difference"] <= high


def test_the_comparison_is_stored_with_its_manifest(three: sim.Comparison) -> None:
    path = three.path
    assert path is not None and path.parent.name == "comparisons"
    manifest = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["status"] == "complete"
    assert (manifest["seed"], manifest["reps"]) == (3, 4)
    assert [s["label"] for s in manifest["scenarios"]] == three.labels
    assert {"version", "git", "targets", "intervals"} <= set(manifest)
    for entry in manifest["scenarios"]:
        assert Path(entry["ensemble_folder"], "manifest.json").is_file()
    stored = pd.read_parquet(path / "table.parquet")
    pd.testing.assert_frame_equal(stored, three.table)
    assert len(pd.read_csv(path / "table.csv")) == len(three.table)
    assert (path / "table.txt").read_text(encoding="utf-8").startswith("3 scenarios of Nà Hỳ")
    assert not list(path.glob(".tmp-*"))


def test_a_measure_at_zero_intensity_is_the_baseline_draw_for_draw() -> None:
    """Intensity 0 schedules nothing, so every table of the run is the baseline's."""
    base = short_scenario("baseline")
    reference = sim.run(base, 11).tables()
    for measure in base.commune.measures:
        zero = base.with_interventions(Intervention(measure, date(2015, 7, 1), 0.0))
        tables = sim.run(zero, 11).tables()
        for name in RUN_TABLES:
            if name == "levers":
                assert tables[name].empty, measure
                continue
            pd.testing.assert_frame_equal(tables[name], reference[name], obj=f"{measure}: {name}")


def _assert_never_lower(comparison: sim.Comparison) -> list[float]:
    """Each level's admissions minus the previous level's, per paired run: the mean is
    not below zero by more than the one-sided 99 % t bound t·sd/√n. Returns the means."""
    runs = [r.replications["admissions_total"].to_numpy() for r in comparison.results.values()]
    means = []
    for lower, higher in zip(runs, runs[1:], strict=False):
        d = (higher - lower).astype(float)
        bound = T99_7 * d.std(ddof=1) / np.sqrt(len(d))
        assert len(d) == 8
        assert d.mean() >= -bound, (d, bound)
        means.append(float(d.mean()))
    return means


def test_more_class_seats_never_lower_admissions() -> None:
    """With one seat a class the class binds; 1, 2 then 5 seats (extra_class_seats 0, 0.25, 1)."""
    tight = short_scenario("baseline").with_parameters(awareness_class_seats=1)
    levels = [
        renamed(
            tight.with_interventions(Intervention("extra_class_seats", date(2015, 1, 1), x)),
            f"seats-{x}",
        )
        for x in (0.0, 0.25, 1.0)
    ]
    means = _assert_never_lower(compare(levels, reps=8, seed=5, out=None, **FAST))
    assert sum(means) > 0  # the lever binds: the test is not vacuous


def test_more_mentors_never_lower_admissions() -> None:
    """Members mentor nobody (mentor_capacity 0); a Standing Committee member's mentor
    places (assignment_mentors, spotting switched off) are then the only ones: 0, 1, 2."""
    bare = short_scenario("baseline").with_parameters(mentor_capacity=0, assignment_spotting_rate=0)
    levels = [
        renamed(
            bare.with_interventions(
                Intervention("standing_committee_assignment", date(2015, 1, 1), x)
            ),
            f"mentors-{x}",
        )
        for x in (0.0, 0.5, 1.0)
    ]
    means = _assert_never_lower(compare(levels, reps=8, seed=5, out=None, **FAST))
    assert means[0] > 0


def test_cost_of_delay_shifts_one_measure_at_a_time(tmp_path: Path) -> None:
    base = short_scenario("baseline").with_interventions(
        Intervention("propaganda", date(2015, 7, 1), 1.0),
        Intervention("mass_org_renewal", date(2015, 3, 1), 0.0),  # not in force: not delayed
        Intervention("standing_committee_assignment", date(2016, 6, 1), 1.0, ("V08", "V09")),
    )
    delay = cost_of_delay(base, reps=3, seed=2, months=12, out=tmp_path, **FAST)
    table = delay.table
    labels = list(dict.fromkeys(table["label"]))
    assert labels == ["propaganda", "standing_committee_assignment (V08,V09)"]
    assert len(table) == 2 * len(MEASURE_KEYS)
    starts = table.drop_duplicates("label").set_index("label")["delayed_start"]
    assert starts["propaganda"] == pd.Timestamp("2016-07-01")
    # pushed past the horizon: clipped to it (in effect never started)
    assert starts["standing_committee_assignment (V08,V09)"] == pd.Timestamp("2016-12-31")
    first = table.iloc[0]
    assert first["difference"] == pytest.approx(first["delayed"] - first["on_time"])
    assert delay.path is not None and (delay.path / "table.parquet").is_file()
    assert "12 months later" in delay.text()
    manifest = json.loads((delay.path / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["delay_months"] == 12 and manifest["kind"] == "cost_of_delay"


def test_add_months_clips_the_day() -> None:
    assert add_months(date(2015, 7, 1), 12) == date(2016, 7, 1)
    assert add_months(date(2016, 1, 31), 1) == date(2016, 2, 29)
    assert add_months(date(2015, 11, 15), 3) == date(2016, 2, 15)


def test_target_years_follow_a_longer_horizon() -> None:
    """The 2020-2025 and 2025-2030 terms: the scenario runs on, and the targets with it."""
    scenario = sim.load_scenario(NAHY / "scenarios" / "resolution-2015.toml")
    for end in (2025, 2030):
        d = definitions_for(scenario.with_horizon(f"{end}-12-31"))
        assert d.horizon == date(end, 12, 31)
        assert d.target_years == tuple(range(2016, end + 1))
        assert d.term_years == tuple(range(2015, end + 1))


def test_compare_to_a_longer_horizon(tmp_path: Path) -> None:
    scenarios = [short_scenario("baseline"), short_scenario("alone-cell-quota")]
    result = compare(scenarios, reps=1, seed=1, horizon="2021-12-31", out=None, **FAST)
    assert result.manifest["targets"]["horizon"] == "2021-12-31"
    assert result.manifest["targets"]["target_years"][-1] == 2021
    years = result.results["baseline"].years
    assert years["year"].max() == 2021
    assert "at 2021-12-31" in result.text()


def test_scenarios_must_be_comparable() -> None:
    with pytest.raises(sim.InputError, match="at least two"):
        compare([short_scenario()], reps=1, out=None)
    longer = short_scenario("resolution-2015").with_horizon("2017-12-31")
    with pytest.raises(sim.InputError, match="give one --horizon for all"):
        compare([short_scenario(), longer], reps=1, out=None)
    with pytest.raises(sim.InputError, match="nothing to delay"):
        cost_of_delay(short_scenario("baseline"), reps=1, out=None)


def test_compare_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    first = write_short_scenario(tmp_path / "s", "baseline")
    second = write_short_scenario(tmp_path / "s", "only-quota", source="alone-cell-quota")
    common = ["--reps", "2", "--seed", "4", "--workers", "1", "--quiet", "--out", str(tmp_path)]
    assert main(["compare", str(first), str(second), *common]) == 0
    out = capsys.readouterr().out
    assert "(reference)" in out and "only-quota" in out and "Stored in" in out
    assert main(["compare", str(second), "--delay", "6", *common]) == 0
    out = capsys.readouterr().out
    assert "6 months later" in out and "cell_admission_quota" in out
    assert len(list((tmp_path / "comparisons").iterdir())) == 2


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--reps", "0"], "--reps"),
        (["--delay", "0"], "--delay"),
        ([], "at least two scenarios"),
    ],
)
def test_compare_command_rejects_bad_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: list[str], message: str
) -> None:
    first = write_short_scenario(tmp_path / "s", "baseline")
    args = ["compare", str(first), *extra, "--out", str(tmp_path)]
    if "--reps" in extra or "--delay" in extra:
        args.insert(2, str(first))
    assert main(args) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1


def test_compare_command_reports_a_missing_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first = write_short_scenario(tmp_path / "s", "baseline")
    assert main(["compare", str(first), str(tmp_path / "nope.toml"), "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "nope.toml" in err and len(err.strip().splitlines()) == 1
