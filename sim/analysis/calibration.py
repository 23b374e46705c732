"""Calibration: which parameter values reproduce what was observed (ABC-SMC).

No source gives the outmigration, return, participation or spotting rates,
so they are fitted to the commune's observed figures (:mod:`sim.analysis.observed`)
by approximate Bayesian computation: keep the parameter values whose runs
come close to the observations, starting from the scenario's ``[priors]``.

**Algorithm.** Population Monte Carlo ABC (Beaumont, Cornuet, Marin & Robert
2009, *Biometrika* 96:983; Toni et al. 2009) with an adaptive tolerance:

1. Generation 0: ``particles`` draws from the prior, one run each.
2. Generation g: the tolerance ``eps_g`` is the ``alpha`` quantile of the
   previous generation's distances. Proposals are drawn from the previous
   particles (by weight) and moved by a kernel in *proposal space* (the
   logarithm of log-uniform parameters, the value otherwise): for each
   parameter a normal step whose variance is twice the particles' weighted
   variance (Beaumont et al.'s choice), truncated to the prior's support, so
   that no proposal falls outside (with the twenty or so parameters of a
   commune's calibration, a correlated Gaussian step fell outside some bound
   nearly every time, and the sampler gave up). Each proposal is run once and
   kept if its distance is within ``eps_g``, until ``particles`` are kept. Importance weights
   ``w ∝ prior(z) / sum_k W_k K(z | z_k)``, the truncated kernel's own mass
   included, correct for proposing from the previous particles instead of
   the prior; the effective sample size is ``(sum w)^2 / sum w^2``.
3. Stop after ``generations`` generations, when ``eps_g`` reaches
   ``tolerance``, when the acceptance rate (kept / runs) falls below
   ``min_acceptance``, or before a generation the budget of ``max_runs``
   runs cannot pay for (estimated from the last acceptance rate). A
   generation that runs out of budget half-way is kept if it has at least
   half the particles (a smaller but proper sample), and is the last.

Why this variant: every kept particle is a distinct parameter set (the
one-run-per-particle SMC of Del Moral et al. 2012, tried first, left most
particles as copies of a few when its moves were seldom accepted, which
made the posterior look narrower than it is); the weights and ESS are the
textbook ones; and the cost is capped by a run budget that fits a laptop.
Why our own few hundred lines rather than pyabc: pyabc brings a database
layer, its own samplers and process pools, and would bypass
:mod:`sim.experiments.backends` (local processes or Dask) and our atomic, resumable
storage.

**Distance.** ``d = sqrt(mean_k ((s_k - y_k) / sigma_k)^2)``: the root mean
square over the observed figures ``y_k`` of the difference from the run's
``s_k``, in units of ``sigma_k``, the run-to-run spread of that figure at the
scenario's own parameter values (the standard deviation over ``pilot_runs``
runs), floored at half a unit for counts (0.1 for shares) so that a figure
the model nearly fixes still counts a difference of one; a figure read
indirectly (a district figure brought to the commune's share) adds its
reading's own standard deviation (``uncertainty`` in ``observed.csv``):
``sigma_k = sqrt(noise_k^2 + reading_k^2)``. Standardising by
the model's own noise puts members (about 120), admissions in a quarter (a
handful) and white villages (0-3) on one scale, so none dominates by its
units, and ``d`` reads as "typical number of noise standard deviations
between a run and the observations". Two runs at the same (true) values
already differ by about ``sqrt(2)`` such units, so tolerances well below 1
only keep lucky runs and cost many runs for little.

**Summaries** (``projection_runs`` > 0, the default). With many figures
that each inform few parameters, that distance is mostly noise, and the
first Nà Hỳ calibration over it returned 81-105 % of every prior's width.
So, before generation 0, ``projection_runs`` runs at prior draws fit, for
each parameter, its best linear guess from the standardised figures
(semi-automatic ABC, Fearnhead & Prangle 2012; :mod:`sim.analysis.summaries`), and
``d`` is the root mean square over parameters of the guesses' difference
from the record's, in units of each parameter's prior spread. The figures
that inform a parameter then decide its part of the distance, and those
that do not add almost nothing. ``projection_runs = 0`` keeps the distance
over the raw figures.

**Any simulator.** The loop (pilot scales, generations, weights, stopping,
storage, resuming, posterior predictive) is :func:`calibrate_simulator`,
which calibrates any picklable :class:`sim.analysis.abc.Simulator` (figure names,
floors and reading uncertainties, and ``simulator(parameters, seed)`` ->
figures). :func:`calibrate` builds the commune model's simulator
(:class:`ScenarioSimulator`: one run of the scenario, measured by its
:class:`~sim.analysis.observed.MeasurePlan`) and its manifest, and calls it. Why:
the sampler is then tested on a problem whose posterior is known exactly
(normal means with a flat prior, ``tests/test_calibration.py``), where a
wrong weight or a biased stopping rule shows as a wrong posterior, which
runs of the commune model could never tell apart from its noise.

**Reproducibility and storage.** Every random draw comes from
``SeedSequence(seed)`` children with fixed keys (pilot run j: ``(0, j)``;
generation g's proposal j: ``(1, g, 0, j)`` and its run ``(1, g, 1, j)``;
posterior-predictive run j: ``(2, j)``, its draw ``(3, g)``; summaries' prior
draw j: ``(4, 0, j)`` and its run ``(4, 1, j)``). Proposals are
kept in index order (the first ``particles`` accepted indices), so the
result does not depend on the backend, the number of workers, the batch
sizes or interruptions; only the number of runs wasted past the last kept
index does. Only this process writes; each generation is one Parquet file
renamed into place when complete, so an interrupted calibration resumes from
the last complete generation and gives exactly what an uninterrupted one
would. A lock file stops two calibrations from writing one folder at once.

Folder layout (``out``)::

    manifest.json        inputs, settings, key, status, timings, stop reason
    observed.csv         the observations used and their sigma; skipped rows with reasons
    pilot.parquet        the pilot runs (observed figures at the scenario's values)
    projection.parquet   the summaries' runs at prior draws (with projection_runs)
    generations/g000.parquet ...   each generation's particles: weights, distances, figures
    diagnostics.csv      per generation: tolerance, ESS, acceptance rate, runs, seconds
    posterior.parquet    the final particles and weights (posterior.csv: the same)
    predictive.parquet   posterior-predictive runs (one per draw from the posterior)
    summary.json         per parameter: prior, posterior mean, median, 90 % interval
"""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from sim.analysis.abc import (
    Generation,
    Simulator,
    distances,
    ess,
    from_space,
    importance_weights,
    kernel_scales,
    posterior_summary,
    space_bounds,
    to_space,
    truncated_step,
    weighted_quantile,
)
from sim.analysis.calibration_store import (
    CalibrationResult,
    FolderLock,
    arrow_table,
    clear_folder,
    diagnostics_table,
    last_generation,
    load_calibration,
    posterior_frame,
    store_generation,
    write_observed,
)
from sim.analysis.observed import MeasurePlan, Observation, Skipped, measure_plan, observations
from sim.analysis.summaries import Projection, fit_projection
from sim.experiments.backends import Backend
from sim.experiments.experiment import Design, EachRun, Run, Runner, interrupted, resolved_scenario
from sim.experiments.experiment import manifest as experiment_manifest
from sim.experiments.progress import stderr_log
from sim.experiments.store import (
    read_json,
    write_csv_atomic,
    write_json_atomic,
    write_parquet_atomic,
)
from sim.inputs.errors import InputError, Problem
from sim.inputs.priors import Prior
from sim.inputs.provenance import commune_fingerprint, digest, package_version
from sim.inputs.scenario import Scenario
from sim.model import run

