"""The command line: ``python -m sim <command> ...`` (also installed as ``nahy-sim``).

Each subcommand is one function registered with :func:`command`, so adding
``run``, ``forecast`` or ``compare`` later is one decorated function that
declares its arguments and returns an exit code. Input problems never show a
traceback: any :class:`~sim.errors.InputError` reaching :func:`main` becomes
one line per problem on stderr and exit status 2.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim import __version__
from sim.errors import InputError, Problem
from sim.scenario import load_scenario

#: Exit status for bad input (as argparse uses for bad arguments).
EXIT_INPUT = 2


@dataclass(frozen=True)
class Command:
    """A subcommand: its help line, how it declares its arguments, and what it runs."""

    name: str
    help: str
    configure: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]


#: Subcommands by name, in the order ``--help`` lists them.
COMMANDS: dict[str, Command] = {}


def command(
    name: str, help: str, configure: Callable[[argparse.ArgumentParser], None] | None = None
) -> Callable[[Callable[[argparse.Namespace], int]], Callable[[argparse.Namespace], int]]:
    """Register ``run(args) -> exit code`` as subcommand ``name``."""

    def register(run: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
        COMMANDS[name] = Command(name, help, configure or (lambda parser: None), run)
        return run

    return register


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
            from sim.store import writable_folder  # pyarrow: not loaded for --help

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


def report(problems: Sequence[Problem]) -> None:
    """Print each problem once, one line each, to stderr."""
    for line in dict.fromkeys(str(p) for p in problems):
        print(line, file=sys.stderr)


def _tolerant_output() -> None:
    """Never crash on printing a Vietnamese name to a terminal that is not UTF-8."""
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            with contextlib.suppress(ValueError, OSError):  # detached or closed stream
                stream.reconfigure(errors="backslashreplace")


# -- run and forecast ---------------------------------------------------------------

#: Exit status when an ensemble was interrupted (what was stored is kept).
EXIT_INTERRUPTED = 130
#: Exit status when a worker process died (what was stored is kept).
EXIT_WORKER_LOST = 1


def _backend_options(parser: argparse.ArgumentParser) -> None:
    """Where runs execute: the options every command that runs the model shares."""
    parser.add_argument(
        "--workers", type=int, default=None, help="worker processes (default: every core)"
    )
    parser.add_argument(
        "--backend",
        choices=("local", "dask"),
        default=None,
        help="local processes (default) or Dask distributed",
    )
    parser.add_argument(
        "--scheduler",
        metavar="ADDR",
        default=None,
        help="Dask scheduler address, e.g. tcp://HOST:8786 (default: an in-process LocalCluster)",
    )


def _backend_args(args: argparse.Namespace, problems: list[Problem] | None = None) -> dict:
    """The checked backend options as keywords; ``problems`` found so far are reported too."""
    problems = list(problems or [])
    if args.workers is not None and args.workers < 1:
        problems.append(Problem("command line", "--workers", f"{args.workers} (allowed: >= 1)"))
    backend = args.backend or ("dask" if args.scheduler else "local")
    if args.scheduler and backend != "dask":
        problems.append(
            Problem("command line", "--scheduler", "a scheduler address needs --backend dask")
        )
    if problems:
        raise InputError(problems)
    return {"backend": backend, "workers": args.workers, "scheduler": args.scheduler}


def _posterior_options(parser: argparse.ArgumentParser) -> None:
    """Where each run's parameters come from: every command that runs ensembles of a scenario."""
    which = parser.add_mutually_exclusive_group()
    which.add_argument(
        "--posterior",
        metavar="PATH",
        default=None,
        help="draw each run's parameters from this posterior (a calibration folder or its "
        "posterior.parquet) instead of the commune's own calibration",
    )
    which.add_argument(
        "--no-posterior",
        action="store_true",
        help="run at the assumed values of parameters.csv even if the commune has a "
        "calibration (by default each run draws its parameters from <commune>/calibration "
        "when it exists)",
    )


