"""The model's validation report: known answers, the record, and what the record can teach.

Why one command (``python -m sim validate-model``): a researcher or a
reviewer asks three questions before trusting a forecast, and each needs
runs, tables and figures that must come from one version of the model:

1. **Does the machinery compute what it claims?** The known-answer cases
   (pure exponential decay of leaving, the two- and four-state Markov chains
   of poverty and participation, a deterministic pipeline with exact
   admission dates, exact probation, cell formation, population accounting)
   are the tests marked ``known_answer``; the report runs them (in a source
   checkout, where ``tests/`` is) and lists each with its outcome.
2. **Does the calibrated model reproduce the record?** Posterior predictive
   checks (:mod:`sim.analysis.predictive_check`) of every observed figure and of each
   joint record, beside the same check at the assumed values of
   ``parameters.csv`` and at draws from the prior, all three on the same run
   seeds (common random numbers), so the difference between them is the
   parameters' doing.
3. **Which parameter did the record inform?** The identifiability table
   (:mod:`sim.analysis.identifiability`) and the prior and posterior 90 % intervals
   of every calibrated parameter with their width ratio.

Everything goes to one folder (default ``results/validation``) with a
``manifest.json`` (inputs, hashes, seed, version, commit) and a ``report.md``
that says how to read it.
"""

from __future__ import annotations

import math
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis.calibration import ScenarioSimulator, SimulatorEvaluator, load_calibration
from sim.analysis.observed import Observation, observations
from sim.analysis.predictive_check import SOURCES, PredictiveCheck, predictive_check
from sim.experiments.experiment import Design, Run, Runner
from sim.experiments.posterior import load_posterior
from sim.experiments.progress import stderr_log
from sim.experiments.store import write_csv_atomic, write_json_atomic, write_text_atomic
from sim.inputs.errors import InputError, Problem
from sim.inputs.provenance import commune_fingerprint, git_commit, package_version
from sim.inputs.scenario import Scenario
from sim.presentation.i18n import date_text, t

DEFAULT_OUT = Path("results") / "validation"
#: Seed-sequence key of the report's runs: run j of every source uses (TAG, j).
_RUN_TAG = 0x56414C  # "VAL"
#: Key of the prior draws (their own generator, apart from the runs').
_PRIOR_TAG = 0x505249  # "PRI"
#: Runs per task sent to a worker.
_TASK = 10


@dataclass(frozen=True)
class ValidationReport:
    """What ``validate-model`` found; the same is written to ``path``."""

    path: Path
    check: PredictiveCheck
    parameters: pd.DataFrame
    analytic: pd.DataFrame
    identifiability: pd.DataFrame | None
    data: pd.DataFrame