__all__ = [
    "CalibrationResult",
    "ScenarioSimulator",
    "Settings",
    "Simulator",
    "calibrate",
    "calibrate_simulator",
    "distances",
    "ess",
    "importance_weights",
    "kernel_scales",
    "load_calibration",
    "weighted_quantile",
]

#: Runs per task sent to a worker, at most (bounds what a lost worker costs).
MAX_TASK = 10
#: Seed-sequence key prefixes (see the module docstring).
_PILOT, _GENERATION, _PREDICTIVE, _PREDICTIVE_DRAW, _PROJECTION = 0, 1, 2, 3, 4
#: Expected acceptance rate of a generation relative to the previous one (with alpha 0.5,
#: the Nà Hỳ and test calibrations fall by a factor 0.55-0.65 a generation).
ACCEPTANCE_DECAY = 0.6


@dataclass(frozen=True)
class Settings:
    """How a calibration runs. Defaults: about 2,200 runs, a few minutes on 2 cores.

    ``particles``, ``alpha``, ``seed``, ``pilot_runs``, ``projection_runs``
    and ``metrics`` decide the particles (they are part of the folder's key); ``generations``,
    ``tolerance``, ``min_acceptance``, ``max_runs`` and ``predictive_runs``
    only decide when to stop and what to add, so a finished calibration can
    be continued with a larger budget.
    """

    particles: int = 150
    generations: int = 10
    alpha: float = 0.5
    tolerance: float = 0.0
    min_acceptance: float = 0.03
    max_runs: int = 2000
    pilot_runs: int = 20
    predictive_runs: int | None = None  # default: as many as particles
    seed: int = 0
    metrics: tuple[str, ...] | None = None
    projection_runs: int = 400  # 0: the distance over the raw figures

    def check(self) -> None:
        """Raise ``InputError`` naming every bad setting."""
        problems = []

        def bad(name: str, message: str) -> None:
            problems.append(Problem("calibration", name, message))

        minimums = {"particles": 2, "generations": 1, "pilot_runs": 2, "max_runs": 1}
        runs = self.projection_runs
        if not isinstance(runs, int) or isinstance(runs, bool) or runs < 0:
            bad("projection_runs", f"{runs!r} is not a whole number >= 0")
        elif 0 < runs < 20:
            bad("projection_runs", f"{runs} is too few to fit the summaries (0, or >= 20)")
        for name, minimum in minimums.items():
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
                bad(name, f"{value!r} is not a whole number >= {minimum}")
        counts = isinstance(self.max_runs, int) and isinstance(self.particles, int)
        if counts and 1 <= self.max_runs < self.particles:
            bad("max_runs", f"{self.max_runs} is below particles {self.particles}")
        if not 0.0 < self.alpha < 1.0:
            bad("alpha", f"{self.alpha!r} is outside (0, 1)")
        if not 0.0 <= self.min_acceptance < 1.0:
            bad("min_acceptance", f"{self.min_acceptance!r} is outside [0, 1)")
        if not self.tolerance >= 0.0:
            bad("tolerance", f"{self.tolerance!r} is negative")
        if self.predictive_runs is not None and self.predictive_runs < 0:
            bad("predictive_runs", f"{self.predictive_runs!r} is negative")
        if not isinstance(self.seed, int) or isinstance(self.seed, bool) or self.seed < 0:
            bad("seed", f"{self.seed!r} is not a whole number >= 0")
        if problems:
            raise InputError(problems)

    @property
    def n_predictive(self) -> int:
        return self.particles if self.predictive_runs is None else self.predictive_runs


