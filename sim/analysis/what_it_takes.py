"""What it takes: the least effort that makes a target likely enough.

The planners' question "what does it take to be 80 % sure?" as a search over
the measures of a scenario ("levers"): each lever's intensity, and optionally
its start date, is varied on a grid, and each mix is scored by its chance of
the target (an ensemble of ``reps`` runs) and by its effort.

Why this shape:

- **Effort** is declared, not invented: every intervention of the scenario
  file carries ``effort_per_unit``, the effort of one unit of intensity kept
  up for one year. A mix's effort is
  ``Σ effort_per_unit × intensity × years in force`` (from its start to the
  horizon), so starting earlier costs more, as it does for the people doing
  it, and a later start is a real saving to weigh against its smaller effect.
  Interventions that are not levers keep their values and add a fixed effort.
- **Lexicographic objective.** A mix that reaches the target probability
  (the ensemble's point estimate ``p >= p_target``) always beats one that does
  not; among those that do, the least effort wins; among those that do not,
  the smallest shortfall. Optuna minimises one number that orders mixes this
  way: the effort when the target is reached, else
  ``max_effort + 1 + shortfall``.
- **Common random numbers across trials.** Every mix runs with the same seed,
  so differences between mixes are not noise; a mix proposed twice is scored
  once (its ensemble is also stored and reused). With a posterior (by
  default the commune's calibration, when it has one: :mod:`sim.experiments.posterior`)
  every mix draws the same particle for replication ``i``; the posterior's
  hash is one of the search's inputs, so a study scored at the assumed
  values is never resumed with drawn parameters.
- **Resumable, shareable storage.** The Optuna study lives in a journal file
  (``optuna.storages.JournalStorage`` with a file lock) in a folder keyed by
  the search's inputs (scenario, target, probability, levers, grid, reps,
  seed, version): running the same search again resumes it, and several
  processes started on the same inputs share it as concurrent workers until
  ``trials`` distinct mixes are scored between them. A sampler may propose a
  mix already scored; that trial reuses the score and does not count (at most
  :data:`TRIALS_PER_MIX` trials per mix asked for, so a search whose sampler
  has converged still ends). A trial interrupted with
  Ctrl-C is marked failed and does not count; its ensemble resumes from the
  results store if the mix is proposed again.
- **Samplers.** ``grid`` tries every mix (small spaces: the answer is then
  exact on the grid); ``tpe`` (Optuna's TPE, seeded, first trial = the
  scenario as written) samples larger ones; ``auto`` uses the grid when it has
  no more points than ``trials``.

The model is not needed to test the search: :func:`search` accepts an
``evaluate`` function (a mix -> successes and runs), so a small problem with
a known optimum can be solved and checked.
"""

from __future__ import annotations

import contextlib
import logging
import math
import sys
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sim.analysis.comparison import add_months
from sim.analysis.headline import interval, percent, target_phrases
from sim.experiments.experiment import Runner, interrupted, resolved_scenario
from sim.experiments.experiment import manifest as experiment_manifest
from sim.experiments.posterior import COMMUNE, Posterior, parameters_record, resolve_posterior
from sim.experiments.store import slug, write_json_atomic, write_text_atomic
from sim.experiments.summary import wilson_interval
from sim.inputs.errors import InputError, Problem, did_you_mean
from sim.inputs.measures import MEASURES_FILE
from sim.inputs.provenance import commune_fingerprint, digest, package_version
from sim.inputs.scenario import Intervention, Scenario, load_scenario
from sim.model.targets import TARGET_KEYS, definitions_for
from sim.model.timeline import months_between

#: Default highest intensity of a lever, and the intensity grid's step.
DEFAULT_MAX_INTENSITY = 2.0
DEFAULT_STEP = 0.25
#: Default spacing of the start-date grid, in months (0: keep the file's start dates).
DEFAULT_START_STEP = 12
SAMPLERS = ("auto", "grid", "tpe")
#: Trials allowed per distinct mix asked for (repeats of a scored mix cost no runs).
TRIALS_PER_MIX = 3


