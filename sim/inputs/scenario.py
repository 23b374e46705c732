"""Scenarios: a commune, a period, switches, parameter overrides and measures.

A scenario file (``docs/DATA.md``) says what a run assumes; everything else
comes from the commune's data folder. Loading resolves the file against its
commune and checks it completely, so that a typo in a parameter name or a
measure dated outside the period is an error with its file and field rather
than a run that silently ignores it. The resolved :class:`Scenario` is
immutable; the ``with_*`` methods return re-checked copies, which is how
notebooks and the searches vary one thing at a time.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

from sim.inputs.commune import Commune, load_commune
from sim.inputs.errors import Checker, InputError, Problem, did_you_mean, listing, read_text, show
from sim.inputs.limits import default_limits, file_within_limit
from sim.inputs.measures import COMMUNE, MEASURES_FILE, Measure
from sim.inputs.parameters import REQUIRED_PARAMETERS
from sim.inputs.priors import Prior, check_priors
from sim.inputs.switches import SWITCHES

_KEYS = (
    "name",
    "description",
    "commune",
    "start",
    "horizon",
    "seed",
    "switches",
    "parameters",
    "interventions",
    "priors",
)
_INTERVENTION_KEYS = ("measure", "start", "intensity", "villages", "effort_per_unit")


@dataclass(frozen=True)
class Intervention:
    """A measure in force from ``start`` at ``intensity`` in ``villages`` (``None``: all).

    Intensity 0 means "not in force" and 1 "as the resolution describes";
    ``effort_per_unit`` is the cost the searches weigh against its effect.
    """

    measure: str
    start: date
    intensity: float
    villages: tuple[str, ...] | None = None
    effort_per_unit: float = 1.0

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable dict that :func:`scenario_from_dict` accepts back."""
        return {
            "measure": self.measure,
            "start": self.start.isoformat(),
            "intensity": self.intensity,
            "villages": list(self.villages) if self.villages is not None else None,
            "effort_per_unit": self.effort_per_unit,
        }


@dataclass(frozen=True)
class Scenario:
    """A checked, resolved scenario: what one run (or ensemble) assumes.

    ``parameters`` holds every parameter with the overrides applied;
    ``overrides`` only those the scenario changed. ``switches`` always has
    every key of :data:`sim.inputs.switches.SWITCHES`: the commune's ``[switches]``
    with the scenario's own on top.
    """

    name: str
    description: str
    commune: Commune = field(repr=False)
    start: date
    horizon: date
    seed: int | None
    switches: dict[str, bool]
    parameters: dict[str, float] = field(repr=False)
    overrides: dict[str, float]
    interventions: tuple[Intervention, ...]
    path: Path | None = None
    #: Priors of the uncertain parameters (``[priors]``), for calibration and sensitivity.
    priors: dict[str, Prior] = field(default_factory=dict, repr=False)

    def to_dict(self) -> dict[str, Any]:
        """The resolved scenario as JSON-serialisable run metadata.

        Every number a user sees must be traceable to its assumptions, so this
        records all parameter values, not only the overrides.
        """
        return {
            "name": self.name,
            "description": self.description,
            "commune": {
                "id": self.commune.id,
                "name": self.commune.name,
                "path": str(self.commune.path),
            },
            "path": str(self.path) if self.path is not None else None,
            "start": self.start.isoformat(),
            "horizon": self.horizon.isoformat(),
            "seed": self.seed,
            "switches": dict(self.switches),
            "parameters": dict(self.parameters),
            "overrides": dict(self.overrides),
            "interventions": [i.to_dict() for i in self.interventions],
            # only when declared, so that adding priors did not change stored ensembles' keys
            **({"priors": {k: p.to_dict() for k, p in self.priors.items()}} if self.priors else {}),
        }

    def with_parameters(self, **overrides: float) -> Scenario:
        """A re-checked copy with these overrides added to (or replacing) the current ones."""
        data = self._inputs()
        data["parameters"] = {**self.overrides, **overrides}
        return self._rebuild(data)

    def with_interventions(self, *interventions: Intervention | Mapping[str, Any]) -> Scenario:
        """A re-checked copy whose interventions are exactly these (the list is replaced)."""
        data = self._inputs()
        data["interventions"] = list(interventions)
        return self._rebuild(data)

    def with_horizon(self, horizon: date | str, option: str = "horizon") -> Scenario:
        """A re-checked copy ending at ``horizon`` (a date or ``YYYY-MM-DD``).

        A bad horizon is reported on the scenario's file under ``option`` (the
        command line passes ``--horizon``): the user typed it there, not in the file.
        """
        data = self._inputs()
        data["horizon"] = horizon
        try:
            return self._rebuild(data)
        except InputError as error:
            where = str(self.path) if self.path is not None else f"scenario {self.name!r}"
            raise InputError(
                Problem(where, option, p.message) if p.field == "horizon" else p
                for p in error.problems
            ) from None

    def with_switches(self, **switches: bool) -> Scenario:
        """A re-checked copy with these switches set (the others unchanged)."""
        data = self._inputs()
        data["switches"] = {**self.switches, **switches}
        return self._rebuild(data)

    def without_interventions(self) -> Scenario:
        """A copy with no measures in force: the counterfactual of "doing nothing new"."""
        data = self._inputs()
        data["interventions"] = []
        return self._rebuild(data)

    def with_priors(self, priors: Mapping[str, Prior | Mapping[str, Any]]) -> Scenario:
        """A re-checked copy whose ``[priors]`` table is exactly ``priors`` (name -> prior)."""
        data = self._inputs()
        data["priors"] = dict(priors)
        return self._rebuild(data)

    def _inputs(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "name": self.name,
            "description": self.description,
            "commune": self.commune,
            "start": self.start,
            "horizon": self.horizon,
            "switches": dict(self.switches),
            "parameters": dict(self.overrides),
            "interventions": list(self.interventions),
            "priors": dict(self.priors),
        }
        if self.seed is not None:
            data["seed"] = self.seed
        return data

    def _rebuild(self, data: dict[str, Any]) -> Scenario:
        base = self.path.parent if self.path is not None else Path(".")
        scenario = scenario_from_dict(data, base, source=f"scenario {self.name!r}")
        return replace(scenario, path=self.path)