@dataclass(frozen=True)
class ScenarioSimulator:
    """The commune model as a :class:`~sim.analysis.abc.Simulator`: a run of ``scenario``, measured.

    One call is one run at the scenario's values overridden by
    ``parameters`` (none: the scenario's own values, where the pilot runs),
    read by ``plan``. The floors and reading uncertainties are the observations' own
    (:attr:`~sim.analysis.observed.Observation.floor`,
    :attr:`~sim.analysis.observed.Observation.uncertainty`).
    """

    scenario: Scenario
    plan: MeasurePlan
    floors: tuple[float, ...]
    uncertainty: tuple[float, ...]

    @classmethod
    def of(cls, scenario: Scenario, used: list[Observation]) -> ScenarioSimulator:
        """The simulator measuring the observations ``used`` on runs of ``scenario``."""
        return cls(
            scenario,
            measure_plan(scenario, used),
            tuple(o.floor for o in used),
            tuple(o.uncertainty for o in used),
        )

    @property
    def keys(self) -> tuple[str, ...]:
        return self.plan.keys

    def __call__(self, parameters: dict[str, float], seed: np.random.SeedSequence) -> np.ndarray:
        varied = self.scenario.with_parameters(**parameters) if parameters else self.scenario
        return self.plan.measure(run(varied, seed).record)


class SimulatorEvaluator(EachRun):
    """A run of any :class:`~sim.analysis.abc.Simulator` at the run's parameters: its figures."""

    def __call__(self, simulator: Simulator, run: Run, seed: np.random.SeedSequence) -> np.ndarray:
        return np.asarray(simulator(dict(run.parameters), seed), float)


def _simulate(
    runner: Runner, shared: Any, seed: int, items: list[tuple[int, dict[str, float], tuple]]
) -> dict[int, np.ndarray]:
    """Run ``(index, parameters, seed key)`` items of the (shared) simulator on the runner."""
    design = Design(seed, tuple(Run(index=j, key=key, parameters=p) for j, p, key in items))
    return runner.outputs(SimulatorEvaluator(), shared, design, max_chunk=MAX_TASK)


def _seed(seed: int, *key: int) -> np.random.SeedSequence:
    return np.random.SeedSequence(seed, spawn_key=key)


def calibration_key(
    scenario: Scenario, used: list[Observation], settings: Settings
) -> tuple[str, dict[str, Any]]:
    """The folder's key: what decides the particles (not when to stop)."""
    resolved = resolved_scenario(scenario)
    inputs = {
        "scenario": resolved,
        "commune_data_sha256": commune_fingerprint(scenario.commune),
        "observations": [o.to_dict() for o in used],
        "particles": settings.particles,
        "alpha": settings.alpha,
        "pilot_runs": settings.pilot_runs,
        "seed": settings.seed,
        "version": package_version(),
    }
    if settings.projection_runs:  # only then, so raw-distance calibrations keep their keys
        inputs["projection_runs"] = settings.projection_runs
    return digest(inputs), inputs


