"""The search space of "what it takes": levers, their grids, a mix and its effort.

A **lever** is a measure of the scenario whose intensity (and optionally
start date) the search varies on a grid; a **mix** is one point of that grid
with its effort. Why effort is declared, not invented: every intervention of
the scenario file carries ``effort_per_unit``, the effort of one unit of
intensity kept up for one year, so a mix's effort is
``Σ effort_per_unit × intensity × years in force`` (from its start to the
horizon): starting earlier costs more, as it does for the people doing it,
and a later start is a real saving to weigh against its smaller effect.
Interventions that are not levers keep their values and add a fixed effort.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from sim.analysis.comparison import add_months
from sim.inputs.errors import InputError, Problem, did_you_mean
from sim.inputs.measures import MEASURES_FILE
from sim.inputs.provenance import digest
from sim.inputs.scenario import Intervention, Scenario
from sim.model.timeline import months_between

#: Default highest intensity of a lever, and the intensity grid's step.
DEFAULT_MAX_INTENSITY = 2.0
DEFAULT_STEP = 0.25
#: Default spacing of the start-date grid, in months (0: keep the file's start dates).
DEFAULT_START_STEP = 12


@dataclass(frozen=True)
class Lever:
    """A measure whose intensity (0 .. ``max_intensity`` by ``step``) the search varies.

    Written on the command line as ``MEASURE`` or ``MEASURE:MAX``. Every
    intervention of the scenario with this measure takes the lever's
    intensity (and start, when starts are searched).
    """

    measure: str
    max_intensity: float = DEFAULT_MAX_INTENSITY
    step: float = DEFAULT_STEP

    def intensities(self) -> list[float]:
        """The intensity grid: 0, step, 2·step, ... up to max_intensity."""
        count = int(math.floor(self.max_intensity / self.step + 1e-9))
        return [round(i * self.step, 10) for i in range(count + 1)]


def parse_lever(text: str, step: float = DEFAULT_STEP) -> Lever:
    """``MEASURE`` or ``MEASURE:MAX`` -> :class:`Lever` (bad text: ``InputError``).

    Whether the measure exists is the commune's to say (:func:`make_space`)."""
    measure, _, top = text.strip().partition(":")
    problems = []
    maximum = DEFAULT_MAX_INTENSITY
    if top:
        try:
            maximum = float(top)
        except ValueError:
            maximum = math.nan
        if not maximum > 0 or math.isinf(maximum):
            problems.append(
                Problem("--levers", text, f"{top!r} is not a highest intensity > 0 (MEASURE:MAX)")
            )
    if not step > 0:
        problems.append(Problem("--step", str(step), "the intensity step must be > 0"))
    if problems:
        raise InputError(problems)
    return Lever(measure, maximum, step)


@dataclass(frozen=True)
class Mix:
    """One point of the search: each lever's intensity and start, and what it costs."""

    intensities: dict[str, float]
    starts: dict[str, date]
    effort: float
    lever_effort: dict[str, float]

    def describe(self) -> str:
        """``measure 1.50 from 2016-01, ...``."""
        return ", ".join(
            f"{m} {x:.2f} from {self.starts[m]:%Y-%m}" if x > 0 else f"{m} 0"
            for m, x in self.intensities.items()
        )

    def key(self) -> str:
        """A stable name of the mix (its intensities and starts): where its runs are kept."""
        starts = {m: d.isoformat() for m, d in self.starts.items()}
        return digest({"intensities": self.intensities, "starts": starts})[:16]


