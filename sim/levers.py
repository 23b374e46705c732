"""The measures in force, as per-village multipliers that the processes read.

Each intervention of the scenario becomes one calendar event at its start
date. That event changes the multipliers of the villages it covers and asks
the affected processes to draw their clocks again. An intervention at
intensity 0 schedules nothing at all, so a scenario whose measures are all at
zero reproduces the baseline draw for draw.

A multiplier ``m`` given for intensity 1 acts as ``1 + intensity * (m - 1)``
(never below 0); additive effects scale linearly with intensity.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.clock import calls
from sim.scenario import Intervention
from sim.timeline import months_between

if TYPE_CHECKING:
    from sim.model import CommuneModel


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
        #: the cell quota measure: its spotting multiplier (for cells behind their quota),
        #: and whom it covers (every cell, or the cells of these villages)
        self.quota_mult = 1.0
        self.quota_all = False
        self.quota_villages: set[int] = set()
        #: since when a Standing Committee member has been in charge of each village
        self.assigned_since: dict[int, float] = {}
        self._index = {v.id: i for i, v in enumerate(model.commune.villages)}

    def start(self) -> None:
        """Schedule each intervention's start (none for zero intensity)."""
        for intervention in self.model.scenario.interventions:
            if intervention.intensity <= 0:
                continue
            when = months_between(self.model.start, intervention.start)
            self.model.at(max(when, 0.0), calls(self._starter(intervention)))

    def _starter(self, intervention: Intervention):
        def on_start(_event) -> None:
            self.apply(intervention)

        return on_start

    def quota_covers(self, cell: int) -> bool:
        """Whether the cell quota measure is in force for ``cell`` (school and agency cells
        only when it covers the whole commune)."""
        if self.quota_all:
            return True
        if not self.quota_villages:
            return False
        village_cell = self.model.party.village_cell
        return any(village_cell[v] == cell for v in self.quota_villages)

    def villages_of(self, intervention: Intervention) -> np.ndarray:
        """Indices of the villages an intervention covers."""
        if intervention.villages is None:
            return np.arange(len(self.model.commune.villages))
        return np.array([self._index[v] for v in intervention.villages], dtype=np.int64)

    def apply(self, intervention: Intervention) -> None:
        """Put a measure in force and let the affected processes redraw their clocks."""
        model, p, x = self.model, self.model.p, intervention.intensity
        villages = self.villages_of(intervention)
        whole_commune = intervention.villages is None
        measure = intervention.measure
        if measure == "standing_committee_assignment":
            for v in villages.tolist():
                self.assigned_since.setdefault(v, model.env._now)
            add(self.spot_add, villages, x * p["assignment_spotting_rate"])
            add(self.mentor_extra, villages, x * p["assignment_mentors"])
            model.pipeline.villages_changed(villages)
            model.pipeline.refresh_all_pools()
        elif measure == "cell_admission_quota":
            # a plan of at least the quota for each cell covered, and more spotting in
            # those behind it for the year (sim.pipeline.Pipeline.effort)
            self.quota_mult *= scaled(p["quota_spotting_multiplier"], x)
            if whole_commune:
                self.quota_all = True
            self.quota_villages.update(villages.tolist())
            model.pipeline.villages_changed(villages, staff=whole_commune)
        elif measure == "targeted_sourcing":
            multiply(self.target_mult, villages, scaled(p["targeting_spotting_multiplier"], x))
            model.pipeline.villages_changed(villages)
        elif measure == "propaganda":
            m = scaled(p["propaganda_dropout_multiplier"], x)
            multiply(self.dropout_mult, villages, m)
            if whole_commune:
                self.staff_dropout_mult *= m
            multiply(self.join_mult, villages, scaled(p["propaganda_join_multiplier"], x))
            model.organisations.villages_changed(villages)
            model.pipeline.dropout_changed(villages, staff=whole_commune)
        elif measure == "household_economy":
            multiply(self.exit_mult, villages, scaled(p["economy_exit_multiplier"], x))
            model.demography.poverty_changed(villages)
        elif measure == "mass_org_renewal":
            multiply(self.join_mult, villages, scaled(p["renewal_join_multiplier"], x))
            multiply(self.leave_mult, villages, scaled(p["renewal_leave_multiplier"], x))
            model.organisations.villages_changed(villages)
        elif measure == "extra_class_seats":
            self.extra_seats += x * p["class_seats_per_unit"]
        else:  # pragma: no cover - scenario validation rejects unknown measures
            raise ValueError(f"unknown measure {measure!r}")
        model.recorder.log_lever(intervention)
