"""Youth outmigration and return, and military service.

Leaving is the model's central driver. The hazard depends on age (zero
before ``leave_age_min``; ``leave_hazard_young`` to ``leave_age_max``;
``leave_hazard_adult`` after), on schooling (a spike in the two years after
upper-secondary completion, sized so that ``leave_after_upper_secondary_2y``
of completers leave within two years), and on the household: poor and
ethnic-minority people leave less (Coxhead, Nguyen & Vu 2015). That is the
tension the model must show: finishing school makes a young person eligible
for the party and also likely to go.

Party members do not follow the youth hazard: they move away at
``member_move_rate`` (see ``party``).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from sim.hazards import AgeProfile
from sim.population import AWAY, HOME, KINH, MALE, MILITARY, NOT_MEMBER, UPPER_SECONDARY

if TYPE_CHECKING:
    from simpy.events import Event

    from sim.model import CommuneModel


def leaving_profiles(
    parameters: dict[str, float], upper_completion_age: float
) -> tuple[AgeProfile, AgeProfile]:
    """Leaving hazards by age: without, and with, upper-secondary completion."""
    p = parameters
    young_from, young_to = p["leave_age_min"], p["leave_age_max"] + 1.0
    young, adult = p["leave_hazard_young"], p["leave_hazard_adult"]
    plain = AgeProfile.from_bands([(young_from, young_to, young), (young_to, 200.0, adult)])
    share = min(p["leave_after_upper_secondary_2y"], 1.0 - 1e-12)
    spike = -math.log(1.0 - share) / 2.0
    a, b = upper_completion_age, upper_completion_age + 2.0
    bands = [(a, b, spike)]
    if young_from < a:
        bands.append((young_from, a, young))
    if b < young_to:
        bands.append((b, young_to, young))
    bands.append((max(young_to, b), 200.0, adult))
    return plain, AgeProfile.from_bands(bands)


class Migration:
    """Leaving home, coming back, and the yearly military call-up."""

    def __init__(self, model: CommuneModel) -> None:
        self.model = model
        p = model.p
        upper_age = float(model.commune.education["completion_age"].iloc[UPPER_SECONDARY - 1])
        self.upper_age = upper_age
        self.profiles = leaving_profiles(p, upper_age)
        self.poor_mult = p["leave_poor_multiplier"]
        self.minority_mult = p["leave_minority_multiplier"]
        share = min(p["return_within_5y"], 1.0 - 1e-12)
        self.return_rate = -math.log(1.0 - share) / 60.0  # per month
        self.leave_clock = model.streams["migration"]
        self.return_clock = model.streams["return"]
        self.military_clock = model.streams["military"]
        self.service = p["military_service_months"]

    def start(self) -> None:
        """Draw every resident's leaving time; schedule the yearly call-ups."""
        model, pop = self.model, self.model.pop
        place, staff, member = pop.array("place"), pop.array("staff"), pop.array("member")
        candidates = np.flatnonzero((place == HOME) & ~staff & (member == NOT_MEMBER))
        clocks = self.leave_clock.generator.standard_exponential(len(candidates))
        birth = pop.array("birth")[candidates]
        poor = np.asarray(model.households.poor)[pop.array("household")[candidates]]
        minority = pop.array("ethnic")[candidates] != KINH
        mult = np.where(poor, self.poor_mult, 1.0) * np.where(minority, self.minority_mult, 1.0)
        upper = pop.array("education")[candidates] >= UPPER_SECONDARY
        leave_age = np.empty(len(candidates))
        for flag, profile in ((False, self.profiles[0]), (True, self.profiles[1])):
            mask = upper == flag
            leave_age[mask] = profile.ages_at(-birth[mask] / 12.0, clocks[mask], mult[mask])
        when = birth + leave_age * 12.0
        due = when < model.horizon
        for pid, t in zip(candidates[due].tolist(), when[due].tolist(), strict=True):
            model.at(t, self._on_leave, pid, 0)
        if self.return_rate > 0:
            away = np.flatnonzero(pop.array("place") == AWAY)
            clocks = self.return_clock.generator.standard_exponential(len(away))
            for pid, clock in zip(away.tolist(), clocks.tolist(), strict=True):
                model.at(clock / self.return_rate, self._on_return, pid, pop.v_mig[pid])
        for t in model.calendar_months(model.commune.calendar.military_callup_month):
            model.at(t, self._on_callup)

    def schedule_leave(self, pid: int) -> None:
        """Draw again when a resident non-member leaves (after any change of their state)."""
        pop, model = self.model.pop, self.model
        pop.v_mig[pid] += 1
        if pop.place[pid] != HOME or pop.staff[pid] or pop.member[pid] != NOT_MEMBER:
            return
        mult = (self.poor_mult if model.households.poor[pop.household[pid]] else 1.0) * (
            self.minority_mult if pop.ethnic[pid] != KINH else 1.0
        )
        profile = self.profiles[1 if pop.education[pid] >= UPPER_SECONDARY else 0]
        age = model.age(pid)
        leave_age = profile.age_at(age, self.leave_clock.exponential(), mult)
        model.at(pop.birth[pid] + leave_age * 12.0, self._on_leave, pid, pop.v_mig[pid])

    def _on_leave(self, event: Event) -> None:
        pid, pop, model = event.pid, self.model.pop, self.model
        if pop.v_mig[pid] != event.ver or pop.place[pid] != HOME or not pop.alive[pid]:
            return
        pop.v_mig[pid] += 1
        model.leaves_home(pid, AWAY, "migration")
        if self.return_rate > 0:
            when = model.env._now + self.return_clock.exponential() / self.return_rate
            model.at(when, self._on_return, pid, pop.v_mig[pid])

    def _on_return(self, event: Event) -> None:
        pid, pop = event.pid, self.model.pop
        if pop.v_mig[pid] != event.ver or pop.place[pid] != AWAY or not pop.alive[pid]:
            return
        self.model.arrives_home(pid, "return")

    # -- military service ---------------------------------------------------
    def _on_callup(self, _event: Event) -> None:
        model, pop, p = self.model, self.model.pop, self.model.p
        age = (model.env._now - pop.birth_np[: pop.size]) / 12.0
        eligible = np.flatnonzero(
            (pop.place_np[: pop.size] == HOME)
            & ~pop.staff_np[: pop.size]
            & (pop.array("sex") == MALE)
            & (age >= p["callup_age_min"])
            & (age < p["callup_age_max"] + 1.0)
        )
        draws = self.military_clock.generator.random((len(eligible), 2))
        for pid, (called, admitted) in zip(eligible.tolist(), draws.tolist(), strict=True):
            if called >= p["callup_share"]:
                continue
            pop.v_mig[pid] += 1
            model.leaves_home(pid, MILITARY, "military")
            pop.served_admitted[pid] = admitted < p["admitted_in_service_prob"]
            model.at(model.env._now + self.service, self._on_discharge, pid, pop.v_mig[pid])

    def _on_discharge(self, event: Event) -> None:
        pid, pop, model = event.pid, self.model.pop, self.model
        if pop.v_mig[pid] != event.ver or pop.place[pid] != MILITARY or not pop.alive[pid]:
            return
        pop.veteran[pid] = True
        if pop.served_admitted[pid] and pop.member[pid] == NOT_MEMBER:
            model.party.admitted_in_service(pid)
        model.arrives_home(pid, "discharge")
