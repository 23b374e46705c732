"""The experiment engine: every analysis is a design of runs, executed by one runner.

Why one engine: ensembles, comparisons, the cost of delay, the search,
calibration generations and sensitivity designs all run the same model many
times and differ only in *which* runs they ask for and what they make of the
results. Each used to key its inputs, pick a backend, cut its work into
chunks, run them, catch an interrupt and write a manifest in its own way.
Here that sequence is written once (EMA Workbench's experiments table with
evaluators behind one interface is the model):

- A **design** (:class:`Design`) is a table with one row per run: its index,
  the scenario variant, the parameter point, the replication, the values
  that override the scenario's, and the key its seed comes from. Every run's
  seed is ``numpy.random.SeedSequence(seed, spawn_key=key)`` (:func:`run_seed`),
  so a run's numbers depend on the experiment's seed and its own key only,
  never on the backend, the chunking, the order of completion or how often
  the work was interrupted. An ensemble's replication ``i`` has key ``(i,)``:
  child ``i`` of ``SeedSequence(seed).spawn(reps)``; runs of different
  points that share a replication share its seed (common random numbers).
- An **evaluator** says what one run yields (an ensemble's small tables, the
  figures a calibration compares, the outputs a sensitivity analysis reads)
  and how a chunk's yields are gathered; it is a picklable object of an
  importable module, so worker processes import it by name.
- The **runner** (:class:`Runner`) runs chunks of a design's rows on any
  backend (:mod:`sim.experiments.backends`), checks that every worker runs this version,
  shows progress, and hands each finished chunk back; on Ctrl-C or a lost
  worker it says what is stored and how to resume (:func:`interrupted`).
- A **store** of parts (:class:`sim.experiments.store.RunStore`) keeps each finished
  chunk, so interrupted work resumes by running only the rows no part holds.
- One **manifest** format (:func:`manifest`): what was run, with which seed,
  version, commit and backend, plus what the experiment adds of its own.
"""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

import numpy as np
import pandas as pd

from sim.experiments.backends import Backend, WorkerLost, make_backend
from sim.inputs.provenance import git_commit, package_version

#: Longest chunk (runs per task): bounds what an interruption can lose.
MAX_CHUNK = 20

#: How every run's seed is made, as the manifests state it.
SEEDING = (
    "numpy.random.SeedSequence(seed, spawn_key=key) for the run whose design row has that key; "
    "an ensemble's replication i has key (i,), child i of SeedSequence(seed).spawn(reps)"
)


def run_seed(seed: int, key: Sequence[int]) -> np.random.SeedSequence:
    """The seed of the run with ``key`` in an experiment seeded with ``seed``."""
    return np.random.SeedSequence(seed, spawn_key=tuple(int(k) for k in key))


@dataclass(frozen=True)
class Run:
    """One row of a design: a run of the model (or of any simulator).

    ``index`` is its row (what stores and results are keyed by); ``key`` is
    where its seed comes from (:func:`run_seed`); ``parameters`` override the
    scenario's values; ``variant``, ``point`` and ``replication`` say where the
    run sits in the experiment; ``particle`` names the posterior row its
    parameters were drawn from, if any.
    """

    index: int
    key: tuple[int, ...]
    parameters: Mapping[str, float] = field(default_factory=dict)
    variant: int = 0
    point: int = 0
    replication: int = 0
    particle: int | None = None


@dataclass(frozen=True)
class Design:
    """The runs of an experiment and the seed their seeds derive from."""

    seed: int
    runs: tuple[Run, ...]

    def __len__(self) -> int:
        return len(self.runs)

    def seed_of(self, run: Run) -> np.random.SeedSequence:
        """The seed of ``run``."""
        return run_seed(self.seed, run.key)

    def table(self) -> pd.DataFrame:
        """The experiments table: one row per run, with its parameter values as columns."""
        rows = [
            {
                "run": r.index,
                "variant": r.variant,
                "point": r.point,
                "replication": r.replication,
                "seed_key": "-".join(str(k) for k in r.key),
                **({"posterior_particle": r.particle} if r.particle is not None else {}),
                **dict(r.parameters),
            }
            for r in self.runs
        ]
        return pd.DataFrame(rows)

    def missing(self, done: set[int]) -> Design:
        """The runs no stored part holds (what a resumed experiment still has to run)."""
        return Design(self.seed, tuple(r for r in self.runs if r.index not in done))