@dataclass(frozen=True)
class Lever:
    """A measure whose intensity (0 .. ``max_intensity`` by ``step``) the search varies.

    Written on the command line as ``MEASURE`` or ``MEASURE:MAX``. Every
    intervention of the scenario with this measure takes the lever's
    intensity (and start, when starts are searched).
    """

    measure: str
    max_intensity: float = DEFAULT_MAX_INTENSITY
    step: float = DEFAULT_STEP

    def intensities(self) -> list[float]:
        """The intensity grid: 0, step, 2·step, ... up to max_intensity."""
        count = int(math.floor(self.max_intensity / self.step + 1e-9))
        return [round(i * self.step, 10) for i in range(count + 1)]


def parse_lever(text: str, step: float = DEFAULT_STEP) -> Lever:
    """``MEASURE`` or ``MEASURE:MAX`` -> :class:`Lever` (bad text: ``InputError``).

    Whether the measure exists is the commune's to say (:func:`make_space`)."""
    measure, _, top = text.strip().partition(":")
    problems = []
    maximum = DEFAULT_MAX_INTENSITY
    if top:
        try:
            maximum = float(top)
        except ValueError:
            maximum = math.nan
        if not maximum > 0 or math.isinf(maximum):
            problems.append(
                Problem("--levers", text, f"{top!r} is not a highest intensity > 0 (MEASURE:MAX)")
            )
    if not step > 0:
        problems.append(Problem("--step", str(step), "the intensity step must be > 0"))
    if problems:
        raise InputError(problems)
    return Lever(measure, maximum, step)


@dataclass(frozen=True)
class Mix:
    """One point of the search: each lever's intensity and start, and what it costs."""

    intensities: dict[str, float]
    starts: dict[str, date]
    effort: float
    lever_effort: dict[str, float]

    def describe(self) -> str:
        """``measure 1.50 from 2016-01, ...``."""
        return ", ".join(
            f"{m} {x:.2f} from {self.starts[m]:%Y-%m}" if x > 0 else f"{m} 0"
            for m, x in self.intensities.items()
        )


