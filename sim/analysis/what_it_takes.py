"""What it takes: the least effort that makes a target likely enough, and how sure that is.

The planners' question "what does it take to be 80 % sure?" as a search over
the measures of a scenario ("levers", :mod:`sim.analysis.search_space`):
each lever's intensity, and optionally its start date, is varied on a grid,
each mix is scored by its chance of the target and by its effort, and the
answer says how sure it is.

Why this shape:

- **Screening, then a race, then fresh runs.** Optuna proposes mixes and
  each gets a first look of ``reps`` runs (the screening). Then the mixes
  are raced from the least effort up (:mod:`sim.analysis.race`): a mix near
  the threshold gets more runs, look by look, until "does it reach ``p``?"
  is settled at ``confidence`` (:mod:`sim.analysis.sequential`) or its
  ``max_reps`` or the ``budget`` are spent. The first mix shown to reach
  ``p`` is re-run on fresh seeds it was not chosen on, and that is the
  figure reported: "reaches 80 % with 95 % confidence" when the fresh runs
  settle it, "probably reaches 80 % (76–88 %), not settled within the
  budget" when they do not. Picking the cheapest mix whose point estimate
  clears ``p`` (what this search did before) favours lucky mixes; the
  manifest still records that mix (``point_estimate_rule``) so the two can
  be compared.
- **Lexicographic objective for the sampler.** A mix whose first look
  clears ``p`` beats one that does not; among those that do, the least
  effort wins; among those that do not, the smallest shortfall. Optuna
  minimises one number that orders mixes this way: the effort when ``p`` is
  cleared, else ``max_effort + 1 + shortfall``. It only guides which mixes
  are screened; the race decides.
- **Common random numbers.** Every mix's replication ``i`` has the same seed
  and, under a posterior (by default the commune's calibration, when it has
  one: :mod:`sim.experiments.posterior`), the same drawn parameters, so
  differences between mixes are not noise. The posterior's hash is one of
  the search's inputs, so a study scored at the assumed values is never
  resumed with drawn parameters. ``assumed_too`` re-runs the winner at the
  assumed values as well, so the answer shows the chance with and without
  parameter uncertainty.
- **Resumable, shareable storage.** The Optuna study lives in a journal file
  (``optuna.storages.JournalStorage`` with a file lock) and every run's
  answer in a run book (:class:`sim.analysis.race.RunBook`), in a folder
  keyed by the search's inputs (scenario, target, probability, levers, grid,
  looks, confidence, seed, version; not the budget): running the same search
  again resumes it, with a larger ``budget`` settles what the smaller one
  left open, and several processes started on the same inputs share it as
  concurrent workers until ``trials`` distinct mixes are screened between
  them. A sampler may propose a mix already screened; that trial costs no
  runs and does not count (at most :data:`TRIALS_PER_MIX` trials per mix
  asked for, so a search whose sampler has converged still ends). With
  ``out=None`` everything is kept in memory.
- **Samplers.** ``grid`` tries every mix (small spaces: the answer is then
  exact on the grid); ``tpe`` (Optuna's TPE, seeded, first trial = the
  scenario as written) samples larger ones; ``auto`` uses the grid when it has
  no more points than ``trials``.

The model is not needed to test the search: :func:`search` accepts an
``evaluate`` function (a mix, a stream and replication numbers -> whether
each run reached the target), so a problem whose true chances are known can
be solved and the answer's bias measured.
"""

from __future__ import annotations

