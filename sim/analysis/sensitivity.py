"""Global sensitivity: which uncertain parameters move the targets, alone and together.

Researchers ask "how sensitive is the answer to youth outmigration and
return rates?". Local one-at-a-time changes miss interactions, so the
parameters with ``[priors]`` are varied together over their declared
distributions with SALib:

- **Sobol indices** (Saltelli sampling, ``N (d + 2)`` runs for ``d``
  parameters): the first-order index ``S1`` is the share of an output's
  variance a parameter explains alone, the total index ``ST`` the share it
  takes part in, interactions included; 95 % intervals by bootstrap.
- **Morris screening** (``N`` trajectories, ``N (d + 1)`` runs): ``mu*`` is
  the mean absolute elementary effect (the output's change per whole width of
  the parameter's quantile scale, measured over steps of two thirds of it, in
  the output's units), ``sigma`` their spread (non-linearity or
  interactions); cheap, for ranking many parameters.

Designs are made on the unit cube and mapped through each prior's quantile
function, so "the range" is the prior's (uniform priors: plainly ``[low,
high]``; log-uniform: evenly in the logarithm), the same ranges calibration
starts from.

The outputs are per-run continuous metrics of :mod:`sim.model.targets` (the
yes/no targets are too coarse for one run): the term's mean admissions per
year, the fewest admissions in a target year, white villages, villages with
a cell of their own, and members at the horizon. Every design point runs
``reps`` times with the *same* seeds (common random numbers: replication r
of every point uses child r of ``SeedSequence(seed)``) and the outputs are
averaged; run-to-run noise that remains shows up as wider intervals and as
``S1`` summing to less than one.

:func:`sensitivity_indices` is the model-free wrapper (the tests check it
against the Ishigami function's known indices); :func:`run_sensitivity`
evaluates the model through :mod:`sim.experiments.backends` and stores the results.
"""

from __future__ import annotations

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
    EachRun,
    Run,
    Runner,
    interrupted,
    manifest,
    points,
    resolved_scenario,
    timings,
)
from sim.experiments.progress import progress_bar
from sim.experiments.store import RunStore, read_json, write_json_atomic
from sim.inputs.errors import InputError, Problem
from sim.inputs.priors import Prior
from sim.inputs.provenance import commune_fingerprint, digest, package_version
from sim.inputs.scenario import Scenario
from sim.model import run as model_run
from sim.model.targets import TargetDefinitions, definitions_for, replication_metrics

METHODS = ("sobol", "morris")

#: Outputs (keys of the per-run scalars of :func:`sim.model.targets.replication_metrics`) and units.
OUTPUTS: dict[str, str] = {
    "admissions_term_mean": "admissions a year, term mean",
    "admissions_min_target_year": "admissions in the weakest target year",
    "white_villages_at_horizon": "white villages at the horizon",
    "own_cell_villages_at_horizon": "villages with their own cell at the horizon",
    "members_at_horizon": "party members at the horizon",
}

#: Default design sizes: Sobol base samples (a power of two), Morris trajectories.
DEFAULT_N = {"sobol": 64, "morris": 20}
MORRIS_LEVELS = 4
BOOTSTRAP = 200
#: The table a sensitivity analysis stores its runs in while it works.
RUNS = "runs"


@dataclass
class SensitivityResult:
    """Indices (one row per output x parameter x index) and the design with its outputs."""

    indices: pd.DataFrame
    samples: pd.DataFrame
    manifest: dict[str, Any] = field(repr=False)
    path: Path | None = None


def _problem(names: Sequence[str]) -> dict[str, Any]:
    return {"num_vars": len(names), "names": list(names), "bounds": [[0.0, 1.0]] * len(names)}


def design(priors: Sequence[Prior], method: str, n: int, seed: int) -> np.ndarray:
    """The SALib design on the unit cube (rows: points), before the priors' quantiles."""
    problem = _problem([p.name for p in priors])
    if method == "sobol":
        from SALib.sample import sobol

        return sobol.sample(problem, n, calc_second_order=False, scramble=True, seed=seed)
    if method == "morris":
        from SALib.sample import morris

        return morris.sample(problem, n, num_levels=MORRIS_LEVELS, seed=seed)
    raise InputError([Problem("sensitivity", "method", f"{method!r} (allowed: sobol, morris)")])


