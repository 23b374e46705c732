"""The "what it takes" search: known optima, the winner's curse, resuming and sharing, the model.

Most tests score mixes with a synthetic ``evaluate``: each run's answer is a
deterministic function of the mix's known chance and the replication (a
low-discrepancy sequence, so any stretch of runs reaches the target in the
stated share), the chances far enough from ``p`` that the sequential test
settles them; the optimum can then be computed by enumerating the grid and
the search must find exactly it. The winner's-curse test draws the runs at
random from known chances and measures the bias of the answer before
(picking the cheapest point estimate that clears ``p``) and after (racing,
then fresh runs).
"""

from __future__ import annotations

import itertools
import json
import threading
from collections import Counter
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import numpy as np
import pytest

import sim
from sim.analysis.race import FRESH
from sim.analysis.what_it_takes import Lever, Mix, effort, make_space, parse_lever, search
from sim.cli.main import main
from sim.experiments.ensemble import run_ensemble
from sim.inputs.scenario import Intervention
from sim.model.timeline import months_between
from tests.ensemble_support import NAHY, short_scenario, write_short_scenario

RESOLUTION = NAHY / "scenarios" / "resolution-2015.toml"
ASSIGN, QUOTA = "standing_committee_assignment", "cell_admission_quota"
GOLDEN = (5**0.5 - 1) / 2


def runs_at(chance: float, replications: Sequence[int]) -> list[bool]:
    """Run i reaches the target when frac(i·φ) < chance: a share ``chance`` of any stretch."""
    return [(i * GOLDEN) % 1.0 < chance for i in replications]


def linear_chance(mix: Mix) -> float:
    """0.95 where 0.30 a unit of assignment + 0.17 a unit of quota reaches 0.8, else 0.55."""
    x = mix.intensities
    return 0.95 if 300 * x[ASSIGN] + 170 * x[QUOTA] >= 800 else 0.55


def linear(scenario: sim.Scenario, mix: Mix, stream: str, replications: Sequence[int]) -> list:
    return runs_at(linear_chance(mix), replications)


def early_chance(scenario: sim.Scenario, mix: Mix) -> float:
    """High (0.95) where intensity and an early start give 0.45·x·(1 − months/72)² >= 0.6."""
    months = months_between(scenario.start, mix.starts[ASSIGN])
    share = 0.45 * mix.intensities[ASSIGN] * (1 - months / 72) ** 2
    return 0.95 if share >= 0.6 else 0.4


def early(scenario: sim.Scenario, mix: Mix, stream: str, replications: Sequence[int]) -> list:
    return runs_at(early_chance(scenario, mix), replications)