import contextlib
import logging
import sys
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sim.analysis.headline import interval, percent, target_phrases
from sim.analysis.race import (
    ASSUMED,
    FRESH,
    FRESH_RUNS,
    SELECTION,
    Estimate,
    Evaluate,
    Outcome,
    Race,
    RunBook,
    choose,
)
from sim.analysis.search_space import (
    DEFAULT_START_STEP,
    DEFAULT_STEP,
    Lever,
    Mix,
    Space,
    effort,
    make_space,
    parse_lever,
)
from sim.analysis.sequential import DEFAULT_CONFIDENCE, Decision, SequentialTest, looks
from sim.experiments.experiment import Design, Runner, interrupted, resolved_scenario
from sim.experiments.experiment import manifest as experiment_manifest
from sim.experiments.posterior import COMMUNE, Posterior, parameters_record, resolve_posterior
from sim.experiments.store import slug, write_json_atomic, write_text_atomic
from sim.inputs.errors import InputError, Problem, did_you_mean
from sim.inputs.provenance import commune_fingerprint, digest, package_version
from sim.inputs.scenario import Scenario, load_scenario
from sim.model.targets import TARGET_KEYS, definitions_for

__all__ = [
    "DEFAULT_START_STEP",
    "DEFAULT_STEP",
    "Candidate",
    "Lever",
    "Mix",
    "SearchResult",
    "effort",
    "make_space",
    "parse_lever",
    "search",
]

SAMPLERS = ("auto", "grid", "tpe")
#: Trials allowed per distinct mix asked for (repeats of a screened mix cost no runs).
TRIALS_PER_MIX = 3
#: Default most runs a mix gets while choosing, as a multiple of the first look.
DEFAULT_MAX_FACTOR = 8
#: Default budget beyond the screening, in full sequential tests (``max_reps`` runs each).
DEFAULT_EXTRA_TESTS = 4


