"""A commune's measures, declared in its ``measures.toml`` and checked on loading.

A measure of the commune's resolution is data, not code: which levers of the
model it moves (:data:`sim.inputs.lever_vocabulary.LEVERS`), by which parameter of
``parameters.csv`` and how its intensity maps onto that (``how``), whether
a scenario may aim it at some villages or only at the whole commune, whether
it reaches school and agency staff, which processes' clocks its start draws
again, its labels and its source. So a measure that acts on the model's
existing rates and capacities is added by adding a table, and a run of the
scenario that uses it goes through the same chain of spotting, mentoring,
classes and verification as every other measure: a measure never sets an
outcome.

Why the redraws are listed although the levers imply them: the file then says
what a measure's start costs, and the check that the two agree catches a
list left behind when an effect is changed (a missing redraw would leave
clocks drawn at the old rates; an extra one would take random numbers for
nothing and change every later draw).
"""

from __future__ import annotations

import ast
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.inputs.errors import Checker, Problem, did_you_mean, read_text, show
from sim.inputs.languages import LANGUAGES
from sim.inputs.lever_vocabulary import HOWS, LEVERS, PROCESSES
from sim.inputs.limits import Limits, file_within_limit
from sim.inputs.parameters import REQUIRED_PARAMETERS

#: The commune folder's file of measures.
MEASURES_FILE = "measures.toml"

#: What a measure may be aimed at: some villages (or, by default, all), or only the commune.
VILLAGES = "villages"
COMMUNE = "commune"
TARGETS = (VILLAGES, COMMUNE)

_KEYS = ("description", "label", "source", "targets", "staff", "effects", "redraws")
_EFFECT_KEYS = ("lever", "parameter", "how")
_NAME = r"[a-z][a-z0-9_]*"
_DUPLICATE = re.compile(r"Cannot declare (\(.*\)) twice \(at line (\d+), column \d+\)")


@dataclass(frozen=True)
class Effect:
    """One lever a measure moves: by ``parameter`` (of parameters.csv), mapped as ``how``."""

    lever: str
    parameter: str
    how: str


@dataclass(frozen=True)
class Measure:
    """One table of measures.toml, checked.

    ``label`` holds the measure's name for people, per language of
    :data:`sim.inputs.languages.LANGUAGES`; ``targets`` is :data:`VILLAGES` or
    :data:`COMMUNE`; ``staff`` says whether a whole-commune intervention also
    reaches school and agency staff; ``redraws`` are the processes its start
    draws again, in that order.
    """

    name: str
    description: str
    label: dict[str, str]
    source: str
    targets: str
    staff: bool
    effects: tuple[Effect, ...]
    redraws: tuple[str, ...]

    @property
    def parameters(self) -> tuple[str, ...]:
        """The parameters of parameters.csv that give its effect sizes, in order."""
        return tuple(dict.fromkeys(e.parameter for e in self.effects))


def read_measures(path: Path, problems: list[Problem], limits: Limits) -> dict[str, Measure]:
    """The measures of ``path`` that check out (every problem added to ``problems``).

    The size is checked before the file is read, like every file of a commune.
    """
    if not file_within_limit(path, "measures_bytes", limits, problems):
        return {}
    text = read_text(path, problems, missing=f"missing (a commune folder needs {path.name})")
    if text is None:
        return {}
    ck = Checker(str(path), problems)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        _syntax(str(error), ck)
        return {}
    if not data:
        ck.add("(file)", "no measures (expected one [table] per measure)")
        return {}
    measures = {}
    for name, table in data.items():
        measure = _measure(name, table, ck)
        if measure is not None:
            measures[name] = measure
    return measures


def _syntax(message: str, ck: Checker) -> None:
    """A TOML error; a measure declared twice is named as such."""
    found = _DUPLICATE.fullmatch(message)
    try:
        keys = ast.literal_eval(found[1]) if found else ()
    except (ValueError, SyntaxError):  # a key quoting the message's own words
        keys = ()
    if isinstance(keys, tuple) and len(keys) == 1 and found:
        ck.add(
            str(keys[0]),
            f"declared twice (again on line {found[2]}): one table per measure, names unique",
        )
    else:
        ck.add("(syntax)", f"not valid TOML: {message}")


def _measure(name: str, table: Any, ck: Checker) -> Measure | None:
    """One measure's table; ``None`` after any problem."""
    before = len(ck.problems)
    if not re.fullmatch(_NAME, name):
        shown = f"{show(name)} is not allowed as a measure name"
        ck.add(name if name.strip() else "(name)", f"{shown} (expected {_NAME})")
        return None
    if not isinstance(table, Mapping):
        ck.add(name, f"{show(table)} is not a table (expected [{name}] with the measure's keys)")
        return None
    ck.keys(table, name, _KEYS)
    description = ck.text(table, "description", name)
    source = ck.text(table, "source", name)
    label = _label(table, name, ck)
    targets = _choice(table, "targets", name, TARGETS, ck)
    staff = ck.boolean(table, "staff", name, required=False) or False
    effects = _effects(table, name, targets, ck)
    redraws = _redraws(table, name, effects, ck)
    if staff and effects and not any(LEVERS[e.lever].staff_attribute for e in effects):
        staffed = [n for n, lever in LEVERS.items() if lever.staff_attribute]
        ck.add(
            f"{name}.staff",
            "true, but none of its levers has a value for staff (levers that do: "
            f"{', '.join(staffed)})",
        )
    if len(ck.problems) > before:
        return None
    assert description and source and label and targets and effects is not None
    return Measure(name, description, label, source, targets, staff, effects, redraws)


