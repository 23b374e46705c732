"""The validation report (sim/presentation/validation.py, sim validate-model): what one sees."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import matplotlib.image
import matplotlib.text
import pytest

import sim
from sim.analysis.calibration import Settings, calibrate
from sim.analysis.observed import observations
from sim.cli.main import main
from sim.presentation.validation import run_known_answers, validate_model
from sim.presentation.validation_plots import predictive_figure
from tests.calibration_support import scenario, synthetic_commune

TINY = Settings(
    particles=10,
    generations=2,
    max_runs=60,
    pilot_runs=4,
    predictive_runs=4,
    seed=1,
    projection_runs=20,
)


@pytest.fixture(scope="module")
def calibrated(tmp_path_factory: pytest.TempPathFactory) -> sim.Scenario:
    """A small commune with a calibration in its calibration/ folder; two figures are a record."""
    folder = tmp_path_factory.mktemp("validation")
    commune = synthetic_commune(folder / "commune", seed=4)
    path = commune / "observed.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[0] += ",uncertainty,joint"
    lines[1:] = [
        line + (",,y2016" if line.startswith("admissions,2016") else ",,")
        if not line.startswith("population,2016")
        else line + ",30,y2016"
        for line in lines[1:]
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    s = scenario(commune)
    calibrate(s, folder / "cal", TINY, workers=1, quiet=True)
    shutil.copytree(folder / "cal", commune / "calibration")
    return s


def test_the_report_holds_the_checks_the_record_and_what_it_taught(
    calibrated: sim.Scenario, tmp_path: Path
) -> None:
    report = validate_model(
        calibrated,
        out=tmp_path / "v",
        reps=6,
        draws=12,
        seed=3,
        analytic=False,
        workers=1,
        quiet=True,
    )
    names = {p.name for p in report.path.iterdir()}
    expected = {"predictive.csv", "joint.csv", "parameters.csv", "analytic.csv", "report.md"}
    expected |= {"data_checks.csv"}
    assert expected | {"manifest.json", "predictive.vi.png", "predictive.en.png"} <= names
    used, _ = observations(calibrated)
    figures = report.check.figures
    # every observed figure, under each of the three sources, on 6 runs each
    assert set(figures["source"]) == {"assumed", "prior", "posterior"}
    assert len(figures) == 3 * len(used) and (figures["runs"] == 6).all()
    # the record of two figures is checked as one, with its chance and interval
    joint = report.check.joint
    assert set(joint["record"]) == {"y2016"} and len(joint) == 3
    assert (
        (joint["low_95"] <= joint["probability"]) & (joint["probability"] <= joint["high_95"])
    ).all()
    # the parameters' table: both calibrated parameters with their width ratios
    assert set(report.parameters["parameter"]) == set(calibrated.priors)
    text = (report.path / "report.md").read_text(encoding="utf-8")
    for heading in ("## 1. Known answers", "## 2. Posterior predictive", "## 3. What the record"):
        assert heading in text
    assert "not run: not asked for" in text
    # the figures the data fix are checked against the data, not calibrated
    assert "admissions" not in set(report.data["metric"])
    assert report.data.empty or report.data["agrees"].dtype == bool
    assert "y2016" in text and "Identifiability" in text
    maps = {p.name for p in (report.path / "identifiability").glob("*.png")}
    assert maps == {"identifiability.vi.png", "identifiability.en.png"}  # the heat maps too
    manifest = json.loads((report.path / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["posterior_sha256"] and manifest["seed"] == 3 and manifest["version"]
    image = matplotlib.image.imread(report.path / "predictive.vi.png")
    assert image.shape[0] > 500 and image.shape[1] > 1500


def test_the_same_seed_gives_the_same_check(calibrated: sim.Scenario, tmp_path: Path) -> None:
    a = validate_model(
        calibrated,
        out=tmp_path / "a",
        reps=4,
        seed=5,
        analytic=False,
        identifiability=False,
        workers=1,
        quiet=True,
    )
    b = validate_model(
        calibrated,
        out=tmp_path / "b",
        reps=4,
        seed=5,
        analytic=False,
        identifiability=False,
        workers=2,
        quiet=True,
    )
    assert a.check.figures.equals(b.check.figures)


def test_the_figure_speaks_vietnamese_and_names_each_figure(
    calibrated: sim.Scenario, tmp_path: Path
) -> None:
    report = validate_model(
        calibrated,
        out=tmp_path / "v",
        reps=4,
        seed=1,
        analytic=False,
        identifiability=False,
        workers=1,
        quiet=True,
    )
    used, _ = observations(calibrated)
    fig = predictive_figure(report.check, used, "vi", "Nguồn: thử")
    texts = {t.get_text() for t in fig.findobj(matplotlib.text.Text)}
    joined = "\n".join(texts)
    assert "Mô hình có tái hiện được số liệu quan sát không?" in joined
    assert "Sau hiệu chỉnh (hậu nghiệm)" in texts and "Quan sát" in texts
    assert "Dân số đang ở địa phương" in joined  # a figure's name in words, not its key
    assert "population@" not in joined


def test_known_answer_checks_are_run_and_listed() -> None:
    table = run_known_answers(files=("tests/test_model.py",), select="probation_is_exactly")
    assert table["outcome"].tolist() == ["passed"]
    assert table["check"].tolist() == ["probation is exactly its length"]


def test_the_command_names_a_missing_calibration_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.conftest import write_commune

    commune = write_commune(tmp_path / "c")
    file = tmp_path / "s.toml"
    file.write_text(
        f'name = "x"\ncommune = "{commune}"\n[priors]\n'
        'leave_hazard_young = { dist = "uniform", low = 0.02, high = 0.1 }\n',
        encoding="utf-8",
    )
    assert main(["validate-model", str(file), "--out", str(tmp_path / "v")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "calibration" in err[0] and "posterior.parquet" in err[0]


def test_nahy_data_agree_with_the_figures_they_fix() -> None:
    """10 villages, 4 school cells, 1 agency cell, and a 2017 plan of 8 (the cells' own plans:
    no parameter moves these, so they are checked against the data, not calibrated)."""
    from sim.presentation.validation import data_checks
    from tests.conftest import NAHY

    table = data_checks(sim.load_scenario(NAHY / "scenarios" / "calibrate-2017.toml"))
    assert dict(zip(table["metric"], table["data"], strict=True)) == {
        "school_cells": 4,
        "agency_cells": 1,
        "villages": 10,
        "admissions_year_plan": 8,
    }
    assert table["agrees"].all()
