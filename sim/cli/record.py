"""The ``record`` command (registered with :func:`sim.cli.main.command`).

``python -m sim record SCENARIO... --reps 200 --seed 2015`` runs each scenario
on common random numbers and prints the model beside the commune's record
(``observed.csv``) and the figures that show how the model admits: per year,
per quarter, per cell, by source group and age, and when each white village
gets its first member (:mod:`sim.analysis.record`).
"""

from __future__ import annotations

import argparse

from sim.cli.common import (
    backend_args,
    backend_options,
    command,
    interruptible,
    reps_and_seed_problems,
)
from sim.inputs.errors import InputError, Problem
from sim.inputs.scenario import load_scenario


def _configure_record(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("scenarios", nargs="+", metavar="SCENARIO", help="scenario .toml files")
    parser.add_argument("--reps", type=int, default=200, help="runs per scenario (default 200)")
    parser.add_argument(
        "--seed", type=int, default=None, help="seed (default: the first scenario's, then 0)"
    )
    parser.add_argument("--horizon", metavar="YYYY-MM-DD", default=None, help="end runs here")
    backend_options(parser)
    parser.add_argument(
        "--out", default="results/record", help="folder to write (default results/record)"
    )


@command(
    "record",
    help="put the model beside the commune's record: observed figures, per year, quarter and cell",
    configure=_configure_record,
)
def record_command(args: argparse.Namespace) -> int:
    """Run the scenarios, print the report and where it was written."""
    from sim.analysis.record import record_report

    options = backend_args(args, reps_and_seed_problems(args))
    scenarios = [load_scenario(path) for path in args.scenarios]
    if args.horizon is not None:
        scenarios = [s.with_horizon(args.horizon, "--horizon") for s in scenarios]
    seed = args.seed if args.seed is not None else (scenarios[0].seed or 0)
    starts = {(s.commune.path, s.start) for s in scenarios}
    if len(starts) > 1:
        raise InputError(
            [Problem("command line", "SCENARIO", "the scenarios describe different communes")]
        )

    def go() -> int:
        report = record_report(scenarios, args.reps, seed, out=args.out, **options)
        print(report.text(), end="")
        print(f"\nWritten to {report.path}")
        return 0

    return interruptible(go)
