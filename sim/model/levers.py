"""The measures in force, as per-village multipliers that the processes read.

A measure is data (the commune's ``measures.toml``, loaded by
:mod:`sim.inputs.measures`): which levers it moves, by which parameter of
``parameters.csv``, and how intensity maps onto them. The levers themselves,
the rates and capacities of the model a measure may act on, are the
vocabulary of :mod:`sim.inputs.lever_vocabulary` (``LEVERS``): each names the attribute of
:class:`Levers` that the processes read, how effects on it compose, and which
process's clocks must be drawn again when it changes. A mechanism that goes
with a lever (the cell quota's spotting ceiling, the date a Standing
Committee member was put in charge of a village) is a property of the lever,
so every measure that uses the lever has it.

The interventions of the scenario that start at the same instant share one
calendar event. That event puts them in force one after the other, in the
scenario's order, each as if it were alone: it changes the multipliers of the
villages it covers, then asks the affected processes to draw their clocks
again. An intervention at intensity 0 schedules nothing at all, so a scenario
whose measures are all at zero reproduces the baseline draw for draw.

Why one event per instant: a redrawn clock leaves the old one on the queue,
stale, until it falls due, and N measures starting together on one village
redrew every clock of its people N times, so a run's time and memory grew
with the number of measures rather than with what they changed. Within the
event, a redraw that a later measure of the same instant repeats (same
process, same village) is skipped; the last one draws the clock. Each clock
is therefore drawn once, with the rates in force once every measure of that
instant that affects it is in force. Skipping a redraw moves no one else's
draws: each person draws from their own stream (``sim.model.rng``).

A multiplier ``m`` given for intensity 1 acts as ``1 + intensity * (m - 1)``
(never below 0, ``how = "scale"``); additive effects scale linearly with
intensity (``how = "add"``). A measure applied twice to the same village acts
twice: its multipliers compose.
"""

from __future__ import annotations

from collections.abc import Sequence
from collections.abc import Set as AbstractSet
from typing import TYPE_CHECKING

import numpy as np

from sim.inputs.lever_vocabulary import (
    ADD,
    DROPOUT,
    HOWS,
    LEVERS,
    MULTIPLY,
    ORGANISATIONS,
    POOLS,
    SPOTTING,
    Lever,
)
from sim.model.clock import calls
from sim.model.timeline import months_between

if TYPE_CHECKING:
    from sim.inputs.measures import Measure
    from sim.inputs.scenario import Intervention
    from sim.model.collaborators import (
        CellsOfVillages,
        LeverLog,
        PovertyRedraws,
        SpottingRedraws,
        VillageRedraws,
    )
    from sim.model.run_state import RunState

#: the key of school and agency staff among the village indices of a redraw
STAFF = -1

#: one process's redraw: (process, village indices, staff too)
Redraw = tuple[str, np.ndarray, bool]


def add(values: list[float], villages: np.ndarray, amount: float) -> None:
    """Add ``amount`` to the entries of ``villages``."""
    for v in villages.tolist():
        values[v] += amount


def multiply(values: list[float], villages: np.ndarray, factor: float) -> None:
    """Multiply the entries of ``villages`` by ``factor``."""
    for v in villages.tolist():
        values[v] *= factor


#: how a lever's per-village values change, by its composition
_CHANGE = {ADD: add, MULTIPLY: multiply}


def combined(value: float, combine: str, effect: float) -> float:
    """One commune-wide value after an effect: ``value + effect`` or ``value * effect``."""
    return value + effect if combine == ADD else value * effect


def all_superseded(superseded: AbstractSet[int], villages: np.ndarray, staff: bool) -> bool:
    """Whether ``superseded`` holds every village of a redraw (and ``STAFF`` if it covers
    staff): a later measure of the same instant redraws all its people."""
    return len(superseded) == len(villages) + staff