def brute_force(space, chance_of, p: float) -> list[tuple[float, float, dict]]:
    """Every grid point whose chance reaches p, as (effort, -chance, params), best first."""
    grid = space.grid()
    found = []
    for values in itertools.product(*grid.values()):
        params = dict(zip(grid, values, strict=True))
        mix = space.mix(params)
        chance = chance_of(space.apply(mix), mix)
        if chance >= p:
            found.append((mix.effort, -chance, params))
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
    optimum = brute_force(space, early_chance, 0.6)
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
    assert best is not None and result.sure
    assert best.mix.effort == pytest.approx(optimum[0][0])
    assert best.fresh is not None and best.fresh.runs == result.manifest["fresh_reps"]
    expected = optimum[0][2]
    assert best.mix.intensities[ASSIGN] == expected[f"{ASSIGN}.intensity"]
    assert best.mix.starts[ASSIGN] == date(2015 + expected[f"{ASSIGN}.start_month"] // 12, 1, 1)
    # every cheaper mix was shown to fall short
    assert result.closest_cheaper
    assert all(c.verdict == "falls short" for c in result.closest_cheaper)
    assert all(c.mix.effort < best.mix.effort for c in result.closest_cheaper)
    text = result.text()
    assert "Least effort that reaches 60 %" in text
    assert "Reaches 60 % with 95 % confidence: 95 % (" in text and "on 800 fresh runs" in text
    assert "falls short" in text


def test_tpe_search_finds_the_known_optimum(tmp_path: Path) -> None:
    scenario = sim.load_scenario(RESOLUTION)
    levers = [parse_lever(ASSIGN), parse_lever(QUOTA)]
    space = make_space(scenario, levers, start_step=0)
    assert space.size() == 81
    optimum = brute_force(space, lambda s, m: linear_chance(m), 0.8)
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
    calls: list[tuple[str, str, int, int]] = []

    def counting(s: sim.Scenario, mix: Mix, stream: str, replications: Sequence[int]) -> list:
        calls.append((mix.key(), stream, replications[0], replications[-1]))
        return linear(s, mix, stream, replications)

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

    def screened() -> int:
        return len({key for key, stream, start, _ in calls if stream == "selection" and start == 0})

    first = search(scenario, [ASSIGN, QUOTA], trials=4, **common)
    assert first.manifest["mixes_scored"] == screened() == 4
    assert len(set(calls)) == len(calls)  # no runs made twice
    journal = Path(first.manifest["storage"])
    assert journal.is_file()
    assert first.manifest["runs_spent"] == sum(last - start + 1 for _, _, start, last in calls)
    second = search(scenario, [ASSIGN, QUOTA], trials=7, **common)
    assert second.path == first.path
    assert second.manifest["mixes_scored"] == screened() == 7  # the first four not run again
    assert len(set(calls)) == len(calls)

    # two workers on the same study stop when 14 mixes are screened between them
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


def test_a_larger_budget_settles_what_a_smaller_one_left_open(tmp_path: Path) -> None:
    scenario = sim.load_scenario(RESOLUTION)
    lever = Lever(ASSIGN, max_intensity=2.0, step=0.5)
    made: Counter = Counter()

    def close(s: sim.Scenario, mix: Mix, stream: str, replications: Sequence[int]) -> list:
        made[(mix.key(), stream)] += len(replications)
        return runs_at(0.65 + 0.1 * mix.intensities[ASSIGN], replications)  # 0.65 .. 0.85

    close.__qualname__ = "close"
    common = {"p": 0.75, "start_step": 0, "reps": 20, "evaluate": close, "quiet": True}
    small = search(scenario, [lever], budget=200, out=tmp_path, **common)
    assert small.manifest["runs_spent"] <= 200 + small.manifest["fresh_reps"]
    assert not small.sure
    assert any(c.verdict == "not settled" for c in small.candidates)
    assert "not settled" in small.text()
    before = sum(made.values())
    large = search(scenario, [lever], budget=5000, out=tmp_path, **common)
    assert large.path == small.path
    assert large.sure and large.best.mix.intensities[ASSIGN] == 2.0  # the only one >= 0.75 + gap
    assert large.manifest["runs_spent"] == sum(made.values())
    assert (
        sum(made.values()) - before == large.manifest["runs_spent"] - small.manifest["runs_spent"]
    )


def test_racing_and_fresh_runs_remove_the_winners_curse() -> None:
    """Known chances: 0.6 below intensity 1.5, 0.9 from it; p = 0.8, 20 runs a first look.

    Before (the cheapest mix whose first look clears 80 %, what the search
    used to answer): a mix at 0.6 clears it with chance P(Bin(20, 0.6) >= 16)
    = 5 % each, one of fifteen does about half the time, so the reported
    chance is biased upwards by about 0.1. After: the figure reported comes
    from fresh runs, unbiased; and "reaches with 95 % confidence" is wrong at
    most 5 % of the time. Tolerances: normal bounds on the mean of the
    searches' independent errors (4 standard errors), a binomial bound on
    the count of wrong "sure" answers.
    """
    scenario = sim.load_scenario(RESOLUTION)
    lever = Lever(ASSIGN, max_intensity=2.0, step=0.1)

    def chance(mix: Mix) -> float:
        return 0.9 if mix.intensities[ASSIGN] >= 1.5 - 1e-9 else 0.6

    searches = 40
    before, after, wrong_sure = [], [], 0
    for seed in range(searches):

        def draw(
            s: sim.Scenario, mix: Mix, stream: str, replications: Sequence[int], seed: int = seed
        ) -> list:
            key = [seed, ("selection", "fresh").index(stream), int(mix.key(), 16) % 2**32]
            return [np.random.default_rng([*key, i]).random() < chance(mix) for i in replications]

        draw.__qualname__ = "draw"
        result = search(
            scenario, [lever], p=0.8, reps=20, budget=4000, start_step=0,
            seed=seed, evaluate=draw, out=None, quiet=True,
        )  # fmt: skip
        rule = result.manifest["point_estimate_rule"]
        if rule is not None:
            x = float(rule["mix"].split()[1])
            truth = 0.9 if x >= 1.5 - 1e-9 else 0.6
            before.append((rule["p"], truth, rule["runs"]))
        best = result.best
        assert best is not None and best.fresh is not None
        after.append((best.fresh.p, chance(best.mix), best.fresh.runs))
        wrong_sure += result.sure and chance(best.mix) < 0.8

    def bias(rows: list) -> tuple[float, float]:
        got = np.array(rows)
        spread = np.sqrt((got[:, 1] * (1 - got[:, 1]) / got[:, 2]).sum()) / len(got)
        return float((got[:, 0] - got[:, 1]).mean()), float(spread)

    bias_before, se_before = bias(before)
    bias_after, se_after = bias(after)
    print(
        f"bias before {bias_before:+.3f} (se {se_before:.3f}), after {bias_after:+.3f} "
        f"(se {se_after:.3f}); wrong 'sure' {wrong_sure} of {searches}"
    )
    assert bias_before > 4 * se_before, (bias_before, se_before)
    assert abs(bias_after) < 4 * se_after, (bias_after, se_after)
    alpha = 0.05
    assert wrong_sure <= alpha * searches + 3 * np.sqrt(searches * alpha * (1 - alpha))
    assert all(r[1] == 0.9 for r in after)  # the budget lets the race settle it


def test_fresh_runs_are_not_those_the_mix_was_chosen_on(tmp_path: Path) -> None:
    scenario = sim.load_scenario(RESOLUTION)
    seen: dict[str, list[int]] = {"selection": [], "fresh": [], "assumed": []}

    def record(s: sim.Scenario, mix: Mix, stream: str, replications: Sequence[int]) -> list:
        seen[stream].extend(replications)
        return runs_at(0.95 if mix.intensities[ASSIGN] >= 1 else 0.3, replications)

    result = search(
        scenario, [Lever(ASSIGN, 2.0, 1.0)], p=0.8, reps=20, start_step=0, evaluate=record,
        out=None, quiet=True, assumed_too=True,
    )  # fmt: skip
    assert result.sure and result.best.mix.intensities[ASSIGN] == 1.0
    assert max(seen["selection"]) < FRESH <= min(seen["fresh"])
    assert sorted(seen["fresh"]) == list(range(FRESH, FRESH + 160))
    assert seen["assumed"] == seen["fresh"]  # the same fresh runs, without the drawn parameters
    assert result.best.assumed is not None and result.best.assumed.runs == 160
    assert "At the assumed values (no parameter uncertainty): 95 %" in result.text()


def test_search_on_the_model_scores_mixes_with_their_ensembles(tmp_path: Path) -> None:
    scenario = short_scenario("resolution-2015")
    lever = Lever(ASSIGN, max_intensity=1.0, step=1.0)
    result = search(
        scenario,
        [lever],
        target="admissions_term_mean_meets_target",
        p=0.5,
        reps=3,
        max_reps=3,
        fresh_reps=2,
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
        assert candidate.chosen_on.successes == int(flags.sum()) and candidate.chosen_on.runs == 3
    zero = next(c for c in result.candidates if c.mix.intensities[ASSIGN] == 0)
    assert zero.mix.effort == 0.0
    assert (result.path / "runs").is_dir()
    if result.best is not None:
        assert result.best.fresh is not None and result.best.fresh.runs == 2
        assert result.plan().interventions != scenario.interventions or zero is result.best


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
        (["--reps", "20", "--max-reps", "10"], "--max-reps"),
        (["--confidence", "1"], "--confidence"),
        (["--budget", "-1"], "--budget"),
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