def calibrate(
    scenario: Scenario,
    out: str | Path,
    settings: Settings | None = None,
    *,
    backend: str | Backend | Runner = "local",
    workers: int | None = None,
    scheduler: str | None = None,
    fresh: bool = False,
    quiet: bool = False,
    on_generation: Callable[[Generation], None] | None = None,
) -> CalibrationResult:
    """Calibrate the scenario's ``[priors]`` against its commune's observed figures.

    Results go to the folder ``out`` (see the module docstring); running the
    same calibration again resumes from the last complete generation (or
    returns the finished result), and a calibration of other inputs in the
    same folder is an error unless ``fresh=True``. ``backend``, ``workers``
    and ``scheduler`` are as for :func:`sim.experiments.ensemble.run_ensemble`.
    ``on_generation`` is called after each generation is stored.
    """
    settings = settings or Settings()
    settings.check()
    priors = list(scenario.priors.values())
    names = [p.name for p in priors]
    if not priors:
        raise InputError(
            [
                Problem(
                    str(scenario.path or scenario.name),
                    "priors",
                    "none declared (calibration needs a [priors] table; see docs/DATA.md)",
                )
            ]
        )
    used, skipped = observations(scenario, list(settings.metrics) if settings.metrics else None)
    if not used:
        raise InputError(
            [
                Problem(
                    str(Path(scenario.commune.path) / "observed.csv"),
                    "(rows)",
                    f"no observation the model can be compared with between {scenario.start} "
                    f"and {scenario.horizon}"
                    + (f" among metrics {', '.join(settings.metrics)}" if settings.metrics else ""),
                )
            ]
        )
    simulator = ScenarioSimulator.of(scenario, used)
    y = np.array([o.value for o in used])
    key, key_inputs = calibration_key(scenario, used, settings)

    def manifest(started: datetime) -> dict[str, Any]:
        return _manifest(scenario, settings, key, key_inputs, used, skipped, names, started)

    def observed_csv(folder: Path, scale: np.ndarray) -> None:
        write_observed(folder, used, skipped, scale)

    return calibrate_simulator(
        simulator,
        priors,
        y,
        out,
        settings,
        key=key,
        manifest=manifest,
        write_observed=observed_csv,
        subject="scenario",
        backend=backend,
        workers=workers,
        scheduler=scheduler,
        fresh=fresh,
        quiet=quiet,
        on_generation=on_generation,
    )