def to_values(priors: Sequence[Prior], unit: np.ndarray) -> np.ndarray:
    """Map unit-cube points to parameter values through each prior's quantile function."""
    return np.column_stack([p.ppf(unit[:, j]) for j, p in enumerate(priors)])


def analyse(
    priors: Sequence[Prior],
    method: str,
    unit: np.ndarray,
    outputs: dict[str, np.ndarray],
    seed: int,
) -> pd.DataFrame:
    """Indices of every output; one row per output x parameter.

    Sobol: ``S1``, ``S1_conf``, ``ST``, ``ST_conf`` (half-widths of 95 %
    bootstrap intervals). Morris: ``mu``, ``mu_star``, ``mu_star_conf``,
    ``sigma`` (elementary effects per unit of the prior's quantile scale).
    An output that does not vary gets NaN indices (there is no variance to share).
    """
    names = [p.name for p in priors]
    problem = _problem(names)
    rows = []
    for output, y in outputs.items():
        y = np.asarray(y, dtype=float)
        constant = not np.ptp(y) > 0
        if method == "sobol":
            from SALib.analyze import sobol

            keys = ("S1", "S1_conf", "ST", "ST_conf")
            if constant:
                result = {k: np.full(len(names), np.nan) for k in keys}
            else:
                result = sobol.analyze(
                    problem,
                    y,
                    calc_second_order=False,
                    num_resamples=BOOTSTRAP,
                    conf_level=0.95,
                    seed=seed,
                )
        else:
            from SALib.analyze import morris

            keys = ("mu", "mu_star", "mu_star_conf", "sigma")
            if constant:
                result = {k: np.full(len(names), np.nan) for k in keys}
            else:
                result = morris.analyze(
                    problem,
                    unit,
                    y,
                    num_resamples=BOOTSTRAP,
                    conf_level=0.95,
                    num_levels=MORRIS_LEVELS,
                    seed=seed,
                )
        for j, name in enumerate(names):
            row = {"output": output, "parameter": name}
            row.update({k: float(np.asarray(result[k])[j]) for k in keys})
            rows.append(row)
    return pd.DataFrame(rows)