def validate_model(
    scenario: Scenario,
    calibration: str | Path | None = None,
    out: str | Path = DEFAULT_OUT,
    *,
    reps: int = 100,
    draws: int = 200,
    seed: int = 0,
    analytic: bool = True,
    identifiability: bool = True,
    backend: str = "local",
    workers: int | None = None,
    scheduler: str | None = None,
    quiet: bool = False,
) -> ValidationReport:
    """Write the validation report of ``scenario`` (the commune's calibration scenario).

    ``calibration`` is the calibration folder (default: the commune's
    ``calibration/``); ``reps`` runs per source for the predictive checks;
    ``draws`` prior draws for the identifiability table.
    """
    if reps < 2:
        raise InputError([Problem("command line", "--reps", f"{reps} (allowed: >= 2)")])
    folder = Path(calibration) if calibration is not None else _commune_calibration(scenario)
    result = load_calibration(folder)
    posterior = load_posterior(folder)
    used, skipped = observations(scenario)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    log = stderr_log(quiet)
    started = datetime.now(UTC)
    clock = time.perf_counter()

    log(f"predictive checks: {reps} runs at each of {', '.join(SOURCES)}")
    runs = predictive_runs(scenario, used, posterior, reps, seed, backend, workers, scheduler)
    check = predictive_check(used, runs)
    write_csv_atomic(out / "predictive.csv", check.figures)
    write_csv_atomic(out / "joint.csv", check.joint)

    fixed = data_checks(scenario)
    write_csv_atomic(out / "data_checks.csv", fixed)
    parameters = parameter_table(result.summary)
    write_csv_atomic(out / "parameters.csv", parameters)

    from sim.presentation.validation_plots import save_predictive_figure

    figures = []
    for lang in ("vi", "en"):
        line = t(
            "check.source_line",
            lang,
            version=package_version(),
            reps=reps,
            seed=seed,
            calibration=f"{_shown(folder)} ({posterior.sha256[:12]})",
            date=date_text(started.date(), lang),
        )
        path = out / f"predictive.{lang}.png"
        figures.append(save_predictive_figure(check, used, path, lang, line))

    table = None
    if identifiability:
        from sim.analysis.identifiability import identify
        from sim.presentation.analysis_plots import plot_identifiability

        log(f"identifiability: {draws} prior draws")
        found = identify(
            scenario,
            out / "identifiability",
            draws=draws,
            seed=seed,
            backend=backend,
            workers=workers,
            quiet=True,
        )
        plot_identifiability(found)
        table = found.table

    checks = run_known_answers(quiet) if analytic else _not_run("not asked for (--no-analytic)")
    write_csv_atomic(out / "analytic.csv", checks)

    manifest = {
        "command": "validate-model",
        "scenario": scenario.to_dict(),
        "scenario_file": str(scenario.path) if scenario.path is not None else None,
        "commune_data_sha256": commune_fingerprint(scenario.commune),
        "calibration": str(folder),
        "calibration_key": result.manifest.get("key"),
        "posterior_sha256": posterior.sha256,
        "observations": [o.to_dict() for o in used],
        "skipped": [{"metric": s.metric, "reason": s.reason} for s in skipped],
        "reps": reps,
        "draws": draws,
        "seed": seed,
        "seeding": f"run j of every source: SeedSequence(seed, spawn_key=({_RUN_TAG:#x}, j)); "
        f"prior draw j: SeedSequence(seed, spawn_key=({_PRIOR_TAG:#x}, j)); posterior draw j: "
        "the forecast's own drawing (sim.experiments.posterior)",
        "version": package_version(),
        "git": git_commit(),
        "python": sys.version.split()[0],
        "created": started.isoformat(timespec="seconds"),
        "wall_s": round(time.perf_counter() - clock, 2),
        "figures": [str(p.name) for p in figures],
    }
    write_json_atomic(out / "manifest.json", manifest)
    text = report_text(check, parameters, checks, table, manifest, fixed)
    write_text_atomic(out / "report.md", text)
    log(f"validation report: {out / 'report.md'}")
    return ValidationReport(out, check, parameters, checks, table, fixed)


def _commune_calibration(scenario: Scenario) -> Path:
    folder = Path(scenario.commune.path) / "calibration"
    if not (folder / "posterior.parquet").is_file():
        raise InputError(
            [
                Problem(
                    str(folder),
                    "(folder)",
                    "holds no calibration (posterior.parquet); run make calibrate or name one "
                    "with --calibration",
                )
            ]
        )
    return folder


def predictive_runs(
    scenario: Scenario,
    used: list[Observation],
    posterior: Any,
    reps: int,
    seed: int,
    backend: str = "local",
    workers: int | None = None,
    scheduler: str | None = None,
) -> dict[str, np.ndarray]:
    """``reps`` runs at the assumed values, at prior draws and at posterior draws.

    Run ``j`` of every source has the same seed, so the three differ only in
    their parameters. Posterior draw ``j`` is the particle a forecast's
    replication ``j`` would use with this seed.
    """
    priors = list(scenario.priors.values())
    items: list[tuple[int, dict[str, float], tuple[int, int]]] = []
    for j in range(reps):
        run_key = (_RUN_TAG, j)
        rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(_PRIOR_TAG, j)))
        prior_draw = {p.name: float(p.ppf(rng.random())) for p in priors}
        held = set(scenario.overrides)  # the scenario's own values win, as in forecasts
        drawn = {k: v for k, v in posterior.draw(seed, j)[1].items() if k not in held}
        items += [(3 * j, {}, run_key), (3 * j + 1, prior_draw, run_key)]
        items.append((3 * j + 2, drawn, run_key))
    simulator = ScenarioSimulator.of(scenario, used)
    design = Design(seed, tuple(Run(index=j, key=key, parameters=p) for j, p, key in items))
    with Runner(backend, workers=workers, scheduler=scheduler, preload=(__name__,)) as runner:
        results = runner.outputs(
            SimulatorEvaluator(), runner.share(simulator), design, max_chunk=_TASK
        )
    return {
        source: np.array([results[3 * j + s] for j in range(reps)])
        for s, source in enumerate(SOURCES)
    }