def calibrate_simulator(
    simulator: Simulator,
    priors: Sequence[Prior],
    observed: Sequence[float] | np.ndarray,
    out: str | Path,
    settings: Settings | None = None,
    *,
    key: str | None = None,
    manifest: Callable[[datetime], dict[str, Any]] | None = None,
    write_observed: Callable[[Path, np.ndarray], None] | None = None,
    subject: str = "simulator",
    backend: str | Backend | Runner = "local",
    workers: int | None = None,
    scheduler: str | None = None,
    fresh: bool = False,
    quiet: bool = False,
    on_generation: Callable[[Generation], None] | None = None,
) -> CalibrationResult:
    """Calibrate ``priors`` of any simulator against ``observed`` (one value per figure).

    The ABC-PMC loop of the module docstring, with its folder layout,
    resuming and seeding. ``key`` identifies the inputs that decide the
    particles (default: a digest of the simulator's ``repr``, figures,
    floors, uncertainties, priors, observations and the deciding settings;
    pass one when ``repr`` does not identify the simulator). ``manifest``
    builds the manifest's description from the start time (default: a
    generic one); ``write_observed(folder, scale)`` writes ``observed.csv``
    (default: figure, value, uncertainty, sigma). ``subject`` names what
    the key covers in the error about a folder of other inputs. The rest is
    as for :func:`calibrate`, which calls this for the commune model.
    """
    settings = settings or Settings()
    settings.check()
    priors = list(priors)
    names = [p.name for p in priors]
    keys = tuple(simulator.keys)
    y = np.asarray(observed, dtype=float)
    if not priors or y.shape != (len(keys),):
        raise ValueError(
            f"need at least one prior and one observed value per figure "
            f"({len(priors)} priors, {y.shape} values for {len(keys)} figures)"
        )
    if key is None:
        key = _simulator_key(simulator, priors, y, settings)
    describe = manifest or (
        lambda started: _simulator_manifest(simulator, priors, y, settings, key, started)
    )

    folder = Path(out)
    if fresh and folder.exists():
        clear_folder(folder)
    folder.mkdir(parents=True, exist_ok=True)
    log = stderr_log(quiet)
    with FolderLock(folder):
        previous = read_json(folder / "manifest.json")
        if previous and previous.get("key") != key:
            raise InputError(
                [
                    Problem(
                        str(folder),
                        "(folder)",
                        f"holds a calibration of other inputs ({subject}, observations, "
                        "particles, alpha, pilot runs, seed or version); use --fresh or another "
                        "--out",
                    )
                ]
            )
        started = datetime.now(UTC)
        clock = time.perf_counter()
        module = type(simulator).__module__
        preload = (__name__,) if module in (__name__, "__main__") else (__name__, module)
        runner = Runner(backend, workers=workers, scheduler=scheduler, preload=preload)
        manifest_data = describe(started)
        manifest_data["backend"] = runner.describe()
        if previous and previous.get("timings"):
            manifest_data["timings_before"] = previous["timings"]
        write_json_atomic(folder / "manifest.json", {**manifest_data, "status": "running"})
        total_runs = 0

        def note() -> str:
            done = len(list((folder / "generations").glob("g*.parquet")))
            return (
                f"interrupted: {done} complete generation(s) are stored in {folder}; "
                "run the same calibration again to resume"
            )

        with interrupted(note), runner:
            shared = runner.share(simulator)
            scale, pilot_runs = _pilot(folder, settings, runner, shared, simulator, log)
            total_runs += pilot_runs
            manifest_data["scales"] = dict(zip(keys, scale.tolist(), strict=True))
            projection, projection_runs = _projection(
                folder, settings, runner, shared, priors, keys, y, scale, log
            )
            total_runs += projection_runs
            distance_of = _distance_function(y, scale, projection)
            manifest_data["distance_summaries"] = (
                projection.to_dict(names, list(keys))
                if projection is not None
                else {"method": "the observed figures themselves"}
            )
            if write_observed is None:
                _write_observed_table(folder, keys, y, simulator.uncertainty, scale)
            else:
                write_observed(folder, scale)

            generation, spent = last_generation(folder, names, keys)
            if generation is not None:
                log(f"resuming after generation {generation.index}")
                reason = _stop_reason(generation, settings, spent)
            else:
                reason = None
            while reason is None:
                g = 0 if generation is None else generation.index + 1
                budget = settings.max_runs - spent
                nxt = _generation(
                    g, generation, settings, priors, runner, shared, distance_of, budget
                )
                if nxt is None:
                    total_runs += budget
                    reason = f"run budget: generation {g} did not keep enough particles"
                    if generation is None:
                        raise InputError(
                            [Problem("calibration", "max_runs", "too small for generation 0")]
                        )
                    break
                generation = nxt
                spent += generation.cost
                total_runs += generation.runs
                store_generation(folder, generation, names, keys)
                log(_describe(generation))
                if on_generation:
                    on_generation(generation)
                reason = _stop_reason(generation, settings, spent)
            assert generation is not None
            predictive_runs = _predictive(
                folder, generation, settings, names, runner, shared, keys, log
            )
            total_runs += predictive_runs

        diagnostics = diagnostics_table(folder, generation.index)
        write_csv_atomic(folder / "diagnostics.csv", diagnostics)
        posterior = posterior_frame(generation, names, keys)
        write_parquet_atomic(folder / "posterior.parquet", arrow_table(posterior))
        write_csv_atomic(folder / "posterior.csv", posterior)
        summary = _summary({p.name: p for p in priors}, posterior, generation, reason)
        write_json_atomic(folder / "summary.json", summary)
        wall = time.perf_counter() - clock
        manifest_data.update(
            status="complete",
            stop_reason=reason,
            generations=generation.index + 1,
            final={
                "tolerance": generation.tolerance,
                "ess": generation.ess,
                "acceptance_rate": generation.acceptance,
            },
            timings={
                "started": started.isoformat(timespec="seconds"),
                "finished": datetime.now(UTC).isoformat(timespec="seconds"),
                "wall_s": round(wall, 3),
                "runs_this_call": total_runs,
            },
        )
        write_json_atomic(folder / "manifest.json", manifest_data)
    return load_calibration(folder)


def _pilot(
    folder: Path,
    settings: Settings,
    runner: Runner,
    shared: Any,
    simulator: Simulator,
    log: Callable[[str], None],
) -> tuple[np.ndarray, int]:
    """The run-to-run spread of each observed figure at the scenario's values (the scales)."""
    path = folder / "pilot.parquet"
    keys = list(simulator.keys)
    if path.exists():
        summaries = pd.read_parquet(path)[keys].to_numpy(float)
        runs = 0
    else:
        items = [(j, {}, (_PILOT, j)) for j in range(settings.pilot_runs)]
        results = _simulate(runner, shared, settings.seed, items)
        summaries = np.array([results[j] for j in range(settings.pilot_runs)])
        frame = pd.DataFrame(summaries, columns=keys)
        frame.insert(0, "run", np.arange(settings.pilot_runs, dtype=np.int64))
        write_parquet_atomic(path, arrow_table(frame))
        runs = settings.pilot_runs
        log(f"pilot: {runs} runs at the scenario's parameter values")
    floors = np.asarray(simulator.floors, dtype=float)
    reading = np.asarray(simulator.uncertainty, dtype=float)
    noise = np.maximum(summaries.std(axis=0, ddof=1), floors)
    return np.sqrt(noise**2 + reading**2), runs


