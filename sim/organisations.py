"""Mass organisations: who is active in the Youth Union, Women's Union,
Farmers' Association and Veterans' Association.

Each resident alternates between inactive and active in each organisation
they are eligible for. The leaving rate is 1 / ``active_spell_years``; the
joining rate is set so that a non-poor resident is active a share
``<org>_active_share`` of the time (share = join / (join + leave)). Poor
households join at ``poor_participation_multiplier`` times that rate: the
article's observation that the youth who stay are poorer and take part less.
Measures act through ``Levers.join_mult`` and ``leave_mult``.

Eligibility: Youth Union ages ``youth_union_age_min``..``youth_union_age_max``
(membership ends on the next birthday), Women's Union women from
``adult_age``, Farmers' Association adults of farming households, Veterans
former soldiers. Anyone away is inactive.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from sim.population import (
    FARMERS,
    FEMALE,
    HOME,
    ORGANISATIONS,
    VETERANS,
    WOMENS_UNION,
    YOUTH_UNION,
)

if TYPE_CHECKING:
    from simpy.events import Event

    from sim.model import CommuneModel

_SHARE_PARAMETER = {
    YOUTH_UNION: "youth_union_active_share",
    WOMENS_UNION: "womens_union_active_share",
    FARMERS: "farmers_association_active_share",
    VETERANS: "veterans_active_share",
}


class Organisations:
    """Joining and leaving the mass organisations."""

    def __init__(self, model: CommuneModel) -> None:
        self.model = model
        p = model.p
        self.leave_rate = (
            1.0 / (12.0 * p["active_spell_years"]) if p["active_spell_years"] > 0 else math.inf
        )
        self.join_rate = {}
        for org, name in _SHARE_PARAMETER.items():
            share = min(p[name], 1.0 - 1e-9)
            self.join_rate[org] = share / (1.0 - share) * self.leave_rate
        self.poor_mult = p["poor_participation_multiplier"]
        self.clock = model.streams["organisations"]
        self.yu_from = p["youth_union_age_min"] * 12.0
        self.yu_to = (p["youth_union_age_max"] + 1.0) * 12.0
        self.adult = p["adult_age"] * 12.0
        #: active members per organisation, kept up to date for the monthly series
        self.active_count = [0] * len(ORGANISATIONS)

    def window(self, pid: int, org: int) -> tuple[float, float]:
        """Model times between which ``pid`` may be active in ``org`` (empty if never)."""
        pop, households = self.model.pop, self.model.households
        birth = pop.birth[pid]
        if pop.staff[pid]:
            return math.inf, -math.inf
        if org == YOUTH_UNION:
            return birth + self.yu_from, birth + self.yu_to
        if org == WOMENS_UNION:
            if pop.sex[pid] != FEMALE:
                return math.inf, -math.inf
            return birth + self.adult, math.inf
        if org == FARMERS:
            if not households.farming[pop.household[pid]]:
                return math.inf, -math.inf
            return birth + self.adult, math.inf
        if not pop.veteran[pid]:
            return math.inf, -math.inf
        return birth + self.adult, math.inf

    def start(self) -> None:
        """Everyone at home starts active with their steady-state probability, then runs on.

        Vectorised over residents: this is the largest batch of clocks of a run.
        """
        model, pop, households = self.model, self.model.pop, self.model.households
        residents = np.flatnonzero((pop.array("place") == HOME) & ~pop.array("staff"))
        birth = pop.array("birth")[residents]
        household = pop.array("household")[residents]
        village = pop.array("village")[residents]
        poor = np.asarray(households.poor)[household]
        never = np.full(len(residents), np.inf)
        adult = birth + self.adult
        windows = {
            YOUTH_UNION: (birth + self.yu_from, birth + self.yu_to),
            WOMENS_UNION: (np.where(pop.array("sex")[residents] == FEMALE, adult, never), np.inf),
            FARMERS: (np.where(np.asarray(households.farming)[household], adult, never), np.inf),
            VETERANS: (np.where(pop.array("veteran")[residents], adult, never), np.inf),
        }
        leave = self.leave_rate * np.asarray(model.levers.leave_mult)[village]
        uniforms = self.clock.generator.random((len(ORGANISATIONS), len(residents)))
        clocks = self.clock.generator.standard_exponential((len(ORGANISATIONS), len(residents)))
        for org, (lo, hi) in windows.items():
            hi = np.broadcast_to(hi, lo.shape)
            join = self.join_rate[org] * np.asarray(model.levers.join_mult)[village]
            join = np.where(poor, join * self.poor_mult, join)
            eligible_now = (lo <= 0.0) & (hi > 0.0)
            active = eligible_now & (uniforms[org] * (join + leave) < join)
            column = pop.active[org]
            for pid in residents[active].tolist():
                column[pid] = True
            self.active_count[org] += int(active.sum())
            with np.errstate(divide="ignore"):
                when = np.where(
                    active,
                    np.minimum(clocks[org] / leave, hi),
                    np.maximum(lo, 0.0) + clocks[org] / join,
                )
            due = (when < model.horizon) & (active | (when < hi))
            for pid, t in zip(residents[due].tolist(), when[due].tolist(), strict=True):
                model.at(t, self._on_change, pid * 4 + org, 0)

    def _join_rate(self, pid: int, org: int, poor: bool) -> float:
        village = self.model.pop.village[pid]
        rate = self.join_rate[org] * self.model.levers.join_mult[village]
        return rate * self.poor_mult if poor else rate

    def _leave_rate(self, pid: int) -> float:
        return self.leave_rate * self.model.levers.leave_mult[self.model.pop.village[pid]]

    def schedule_all(self, pid: int) -> None:
        """Draw again every organisation clock of a resident."""
        for org in range(len(ORGANISATIONS)):
            self.schedule(pid, org)

    def schedule_joins(self, pid: int) -> None:
        """Draw again the joining clocks (after a change in household poverty)."""
        pop = self.model.pop
        for org in range(len(ORGANISATIONS)):
            if not pop.active[org][pid]:
                self.schedule(pid, org)

    def schedule(self, pid: int, org: int) -> None:
        """Draw the next change of ``pid``'s activity in ``org``."""
        pop, model = self.model.pop, self.model
        pop.v_org[org][pid] += 1
        if pop.place[pid] != HOME or not pop.alive[pid]:
            return
        now = model.env._now
        lo, hi = self.window(pid, org)
        version = pop.v_org[org][pid]
        if pop.active[org][pid]:
            when = now + self.clock.exponential() / self._leave_rate(pid)
            model.at(min(when, hi), self._on_change, pid * 4 + org, version)
            return
        if hi <= now:
            return
        rate = self._join_rate(pid, org, model.households.poor[pop.household[pid]])
        if rate <= 0:
            return
        when = max(now, lo) + self.clock.exponential() / rate
        if when < hi:
            model.at(when, self._on_change, pid * 4 + org, version)

    def _on_change(self, event: Event) -> None:
        pid, org = divmod(event.pid, 4)
        pop = self.model.pop
        if pop.v_org[org][pid] != event.ver:
            return
        was_active = self.is_active(pid)
        now_active = not pop.active[org][pid]
        pop.active[org][pid] = now_active
        self.active_count[org] += 1 if now_active else -1
        self.schedule(pid, org)
        self.model.pipeline.activity_changed(pid, org, was_active)

    def clear(self, pid: int) -> None:
        """Someone left home: no longer active anywhere, and no clock running."""
        pop = self.model.pop
        for org in range(len(ORGANISATIONS)):
            if pop.active[org][pid]:
                pop.active[org][pid] = False
                self.active_count[org] -= 1
            pop.v_org[org][pid] += 1

    def is_active(self, pid: int) -> bool:
        """Active in at least one organisation."""
        active = self.model.pop.active
        return active[0][pid] or active[1][pid] or active[2][pid] or active[3][pid]

    def villages_changed(self, villages: np.ndarray) -> None:
        """A measure changed joining or leaving rates in ``villages``: redraw those clocks."""
        pop = self.model.pop
        residents = np.flatnonzero(
            np.isin(pop.village_np[: pop.size], villages)
            & (pop.place_np[: pop.size] == HOME)
            & ~pop.staff_np[: pop.size]
        )
        for pid in residents.tolist():
            self.schedule_all(pid)
