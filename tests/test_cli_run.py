"""``python -m sim run`` and ``python -m sim forecast``: output, stored results, bad input."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from sim.cli.main import COMMANDS, main
from tests.ensemble_support import REPO, write_short_scenario


def test_commands_are_registered() -> None:
    assert {"run", "forecast"} <= set(COMMANDS)


def test_run_prints_headline_and_reuses(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    scenario = write_short_scenario(tmp_path / "scenarios")
    args = ["run", str(scenario), "--reps", "4", "--seed", "3", "--workers", "1"]
    assert main([*args, "--out", str(tmp_path / "out"), "--quiet"]) == 0
    captured = capsys.readouterr()
    assert captured.err == ""  # --quiet: no progress bar
    out = captured.out
    assert "Scenario 'baseline' of Nà Hỳ: 4 runs, seed 3" in out
    assert re.search(r"admitting at least 7 every year 2016\s+\d+ %\s+\d+–\d+ %", out)
    assert "white villages" in out
    folder = next((tmp_path / "out" / "baseline").iterdir())
    assert {p.name for p in folder.iterdir()} >= {"summary.json", "manifest.json", "years.parquet"}

    assert main([*args, "--out", str(tmp_path / "out"), "--quiet"]) == 0
    assert "reused from the store" in capsys.readouterr().out


def test_run_shows_progress_unless_quiet(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    scenario = write_short_scenario(tmp_path / "scenarios")
    args = ["run", str(scenario), "--reps", "2", "--workers", "1", "--out", str(tmp_path)]
    assert main(args) == 0
    assert "2/2" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--reps", "0"], "command line: --reps: 0 (allowed: >= 1)"),
        (["--seed", "-1"], "command line: --seed: -1 (allowed: >= 0)"),
        (["--workers", "0"], "command line: --workers: 0 (allowed: >= 1)"),
        (["--backend", "local", "--scheduler", "tcp://127.0.0.1:1"], "needs --backend dask"),
    ],
)
def test_run_bad_values_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture, extra: list[str], message: str
) -> None:
    scenario = write_short_scenario(tmp_path / "scenarios")
    assert main(["run", str(scenario), "--out", str(tmp_path), *extra]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.splitlines()) == 1


def test_run_missing_scenario_exits_2(tmp_path: Path) -> None:
    missing = tmp_path / "nope.toml"
    result = subprocess.run(
        [sys.executable, "-m", "sim", "run", str(missing), "--reps", "2"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"{missing}: (file): does not exist (expected a scenario .toml)"
    ]
    assert result.stdout == ""


def test_forecast_runs_baseline_and_resolution(tmp_path: Path, capsys) -> None:
    commune = tmp_path / "commune"
    write_short_scenario(commune / "scenarios", "baseline", "baseline")
    write_short_scenario(commune / "scenarios", "resolution-2015", "resolution-2015")
    write_short_scenario(commune / "scenarios", "exploration", "baseline")  # not forecast
    out = tmp_path / "forecast"
    args = ["forecast", "--commune", str(commune), "--reps", "3", "--seed", "2", "--workers", "1"]
    assert main([*args, "--out", str(out), "--quiet"]) == 0
    text = capsys.readouterr().out
    assert text.count("Chance of admitting at least 7 every year 2016: ") == 2
    assert re.search(r"every year 2016: \d+ % \(\d+–\d+ %\)", text)
    assert "scenario 'baseline'" in text and "scenario 'resolution-2015'" in text
    assert "exploration" not in text
    assert (out / "forecast.txt").read_text(encoding="utf-8") == text
    index = json.loads((out / "forecast.json").read_text(encoding="utf-8"))
    assert [s["name"] for s in index["scenarios"]] == ["baseline", "resolution-2015"]
    for entry in index["scenarios"]:
        folder = Path(entry["run_folder"])
        assert folder.parent == out / entry["name"]
        assert (folder / "summary.json").is_file()


def test_forecast_missing_scenario_file_exits_2(tmp_path: Path, capsys) -> None:
    missing = tmp_path / "missing.toml"
    assert main(["forecast", "--scenarios", str(missing), "--out", str(tmp_path)]) == 2
    assert capsys.readouterr().err.splitlines() == [
        f"{missing}: (file): does not exist (expected a scenario .toml)"
    ]


def test_forecast_commune_without_scenarios_exits_2(tmp_path: Path, capsys) -> None:
    assert main(["forecast", "--commune", str(tmp_path), "--out", str(tmp_path)]) == 2
    assert "scenarios" in capsys.readouterr().err