def redraw_keys(villages: np.ndarray, staff: bool) -> list[int]:
    """The villages a redraw covers, with ``STAFF`` if it covers staff."""
    return villages.tolist() + ([STAFF] if staff else [])


def last_redraws(plans: Sequence[Sequence[Redraw]]) -> dict[tuple[str, int], int]:
    """For each (process, village or ``STAFF``), the last measure of ``plans`` redrawing it."""
    last = {}
    for k, plan in enumerate(plans):
        for process, villages, staff in plan:
            for key in redraw_keys(villages, staff):
                last[process, key] = k
    return last


class Levers:
    """Per-village multipliers and additions, changed by the interventions' start events."""

    def __init__(
        self,
        run: RunState,
        interventions: Sequence[Intervention],
    ) -> None:
        """What the measures read: the commune's measures and villages (``run.commune``), the
        scenario's ``interventions``, the effect sizes (``run.p``), the start (``run.start``) and
        the queue (``run.scheduler``). The parts whose clocks a measure redraws are created
        after the levers they read, so they are handed over by :meth:`attach`."""
        commune, p, start, scheduler = run.commune, run.p, run.start, run.scheduler
        self.commune, self.interventions, self.p, self.run_start = commune, interventions, p, start
        self.scheduler, self.env = scheduler, scheduler.env
        n = len(commune.villages)
        # per-village values as Python lists: event handlers read them one at a time
        self.spot_add = [0.0] * n
        self.spot_mult = [1.0] * n
        self.target_mult = [1.0] * n
        self.join_mult = [1.0] * n
        self.leave_mult = [1.0] * n
        self.dropout_mult = [1.0] * n
        self.exit_mult = [1.0] * n
        self.mentor_extra = [0.0] * n
        self.staff_spot_mult = 1.0
        self.staff_dropout_mult = 1.0
        self.extra_seats = 0.0
        #: the cell quota measure's spotting multiplier (for cells behind their quota) by
        #: village, and for school and agency cells (set by whole-commune measures only);
        #: ``quota_ceiling`` is the highest, at which the spotting clocks run
        self.quota_village_mult = np.ones(n)
        self.quota_staff_mult = 1.0
        self.quota_ceiling = 1.0
        self.quota_in_force = False
        #: since when a Standing Committee member has been in charge of each village
        self.assigned_since: dict[int, float] = {}
        self._index = {v.id: i for i, v in enumerate(commune.villages)}

    def attach(
        self,
        recorder: LeverLog,
        party: CellsOfVillages,
        pipeline: SpottingRedraws,
        organisations: VillageRedraws,
        demography: PovertyRedraws,
    ) -> None:
        """The parts a measure's start logs to, reads the cells of, and redraws the
        clocks of (created after the levers: the model hands them over once they exist)."""
        self.recorder, self.party, self.pipeline = recorder, party, pipeline
        self.organisations, self.demography = organisations, demography

    def start(self) -> None:
        """Schedule one start event per instant at which interventions start (none for
        zero intensity); it holds them in the scenario's order."""
        starts: dict[float, list[Intervention]] = {}
        for intervention in self.interventions:
            if intervention.intensity > 0:
                when = max(months_between(self.run_start, intervention.start), 0.0)
                starts.setdefault(when, []).append(intervention)
        for when, group in starts.items():
            self.scheduler.at(when, calls(self._starter(group)))

    def _starter(self, group: list[Intervention]):
        def on_start(_event) -> None:
            self.apply_all(group)

        return on_start

    def quota_multiplier(self, cell: int) -> float:
        """The cell quota measure's multiplier for ``cell``: the highest of the villages it
        serves (a cell is under the measure if one of its villages is); a school or agency
        cell, serving no village, has the whole-commune measures' multiplier.

        Per village, not one number for the commune: two measures on two different
        villages must not multiply each other's effect."""
        serves = self.party.village_cell == cell
        if serves.any():
            return float(self.quota_village_mult[serves].max())
        return self.quota_staff_mult

    def villages_of(self, intervention: Intervention) -> np.ndarray:
        """Indices of the villages an intervention covers."""
        if intervention.villages is None:
            return np.arange(len(self.commune.villages))
        return np.array([self._index[v] for v in intervention.villages], dtype=np.int64)

    def measure(self, intervention: Intervention) -> Measure:
        """The commune's definition of the intervention's measure (scenarios name known ones)."""
        return self.commune.measures[intervention.measure]

    def redraws(self, intervention: Intervention) -> list[Redraw]:
        """What the start of ``intervention`` redraws, in the order its measure lists.

        Staff are redrawn when the measure covers the whole commune, includes staff, and
        one of its levers for that process has a staff value; a quota ceiling redraws
        everyone (a clock drawn at a lower ceiling would be thinned at the new one: too
        few spotted outside the villages covered).
        """
        measure = self.measure(intervention)
        villages = self.villages_of(intervention)
        covers_staff = intervention.villages is None and measure.staff
        plan: list[Redraw] = []
        for process in measure.redraws:
            levers = [LEVERS[e.lever] for e in measure.effects if LEVERS[e.lever].redraw == process]
            if any(lever.quota_ceiling for lever in levers):
                plan.append((process, np.arange(len(self.commune.villages)), True))
            else:
                staff = covers_staff and any(lever.staff_attribute for lever in levers)
                plan.append((process, villages, staff))
        return plan

    def apply_all(self, group: Sequence[Intervention]) -> None:
        """Put the measures that start now in force, one after the other (module docstring)."""
        plans = [self.redraws(intervention) for intervention in group]
        last = last_redraws(plans)
        for k, (intervention, plan) in enumerate(zip(group, plans, strict=True)):
            self.apply(intervention)
            for process, villages, staff in plan:
                keys = redraw_keys(villages, staff)
                superseded = {key for key in keys if last[process, key] > k}
                self._redraw(process, villages, staff, superseded)
            self.recorder.log_lever(intervention)

    def _redraw(
        self, process: str, villages: np.ndarray, staff: bool, superseded: set[int]
    ) -> None:
        """Ask ``process`` to redraw (only consuming the draws of ``superseded``)."""
        if process == SPOTTING:
            self.pipeline.villages_changed(villages, staff, superseded)
        elif process == POOLS:
            self.pipeline.refresh_all_pools()
        elif process == ORGANISATIONS:
            self.organisations.villages_changed(villages, superseded)
        elif process == DROPOUT:
            self.pipeline.dropout_changed(villages, staff, superseded)
        else:
            self.demography.poverty_changed(villages, superseded)

    def apply(self, intervention: Intervention) -> None:
        """Move the levers of a measure (the clocks are redrawn by :meth:`apply_all`)."""
        measure = self.measure(intervention)
        villages = self.villages_of(intervention)
        covers_staff = intervention.villages is None and measure.staff
        for effect in measure.effects:
            lever, how = LEVERS[effect.lever], HOWS[effect.how]
            size = how.size(self.p[effect.parameter], intervention.intensity)
            self._move(lever, villages, covers_staff, size)

    def _move(self, lever: Lever, villages: np.ndarray, covers_staff: bool, size: float) -> None:
        """One effect on one lever, with the lever's mechanism."""
        if lever.per_village:
            _CHANGE[lever.combine](getattr(self, lever.attribute), villages, size)
        else:
            value = getattr(self, lever.attribute)
            setattr(self, lever.attribute, combined(value, lever.combine, size))
        if covers_staff and lever.staff_attribute is not None:
            value = getattr(self, lever.staff_attribute)
            setattr(self, lever.staff_attribute, combined(value, lever.combine, size))
        if lever.assignment_date:
            for v in villages.tolist():
                self.assigned_since.setdefault(v, self.env.now)
        if lever.quota_ceiling:
            self.quota_ceiling = max(self.quota_staff_mult, float(self.quota_village_mult.max()))
            self.quota_in_force = True
