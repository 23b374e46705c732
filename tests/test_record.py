"""The ``record`` report: the model beside the commune's record, as a person reads it."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

import sim
from sim.analysis.record import record_report
from sim.cli.main import main


@pytest.fixture
def scenarios(commune_dir: Path) -> list[sim.Scenario]:
    base = sim.baseline_scenario(commune_dir).with_horizon("2017-12-31")
    measures = base.with_interventions({"measure": "propaganda", "start": "2015-06-01"})
    return [base, replace(measures, name="measures")]


def test_the_report_puts_every_observed_figure_beside_each_scenario(
    scenarios: list[sim.Scenario], tmp_path: Path
) -> None:
    report = record_report(scenarios, reps=4, seed=1, out=tmp_path)
    text = report.text()
    assert "baseline, measures; 4 runs each, seed 1" in text
    observed = report.tables["The record (observed.csv), read on every run as calibration reads it"]
    assert observed["figure"].tolist() == [
        "party_members 2015-01-01",
        "admissions 2017-01..2017-03",
    ]
    assert observed["record"].tolist() == ["20", "3"]
    # the data's 20 members are there at the start in every run: the chance of the record is 100 %
    assert observed["baseline: = record"].iloc[0].startswith("100 %")
    assert {"baseline: model", "measures: model"} <= set(observed.columns)
    cells = next(t for name, t in report.tables.items() if name.startswith("Per cell"))
    assert cells["cell"].tolist() == ["C-V01 (village)", "C-V02 (village)", "C-SCH1 (school)"]
    files = {p.name for p in report.path.iterdir()}
    assert files == {"record.txt", "record.csv", "manifest.json"}
    manifest = json.loads((report.path / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["seed"] == 1 and manifest["version"] == sim.__version__
    assert manifest["scenarios"] == ["baseline", "measures"]
    assert (report.path / "record.txt").read_text(encoding="utf-8") == text


def test_the_report_does_not_depend_on_the_number_of_workers(
    scenarios: list[sim.Scenario],
) -> None:
    one = record_report(scenarios, reps=4, seed=2, out=None, workers=1)
    two = record_report(scenarios, reps=4, seed=2, out=None, workers=2)
    for name, table in one.tables.items():
        assert table.equals(two.tables[name]), name


def test_the_command_prints_the_report_and_refuses_bad_options(
    scenario_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "record"
    assert (
        main(["record", str(scenario_file), "--reps", "3", "--workers", "1", "--out", str(out)])
        == 0
    )
    printed = capsys.readouterr().out
    assert "The model against the record: test; 3 runs each" in printed
    assert f"Written to {out}" in printed
    assert main(["record", str(scenario_file), "--reps", "0"]) == 2
    assert "--reps: 0 (allowed: >= 1)" in capsys.readouterr().err
