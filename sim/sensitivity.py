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

The outputs are per-run continuous metrics of :mod:`sim.targets` (the
yes/no targets are too coarse for one run): the term's mean admissions per
year, the fewest admissions in a target year, white villages, villages with
a cell of their own, and members at the horizon. Every design point runs
``reps`` times with the *same* seeds (common random numbers: replication r
of every point uses child r of ``SeedSequence(seed)``) and the outputs are
averaged; run-to-run noise that remains shows up as wider intervals and as
``S1`` summing to less than one.

:func:`sensitivity_indices` is the model-free wrapper (the tests check it
against the Ishigami function's known indices); :func:`run_sensitivity`
evaluates the model through :mod:`sim.backends` and stores the results.
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

from sim.backends import Backend, make_backend
from sim.errors import InputError, Problem
from sim.model import run
from sim.priors import Prior
from sim.provenance import commune_fingerprint, git_commit, package_version
from sim.scenario import Scenario
from sim.store import read_json, write_json_atomic, write_parquet_atomic
from sim.targets import TargetDefinitions, definitions_for, replication_metrics

METHODS = ("sobol", "morris")

#: Outputs (keys of the per-run scalars of :func:`sim.targets.replication_metrics`) and units.
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
MAX_TASK = 10


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


def evaluate_points(
    scenario: Scenario,
    definitions: TargetDefinitions,
    items: list[tuple[int, dict[str, float]]],
    seeds: list[np.random.SeedSequence],
) -> list[tuple[int, dict[str, float]]]:
    """Run each point ``len(seeds)`` times and average its outputs (a top-level worker function)."""
    out = []
    for index, parameters in items:
        varied = scenario.with_parameters(**parameters)
        values = {name: 0.0 for name in OUTPUTS}
        for seed in seeds:
            scalars = replication_metrics(run(varied, seed), definitions).scalars
            for name in OUTPUTS:
                values[name] += float(scalars[name]) / len(seeds)
        out.append((index, values))
    return out


def run_sensitivity(
    scenario: Scenario,
    method: str = "sobol",
    n: int | None = None,
    *,
    reps: int = 1,
    seed: int | None = None,
    out: str | Path | None = None,
    backend: str | Backend = "local",
    workers: int | None = None,
    scheduler: str | None = None,
    quiet: bool = False,
) -> SensitivityResult:
    """Sobol indices or Morris screening of the scenario's ``[priors]`` parameters.

    ``n``: Sobol base samples (a power of two; ``n (d + 2)`` points) or Morris
    trajectories (``n (d + 1)`` points); each point runs ``reps`` times.
    Results (``indices.csv``, ``samples.parquet``, ``manifest.json``) go to
    ``out`` when given.
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
    started = datetime.now(UTC)
    clock = time.perf_counter()
    unit = design(priors, method, n, seed)
    values = to_values(priors, unit)
    seeds = np.random.SeedSequence(seed).spawn(reps)
    definitions = definitions_for(scenario)
    names = [p.name for p in priors]
    items = [
        (i, {name: float(v) for name, v in zip(names, row, strict=True)})
        for i, row in enumerate(values)
    ]
    runner = make_backend(backend, workers=workers, scheduler=scheduler, preload=(__name__,))
    results: dict[int, dict[str, float]] = {}
    with runner:
        shared = runner.share(scenario)
        size = max(1, min(MAX_TASK, -(-len(items) // (4 * runner.workers))))
        tasks = [
            (shared, definitions, items[i : i + size], seeds) for i in range(0, len(items), size)
        ]
        for chunk in runner.run(evaluate_points, tasks):
            results.update(dict(chunk))
            if not quiet:
                print(f"\r{len(results)} of {len(items)} points", end="", file=sys.stderr)
    if not quiet:
        print(file=sys.stderr)
    outputs = {name: np.array([results[i][name] for i in range(len(items))]) for name in OUTPUTS}
    indices = analyse(priors, method, unit, outputs, seed)
    samples = pd.DataFrame({"point": np.arange(len(items), dtype=np.int64)})
    for j, name in enumerate(names):
        samples[name] = values[:, j]
    for name, y in outputs.items():
        samples[name] = y
    manifest = {
        "method": method,
        "n": n,
        "points": len(items),
        "reps": reps,
        "runs": len(items) * reps,
        "seed": seed,
        "seeding": "common random numbers: replication r of every point runs with child r of "
        "numpy.random.SeedSequence(seed); the design is SALib's with the same seed",
        "design": "SALib sobol.sample (Saltelli, scrambled, no second order)"
        if method == "sobol"
        else f"SALib morris.sample ({MORRIS_LEVELS} levels)",
        "parameters": names,
        "priors": {p.name: p.to_dict() for p in priors},
        "outputs": OUTPUTS,
        "scenario": scenario.to_dict(),
        "scenario_file": str(scenario.path) if scenario.path is not None else None,
        "commune_data_sha256": commune_fingerprint(scenario.commune),
        "version": package_version(),
        "git": git_commit(),
        "backend": runner.describe(),
        "created": started.isoformat(timespec="seconds"),
        "wall_s": round(time.perf_counter() - clock, 3),
    }
    path = None
    if out is not None:
        path = Path(out)
        path.mkdir(parents=True, exist_ok=True)
        table = pa.Table.from_pandas(samples, preserve_index=False).replace_schema_metadata(None)
        write_parquet_atomic(path / "samples.parquet", table)
        tmp = path / ".tmp-indices.csv"
        indices.to_csv(tmp, index=False)
        tmp.replace(path / "indices.csv")
        write_json_atomic(path / "manifest.json", manifest)
    return SensitivityResult(indices=indices, samples=samples, manifest=manifest, path=path)


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