def replications(seed: int, reps: int, draws: Callable[[int], Run] | None = None) -> Design:
    """An ensemble's design: replication ``i`` with key ``(i,)`` (``draws`` may give it
    parameters drawn from a posterior)."""
    runs = tuple(draws(i) if draws else Run(index=i, key=(i,), replication=i) for i in range(reps))
    return Design(seed, runs)


def points(
    seed: int, values: Sequence[Mapping[str, float]], reps: int, key: tuple[int, ...] = ()
) -> Design:
    """Every parameter point ``reps`` times on common random numbers: run ``(point, r)``
    has key ``key + (r,)``, the same for every point."""
    runs = tuple(
        Run(
            index=p * reps + r,
            key=(*key, r),
            parameters=dict(point),
            point=p,
            replication=r,
        )
        for p, point in enumerate(values)
        for r in range(reps)
    )
    return Design(seed, runs)


class Evaluator(Protocol):
    """What one run yields, and how a chunk's yields are gathered for the parent."""

    def __call__(self, subject: Any, run: Run, seed: np.random.SeedSequence) -> Any:
        """Run ``subject`` (a scenario, a simulator) for ``run`` and return its yield."""

    def gather(self, runs: Sequence[Run], outputs: list[Any]) -> Any:
        """One value for a chunk's runs and outputs (what the worker sends back)."""


class EachRun:
    """Base of evaluators whose chunks send back their runs' outputs as a list."""

    def gather(self, runs: Sequence[Run], outputs: list[Any]) -> list[Any]:
        return outputs


@dataclass
class Chunk:
    """What a worker sends back for the runs ``indices``."""

    indices: list[int]
    value: Any
    seconds: float
    version: str

    @property
    def start(self) -> int:
        return min(self.indices)

    @property
    def stop(self) -> int:
        return max(self.indices) + 1


def evaluate_chunk(evaluator: Evaluator, subject: Any, seed: int, runs: Sequence[Run]) -> Chunk:
    """Run a chunk of a design's rows (a top-level function: workers import it by name)."""
    started = time.perf_counter()
    outputs = [evaluator(subject, run, run_seed(seed, run.key)) for run in runs]
    return Chunk(
        indices=[run.index for run in runs],
        value=evaluator.gather(runs, outputs),
        seconds=time.perf_counter() - started,
        version=package_version(),
    )


