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

from sim.clock import Clock, calls
from sim.hazards import AgeProfile
from sim.population import AWAY, HOME, KINH, MALE, MILITARY, NOT_MEMBER, UPPER_SECONDARY

if TYPE_CHECKING:
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
        self.on_callup = calls(self._on_callup)
        self.on_discharge = calls(self._on_discharge)
        self.on_leave = calls(self._on_leave)
        self.on_return = calls(self._on_return)
        p = model.p
        upper_age = float(model.commune.education["completion_age"].iloc[UPPER_SECONDARY - 1])
        self.upper_age = upper_age
        self.profiles = leaving_profiles(p, upper_age)
        poor_mult = p["leave_poor_multiplier"]
        ceiling = max(1.0, poor_mult)
        #: a leaving clock runs at ``ceiling`` x the non-poor hazard; a ring is
        #: accepted with these chances (non-poor, poor household): thinning
        self.poor_ceiling = ceiling
        self.accept = (1.0 / ceiling, poor_mult / ceiling)
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
        place, staff, member = pop.column("place"), pop.column("staff"), pop.array("member")
        candidates = np.flatnonzero((place == HOME) & ~staff & (member == NOT_MEMBER))
        clocks = self.leave_clock.generator.standard_exponential(len(candidates))
        birth = pop.column("birth")[candidates]
        minority = pop.column("ethnic")[candidates] != KINH
        mult = self.poor_ceiling * np.where(minority, self.minority_mult, 1.0)
        upper = pop.column("education")[candidates] >= UPPER_SECONDARY
        leave_age = np.empty(len(candidates))
        for flag, profile in ((False, self.profiles[0]), (True, self.profiles[1])):
            mask = upper == flag
            leave_age[mask] = profile.ages_at(-birth[mask] / 12.0, clocks[mask], mult[mask])
        model.at_many(birth + leave_age * 12.0, self.on_leave, candidates)
        if self.return_rate > 0:
            away = np.flatnonzero(place == AWAY)
            clocks = self.return_clock.generator.standard_exponential(len(away))
            versions = pop.array("v_mig")[away]
            model.at_many(clocks / self.return_rate, self.on_return, away, versions)
        for t in model.calendar_months(model.commune.calendar.military_callup_month):
            model.at(t, self.on_callup)

    def schedule_leave(self, pid: int) -> None:
        """Draw again when a resident non-member leaves (after any change of their state).

        The clock runs at the ceiling of the household-poverty multiplier; a
        household may move in or out of poverty before it rings, and the ring
        is then accepted with probability rate now / ceiling (``_on_leave``).
        """
        pop, model = self.model.pop, self.model
        pop.v_mig[pid] += 1
        if pop.place[pid] != HOME or pop.staff[pid] or pop.member[pid] != NOT_MEMBER:
            return
        mult = self.poor_ceiling * (self.minority_mult if pop.ethnic[pid] != KINH else 1.0)
        profile = self.profiles[1 if pop.education[pid] >= UPPER_SECONDARY else 0]
        age = (model.env._now - pop.birth[pid]) / 12.0
        leave_age = profile.age_at(age, self.leave_clock.exponential(), mult)
        model.at(pop.birth[pid] + leave_age * 12.0, self.on_leave, pid, pop.v_mig[pid])

    def _on_leave(self, clock: Clock) -> None:
        pid, pop, model = clock.pid, self.model.pop, self.model
        if pop.v_mig[pid] != clock.ver or pop.place[pid] != HOME or not pop.alive[pid]:
            return
        accept = self.accept[model.households.poor[pop.household[pid]]]
        if accept < 1.0 and self.leave_clock.uniform() >= accept:
            self.schedule_leave(pid)  # a ring of the ceiling that does not apply now
            return
        pop.v_mig[pid] += 1
        model.leaves_home(pid, AWAY, "migration")
        if self.return_rate > 0:
            when = model.env._now + self.return_clock.exponential() / self.return_rate
            model.at(when, self.on_return, pid, pop.v_mig[pid])

    def _on_return(self, event: Clock) -> None:
        pid, pop = event.pid, self.model.pop
        if pop.v_mig[pid] != event.ver or pop.place[pid] != AWAY or not pop.alive[pid]:
            return
        self.model.arrives_home(pid, "return")

    # -- military service ---------------------------------------------------
    def _on_callup(self, _event: Clock) -> None:
        model, pop, p = self.model, self.model.pop, self.model.p
        age = (model.env._now - pop.column("birth")) / 12.0
        eligible = np.flatnonzero(
            (pop.column("place") == HOME)
            & ~pop.column("staff")
            & (pop.column("sex") == MALE)
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
            model.at(model.env._now + self.service, self.on_discharge, pid, pop.v_mig[pid])

    def _on_discharge(self, event: Clock) -> None:
        pid, pop, model = event.pid, self.model.pop, self.model
        if pop.v_mig[pid] != event.ver or pop.place[pid] != MILITARY or not pop.alive[pid]:
            return
        pop.veteran[pid] = True
        if pop.served_admitted[pid] and pop.member[pid] == NOT_MEMBER:
            model.party.admitted_in_service(pid)
        model.arrives_home(pid, "discharge")