def data_checks(scenario: Scenario) -> pd.DataFrame:
    """The observed figures the data fix (not calibrated): does the data say the same?

    Villages, school and agency cells are counted in ``villages.csv`` and
    ``cells.csv``; a year's admission plan is the sum of the cells' own
    ``plan_per_year``. They are left out of the calibration's distance
    (no parameter moves them), and checked here instead.
    """
    commune = scenario.commune
    kinds = [c.kind for c in commune.cells]
    from_data = {
        "villages": len(commune.villages),
        "school_cells": kinds.count("school"),
        "agency_cells": kinds.count("agency"),
        "admissions_year_plan": sum(c.plan_per_year for c in commune.cells),
    }
    rows = []
    for row in commune.observed.itertuples(index=False):
        if row.metric in from_data:
            value = from_data[row.metric]
            rows.append(
                {
                    "metric": row.metric,
                    "date": str(pd.Timestamp(row.date_to).date()),
                    "observed": float(row.value),
                    "data": float(value),
                    "agrees": float(row.value) == float(value),
                }
            )
    return pd.DataFrame(rows, columns=["metric", "date", "observed", "data", "agrees"])


def parameter_table(summary: dict[str, Any]) -> pd.DataFrame:
    """Per calibrated parameter: prior and posterior 90 % intervals and the width ratio."""
    rows = []
    for name, s in summary["parameters"].items():
        rows.append(
            {
                "parameter": name,
                "prior_q05": s["prior_p05"],
                "prior_q95": s["prior_p95"],
                "posterior_median": s["median"],
                "posterior_q05": s["p05"],
                "posterior_q95": s["p95"],
                "width_ratio": s["interval_vs_prior"],
            }
        )
    return pd.DataFrame(rows)


def run_known_answers(
    quiet: bool = True, files: tuple[str, ...] = ("tests",), select: str | None = None
) -> pd.DataFrame:
    """Run the tests marked ``known_answer`` (in a source checkout) and list their outcomes.

    ``files`` (relative to the checkout) and ``select`` (a pytest ``-k``
    expression) narrow the run, which the report's own test uses to stay fast.
    """
    root = Path(__file__).resolve().parents[2]
    if not (root / "tests").is_dir():
        return _not_run("no tests folder beside the package (not a source checkout)")
    with tempfile.TemporaryDirectory() as tmp:
        junit = Path(tmp) / "junit.xml"
        command = [sys.executable, "-m", "pytest", "-q", "-m", "known_answer", "-p"]
        command += ["no:cacheprovider", f"--junitxml={junit}", *(str(root / f) for f in files)]
        command += ["-k", select] if select else []
        subprocess.run(command, cwd=root, capture_output=quiet, check=False)
        if not junit.exists():
            return _not_run("pytest did not run (is it installed?)")
        cases = ElementTree.parse(junit).getroot().iter("testcase")
        rows = []
        for case in cases:
            failed = case.find("failure") is not None or case.find("error") is not None
            skipped = case.find("skipped") is not None
            name = case.get("name", "")
            rows.append(
                {
                    "check": name.removeprefix("test_").split("[")[0].replace("_", " "),
                    "test": f"{case.get('classname', '')}::{name}",
                    "outcome": "failed" if failed else "skipped" if skipped else "passed",
                    "seconds": float(case.get("time", "nan")),
                }
            )
    return pd.DataFrame(rows)


def _not_run(reason: str) -> pd.DataFrame:
    return pd.DataFrame(
        [{"check": "known-answer tests", "test": "", "outcome": f"not run: {reason}"}]
    )


