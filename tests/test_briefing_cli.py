"""``sim briefing DIR`` on the folder a user gave to ``sim run --out DIR``.

The runs are made through the command line as a user makes them; the writing
of the briefing is replaced by a recorder (it is tested in test_briefing.py),
so these tests check which runs the command finds, in which order, and what
it says.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import sim.presentation.briefing
from sim.cli.main import main
from tests.ensemble_support import write_short_scenario

PLAN = "Kế hoạch của tôi"


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``sim run --out DIR``: the baseline twice (seeds 3, then 4) and a plan of the user's."""
    folder = tmp_path_factory.mktemp("sim-run-out")
    scenarios = folder.parent / f"{folder.name}-scenarios"
    baseline = write_short_scenario(scenarios, "baseline")
    plan = write_short_scenario(scenarios, PLAN, source="resolution-2015")
    for scenario, seed in ((plan, "3"), (baseline, "3"), (baseline, "4")):
        run = ["run", str(scenario), "--reps", "4", "--seed", seed, "--workers", "1"]
        assert main([*run, "--out", str(folder), "--quiet"]) == 0
    return folder


@pytest.fixture
def written(monkeypatch: pytest.MonkeyPatch) -> list:
    """What the command hands to write_briefing: (scenario names, seeds, out, lang)."""
    calls = []

    def record(results, out, lang, *, delay=None):
        names = [r.manifest["scenario"]["name"] for r in results]
        calls.append((names, [r.manifest["seed"] for r in results], Path(out), lang))
        return sim.presentation.briefing.Briefing(
            Path(out), {}, Path(out) / "summary.md", Path(out) / "briefing.pdf", Path("b.json")
        )

    monkeypatch.setattr(sim.presentation.briefing, "write_briefing", record)
    return calls


def test_briefing_takes_the_runs_under_the_folder_sim_run_wrote(
    out: Path, written: list, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    capsys.readouterr()
    assert main(["briefing", str(out), "--out", str(tmp_path / "b"), "--lang", "en"]) == 0
    # every scenario, the baseline first, its latest run (seed 4, finished after seed 3)
    assert written == [(["baseline", PLAN], [4, 3], tmp_path / "b", "en")]
    captured = capsys.readouterr()
    note = captured.err.splitlines()
    assert len(note) == 1 and "2 complete runs of scenario 'baseline'" in note[0]
    assert "most recently finished (s4-n4-" in note[0]
    assert "briefing.pdf and summary.md" in captured.out


def test_briefing_takes_one_scenario_folder_inside_it(
    out: Path, written: list, capsys: pytest.CaptureFixture
) -> None:
    plan_folder = next(p for p in out.iterdir() if p.name != "baseline")
    assert main(["briefing", str(plan_folder)]) == 0
    assert written[-1][:2] == ([PLAN], [3])
    assert capsys.readouterr().err == ""  # one run: nothing to say
    assert main(["briefing", str(out / "baseline")]) == 0
    assert written[-1][:2] == (["baseline"], [4])


def test_a_folder_without_complete_runs_is_one_line_and_exit_2(
    tmp_path: Path, written: list, capsys: pytest.CaptureFixture
) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["briefing", str(empty)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert f"{empty}: (folder): " in err and "holds no complete run" in err
    stopped = tmp_path / "stopped" / "baseline" / "s1-n100-0123456789ab"
    stopped.mkdir(parents=True)
    manifest = {"status": "incomplete", "scenario": {"name": "baseline"}, "key": "0123456789ab"}
    (stopped / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    assert main(["briefing", str(tmp_path / "stopped")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "holds 1 unfinished run" in err
    assert written == []