def _choice(
    table: Mapping[str, Any], key: str, prefix: str, allowed: tuple[str, ...], ck: Checker
) -> str | None:
    """A text that must be one of ``allowed``."""
    value = ck.text(table, key, prefix)
    if value is None:
        return None
    if value not in allowed:
        ck.add(
            f"{prefix}.{key}",
            f"{show(value)} is not allowed{did_you_mean(value, allowed)}; "
            f"allowed: {', '.join(allowed)}",
        )
        return None
    return value


def _label(table: Mapping[str, Any], prefix: str, ck: Checker) -> dict[str, str] | None:
    """The measure's name for people, in every language the briefing speaks."""
    label = ck.table(table, "label", prefix)
    if label is None:
        return None
    field = f"{prefix}.label"
    ck.keys(label, field, LANGUAGES)
    texts = {lang: ck.text(label, lang, field) for lang in LANGUAGES}
    if None in texts.values():
        return None
    return {lang: str(text) for lang, text in texts.items()}


def _effects(
    table: Mapping[str, Any], prefix: str, targets: str | None, ck: Checker
) -> tuple[Effect, ...] | None:
    """The levers the measure moves: a non-empty list of ``{lever, parameter, how}``."""
    field = f"{prefix}.effects"
    if "effects" not in table:
        ck.add(field, "missing (required)")
        return None
    items = table["effects"]
    if not isinstance(items, list) or not items:
        ck.add(
            field,
            f"{show(items)} is not a non-empty list of effects "
            '(e.g. [{ lever = "join_multiplier", parameter = "...", how = "scale" }])',
        )
        return None
    effects: list[Effect] = []
    for index, item in enumerate(items):
        effect = _effect(item, f"{field}[{index}]", targets, ck)
        if effect is not None:
            effects.append(effect)
    return tuple(effects) if len(effects) == len(items) else None


def _effect(item: Any, prefix: str, targets: str | None, ck: Checker) -> Effect | None:
    """One effect, checked against the levers, the parameters and the ways to scale."""
    if not isinstance(item, Mapping):
        ck.add(prefix, f"{show(item)} is not a table (expected lever, parameter, how)")
        return None
    before = len(ck.problems)
    ck.keys(item, prefix, _EFFECT_KEYS)
    lever = _choice(item, "lever", prefix, tuple(LEVERS), ck)
    parameter = ck.text(item, "parameter", prefix)
    how = _choice(item, "how", prefix, tuple(HOWS), ck)
    if parameter is not None and parameter not in REQUIRED_PARAMETERS:
        ck.add(
            f"{prefix}.parameter",
            f"unknown parameter {parameter!r}{did_you_mean(parameter, REQUIRED_PARAMETERS)}; "
            "an effect size is a row of parameters.csv (the names of sim/inputs/parameters.py)",
        )
    elif parameter is not None and lever is not None:
        kind, wanted = REQUIRED_PARAMETERS[parameter][0], LEVERS[lever].kind
        if kind != wanted:
            ck.add(
                f"{prefix}.parameter",
                f"{parameter!r} is a {kind!r}, but lever {lever!r} takes a {wanted!r}",
            )
    if lever is not None and how is not None and HOWS[how].combine != LEVERS[lever].combine:
        fits = [name for name, h in HOWS.items() if h.combine == LEVERS[lever].combine]
        ck.add(
            f"{prefix}.how",
            f"{how!r} does not fit lever {lever!r}, whose effects {LEVERS[lever].combine} "
            f"(allowed: {', '.join(fits)})",
        )
    if lever is not None and targets == VILLAGES and not LEVERS[lever].per_village:
        ck.add(
            f"{prefix}.lever",
            f"{lever!r} has one value for the whole commune: the measure needs "
            f'targets = "{COMMUNE}"',
        )
    if len(ck.problems) > before or lever is None or parameter is None or how is None:
        return None
    return Effect(lever, parameter, how)


def _redraws(
    table: Mapping[str, Any], prefix: str, effects: tuple[Effect, ...] | None, ck: Checker
) -> tuple[str, ...]:
    """The processes redrawn at the start, known, once each, and those the levers change."""
    field = f"{prefix}.redraws"
    if "redraws" not in table:
        ck.add(field, "missing (required; [] if its start redraws nothing)")
        return ()
    items = table["redraws"]
    if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
        ck.add(field, f"{show(items)} is not a list of processes (allowed: {', '.join(PROCESSES)})")
        return ()
    unknown = [(i, process) for i, process in enumerate(items) if process not in PROCESSES]
    for index, process in unknown:
        ck.add(
            f"{field}[{index}]",
            f"unknown process {process!r}{did_you_mean(process, PROCESSES)}; "
            f"allowed: {', '.join(PROCESSES)}",
        )
    if len(set(items)) != len(items):
        ck.add(field, f"{show(items)} names a process twice")
    if effects is None or unknown:  # a misspelt process is not also a missing one
        return tuple(items)
    changed: dict[str, str] = {}
    for index, effect in enumerate(effects):
        process = LEVERS[effect.lever].redraw
        if process is not None:
            changed.setdefault(process, f"effects[{index}] (lever {effect.lever!r})")
    for process, by in changed.items():
        if process not in items:
            ck.add(field, f"misses {process!r}, whose clocks {by} changes")
    for process in dict.fromkeys(items):
        if process not in changed:
            ck.add(
                field,
                f"{process!r}, but no effect changes what it reads (a redraw takes random "
                "numbers: remove it)",
            )
    return tuple(items)
