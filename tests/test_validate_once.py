"""``python -m sim validate`` loads each commune folder once, for every scenario naming it."""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import pytest

import sim.cli.main
import sim.cli.validation
import sim.inputs.commune
import sim.inputs.scenario
from sim.cli.main import main
from tests.conftest import NAHY


@pytest.fixture
def loads(monkeypatch: pytest.MonkeyPatch) -> Counter[Path]:
    """Every commune load from now on, by resolved folder, whichever module loads it."""
    counted: Counter[Path] = Counter()
    real = sim.inputs.commune.load_commune

    def counting(folder):
        counted[Path(folder).resolve()] += 1
        return real(folder)

    for module in (sim.inputs.commune, sim.inputs.scenario, sim.cli.main, sim.cli.validation):
        monkeypatch.setattr(module, "load_commune", counting, raising=False)
    return counted


def test_the_scenario_library_loads_its_commune_once(loads: Counter[Path], capsys) -> None:
    assert main(["validate", str(NAHY), str(NAHY / "scenarios")]) == 0
    out = capsys.readouterr().out
    assert out.count("ok  ") == 1 + len(list((NAHY / "scenarios").glob("*.toml")))
    assert loads == {NAHY.resolve(): 1}


def test_one_load_per_distinct_commune_folder(loads: Counter[Path], tmp_path: Path, capsys) -> None:
    other = tmp_path / "other"
    shutil.copytree(NAHY, other, ignore=shutil.ignore_patterns("calibration"))
    files = [NAHY / "scenarios" / "baseline.toml", NAHY / "scenarios" / "resolution-2015.toml"]
    files += [other / "scenarios" / "baseline.toml", other / "scenarios" / "stronger-all.toml"]
    assert main(["validate", *map(str, files)]) == 0, capsys.readouterr().err
    assert loads == {NAHY.resolve(): 1, other.resolve(): 1}


def test_each_command_loads_afresh(loads: Counter[Path]) -> None:
    """No cache outlives a command: a file edited in between is read again."""
    scenario = str(NAHY / "scenarios" / "baseline.toml")
    assert main(["validate", scenario]) == 0
    assert main(["validate", scenario]) == 0
    assert loads == {NAHY.resolve(): 2}


def test_a_broken_commune_is_reported_for_every_scenario_naming_it(
    loads: Counter[Path], tmp_path: Path, capsys
) -> None:
    broken = tmp_path / "broken"
    shutil.copytree(NAHY, broken, ignore=shutil.ignore_patterns("calibration"))
    (broken / "villages.csv").unlink()
    scenarios = broken / "scenarios"
    assert main(["validate", str(scenarios / "baseline.toml"), str(scenarios)]) == 2
    err = capsys.readouterr().err
    assert "villages.csv" in err
    assert loads == {broken.resolve(): 1}