def plan_chunks(missing: list[int], workers: int, max_size: int = MAX_CHUNK) -> list[list[int]]:
    """Split run indices into chunks of consecutive indices.

    Chunks shrink as the work runs out (guided scheduling: each is about a
    quarter of what remains per worker, at most ``max_size``), so no worker
    is left finishing a long chunk while the others idle at the end. Results
    do not depend on the chunking: each run carries its own seed.
    """
    ordered = sorted(missing)
    chunks: list[list[int]] = []
    i = 0
    while i < len(ordered):
        remaining = len(ordered) - i
        size = max(1, min(max_size, -(-remaining // (4 * max(1, workers)))))
        chunk = [ordered[i]]
        while len(chunk) < size and i + len(chunk) < len(ordered):
            following = ordered[i + len(chunk)]
            if following != chunk[-1] + 1:
                break
            chunk.append(following)
        chunks.append(chunk)
        i += len(chunk)
    return chunks


class Runner:
    """Runs designs on one backend; a context manager that starts and stops its workers.

    ``backend`` is a name (``"local"``, ``"dask"``), or a
    :class:`~sim.experiments.backends.Backend` or another runner whose workers to share
    (one set of workers for several experiments); ``preload`` names the
    modules local workers import before their first task (those holding the
    evaluators).
    """

    def __init__(
        self,
        backend: str | Backend | Runner = "local",
        *,
        workers: int | None = None,
        scheduler: str | None = None,
        preload: tuple[str, ...] = (),
    ) -> None:
        if isinstance(backend, Runner):
            self.backend: Backend = backend.backend
        else:
            preload = ("sim.experiments.experiment", *preload)
            self.backend = make_backend(backend, workers, scheduler, preload)

    def __enter__(self) -> Runner:
        self.backend.__enter__()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.backend.__exit__(*exc_info)

    @property
    def workers(self) -> int:
        return self.backend.workers

    def describe(self) -> dict[str, Any]:
        """What a manifest records about where the runs ran."""
        return self.backend.describe()

    def share(self, value: Any) -> Any:
        """``value`` made available to every task once (Dask sends it once)."""
        return self.backend.share(value)

    def chunks(
        self,
        evaluator: Evaluator,
        subject: Any,
        design: Design,
        *,
        max_chunk: int = MAX_CHUNK,
        progress: Any = None,
    ) -> Iterator[Chunk]:
        """Yield every chunk of ``design`` as it finishes (in completion order).

        ``subject`` should already be shared (:meth:`share`). ``progress``, a
        bar with ``update(n)``, is advanced by each chunk's runs.
        """
        by_index = {run.index: run for run in design.runs}
        planned = plan_chunks(list(by_index), self.workers, max_chunk)
        tasks = [
            (evaluator, subject, design.seed, [by_index[i] for i in chunk]) for chunk in planned
        ]
        for chunk in self.backend.run(evaluate_chunk, tasks):
            check_version(chunk)
            if progress is not None:
                progress.update(len(chunk.indices))
            yield chunk

    def outputs(
        self, evaluator: Evaluator, subject: Any, design: Design, **options: Any
    ) -> dict[int, Any]:
        """``{run index: output}`` for an evaluator whose chunks gather a list of outputs."""
        found: dict[int, Any] = {}
        for chunk in self.chunks(evaluator, subject, design, **options):
            found.update(zip(chunk.indices, chunk.value, strict=True))
        return found


def kept_runner(workers: int | None = None) -> Runner:
    """Local workers started now and kept for every later design (a screen's Run button:
    starting them costs seconds, so they are not started again at every press)."""
    runner = Runner("local", workers=workers, preload=("sim.experiments.ensemble",))
    runner.__enter__()
    return runner


def check_version(chunk: Chunk) -> None:
    """Refuse a chunk computed by another version of the package (a stale Dask worker)."""
    mine = package_version()
    if chunk.version != mine:
        raise RuntimeError(
            f"a worker runs nahy-sim {chunk.version} but this process runs {mine}; "
            "install the same version on every worker"
        )


@contextlib.contextmanager
def interrupted(note: Callable[[], str]) -> Iterator[None]:
    """On Ctrl-C or a lost worker, add ``note()`` (what is stored, how to resume) to the error."""
    try:
        yield
    except (KeyboardInterrupt, WorkerLost) as error:
        text = note()
        if isinstance(error, WorkerLost):
            raise WorkerLost(f"{error}; {text}") from error
        error.add_note(text)
        raise


def resolved_scenario(scenario: Any) -> dict[str, Any]:
    """A scenario as every experiment's key covers it: resolved, without its file paths, so
    the same scenario reached by another path finds the same stored results."""
    resolved = scenario.to_dict()
    resolved.pop("path", None)
    resolved["commune"] = {k: v for k, v in resolved["commune"].items() if k != "path"}
    return resolved


def manifest(
    kind: str,
    key: str,
    seed: int,
    *,
    backend: dict[str, Any] | None = None,
    started: datetime | None = None,
    **fields: Any,
) -> dict[str, Any]:
    """The one manifest format: the fields every experiment records, then its own ``fields``."""
    started = started or datetime.now(UTC)
    return {
        "kind": kind,
        "status": "incomplete",
        "key": key,
        "seed": seed,
        "seeding": SEEDING,
        **fields,
        "version": package_version(),
        "git": git_commit(),
        "python": sys.version.split()[0],
        "backend": backend,
        "created": started.isoformat(timespec="seconds"),
    }


def timings(started: datetime, clock: float, **counts: Any) -> dict[str, Any]:
    """The manifest's ``timings``: when the work started and finished, its wall time, counts."""
    return {
        "started": started.isoformat(timespec="seconds"),
        "finished": datetime.now(UTC).isoformat(timespec="seconds"),
        "wall_s": round(time.perf_counter() - clock, 3),
        **counts,
    }
