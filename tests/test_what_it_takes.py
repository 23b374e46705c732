"""The "what it takes" search: known optima, resuming and sharing the study, the model path.

Most tests score mixes with a synthetic ``evaluate`` (a formula of the
intensities and starts), so the optimum can be computed by enumerating the
grid and the search must find exactly it.
"""

from __future__ import annotations

import itertools
import json
import threading
from datetime import date
from pathlib import Path

import pytest

import sim
from sim.analysis.what_it_takes import Lever, Mix, effort, make_space, parse_lever, search
from sim.cli.main import main
from sim.experiments.ensemble import run_ensemble
from sim.inputs.scenario import Intervention
from sim.model.timeline import months_between
from tests.ensemble_support import NAHY, short_scenario, write_short_scenario

RESOLUTION = NAHY / "scenarios" / "resolution-2015.toml"
ASSIGN, QUOTA = "standing_committee_assignment", "cell_admission_quota"


def linear(scenario: sim.Scenario, mix: Mix) -> tuple[int, int]:
    """Chance = 0.30 a unit of assignment + 0.17 a unit of quota (in thousandths)."""
    x = mix.intensities
    return min(1000, round(300 * x[ASSIGN] + 170 * x[QUOTA])), 1000


def early(scenario: sim.Scenario, mix: Mix) -> tuple[int, int]:
    """Chance grows with intensity and falls (quadratically) with a later start."""
    months = months_between(scenario.start, mix.starts[ASSIGN])
    share = 0.45 * mix.intensities[ASSIGN] * (1 - months / 72) ** 2
    return min(1000, round(1000 * share)), 1000


def brute_force(space, evaluate, p: float) -> list[tuple[float, float, dict]]:
    """Every grid point that reaches p, as (effort, -chance, params), best first."""
    grid = space.grid()
    found = []
    for values in itertools.product(*grid.values()):
        params = dict(zip(grid, values, strict=True))
        mix = space.mix(params)
        k, n = evaluate(space.apply(mix), mix)
        if k / n >= p:
            found.append((mix.effort, -k / n, params))
    return sorted(found, key=lambda row: (row[0], row[1]))


def test_effort_counts_intensity_and_years_in_force() -> None:
    item = Intervention(ASSIGN, date(2015, 7, 1), 2.0, effort_per_unit=5.0)
    years = months_between(date(2015, 7, 1), date(2020, 12, 31)) / 12
    assert effort(item, date(2020, 12, 31)) == pytest.approx(5.0 * 2.0 * years)
    assert effort(Intervention(ASSIGN, date(2015, 7, 1), 0.0), date(2020, 12, 31)) == 0.0


