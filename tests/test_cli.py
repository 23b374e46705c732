"""The command line: --version, and ``validate`` on good, bad and missing input."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import sim
from sim.cli.main import COMMANDS, main

REPO = Path(__file__).resolve().parents[1]
NAHY = REPO / "data" / "nahy"


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"nahy-sim {sim.__version__}"


def test_python_dash_m_sim_version() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "sim", "--version"],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("nahy-sim ")


def test_commands_are_registered() -> None:
    assert "validate" in COMMANDS


def test_no_command_is_an_argument_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert "COMMAND" in capsys.readouterr().err


def test_validate_commune_ok(commune_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(commune_dir)]) == 0
    out = capsys.readouterr().out
    assert out == (
        f"ok  {commune_dir}: commune Xã Thử, 3 villages, 3 cells, 1000 people, 20 members, "
        "7 measures\n"
    )


def test_validate_scenario_file_and_folder_ok(
    scenario_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["validate", str(scenario_file), str(scenario_file.parent)]) == 0
    lines = capsys.readouterr().out.splitlines()
    expected = f"ok  {scenario_file}: scenario 'test', 2015-01-01 → 2018-12-31, 2 interventions"
    assert lines == [expected, expected]


def test_validate_bad_input(
    commune_dir: Path, scenario_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    villages = commune_dir / "villages.csv"
    villages.write_text(
        villages.read_text(encoding="utf-8").replace("0.5,0.6", "abc,0.6"), encoding="utf-8"
    )
    text = scenario_file.read_text(encoding="utf-8")
    scenario_file.write_text(text.replace("horizon", "horizion"), encoding="utf-8")

    assert main(["validate", str(commune_dir), str(scenario_file)]) == 2
    captured = capsys.readouterr()
    lines = captured.err.splitlines()
    # the commune problem is printed once even though the scenario repeats it
    assert lines == [
        f"{villages}: row 2:poor_share: 'abc' is not a number (expected a number in [0, 1])",
        f"{scenario_file}: horizion: unknown key (did you mean 'horizon'?); allowed: name, "
        "description, commune, start, horizon, seed, switches, parameters, interventions, priors",
    ]
    assert "Traceback" not in captured.err
    assert captured.out == ""


def test_validate_missing_path(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "nowhere"
    assert main(["validate", str(missing)]) == 2
    assert capsys.readouterr().err == f"{missing}: (path): does not exist\n"


def test_validate_folder_without_scenarios(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["validate", str(tmp_path)]) == 2
    assert "no commune.toml and no scenario .toml files" in capsys.readouterr().err


def test_validate_bad_input_in_a_subprocess(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "x"\ncommune = "missing"\n', encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "sim", "validate", str(bad)],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "commune" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.skipif(
    not (NAHY / "commune.toml").exists(), reason="data/nahy/commune.toml not written yet"
)
def test_validate_baseline_data(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(NAHY)]) == 0, capsys.readouterr().err
    assert capsys.readouterr().out.startswith(f"ok  {NAHY}: commune Nà Hỳ, 10 villages, 9 cells")
