"""Monte Carlo ensembles: many independent runs of one scenario, reduced to tidy tables.

Why this shape:

- **Seeds.** Replication ``i`` always runs with child ``i`` of
  ``numpy.random.SeedSequence(seed).spawn(reps)``, whatever the backend, the
  number of workers or the chunking, and however often the ensemble was
  interrupted and resumed. So an ensemble is a pure function of (scenario,
  seed, reps, version): the same inputs give identical tables on a laptop, on
  a Dask cluster, in one go or in three sittings.
- **Small records, streamed.** A worker runs a chunk of replications and
  keeps only each run's :class:`~sim.model.targets.ReplicationMetrics`, never the
  full :class:`~sim.model.results.RunResult`; the parent stores each chunk as it
  arrives (:mod:`sim.experiments.store`), so memory stays flat and an interrupted ensemble
  loses at most the chunks that were running.
- **One reduce step.** The tables are reduced to the summary by
  :func:`sim.experiments.summary.summarise`, a pure function of the stored tables.
- **Parameters from the commune's calibration, by default.** When the
  scenario's commune has a calibration (``<commune>/calibration/``), each
  replication draws its parameters from it (:mod:`sim.experiments.posterior`), except
  those the scenario sets itself; ``posterior=None`` runs at the assumed
  values of ``parameters.csv``. ``summary.json`` and ``manifest.json`` say
  which under ``parameters``.

The tables (one row per ...): ``replications`` (replication: the target
booleans and headline numbers), ``years`` (replication x year: counted
admissions), ``cells`` (replication x cell x year: counted admissions),
``villages`` (replication x village: first member, status and members at the
horizon), ``months`` (replication x month: the key monthly series),
``village_changes`` (replication x village x month in which the village's
status changed: the status timeline) and ``losses`` (replication x year x
pipeline stage x reason: candidacies that ended or paused).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from sim.experiments.backends import Backend
from sim.experiments.experiment import (
    Design,
    EachRun,
    Run,
    Runner,
    interrupted,
    manifest,
    replications,
    resolved_scenario,
    timings,
)
from sim.experiments.posterior import (
    COMMUNE,
    Posterior,
    held_parameters,
    parameters_record,
    resolve_posterior,
)
from sim.experiments.store import (
    RESULTS_FORMAT,
    TABLES,
    RunStore,
    read_json,
    slug,
    writable_folder,
    write_json_atomic,
)
from sim.experiments.summary import summarise
from sim.inputs.errors import InputError, Problem
from sim.inputs.provenance import commune_fingerprint, digest, package_version
from sim.inputs.scenario import Scenario, load_scenario
from sim.model import run as model_run
from sim.model.targets import TargetDefinitions, definitions_for, replication_metrics

#: Modules local worker processes import before their first task (they hold the evaluator).
PRELOAD = (__name__,)


@dataclass
class EnsembleResult:
    """An ensemble's tables, its summary and its manifest (see the module docstring).

    ``path`` is the run folder (``None`` for an ensemble kept in memory only);
    ``reused`` is true when the result was read back from the store instead
    of being computed.
    """

    replications: pd.DataFrame
    years: pd.DataFrame
    cells: pd.DataFrame
    villages: pd.DataFrame
    months: pd.DataFrame = field(repr=False)
    village_changes: pd.DataFrame = field(repr=False)
    losses: pd.DataFrame = field(repr=False)
    summary: dict[str, Any] = field(repr=False)
    manifest: dict[str, Any] = field(repr=False)
    path: Path | None = None
    reused: bool = False

    def tables(self) -> dict[str, pd.DataFrame]:
        """The tables (:data:`sim.experiments.store.TABLES`) by name."""
        return {name: getattr(self, name) for name in TABLES}

    @property
    def reps(self) -> int:
        """Number of replications."""
        return len(self.replications)

    def probability(self, key: str) -> tuple[float, float, float]:
        """``(p, low, high)`` of a target (a key of :data:`sim.model.targets.TARGET_KEYS`)."""
        entry = self.summary[key]
        return entry["p"], entry["ci95"][0], entry["ci95"][1]


def replication_seeds(seed: int, reps: int) -> list[np.random.SeedSequence]:
    """The seed of every replication: ``SeedSequence(seed).spawn(reps)``; child i for run i."""
    return np.random.SeedSequence(seed).spawn(reps)


@dataclass(frozen=True)
class EnsembleEvaluator(EachRun):
    """What an ensemble keeps of a run: its small records (``ReplicationMetrics``).

    A run's ``parameters`` (a posterior particle's values, without those the
    scenario sets itself) override the scenario's; the chunk is gathered into
    Arrow tables with one plain schema, as the store keeps them.
    """

    definitions: TargetDefinitions

    def __call__(self, scenario: Scenario, run: Run, seed: np.random.SeedSequence) -> Any:
        varied = scenario.with_parameters(**run.parameters) if run.parameters else scenario
        result = model_run(varied, seed)
        return replication_metrics(result, self.definitions), _events(result)

    def gather(self, runs: Sequence[Run], outputs: list[Any]) -> dict[str, pa.Table]:
        scalars, pieces = [], {name: [] for name in TABLES if name != "replications"}
        for run, (metrics, events) in zip(runs, outputs, strict=True):
            scalars.append({"replication": run.index, **metrics.scalars, "events": events})
            if run.particle is not None:
                scalars[-1]["posterior_particle"] = run.particle
            for name in pieces:
                table = getattr(metrics, name)
                table.insert(0, "replication", np.int64(run.index))
                pieces[name].append(table)
        frames = {"replications": _replications_frame(scalars)}
        frames.update(
            {name: pd.concat(tables, ignore_index=True) for name, tables in pieces.items()}
        )
        return {name: _to_arrow(frame) for name, frame in frames.items()}


def ensemble_design(
    scenario: Scenario, seed: int, reps: int, drawn: Posterior | None = None
) -> Design:
    """Replication ``i`` with key ``(i,)``; under a posterior, with particle ``drawn.draw(seed, i)``
    (its values but those the scenario sets itself: the user asked for them)."""
    if drawn is None:
        return replications(seed, reps)
    return replications(seed, reps, lambda i: replication_run(scenario, seed, i, drawn))


def replication_run(scenario: Scenario, seed: int, i: int, drawn: Posterior | None) -> Run:
    """Replication ``i`` of an ensemble, whatever its size: the same seed and particle.

    Why on its own: work that adds replications in stages (the search's
    sequential test) asks for replications ``40..79`` of a mix and must get
    exactly what an ensemble of 80 would have run.
    """
    if drawn is None:
        return Run(index=i, key=(i,), replication=i)
    row, values = drawn.draw(seed, i)
    kept = {k: v for k, v in values.items() if k not in scenario.overrides}
    return Run(index=i, key=(i,), parameters=kept, replication=i, particle=row)


def run_chunk(
    scenario: Scenario,
    definitions: TargetDefinitions,
    seeds: list[tuple[int, np.random.SeedSequence]],
    draws: dict[int, tuple[int, dict[str, float]]] | None = None,
) -> dict[str, pa.Table]:
    """The tables of the replications ``seeds`` names (index, seed), run in this process.

    ``draws`` gives replications a posterior particle (row, values), as
    :func:`ensemble_design` does; for tests and notebooks that look at a few
    replications without an ensemble.
    """
    evaluator = EnsembleEvaluator(definitions)
    runs, outputs = [], []
    for index, child in seeds:
        row, values = draws[index] if draws else (None, {})
        kept = {k: v for k, v in values.items() if k not in scenario.overrides}
        runs.append(
            Run(index=index, key=(index,), parameters=kept, replication=index, particle=row)
        )
        outputs.append(evaluator(scenario, runs[-1], child))
    return evaluator.gather(runs, outputs)


def _events(result: Any) -> int:
    return int(result.metadata.get("events", 0))


def _replications_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows)
    frame["replication"] = frame["replication"].astype("int64")
    frame["last_white_village_ends"] = pd.to_datetime(frame["last_white_village_ends"]).astype(
        "datetime64[ms]"
    )
    return frame


def _to_arrow(frame: pd.DataFrame) -> pa.Table:
    """An Arrow table without pandas metadata, so every chunk has the same plain schema."""
    return pa.Table.from_pandas(frame, preserve_index=False).replace_schema_metadata(None)


def ensemble_key(
    scenario: Scenario, seed: int, reps: int, posterior: Posterior | None = None
) -> tuple[str, dict[str, Any]]:
    """The store key (a hash) and what it was computed from.

    The key covers the resolved scenario (without its file paths, so the same
    scenario reached by another path finds the same results), the content of
    the commune's files, the seed, the number of replications and the version.
    """
    resolved = resolved_scenario(scenario)
    inputs = {
        "scenario": resolved,
        "commune_data_sha256": commune_fingerprint(scenario.commune),
        "seed": seed,
        "reps": reps,
        "version": package_version(),
        "results_format": RESULTS_FORMAT,
    }
    if posterior is not None:  # only then, so other ensembles keep their keys
        inputs["posterior_sha256"] = posterior.sha256
        held = held_parameters(scenario, posterior)
        if held:  # drawn values once overrode these: never reuse an ensemble made so
            inputs["posterior_held_at_scenario_values"] = list(held)
    return digest(inputs), inputs


def run_folder(root: str | Path, scenario: Scenario, seed: int, reps: int, key: str) -> Path:
    """Where an ensemble is stored: ``root/<scenario name>/s<seed>-n<reps>-<key[:12]>``."""
    return Path(root) / slug(scenario.name) / f"s{seed}-n{reps}-{key[:12]}"


def run_ensemble(
    scenario: Scenario | str | Path,
    reps: int,
    seed: int | None = None,
    *,
    backend: str | Backend | Runner = "local",
    workers: int | None = None,
    scheduler: str | None = None,
    out: str | Path | None = "results",
    quiet: bool = False,
    fresh: bool = False,
    posterior: Any = COMMUNE,
    on_progress: Callable[[pd.DataFrame], None] | None = None,
) -> EnsembleResult:
    """Run ``reps`` independent replications of ``scenario`` (or a scenario file) and reduce them.

    ``seed`` defaults to the scenario's seed, then 0. ``backend`` is
    ``"local"`` (worker processes; ``workers`` defaults to every core, and one
    worker runs in this process) or ``"dask"`` (``scheduler="tcp://HOST:PORT"``,
    or a LocalCluster of ``workers`` processes without one), or a
    :class:`~sim.experiments.backends.Backend`. Results are stored under ``out`` (``None``:
    kept in memory only) and reused when the same scenario, seed, reps and
    version are asked for again; ``fresh=True`` recomputes. An interrupted
    ensemble resumes from what was stored. ``quiet`` hides the progress bar.
    ``posterior`` says where each replication's parameters come from
    (:func:`sim.experiments.posterior.resolve_posterior`): by default
    (:data:`~sim.experiments.posterior.COMMUNE`) the commune's calibration if it has one,
    ``None`` the assumed values of ``parameters.csv``, or a calibration
    folder, a posterior table or its file. Drawn parameters the scenario sets
    itself keep the scenario's values. The manifest and the summary say
    which under ``parameters`` (:func:`sim.experiments.posterior.parameters_record`),
    and name the table's hash when drawn. ``on_progress``, when given, is
    called after every finished chunk with the ``replications`` rows finished
    so far (those resumed from the store included), so that a screen can
    show a preliminary answer long before the last run.
    """
    if isinstance(scenario, str | Path):
        scenario = load_scenario(scenario)
    seed = _check(scenario, reps, seed)
    definitions = definitions_for(scenario)
    drawn = resolve_posterior(posterior, scenario.commune)
    record = parameters_record(scenario, drawn)
    key, key_inputs = ensemble_key(scenario, seed, reps, drawn)
    job = _Job(
        scenario, seed, reps, key, key_inputs, definitions, drawn, record,
        backend=backend, workers=workers, scheduler=scheduler, quiet=quiet,
        on_progress=on_progress,
    )  # fmt: skip
    if out is None:
        return _fill(None, job)
    store = RunStore(run_folder(out, scenario, seed, reps, key))
    writable_folder(out, "out")
    with store.working(on_wait=None if quiet else lambda: _say_waiting(store)):
        if fresh:
            store.clear()
        elif store.is_complete(key):
            reused = load_ensemble(store.path, reused=True)
            # stored before ensembles said where their parameters came from: same inputs
            reused.manifest.setdefault("parameters", record)
            reused.summary.setdefault("parameters", record)
            return reused
        store.prepare()
        return _fill(store, job)


@dataclass
class _Job:
    """What one ensemble is: its inputs, its key, and how to run it."""

    scenario: Scenario
    seed: int
    reps: int
    key: str
    key_inputs: dict[str, Any]
    definitions: TargetDefinitions
    drawn: Posterior | None
    record: dict[str, Any]
    backend: str | Backend | Runner = "local"
    workers: int | None = None
    scheduler: str | None = None
    quiet: bool = False
    on_progress: Callable[[pd.DataFrame], None] | None = None


def _say_waiting(store: RunStore) -> None:
    print(
        f"another process is running this ensemble in {store.path}; "
        "waiting for it, then its result is reused",
        file=sys.stderr,
        flush=True,
    )


def _fill(store: RunStore | None, job: _Job) -> EnsembleResult:
    """Run the replications no part of ``store`` holds, then consolidate (and store) them."""
    scenario, reps = job.scenario, job.reps
    started = datetime.now(UTC)
    clock = time.perf_counter()
    done = store.done() if store is not None else set()
    design = ensemble_design(scenario, job.seed, reps, job.drawn).missing(done)
    memory: list[dict[str, pa.Table]] = []
    compute_seconds = 0.0
    runner = Runner(job.backend, workers=job.workers, scheduler=job.scheduler, preload=PRELOAD)
    record = _manifest(job, runner)
    record["parameters"] = job.record
    if job.drawn is not None:
        record["parameters_drawn_from_posterior"] = job.drawn.describe()
    if store is not None and len(design):
        write_json_atomic(store.manifest_path, record)

    if len(design):
        bar = _progress(reps, len(done), scenario.name, job.quiet)
        finished = _Finished(job.on_progress, store if done else None)
        try:
            with interrupted(lambda: _resume_note(store, reps)), runner:
                chunks = runner.chunks(
                    EnsembleEvaluator(job.definitions), runner.share(scenario), design
                )
                record["backend"] = runner.describe()
                for chunk in chunks:
                    compute_seconds += chunk.seconds
                    if store is not None:
                        store.write_part(chunk.start, chunk.stop, chunk.value)
                    else:
                        memory.append(chunk.value)
                    bar.update(len(chunk.indices))
                    finished.add(chunk.value["replications"])
        finally:
            bar.close()

    if store is not None:
        arrow = store.read_parts()
    else:
        arrow = {
            name: pa.concat_tables([c[name] for c in memory], promote_options="default")
            for name in TABLES
        }
    tables = {name: _tidy(arrow[name], TABLES[name]) for name in TABLES}
    _check_complete(tables["replications"], reps, store)
    frames = {name: table.to_pandas() for name, table in tables.items()}
    summary = summarise(frames)
    summary["parameters"] = job.record
    if job.drawn is not None:
        summary["parameters_drawn_from_posterior"] = job.drawn.describe()

    ran = len(design)
    wall = time.perf_counter() - clock
    record["status"] = "complete"
    record["tables"] = {name: len(frame) for name, frame in frames.items()}
    record["timings"] = timings(
        started,
        clock,
        replications_run=ran,
        replications_resumed=reps - ran,
        mean_replication_s=round(compute_seconds / ran, 4) if ran else None,
        replications_per_s=round(ran / wall, 3) if ran and wall > 0 else None,
    )
    if store is not None:
        store.write_final(tables, record, summary=summary)
    return EnsembleResult(
        **frames, summary=summary, manifest=record, path=store.path if store else None
    )


def _resume_note(store: RunStore | None, reps: int) -> str:
    stored = len(store.done()) if store is not None else 0
    where = f" in {store.path}" if store is not None else ""
    return (
        f"interrupted: {stored} of {reps} replications are stored{where}; "
        "run the same ensemble again to resume"
    )


class _Finished:
    """The replications finished so far, handed to ``on_progress`` after each chunk."""

    def __init__(self, listener: Callable[[pd.DataFrame], None] | None, resumed: Any) -> None:
        self.listener = listener
        self.tables: list[pa.Table] = []
        if listener is not None and resumed is not None:
            self.tables.append(resumed.read_parts()["replications"])

    def add(self, replications: pa.Table) -> None:
        if self.listener is None:
            return
        self.tables.append(replications)
        rows = pa.concat_tables(self.tables, promote_options="default").to_pandas()
        rows = rows.drop_duplicates("replication").sort_values("replication", kind="stable")
        self.listener(rows.reset_index(drop=True))


def load_ensemble(path: str | Path, reused: bool = False) -> EnsembleResult:
    """Read a complete ensemble back from its run folder (plots and notebooks use this)."""
    store = RunStore(path)
    with store.reading():  # a run clearing or consolidating this folder waits meanwhile
        if not store.is_complete():
            raise InputError(
                [
                    Problem(
                        str(path),
                        "(folder)",
                        "holds no complete ensemble (no complete manifest.json)",
                    )
                ]
            )
        frames = {name: table.to_pandas() for name, table in store.read_final().items()}
        summary, manifest = read_json(store.summary_path), store.manifest()
    return EnsembleResult(
        **frames,
        summary=summary or {},
        manifest=manifest or {},
        path=store.path,
        reused=reused,
    )


# -- helpers ---------------------------------------------------------------------


def _check(scenario: Scenario, reps: Any, seed: Any) -> int:
    """Check reps and seed (one problem each, as the command line reports them)."""
    problems = []
    if not isinstance(reps, int | np.integer) or isinstance(reps, bool) or reps < 1:
        problems.append(Problem("ensemble", "reps", f"{reps!r} is not a whole number >= 1"))
    if seed is None:
        seed = scenario.seed if scenario.seed is not None else 0
    if not isinstance(seed, int | np.integer) or isinstance(seed, bool) or seed < 0:
        problems.append(Problem("ensemble", "seed", f"{seed!r} is not a whole number >= 0"))
    if problems:
        raise InputError(problems)
    return int(seed)


def _check_complete(replications: pa.Table, reps: int, store: RunStore | None) -> None:
    got = replications.column("replication").to_pylist()
    if got != list(range(reps)):
        where = f" in {store.path}" if store is not None else ""
        raise RuntimeError(f"the ensemble{where} holds {len(got)} of {reps} replications")


def _tidy(table: pa.Table, keys: tuple[str, ...]) -> pa.Table:
    """Rows in key order, so the tables do not depend on which chunk finished first."""
    return table.sort_by([(key, "ascending") for key in keys]).combine_chunks()


def _progress(total: int, done: int, name: str, quiet: bool) -> Any:
    from sim.experiments.progress import progress_bar

    return progress_bar(total, done, description=name, quiet=quiet)


def _manifest(job: _Job, runner: Runner) -> dict[str, Any]:
    """Everything needed to trace the ensemble's figures to their inputs."""
    scenario = job.scenario
    return manifest(
        "ensemble",
        job.key,
        job.seed,
        backend=runner.describe(),
        scenario=scenario.to_dict(),
        scenario_file=str(scenario.path) if scenario.path is not None else None,
        commune_data_sha256=job.key_inputs["commune_data_sha256"],
        reps=job.reps,
        targets=job.definitions.to_dict(),
    )
