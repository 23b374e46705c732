"""The measures in force, as per-village multipliers that the processes read.

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
draws: each person draws from their own stream (``sim.rng``).

A multiplier ``m`` given for intensity 1 acts as ``1 + intensity * (m - 1)``
(never below 0); additive effects scale linearly with intensity. A measure
applied twice to the same village acts twice: its multipliers compose.
"""

from __future__ import annotations

from collections.abc import Sequence
from collections.abc import Set as AbstractSet
from typing import TYPE_CHECKING

import numpy as np

from sim.clock import calls
from sim.scenario import Intervention
from sim.timeline import months_between

if TYPE_CHECKING:
    from sim.model import CommuneModel

#: the key of school and agency staff among the village indices of a redraw
STAFF = -1

# what a measure's start asks of the processes
SPOTTING = "spotting"
POOLS = "pools"
ORGANISATIONS = "organisations"
DROPOUT = "dropout"
POVERTY = "poverty"

#: per measure, in order, the processes its start redraws (or, for ``POOLS``, serves),
#: each with whether staff are included when the measure covers the whole commune
REDRAWS: dict[str, tuple[tuple[str, bool], ...]] = {
    "standing_committee_assignment": ((SPOTTING, False), (POOLS, False)),
    "cell_admission_quota": ((SPOTTING, True),),
    "targeted_sourcing": ((SPOTTING, False),),
    "propaganda": ((ORGANISATIONS, False), (DROPOUT, True)),
    "household_economy": ((POVERTY, False),),
    "mass_org_renewal": ((ORGANISATIONS, False),),
    "extra_class_seats": (),
}

#: one process's redraw: (process, village indices, staff too)
Redraw = tuple[str, np.ndarray, bool]


def scaled(multiplier: float, intensity: float) -> float:
    """The multiplier at ``intensity`` of one whose effect at intensity 1 is ``multiplier``."""
    return max(0.0, 1.0 + intensity * (multiplier - 1.0))


def add(values: list[float], villages: np.ndarray, amount: float) -> None:
    """Add ``amount`` to the entries of ``villages``."""
    for v in villages.tolist():
        values[v] += amount


def multiply(values: list[float], villages: np.ndarray, factor: float) -> None:
    """Multiply the entries of ``villages`` by ``factor``."""
    for v in villages.tolist():
        values[v] *= factor


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

    def __init__(self, model: CommuneModel) -> None:
        self.model = model
        n = len(model.commune.villages)
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
        self._index = {v.id: i for i, v in enumerate(model.commune.villages)}

    def start(self) -> None:
        """Schedule one start event per instant at which interventions start (none for
        zero intensity); it holds them in the scenario's order."""
        starts: dict[float, list[Intervention]] = {}
        for intervention in self.model.scenario.interventions:
            if intervention.intensity > 0:
                when = max(months_between(self.model.start, intervention.start), 0.0)
                starts.setdefault(when, []).append(intervention)
        for when, group in starts.items():
            self.model.at(when, calls(self._starter(group)))

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
        serves = self.model.party.village_cell == cell
        if serves.any():
            return float(self.quota_village_mult[serves].max())
        return self.quota_staff_mult

    def villages_of(self, intervention: Intervention) -> np.ndarray:
        """Indices of the villages an intervention covers."""
        if intervention.villages is None:
            return np.arange(len(self.model.commune.villages))
        return np.array([self._index[v] for v in intervention.villages], dtype=np.int64)

    def redraws(self, intervention: Intervention) -> list[Redraw]:
        """What the start of ``intervention`` redraws, in order."""
        villages = self.villages_of(intervention)
        whole_commune = intervention.villages is None
        if intervention.measure == "cell_admission_quota":
            # it may raise quota_ceiling, at which everyone's spotting clock runs, so every
            # clock is drawn again (a clock drawn at a lower ceiling would be thinned at the
            # new one: too few spotted outside the villages covered)
            villages, whole_commune = np.arange(len(self.model.commune.villages)), True
        return [
            (process, villages, staff and whole_commune)
            for process, staff in REDRAWS[intervention.measure]
        ]

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
            self.model.recorder.log_lever(intervention)

    def _redraw(
        self, process: str, villages: np.ndarray, staff: bool, superseded: set[int]
    ) -> None:
        """Ask ``process`` to redraw (only consuming the draws of ``superseded``)."""
        model = self.model
        if process == SPOTTING:
            model.pipeline.villages_changed(villages, staff, superseded)
        elif process == POOLS:
            model.pipeline.refresh_all_pools()
        elif process == ORGANISATIONS:
            model.organisations.villages_changed(villages, superseded)
        elif process == DROPOUT:
            model.pipeline.dropout_changed(villages, staff, superseded)
        else:
            model.demography.poverty_changed(villages, superseded)

    def apply(self, intervention: Intervention) -> None:
        """Change the multipliers of a measure (the clocks are redrawn by :meth:`apply_all`)."""
        p, x = self.model.p, intervention.intensity
        villages = self.villages_of(intervention)
        whole_commune = intervention.villages is None
        measure = intervention.measure
        if measure == "standing_committee_assignment":
            for v in villages.tolist():
                self.assigned_since.setdefault(v, self.model.env._now)
            add(self.spot_add, villages, x * p["assignment_spotting_rate"])
            add(self.mentor_extra, villages, x * p["assignment_mentors"])
        elif measure == "cell_admission_quota":
            # more spotting in the cells covered that are behind the per-cell quota for
            # the year (sim.cell_plans.CellPlans.effort); their plans are not raised
            m = scaled(p["quota_spotting_multiplier"], x)
            self.quota_village_mult[villages] *= m
            if whole_commune:
                self.quota_staff_mult *= m
            self.quota_ceiling = max(self.quota_staff_mult, float(self.quota_village_mult.max()))
            self.quota_in_force = True
        elif measure == "targeted_sourcing":
            multiply(self.target_mult, villages, scaled(p["targeting_spotting_multiplier"], x))
        elif measure == "propaganda":
            m = scaled(p["propaganda_dropout_multiplier"], x)
            multiply(self.dropout_mult, villages, m)
            if whole_commune:
                self.staff_dropout_mult *= m
            multiply(self.join_mult, villages, scaled(p["propaganda_join_multiplier"], x))
        elif measure == "household_economy":
            multiply(self.exit_mult, villages, scaled(p["economy_exit_multiplier"], x))
        elif measure == "mass_org_renewal":
            multiply(self.join_mult, villages, scaled(p["renewal_join_multiplier"], x))
            multiply(self.leave_mult, villages, scaled(p["renewal_leave_multiplier"], x))
        elif measure == "extra_class_seats":
            self.extra_seats += x * p["class_seats_per_unit"]
        else:  # pragma: no cover - scenario validation rejects unknown measures
            raise ValueError(f"unknown measure {measure!r}")