def _projection(
    folder: Path,
    settings: Settings,
    runner: Runner,
    shared: Any,
    priors: list[Prior],
    keys: tuple[str, ...],
    y: np.ndarray,
    scale: np.ndarray,
    log: Callable[[str], None],
) -> tuple[Projection | None, int]:
    """The semi-automatic summaries (:mod:`sim.analysis.summaries`), fitted on runs at prior draws.

    The runs are stored (``projection.parquet``), so a resumed calibration
    fits the same projection and its stored distances stay valid.
    """
    n = settings.projection_runs
    if n == 0:
        return None, 0
    names = [p.name for p in priors]
    path = folder / "projection.parquet"
    runs = 0
    if path.exists():
        frame = pd.read_parquet(path)
    else:
        theta = np.array(
            [
                [p.ppf(rng.random()) for p in priors]
                for rng in (
                    np.random.default_rng(_seed(settings.seed, _PROJECTION, 0, j)) for j in range(n)
                )
            ]
        )
        items = [(j, _params(priors, theta[j]), (_PROJECTION, 1, j)) for j in range(n)]
        results = _simulate(runner, shared, settings.seed, items)
        frame = pd.DataFrame(theta, columns=names)
        for k, key in enumerate(keys):
            frame[key] = [results[j][k] for j in range(n)]
        frame.insert(0, "run", np.arange(n, dtype=np.int64))
        write_parquet_atomic(path, arrow_table(frame))
        runs = n
        log(f"summaries: {n} runs at prior draws, each parameter's guess from the figures")
    misses = (frame[list(keys)].to_numpy(float) - y) / scale
    return fit_projection(priors, frame[names].to_numpy(float), misses), runs


def _distance_function(
    y: np.ndarray, scale: np.ndarray, projection: Projection | None
) -> Callable[[np.ndarray], float]:
    """A run's distance from the record: over the projected summaries, or the raw figures."""
    if projection is None:
        return lambda figures: float(distances(figures, y, scale)[0])
    return lambda figures: float(projection.distances((figures - y) / scale)[0])


def _proposals(
    settings: Settings,
    g: int,
    indices: range,
    priors: list[Prior],
    previous: Generation | None,
    scales: np.ndarray | None,
) -> np.ndarray:
    """Proposals ``indices`` of generation ``g`` (values).

    Each index has its own generator, so a proposal does not depend on how
    the indices are batched. Generation 0 draws from the prior; later ones
    pick a previous particle by weight and move it by the truncated kernel
    (:func:`sim.analysis.abc.truncated_step`), which stays inside the priors' support.
    """
    theta = np.empty((len(indices), len(priors)))
    if previous is not None:
        assert scales is not None
        z_old = to_space(priors, previous.theta)
        cumulative = np.cumsum(previous.weight) / previous.weight.sum()
        bounds = space_bounds(priors)
    for row, j in enumerate(indices):
        rng = np.random.default_rng(_seed(settings.seed, _GENERATION, g, 0, j))
        if previous is None:
            theta[row] = [p.ppf(rng.random()) for p in priors]
            continue
        ancestor = min(int(np.searchsorted(cumulative, rng.random(), side="right")), len(z_old) - 1)
        z = truncated_step(rng, z_old[ancestor], scales, bounds)
        theta[row] = from_space(priors, z[None, :])[0]
    return theta


def _generation(
    g: int,
    previous: Generation | None,
    settings: Settings,
    priors: list[Prior],
    runner: Runner,
    shared: Any,
    distance_of: Callable[[np.ndarray], float],
    budget: int,
) -> Generation | None:
    """Run generation ``g`` until ``particles`` are kept, within ``budget`` runs.

    Proposals are run in batches sized from the acceptance rate so far; the
    kept particles are the first ``particles`` accepted indices, whatever
    the batches. If the budget runs out first, the particles accepted among
    the first ``budget`` proposals are still a proper (smaller) sample of
    the ABC posterior at this tolerance: with at least half the particles
    they are kept as a last, partial generation; otherwise ``None``.
    """
    started = time.perf_counter()
    n = settings.particles
    if previous is None:
        eps, scales, expected = math.inf, None, 1.0
    else:
        eps = max(float(np.quantile(previous.distance, settings.alpha)), settings.tolerance)
        z_old = to_space(priors, previous.theta)
        scales = kernel_scales(z_old, previous.weight, priors)
        expected = max(previous.acceptance * ACCEPTANCE_DECAY, settings.min_acceptance, 0.01)
    kept: list[tuple[int, np.ndarray, float, np.ndarray]] = []
    next_index, tried = 0, 0
    while len(kept) < n and next_index < budget:
        rate = len(kept) / tried if kept else expected
        want = math.ceil((n - len(kept)) / max(rate, 0.01))
        size = min(max(want, 2 * runner.workers), budget - next_index)
        indices = range(next_index, next_index + size)
        theta = _proposals(settings, g, indices, priors, previous, scales)
        items = [
            (j, _params(priors, theta[row]), (_GENERATION, g, 1, j))
            for row, j in enumerate(indices)
        ]
        results = _simulate(runner, shared, settings.seed, items)
        for row, j in enumerate(indices):
            d = distance_of(results[j])
            if d <= eps:
                kept.append((j, theta[row], d, results[j]))
        next_index += size
        tried = next_index
    partial = len(kept) < n
    if partial and (previous is None or len(kept) < math.ceil(n / 2)):
        return None
    kept = kept[:n]
    cost = budget if partial else kept[-1][0] + 1
    theta = np.array([k[1] for k in kept])
    distance = np.array([k[2] for k in kept])
    summaries = np.array([k[3] for k in kept])
    if previous is None:
        weight = np.full(n, 1.0 / n)
    else:
        weight = importance_weights(to_space(priors, theta), z_old, previous.weight, scales, priors)
    return Generation(
        index=g,
        theta=theta,
        distance=distance,
        weight=weight,
        summaries=summaries,
        tolerance=eps,
        ess=ess(weight),
        acceptance=len(kept) / cost,
        cost=cost,
        runs=next_index,
        seconds=time.perf_counter() - started,
    )


