"""``python -m sim calibrate`` and ``python -m sim sensitivity``: output, files, bad input."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from sim.cli.main import COMMANDS, main
from tests.calibration_support import synthetic_commune
from tests.ensemble_support import REPO, write_short_scenario

SCENARIO = """\
name = "small"
description = "A small commune calibrated in a test."
commune = ".."
horizon = 2017-12-31
seed = 4

[priors]
spotting_rate_cell = { dist = "loguniform", low = 0.003, high = 0.1 }
leave_hazard_young = { dist = "uniform", low = 0.01, high = 0.2 }
"""


@pytest.fixture(scope="module")
def small_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    commune = synthetic_commune(tmp_path_factory.mktemp("cli") / "commune", seed=3)
    (commune / "scenarios").mkdir()
    path = commune / "scenarios" / "small.toml"
    path.write_text(SCENARIO, encoding="utf-8")
    return path


def test_commands_are_registered() -> None:
    assert {"calibrate", "sensitivity"} <= set(COMMANDS)


def test_calibrate_writes_tables_and_figures_and_prints_the_posterior(
    small_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    out = tmp_path / "cal"
    args = ["calibrate", str(small_file), "--out", str(out), "--particles", "10"]
    args += ["--generations", "2", "--pilot-runs", "4", "--workers", "1", "--quiet"]
    assert main(args) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    assert f"Calibration in {out}: 2 generations (reached 2 generations)" in captured.out
    assert "spotting_rate_cell" in captured.out and "leave_hazard_young" in captured.out
    names = {p.name for p in out.iterdir()}
    assert {"posterior.parquet", "diagnostics.csv", "priors_posteriors.png", "predictive.png"} <= (
        names
    )
    # running it again resumes (finds everything stored) and prints the same table
    assert main(args) == 0
    assert "spotting_rate_cell" in capsys.readouterr().out


def test_sensitivity_writes_indices_and_the_index_plot(
    small_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    out = tmp_path / "sens"
    args = ["sensitivity", str(small_file), "--method", "morris", "--n", "2", "--out", str(out)]
    assert main([*args, "--workers", "1", "--quiet"]) == 0
    text = capsys.readouterr().out
    assert "Morris sensitivity: 6 points x 1 runs" in text
    assert "admissions_term_mean:" in text and "mu_star" in text
    assert {p.name for p in out.iterdir()} >= {"indices.csv", "samples.parquet", "sensitivity.png"}


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--particles", "1"], "calibration: particles: 1 is not a whole number >= 2"),
        (["--alpha", "2"], "calibration: alpha: 2.0 is outside (0, 1)"),
        (["--workers", "0"], "command line: --workers: 0 (allowed: >= 1)"),
        (["--metrics", "nothing_real"], "no observation the model can be compared with"),
    ],
)
def test_calibrate_bad_input_is_one_line_and_exit_2(
    small_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture, extra: list, message: str
) -> None:
    code = main(["calibrate", str(small_file), "--out", str(tmp_path / "x"), *extra, "--quiet"])
    err = capsys.readouterr().err
    assert code == 2
    assert message in err
    assert len(err.strip().splitlines()) == 1


def test_a_scenario_without_priors_cannot_be_calibrated(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    path = write_short_scenario(tmp_path / "scenarios")
    assert main(["calibrate", str(path), "--out", str(tmp_path / "x")]) == 2
    assert "priors: none declared" in capsys.readouterr().err
    assert main(["sensitivity", str(path), "--out", str(tmp_path / "y")]) == 2
    assert "priors: 0 declared" in capsys.readouterr().err


def test_sensitivity_bad_input_is_one_line_and_exit_2(
    small_file: Path, capsys: pytest.CaptureFixture
) -> None:
    assert main(["sensitivity", str(small_file), "--n", "6"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["sensitivity: n: 6 (Sobol sampling needs a power of two: 32, 64, ...)"]
    assert main(["sensitivity", "/nonexistent.toml"]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_help_through_python_m_sim() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "sim", "calibrate", "--help"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0
    assert "--particles" in done.stdout and "--max-runs" in done.stdout


@pytest.mark.parametrize("name", ["../../escaped", "/etc/cron.d/x", "..", "a/../../b", ""])
def test_default_folders_stay_inside_results_whatever_the_scenario_name(name: str) -> None:
    from sim.cli.calibration import default_folder

    for kind in ("calibration", "sensitivity", "identifiability"):
        folder = default_folder(kind, name)
        assert folder.parent == Path("results") / kind and folder.name not in ("", ".", "..")
        assert ".." not in folder.parts and not folder.is_absolute()
