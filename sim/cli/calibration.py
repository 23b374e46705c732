"""The ``calibrate``, ``sensitivity`` and ``identify`` commands (registered in :mod:`sim.cli.main`).

Kept in their own module so the command line's core stays short; they use
the same registry, the same one-line problems (exit 2) and the same backends
as ``run`` and ``forecast``.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

from sim.cli.common import backend_args, backend_options, command, interruptible
from sim.experiments.store import slug
from sim.inputs.errors import InputError, Problem
from sim.inputs.scenario import load_scenario


def default_folder(kind: str, name: str) -> Path:
    """``results/<kind>/<name, made folder-safe>``: a scenario's name never leads elsewhere.

    The name comes from a scenario file; ``../../x`` or ``/an/absolute/path``
    must not make a command write (or, with ``--fresh``, delete) outside
    ``results/``, as ``run`` already ensures for its folders.
    """
    return Path("results") / kind / slug(name)


def _run_options(parser: argparse.ArgumentParser) -> None:
    backend_options(parser)
    parser.add_argument("--quiet", action="store_true", help="no progress messages")


# -- calibrate ----------------------------------------------------------------------------


def _configure_calibrate(parser: argparse.ArgumentParser) -> None:
    from sim.analysis.calibration import Settings

    d = Settings()
    parser.add_argument("scenario", metavar="SCENARIO", help="a scenario .toml with [priors]")
    parser.add_argument(
        "--out",
        metavar="DIR",
        default=None,
        help="results folder (default results/calibration/<scenario name>); "
        "running again resumes there",
    )
    parser.add_argument("--particles", type=int, default=d.particles, help="particles kept")
    parser.add_argument(
        "--generations", type=int, default=d.generations, help="most generations, prior included"
    )
    parser.add_argument(
        "--max-runs", type=int, default=d.max_runs, help="budget of model runs for the generations"
    )
    parser.add_argument(
        "--alpha", type=float, default=d.alpha, help="tolerance quantile per generation"
    )
    parser.add_argument(
        "--tolerance", type=float, default=d.tolerance, help="stop once the tolerance reaches this"
    )
    parser.add_argument(
        "--min-acceptance",
        type=float,
        default=d.min_acceptance,
        help="stop when fewer runs than this share are kept",
    )
    parser.add_argument(
        "--pilot-runs", type=int, default=d.pilot_runs, help="runs that set the distance's scales"
    )
    parser.add_argument(
        "--projection-runs",
        type=int,
        default=d.projection_runs,
        help="runs at prior draws that fit the summaries the distance compares "
        f"(default {d.projection_runs}; 0: the raw observed figures)",
    )
    parser.add_argument(
        "--predictive-runs",
        type=int,
        default=None,
        help="posterior-predictive runs (default: as many as particles)",
    )
    parser.add_argument(
        "--metrics",
        default=None,
        help="comma-separated observed metrics to use (default: all the model can produce)",
    )
    parser.add_argument("--seed", type=int, default=None, help="default: the scenario's seed")
    parser.add_argument("--fresh", action="store_true", help="start again, forgetting the folder")
    parser.add_argument("--no-plots", action="store_true", help="do not draw the figures")
    _run_options(parser)


@command(
    "calibrate",
    help="fit the scenario's [priors] to the commune's observed figures (ABC-SMC)",
    configure=_configure_calibrate,
)
def calibrate_command(args: argparse.Namespace) -> int:
    """Calibrate, store under ``--out``, draw the figures, print the posterior against the prior."""
    from sim.analysis.calibration import Settings, calibrate

    options = backend_args(args)
    scenario = load_scenario(args.scenario)
    seed = args.seed if args.seed is not None else (scenario.seed or 0)
    metrics = (
        tuple(m.strip() for m in args.metrics.split(",") if m.strip()) if args.metrics else None
    )
    settings = Settings(
        particles=args.particles,
        generations=args.generations,
        alpha=args.alpha,
        tolerance=args.tolerance,
        min_acceptance=args.min_acceptance,
        max_runs=args.max_runs,
        pilot_runs=args.pilot_runs,
        predictive_runs=args.predictive_runs,
        projection_runs=args.projection_runs,
        seed=seed,
        metrics=metrics,
    )
    settings.check()
    out = Path(args.out) if args.out else default_folder("calibration", scenario.name)

    def go() -> int:
        result = calibrate(scenario, out, settings, fresh=args.fresh, quiet=args.quiet, **options)
        if not args.no_plots:
            from sim.presentation.analysis_plots import plot_calibration

            plot_calibration(result.path)
        print(calibration_text(result))
        return 0

    return interruptible(go)


def calibration_text(result) -> str:  # noqa: ANN001 - a CalibrationResult
    """The posterior against the prior, and the diagnostics, as a plain-text table."""
    summary, manifest = result.summary, result.manifest
    lines = [
        f"Calibration in {result.path}: {summary['generations']} generations "
        f"({summary['stop_reason']}); tolerance {summary['tolerance']:.3g}, "
        f"ESS {summary['ess']:.0f} of {len(result.posterior)} particles, "
        f"last acceptance rate {summary['acceptance_rate']:.3f}; "
        f"{manifest['timings']['wall_s']:.0f} s",
        "",
        f"{'parameter':34} {'prior 90 %':>19} {'posterior median':>17} {'posterior 90 %':>19}"
        f" {'width':>6}",
    ]
    for name, p in summary["parameters"].items():
        lines.append(
            f"{name:34} {_range(p['prior_p05'], p['prior_p95']):>19} {p['median']:>17.4g} "
            f"{_range(p['p05'], p['p95']):>19} {p['interval_vs_prior']:>6.0%}"
        )
    lines += [
        "",
        "(width: the posterior's 90 % interval as a share of the prior's, on the prior's scale:",
        "logarithmic for log-uniform priors)",
    ]
    return "\n".join(lines)


def _range(low: float, high: float) -> str:
    return f"{low:.4g}-{high:.4g}"


# -- sensitivity ------------------------------------------------------------------------------


def _configure_sensitivity(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("scenario", metavar="SCENARIO", help="a scenario .toml with [priors]")
    parser.add_argument("--method", choices=("sobol", "morris"), default="sobol")
    parser.add_argument(
        "--n",
        type=int,
        default=None,
        help="Sobol base samples, a power of two (default 64: n(d+2) runs) or Morris "
        "trajectories (default 20: n(d+1) runs)",
    )
    parser.add_argument("--reps", type=int, default=1, help="runs per design point (averaged)")
    parser.add_argument("--seed", type=int, default=None, help="default: the scenario's seed")
    parser.add_argument(
        "--horizon", metavar="YYYY-MM-DD", default=None, help="end the runs at this date instead"
    )
    parser.add_argument(
        "--out",
        metavar="DIR",
        default=None,
        help="results folder (default results/sensitivity/<scenario>-<method>)",
    )
    parser.add_argument("--no-plots", action="store_true", help="do not draw the figure")
    parser.add_argument(
        "--fresh",
        action="store_true",
        help="recompute, forgetting what --out holds (by default the same analysis is reused "
        "and an interrupted one resumes)",
    )
    _run_options(parser)


@command(
    "sensitivity",
    help="Sobol indices or Morris screening of the scenario's [priors] parameters",
    configure=_configure_sensitivity,
)
def sensitivity_command(args: argparse.Namespace) -> int:
    """Run the design, store the indices under ``--out``, draw the figure, print the table."""
    from sim.analysis.sensitivity import run_sensitivity

    options = backend_args(args)
    problems = []
    if args.reps < 1:
        problems.append(Problem("command line", "--reps", f"{args.reps} (allowed: >= 1)"))
    if args.seed is not None and args.seed < 0:
        problems.append(Problem("command line", "--seed", f"{args.seed} (allowed: >= 0)"))
    if problems:
        raise InputError(problems)
    scenario = load_scenario(args.scenario)
    if args.horizon is not None:
        scenario = scenario.with_horizon(args.horizon, "--horizon")
    out = (
        Path(args.out)
        if args.out
        else default_folder("sensitivity", f"{scenario.name}-{args.method}")
    )

    def go() -> int:
        result = run_sensitivity(
            scenario,
            args.method,
            args.n,
            reps=args.reps,
            seed=args.seed,
            out=out,
            quiet=args.quiet,
            fresh=args.fresh,
            **options,
        )
        if not args.no_plots:
            from sim.presentation.analysis_plots import plot_sensitivity

            plot_sensitivity(out)
        print(sensitivity_text(result))
        return 0

    return interruptible(go)


def sensitivity_text(result) -> str:  # noqa: ANN001 - a SensitivityResult
    """The indices as a plain-text table, one block per output."""
    m = result.manifest
    lines = [
        f"{m['method'].capitalize()} sensitivity: {m['points']} points x {m['reps']} runs "
        f"({m['wall_s']:.0f} s)" + (f", in {result.path}" if result.path else ""),
    ]
    table = result.indices
    columns = (
        ("S1", "S1_conf", "ST", "ST_conf")
        if m["method"] == "sobol"
        else ("mu_star", "mu_star_conf", "sigma", "mu")
    )
    for output, group in table.groupby("output", sort=False):
        lines += ["", f"{output}:"]
        lines.append(f"  {'parameter':34}" + "".join(f"{c:>14}" for c in columns))
        for row in group.itertuples(index=False):
            cells = "".join(
                f"{'-' if math.isnan(getattr(row, c)) else format(getattr(row, c), '.3f'):>14}"
                for c in columns
            )
            lines.append(f"  {row.parameter:34}{cells}")
    return "\n".join(lines)


# -- identify ---------------------------------------------------------------------------------


def _configure_identify(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("scenario", metavar="SCENARIO", help="a scenario .toml with [priors]")
    parser.add_argument(
        "--draws", type=int, default=300, help="parameter sets drawn from the priors, one run each"
    )
    parser.add_argument("--seed", type=int, default=None, help="default: the scenario's seed")
    parser.add_argument(
        "--out",
        metavar="DIR",
        default=None,
        help="results folder (default results/identifiability/<scenario name>); "
        "the same inputs reuse it",
    )
    parser.add_argument("--fresh", action="store_true", help="recompute even if results exist")
    _run_options(parser)


@command(
    "identify",
    help="which observed figure informs which [priors] parameter (before calibrating)",
    configure=_configure_identify,
)
def identify_command(args: argparse.Namespace) -> int:
    """Run the prior draws, store them and the heat maps under ``--out``, print the table."""
    from sim.analysis.identifiability import identify
    from sim.presentation.analysis_plots import plot_identifiability

    options = backend_args(args)
    scenario = load_scenario(args.scenario)
    seed = args.seed if args.seed is not None else (scenario.seed or 0)
    out = Path(args.out) if args.out else default_folder("identifiability", scenario.name)

    def go() -> int:
        result = identify(
            scenario,
            out,
            draws=args.draws,
            seed=seed,
            fresh=args.fresh,
            quiet=args.quiet,
            **options,
        )
        plot_identifiability(result)
        print(identifiability_text(result))
        return 0

    return interruptible(go)


def identifiability_text(result) -> str:  # noqa: ANN001 - an IdentifiabilityResult
    """Per parameter: its most informative figure and |r|, or that no figure informs it."""
    m = result.manifest
    summary = result.summary
    n_fig = len(result.figures)
    w = max([len("most informative figure"), *(len(f) for f in result.figures)])
    p = max([len("parameter"), *(len(name) for name in result.parameters)])
    lines = [
        f"Identifiability of {m['scenario']['name']}: {len(result.parameters)} parameters, "
        f"{n_fig} observed figures, {m['draws']} draws from the priors (one run each), "
        f"seed {m['seed']}" + (" (stored results reused)" if result.reused else ""),
        f"in {result.path}",
        f"|r| above {result.bound:.3f} = z_0.995 / sqrt({m['draws']} - 1) is informative: "
        "a figure that does not depend on a parameter exceeds it 1 time in 100",
        "",
        f"{'parameter':{p}} {'most informative figure':{w}} {'|r|':>5} {'MI':>6} {'above':>7}",
    ]
    for row in summary.itertuples(index=False):
        above = f"{row.informative_figures}/{row.figures}"
        if row.informed:
            lines.append(
                f"{row.parameter:{p}} {row.figure:{w}} {row.abs_spearman:>5.2f} "
                f"{row.mutual_information:>6.3f} {above:>7}"
            )
        else:
            closest = (
                f" (largest |r| {row.abs_spearman:.2f}: {row.figure})"
                if isinstance(row.figure, str)
                else ""
            )
            lines.append(f"{row.parameter:{p}} not informed by any observed figure{closest}")
    lines += [
        "",
        "(|r|: Spearman rank correlation with the figure; MI: mutual information in nats, "
        "binned on ranks, bias-corrected;",
        " above: figures beyond the bound; table: identifiability.csv, heat maps: "
        "identifiability.vi.png, identifiability.en.png)",
    ]
    return "\n".join(lines)