@dataclass(frozen=True)
class Space:
    """The levers, their grids, and how a point becomes a scenario and an effort."""

    scenario: Scenario
    levers: tuple[Lever, ...]
    start_step: int

    def start_offsets(self) -> list[int]:
        """Start months searched (offsets from the scenario start); ``[]`` if starts are fixed."""
        if self.start_step <= 0:
            return []
        total = months_between(self.scenario.start, self.scenario.horizon)
        return [m for m in range(0, int(total) + 1, self.start_step) if m < total]

    def grid(self) -> dict[str, list[Any]]:
        """Every parameter and its values (the GridSampler's search space)."""
        space: dict[str, list[Any]] = {}
        for lever in self.levers:
            space[f"{lever.measure}.intensity"] = lever.intensities()
            if self.start_offsets():
                space[f"{lever.measure}.start_month"] = self.start_offsets()
        return space

    def size(self) -> int:
        """Number of grid points."""
        return math.prod(len(values) for values in self.grid().values())

    def mix(self, params: dict[str, Any]) -> Mix:
        """The mix a trial's parameters describe, with its effort."""
        intensities, starts, lever_effort = {}, {}, {}
        for lever in self.levers:
            m = lever.measure
            intensities[m] = round(float(params[f"{m}.intensity"]), 10)
            if f"{m}.start_month" in params:
                starts[m] = add_months(self.scenario.start, int(params[f"{m}.start_month"]))
            else:
                starts[m] = min(i.start for i in self._of(m))
        scenario = self.apply_values(intensities, starts)
        for lever in self.levers:
            lever_effort[lever.measure] = sum(
                effort(i, scenario.horizon)
                for i in scenario.interventions
                if i.measure == lever.measure
            )
        return Mix(intensities, starts, round(sum(lever_effort.values()), 10), lever_effort)

    def fixed_effort(self) -> float:
        """The effort of the interventions that are not levers."""
        names = {lever.measure for lever in self.levers}
        return sum(
            effort(i, self.scenario.horizon)
            for i in self.scenario.interventions
            if i.measure not in names
        )

    def apply(self, mix: Mix) -> Scenario:
        """The scenario with the mix's intensities and starts."""
        return self.apply_values(mix.intensities, mix.starts)

    def apply_values(self, intensities: dict[str, float], starts: dict[str, date]) -> Scenario:
        changed = []
        for item in self.scenario.interventions:
            if item.measure in intensities:
                start = starts[item.measure] if self.start_step > 0 else item.start
                item = replace(item, intensity=intensities[item.measure], start=start)
            changed.append(item)
        return self.scenario.with_interventions(*changed)

    def as_written(self) -> dict[str, Any]:
        """The scenario file's own values, snapped to the grid (the TPE's first trial)."""
        params: dict[str, Any] = {}
        offsets = self.start_offsets()
        for lever in self.levers:
            items = self._of(lever.measure)
            values = lever.intensities()
            x = items[0].intensity
            params[f"{lever.measure}.intensity"] = min(values, key=lambda v: abs(v - x))
            if offsets:
                month = months_between(self.scenario.start, items[0].start)
                params[f"{lever.measure}.start_month"] = min(offsets, key=lambda v: abs(v - month))
        return params

    def _of(self, measure: str) -> list[Intervention]:
        return [i for i in self.scenario.interventions if i.measure == measure]


def effort(item: Intervention, horizon: date) -> float:
    """``effort_per_unit × intensity × years in force`` (start to horizon) of one intervention."""
    years = max(0.0, months_between(item.start, horizon)) / 12.0
    return item.effort_per_unit * item.intensity * years


def make_space(scenario: Scenario, levers: Sequence[Lever], start_step: int) -> Space:
    """Check the levers against the scenario (each must be one of its measures)."""
    problems = []
    source = str(scenario.path or scenario.name)
    present = {i.measure for i in scenario.interventions}
    known = scenario.commune.measures
    if not levers:
        problems.append(Problem("--levers", "(none)", "name at least one measure to vary"))
    seen = set()
    for lever in levers:
        if lever.measure in seen:
            problems.append(Problem("--levers", lever.measure, "named twice"))
        seen.add(lever.measure)
        if lever.measure not in known:
            problems.append(
                Problem(
                    "--levers",
                    lever.measure,
                    f"unknown measure {lever.measure!r}{did_you_mean(lever.measure, known)}; "
                    f"known ({MEASURES_FILE}): {', '.join(known)}",
                )
            )
        elif lever.measure not in present:
            problems.append(
                Problem(
                    source,
                    "interventions",
                    f"has no {lever.measure!r} intervention: add one (intensity 0 is fine) "
                    "with its villages and effort_per_unit, so the search knows where it acts "
                    "and what it costs",
                )
            )
    if not isinstance(start_step, int) or start_step < 0:
        problems.append(Problem("--start-step", str(start_step), "must be a whole number >= 0"))
    if problems:
        raise InputError(problems)
    return Space(scenario, tuple(levers), start_step)
