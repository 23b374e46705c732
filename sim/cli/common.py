"""What every subcommand shares: the registry, exit statuses, problem reports and options.

Why a module of its own: each subcommand module (``cli_compare``,
``cli_calibration``, ...) registers itself with :func:`command` and reuses the
option helpers; :mod:`sim.cli.main` builds the parser from the registry and
imports those modules. Were the shared pieces in :mod:`sim.cli.main` itself, it
and every subcommand module would import each other (an import cycle).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sim.inputs.errors import InputError, Problem

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


def report(problems: Sequence[Problem]) -> None:
    """Print each problem once, one line each, to stderr."""
    for line in dict.fromkeys(str(p) for p in problems):
        print(line, file=sys.stderr)


#: Exit status when an ensemble was interrupted (what was stored is kept).
EXIT_INTERRUPTED = 130
#: Exit status when a worker process died (what was stored is kept).
EXIT_WORKER_LOST = 1


def backend_options(parser: argparse.ArgumentParser) -> None:
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


def backend_args(args: argparse.Namespace, problems: list[Problem] | None = None) -> dict:
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


def posterior_options(parser: argparse.ArgumentParser, assumed: bool = True) -> Any:
    """Where each run's parameters come from: every command that runs ensembles of a scenario.

    Returns the group, so a command can offer one more source in it (``discover --prior``);
    ``assumed=False`` leaves ``--no-posterior`` out of the help, for a command that refuses
    it with a line saying why."""
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
        "when it exists)"
        if assumed
        else argparse.SUPPRESS,
    )
    return which


def posterior_arg(args: argparse.Namespace) -> Any:
    """``posterior=`` for the ensembles: a path, ``None`` (--no-posterior), or the default."""
    from sim.experiments.posterior import COMMUNE

    if getattr(args, "no_posterior", False):
        return None
    return getattr(args, "posterior", None) or COMMUNE


def ensemble_options(parser: argparse.ArgumentParser, reps: int, out: str) -> None:
    """The options ``run``, ``forecast`` and ``compare`` share."""
    parser.add_argument(
        "--reps", type=int, default=reps, help=f"replications per scenario (default {reps})"
    )
    parser.add_argument(
        "--seed", type=int, default=None, help="ensemble seed (default: the scenario's seed)"
    )
    backend_options(parser)
    parser.add_argument(
        "--out", default=out, help=f"results folder (default {out}); same inputs reuse results"
    )
    parser.add_argument("--fresh", action="store_true", help="recompute even if results exist")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    posterior_options(parser)


def reps_and_seed_problems(args: argparse.Namespace) -> list[Problem]:
    """What is wrong with ``--reps`` and ``--seed``, if anything."""
    problems = []
    if args.reps < 1:
        problems.append(Problem("command line", "--reps", f"{args.reps} (allowed: >= 1)"))
    if args.seed is not None and args.seed < 0:
        problems.append(Problem("command line", "--seed", f"{args.seed} (allowed: >= 0)"))
    return problems


def ensemble_args(args: argparse.Namespace) -> dict:
    """The checked ensemble options as ``run_ensemble`` keywords (bad values: exit 2)."""
    problems = reps_and_seed_problems(args)
    return {
        **backend_args(args, problems),
        "out": args.out,
        "quiet": args.quiet,
        "posterior": posterior_arg(args),
    }


def interruptible(run: Callable[[], int]) -> int:
    """Run an ensemble command; an interruption prints how to resume instead of a traceback."""
    from sim.experiments.backends import WorkerLost

    try:
        return run()
    except KeyboardInterrupt as error:
        for note in getattr(error, "__notes__", []) or ["interrupted"]:
            print(note, file=sys.stderr)
        return EXIT_INTERRUPTED
    except WorkerLost as error:
        print(str(error), file=sys.stderr)
        return EXIT_WORKER_LOST