@dataclass(frozen=True)
class Candidate:
    """A screened mix: what its runs say while choosing, and on fresh runs if it was re-run."""

    mix: Mix
    chosen_on: Estimate
    fresh: Estimate | None = None
    assumed: Estimate | None = None
    verdict: str = ""
    trials: tuple[int, ...] = ()

    @property
    def p(self) -> float:
        """The chance the answer reports: on fresh runs when there are any."""
        return (self.fresh or self.chosen_on).p

    @property
    def interval(self) -> tuple[float, float]:
        return (self.fresh or self.chosen_on).interval

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable."""
        return {
            "intensities": dict(self.mix.intensities),
            "starts": {m: d.isoformat() for m, d in self.mix.starts.items()},
            "effort": self.mix.effort,
            "lever_effort": dict(self.mix.lever_effort),
            "verdict": self.verdict,
            "chosen_on": self.chosen_on.to_dict(),
            "fresh": self.fresh.to_dict() if self.fresh else None,
            "assumed_values": self.assumed.to_dict() if self.assumed else None,
            "trials": list(self.trials),
        }


#: Verdicts of a candidate, as the answer words them.
WINNER, SHORT, OPEN, REJECTED, REACHES, NOT_RACED = (
    "chosen",
    "falls short",
    "not settled",
    "fell short on fresh runs",
    "reaches",
    "not raced",
)


@dataclass
class SearchResult:
    """The outcome of a search: the chosen mix, how sure, the others, where it is stored."""

    best: Candidate | None
    candidates: list[Candidate] = field(repr=False)
    manifest: dict[str, Any] = field(repr=False)
    path: Path | None = None
    space: Space | None = field(default=None, repr=False)

    @property
    def sure(self) -> bool:
        """Whether fresh runs settle that the chosen mix reaches the target probability."""
        return (
            self.best is not None
            and self.best.fresh is not None
            and (self.best.fresh.decision is Decision.REACHES)
        )

    @property
    def closest_cheaper(self) -> list[Candidate]:
        """Mixes cheaper than the chosen one, the nearest in effort first."""
        limit = self.best.mix.effort if self.best is not None else float("inf")
        cheaper = [c for c in self.candidates if c is not self.best and c.mix.effort < limit]
        return sorted(cheaper, key=lambda c: (-c.mix.effort, -c.p))

    @property
    def next_feasible(self) -> list[Candidate]:
        """Dearer mixes shown (while choosing) to reach it too, least effort first."""
        limit = self.best.mix.effort if self.best is not None else -1.0
        return [
            c
            for c in self.candidates
            if c is not self.best and c.verdict == REACHES and c.mix.effort >= limit
        ]

    def plan(self) -> Scenario:
        """The scenario with the chosen mix applied (for a forecast or scenario discovery)."""
        if self.best is None or self.space is None:
            raise ValueError("the search chose no mix")
        return self.space.apply(self.best.mix)

    def text(self, limit: int = 5) -> str:
        """The answer as the command line prints it."""
        return search_text(self, limit)


#: What :func:`search` reports as it goes: runs spent, the budget, and a line saying what.
Progress = Callable[[int, int, str], None]


# -- running ----------------------------------------------------------------------------


def search(
    scenario: Scenario | str | Path,
    levers: Sequence[Lever | str],
    *,
    target: str = "no_white_village_at_horizon",
    p: float = 0.8,
    reps: int = 100,
    max_reps: int | None = None,
    fresh_reps: int | None = None,
    confidence: float = DEFAULT_CONFIDENCE,
    budget: int | None = None,
    seed: int | None = None,
    trials: int = 40,
    start_step: int = DEFAULT_START_STEP,
    sampler: str = "auto",
    horizon: date | str | None = None,
    out: str | Path | None = "results",
    evaluate: Evaluate | None = None,
    backend: str | Runner = "local",
    workers: int | None = None,
    scheduler: str | None = None,
    quiet: bool = False,
    posterior: Any = COMMUNE,
    assumed_too: bool = False,
    on_progress: Progress | None = None,
) -> SearchResult:
    """Find the least-effort mix of ``levers`` shown to reach ``target`` with chance ``p``.

    ``levers`` are :class:`Lever` objects or ``MEASURE[:MAX]`` strings, each a
    measure of the scenario. ``trials`` is the number of distinct mixes the
    study should hold screened (a resumed or shared study counts those already
    there), each first with ``reps`` runs. Mixes near ``p`` get up to
    ``max_reps`` runs (default ``8 × reps``; looks at ``reps`` doubling) until
    the question is settled at ``confidence``. The chosen mix is re-run on
    ``fresh_reps`` fresh runs (default ``max_reps``), the figure reported.
    The search spends at most ``budget`` runs (default: the screening, four
    mixes' ``max_reps`` and the fresh runs; the screening and the first
    fresh look are always run). ``seed`` defaults to the
    scenario's seed, then 0. ``evaluate`` replaces the model (tests, other
    objectives). ``posterior`` is as for
    :func:`~sim.experiments.ensemble.run_ensemble` (by default the commune's
    calibration if it has one; ``None``: the assumed values);
    ``assumed_too`` re-runs the chosen mix at the assumed values as well.
    ``backend`` is a backend name or a :class:`~sim.experiments.experiment.Runner`
    whose workers to use (a screen keeps one for every search).
    ``on_progress(spent, budget, what)`` is called after every batch of runs.
    The study is kept under ``out/searches/`` (``None``: in memory). See the
    module docstring for the effort, the race and the objective.
    """
    base = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    if horizon is not None:
        base = base.with_horizon(horizon)
    parsed = [lv if isinstance(lv, Lever) else parse_lever(lv) for lv in levers]
    max_reps = DEFAULT_MAX_FACTOR * reps if max_reps is None and isinstance(reps, int) else max_reps
    fresh_reps = max_reps if fresh_reps is None else fresh_reps
    _check(target, p, reps, trials, sampler, max_reps, fresh_reps, confidence, budget)
    space = make_space(base, parsed, start_step)
    seed = int(seed if seed is not None else (base.seed if base.seed is not None else 0))
    if seed < 0:
        raise InputError([Problem("search", "seed", f"{seed} is not a whole number >= 0")])
    drawn = resolve_posterior(posterior, base.commune) if evaluate is None else None
    if assumed_too and evaluate is None and drawn is None:
        raise InputError(
            [
                Problem(
                    "--assumed-too",
                    "on",
                    "the search already runs at the assumed values (no posterior): "
                    "leave out --assumed-too or --no-posterior",
                )
            ]
        )
    test = SequentialTest(p, looks(reps, max_reps), confidence)
    confirm = SequentialTest(p, (fresh_reps,), confidence)
    if budget is None:
        fresh = fresh_reps * (2 if assumed_too else 1)
        budget = min(trials, space.size()) * reps + DEFAULT_EXTRA_TESTS * max_reps + fresh
    inputs = _inputs(space, target, test, confirm, seed, evaluate, drawn)
    key = digest(inputs)
    folder = None
    if out is not None:
        folder = Path(out) / "searches" / f"{slug(base.name)}-{slug(target)}-p{p:g}-{key[:12]}"
        folder.mkdir(parents=True, exist_ok=True)
    kind = sampler if sampler != "auto" else ("grid" if space.size() <= trials else "tpe")
    study = _study(folder, key, kind, space, seed, trials)
    manifest = _manifest(space, inputs, key, kind, trials, folder, budget)
    if evaluate is None:
        manifest["parameters"] = parameters_record(base, drawn)
    if folder is not None:
        write_json_atomic(folder / "manifest.json", {**manifest, "status": "running"})

    book = RunBook(folder / "runs" if folder is not None else None)
    say = _Reporter(book, budget, on_progress, quiet)
    with _workers(evaluate, backend, workers, scheduler) as runner:
        score = evaluate or ModelRuns(runner, definitions_for(base), target, seed, drawn)
        race = Race(test, confirm, book, score, space.apply, budget, on_runs=say.runs)
        if kind == "tpe" and not study.trials:
            study.enqueue_trial(space.as_written())
        note = (
            f"interrupted: the study is kept in {folder}; run the same search again to resume"
            if folder is not None
            else "interrupted: the search was kept in memory only"
        )
        with interrupted(lambda: note):
            say.phase("screening")
            _optimise(study, space, race, target, p, trials, _max_effort(space) + 1.0, say)
            say.phase("racing the mixes near the threshold")
            mixes = _screened(study, space)
            outcome = choose(race, list(mixes.values()), assumed_too=assumed_too)

    candidates = _candidates(race, mixes, outcome)
    best = next((c for c in candidates if c.verdict == WINNER), None)
    manifest.update(
        status="complete",
        trials_complete=sum(1 for t in study.trials if _complete(t)),
        mixes_scored=len(candidates),
        runs_spent=book.total(),
        best=best.to_dict() if best is not None else None,
        sure=best is not None and outcome.sure,
        point_estimate_rule=_point_estimate_rule(race, mixes.values(), reps),
        finished=datetime.now(UTC).isoformat(timespec="seconds"),
    )
    result = SearchResult(best, candidates, manifest, folder, space)
    say.done()
    if folder is not None:
        write_json_atomic(
            folder / "result.json", {**manifest, "candidates": [c.to_dict() for c in candidates]}
        )
        write_text_atomic(folder / "result.txt", result.text())
        write_json_atomic(folder / "manifest.json", manifest)
    return result


def _check(
    target: str,
    p: float,
    reps: int,
    trials: int,
    sampler: str,
    max_reps: Any,
    fresh_reps: Any,
    confidence: Any,
    budget: Any,
) -> None:
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
    if not isinstance(p, int | float) or not 0 < p < 1:
        problems.append(Problem("--p", str(p), "the target probability must be in (0, 1)"))
    whole = {"--reps": (reps, 1), "--trials": (trials, 1), "--fresh-reps": (fresh_reps, 1)}
    if isinstance(reps, int):
        whole["--max-reps"] = (max_reps, reps)
    if budget is not None:
        whole["--budget"] = (budget, 0)
    for name, (value, least) in whole.items():
        if not isinstance(value, int) or isinstance(value, bool) or value < least:
            problems.append(Problem(name, str(value), f"must be a whole number >= {least}"))
    if not isinstance(confidence, int | float) or not 0.5 <= confidence < 1:
        problems.append(
            Problem("--confidence", str(confidence), "must be at least 0.5 and below 1")
        )
    if sampler not in SAMPLERS:
        problems.append(Problem("--sampler", sampler, f"allowed: {', '.join(SAMPLERS)}"))
    if problems:
        raise InputError(problems)


class _Reporter:
    """Progress as the search goes: a line per step (unless quiet) and the caller's hook."""

    def __init__(self, book: RunBook, budget: int, hook: Progress | None, quiet: bool) -> None:
        self.book, self.budget, self.hook, self.quiet = book, budget, hook, quiet
        self.what = ""

    def phase(self, what: str) -> None:
        self.what = what
        self._tell()

    def runs(self, _count: int) -> None:
        self._tell()

    def line(self, text: str) -> None:
        if not self.quiet:
            print(text, file=sys.stderr)

    def done(self) -> None:
        self.what = "done"
        self._tell()

    def _tell(self) -> None:
        if self.hook is not None:
            self.hook(self.book.total(), self.budget, self.what)


