"""``python -m sim discover``: which uncertain parameters, in which ranges, make a plan fail.

Runs the plan with parameters drawn from the commune's calibration (or
``--posterior PATH``, or ``--prior``), finds PRIM's boxes
(:mod:`sim.analysis.discovery`), prints the table and the committee's sentence
(:mod:`sim.presentation.discovery_words`) in ``--lang``, and writes the figure
in Vietnamese and English into the discovery's folder (``discovery.vi.png``,
``discovery.en.png``; ``--figure PATH`` writes the ``--lang`` one there too).
"""

from __future__ import annotations

import argparse

from sim.cli.common import (
    backend_args,
    backend_options,
    command,
    interruptible,
    posterior_options,
    reps_and_seed_problems,
)
from sim.inputs.errors import Problem
from sim.inputs.languages import LANGUAGES
from sim.model.targets import TARGET_KEYS


def _configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("scenario", metavar="SCENARIO", help="the plan: a scenario .toml file")
    parser.add_argument(
        "--target",
        default="no_white_village_at_horizon",
        metavar="TARGET",
        help=f"the target (default no_white_village_at_horizon; one of {', '.join(TARGET_KEYS)})",
    )
    parser.add_argument("--reps", type=int, default=200, help="runs of the plan (default 200)")
    parser.add_argument(
        "--seed", type=int, default=None, help="seed of the runs (default: the scenario's)"
    )
    posterior_options(parser, assumed=False).add_argument(
        "--prior",
        action="store_true",
        help="draw each run's parameters from the priors (the scenario's [priors], else those "
        "of the commune's calibration) instead of the commune's calibration",
    )
    parser.add_argument(
        "--threshold",
        type=float,
        default=None,
        metavar="SHARE",
        help="the failure rate a box must reach, e.g. 0.7 (default: halfway from the plan's "
        "failure rate to 1)",
    )
    parser.add_argument(
        "--lang", choices=LANGUAGES, default="en", help="language of the printed words (en)"
    )
    parser.add_argument(
        "--figure", metavar="PATH", default=None, help="also write the --lang figure here (.png)"
    )
    backend_options(parser)
    parser.add_argument(
        "--out",
        default="results",
        help="results folder (default results); the discovery goes to OUT/discoveries/",
    )
    parser.add_argument("--fresh", action="store_true", help="recompute even if results exist")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


@command(
    "discover",
    help="scenario discovery: which uncertain parameters, in which ranges, make a plan fail",
    configure=_configure,
)
def discover_command(args: argparse.Namespace) -> int:
    """Run (or read back) the discovery, print its table and sentence, write its figures."""
    from sim.experiments.posterior import COMMUNE

    problems = reps_and_seed_problems(args)
    if args.no_posterior:
        problems.append(
            Problem(
                "command line",
                "--no-posterior",
                "a discovery needs parameters that vary; use --prior to draw them from the "
                "priors instead of the calibration",
            )
        )
    if args.figure is not None and not args.figure.lower().endswith(".png"):
        problems.append(Problem("command line", "--figure", f"{args.figure} (a .png file)"))
    options = backend_args(args, problems)

    def go() -> int:
        from sim.analysis.discovery import discover
        from sim.presentation.discovery_words import discovery_text
        from sim.presentation.plots.discovery import write_discovery_figures

        result = discover(
            args.scenario,
            args.target,
            reps=args.reps,
            seed=args.seed,
            source="prior" if args.prior else "posterior",
            posterior=args.posterior or COMMUNE,
            threshold=args.threshold,
            out=args.out,
            quiet=args.quiet,
            fresh=args.fresh,
            **options,
        )
        print(discovery_text(result, args.lang), end="")
        written = write_discovery_figures(result, figure=args.figure, lang=args.lang)
        print()
        if result.path is not None:
            print(f"Stored in {result.path}{' (reused)' if result.reused else ''}")
        for path in written:
            print(f"Figure: {path}")
        return 0

    return interruptible(go)