# -- loading -------------------------------------------------------------------


def load_scenario(
    path: str | Path, commune_loader: Callable[[Path], Commune] | None = None
) -> Scenario:
    """Load and check a scenario file; raise ``InputError`` listing every problem.

    The ``commune`` path inside the file is relative to the file; problems in
    the commune folder are reported against the commune's own files.
    ``commune_loader`` loads that folder instead of :func:`load_commune`
    (``python -m sim validate`` passes one that loads each folder once for all
    the scenarios it checks).
    """
    path = Path(path)
    source = str(path)
    problems: list[Problem] = []
    if path.is_dir():
        raise InputError([Problem(source, "(file)", "is a folder (expected a scenario .toml)")])
    if not file_within_limit(path, "toml_bytes", default_limits(), problems):
        raise InputError(problems)
    text = read_text(path, problems, missing="does not exist (expected a scenario .toml)")
    if text is None:
        raise InputError(problems)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise InputError([Problem(source, "(syntax)", f"not valid TOML: {error}")]) from None
    scenario = scenario_from_dict(data, path.parent, source=source, commune_loader=commune_loader)
    return replace(scenario, path=path)


def scenario_from_dict(
    data: Mapping[str, Any],
    base_dir: str | Path = ".",
    source: str = "<dict>",
    commune_loader: Callable[[Path], Commune] | None = None,
) -> Scenario:
    """Check and resolve a scenario given as a dict (a parsed file, or built in a notebook).

    Same keys and checks as a scenario file. Dates may be ``date`` objects or
    ``YYYY-MM-DD`` strings; ``commune`` may be a path (relative to
    ``base_dir``) or an already loaded :class:`Commune`; interventions may be
    dicts or :class:`Intervention` objects. ``source`` names the input in
    problem messages; ``commune_loader`` (default :func:`load_commune`) loads a
    commune given as a path.
    """
    problems: list[Problem] = []
    ck = Checker(source, problems)
    if not isinstance(data, Mapping):
        raise InputError([Problem(source, "(scenario)", f"{show(data)} is not a table")])
    ck.keys(data, "", _KEYS)

    commune = _commune(data, Path(base_dir), ck, commune_loader)
    name = ck.text(data, "name")
    description = ck.text(data, "description", required=False) or ""

    # start defaults to data_date (and must equal it); horizon to the term end
    default_start = commune.data_date if commune else None
    default_horizon = commune.targets.term_end if commune else None
    start = ck.date(data, "start") if "start" in data else default_start
    horizon = ck.date(data, "horizon") if "horizon" in data else default_horizon
    if commune and start and start != commune.data_date:
        ck.add(
            "start",
            f"{start}, but it must equal the commune's data_date {commune.data_date} "
            f"(the data in {commune.path} describe that date; omit start to use it)",
        )
    if start and horizon and horizon <= start:
        ck.add("horizon", f"{horizon} is not after start {start}")

    seed = None
    if data.get("seed") is not None:
        seed = ck.integer(data, "seed")

    switches = _switches(data, ck, commune)
    overrides = _overrides(data, ck)
    interventions = _interventions(data, ck, commune, start, horizon)
    priors = check_priors(_table(data, "priors", ck), ck)

    if problems:
        raise InputError(problems)
    assert commune is not None and name is not None and start and horizon
    return Scenario(
        name=name,
        description=description,
        commune=commune,
        start=start,
        horizon=horizon,
        seed=seed,
        switches=switches,
        parameters={**commune.parameters, **overrides},
        overrides=overrides,
        interventions=interventions,
        priors=priors,
    )


