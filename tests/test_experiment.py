"""The experiment engine: one seeding rule, one runner, one manifest format, one resume path.

Every analysis (ensembles, comparisons, cost of delay, the search, calibration
and sensitivity) runs through :mod:`sim.experiments.experiment`, so these tests check the
engine's promises once and then that each kind of work keeps them: results
that do not depend on the workers or the chunking, manifests with the same
fields, and interrupted work that resumes to the result of an uninterrupted
run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from ensemble_support import assert_same_tables, short_scenario

from sim.analysis.calibration import Settings, calibrate
from sim.analysis.comparison import compare
from sim.analysis.record import record_report
from sim.analysis.sensitivity import run_sensitivity
from sim.analysis.what_it_takes import search
from sim.experiments.backends import SerialBackend, WorkerLost
from sim.experiments.ensemble import replication_seeds, run_ensemble
from sim.experiments.experiment import (
    SEEDING,
    Design,
    EachRun,
    Run,
    Runner,
    interrupted,
    points,
    replications,
    run_seed,
)
from sim.inputs.scenario import load_scenario

NAHY = Path(__file__).resolve().parents[1] / "data" / "nahy"

#: What every manifest holds, whatever the kind of experiment.
COMMON = {"kind", "status", "key", "seed", "seeding", "version", "git", "python", "created"}


class Draws(EachRun):
    """A cheap evaluator: the first uniform of the run's seed, and the run's parameters."""

    def __call__(self, subject: Any, run: Run, seed: np.random.SeedSequence) -> tuple:
        return float(np.random.default_rng(seed).random()), dict(run.parameters), subject


class StopAfter(SerialBackend):
    """A backend that is interrupted (Ctrl-C) after ``chunks`` chunks have finished."""

    def __init__(self, chunks: int) -> None:
        super().__init__()
        self.chunks = chunks

    def run(self, fn: Callable[..., Any], tasks: Iterable[tuple]) -> Iterator[Any]:
        for n, result in enumerate(super().run(fn, tasks)):
            if n == self.chunks:
                raise KeyboardInterrupt
            yield result


def short_calibration() -> Any:
    return load_scenario(NAHY / "scenarios" / "calibrate-2017.toml")


def test_a_runs_seed_is_the_spawned_child_of_its_key() -> None:
    children = replication_seeds(7, 5)
    for i, child in enumerate(children):
        mine = run_seed(7, (i,))
        assert mine.spawn_key == child.spawn_key and mine.entropy == child.entropy
        assert np.array_equal(mine.generate_state(4), child.generate_state(4))
    assert "SeedSequence(seed, spawn_key=key)" in SEEDING


def test_a_design_is_a_table_of_runs_on_common_random_numbers() -> None:
    design = points(3, [{"a": 1.0}, {"a": 2.0}], reps=3)
    table = design.table()
    assert list(table["run"]) == list(range(6))
    assert list(table["point"]) == [0, 0, 0, 1, 1, 1]
    assert list(table["replication"]) == [0, 1, 2, 0, 1, 2]
    assert list(table["a"]) == [1.0] * 3 + [2.0] * 3
    # replication r of every point has the same seed key: common random numbers
    assert list(table["seed_key"]) == ["0", "1", "2"] * 2
    assert len(design.missing({0, 4})) == 4


def test_results_do_not_depend_on_workers_or_chunking() -> None:
    design = Design(11, tuple(Run(index=i, key=(5, i), parameters={"x": i}) for i in range(23)))
    with Runner("local", workers=1) as one:
        serial = one.outputs(Draws(), "s", design, max_chunk=1)
    with Runner("local", workers=2, preload=("test_experiment",)) as two:
        parallel = two.outputs(Draws(), "s", design)
    assert serial == parallel
    assert serial[4] == (float(np.random.default_rng(run_seed(11, (5, 4))).random()), {"x": 4}, "s")


def test_an_interruption_says_what_is_stored_and_how_to_resume() -> None:
    with pytest.raises(KeyboardInterrupt) as caught, interrupted(lambda: "3 stored; resume"):
        raise KeyboardInterrupt
    assert caught.value.__notes__ == ["3 stored; resume"]
    with (
        pytest.raises(WorkerLost, match="died; 3 stored; resume"),
        interrupted(lambda: "3 stored; resume"),
    ):
        raise WorkerLost("died")


def test_every_kind_of_experiment_writes_the_one_manifest_format(tmp_path: Path) -> None:
    short = short_scenario()
    kinds = {
        "ensemble": run_ensemble(short, 2, 1, out=None, workers=1, quiet=True).manifest,
        "comparison": compare(
            [short, short_scenario("resolution-2015")], 2, 1, out=None, workers=1, quiet=True
        ).manifest,
        "search": search(
            short_scenario("resolution-2015"),
            ["targeted_sourcing:1"],
            reps=2,
            trials=2,
            out=tmp_path,
            workers=1,
            quiet=True,
        ).manifest,
        "sensitivity": run_sensitivity(
            short_calibration(), "morris", 2, seed=1, workers=1, quiet=True
        ).manifest,
        "record": record_report([short], reps=2, out=None, workers=1).manifest,
    }
    for kind, manifest in kinds.items():
        assert set(manifest) >= COMMON, (kind, COMMON - set(manifest))
        assert manifest["kind"] == kind and manifest["status"] == "complete"
        assert manifest["seeding"] == SEEDING


def test_an_interrupted_ensemble_resumes_to_the_same_tables(tmp_path: Path) -> None:
    short = short_scenario()
    whole = run_ensemble(short, 6, 2, out=None, workers=1, quiet=True)
    with pytest.raises(KeyboardInterrupt) as caught:
        run_ensemble(short, 6, 2, out=tmp_path, backend=StopAfter(1), quiet=True)
    assert "replications are stored" in caught.value.__notes__[0]
    resumed = run_ensemble(short, 6, 2, out=tmp_path, workers=1, quiet=True)
    assert 0 < resumed.manifest["timings"]["replications_resumed"] < 6
    assert_same_tables(whole.tables(), resumed.tables())


def test_an_interrupted_sensitivity_analysis_resumes_to_the_same_indices(tmp_path: Path) -> None:
    scenario = short_calibration().with_horizon("2016-12-31")
    whole = run_sensitivity(scenario, "morris", 2, reps=2, seed=3, workers=1, quiet=True)
    with pytest.raises(KeyboardInterrupt) as caught:
        run_sensitivity(
            scenario, "morris", 2, reps=2, seed=3, out=tmp_path, backend=StopAfter(2), quiet=True
        )
    assert "runs are stored" in caught.value.__notes__[0]
    resumed = run_sensitivity(scenario, "morris", 2, reps=2, seed=3, out=tmp_path, quiet=True)
    assert 0 < resumed.manifest["timings"]["runs_resumed"] < resumed.manifest["runs"]
    pd.testing.assert_frame_equal(whole.samples, resumed.samples, check_exact=True)
    pd.testing.assert_frame_equal(whole.indices, resumed.indices, check_exact=True)
    # asked again, the stored analysis is read back; other inputs in its folder are refused
    again = run_sensitivity(scenario, "morris", 2, reps=2, seed=3, out=tmp_path, quiet=True)
    pd.testing.assert_frame_equal(again.samples, whole.samples, check_exact=True)
    with pytest.raises(Exception, match="other inputs"):
        run_sensitivity(scenario, "morris", 2, reps=2, seed=4, out=tmp_path, quiet=True)


def test_an_interrupted_calibration_resumes_to_the_same_posterior(tmp_path: Path) -> None:
    scenario = short_calibration()
    settings = Settings(
        particles=6, generations=2, max_runs=80, pilot_runs=4, projection_runs=0, seed=5
    )
    whole = calibrate(scenario, tmp_path / "whole", settings, workers=1, quiet=True)
    with pytest.raises(KeyboardInterrupt) as caught:
        # the pilot is one chunk, generation 0 a few more: stop inside generation 1
        calibrate(scenario, tmp_path / "cut", settings, backend=StopAfter(4), quiet=True)
    assert "generation(s) are stored" in caught.value.__notes__[0]
    resumed = calibrate(scenario, tmp_path / "cut", settings, workers=1, quiet=True)
    pd.testing.assert_frame_equal(whole.posterior, resumed.posterior, check_exact=True)
    pd.testing.assert_frame_equal(whole.predictive, resumed.predictive, check_exact=True)


def test_a_replications_design_under_a_posterior_names_each_runs_particle() -> None:
    design = replications(4, 3, lambda i: Run(index=i, key=(i,), replication=i, particle=10 + i))
    assert list(design.table()["posterior_particle"]) == [10, 11, 12]
