"""Ensembles: spawned seeds, identical results whatever the workers, the store's files."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import sim
from sim.experiments.backends import SerialBackend
from sim.experiments.ensemble import (
    ensemble_key,
    load_ensemble,
    replication_seeds,
    run_chunk,
    run_ensemble,
)
from sim.experiments.experiment import plan_chunks
from sim.experiments.posterior import COMMUNE, resolve_posterior
from sim.experiments.summary import SUMMARY_KEYS
from sim.model.targets import TARGET_KEYS, definitions_for, replication_metrics
from tests.ensemble_support import assert_same_tables, short_scenario

REPS, SEED = 6, 11


@pytest.fixture(scope="module")
def scenario() -> sim.Scenario:
    return short_scenario()


@pytest.fixture(scope="module")
def reference(scenario: sim.Scenario, tmp_path_factory: pytest.TempPathFactory):
    """The ensemble run in this process (one worker), stored."""
    out = tmp_path_factory.mktemp("reference")
    return run_ensemble(scenario, REPS, SEED, workers=1, out=out, quiet=True)


def test_replication_i_runs_with_spawned_child_i(scenario: sim.Scenario) -> None:
    seeds = replication_seeds(SEED, REPS)
    assert [s.spawn_key for s in seeds] == [(i,) for i in range(REPS)]
    assert all(s.entropy == SEED for s in seeds)
    child = np.random.SeedSequence(SEED).spawn(REPS)[3]
    direct = replication_metrics(sim.run(scenario, child), definitions_for(scenario))
    chunk = run_chunk(scenario, definitions_for(scenario), [(3, seeds[3])])
    row = chunk["replications"].to_pylist()[0]
    assert row["replication"] == 3
    assert row["admissions_total"] == direct.scalars["admissions_total"]
    assert chunk["years"].column("admissions").to_pylist() == list(direct.years["admissions"])


def test_replications_differ(reference) -> None:
    totals = reference.replications["admissions_total"]
    events = reference.replications["events"]
    assert events.nunique() > 1 or totals.nunique() > 1


def test_two_workers_and_memory_give_identical_results(scenario, reference, tmp_path) -> None:
    two = run_ensemble(scenario, REPS, SEED, workers=2, out=tmp_path, quiet=True)
    assert two.manifest["backend"] == {"name": "local", "workers": 2}
    assert_same_tables(two.tables(), reference.tables())
    assert two.summary == reference.summary
    memory = run_ensemble(scenario, REPS, SEED, workers=1, out=None, quiet=True)
    assert memory.path is None
    assert_same_tables(memory.tables(), reference.tables())


def test_tables_are_tidy(reference) -> None:
    assert list(reference.replications["replication"]) == list(range(REPS))
    years = reference.years
    assert sorted(years["year"].unique()) == [2015, 2016]
    assert len(years) == REPS * 2
    villages = reference.villages
    assert len(villages) == REPS * 10
    months = reference.months
    assert months.groupby("replication").size().tolist() == [months["month"].nunique()] * REPS
    assert {"youth_home", "youth_away", "youth_military", "members", "white_villages"} <= set(
        months.columns
    )
    assert any(c.startswith("stage_") for c in months.columns)
    cells = reference.cells
    assert set(c.id for c in short_scenario().commune.cells) <= set(cells["cell"])


def test_summary_json_has_exactly_the_listed_keys(reference, scenario) -> None:
    summary = json.loads((reference.path / "summary.json").read_text(encoding="utf-8"))
    # where the parameters came from: the commune's calibration when it has one (then the
    # posterior's description too), else the assumed values
    drawn = resolve_posterior(COMMUNE, scenario.commune) is not None
    assert list(summary) == [
        "admissions_every_year_meet_target",
        "admissions_term_mean_meets_target",
        "no_white_village_at_horizon",
        "every_village_has_cell_at_horizon",
        "every_cell_admits_each_year",
        "admissions_by_year",
        "white_villages_at_horizon",
        "last_white_village_ends",
        "parameters",
        *(["parameters_drawn_from_posterior"] if drawn else []),
    ]
    assert tuple(summary)[: len(SUMMARY_KEYS)] == SUMMARY_KEYS
    assert summary["parameters"]["kind"] == ("posterior" if drawn else "assumed")
    for key in TARGET_KEYS:
        assert set(summary[key]) == {"p", "ci95"}
        low, high = summary[key]["ci95"]
        assert 0 <= low <= summary[key]["p"] <= high <= 1
    for stats in summary["admissions_by_year"].values():
        assert set(stats) == {"mean", "p05", "p25", "p50", "p75", "p95"}
    assert set(summary["white_villages_at_horizon"]) == {"mean", "p05", "p25", "p50", "p75", "p95"}
    ending = summary["last_white_village_ends"]
    assert {"median", "p05", "p95", "share_some_village_white"} <= set(ending)


def test_manifest_records_inputs_and_timings(reference, scenario) -> None:
    manifest = json.loads((reference.path / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["status"] == "complete"
    assert manifest["scenario"] == scenario.to_dict()
    assert manifest["seed"] == SEED and manifest["reps"] == REPS
    assert manifest["version"] == sim.__version__
    assert "commit" in manifest["git"]
    assert manifest["backend"]["name"] == "local"
    assert manifest["timings"]["replications_run"] == REPS
    assert manifest["targets"]["admissions_per_year_min"] == 7
    assert manifest["targets"]["target_years"] == [2016]
    drawn = resolve_posterior(COMMUNE, scenario.commune)  # None: the commune is not calibrated
    assert manifest["key"] == ensemble_key(scenario, SEED, REPS, drawn)[0]


def test_same_inputs_reuse_the_store(scenario, reference) -> None:
    again = run_ensemble(scenario, REPS, SEED, out=reference.path.parents[1], quiet=True)
    assert again.reused and again.path == reference.path
    assert_same_tables(again.tables(), reference.tables())
    loaded = load_ensemble(reference.path)
    assert loaded.summary == reference.summary


def test_key_changes_with_what_determines_results(scenario) -> None:
    key = ensemble_key(scenario, SEED, REPS)[0]
    assert ensemble_key(scenario, SEED + 1, REPS)[0] != key
    assert ensemble_key(scenario, SEED, REPS + 1)[0] != key
    assert ensemble_key(scenario.with_parameters(spotting_rate_cell=0.2), SEED, REPS)[0] != key
    assert ensemble_key(scenario.with_horizon("2017-06-30"), SEED, REPS)[0] != key


class InterruptAfter(SerialBackend):
    """Runs in this process and presses Ctrl-C after ``chunks`` chunks."""

    def __init__(self, chunks: int) -> None:
        super().__init__()
        self.chunks = chunks

    def run(self, fn, tasks):
        for count, result in enumerate(super().run(fn, tasks)):
            if count == self.chunks:
                raise KeyboardInterrupt
            yield result


def test_interrupted_ensemble_resumes_without_loss_or_duplicates(
    scenario, reference, tmp_path: Path
) -> None:
    with pytest.raises(KeyboardInterrupt) as caught:
        run_ensemble(scenario, REPS, SEED, backend=InterruptAfter(2), out=tmp_path, quiet=True)
    assert "run the same ensemble again to resume" in caught.value.__notes__[0]
    folder = next(tmp_path.glob("*/*"))
    assert json.loads((folder / "manifest.json").read_text())["status"] == "incomplete"
    stored = sorted(p.name for p in (folder / "parts").iterdir())
    assert len(stored) == 2
    resumed = run_ensemble(scenario, REPS, SEED, workers=1, out=tmp_path, quiet=True)
    assert resumed.path == folder
    assert resumed.manifest["timings"]["replications_resumed"] > 0
    assert resumed.manifest["timings"]["replications_run"] < REPS
    assert_same_tables(resumed.tables(), reference.tables())
    assert not (folder / "parts").exists()


def test_plan_chunks_keeps_consecutive_indices_and_shrinks() -> None:
    assert plan_chunks([9, 0, 1, 2, 5, 6], 1, max_size=2) == [[0, 1], [2], [5], [6], [9]]
    assert plan_chunks([], 3) == []
    chunks = plan_chunks(list(range(1000)), 2)
    sizes = [len(c) for c in chunks]
    assert sum(sizes) == 1000 and max(sizes) == 20 and sizes[-1] == 1
    assert sizes == sorted(sizes, reverse=True)
    assert all(c == list(range(c[0], c[-1] + 1)) for c in chunks)


@pytest.mark.parametrize(("reps", "seed"), [(0, 1), (-2, 1), (3, -1), (2.5, 1)])
def test_bad_reps_or_seed_is_an_input_error(scenario, reps, seed) -> None:
    with pytest.raises(sim.InputError):
        run_ensemble(scenario, reps, seed, out=None, quiet=True)


def test_more_workers_than_cores_are_capped_with_one_line(capsys, monkeypatch) -> None:
    """--workers 1000 on a small machine starts as many processes as it has cores."""
    import sim.experiments.backends as backends

    monkeypatch.setattr(backends, "available_cores", lambda: 2)
    backend = backends.make_backend("local", workers=1000)
    assert backend.workers == 2
    note = capsys.readouterr().err.strip().splitlines()
    assert note == ["--workers 1000 is more than this machine's 2 cores: using 2"]
    assert backends.make_backend("local", workers=1).workers == 1
    assert backends.make_backend("local").workers == 2
    assert capsys.readouterr().err == ""