def report_text(
    check: PredictiveCheck,
    parameters: pd.DataFrame,
    analytic: pd.DataFrame,
    identifiability: pd.DataFrame | None,
    manifest: dict[str, Any],
    data: pd.DataFrame | None = None,
) -> str:
    """The report in words and tables (Markdown), with how to read each part."""
    lines = [
        "# Validation report",
        "",
        f"Scenario `{manifest['scenario']['name']}`, calibration `{manifest['calibration']}` "
        f"(posterior sha256 {manifest['posterior_sha256'][:12]}), version {manifest['version']}, "
        f"commit {(manifest['git'] or {}).get('commit', '?')[:12]}, seed {manifest['seed']}, "
        f"{manifest['reps']} runs per source.",
        "",
        "## 1. Known answers",
        "",
        "Cases whose answer follows from theory; each is a test marked `known_answer`.",
        "",
        _markdown(analytic[["check", "outcome"]]),
        "",
    ]
    if data is not None and len(data):
        lines += [
            "Figures the data fix (no parameter moves them, so the calibration leaves them out): "
            "the observed value against the count in villages.csv and cells.csv.",
            "",
            _markdown(data),
            "",
        ]
    lines += [
        "## 2. Posterior predictive checks",
        "",
        "For each observed figure: the central 90 % of runs at the assumed values of "
        "parameters.csv, at draws from the prior and at draws from the posterior (the same run "
        "seeds), and the share of runs at or below / at or above the observed value. A figure "
        "read indirectly has its reading's uncertainty added to the runs. `inside` says whether "
        "the observed value lies within the central 90 %.",
        "",
    ]
    table = check.figures.pivot_table(
        index=["figure", "observed"],
        columns="source",
        values=["q05", "q95", "inside_90"],
        aggfunc="first",
        sort=False,
    )
    rows = []
    for (figure, observed), row in table.iterrows():
        entry = {"figure": figure, "observed": f"{observed:g}"}
        for source in SOURCES:
            if ("q05", source) in row.index:
                entry[source] = (
                    f"{_figure(row[('q05', source)])}–{_figure(row[('q95', source)])}"
                    f"{'' if row[('inside_90', source)] else ' (outside)'}"
                )
        rows.append(entry)
    lines += [_markdown(pd.DataFrame(rows)), ""]
    if len(check.joint):
        lines += [
            "Joint records (all figures of the record at once, exactly), with a 95 % interval:",
            "",
        ]
        joint = check.joint.assign(
            chance=lambda f: [
                f"{p:.1%} ({lo:.1%}–{hi:.1%}; {h} of {n})"
                for p, lo, hi, h, n in zip(
                    f["probability"], f["low_95"], f["high_95"], f["hits"], f["runs"], strict=True
                )
            ]
        )
        lines += [_markdown(joint[["record", "figures", "source", "chance"]]), ""]
    lines += [
        "## 3. What the record taught",
        "",
        "Prior and posterior 90 % intervals of each calibrated parameter; `width` is the "
        "posterior's interval as a share of the prior's (on the prior's scale): 1 means the "
        "record taught nothing about it, 0.5 that it halved the range.",
        "",
        _markdown(parameters.round(4)),
        "",
    ]
    if identifiability is not None:
        lines += [
            "Identifiability (over prior draws): for each parameter, the observed figure whose "
            "Spearman correlation with it is strongest; `informed` is false when no figure's "
            "correlation exceeds what independence gives at 99 %. Heat map: "
            "`identifiability/`.",
            "",
            _markdown(_strongest_figures(identifiability)),
            "",
        ]
    return "\n".join(lines) + "\n"


def _strongest_figures(table: pd.DataFrame) -> pd.DataFrame:
    from sim.analysis.identifiability import parameter_summary

    summary = parameter_summary(table)
    return summary[["parameter", "figure", "spearman", "informed"]].round({"spearman": 2})


def _markdown(frame: pd.DataFrame) -> str:
    """A small Markdown table (pandas' own to_markdown needs the tabulate package)."""
    header = "| " + " | ".join(map(str, frame.columns)) + " |"
    rule = "|" + "|".join("---" for _ in frame.columns) + "|"
    body = [
        "| " + " | ".join(_cell(v) for v in row) + " |" for row in frame.itertuples(index=False)
    ]
    return "\n".join([header, rule, *body])


def _figure(value: float) -> str:
    """A figure as people write it: 5,253 rather than 5.25e+03, 0.721 for a share."""
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"


def _shown(folder: Path) -> str:
    """The calibration folder as the user would name it (relative to the working folder)."""
    try:
        return str(folder.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(folder)


def _cell(value: Any) -> str:
    if isinstance(value, float) and math.isfinite(value):
        return f"{value:.4g}"
    return str(value)
