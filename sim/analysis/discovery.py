"""Scenario discovery: for a chosen plan, which uncertain parameters, in which ranges, make it fail?

A forecast says how often a plan (a scenario, possibly with a search's
winning mix applied) misses a target; a committee then asks *when* it
misses. :func:`discover` runs the plan ``reps`` times, each run with its own
values of the uncertain parameters, and looks for the ranges of those
values in which the runs fail much more often than overall: the Patient
Rule Induction Method (PRIM; Friedman & Fisher 1999, as used for scenario
discovery by Bryant & Lempert 2010).

**The runs.** Each run's parameters come from one of two sources:

- ``source="posterior"`` (the default): the commune's calibration (or
  another posterior, ``posterior=``). The runs are an ensemble
  (:func:`sim.experiments.ensemble.run_ensemble`), stored and reused as any
  ensemble is; replication ``i`` draws particle ``Posterior.draw(seed, i)``
  and records it (``posterior_particle``), so its values are read back from
  the posterior table. What it answers: within what the record still allows,
  what makes the plan fail.
- ``source="prior"``: the priors (:class:`sim.inputs.priors.Prior`), those of
  the plan's own ``[priors]`` table, or else those the commune's
  calibration started from (its ``manifest.json``). Run ``i`` draws every
  prior from its own generator, ``SeedSequence([seed, PRIOR_TAG],
  spawn_key=(i,))``, and runs with the seed of key ``(i,)`` (the seed an
  ensemble's replication ``i`` has), through the experiment engine
  (:mod:`sim.experiments.experiment`: a design, the :class:`Runner`, the
  ensemble's evaluator), stored as it goes under
  ``out/discoveries/<scenario>/prior-runs-...`` and resumed after an
  interruption. What it answers: over everything believed possible before
  the record, what makes the plan fail.

Either way the numbers depend on the scenario, the seed, ``reps`` and the
version only, never on the backend or the number of workers. Parameters the
scenario sets itself keep its values in every run and are not drawn.

**What is analysed.** ``X``: the values of the drawn parameters in each run,
those that vary across the runs only. ``y``: the run *fails* the target (the
replications table's boolean column of that key of
:data:`sim.model.targets.TARGET_KEYS` is false).

**Screen, PRIM, the box rule** are :mod:`sim.analysis.discovery_boxes`
(model-free: a table of runs and which failed in, boxes out).

**What is stored** (``out`` given):
``out/discoveries/<scenario>/<target>-<source>-s<seed>-n<reps>-<key>/`` holds
``runs.parquet`` (each run: its particle, parameter values, targets and
``fails``), ``table.csv`` (one row per box and restricted parameter: the
box's coverage, density, mass, runs and failures, the parameter's range in
the box and among all runs, its quasi-p value), ``trajectory.csv`` (every
box's peeling trajectory, the chosen step marked), ``summary.json`` (status,
base failure rate, threshold, boxes) and ``manifest.json``
(:func:`sim.experiments.experiment.manifest`: scenario, seed, version,
commit, where the runs are), each written atomically, the manifest last.
The same discovery asked again is read back (``fresh=True`` recomputes).
The words (a sentence in Vietnamese and English) and the figure are
:mod:`sim.presentation.discovery_words` and
:mod:`sim.presentation.plots.discovery`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from sim.analysis.discovery_boxes import (
    METHOD,
    MIN_CASES,
    TABLE_COLUMNS,
    TRAJECTORY_COLUMNS,
    find_boxes,
    frame_of,
)
from sim.experiments.backends import Backend
from sim.experiments.ensemble import (
    PRELOAD,
    EnsembleEvaluator,
    run_ensemble,
)
from sim.experiments.experiment import (
    Run,
    Runner,
    interrupted,
    manifest,
    replications,
    resolved_scenario,
    timings,
)
from sim.experiments.posterior import COMMUNE, Posterior, parameters_record, resolve_posterior
from sim.experiments.store import (
    RESULTS_FORMAT,
    RunStore,
    read_json,
    slug,
    writable_folder,
    write_csv_atomic,
    write_json_atomic,
    write_parquet_atomic,
)
from sim.inputs.errors import Checker, InputError, Problem, did_you_mean
from sim.inputs.priors import Prior, check_priors
from sim.inputs.provenance import commune_fingerprint, digest, package_version
from sim.inputs.scenario import Scenario, load_scenario
from sim.model.targets import TARGET_KEYS, definitions_for

#: Where each run's parameters come from.
SOURCES = ("posterior", "prior")
#: Mixed into the prior draws' seed so they never coincide with a run's own streams.
PRIOR_TAG = 0x5052494F  # "PRIO"

#: The files a complete discovery folder holds besides its manifest.
FINALS = ("runs.parquet", "table.csv", "trajectory.csv", "summary.json")


# -- a discovery of a plan ---------------------------------------------------------------


@dataclass
class DiscoveryResult:
    """A plan's discovery: the boxes' table, the trajectories, the runs, summary and manifest.

    ``table`` has one row per box and restricted parameter (:data:`TABLE_COLUMNS`),
    ``trajectory`` the peeling trajectories, ``runs`` one row per run
    (``replication``, ``posterior_particle`` when drawn from a posterior, the
    parameters, every target and ``fails``). ``path`` is the folder (``None``
    when kept in memory), ``reused`` true when read back from it.
    """

    table: pd.DataFrame
    trajectory: pd.DataFrame
    runs: pd.DataFrame = field(repr=False)
    summary: dict[str, Any] = field(repr=False)
    manifest: dict[str, Any] = field(repr=False)
    path: Path | None = None
    reused: bool = False

    @property
    def status(self) -> str:
        """One of :data:`STATUSES`: ``box`` when a box was found."""
        return str(self.summary["status"])

    @property
    def target(self) -> str:
        return str(self.summary["target"])

    @property
    def reps(self) -> int:
        return int(self.summary["reps"])

    @property
    def failures(self) -> int:
        return int(self.summary["failures"])

    @property
    def base_rate(self) -> float:
        """The share of runs that fail the target."""
        return float(self.summary["base_rate"])

    @property
    def threshold(self) -> float:
        return float(self.summary["threshold"])

    @property
    def parameters(self) -> list[str]:
        """The parameters that varied across the runs (PRIM's columns)."""
        return list(self.summary["parameters"])

    @property
    def ranges(self) -> dict[str, tuple[float, float]]:
        """Each varying parameter's full range among the runs."""
        return {k: (float(v[0]), float(v[1])) for k, v in self.summary["ranges"].items()}

    @property
    def boxes(self) -> pd.DataFrame:
        """One row per box: coverage, density, mass, runs, failures, restricted parameters."""
        columns = ["box", "coverage", "density", "mass", "runs", "failures"]
        if self.table.empty:
            return pd.DataFrame(columns=[*columns, "restricted"])
        counts = self.table.groupby("box", sort=True).size().rename("restricted")
        first = self.table.drop_duplicates("box")[columns].set_index("box")
        return first.join(counts).reset_index()

    def box(self, number: int = 1) -> pd.DataFrame:
        """The rows of box ``number`` (its restricted parameters, most significant first)."""
        return self.table[self.table["box"] == number].reset_index(drop=True)


def discover(
    scenario: Scenario | str | Path,
    target: str = "no_white_village_at_horizon",
    *,
    reps: int = 200,
    seed: int | None = None,
    source: str = "posterior",
    posterior: Any = COMMUNE,
    threshold: float | None = None,
    out: str | Path | None = "results",
    backend: str | Backend | Runner = "local",
    workers: int | None = None,
    scheduler: str | None = None,
    quiet: bool = False,
    fresh: bool = False,
) -> DiscoveryResult:
    """For the plan ``scenario``, which uncertain parameters, in which ranges, make it fail
    ``target`` (a key of :data:`sim.model.targets.TARGET_KEYS`)?

    Runs the plan ``reps`` times (seed: the scenario's by default), each run
    with parameters drawn from ``source``: ``"posterior"`` (``posterior``, by
    default the commune's calibration, :func:`sim.experiments.posterior.resolve_posterior`)
    or ``"prior"`` (the scenario's ``[priors]``, else those of the commune's
    calibration), then finds PRIM's boxes (:func:`find_boxes`; ``threshold``:
    the density a box must reach, by default halfway from the base failure
    rate to 1). ``backend``, ``workers`` and ``scheduler`` are
    :func:`sim.experiments.ensemble.run_ensemble`'s. Stored under
    ``out/discoveries/`` (``None``: in memory only) and read back when asked
    again (``fresh=True`` recomputes, the runs included). Bad input is an
    :class:`~sim.inputs.errors.InputError`, every problem at once.
    """
    if isinstance(scenario, str | Path):
        scenario = load_scenario(scenario)
    seed = _check(scenario, target, reps, seed, source, threshold)
    started = datetime.now(UTC)
    clock = time.perf_counter()
    if out is not None:
        writable_folder(out, "out")
    if source == "posterior":
        drawn = _posterior(scenario, posterior)
        record = parameters_record(scenario, drawn)
        ensemble = run_ensemble(
            scenario, reps, seed, backend=backend, workers=workers, scheduler=scheduler,
            out=out, quiet=quiet, fresh=fresh, posterior=drawn,
        )  # fmt: skip
        names = list(record["drawn"])
        rows = ensemble.replications["posterior_particle"].to_numpy(int)
        values = drawn.table.iloc[rows][names].reset_index(drop=True)
        runs_key, runs_folder = ensemble.manifest["key"], ensemble.path
        runs_backend = ensemble.manifest.get("backend")
        replication_table = ensemble.replications
    else:
        priors, origin = prior_source(scenario)
        record = prior_record(scenario, priors, origin)
        runs_key, _ = prior_runs_key(scenario, priors, seed, reps)
        key = _discovery_key(runs_key, target, threshold)
        folder = _folder(out, scenario, target, source, seed, reps, key)
        if folder is not None and not fresh and RunStore(folder, finals=FINALS).is_complete(key):
            return load_discovery(folder, reused=True)
        replication_table, runs_folder, runs_backend = _prior_runs(
            scenario, priors, seed, reps, runs_key, out, backend, workers, scheduler, quiet, fresh
        )
        values = pd.DataFrame(
            [prior_draw(priors, seed, i) for i in range(reps)], columns=list(priors)
        )
    key = _discovery_key(runs_key, target, threshold)
    folder = _folder(out, scenario, target, source, seed, reps, key)
    store = RunStore(folder, tables=(), finals=FINALS) if folder is not None else None
    if store is not None and not fresh and store.is_complete(key):
        return load_discovery(folder, reused=True)
    result = analyse_runs(
        scenario, target, values, replication_table, seed=seed, source=source,
        parameters=record, threshold=threshold, runs_key=runs_key, runs_folder=runs_folder,
        backend=runs_backend, started=started,
    )  # fmt: skip
    result.manifest["timings"] = timings(started, clock, runs=reps)
    if store is not None:
        result.path = store.path
        _write(store, result)
    return result


def analyse_runs(
    scenario: Scenario,
    target: str,
    values: pd.DataFrame,
    outcomes: pd.DataFrame,
    *,
    seed: int,
    source: str,
    parameters: dict[str, Any],
    threshold: float | None = None,
    runs_key: str | None = None,
    runs_folder: str | Path | None = None,
    backend: dict[str, Any] | None = None,
    started: datetime | None = None,
) -> DiscoveryResult:
    """The discovery of runs already made (in memory; :func:`discover` stores it).

    ``values`` has a run per row and a column per drawn parameter;
    ``outcomes`` the same runs' replications table (``replication`` and a
    boolean column per target, as an ensemble's), in the same order;
    ``parameters`` says where the values came from (a
    :func:`sim.experiments.posterior.parameters_record` or :func:`prior_record`).
    """
    values = pd.DataFrame(values).reset_index(drop=True)
    fails = ~outcomes[target].to_numpy(bool)
    found = find_boxes(values, fails, threshold)
    if runs_key is None:
        runs_key = digest({"values": values.to_dict("list"), "fails": fails.tolist()})
    key = _discovery_key(runs_key, target, threshold)
    summary = {
        "status": found.status,
        "target": target,
        "source": source,
        "scenario": scenario.name,
        "reps": len(values),
        "seed": seed,
        "failures": found.failures,
        "base_rate": found.base_rate,
        "threshold": found.threshold,
        "threshold_given": threshold,
        "min_cases": MIN_CASES,
        "parameters": list(found.parameters),
        "ranges": {k: list(v) for k, v in found.ranges.items()},
        "screen": found.screen,
        "screened_in": list(found.screened),
        "boxes": _box_records(found.table),
        "parameters_record": parameters,
    }
    record = manifest(
        "discovery",
        key,
        seed,
        backend=backend,
        started=started,
        target=target,
        source=source,
        reps=len(values),
        threshold=found.threshold,
        threshold_given=threshold,
        parameters=parameters,
        method=METHOD,
        runs_key=runs_key,
        runs_folder=str(runs_folder) if runs_folder is not None else None,
        scenario=scenario.to_dict(),
        scenario_file=str(scenario.path) if scenario.path is not None else None,
        commune_data_sha256=commune_fingerprint(scenario.commune),
        targets=definitions_for(scenario).to_dict(),
    )
    record["status"] = "complete"
    return DiscoveryResult(
        table=found.table,
        trajectory=found.trajectory,
        runs=_runs_table(outcomes, values, fails),
        summary=summary,
        manifest=record,
    )


def load_discovery(path: str | Path, reused: bool = False) -> DiscoveryResult:
    """Read a complete discovery back from its folder (the figure and the notebooks use this)."""
    store = RunStore(path, tables=(), finals=FINALS)
    with store.reading():
        if not store.is_complete():
            raise InputError(
                [Problem(str(path), "(folder)", "holds no complete discovery (no manifest.json)")]
            )
        table = frame_of(pd.read_csv(store.path / "table.csv").to_dict("records"), TABLE_COLUMNS)
        trajectory = frame_of(
            pd.read_csv(store.path / "trajectory.csv").to_dict("records"), TRAJECTORY_COLUMNS
        )
        runs = pd.read_parquet(store.path / "runs.parquet")
        summary = read_json(store.summary_path) or {}
        record = store.manifest() or {}
    return DiscoveryResult(table, trajectory, runs, summary, record, store.path, reused)


# -- where the runs' parameters come from ------------------------------------------------------


def prior_source(scenario: Scenario) -> tuple[dict[str, Prior], str]:
    """The priors a ``source="prior"`` discovery draws from, and where they were declared.

    The scenario's own ``[priors]``, else those the commune's calibration
    started from (``<commune>/calibration/manifest.json``); the parameters
    the scenario sets itself are left out (they keep its values).
    """
    if scenario.priors:
        priors, origin = dict(scenario.priors), str(scenario.path or scenario.name)
    else:
        priors, origin = _calibration_priors(scenario)
    kept = {name: p for name, p in priors.items() if name not in scenario.overrides}
    if not kept:
        raise InputError(
            [
                Problem(
                    origin,
                    "priors",
                    "every parameter with a prior is set by the scenario itself: nothing to draw",
                )
            ]
        )
    return kept, origin


def _calibration_priors(scenario: Scenario) -> tuple[dict[str, Prior], str]:
    own = scenario.commune.calibration_path
    where = str(scenario.path or scenario.name)
    record = read_json(Path(own) / "manifest.json") if own is not None else None
    if not record or not isinstance(record.get("priors"), dict):
        raise InputError(
            [
                Problem(
                    where,
                    "priors",
                    "none declared, and the commune has no calibration manifest naming the "
                    "priors it started from: declare a [priors] table (docs/DATA.md)",
                )
            ]
        )
    origin = str(Path(own) / "manifest.json")
    ck = Checker(origin)
    priors = check_priors(record["priors"], ck)
    if ck.problems:
        raise InputError(ck.problems)
    return priors, origin


def prior_draw(priors: dict[str, Prior], seed: int, replication: int) -> dict[str, float]:
    """Run ``replication``'s values: each prior in turn from the run's own generator."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, PRIOR_TAG], spawn_key=(replication,)))
    return {name: float(prior.ppf(rng.random())) for name, prior in priors.items()}


def prior_record(scenario: Scenario, priors: dict[str, Prior], origin: str) -> dict[str, Any]:
    """Where a prior discovery's parameters came from (as ``parameters_record`` says it)."""
    held = {
        name: scenario.overrides[name]
        for name in (scenario.priors or {})
        if name in scenario.overrides
    }
    return {
        "kind": "prior",
        "priors_from": origin,
        "priors": {name: p.to_dict() for name, p in priors.items()},
        "drawn": list(priors),
        "held_at_scenario_values": held,
        "drawing": "run i draws every prior in turn with numpy "
        f"SeedSequence([seed, {PRIOR_TAG:#x}], spawn_key=(i,))",
        "sentence": f"Parameters: drawn from the priors of {origin} (not calibrated)",
    }


def prior_runs_key(
    scenario: Scenario, priors: dict[str, Prior], seed: int, reps: int
) -> tuple[str, dict[str, Any]]:
    """The store key of a prior discovery's runs and what it was computed from."""
    inputs = {
        "kind": "discovery-prior-runs",
        "scenario": resolved_scenario(scenario),
        "commune_data_sha256": commune_fingerprint(scenario.commune),
        "priors": {name: p.to_dict() for name, p in priors.items()},
        "prior_tag": PRIOR_TAG,
        "seed": seed,
        "reps": reps,
        "version": package_version(),
        "results_format": RESULTS_FORMAT,
    }
    return digest(inputs), inputs


def _posterior(scenario: Scenario, posterior: Any) -> Posterior:
    drawn = resolve_posterior(posterior, scenario.commune)
    if drawn is None:
        where = str(Path(scenario.commune.path) / "calibration")
        raise InputError(
            [
                Problem(
                    where if posterior == COMMUNE else "discovery",
                    "posterior",
                    "no posterior to draw the runs' parameters from (a discovery needs "
                    "parameters that vary): calibrate the commune, name a posterior, or draw "
                    "from the priors (--prior, source='prior')",
                )
            ]
        )
    return drawn


def _prior_runs(
    scenario: Scenario,
    priors: dict[str, Prior],
    seed: int,
    reps: int,
    key: str,
    out: str | Path | None,
    backend: str | Backend | Runner,
    workers: int | None,
    scheduler: str | None,
    quiet: bool,
    fresh: bool,
) -> tuple[pd.DataFrame, Path | None, dict[str, Any] | None]:
    """The replications table of the prior runs: stored, resumed and reused like an ensemble's."""
    from sim.experiments.progress import progress_bar

    def draw(i: int) -> Run:
        return Run(index=i, key=(i,), parameters=prior_draw(priors, seed, i), replication=i)

    design = replications(seed, reps, draw)
    folder = None
    if out is not None:
        folder = Path(out) / "discoveries" / slug(scenario.name)
        folder = folder / f"prior-runs-s{seed}-n{reps}-{key[:12]}"
    store = (
        RunStore(folder, tables=("replications",), finals=("replications.parquet",))
        if folder is not None
        else None
    )
    runner = Runner(backend, workers=workers, scheduler=scheduler, preload=PRELOAD)
    described = runner.describe()
    tables: list[pa.Table] = []

    def fill() -> pa.Table:
        nonlocal described
        done = store.done() if store is not None else set()
        todo = design.missing(done)
        if store is not None and len(todo):
            record = manifest(
                "discovery-prior-runs",
                key,
                seed,
                backend=described,
                reps=reps,
                priors={name: p.to_dict() for name, p in priors.items()},
                scenario=scenario.to_dict(),
            )
            write_json_atomic(store.manifest_path, record)
        if len(todo):
            bar = progress_bar(reps, len(done), description=f"{scenario.name} prior", quiet=quiet)
            note = (
                f"interrupted: the runs stored so far are kept in {folder}; "
                "run the same discovery again to resume"
                if store is not None
                else "interrupted"
            )
            try:
                with interrupted(lambda: note), runner:
                    evaluator = EnsembleEvaluator(definitions_for(scenario))
                    chunks = runner.chunks(evaluator, runner.share(scenario), todo, progress=bar)
                    described = runner.describe()
                    for chunk in chunks:
                        if store is not None:
                            store.write_part(chunk.start, chunk.stop, chunk.value)
                        else:
                            tables.append(chunk.value["replications"])
            finally:
                bar.close()
        if store is not None:
            table = store.read_parts()["replications"]
        else:
            table = pa.concat_tables(tables, promote_options="default")
        table = table.sort_by("replication")
        got = table.column("replication").to_pylist()
        if got != list(range(reps)):
            raise RuntimeError(f"the prior runs hold {len(got)} of {reps} runs")
        if store is not None:
            record = manifest(
                "discovery-prior-runs",
                key,
                seed,
                backend=described,
                reps=reps,
                priors={name: p.to_dict() for name, p in priors.items()},
                scenario=scenario.to_dict(),
            )
            record["status"] = "complete"
            store.write_final({"replications": table}, record)
        return table

    if store is None:
        return fill().to_pandas(), None, described
    with store.working():
        if fresh:
            store.clear()
        if store.is_complete(key):
            frame = pd.read_parquet(store.table_path("replications"))
            return frame, store.path, (store.manifest() or {}).get("backend")
        store.prepare()
        return fill().to_pandas(), store.path, described


# -- helpers ------------------------------------------------------------------------------


def _check(
    scenario: Scenario,
    target: Any,
    reps: Any,
    seed: Any,
    source: Any,
    threshold: Any,
) -> int:
    """Check the discovery's settings: every problem at once, one line each."""
    problems = []
    if target not in TARGET_KEYS:
        problems.append(
            Problem(
                "discovery",
                "target",
                f"{target!r} is not a target{did_you_mean(str(target), TARGET_KEYS)}; "
                f"allowed: {', '.join(TARGET_KEYS)}",
            )
        )
    if source not in SOURCES:
        problems.append(
            Problem("discovery", "source", f"{source!r} (allowed: {', '.join(SOURCES)})")
        )
    if not isinstance(reps, int | np.integer) or isinstance(reps, bool) or reps < 1:
        problems.append(Problem("discovery", "reps", f"{reps!r} is not a whole number >= 1"))
    if seed is None:
        seed = scenario.seed if scenario.seed is not None else 0
    if not isinstance(seed, int | np.integer) or isinstance(seed, bool) or seed < 0:
        problems.append(Problem("discovery", "seed", f"{seed!r} is not a whole number >= 0"))
    if threshold is not None and not (
        isinstance(threshold, int | float)
        and not isinstance(threshold, bool)
        and 0 < threshold <= 1
    ):
        problems.append(
            Problem("discovery", "threshold", f"{threshold!r} (allowed: a share in (0, 1])")
        )
    if problems:
        raise InputError(problems)
    return int(seed)


def _discovery_key(runs_key: str, target: str, threshold: float | None) -> str:
    return digest(
        {
            "kind": "discovery",
            "runs_key": runs_key,
            "target": target,
            "threshold": threshold,
            "method": METHOD,
            "version": package_version(),
        }
    )


def _folder(
    out: str | Path | None,
    scenario: Scenario,
    target: str,
    source: str,
    seed: int,
    reps: int,
    key: str,
) -> Path | None:
    """``out/discoveries/<scenario>/<target>-<source>-s<seed>-n<reps>-<key[:12]>``."""
    if out is None:
        return None
    name = f"{target}-{source}-s{seed}-n{reps}-{key[:12]}"
    return Path(out) / "discoveries" / slug(scenario.name) / name


def _runs_table(
    replication_table: pd.DataFrame, values: pd.DataFrame, fails: np.ndarray
) -> pd.DataFrame:
    keep = ["replication"]
    if "posterior_particle" in replication_table:
        keep.append("posterior_particle")
    frame = replication_table[keep].reset_index(drop=True).copy()
    for name in values.columns:
        frame[name] = values[name].to_numpy(float)
    for name in TARGET_KEYS:
        if name in replication_table:
            frame[name] = replication_table[name].to_numpy(bool)
    frame["fails"] = np.asarray(fails, dtype=bool)
    return frame


def _box_records(table: pd.DataFrame) -> list[dict[str, Any]]:
    records = []
    for number, rows in table.groupby("box", sort=True):
        first = rows.iloc[0]
        records.append(
            {
                "box": int(number),
                "coverage": float(first["coverage"]),
                "density": float(first["density"]),
                "mass": float(first["mass"]),
                "runs": int(first["runs"]),
                "failures": int(first["failures"]),
                "limits": {
                    str(r.parameter): [float(r.low), float(r.high)] for r in rows.itertuples()
                },
            }
        )
    return records


def _write(store: RunStore, result: DiscoveryResult) -> None:
    """The folder's files, each atomically, the manifest (the commit mark) last."""
    store.path.mkdir(parents=True, exist_ok=True)
    with store.working(), store.committing():
        write_parquet_atomic(
            store.path / "runs.parquet", pa.Table.from_pandas(result.runs, preserve_index=False)
        )
        write_csv_atomic(store.path / "table.csv", result.table)
        write_csv_atomic(store.path / "trajectory.csv", result.trajectory)
        write_json_atomic(store.summary_path, result.summary)
        write_json_atomic(store.manifest_path, result.manifest)