def test_grid_search_finds_the_known_optimum_of_intensity_and_start(tmp_path: Path) -> None:
    scenario = sim.load_scenario(RESOLUTION)
    lever = Lever(ASSIGN, max_intensity=2.0, step=0.5)
    space = make_space(scenario, [lever], start_step=12)
    assert space.size() == 5 * 6
    optimum = brute_force(space, early, 0.6)
    assert optimum[0][:2] != optimum[1][:2]  # one best answer
    result = search(
        scenario,
        [lever],
        p=0.6,
        trials=30,
        start_step=12,
        evaluate=early,
        out=tmp_path,
        quiet=True,
    )
    assert result.manifest["sampler"] == "grid"
    assert result.manifest["mixes_scored"] == 30
    best = result.best
    assert best is not None and best.reached
    assert best.mix.effort == pytest.approx(optimum[0][0])
    expected = optimum[0][2]
    assert best.mix.intensities[ASSIGN] == expected[f"{ASSIGN}.intensity"]
    assert best.mix.starts[ASSIGN] == date(2015 + expected[f"{ASSIGN}.start_month"] // 12, 1, 1)
    # every cheaper mix fell short, and says by how much
    assert result.closest_cheaper
    assert all(not c.reached and c.shortfall > 0 for c in result.closest_cheaper)
    assert all(c.mix.effort < best.mix.effort for c in result.closest_cheaper)
    text = result.text()
    assert "Least effort that reaches 60 %" in text and "fell short" in text


def test_tpe_search_finds_the_known_optimum(tmp_path: Path) -> None:
    scenario = sim.load_scenario(RESOLUTION)
    levers = [parse_lever(ASSIGN), parse_lever(QUOTA)]
    space = make_space(scenario, levers, start_step=0)
    assert space.size() == 81
    optimum = brute_force(space, linear, 0.8)
    assert optimum[0][0] < optimum[1][0]
    result = search(
        scenario,
        levers,
        p=0.8,
        trials=30,
        seed=1,
        start_step=0,
        sampler="tpe",
        evaluate=linear,
        out=tmp_path,
        quiet=True,
    )
    assert result.manifest["sampler"] == "tpe"
    assert result.best is not None
    assert result.best.mix.effort == pytest.approx(optimum[0][0])
    assert result.best.mix.intensities == {
        ASSIGN: optimum[0][2][f"{ASSIGN}.intensity"],
        QUOTA: optimum[0][2][f"{QUOTA}.intensity"],
    }


def test_the_study_resumes_and_is_shared_by_concurrent_workers(tmp_path: Path) -> None:
    scenario = sim.load_scenario(RESOLUTION)
    calls: list[dict] = []

    def counting(s: sim.Scenario, mix: Mix) -> tuple[int, int]:
        calls.append(dict(mix.intensities))
        return linear(s, mix)

    counting.__qualname__ = "counting"  # the storage key names the evaluator
    common = {
        "p": 0.8,
        "start_step": 0,
        "sampler": "tpe",
        "evaluate": counting,
        "out": tmp_path,
        "quiet": True,
        "seed": 3,
    }
    first = search(scenario, [ASSIGN, QUOTA], trials=4, **common)
    assert first.manifest["mixes_scored"] == len(calls) == 4  # each mix scored once
    journal = Path(first.manifest["storage"])
    assert journal.is_file()
    second = search(scenario, [ASSIGN, QUOTA], trials=7, **common)
    assert second.path == first.path
    assert second.manifest["mixes_scored"] == len(calls) == 7  # the first four not run again

    # two workers on the same study stop when 14 mixes are scored between them
    threads = [
        threading.Thread(
            target=search, args=(scenario, [ASSIGN, QUOTA]), kwargs={**common, "trials": 14}
        )
        for _ in range(2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    final = search(scenario, [ASSIGN, QUOTA], trials=1, **common)
    assert 14 <= final.manifest["mixes_scored"] <= 15
    assert final.manifest["trials_complete"] >= final.manifest["mixes_scored"]
    manifest = json.loads((first.path / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["status"] == "complete" and manifest["key"] == first.manifest["key"]


def test_search_on_the_model_scores_mixes_with_their_ensembles(tmp_path: Path) -> None:
    scenario = short_scenario("resolution-2015")
    lever = Lever(ASSIGN, max_intensity=1.0, step=1.0)
    result = search(
        scenario,
        [lever],
        target="admissions_term_mean_meets_target",
        p=0.5,
        reps=3,
        seed=9,
        trials=2,
        start_step=0,
        out=tmp_path,
        workers=1,
        quiet=True,
    )
    assert result.manifest["mixes_scored"] == 2
    space = make_space(scenario, [lever], 0)
    for candidate in result.candidates:
        direct = run_ensemble(space.apply(candidate.mix), 3, 9, out=None, workers=1, quiet=True)
        flags = direct.replications["admissions_term_mean_meets_target"]
        assert candidate.successes == int(flags.sum()) and candidate.runs == 3
    zero = next(c for c in result.candidates if c.mix.intensities[ASSIGN] == 0)
    assert zero.mix.effort == 0.0
    assert (result.path / "ensembles").is_dir()


def test_levers_must_be_measures_of_the_scenario() -> None:
    with pytest.raises(sim.InputError, match="unknown measure 'propoganda'") as info:
        make_space(sim.load_scenario(RESOLUTION), [parse_lever("propoganda")], 12)
    [problem] = info.value.problems  # not also "has no 'propoganda' intervention"
    assert "did you mean 'propaganda'" in problem.message
    with pytest.raises(sim.InputError, match="highest intensity"):
        parse_lever("propaganda:-1")
    with pytest.raises(sim.InputError, match="has no 'extra_class_seats' intervention"):
        make_space(sim.load_scenario(RESOLUTION), [Lever("extra_class_seats")], 12)


def test_search_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_short_scenario(tmp_path / "s", "res", source="resolution-2015")
    args = [
        "search",
        str(path),
        "--levers",
        "propaganda:1",
        "--step",
        "1",
        "--start-step",
        "0",
        "--reps",
        "2",
        "--trials",
        "2",
        "--p",
        "0.5",
        "--workers",
        "1",
        "--out",
        str(tmp_path),
        "--target",
        "admissions_every_year_meet_target",
    ]
    assert main(args) == 0
    captured = capsys.readouterr()
    assert "What it takes in 'res'" in captured.out
    assert captured.err.count("trial ") == 2


@pytest.mark.parametrize(
    "change, message",
    [
        (["--p", "1.5"], "--p"),
        (["--levers", "nonsense"], "unknown measure"),
        (["--levers", "extra_class_seats"], "has no 'extra_class_seats'"),
        (["--trials", "0"], "--trials"),
    ],
)
def test_search_command_rejects_bad_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], change: list[str], message: str
) -> None:
    path = write_short_scenario(tmp_path / "s", "res", source="resolution-2015")
    args = ["search", str(path), "--levers", "propaganda", "--out", str(tmp_path), *change]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1