def _stop_reason(generation: Generation, settings: Settings, spent: int) -> str | None:
    """Why to stop after ``generation`` (decided from stored values only), or ``None``.

    ``spent`` is the cost of every generation so far.
    """
    if len(generation.weight) < settings.particles:
        return (
            f"run budget: generation {generation.index} kept {len(generation.weight)} of "
            f"{settings.particles} particles within the {settings.max_runs} runs"
        )
    if generation.index + 1 >= settings.generations:
        return f"reached {settings.generations} generations"
    if generation.tolerance <= settings.tolerance:
        return f"reached the tolerance {settings.tolerance:g}"
    if generation.index > 0 and generation.acceptance < settings.min_acceptance:
        return f"acceptance rate {generation.acceptance:.3f} below {settings.min_acceptance:g}"
    expected = settings.particles / max(generation.acceptance * ACCEPTANCE_DECAY, 0.01)
    if spent + expected > settings.max_runs:
        return (
            f"run budget: {spent} of {settings.max_runs} runs spent; the next generation "
            f"would need about {expected:.0f}"
        )
    if float(np.quantile(generation.distance, settings.alpha)) >= generation.tolerance:
        return "the tolerance cannot decrease (the particles' distances are all equal)"
    return None


def _predictive(
    folder: Path,
    generation: Generation,
    settings: Settings,
    names: list[str],
    runner: Runner,
    shared: Any,
    keys: tuple[str, ...],
    log: Callable[[str], None],
) -> int:
    """Posterior-predictive runs: fresh runs at draws from the final particles."""
    path = folder / "predictive.parquet"
    n = settings.n_predictive
    if path.exists():
        meta = pq.read_schema(path).metadata or {}
        if (
            meta.get(b"generation") == str(generation.index).encode()
            and pq.read_metadata(path).num_rows == n
        ):
            return 0
    if n == 0:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        return 0
    rng = np.random.default_rng(_seed(settings.seed, _PREDICTIVE_DRAW, generation.index))
    cumulative = np.cumsum(generation.weight) / generation.weight.sum()
    draws = np.minimum(
        np.searchsorted(cumulative, rng.random(n), side="right"), len(cumulative) - 1
    )
    items = [
        (
            j,
            dict(zip(names, map(float, generation.theta[draws[j]]), strict=True)),
            (_PREDICTIVE, j),
        )
        for j in range(n)
    ]
    results = _simulate(runner, shared, settings.seed, items)
    frame = pd.DataFrame({"run": np.arange(n, dtype=np.int64), "particle": draws.astype(np.int64)})
    for j, name in enumerate(names):
        frame[name] = generation.theta[draws, j]
    summaries = np.array([results[j] for j in range(n)])
    for k, key in enumerate(keys):
        frame[key] = summaries[:, k]
    table = arrow_table(frame).replace_schema_metadata({"generation": str(generation.index)})
    write_parquet_atomic(path, table)
    log(f"posterior predictive: {n} runs")
    return n


def _summary(
    priors: Mapping[str, Prior], posterior: pd.DataFrame, generation: Generation, reason: str
) -> dict[str, Any]:
    weights = posterior["weight"].to_numpy(float)
    return {
        "parameters": {
            name: posterior_summary(prior, posterior[name].to_numpy(float), weights)
            for name, prior in priors.items()
        },
        "generations": generation.index + 1,
        "tolerance": generation.tolerance,
        "ess": generation.ess,
        "acceptance_rate": generation.acceptance,
        "stop_reason": reason,
    }


def _manifest(
    scenario: Scenario,
    settings: Settings,
    key: str,
    key_inputs: dict[str, Any],
    used: list[Observation],
    skipped: list[Skipped],
    names: list[str],
    started: datetime,
) -> dict[str, Any]:
    return _calibration_manifest(
        key,
        settings,
        started,
        parameters=names,
        priors={name: p.to_dict() for name, p in scenario.priors.items()},
        parameter_info=_parameter_info(scenario, names),
        observations=[o.to_dict() for o in used],
        skipped=[
            {"metric": s.metric, "date_to": s.date_to.isoformat(), "reason": s.reason}
            for s in skipped
        ],
        scenario=scenario.to_dict(),
        scenario_file=str(scenario.path) if scenario.path is not None else None,
        commune_data_sha256=key_inputs["commune_data_sha256"],
    )