def sensitivity_indices(
    priors: Sequence[Prior],
    evaluate: Callable[[np.ndarray], dict[str, np.ndarray]],
    method: str = "sobol",
    n: int | None = None,
    seed: int = 0,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Design, evaluate and analyse: the wrapper without the model.

    ``evaluate`` maps a points x parameters array of values to
    ``{output: values}``. Returns ``(indices, samples)``.
    """
    n = _check_n(method, n)
    unit = design(priors, method, n, seed)
    values = to_values(priors, unit)
    outputs = evaluate(values)
    samples = pd.DataFrame(values, columns=[p.name for p in priors])
    for name, y in outputs.items():
        samples[name] = np.asarray(y, dtype=float)
    return analyse(priors, method, unit, outputs, seed), samples


def _check_n(method: str, n: int | None) -> int:
    if method not in METHODS:
        raise InputError([Problem("sensitivity", "method", f"{method!r} (allowed: sobol, morris)")])
    n = DEFAULT_N[method] if n is None else n
    if not isinstance(n, int | np.integer) or isinstance(n, bool) or n < 2:
        raise InputError([Problem("sensitivity", "n", f"{n!r} is not a whole number >= 2")])
    if method == "sobol" and n & (n - 1):
        raise InputError(
            [Problem("sensitivity", "n", f"{n} (Sobol sampling needs a power of two: 32, 64, ...)")]
        )
    return int(n)


# -- the model -------------------------------------------------------------------------


@dataclass(frozen=True)
class SensitivityEvaluator(EachRun):
    """What a sensitivity run yields: its :data:`OUTPUTS` (per-run scalars of the targets)."""

    definitions: TargetDefinitions

    def __call__(self, scenario: Scenario, run: Run, seed: np.random.SeedSequence) -> list[float]:
        scalars = replication_metrics(
            model_run(scenario.with_parameters(**run.parameters), seed), self.definitions
        ).scalars
        return [float(scalars[name]) for name in OUTPUTS]

    def gather(self, runs: Sequence[Run], outputs: list[Any]) -> dict[str, pa.Table]:
        """The chunk as the store keeps it: one row per run, its outputs as columns."""
        frame = pd.DataFrame(outputs, columns=list(OUTPUTS))
        frame.insert(0, "run", np.array([r.index for r in runs], dtype=np.int64))
        return {RUNS: pa.Table.from_pandas(frame, preserve_index=False)}


def sensitivity_key(
    scenario: Scenario, method: str, n: int, reps: int, seed: int
) -> tuple[str, dict[str, Any]]:
    """The store key of a sensitivity analysis and what it was computed from."""
    resolved = resolved_scenario(scenario)
    inputs = {
        "scenario": resolved,
        "commune_data_sha256": commune_fingerprint(scenario.commune),
        "method": method,
        "n": n,
        "reps": reps,
        "seed": seed,
        "version": package_version(),
    }
    return digest(inputs), inputs


def run_sensitivity(
    scenario: Scenario,
    method: str = "sobol",
    n: int | None = None,
    *,
    reps: int = 1,
    seed: int | None = None,
    out: str | Path | None = None,
    backend: str | Backend | Runner = "local",
    workers: int | None = None,
    scheduler: str | None = None,
    quiet: bool = False,
    fresh: bool = False,
) -> SensitivityResult:
    """Sobol indices or Morris screening of the scenario's ``[priors]`` parameters.

    ``n``: Sobol base samples (a power of two; ``n (d + 2)`` points) or Morris
    trajectories (``n (d + 1)`` points); each point runs ``reps`` times, on
    common random numbers. Results (``indices.csv``, ``samples.parquet``,
    ``manifest.json``) go to ``out`` when given; there the finished runs are
    stored as they arrive, so an interrupted analysis resumes, and the same
    analysis asked again is read back (``fresh=True`` recomputes). A folder
    holding an analysis of other inputs is an error.
    """
    n = _check_n(method, n)
    priors = list(scenario.priors.values())
    if len(priors) < 2:
        raise InputError(
            [
                Problem(
                    str(scenario.path or scenario.name),
                    "priors",
                    f"{len(priors)} declared (sensitivity needs a [priors] table with at least "
                    "two parameters; see docs/DATA.md)",
                )
            ]
        )
    if not isinstance(reps, int) or reps < 1:
        raise InputError([Problem("sensitivity", "reps", f"{reps!r} is not a whole number >= 1")])
    seed = scenario.seed if seed is None and scenario.seed is not None else (seed or 0)
    key, _inputs = sensitivity_key(scenario, method, n, reps, seed)
    if out is None:
        return _analyse(
            scenario, method, n, reps, seed, key, None, backend, workers, scheduler, quiet
        )
    store = RunStore(out, tables=(RUNS,), index="run", finals=("samples.parquet", "indices.csv"))
    with store.working():
        if fresh:
            store.clear()
        elif store.is_complete(key):
            return load_sensitivity(store.path)
        _refuse_other_inputs(store, key)
        store.prepare()
        return _analyse(
            scenario, method, n, reps, seed, key, store, backend, workers, scheduler, quiet
        )


def _refuse_other_inputs(store: RunStore, key: str) -> None:
    """A folder holding (part of) an analysis of other inputs is not mixed with this one."""
    previous = store.manifest()
    if previous and previous.get("key") != key:
        raise InputError(
            [
                Problem(
                    str(store.path),
                    "(folder)",
                    "holds a sensitivity analysis of other inputs (scenario, method, n, reps, "
                    "seed or version); use --fresh or another --out",
                )
            ]
        )


def _analyse(
    scenario: Scenario,
    method: str,
    n: int,
    reps: int,
    seed: int,
    key: str,
    store: RunStore | None,
    backend: str | Backend | Runner,
    workers: int | None,
    scheduler: str | None,
    quiet: bool,
) -> SensitivityResult:
    """Run the design's runs no part holds, then average each point's runs and analyse."""
    started = datetime.now(UTC)
    clock = time.perf_counter()
    priors = list(scenario.priors.values())
    names = [p.name for p in priors]
    unit = design(priors, method, n, seed)
    values = to_values(priors, unit)
    points_values = [{name: float(v) for name, v in zip(names, row, strict=True)} for row in values]
    plan = points(seed, points_values, reps)
    done = store.done() if store is not None else set()
    todo = plan.missing(done)
    runner = Runner(backend, workers=workers, scheduler=scheduler, preload=(__name__,))
    record = manifest(
        "sensitivity",
        key,
        seed,
        backend=runner.describe(),
        started=started,
        method=method,
        n=n,
        points=len(values),
        reps=reps,
        runs=len(plan),
        design="SALib sobol.sample (Saltelli, scrambled, no second order)"
        if method == "sobol"
        else f"SALib morris.sample ({MORRIS_LEVELS} levels)",
        common_random_numbers="replication r of every point runs with the seed of key (r,)",
        parameters=names,
        priors={p.name: p.to_dict() for p in priors},
        outputs=OUTPUTS,
        scenario=scenario.to_dict(),
        scenario_file=str(scenario.path) if scenario.path is not None else None,
        commune_data_sha256=commune_fingerprint(scenario.commune),
    )
    if store is not None and len(todo):
        write_json_atomic(store.manifest_path, record)
    found: list[pa.Table] = []
    if len(todo):
        bar = progress_bar(
            len(plan), len(done), description=f"{scenario.name} {method}", quiet=quiet
        )
        try:
            with interrupted(lambda: _resume_note(store, len(plan))), runner:
                evaluator = SensitivityEvaluator(definitions_for(scenario))
                chunks = runner.chunks(evaluator, runner.share(scenario), todo, progress=bar)
                record["backend"] = runner.describe()
                for chunk in chunks:
                    if store is not None:
                        store.write_part(chunk.start, chunk.stop, chunk.value)
                    else:
                        found.append(chunk.value[RUNS])
        finally:
            bar.close()
    table = store.read_parts()[RUNS] if store is not None else pa.concat_tables(found)
    runs = table.sort_by("run").to_pandas()
    outputs = _point_means(runs, len(values), reps)
    indices = analyse(priors, method, unit, outputs, seed)
    samples = pd.DataFrame({"point": np.arange(len(values), dtype=np.int64)})
    for j, name in enumerate(names):
        samples[name] = values[:, j]
    for name, y in outputs.items():
        samples[name] = y
    record["status"] = "complete"
    record["timings"] = timings(
        started, clock, runs_run=len(todo), runs_resumed=len(plan) - len(todo)
    )
    record["wall_s"] = record["timings"]["wall_s"]
    if store is not None:
        arrow = pa.Table.from_pandas(samples, preserve_index=False).replace_schema_metadata(None)
        store.write_final(
            {"samples": arrow}, record, texts={"indices.csv": indices.to_csv(index=False)}
        )
    path = store.path if store is not None else None
    return SensitivityResult(indices=indices, samples=samples, manifest=record, path=path)


def _point_means(runs: pd.DataFrame, n_points: int, reps: int) -> dict[str, np.ndarray]:
    """Each point's outputs averaged over its ``reps`` runs (run ``p * reps + r``), summed in
    replication order."""
    means = {}
    for name in OUTPUTS:
        y = runs[name].to_numpy(float).reshape(n_points, reps)
        total = np.zeros(n_points)
        for r in range(reps):
            total += y[:, r] / reps
        means[name] = total
    return means


def _resume_note(store: RunStore | None, total: int) -> str:
    if store is None:
        return "interrupted: nothing was stored (no output folder)"
    return (
        f"interrupted: {len(store.done())} of {total} runs are stored in {store.path}; "
        "run the same analysis again to resume"
    )


def load_sensitivity(path: str | Path) -> SensitivityResult:
    """Read a stored sensitivity analysis (plots and notebooks use this)."""
    folder = Path(path)
    manifest = read_json(folder / "manifest.json")
    if not manifest or not (folder / "indices.csv").exists():
        raise InputError([Problem(str(folder), "(folder)", "holds no sensitivity analysis")])
    return SensitivityResult(
        indices=pd.read_csv(folder / "indices.csv"),
        samples=pd.read_parquet(folder / "samples.parquet"),
        manifest=manifest,
        path=folder,
    )
