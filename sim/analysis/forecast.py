"""The forecast: the commune's baseline and adopted-measures scenarios, answered in words.

Why: this is the mission's question ("are 7-8 admissions a year and no white
village reachable by 2020, with and without what the commune decided?") as
one command. The scenarios of a commune are its ``scenarios/baseline.toml``
and its ``scenarios/resolution-*.toml`` files (the measures the commune
adopted); other scenario files in the folder are explorations and are not
part of the forecast unless named with ``--scenarios``.

Results go to ``<out>/<scenario>/s<seed>-n<reps>-<key>/`` (see
:mod:`sim.experiments.store`), and the answer to ``<out>/forecast.txt`` and
``<out>/forecast.json`` (which also points at each run folder).

The parameters are drawn from the commune's calibration when it has one
(``<commune>/calibration/``, :mod:`sim.experiments.posterior`), else the assumed values
of ``parameters.csv``; the answer says which, scenario by scenario, and
``forecast.json`` keeps each scenario's ``parameters`` record.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sim.analysis.headline import sentences
from sim.experiments.ensemble import PRELOAD, EnsembleResult, run_ensemble
from sim.experiments.experiment import Runner
from sim.experiments.posterior import COMMUNE, Posterior, parameters_of, resolve_posterior
from sim.experiments.store import write_json_atomic
from sim.inputs.errors import InputError, Problem
from sim.inputs.provenance import package_version
from sim.inputs.scenario import Scenario, load_scenario

#: The commune folder used when none is given (relative to the working folder).
DEFAULT_COMMUNE = Path("data") / "nahy"
DEFAULT_OUT = Path("results") / "forecast"


def forecast_scenarios(commune: str | Path | None = None) -> list[Path]:
    """The forecast's scenario files of a commune: baseline first, then the resolutions."""
    folder = Path(commune) if commune is not None else _default_commune()
    scenarios = folder / "scenarios"
    if not scenarios.is_dir():
        raise InputError(
            [
                Problem(
                    str(scenarios), "(folder)", "does not exist (expected the commune's scenarios)"
                )
            ]
        )
    baseline = scenarios / "baseline.toml"
    files = ([baseline] if baseline.is_file() else []) + sorted(scenarios.glob("resolution-*.toml"))
    if not files:
        raise InputError(
            [
                Problem(
                    str(scenarios),
                    "(folder)",
                    "holds neither baseline.toml nor resolution-*.toml "
                    "(name them with --scenarios)",
                )
            ]
        )
    return files


def _default_commune() -> Path:
    """``data/nahy`` under the working folder, else beside the package (a source checkout)."""
    if DEFAULT_COMMUNE.is_dir():
        return DEFAULT_COMMUNE
    return Path(__file__).resolve().parents[2] / DEFAULT_COMMUNE


@dataclass
class ScenarioForecast:
    """One scenario's ensemble and its answer in words."""

    scenario: Scenario
    result: EnsembleResult
    sentences: list[str]


def run_forecast(
    files: list[Path],
    reps: int,
    seed: int | None = None,
    *,
    out: str | Path = DEFAULT_OUT,
    backend: str = "local",
    workers: int | None = None,
    scheduler: str | None = None,
    quiet: bool = False,
    fresh: bool = False,
    posterior: Any = COMMUNE,
) -> list[ScenarioForecast]:
    """Run every scenario's ensemble (stored under ``out``) and write the answer beside them.

    Every file is loaded and checked before anything runs (the posteriors
    too), so a typo in the second scenario does not surface after the first
    one's minutes of work. ``seed`` defaults to each scenario's own seed; one
    seed for all gives the scenarios common random numbers, which sharpens
    their comparison. ``posterior`` is as for
    :func:`~sim.experiments.ensemble.run_ensemble`: by default the commune's calibration
    if it has one; ``None`` the assumed values.
    """
    problems: list[Problem] = []
    scenarios = []
    for file in files:
        try:
            scenarios.append(load_scenario(file))
        except InputError as error:
            problems.extend(error.problems)
    if problems:
        raise InputError(problems)
    drawn: dict[str, Posterior | None] = {}  # by commune folder: each table read once
    for scenario in scenarios:
        where = str(scenario.commune.path)
        if where not in drawn:
            try:
                drawn[where] = resolve_posterior(posterior, scenario.commune)
            except InputError as error:
                problems.extend(error.problems)
                drawn[where] = None
    if problems:
        raise InputError(problems)
    forecasts = []
    # one set of workers for every scenario (a pool or a cluster is started once)
    with Runner(backend, workers=workers, scheduler=scheduler, preload=PRELOAD) as runner:
        for scenario in scenarios:
            result = run_ensemble(
                scenario,
                reps,
                seed,
                backend=runner,
                out=out,
                quiet=quiet,
                fresh=fresh,
                posterior=drawn[str(scenario.commune.path)],
            )
            forecasts.append(
                ScenarioForecast(scenario, result, sentences(result.summary, result.manifest))
            )
    write_forecast(Path(out), forecasts)
    return forecasts


def forecast_text(forecasts: list[ScenarioForecast]) -> str:
    """The printed answer: a heading per scenario, then its sentences."""
    blocks = []
    for forecast in forecasts:
        scenario, result = forecast.scenario, forecast.result
        heading = (
            f"{scenario.commune.name}, scenario {scenario.name!r} "
            f"({result.reps} runs, seed {result.manifest['seed']}, {scenario.start} to "
            f"{scenario.horizon}):"
        )
        body = "\n".join(f"  {line}" for line in forecast.sentences)
        where = f"  Results: {result.path}" if result.path is not None else ""
        blocks.append("\n".join(filter(None, [heading, body, where])))
    return "\n\n".join(blocks) + "\n"


def write_forecast(out: Path, forecasts: list[ScenarioForecast]) -> None:
    """``forecast.txt`` (the printed answer) and ``forecast.json`` (figures and run folders)."""
    out.mkdir(parents=True, exist_ok=True)
    index: dict[str, Any] = {
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "version": package_version(),
        "scenarios": [
            {
                "name": f.scenario.name,
                "file": str(f.scenario.path) if f.scenario.path else None,
                "run_folder": str(f.result.path) if f.result.path else None,
                "reps": f.result.reps,
                "seed": f.result.manifest["seed"],
                "sentences": f.sentences,
                "parameters": parameters_of(f.result.manifest),
                "summary": f.result.summary,
            }
            for f in forecasts
        ],
    }
    write_json_atomic(out / "forecast.json", index)
    text = forecast_text(forecasts)
    tmp = out / ".forecast.txt.tmp"
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(out / "forecast.txt")