def baseline_scenario(commune_path: str | Path | Commune) -> Scenario:
    """The commune as its data describe it, with no measures, to the end of the term."""
    commune = (
        commune_path if isinstance(commune_path, Commune) else load_commune(Path(commune_path))
    )
    return scenario_from_dict(
        {
            "name": "baseline",
            "description": (
                "The commune as its data describe it at data_date, with no measures in "
                "force and every parameter at its parameters.csv value, to the term end."
            ),
            "commune": commune,
        },
        source=f"baseline scenario of {commune.path}",
    )


# -- parts -----------------------------------------------------------------------


def _commune(
    data: Mapping[str, Any],
    base_dir: Path,
    ck: Checker,
    commune_loader: Callable[[Path], Commune] | None,
) -> Commune | None:
    """Load the commune the scenario names; its problems join the scenario's."""
    if "commune" not in data:
        ck.add("commune", "missing (required: the commune folder, relative to this file)")
        return None
    ref = data["commune"]
    if isinstance(ref, Commune):
        return ref
    if not isinstance(ref, str | os.PathLike) or not str(ref).strip():
        ck.add("commune", f'{show(ref)} is not a folder path (e.g. commune = "..")')
        return None
    folder = Path(ref)
    if not folder.is_absolute():
        folder = Path(os.path.normpath(base_dir / folder))
    if not folder.is_dir():
        what = "is not a folder" if folder.exists() else "does not exist"
        ck.add(
            "commune",
            f"{show(str(ref))}: {folder} {what} (expected the commune folder, "
            "relative to the scenario file)",
        )
        return None
    try:
        return (commune_loader or load_commune)(folder)
    except InputError as error:
        ck.problems.extend(error.problems)
        return None


def _table(data: Mapping[str, Any], key: str, ck: Checker) -> Mapping[str, Any]:
    """An optional sub-table; ``{}`` if absent or (after a problem) not a table."""
    value = data.get(key)
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        ck.add(key, f"{show(value)} is not a table (expected [{key}])")
        return {}
    return value


def _switches(data: Mapping[str, Any], ck: Checker, commune: Commune | None) -> dict[str, bool]:
    """The commune's switches with the scenario's ``[switches]`` on top."""
    table = _table(data, "switches", ck)
    ck.keys(table, "switches", SWITCHES)
    switches = dict(commune.switches) if commune else dict.fromkeys(SWITCHES, False)
    for key in SWITCHES:
        value = ck.boolean(table, key, "switches", required=False)
        if value is not None:
            switches[key] = value
    return switches


def _overrides(data: Mapping[str, Any], ck: Checker) -> dict[str, float]:
    """Parameter overrides: known names only, each value allowed for its kind."""
    overrides: dict[str, float] = {}
    for name, value in _table(data, "parameters", ck).items():
        field_name = f"parameters.{name}"
        if name not in REQUIRED_PARAMETERS:
            hint = (
                did_you_mean(name, REQUIRED_PARAMETERS)
                or " (see sim/inputs/parameters.py for the names)"
            )
            ck.add(field_name, f"unknown parameter {name!r}{hint}")
            continue
        checked = ck.check_number(value, field_name, kind=REQUIRED_PARAMETERS[name][0])
        if checked is not None:
            overrides[name] = checked
    return overrides


