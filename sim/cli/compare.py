"""The ``compare`` and ``search`` commands (registered with :func:`sim.cli.main.command`).

Kept out of ``sim/cli/main.py`` so the policy questions ("which measure, started
when, moves the odds most?", "what does it take?") read as one piece; the
command-line conventions (one line per problem on stderr, exit 2; Ctrl-C
says how to resume) are the same as every other command's.
"""

from __future__ import annotations

import argparse

from sim.cli.common import (
    backend_options,
    command,
    ensemble_args,
    ensemble_options,
    interruptible,
    posterior_options,
)
from sim.inputs.errors import InputError, Problem
from sim.model.targets import TARGET_KEYS

# -- compare ------------------------------------------------------------------------


def _configure_compare(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "scenarios",
        nargs="+",
        metavar="SCENARIO",
        help="scenario .toml files; the first is the reference the others are compared with",
    )
    ensemble_options(parser, reps=100, out="results")
    parser.add_argument(
        "--horizon",
        metavar="YYYY-MM-DD",
        default=None,
        help="run every scenario to this date instead (e.g. 2025-12-31 for the 2020-2025 term; "
        "the target years follow it)",
    )
    parser.add_argument(
        "--delay",
        metavar="MONTHS",
        type=int,
        default=None,
        help="also (with one scenario: only) the cost of starting each of a scenario's "
        "measures MONTHS later",
    )


@command(
    "compare",
    help="compare scenarios on common random numbers, or the cost of delaying each measure",
    configure=_configure_compare,
)
def compare_command(args: argparse.Namespace) -> int:
    """Print (and store under ``--out/comparisons/``) the comparison and the delay tables."""
    from sim.analysis.comparison import compare, cost_of_delay

    options = ensemble_args(args)
    if args.delay is not None and args.delay < 1:
        raise InputError([Problem("command line", "--delay", f"{args.delay} (allowed: >= 1)")])
    if args.delay is None and len(args.scenarios) < 2:
        raise InputError(
            [
                Problem(
                    "command line",
                    "SCENARIO",
                    "name at least two scenarios to compare, or one with --delay MONTHS",
                )
            ]
        )

    def go() -> int:
        if len(args.scenarios) > 1:
            comparison = compare(
                args.scenarios,
                args.reps,
                args.seed,
                horizon=args.horizon,
                fresh=args.fresh,
                **options,
            )
            print(comparison.text(), end="")
            print(f"Stored in {comparison.path}" if comparison.path else "")
        if args.delay is not None:
            for scenario in args.scenarios:
                delay = cost_of_delay(
                    scenario,
                    args.reps,
                    args.seed,
                    months=args.delay,
                    horizon=args.horizon,
                    fresh=args.fresh,
                    **options,
                )
                if len(args.scenarios) > 1:
                    print()
                print(delay.text(), end="")
                print(f"Stored in {delay.path}" if delay.path else "")
        return 0

    return interruptible(go)


# -- search ----------------------------------------------------------------------------


def _configure_search(parser: argparse.ArgumentParser) -> None:
    from sim.analysis.what_it_takes import DEFAULT_START_STEP, DEFAULT_STEP, SAMPLERS

    parser.add_argument("scenario", metavar="SCENARIO", help="a scenario .toml file")
    parser.add_argument(
        "--levers",
        nargs="+",
        metavar="MEASURE[:MAX]",
        required=True,
        help="measures of the scenario whose intensity (0 to MAX, default 2) and start the "
        "search varies; comma-separated or space-separated",
    )
    parser.add_argument(
        "--target",
        default="no_white_village_at_horizon",
        choices=TARGET_KEYS,
        metavar="TARGET",
        help=f"the target (default no_white_village_at_horizon; one of {', '.join(TARGET_KEYS)})",
    )
    parser.add_argument("--p", type=float, default=0.8, help="the chance to reach (default 0.8)")
    parser.add_argument(
        "--reps", type=int, default=100, help="first look: runs per mix screened (default 100)"
    )
    parser.add_argument(
        "--max-reps",
        type=int,
        default=None,
        metavar="RUNS",
        help="most runs a mix near the threshold gets while choosing (default 8 x --reps; "
        "looks at --reps doubling)",
    )
    parser.add_argument(
        "--fresh-reps",
        type=int,
        default=None,
        metavar="RUNS",
        help="fresh runs the chosen mix is re-run on, the figure reported (default --max-reps)",
    )
    parser.add_argument(
        "--confidence",
        type=float,
        default=0.95,
        help="confidence at which 'reaches p' or 'falls short' is settled (default 0.95)",
    )
    parser.add_argument(
        "--budget",
        type=int,
        default=None,
        metavar="RUNS",
        help="most runs the whole search spends (default: the screening plus 4 x --max-reps); "
        "run again with a larger budget to settle what is left open",
    )
    parser.add_argument(
        "--assumed-too",
        action="store_true",
        help="also re-run the chosen mix at the assumed parameter values, to show the chance "
        "with and without parameter uncertainty",
    )
    parser.add_argument(
        "--seed", type=int, default=None, help="seed of every mix's runs (default: the scenario's)"
    )
    parser.add_argument(
        "--trials",
        type=int,
        default=40,
        help="distinct mixes the study should hold scored (default 40; resumed studies count "
        "theirs)",
    )
    parser.add_argument(
        "--step", type=float, default=DEFAULT_STEP, help=f"intensity step (default {DEFAULT_STEP})"
    )
    parser.add_argument(
        "--start-step",
        type=int,
        default=DEFAULT_START_STEP,
        metavar="MONTHS",
        help=f"start dates tried every MONTHS from the scenario start (default "
        f"{DEFAULT_START_STEP}; 0 keeps the file's start dates)",
    )
    parser.add_argument(
        "--sampler",
        choices=SAMPLERS,
        default="auto",
        help="grid (every mix), tpe (Optuna's TPE), auto (grid if it fits in --trials)",
    )
    parser.add_argument(
        "--horizon", metavar="YYYY-MM-DD", default=None, help="run to this date instead"
    )
    backend_options(parser)
    parser.add_argument(
        "--out",
        default="results",
        help="results folder (default results); the study is kept in OUT/searches/ and resumed",
    )
    parser.add_argument("--quiet", action="store_true", help="no line per trial")
    posterior_options(parser)


@command(
    "search",
    help="what it takes: the least-effort mix of measures that makes a target likely enough",
    configure=_configure_search,
)
def search_command(args: argparse.Namespace) -> int:
    """Run (or resume) the search and print the winning mix and the runners-up."""
    from sim.analysis.what_it_takes import parse_lever, search

    args.fresh = False
    options = ensemble_args(args)
    levers = [
        parse_lever(part, step=args.step)
        for text in args.levers
        for part in text.split(",")
        if part.strip()
    ]

    def go() -> int:
        result = search(
            args.scenario,
            levers,
            target=args.target,
            p=args.p,
            reps=args.reps,
            max_reps=args.max_reps,
            fresh_reps=args.fresh_reps,
            confidence=args.confidence,
            budget=args.budget,
            assumed_too=args.assumed_too,
            seed=args.seed,
            trials=args.trials,
            start_step=args.start_step,
            sampler=args.sampler,
            horizon=args.horizon,
            **options,
        )
        print(result.text(), end="")
        return 0

    return interruptible(go)
