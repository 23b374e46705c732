"""The ``validate`` and ``validate-model`` commands (registered in :mod:`sim.cli.main`).

``validate`` checks input files against docs/DATA.md; ``validate-model``
writes the validation report (see :mod:`sim.presentation.validation` for what it holds and
why).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from sim.cli.common import (
    EXIT_INPUT,
    backend_args,
    backend_options,
    command,
    interruptible,
    report,
)
from sim.inputs.commune import Commune, load_commune
from sim.inputs.errors import InputError, Problem
from sim.inputs.scenario import Scenario, load_scenario


class Communes:
    """Commune folders loaded once each, for the scenarios of one command.

    Why: every scenario file names its commune folder, and loading one reads
    and checks all its tables; ``validate`` of a folder of scenarios loaded
    the same commune once per file. Keyed by the resolved folder, so ``..``
    from the scenarios and the folder named on the command line are one.
    A folder with problems is reported for each scenario naming it, as when
    each loaded it. Made for one command, never shared: a notebook that loads
    again after editing a file must see the edit.
    """

    def __init__(self) -> None:
        self._loaded: dict[Path, Commune | InputError] = {}

    def load(self, folder: Path) -> Commune:
        """The commune in ``folder``, loaded on the first call for it."""
        key = Path(folder).resolve()
        if key not in self._loaded:
            try:
                self._loaded[key] = load_commune(folder)
            except InputError as error:
                self._loaded[key] = error
        loaded = self._loaded[key]
        if isinstance(loaded, InputError):
            raise loaded
        return loaded


# -- validate --------------------------------------------------------------------


def _configure_validate(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "paths",
        nargs="+",
        metavar="PATH",
        help="a commune folder (holding commune.toml), a scenario .toml file, "
        "or a folder of scenario .toml files",
    )


@command(
    "validate",
    help="check commune folders and scenario files against docs/DATA.md",
    configure=_configure_validate,
)
def validate(args: argparse.Namespace) -> int:
    """Check every PATH, print one ``ok`` line per valid item and every problem.

    All paths are checked even after a failure, so one run lists everything
    that needs fixing. Each commune folder is loaded once (:class:`Communes`).
    """
    communes = Communes()

    def scenario(path: Path) -> Scenario:
        return load_scenario(path, communes.load)

    problems: list[Problem] = []
    for raw in args.paths:
        path = Path(raw)
        if not path.exists():
            problems.append(Problem(raw, "(path)", "does not exist"))
            continue
        if path.is_file() and path.name == "commune.toml":
            path = path.parent
        if path.is_dir() and (path / "commune.toml").exists():
            items = [(path, communes.load, _describe_commune)]
        elif path.is_dir():
            files = sorted(path.glob("*.toml"))
            if not files:
                problems.append(
                    Problem(raw, "(path)", "holds no commune.toml and no scenario .toml files")
                )
            items = [(f, scenario, _describe_scenario) for f in files]
        else:
            items = [(path, scenario, _describe_scenario)]
        for item, load, describe in items:
            try:
                loaded = load(item)
            except InputError as error:
                problems.extend(error.problems)
            else:
                print(f"ok  {item}: {describe(loaded)}")
    if problems:
        report(problems)
        return EXIT_INPUT
    return 0


def _describe_commune(commune: Commune) -> str:
    return (
        f"commune {commune.name}, {len(commune.villages)} villages, {len(commune.cells)} cells, "
        f"{commune.population} people, {commune.party_members} members, "
        f"{len(commune.measures)} measures"
    )


def _describe_scenario(scenario: Scenario) -> str:
    n = len(scenario.interventions)
    return (
        f"scenario {scenario.name!r}, {scenario.start} → {scenario.horizon}, "
        f"{n} intervention{'' if n == 1 else 's'}"
    )


# -- validate-model --------------------------------------------------------------


def _default_scenario() -> Path:
    from sim.analysis.forecast import _default_commune

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
    # the default is sim.presentation.validation.DEFAULT_OUT, not imported here: it loads scipy
    # and the
    # calibration, which every other command would then pay for at start-up
    parser.add_argument("--out", default=None, help="report folder (results/validation)")
    parser.add_argument("--reps", type=int, default=100, help="runs per source (default 100)")
    parser.add_argument(
        "--draws", type=int, default=200, help="prior draws for identifiability (default 200)"
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of every run (default 0)")
    parser.add_argument("--no-analytic", action="store_true", help="skip the known-answer tests")
    parser.add_argument(
        "--no-identifiability", action="store_true", help="skip the identifiability table"
    )
    backend_options(parser)
    parser.add_argument("--quiet", action="store_true", help="no progress messages")


@command(
    "validate-model",
    help="write the validation report: known answers, predictive checks, identifiability",
    configure=_configure,
)
def validate_model_command(args: argparse.Namespace) -> int:
    from sim.presentation.validation import DEFAULT_OUT, validate_model

    problems = []
    if args.reps < 2:
        problems.append(Problem("command line", "--reps", f"{args.reps} (allowed: >= 2)"))
    if args.draws < 10:
        problems.append(Problem("command line", "--draws", f"{args.draws} (allowed: >= 10)"))
    if args.seed < 0:
        problems.append(Problem("command line", "--seed", f"{args.seed} (allowed: >= 0)"))
    options = backend_args(args, problems)
    scenario = load_scenario(args.scenario or _default_scenario())

    def go() -> int:
        report = validate_model(
            scenario,
            args.calibration,
            args.out or DEFAULT_OUT,
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

    return interruptible(go)