def _interventions(
    data: Mapping[str, Any],
    ck: Checker,
    commune: Commune | None,
    start: date | None,
    horizon: date | None,
) -> tuple[Intervention, ...]:
    items = data.get("interventions")
    if items is None:
        return ()
    if not isinstance(items, list | tuple):
        ck.add("interventions", f"{show(items)} is not a list (expected [[interventions]] tables)")
        return ()
    # checked before any item: the commune's [limits] can raise it
    limits = commune.limits if commune else default_limits()
    too_many = limits.over(len(items), "interventions", "scenario_interventions")
    if too_many:
        ck.add("interventions", too_many)
        return ()
    village_ids = [v.id for v in commune.villages] if commune else None
    measures = commune.measures if commune else None
    result = []
    for index, item in enumerate(items):
        prefix = f"interventions[{index}]"
        if isinstance(item, Intervention):
            item = item.to_dict()
        if not isinstance(item, Mapping):
            ck.add(prefix, f"{show(item)} is not a table (expected measure, start, intensity, ...)")
            continue
        intervention = _intervention(item, prefix, ck, village_ids, measures, start, horizon)
        if intervention is not None:
            result.append(intervention)
    return tuple(result)


def _intervention(
    item: Mapping[str, Any],
    prefix: str,
    ck: Checker,
    village_ids: list[str] | None,
    measures: Mapping[str, Measure] | None,
    start: date | None,
    horizon: date | None,
) -> Intervention | None:
    """One ``[[interventions]]`` table; defaults: start = scenario start, intensity 1.

    The measures are the commune's (``measures`` is ``None`` when it could not be
    loaded: then only the types are checked, as for villages)."""
    before = len(ck.problems)
    ck.keys(item, prefix, _INTERVENTION_KEYS)
    measure = ck.text(item, "measure", prefix)
    if measure is not None and measures is not None and measure not in measures:
        ck.add(
            f"{prefix}.measure",
            f"unknown measure {measure!r}{did_you_mean(measure, measures)}; "
            f"known ({MEASURES_FILE}): {', '.join(measures)}",
        )
    when = ck.date(item, "start", prefix) if "start" in item else start
    if when and start and horizon and not start <= when <= horizon:
        ck.add(
            f"{prefix}.start",
            f"{when} is outside the scenario's period (allowed: {start} to {horizon})",
        )
    intensity = ck.number(item, "intensity", prefix, kind="intensity", required=False)
    effort = ck.number(item, "effort_per_unit", prefix, kind="effort_per_unit", required=False)
    villages = _villages(item.get("villages"), f"{prefix}.villages", ck, village_ids)
    known = measures.get(measure) if measures is not None and measure is not None else None
    if villages is not None and known is not None and known.targets == COMMUNE:
        ck.add(
            f"{prefix}.villages",
            f"{measure!r} acts on the whole commune ({MEASURES_FILE}: targets = "
            f'"{COMMUNE}"): omit villages',
        )
    if len(ck.problems) > before or measure is None or when is None:
        return None
    return Intervention(
        measure=measure,
        start=when,
        intensity=1.0 if intensity is None else intensity,
        villages=villages,
        effort_per_unit=1.0 if effort is None else effort,
    )


def _villages(
    value: Any, field_name: str, ck: Checker, village_ids: list[str] | None
) -> tuple[str, ...] | None:
    """``None`` (all villages) or a non-empty list of distinct, existing village ids."""
    if value is None:
        return None
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        ck.add(field_name, f'{show(value)} is not a list of village ids (e.g. ["V09", "V10"])')
        return None
    if not value:
        ck.add(field_name, "empty (omit villages to cover all villages)")
        return None
    for village in value:
        if village_ids is not None and village not in village_ids:
            ck.add(
                field_name,
                f"unknown village {village!r}{did_you_mean(village, village_ids)}; "
                f"the commune has: {listing(village_ids)}",
            )
    if len(set(value)) != len(value):
        ck.add(field_name, f"{show(list(value))} names a village twice")
    return tuple(value)
