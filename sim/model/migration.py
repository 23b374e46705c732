"""Youth outmigration and return, and military service.

Leaving is the model's central driver. The hazard depends on age (zero
before ``leave_age_min``; ``leave_hazard_young`` to ``leave_age_max``;
``leave_hazard_adult`` after), on schooling (``leave_lower_secondary_multiplier``
for those who completed lower secondary, the party's education floor, and a
spike in the two years after upper-secondary completion, sized so that
``leave_after_upper_secondary_2y`` of completers leave within two years),
and on the household: poor and ethnic-minority people leave less (Coxhead,
Nguyen & Vu 2015). That is the tension the model must show: finishing school
makes a young person eligible for the party and also likely to go.

Why people come back, and when, follows why they left:

- **study**: of those leaving in the two years after upper-secondary
  completion, ``study_share_after_upper_secondary`` leave to study. The
  course ends between ``study_months_min`` and ``study_months_max`` later
  (uniform); they come home then with probability ``return_after_study``,
  otherwise they stay away to work;
- **work**: everyone else. ``never_return_share`` of them settle away for
  good; the others come home when a job ends (a constant hazard such that
  ``return_within_5y`` of them are back within five years) or, while young
  (to ``marriage_return_age_max``), to marry and settle
  (``marriage_return_rate``), whichever comes first.

With no study, no settling and no marriage returns, return is the pure
exponential of ``return_within_5y`` (the known-answer tests' case). Each
departure and return is logged with its reason (``RunResult.migrations``).

Party members do not follow the youth hazard: they move away at
``member_move_rate`` (see ``party``).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from sim.model.clock import Clock, calls
from sim.model.hazards import AgeProfile
from sim.model.population import (
    AWAY,
    HOME,
    KINH,
    LOWER_SECONDARY,
    MALE,
    MILITARY,
    NOT_MEMBER,
    UPPER_SECONDARY,
)

if TYPE_CHECKING:
    from sim.model.party import Party
    from sim.model.recorder import Recorder
    from sim.model.residence import Residence
    from sim.model.run_state import RunState


def leaving_profiles(
    parameters: dict[str, float], upper_completion_age: float
) -> tuple[AgeProfile, AgeProfile, AgeProfile]:
    """Leaving hazards by age: without lower secondary, with it, and with upper secondary.

    Between ``leave_age_min`` and ``leave_age_max`` the young hazard (times
    ``leave_lower_secondary_multiplier`` for the schooled), the adult hazard
    after, nothing before; for upper-secondary completers, the spike in the
    two years after completion replaces whichever applies then.
    """
    p = parameters
    young_from, young_to = p["leave_age_min"], p["leave_age_max"] + 1.0
    young, adult = p["leave_hazard_young"], p["leave_hazard_adult"]
    schooled = young * p["leave_lower_secondary_multiplier"]
    share = min(p["leave_after_upper_secondary_2y"], 1.0 - 1e-12)
    spike_from, spike_to = upper_completion_age, upper_completion_age + 2.0
    spike = -math.log(1.0 - share) / 2.0

    def profile(young_rate: float, with_spike: bool) -> AgeProfile:
        edges = sorted({0.0, young_from, young_to, spike_from, spike_to, 200.0})
        bands = []
        for low, high in zip(edges, edges[1:], strict=False):
            if with_spike and spike_from <= low < spike_to:
                rate = spike
            elif young_from <= low < young_to:
                rate = young_rate
            else:
                rate = adult if low >= young_to else 0.0
            bands.append((low, high, rate))
        return AgeProfile.from_bands(bands)

    return profile(young, False), profile(schooled, False), profile(schooled, True)


def schooling_class(education: int) -> int:
    """Which leaving profile applies: 0 below lower secondary, 1 lower, 2 upper or beyond."""
    return 2 if education >= UPPER_SECONDARY else 1 if education >= LOWER_SECONDARY else 0


def schooling_classes(education: np.ndarray) -> np.ndarray:
    """:func:`schooling_class` of many people at once (the start's residents)."""
    return (education >= LOWER_SECONDARY).astype(np.int64) + (education >= UPPER_SECONDARY)


class Migration:
    """Leaving home, coming back, and the yearly military call-up."""

    def __init__(
        self,
        run: RunState,
        recorder: Recorder,
        party: Party,
        residence: Residence,
        callups: list[float],
    ) -> None:
        """What migration reads and changes: the completion ages (``run.commune``), the rates
        and durations (``run.p``), the in-service rules (``run.switches``), the people and their
        households, the queue (``run.scheduler``), the draws (``run.streams``), the logs
        (``recorder``), admissions in service (``party``), the moves the model
        coordinates (``residence``) and the times of the run's call-ups (``callups``)."""
        commune, p, switches, pop, households, scheduler, streams = (
            run.commune,
            run.p,
            run.switches,
            run.pop,
            run.households,
            run.scheduler,
            run.streams,
        )
        self.p, self.pop, self.households, self.streams = p, pop, households, streams
        self.scheduler, self.env, self.horizon = scheduler, scheduler.env, scheduler.horizon
        self.at, self.recorder, self.party = scheduler.at, recorder, party
        self.leaves_home, self.arrives_home = residence.leaves_home, residence.arrives_home
        self.callup_times = callups
        self.on_callup = calls(self._on_callup)
        self.on_discharge = calls(self._on_discharge)
        self.on_leave = calls(self._on_leave)
        self.on_return = calls(self._on_return)
        self.on_study_end = calls(self._on_study_end)
        self.on_in_service = calls(self._on_in_service)
        upper_age = float(commune.education["completion_age"].iloc[UPPER_SECONDARY - 1])
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
        marriage_to = p["marriage_return_age_max"] + 1.0
        self.marriage = AgeProfile.from_bands([(0.0, marriage_to, p["marriage_return_rate"])])
        self.leaving = streams.person("migration", width=2)
        self.returning = streams.person("return", width=4)
        self.military = streams.person("military", width=1)
        #: call-ups held so far, and how many the run holds
        self.callups = 0
        self.n_callups = 0
        #: the start population's draws for every call-up, one column each (drawn at the first)
        self.callup_draws: np.ndarray | None = None
        self.service = p["military_service_months"]
        self.in_service_rules = bool(switches["in_service_rules"])
        #: why each person away will come back (set when their return is drawn)
        self.return_reason: dict[int, str] = {}

    def start(self) -> None:
        """Draw every resident's leaving time; schedule the yearly call-ups."""
        pop = self.pop
        place, staff, member = pop.column("place"), pop.column("staff"), pop.array("member")
        candidates = np.flatnonzero((place == HOME) & ~staff & (member == NOT_MEMBER))
        clocks = self.leaving.occasion(candidates, "start", 1, exponential=True)[:, 0]
        birth = pop.column("birth")[candidates]
        minority = pop.column("ethnic")[candidates] != KINH
        mult = self.poor_ceiling * np.where(minority, self.minority_mult, 1.0)
        schooling = schooling_classes(pop.column("education")[candidates])
        leave_age = np.empty(len(candidates))
        for level, profile in enumerate(self.profiles):
            mask = schooling == level
            leave_age[mask] = profile.ages_at(-birth[mask] / 12.0, clocks[mask], mult[mask])
        self.scheduler.at_many_due(birth + leave_age * 12.0, self.on_leave, candidates)
        for pid in np.flatnonzero(place == AWAY).tolist():  # away at the start: working away
            self._schedule_work_return(pid)
        self.n_callups = len(self.callup_times)
        for t in self.callup_times:
            self.at(t, self.on_callup)

    def schedule_leave(self, pid: int, clock: float | None = None) -> None:
        """Draw again when a resident non-member leaves (after any change of their state).

        ``clock``: a standard exponential already in hand (left over from a ring not
        accepted, ``_on_leave``), used instead of a new draw.

        The clock runs at the ceiling of the household-poverty multiplier; a
        household may move in or out of poverty before it rings, and the ring
        is then accepted with probability rate now / ceiling (``_on_leave``).
        """
        pop = self.pop
        pop.v_mig[pid] += 1
        if pop.place[pid] != HOME or pop.staff[pid] or pop.member[pid] != NOT_MEMBER:
            return
        mult = self.poor_ceiling * (self.minority_mult if pop.ethnic[pid] != KINH else 1.0)
        profile = self.profiles[schooling_class(pop.education[pid])]
        age = pop.age(pid, self.env.now)
        if clock is None:
            clock = self.leaving.exponential(pid)
        leave_age = profile.age_at(age, clock, mult)
        self.at(pop.birth[pid] + leave_age * 12.0, self.on_leave, pid, pop.v_mig[pid])

    def _on_leave(self, clock: Clock) -> None:
        pid, pop = clock.pid, self.pop
        if pop.v_mig[pid] != clock.ver or pop.place[pid] != HOME or not pop.alive[pid]:
            return
        accept = self.accept[self.households.poor[pop.household[pid]]]
        if accept < 1.0:  # accepted if a draw E is below -log(1 - accept), as in ``Pipeline``
            e, bound = self.leaving.exponential(pid), -math.log1p(-accept)
            if e >= bound:  # a ring of the ceiling that does not apply now; E - bound is fresh
                self.schedule_leave(pid, e - bound)
                return
        pop.v_mig[pid] += 1
        study = self._leaves_to_study(pid)
        self.recorder.log_migration(pid, "leave", "study" if study else "work")
        self.leaves_home(pid, AWAY, "migration")
        if study:
            p = self.p
            course = p["study_months_min"] + self.returning.uniform(pid) * (
                p["study_months_max"] - p["study_months_min"]
            )
            self.at(self.env.now + course, self.on_study_end, pid, pop.v_mig[pid])
        else:
            self._schedule_work_return(pid)

    def _leaves_to_study(self, pid: int) -> bool:
        """Leaving in the two years after upper-secondary completion: to study, or to work."""
        pop, p = self.pop, self.p
        share = p["study_share_after_upper_secondary"]
        if share <= 0 or pop.education[pid] < UPPER_SECONDARY:
            return False
        age = self.pop.age(pid, self.env.now)
        if not self.upper_age <= age < self.upper_age + 2.0:
            return False
        return self.returning.uniform(pid) < share

    def _on_study_end(self, event: Clock) -> None:
        """The course is over: home, or on to work away."""
        pid, pop = event.pid, self.pop
        if pop.v_mig[pid] != event.ver or pop.place[pid] != AWAY or not pop.alive[pid]:
            return
        if self.returning.uniform(pid) < self.p["return_after_study"]:
            self.return_reason[pid] = "end_of_study"
            self._come_home(pid)
        else:
            self._schedule_work_return(pid)

    def _schedule_work_return(self, pid: int) -> None:
        """A work migrant: settled for good, or back when a job ends or to marry (the first)."""
        pop = self.pop
        if self.returning.uniform(pid) < self.p["never_return_share"]:
            return
        now = self.env.now
        job = (
            now + self.returning.exponential(pid) / self.return_rate
            if self.return_rate > 0
            else math.inf
        )
        age = self.pop.age(pid, self.env.now)
        marriage_age = self.marriage.age_at(age, self.returning.exponential(pid))
        marriage = pop.birth[pid] + 12.0 * marriage_age
        reason, when = ("end_of_job", job) if job <= marriage else ("marriage", marriage)
        if when < self.horizon:
            self.return_reason[pid] = reason
            self.at(when, self.on_return, pid, pop.v_mig[pid])

    def _on_return(self, event: Clock) -> None:
        pid, pop = event.pid, self.pop
        if pop.v_mig[pid] != event.ver or pop.place[pid] != AWAY or not pop.alive[pid]:
            return
        self._come_home(pid)

    def _come_home(self, pid: int) -> None:
        self.recorder.log_migration(pid, "return", self.return_reason.pop(pid, "return"))
        self.arrives_home(pid, "return")

    # -- military service ---------------------------------------------------
    def _callup_draws(self, eligible: np.ndarray) -> np.ndarray:
        """Each eligible man's uniform for this call-up: column ``callups`` of the occasion
        "call-ups", one row per man whoever else is eligible, drawn for the whole start
        population at the first call-up (one draw instead of one a year)."""
        military, start = self.military, self.streams.keys.start
        if self.callup_draws is None:
            self.callup_draws = military.occasion(np.arange(start), "call-ups", self.n_callups)
        draws = self.callup_draws[np.minimum(eligible, start - 1), self.callups]
        later = eligible >= start  # added during the run: their own rows of the occasion
        if later.any():
            rows = military.occasion(eligible[later], "call-ups", self.n_callups)
            draws[later] = rows[:, self.callups]
        return draws

    def _on_callup(self, _event: Clock) -> None:
        pop, p = self.pop, self.p
        age = (self.env.now - pop.column("birth")) / 12.0
        eligible = np.flatnonzero(
            (pop.column("place") == HOME)
            & ~pop.column("staff")
            & (pop.column("sex") == MALE)
            & (age >= p["callup_age_min"])
            & (age < p["callup_age_max"] + 1.0)
        )
        # each man's own draw for this call-up, whoever else is eligible: one uniform u
        # decides all three, as u < share (called), then u / share, uniform again given
        # that, below the admission chance a, then u / (share * a) the time of admission
        draws = self._callup_draws(eligible)
        self.callups += 1
        floor, share, chance = LOWER_SECONDARY, p["callup_share"], p["admitted_in_service_prob"]
        earliest = p["in_service_admission_earliest_months"]
        for pid, called in zip(eligible.tolist(), draws.tolist(), strict=True):
            if called >= share:
                continue
            admitted = called / share
            pop.v_mig[pid] += 1
            self.leaves_home(pid, MILITARY, "military")
            self.recorder.log_callup(pid)
            chosen = admitted < chance and pop.member[pid] == NOT_MEMBER
            if not self.in_service_rules:
                pop.served_admitted[pid] = chosen
            elif chosen and pop.education[pid] >= floor and earliest < self.service:
                # admitted by the unit's cell under the same rules, some time after
                # ``earliest`` months of service; probation follows in the army
                when = admitted / chance
                at = self.env.now + earliest + when * (self.service - earliest)
                self.at(at, self.on_in_service, pid, pop.v_mig[pid])
            self.at(self.env.now + self.service, self.on_discharge, pid, pop.v_mig[pid])

    def _on_in_service(self, event: Clock) -> None:
        pid, pop = event.pid, self.pop
        if pop.v_mig[pid] != event.ver or pop.place[pid] != MILITARY or not pop.alive[pid]:
            return
        self.party.admitted_in_service(pid, probation=True)

    def _on_discharge(self, event: Clock) -> None:
        pid, pop = event.pid, self.pop
        if pop.v_mig[pid] != event.ver or pop.place[pid] != MILITARY or not pop.alive[pid]:
            return
        pop.veteran[pid] = True
        if pop.served_admitted[pid] and pop.member[pid] == NOT_MEMBER:
            self.party.admitted_in_service(pid, probation=False)
        self.arrives_home(pid, "discharge")
