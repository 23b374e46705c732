"""The ``validate-model`` command (registered in :mod:`sim.cli`): the validation report.

See :mod:`sim.validation` for what the report holds and why.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from sim.cli import _backend_args, _backend_options, _interruptible, command
from sim.errors import Problem
from sim.scenario import load_scenario
from sim.validation import DEFAULT_OUT


def _default_scenario() -> Path:
    from sim.forecast import _default_commune

    return _default_commune() / "scenarios" / "calibrate-2017.toml"


def _configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "scenario",
        metavar="SCENARIO",
        nargs="?",
        default=None,
        help="the calibration scenario (default data/nahy/scenarios/calibrate-2017.toml)",
    )
    parser.add_argument(
        "--calibration",
        metavar="DIR",
        default=None,
        help="calibration folder (default: the commune's calibration/)",
    )
    parser.add_argument("--out", default=str(DEFAULT_OUT), help=f"report folder ({DEFAULT_OUT})")
    parser.add_argument("--reps", type=int, default=100, help="runs per source (default 100)")
    parser.add_argument(
        "--draws", type=int, default=200, help="prior draws for identifiability (default 200)"
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of every run (default 0)")
    parser.add_argument("--no-analytic", action="store_true", help="skip the known-answer tests")
    parser.add_argument(
        "--no-identifiability", action="store_true", help="skip the identifiability table"
    )
    _backend_options(parser)
    parser.add_argument("--quiet", action="store_true", help="no progress messages")


@command(
    "validate-model",
    help="write the validation report: known answers, predictive checks, identifiability",
    configure=_configure,
)
def validate_model_command(args: argparse.Namespace) -> int:
    from sim.validation import validate_model

    problems = []
    if args.reps < 2:
        problems.append(Problem("command line", "--reps", f"{args.reps} (allowed: >= 2)"))
    if args.draws < 10:
        problems.append(Problem("command line", "--draws", f"{args.draws} (allowed: >= 10)"))
    if args.seed < 0:
        problems.append(Problem("command line", "--seed", f"{args.seed} (allowed: >= 0)"))
    options = _backend_args(args, problems)
    scenario = load_scenario(args.scenario or _default_scenario())

    def go() -> int:
        report = validate_model(
            scenario,
            args.calibration,
            args.out,
            reps=args.reps,
            draws=args.draws,
            seed=args.seed,
            analytic=not args.no_analytic,
            identifiability=not args.no_identifiability,
            quiet=args.quiet,
            **options,
        )
        figures = report.check.figures
        posterior = figures[figures["source"] == "posterior"]
        inside = int(posterior["inside_90"].sum())
        print(
            f"{inside} of {len(posterior)} observed figures inside the posterior's central 90 %; "
            f"known-answer checks: {', '.join(report.analytic['outcome'].value_counts().index)}; "
            f"report: {report.path / 'report.md'}"
        )
        return 0

    return _interruptible(go)