def _posterior_arg(args: argparse.Namespace) -> Any:
    """``posterior=`` for the ensembles: a path, ``None`` (--no-posterior), or the default."""
    from sim.posterior import COMMUNE

    if getattr(args, "no_posterior", False):
        return None
    return getattr(args, "posterior", None) or COMMUNE


def _ensemble_options(parser: argparse.ArgumentParser, reps: int, out: str) -> None:
    """The options ``run``, ``forecast`` and ``compare`` share."""
    parser.add_argument(
        "--reps", type=int, default=reps, help=f"replications per scenario (default {reps})"
    )
    parser.add_argument(
        "--seed", type=int, default=None, help="ensemble seed (default: the scenario's seed)"
    )
    _backend_options(parser)
    parser.add_argument(
        "--out", default=out, help=f"results folder (default {out}); same inputs reuse results"
    )
    parser.add_argument("--fresh", action="store_true", help="recompute even if results exist")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    _posterior_options(parser)


def _reps_and_seed_problems(args: argparse.Namespace) -> list[Problem]:
    """What is wrong with ``--reps`` and ``--seed``, if anything."""
    problems = []
    if args.reps < 1:
        problems.append(Problem("command line", "--reps", f"{args.reps} (allowed: >= 1)"))
    if args.seed is not None and args.seed < 0:
        problems.append(Problem("command line", "--seed", f"{args.seed} (allowed: >= 0)"))
    return problems


def _ensemble_args(args: argparse.Namespace) -> dict:
    """The checked ensemble options as ``run_ensemble`` keywords (bad values: exit 2)."""
    problems = _reps_and_seed_problems(args)
    return {
        **_backend_args(args, problems),
        "out": args.out,
        "quiet": args.quiet,
        "posterior": _posterior_arg(args),
    }


def _interruptible(run: Callable[[], int]) -> int:
    """Run an ensemble command; an interruption prints how to resume instead of a traceback."""
    from sim.backends import WorkerLost

    try:
        return run()
    except KeyboardInterrupt as error:
        for note in getattr(error, "__notes__", []) or ["interrupted"]:
            print(note, file=sys.stderr)
        return EXIT_INTERRUPTED
    except WorkerLost as error:
        print(str(error), file=sys.stderr)
        return EXIT_WORKER_LOST


def _configure_run(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("scenario", metavar="SCENARIO", help="a scenario .toml file")
    _ensemble_options(parser, reps=100, out="results")
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
    from sim.ensemble import run_ensemble
    from sim.headline import describe_run, headline_table
    from sim.posterior import parameters_of

    options = _ensemble_args(args)
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

    return _interruptible(go)


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
    _ensemble_options(parser, reps=200, out="results/forecast")


@command(
    "forecast",
    help="forecast the commune's baseline and adopted measures, and say the answer in words",
    configure=_configure_forecast,
)
def forecast_command(args: argparse.Namespace) -> int:
    """Run the forecast scenarios, write results/forecast/..., print the answer."""
    from sim.forecast import forecast_scenarios, forecast_text, run_forecast

    options = _ensemble_args(args)
    files = (
        [Path(f) for f in args.scenarios] if args.scenarios else forecast_scenarios(args.commune)
    )

    def go() -> int:
        forecasts = run_forecast(files, args.reps, args.seed, fresh=args.fresh, **options)
        print(forecast_text(forecasts), end="")
        return 0

    return _interruptible(go)


# -- commands in modules of their own (each registers itself with @command) ---------------

import sim.cli_briefing  # noqa: E402, F401  (registers ``briefing``)
import sim.cli_calibration  # noqa: E402, F401  (registers ``calibrate`` and ``sensitivity``)
import sim.cli_compare  # noqa: E402, F401  (registers ``compare`` and ``search``)
import sim.cli_record  # noqa: E402, F401  (registers ``record``)
import sim.cli_validation  # noqa: E402, F401  (registers ``validate`` and ``validate-model``)