def _optuna() -> Any:
    """Import Optuna lazily (it is only needed here) and keep it quiet."""
    import optuna
    import optuna.storages.journal  # noqa: F401  (the file backend and its lock)

    optuna.logging.set_verbosity(logging.ERROR)
    warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)
    return optuna


def _study(folder: Path | None, key: str, kind: str, space: Space, seed: int, trials: int) -> Any:
    """The Optuna study: in the folder's journal (resumable, shareable) or in memory."""
    optuna = _optuna()
    if folder is None:
        storage: Any = optuna.storages.InMemoryStorage()
    else:
        journal = str(folder / "journal.log")
        storage = optuna.storages.JournalStorage(
            optuna.storages.journal.JournalFileBackend(
                journal, lock_obj=optuna.storages.journal.JournalFileOpenLock(journal)
            )
        )
    chosen = (
        optuna.samplers.GridSampler(space.grid(), seed=seed)
        if kind == "grid"
        else optuna.samplers.TPESampler(seed=seed, n_startup_trials=min(10, max(1, trials // 4)))
    )
    return optuna.create_study(
        storage=storage, sampler=chosen, study_name=key, direction="minimize", load_if_exists=True
    )


def _complete(trial: Any) -> bool:
    return trial.state.name == "COMPLETE"


def _optimise(
    study: Any,
    space: Space,
    race: Race,
    target: str,
    p: float,
    trials: int,
    penalty: float,
    say: _Reporter,
) -> None:
    """Run trials until the study holds ``trials`` distinct screened mixes (from any worker).

    Stops early when every grid point has been screened, or after
    :data:`TRIALS_PER_MIX` trials per mix asked for. A mix screened already
    costs no runs: its first look is in the run book.
    """
    optuna = _optuna()
    complete = (optuna.trial.TrialState.COMPLETE,)
    grid = space.grid()
    size = space.size()
    first = race.test.sizes[0]

    def objective(trial: Any) -> float:
        params = {name: _suggest(trial, name, values, space) for name, values in grid.items()}
        mix = space.mix(params)
        estimate = race.run_to(mix, SELECTION, first)
        k = sum(race.book.flags(mix, SELECTION)[:first])
        share = k / first
        trial.set_user_attr("successes", int(k))
        trial.set_user_attr("runs", int(first))
        trial.set_user_attr("effort", mix.effort)
        low, high = estimate.interval
        say.line(
            f"trial {trial.number}: {mix.describe()}: effort {mix.effort:.2f}, "
            f"{target} {percent(share)} ({interval((low, high))}, {first} runs)"
            + (" clears it" if share >= p else "")
        )
        return mix.effort if share >= p else penalty + max(0.0, p - share)

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


def _screened(study: Any, space: Space) -> dict[tuple, Mix]:
    """Every distinct mix the study screened, by its parameters (trial order)."""
    mixes: dict[tuple, Mix] = {}
    for trial in study.trials:
        if _complete(trial) and "successes" in trial.user_attrs:
            params = tuple(sorted(trial.params.items()))
            mixes.setdefault(params, space.mix(dict(trial.params)))
    return mixes


def _candidates(race: Race, mixes: dict[tuple, Mix], outcome: Outcome) -> list[Candidate]:
    """Every screened mix with its verdict: the chosen one first, then by effort."""
    found = []
    for mix in mixes.values():
        chosen_on = race.estimate(mix, SELECTION)
        fresh = race.estimate(mix, FRESH_RUNS) if race.book.flags(mix, FRESH_RUNS) else None
        if outcome.winner is not None and mix.key() == outcome.winner.key():
            verdict = WINNER
        elif any(m.key() == mix.key() for m in outcome.rejected):
            verdict = REJECTED
        else:
            verdict = {
                Decision.REACHES: REACHES,
                Decision.FALLS_SHORT: SHORT,
                Decision.UNSETTLED: OPEN,
            }[chosen_on.decision]
        assumed = race.estimate(mix, ASSUMED) if race.book.flags(mix, ASSUMED) else None
        found.append(Candidate(mix, chosen_on, fresh, assumed, verdict))
    return sorted(found, key=lambda c: (c.verdict != WINNER, c.mix.effort, -c.chosen_on.p))


def _point_estimate_rule(race: Race, mixes: Any, reps: int) -> dict[str, Any] | None:
    """The mix the search chose before it raced: the cheapest whose first look clears ``p``."""
    cleared = []
    for mix in mixes:
        flags = race.book.flags(mix, SELECTION)[:reps]
        if flags and sum(flags) / len(flags) >= race.test.p:
            cleared.append((mix.effort, -sum(flags), mix, flags))
    if not cleared:
        return None
    _, _, mix, flags = min(cleared, key=lambda row: row[:2])
    estimate = Estimate(sum(flags), len(flags), Decision.UNSETTLED)
    return {"mix": mix.describe(), "effort": mix.effort, **estimate.to_dict()}


def _max_effort(space: Space) -> float:
    """The effort of every lever at its highest intensity from the scenario start."""
    top = {lv.measure: lv.intensities()[-1] for lv in space.levers}
    scenario = space.apply_values(top, {m: space.scenario.start for m in top})
    return sum(effort(i, scenario.horizon) for i in scenario.interventions) + 1.0


@contextlib.contextmanager
def _workers(
    evaluate: Evaluate | None,
    backend: str | Runner,
    workers: int | None,
    scheduler: str | None,
) -> Iterator[Any]:
    """One set of workers for every batch of runs (none when a custom evaluator scores)."""
    if evaluate is not None:
        yield None
        return
    with Runner(
        backend, workers=workers, scheduler=scheduler, preload=("sim.experiments.ensemble",)
    ) as runner:
        yield runner


@dataclass
class ModelRuns:
    """Score replications of a mix with the model, on the experiment engine.

    Replication ``i`` of any mix is run exactly as replication ``i`` of an
    ensemble of the mix's scenario (the same seed and, under a posterior, the
    same particle: :func:`~sim.experiments.ensemble.replication_run`), so the
    first ``n`` runs of a mix are what ``run_ensemble(mix, n, seed)`` gives.
    The :data:`~sim.analysis.race.ASSUMED` stream runs without the posterior.
    """

    runner: Runner
    definitions: Any
    target: str
    seed: int
    posterior: Posterior | None

    def __call__(
        self, scenario: Scenario, mix: Mix, stream: str, replications: Sequence[int]
    ) -> list[bool]:
        from sim.experiments.ensemble import EnsembleEvaluator, replication_run

        drawn = None if stream == ASSUMED else self.posterior
        design = Design(
            self.seed, tuple(replication_run(scenario, self.seed, i, drawn) for i in replications)
        )
        found: dict[int, bool] = {}
        shared = self.runner.share(scenario)
        for chunk in self.runner.chunks(EnsembleEvaluator(self.definitions), shared, design):
            table = chunk.value["replications"]
            found.update(
                zip(
                    table.column("replication").to_pylist(),
                    (bool(v) for v in table.column(self.target).to_pylist()),
                    strict=True,
                )
            )
        return [found[i] for i in replications]


def _inputs(
    space: Space,
    target: str,
    test: SequentialTest,
    confirm: SequentialTest,
    seed: int,
    evaluate: Evaluate | None,
    posterior: Posterior | None = None,
) -> dict[str, Any]:
    """What the search's answer depends on (its storage key; the budget is not part of it).

    The posterior's hash only when the mixes draw from one.
    """
    resolved = resolved_scenario(space.scenario)
    drawn = {"posterior_sha256": posterior.sha256} if posterior is not None else {}
    return {
        "scenario": resolved,
        "commune_data_sha256": commune_fingerprint(space.scenario.commune),
        "target": target,
        "p": test.p,
        "levers": [
            {"measure": lv.measure, "max_intensity": lv.max_intensity, "step": lv.step}
            for lv in space.levers
        ],
        "start_step": space.start_step,
        "reps": test.sizes[0],
        "looks": list(test.sizes),
        "confidence": test.confidence,
        "seed": seed,
        "fresh_reps": confirm.sizes[0],
        "fresh_replications_from": FRESH,
        "evaluate": "model" if evaluate is None else getattr(evaluate, "__qualname__", "custom"),
        "version": package_version(),
        **drawn,
    }


def _manifest(
    space: Space,
    inputs: dict[str, Any],
    key: str,
    kind: str,
    trials: int,
    folder: Path | None,
    budget: int,
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
        budget=budget,
        storage=str(folder / "journal.log") if folder is not None else None,
        effort="sum of effort_per_unit x intensity x years in force (start to horizon)",
        objective=(
            "screen mixes (first look), race them from the least effort up until 'chance >= p' "
            "is settled (one-sided Clopper-Pearson bounds, Bonferroni over the looks), re-run "
            "the first mix shown to reach p on fresh seeds and report those runs"
        ),
    )
    record["status"] = "running"
    return record


# -- text ---------------------------------------------------------------------------------


#: How sure an answer is (:func:`answer_kind`); the command line and the screens word each.
SURE, PROBABLY, MAY_NOT, NONE_OPEN, NONE_SHORT = (
    "sure",
    "probably",
    "may_not",
    "none_open",
    "none_short",
)


def answer_kind(result: SearchResult) -> str:
    """Which answer this is: shown to reach ``p`` on fresh runs, probably (the fresh runs'
    estimate clears ``p`` without settling it), maybe not, or no mix chosen with some mixes
    left open or all shown to fall short."""
    best = result.best
    if best is None:
        return NONE_OPEN if left_open(result) else NONE_SHORT
    if result.sure:
        return SURE
    assert best.fresh is not None
    return PROBABLY if best.fresh.p >= result.manifest["p"] else MAY_NOT


def left_open(result: SearchResult) -> int:
    """How many screened mixes the race left unsettled."""
    return sum(c.verdict == OPEN for c in result.candidates)


def answer_sentence(result: SearchResult) -> str:
    """How sure the answer is, in one sentence (English; the screens word it in both)."""
    m = result.manifest
    target, confidence = percent(m["p"]), percent(m["confidence"])
    kind = answer_kind(result)
    if kind == NONE_SHORT:
        return (
            f"No mix tried reaches {target}: each was shown to fall short "
            f"({confidence} confidence)."
        )
    if kind == NONE_OPEN:
        left = left_open(result)
        return (
            f"No mix tried was shown to reach {target} within the budget; {left} "
            f"{'was' if left == 1 else 'were'} left open (not settled)."
        )
    fresh = result.best.fresh
    shown = f"{percent(fresh.p)} ({interval(fresh.interval)}) on {fresh.runs} fresh runs"
    if kind == SURE:
        return f"Reaches {target} with {confidence} confidence: {shown}."
    if kind == PROBABLY:
        return f"Probably reaches {target}: {shown}, not settled within the budget."
    return f"May not reach {target}: {shown}, not settled within the budget."


def search_text(result: SearchResult, limit: int = 5) -> str:
    """The chosen mix, how sure it is, and what became of the cheaper mixes."""
    m = result.manifest
    levers = ", ".join(
        f"{lv['measure']} (0–{lv['max_intensity']:g} by {lv['step']:g})" for lv in m["levers"]
    )
    starts = (
        f"start every {m['start_step']} months from {m['scenario']['start']}"
        if m["start_step"]
        else "start dates as in the file"
    )
    sizes = ", ".join(str(n) for n in m["looks"])
    lines = [
        f"What it takes in {m['scenario_name']!r} for a chance of at least {percent(m['p'])} of "
        f"{m['target_phrase']} ({m['target']})",
        f"Levers: {levers}; {starts}. {m['sampler']} sampler, {m.get('mixes_scored', 0)} "
        f"distinct mixes of {m['grid_points']} screened in {m.get('trials_complete', 0)} trials.",
        f"Runs: looks at {sizes} runs a mix, {percent(m['confidence'])} confidence, seed "
        f"{m['seed']}; {m.get('runs_spent', 0)} runs spent of a budget of {m['budget']}"
        + (
            " (the screening and the fresh runs are always made)"
            if m.get("runs_spent", 0) > m["budget"]
            else ""
        )
        + (f"; stored in {result.path}" if result.path else ""),
        "Effort = Σ effort_per_unit × intensity × years in force; other measures of the "
        f"scenario add a fixed {m['fixed_effort']:.2f}.",
        *([m["parameters"]["sentence"]] if m.get("parameters") else []),
        "",
    ]
    best = result.best
    if best is None:
        lines.append(answer_sentence(result) + " The closest:")
        closest = sorted(result.candidates, key=lambda c: (c.verdict != OPEN, -c.p, c.mix.effort))
        lines.extend(_rows(closest[:limit]))
        return "\n".join(lines) + "\n"
    lines.append(
        f"Least effort that reaches {percent(m['p'])}: effort {best.mix.effort:.2f}."
        if result.sure
        else f"Least effort found that may reach {percent(m['p'])} (not settled): "
        f"effort {best.mix.effort:.2f}."
    )
    lines.append(answer_sentence(result))
    chosen = best.chosen_on
    lines.append(
        f"  (while choosing: {percent(chosen.p)} ({interval(chosen.interval)}) on "
        f"{chosen.runs} runs; the fresh runs are the figure to quote)"
    )
    if best.assumed is not None:
        a = best.assumed
        lines.append(
            f"  At the assumed values (no parameter uncertainty): {percent(a.p)} "
            f"({interval(a.interval)}) on {a.runs} fresh runs"
            + (", settled" if a.decision is not Decision.UNSETTLED else ", not settled")
            + f" ({a.decision.value})."
        )
    for measure, x in best.mix.intensities.items():
        when = f"from {best.mix.starts[measure]:%Y-%m}" if x > 0 else "(not used)"
        lines.append(
            f"  {measure:<30} intensity {x:.2f} {when}  effort {best.mix.lever_effort[measure]:.2f}"
        )
    cheaper = result.closest_cheaper[:limit]
    lines.append("")
    if cheaper:
        lines.append("Cheaper mixes (nearest in effort first):")
        lines.extend(_rows(cheaper))
    else:
        lines.append("No cheaper mix was tried.")
    others = result.next_feasible[:limit]
    if others:
        lines.append("")
        lines.append("Dearer mixes also shown to reach it:")
        lines.extend(_rows(others))
    return "\n".join(lines) + "\n"


def _rows(candidates: list[Candidate]) -> list[str]:
    heading = f"{'effort':>7}  {'chance':>6}  {'95 % interval':<13}  {'runs':>5}  {'verdict':<24}"
    lines = [f"  {heading}  mix"]
    for c in candidates:
        e = c.fresh or c.chosen_on
        lines.append(
            f"  {c.mix.effort:>7.2f}  {percent(e.p):>6}  {interval(e.interval):<13}  "
            f"{e.runs:>5}  {c.verdict:<24}  {c.mix.describe()}"
        )
    return lines