#: The seed keys of a calibration's runs and draws (the module docstring's), as manifests say.
SEED_KEYS = (
    "numpy SeedSequence(seed) children: pilot run j (0, j); generation g: proposal j "
    "(1, g, 0, j), its run (1, g, 1, j); predictive run j (2, j), draws (3, g); summaries' "
    "prior draw j (4, 0, j), its run (4, 1, j)"
)


def _distance_text(settings: Settings) -> str:
    """What the manifest says the distance is."""
    raw = (
        "(simulated - observed) / sigma, sigma = the run-to-run standard deviation over the "
        "pilot runs, floored, combined with the reading's uncertainty"
    )
    if not settings.projection_runs:
        return f"root mean square over the observations of {raw}"
    return (
        "root mean square, over the parameters whose summary counts, of how far each "
        "parameter's linear guess from the standardised figures (fitted on "
        f"{settings.projection_runs} runs at prior draws; sim.analysis.summaries) lies from the "
        "record's, "
        f"in units of its prior spread; standardised figures: {raw}"
    )


def _calibration_manifest(
    key: str, settings: Settings, started: datetime, **fields: Any
) -> dict[str, Any]:
    """The engine's manifest (:func:`~sim.experiments.experiment.manifest`), a calibration's."""
    record = experiment_manifest(
        "calibration",
        key,
        settings.seed,
        started=started,
        seed_keys=SEED_KEYS,
        method="ABC population Monte Carlo (Beaumont et al. 2009), adaptive tolerance",
        distance=_distance_text(settings),
        settings=dict(asdict(settings).items()),
        **fields,
    )
    record["status"] = "running"
    return record


def _simulator_key(
    simulator: Simulator, priors: list[Prior], y: np.ndarray, settings: Settings
) -> str:
    """The default key of :func:`calibrate_simulator`: what decides the particles."""
    projection = {"projection_runs": settings.projection_runs} if settings.projection_runs else {}
    return digest(
        {
            **projection,
            "simulator": f"{type(simulator).__module__}.{type(simulator).__qualname__}",
            "repr": repr(simulator),
            "keys": list(simulator.keys),
            "floors": [float(v) for v in simulator.floors],
            "uncertainty": [float(v) for v in simulator.uncertainty],
            "priors": [{"name": p.name, **p.to_dict()} for p in priors],
            "observed": y.tolist(),
            "particles": settings.particles,
            "alpha": settings.alpha,
            "pilot_runs": settings.pilot_runs,
            "seed": settings.seed,
            "version": package_version(),
        }
    )


def _simulator_manifest(
    simulator: Simulator,
    priors: list[Prior],
    y: np.ndarray,
    settings: Settings,
    key: str,
    started: datetime,
) -> dict[str, Any]:
    """The default manifest of :func:`calibrate_simulator` (no scenario to describe)."""
    return _calibration_manifest(
        key,
        settings,
        started,
        parameters=[p.name for p in priors],
        priors={p.name: p.to_dict() for p in priors},
        simulator=repr(simulator),
        observations=[
            {"key": k, "value": float(v)} for k, v in zip(simulator.keys, y, strict=True)
        ],
    )


def _write_observed_table(
    folder: Path,
    keys: tuple[str, ...],
    y: np.ndarray,
    uncertainty: Sequence[float],
    scale: np.ndarray,
) -> None:
    """``observed.csv`` of a simulator without observation records: figure, value, sigma."""
    frame = pd.DataFrame(
        {
            "key": list(keys),
            "value": y,
            "uncertainty": np.asarray(uncertainty, dtype=float),
            "sigma": scale,
            "used": True,
        }
    )
    write_csv_atomic(folder / "observed.csv", frame)


def _parameter_info(scenario: Scenario, names: list[str]) -> dict[str, dict[str, Any]]:
    """Unit, description and scenario value of each calibrated parameter (for the plots)."""
    table = scenario.commune.parameter_table.set_index("name")
    info = {}
    for name in names:
        row = table.loc[name] if name in table.index else None
        info[name] = {
            "unit": str(row["unit"]) if row is not None else "",
            "description": str(row["description"]) if row is not None else "",
            "scenario_value": float(scenario.parameters[name]),
        }
    return info


def _describe(generation: Generation) -> str:
    return (
        f"generation {generation.index}: tolerance {generation.tolerance:.3g}, "
        f"ESS {generation.ess:.0f}, acceptance {generation.acceptance:.2f}, "
        f"{generation.runs} runs, {generation.seconds:.1f} s"
    )


def _params(priors: list[Prior], row: np.ndarray) -> dict[str, float]:
    return {p.name: float(v) for p, v in zip(priors, row, strict=True)}
