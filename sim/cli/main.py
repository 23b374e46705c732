"""The command line: ``python -m sim <command> ...`` (also installed as ``nahy-sim``).

Each subcommand is one function registered with :func:`command`, so adding
``run``, ``forecast`` or ``compare`` later is one decorated function that
declares its arguments and returns an exit code. Input problems never show a
traceback: any :class:`~sim.inputs.errors.InputError` reaching :func:`main` becomes
one line per problem on stderr and exit status 2.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from sim.cli.common import (
    COMMANDS,
    EXIT_INPUT,
    command,
    ensemble_args,
    ensemble_options,
    interruptible,
    report,
)
from sim.inputs.errors import InputError, Problem
from sim.inputs.scenario import load_scenario
from sim.version import __version__


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every registered subcommand."""
    parser = argparse.ArgumentParser(
        prog="python -m sim",
        description="Monte Carlo forecasts of party-member recruitment in a commune.",
    )
    parser.add_argument("--version", action="version", version=f"nahy-sim {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for cmd in COMMANDS.values():
        sub = subparsers.add_parser(cmd.name, help=cmd.help, description=cmd.help)
        cmd.configure(sub)
        sub.set_defaults(_run=cmd.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status (0 ok, 2 bad input or arguments)."""
    _tolerant_output()
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:  # --help, --version and argument errors
        return exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 2)
    try:
        if getattr(args, "out", None):
            from sim.experiments.store import writable_folder  # pyarrow: not loaded for --help

            writable_folder(args.out, "--out")
        return args._run(args)
    except InputError as error:
        report(error.problems)
        return EXIT_INPUT
    except FileNotFoundError as error:
        report([Problem(str(error.filename or "?"), "(file)", "does not exist")])
        return EXIT_INPUT
    except BrokenPipeError:  # `sim run ... | head`: the reader has gone, nothing to say
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - Python flushes stdout at exit
        return 0
    except OSError as error:  # a folder that became read-only, a full disk: one line, no trace
        report([Problem(str(error.filename or "?"), "(file)", _os_reason(error))])
        return EXIT_INPUT


def _os_reason(error: OSError) -> str:
    """What went wrong, in words: ``cannot be written (Permission denied)``."""
    reason = error.strerror or type(error).__name__
    if isinstance(error, PermissionError | IsADirectoryError | NotADirectoryError):
        return f"cannot be written or read ({reason})"
    return reason


def _tolerant_output() -> None:
    """Never crash on printing a Vietnamese name to a terminal that is not UTF-8."""
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            with contextlib.suppress(ValueError, OSError):  # detached or closed stream
                stream.reconfigure(errors="backslashreplace")


# -- run and forecast ---------------------------------------------------------------


def _configure_run(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("scenario", metavar="SCENARIO", help="a scenario .toml file")
    ensemble_options(parser, reps=100, out="results")
    parser.add_argument(
        "--horizon", metavar="YYYY-MM-DD", default=None, help="end the runs at this date instead"
    )


@command(
    "run",
    help="run an ensemble of one scenario and print its headline figures",
    configure=_configure_run,
)
def run_command(args: argparse.Namespace) -> int:
    """Run ``--reps`` replications of SCENARIO (stored under ``--out``) and print a table."""
    from sim.analysis.headline import describe_run, headline_table
    from sim.experiments.ensemble import run_ensemble
    from sim.experiments.posterior import parameters_of

    options = ensemble_args(args)
    scenario = load_scenario(args.scenario)
    if args.horizon is not None:
        scenario = scenario.with_horizon(args.horizon, "--horizon")

    def go() -> int:
        result = run_ensemble(scenario, args.reps, args.seed, fresh=args.fresh, **options)
        print(describe_run(result.manifest, result.path, result.reused))
        print(parameters_of(result.manifest)["sentence"])
        print()
        print(headline_table(result.summary, result.manifest))
        return 0

    return interruptible(go)


def _configure_forecast(parser: argparse.ArgumentParser) -> None:
    which = parser.add_mutually_exclusive_group()
    which.add_argument(
        "--commune",
        metavar="DIR",
        default=None,
        help="commune folder whose scenarios/baseline.toml and scenarios/resolution-*.toml "
        "are forecast (default data/nahy)",
    )
    which.add_argument(
        "--scenarios", metavar="FILE", nargs="+", default=None, help="these scenario files instead"
    )
    ensemble_options(parser, reps=200, out="results/forecast")


@command(
    "forecast",
    help="forecast the commune's baseline and adopted measures, and say the answer in words",
    configure=_configure_forecast,
)
def forecast_command(args: argparse.Namespace) -> int:
    """Run the forecast scenarios, write results/forecast/..., print the answer."""
    from sim.analysis.forecast import forecast_scenarios, forecast_text, run_forecast

    options = ensemble_args(args)
    files = (
        [Path(f) for f in args.scenarios] if args.scenarios else forecast_scenarios(args.commune)
    )

    def go() -> int:
        forecasts = run_forecast(files, args.reps, args.seed, fresh=args.fresh, **options)
        print(forecast_text(forecasts), end="")
        return 0

    return interruptible(go)


# -- commands in modules of their own (each registers itself with @command) ---------------

import sim.cli.briefing  # noqa: E402, F401  (registers ``briefing``)
import sim.cli.calibration  # noqa: E402, F401  (registers ``calibrate`` and ``sensitivity``)
import sim.cli.compare  # noqa: E402, F401  (registers ``compare`` and ``search``)
import sim.cli.discovery  # noqa: E402, F401  (registers ``discover``)
import sim.cli.record  # noqa: E402, F401  (registers ``record``)
import sim.cli.validation  # noqa: E402, F401  (registers ``validate`` and ``validate-model``)