@dataclass(frozen=True)
class Candidate:
    """A scored mix: its chance of the target (with a Wilson 95 % interval)."""

    mix: Mix
    successes: int
    runs: int
    p: float
    low: float
    high: float
    reached: bool
    shortfall: float
    trials: tuple[int, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable."""
        return {
            "intensities": dict(self.mix.intensities),
            "starts": {m: d.isoformat() for m, d in self.mix.starts.items()},
            "effort": self.mix.effort,
            "lever_effort": dict(self.mix.lever_effort),
            "successes": self.successes,
            "runs": self.runs,
            "p": self.p,
            "ci95": [self.low, self.high],
            "reached": self.reached,
            "shortfall": self.shortfall,
            "trials": list(self.trials),
        }


#: What the search calls to score a mix: (the scenario with the mix applied, the mix)
#: -> (runs reaching the target, runs).
Evaluate = Callable[[Scenario, Mix], tuple[int, int]]


@dataclass
class SearchResult:
    """The outcome of a search: the best mix, the others, and where the study is stored."""

    best: Candidate | None
    candidates: list[Candidate] = field(repr=False)
    manifest: dict[str, Any] = field(repr=False)
    path: Path | None = None

    @property
    def closest_cheaper(self) -> list[Candidate]:
        """Mixes cheaper than the best that fell short, the nearest in effort first."""
        limit = self.best.mix.effort if self.best is not None else math.inf
        cheaper = [c for c in self.candidates if not c.reached and c.mix.effort < limit]
        return sorted(cheaper, key=lambda c: (-c.mix.effort, c.shortfall))

    @property
    def next_feasible(self) -> list[Candidate]:
        """The other mixes that reach the target, least effort first."""
        return [c for c in self.candidates if c.reached and c is not self.best]

    def text(self, limit: int = 5) -> str:
        """The answer as the command line prints it."""
        return search_text(self, limit)


# -- the search space -----------------------------------------------------------------


@dataclass(frozen=True)
class Space:
    """The levers, their grids, and how a point becomes a scenario and an effort."""

    scenario: Scenario
    levers: tuple[Lever, ...]
    start_step: int

    def start_offsets(self) -> list[int]:
        """Start months searched (offsets from the scenario start); ``[]`` if starts are fixed."""
        if self.start_step <= 0:
            return []
        total = months_between(self.scenario.start, self.scenario.horizon)
        return [m for m in range(0, int(total) + 1, self.start_step) if m < total]

    def grid(self) -> dict[str, list[Any]]:
        """Every parameter and its values (the GridSampler's search space)."""
        space: dict[str, list[Any]] = {}
        for lever in self.levers:
            space[f"{lever.measure}.intensity"] = lever.intensities()
            if self.start_offsets():
                space[f"{lever.measure}.start_month"] = self.start_offsets()
        return space

    def size(self) -> int:
        """Number of grid points."""
        return math.prod(len(values) for values in self.grid().values())

    def mix(self, params: dict[str, Any]) -> Mix:
        """The mix a trial's parameters describe, with its effort."""
        intensities, starts, lever_effort = {}, {}, {}
        for lever in self.levers:
            m = lever.measure
            intensities[m] = round(float(params[f"{m}.intensity"]), 10)
            if f"{m}.start_month" in params:
                starts[m] = add_months(self.scenario.start, int(params[f"{m}.start_month"]))
            else:
                starts[m] = min(i.start for i in self._of(m))
        scenario = self.apply_values(intensities, starts)
        for lever in self.levers:
            lever_effort[lever.measure] = sum(
                effort(i, scenario.horizon)
                for i in scenario.interventions
                if i.measure == lever.measure
            )
        return Mix(intensities, starts, round(sum(lever_effort.values()), 10), lever_effort)

    def fixed_effort(self) -> float:
        """The effort of the interventions that are not levers."""
        names = {lever.measure for lever in self.levers}
        return sum(
            effort(i, self.scenario.horizon)
            for i in self.scenario.interventions
            if i.measure not in names
        )

    def apply(self, mix: Mix) -> Scenario:
        """The scenario with the mix's intensities and starts."""
        return self.apply_values(mix.intensities, mix.starts)

    def apply_values(self, intensities: dict[str, float], starts: dict[str, date]) -> Scenario:
        changed = []
        for item in self.scenario.interventions:
            if item.measure in intensities:
                start = starts[item.measure] if self.start_step > 0 else item.start
                item = replace(item, intensity=intensities[item.measure], start=start)
            changed.append(item)
        return self.scenario.with_interventions(*changed)

    def as_written(self) -> dict[str, Any]:
        """The scenario file's own values, snapped to the grid (the TPE's first trial)."""
        params: dict[str, Any] = {}
        offsets = self.start_offsets()
        for lever in self.levers:
            items = self._of(lever.measure)
            values = lever.intensities()
            x = items[0].intensity
            params[f"{lever.measure}.intensity"] = min(values, key=lambda v: abs(v - x))
            if offsets:
                month = months_between(self.scenario.start, items[0].start)
                params[f"{lever.measure}.start_month"] = min(offsets, key=lambda v: abs(v - month))
        return params

    def _of(self, measure: str) -> list[Intervention]:
        return [i for i in self.scenario.interventions if i.measure == measure]


def effort(item: Intervention, horizon: date) -> float:
    """``effort_per_unit × intensity × years in force`` (start to horizon) of one intervention."""
    years = max(0.0, months_between(item.start, horizon)) / 12.0
    return item.effort_per_unit * item.intensity * years


def make_space(scenario: Scenario, levers: Sequence[Lever], start_step: int) -> Space:
    """Check the levers against the scenario (each must be one of its measures)."""
    problems = []
    source = str(scenario.path or scenario.name)
    present = {i.measure for i in scenario.interventions}
    known = scenario.commune.measures
    if not levers:
        problems.append(Problem("--levers", "(none)", "name at least one measure to vary"))
    seen = set()
    for lever in levers:
        if lever.measure in seen:
            problems.append(Problem("--levers", lever.measure, "named twice"))
        seen.add(lever.measure)
        if lever.measure not in known:
            problems.append(
                Problem(
                    "--levers",
                    lever.measure,
                    f"unknown measure {lever.measure!r}{did_you_mean(lever.measure, known)}; "
                    f"known ({MEASURES_FILE}): {', '.join(known)}",
                )
            )
        elif lever.measure not in present:
            problems.append(
                Problem(
                    source,
                    "interventions",
                    f"has no {lever.measure!r} intervention: add one (intensity 0 is fine) "
                    "with its villages and effort_per_unit, so the search knows where it acts "
                    "and what it costs",
                )
            )
    if not isinstance(start_step, int) or start_step < 0:
        problems.append(Problem("--start-step", str(start_step), "must be a whole number >= 0"))
    if problems:
        raise InputError(problems)
    return Space(scenario, tuple(levers), start_step)


# -- running ----------------------------------------------------------------------------


def search(
    scenario: Scenario | str | Path,
    levers: Sequence[Lever | str],
    *,
    target: str = "no_white_village_at_horizon",
    p: float = 0.8,
    reps: int = 100,
    seed: int | None = None,
    trials: int = 40,
    start_step: int = DEFAULT_START_STEP,
    sampler: str = "auto",
    horizon: date | str | None = None,
    out: str | Path = "results",
    evaluate: Evaluate | None = None,
    backend: str = "local",
    workers: int | None = None,
    scheduler: str | None = None,
    quiet: bool = False,
    posterior: Any = COMMUNE,
) -> SearchResult:
    """Find the least-effort mix of ``levers`` whose chance of ``target`` is at least ``p``.

    ``levers`` are :class:`Lever` objects or ``MEASURE[:MAX]`` strings, each a
    measure of the scenario. ``trials`` is the number of distinct mixes the
    study should hold scored (a resumed or shared study counts those already
    there). Each mix is an ensemble of ``reps`` runs with ``seed``
    (default: the scenario's seed, then 0), stored under the search's folder
    in ``out/searches/``. ``evaluate`` replaces the model (tests, other
    objectives). ``posterior`` is as for :func:`~sim.experiments.ensemble.run_ensemble`
    (by default the commune's calibration if it has one; ``None``: the
    assumed values). See the module docstring for the effort and the
    objective.
    """
    base = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    if horizon is not None:
        base = base.with_horizon(horizon)
    parsed = [lv if isinstance(lv, Lever) else parse_lever(lv) for lv in levers]
    _check(target, p, reps, trials, sampler)
    space = make_space(base, parsed, start_step)
    seed = int(seed if seed is not None else (base.seed if base.seed is not None else 0))
    if seed < 0:
        raise InputError([Problem("search", "seed", f"{seed} is not a whole number >= 0")])
    drawn = resolve_posterior(posterior, base.commune) if evaluate is None else None
    inputs = _inputs(space, target, p, reps, seed, evaluate, drawn)
    key = digest(inputs)
    folder = Path(out) / "searches" / f"{slug(base.name)}-{slug(target)}-p{p:g}-{key[:12]}"
    folder.mkdir(parents=True, exist_ok=True)
    kind = sampler if sampler != "auto" else ("grid" if space.size() <= trials else "tpe")

    optuna = _optuna()
    storage = optuna.storages.JournalStorage(
        optuna.storages.journal.JournalFileBackend(
            str(folder / "journal.log"),
            lock_obj=optuna.storages.journal.JournalFileOpenLock(str(folder / "journal.log")),
        )
    )
    chosen = (
        optuna.samplers.GridSampler(space.grid(), seed=seed)
        if kind == "grid"
        else optuna.samplers.TPESampler(seed=seed, n_startup_trials=min(10, max(1, trials // 4)))
    )
    study = optuna.create_study(
        storage=storage,
        sampler=chosen,
        study_name=key,
        direction="minimize",
        load_if_exists=True,
    )
    manifest = _manifest(space, inputs, key, kind, trials, folder)
    if evaluate is None:
        manifest["parameters"] = parameters_record(base, drawn)
    write_json_atomic(folder / "manifest.json", {**manifest, "status": "running"})

    penalty = _max_effort(space) + 1.0
    with _workers(evaluate, backend, workers, scheduler) as runner:
        score = evaluate or _ensemble_evaluator(
            folder / "ensembles", target, reps, seed, runner, drawn
        )
        if kind == "tpe" and not study.trials:
            study.enqueue_trial(space.as_written())
        note = f"interrupted: the study is kept in {folder}; run the same search again to resume"
        with interrupted(lambda: note):
            _optimise(study, space, score, target, p, trials, penalty, quiet)

    candidates = _candidates(study, space, p)
    best = candidates[0] if candidates and candidates[0].reached else None
    manifest["status"] = "complete"
    manifest["trials_complete"] = sum(1 for t in study.trials if _complete(t))
    manifest["mixes_scored"] = len(candidates)
    manifest["best"] = best.to_dict() if best is not None else None
    manifest["finished"] = datetime.now(UTC).isoformat(timespec="seconds")
    result = SearchResult(best=best, candidates=candidates, manifest=manifest, path=folder)
    write_json_atomic(
        folder / "result.json", {**manifest, "candidates": [c.to_dict() for c in candidates]}
    )
    write_text_atomic(folder / "result.txt", result.text())
    write_json_atomic(folder / "manifest.json", manifest)
    return result


def _check(target: str, p: float, reps: int, trials: int, sampler: str) -> None:
    problems = []
    if target not in TARGET_KEYS:
        problems.append(
            Problem(
                "--target",
                target,
                f"unknown target{did_you_mean(target, TARGET_KEYS)}; "
                f"known: {', '.join(TARGET_KEYS)}",
            )
        )
    if not isinstance(p, int | float) or not 0 < p <= 1:
        problems.append(Problem("--p", str(p), "the target probability must be in (0, 1]"))
    if not isinstance(reps, int) or reps < 1:
        problems.append(Problem("--reps", str(reps), "must be a whole number >= 1"))
    if not isinstance(trials, int) or trials < 1:
        problems.append(Problem("--trials", str(trials), "must be a whole number >= 1"))
    if sampler not in SAMPLERS:
        problems.append(Problem("--sampler", sampler, f"allowed: {', '.join(SAMPLERS)}"))
    if problems:
        raise InputError(problems)


def _optuna() -> Any:
    """Import Optuna lazily (it is only needed here) and keep it quiet."""
    import optuna
    import optuna.storages.journal  # noqa: F401  (the file backend and its lock)

    optuna.logging.set_verbosity(logging.ERROR)
    warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)
    return optuna


def _complete(trial: Any) -> bool:
    return trial.state.name == "COMPLETE"


def _optimise(
    study: Any,
    space: Space,
    score: Evaluate,
    target: str,
    p: float,
    trials: int,
    penalty: float,
    quiet: bool,
) -> None:
    """Run trials until the study holds ``trials`` distinct scored mixes (from any worker).

    Stops early when every grid point has been scored, or after
    :data:`TRIALS_PER_MIX` trials per mix asked for. A mix already scored is
    not evaluated again: on the same seeds it would get the same answer.
    """
    optuna = _optuna()
    complete = (optuna.trial.TrialState.COMPLETE,)
    grid = space.grid()
    size = space.size()

    def objective(trial: Any) -> float:
        params = {name: _suggest(trial, name, values, space) for name, values in grid.items()}
        mix = space.mix(params)
        done = study.get_trials(deepcopy=False, states=complete)
        known = _known(done, params)
        successes, runs = known if known is not None else score(space.apply(mix), mix)
        share = successes / runs
        reached = share >= p
        trial.set_user_attr("successes", int(successes))
        trial.set_user_attr("runs", int(runs))
        trial.set_user_attr("effort", mix.effort)
        if not quiet:
            low, high = wilson_interval(successes, runs)
            print(
                f"trial {trial.number}: {mix.describe()}: effort {mix.effort:.2f}, "
                f"{target} {percent(share)} ({interval((low, high))})"
                + (" reached" if reached else ""),
                file=sys.stderr,
            )
        return mix.effort if reached else penalty + max(0.0, p - share)

    def scored(study: Any) -> tuple[int, int]:
        done = study.get_trials(deepcopy=False, states=complete)
        return len({tuple(sorted(t.params.items())) for t in done}), len(done)

    def enough(study: Any, _trial: Any) -> None:
        mixes, total = scored(study)
        if mixes >= min(trials, size) or total >= TRIALS_PER_MIX * trials:
            study.stop()

    mixes, total = scored(study)
    remaining = TRIALS_PER_MIX * trials - total
    if mixes < min(trials, size) and remaining > 0:
        study.optimize(objective, n_trials=remaining, callbacks=[enough], catch=())


def _suggest(trial: Any, name: str, values: list[Any], space: Space) -> Any:
    """One parameter of the grid, as a stepped float (intensity) or int (start month)."""
    if len(values) == 1:
        return trial.suggest_categorical(name, values)
    if name.endswith(".intensity"):
        return trial.suggest_float(name, values[0], values[-1], step=_step(values))
    return trial.suggest_int(name, values[0], values[-1], step=space.start_step)


def _step(values: list[float]) -> float:
    return round(values[1] - values[0], 10)


def _known(done: list[Any], params: dict[str, Any]) -> tuple[int, int] | None:
    """The score of a mix already tried (same seed and runs, so the same answer)."""
    for trial in done:
        if trial.params == params and "successes" in trial.user_attrs:
            return trial.user_attrs["successes"], trial.user_attrs["runs"]
    return None


def _candidates(study: Any, space: Space, p: float) -> list[Candidate]:
    """Every distinct mix scored, best first: reached before not, then effort, then chance."""
    by_params: dict[tuple, Candidate] = {}
    for trial in study.trials:
        if not _complete(trial) or "successes" not in trial.user_attrs:
            continue
        params = tuple(sorted(trial.params.items()))
        if params in by_params:
            old = by_params[params]
            by_params[params] = replace(old, trials=(*old.trials, trial.number))
            continue
        k, n = trial.user_attrs["successes"], trial.user_attrs["runs"]
        low, high = wilson_interval(k, n)
        share = k / n
        by_params[params] = Candidate(
            mix=space.mix(dict(trial.params)),
            successes=k,
            runs=n,
            p=share,
            low=low,
            high=high,
            reached=share >= p,
            shortfall=max(0.0, p - share),
            trials=(trial.number,),
        )
    return sorted(
        by_params.values(),
        key=lambda c: (
            not c.reached,
            c.mix.effort if c.reached else c.shortfall,
            -c.p,
            c.mix.effort,
        ),
    )


def _max_effort(space: Space) -> float:
    """The effort of every lever at its highest intensity from the scenario start."""
    top = {lv.measure: lv.intensities()[-1] for lv in space.levers}
    scenario = space.apply_values(top, {m: space.scenario.start for m in top})
    return sum(effort(i, scenario.horizon) for i in scenario.interventions) + 1.0


@contextlib.contextmanager
def _workers(
    evaluate: Evaluate | None, backend: str, workers: int | None, scheduler: str | None
) -> Iterator[Any]:
    """One set of workers for every trial's ensemble (none when a custom evaluator scores)."""
    if evaluate is not None:
        yield None
        return
    with Runner(
        backend, workers=workers, scheduler=scheduler, preload=("sim.experiments.ensemble",)
    ) as runner:
        yield runner


def _ensemble_evaluator(
    folder: Path, target: str, reps: int, seed: int, runner: Any, posterior: Posterior | None
) -> Evaluate:
    """Score a mix by an ensemble of the model (stored under ``folder`` and reused)."""
    from sim.experiments.ensemble import run_ensemble

    def score(scenario: Scenario, mix: Mix) -> tuple[int, int]:
        result = run_ensemble(
            scenario, reps, seed, backend=runner, out=folder, quiet=True, posterior=posterior
        )
        flags = result.replications[target].to_numpy().astype(bool)
        return int(flags.sum()), int(flags.size)

    return score


def _inputs(
    space: Space,
    target: str,
    p: float,
    reps: int,
    seed: int,
    evaluate: Evaluate | None,
    posterior: Posterior | None = None,
) -> dict[str, Any]:
    """What the search's answer depends on (its storage key).

    The posterior's hash only when the mixes draw from one, so searches at
    the assumed values keep the keys (and the stored studies) they had.
    """
    resolved = resolved_scenario(space.scenario)
    drawn = {"posterior_sha256": posterior.sha256} if posterior is not None else {}
    return {
        "scenario": resolved,
        "commune_data_sha256": commune_fingerprint(space.scenario.commune),
        "target": target,
        "p": p,
        "levers": [
            {"measure": lv.measure, "max_intensity": lv.max_intensity, "step": lv.step}
            for lv in space.levers
        ],
        "start_step": space.start_step,
        "reps": reps,
        "seed": seed,
        "evaluate": "model" if evaluate is None else getattr(evaluate, "__qualname__", "custom"),
        "version": package_version(),
        **drawn,
    }


def _manifest(
    space: Space, inputs: dict[str, Any], key: str, kind: str, trials: int, folder: Path
) -> dict[str, Any]:
    record = experiment_manifest(
        "search",
        key,
        inputs["seed"],
        scenario_file=str(space.scenario.path) if space.scenario.path is not None else None,
        scenario_name=space.scenario.name,
        horizon=space.scenario.horizon.isoformat(),
        **{k: v for k, v in inputs.items() if k not in ("scenario", "version", "seed")},
        scenario=space.scenario.to_dict(),
        target_phrase=target_phrases(definitions_for(space.scenario).to_dict())[inputs["target"]],
        grid_points=space.size(),
        start_months=space.start_offsets(),
        fixed_effort=space.fixed_effort(),
        sampler=kind,
        trials=trials,
        storage=str(folder / "journal.log"),
        effort="sum of effort_per_unit x intensity x years in force (start to horizon)",
        objective="reach p first (point estimate), then least effort; else least shortfall",
    )
    record["status"] = "running"
    return record


# -- text ---------------------------------------------------------------------------------


def search_text(result: SearchResult, limit: int = 5) -> str:
    """The winning mix, its chance and interval, and how far the runners-up fell short."""
    m = result.manifest
    levers = ", ".join(
        f"{lv['measure']} (0–{lv['max_intensity']:g} by {lv['step']:g})" for lv in m["levers"]
    )
    starts = (
        f"start every {m['start_step']} months from {m['scenario']['start']}"
        if m["start_step"]
        else "start dates as in the file"
    )
    lines = [
        f"What it takes in {m['scenario_name']!r} for a chance of at least {percent(m['p'])} of "
        f"{m['target_phrase']} ({m['target']})",
        f"Levers: {levers}; {starts}. {m['reps']} runs a mix, seed {m['seed']}, "
        f"{m['sampler']} sampler, {m.get('mixes_scored', 0)} distinct mixes of "
        f"{m['grid_points']} scored in {m.get('trials_complete', 0)} trials; "
        f"stored in {result.path}",
        "Effort = Σ effort_per_unit × intensity × years in force; other measures of the "
        f"scenario add a fixed {m['fixed_effort']:.2f}.",
        *([m["parameters"]["sentence"]] if m.get("parameters") else []),
        "",
    ]
    best = result.best
    if best is None:
        lines.append(f"No mix tried reaches {percent(m['p'])}. The closest:")
        lines.extend(_rows(result.candidates[:limit], m["p"]))
        return "\n".join(lines) + "\n"
    lines.append(
        f"Least effort that reaches {percent(m['p'])}: effort {best.mix.effort:.2f}, chance "
        f"{percent(best.p)} (95 % interval {interval((best.low, best.high))}, {best.successes} "
        f"of {best.runs} runs)"
    )
    for measure, x in best.mix.intensities.items():
        when = f"from {best.mix.starts[measure]:%Y-%m}" if x > 0 else "(not used)"
        lines.append(
            f"  {measure:<30} intensity {x:.2f} {when}  effort {best.mix.lever_effort[measure]:.2f}"
        )
    cheaper = result.closest_cheaper[:limit]
    lines.append("")
    if cheaper:
        lines.append("Cheaper mixes that fell short (nearest in effort first):")
        lines.extend(_rows(cheaper, m["p"]))
    else:
        lines.append("No cheaper mix was tried.")
    others = result.next_feasible[:limit]
    if others:
        lines.append("")
        lines.append("Next cheapest mixes that also reach it:")
        lines.extend(_rows(others, m["p"]))
    return "\n".join(lines) + "\n"


def _rows(candidates: list[Candidate], p: float) -> list[str]:
    lines = [f"  {'effort':>7}  {'chance':>6}  {'95 % interval':<13}  {'short by':>8}  mix"]
    for c in candidates:
        short = f"{c.shortfall * 100:.0f} pts" if not c.reached else ""
        lines.append(
            f"  {c.mix.effort:>7.2f}  {percent(c.p):>6}  {interval((c.low, c.high)):<13}  "
            f"{short:>8}  {c.mix.describe()}"
        )
    return lines
