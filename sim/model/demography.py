"""Deaths by age and sex, births, and households moving in and out of poverty.

Ageing needs no events: age is computed from the birth time whenever a
process needs it, and age-dependent hazards are integrated along the
person's future ages (see ``hazards``). School completion needs none either:
each person's final education level is drawn at birth (by household
poverty) and the level held at any age follows from the completion ages.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Set as AbstractSet
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from sim.model.clock import Clock, calls
from sim.model.hazards import AgeProfile
from sim.model.population import FEMALE, GONE, MALE, education_shares
from sim.model.rng import PersonKeys, group_word

if TYPE_CHECKING:
    from sim.inputs.commune import Commune
    from sim.model.levers import Levers
    from sim.model.recorder import Recorder
    from sim.model.residence import Residence
    from sim.model.run_state import RunState


@lru_cache(maxsize=16)
def mortality_profiles(commune: Commune) -> tuple[AgeProfile, AgeProfile]:
    """Male and female death hazards (per year) from the commune's mortality table.

    Cached per commune (communes are immutable and hashed by identity): every
    run of an ensemble would otherwise read the same table again with pandas.
    """
    mortality = commune.mortality
    edges = mortality["age_from"].astype(float).tolist()
    male = (mortality["male_per_1000"] / 1000.0).tolist()
    female = (mortality["female_per_1000"] / 1000.0).tolist()
    return AgeProfile(edges, male), AgeProfile(edges, female)


class Demography:
    """Deaths, births and household poverty transitions."""

    def __init__(
        self,
        run: RunState,
        levers: Levers,
        recorder: Recorder,
        residence: Residence,
    ) -> None:
        """What births, deaths and poverty read and change: the commune's villages and
        mortality (``run.commune``), the rates (``run.p``), the people and households, the poverty
        measures in force (``levers``), the queue (``run.scheduler``), the draws
        (``run.streams``), the residents counted at home (``recorder``), and the moves the
        model coordinates (``residence``: a death is a departure, a birth an arrival)."""
        commune, p, pop, households, scheduler, streams = (
            run.commune,
            run.p,
            run.pop,
            run.households,
            run.scheduler,
            run.streams,
        )
        self.pop, self.households, self.levers, self.recorder = pop, households, levers, recorder
        self.scheduler, self.env, self.streams = scheduler, scheduler.env, streams
        self.residence = residence
        self.on_birth = calls(self._on_birth)
        self.on_death = calls(self._on_death)
        self.on_poverty_change = calls(self._on_poverty_change)
        self.profiles = mortality_profiles(commune)
        self.death = streams.person("death", width=1)
        #: each village's births are a process of the village, with draws of its own: the
        #: births stream's units are the villages (a round covers some 25 births)
        villages = PersonKeys(start=len(commune.villages))
        self.births = streams.person("births", width=128, keys=villages)
        #: the key group of each village's newborns (``PersonKeys``), named as its births
        self.born_in = [group_word(f"birth:{v.id}") for v in commune.villages]
        #: villages whose births wait for a resident (none lived there at the last one)
        self.no_births: set[int] = set()
        household_keys = PersonKeys(start=len(households))  # households are all of the start
        self.poverty = streams.person("poverty", width=2, keys=household_keys)
        self.birth_rate = p["crude_birth_rate_per_1000"] / 1000.0 / 12.0
        self.male_share = p["male_share_at_birth"]
        self.exit_rate = p["poverty_exit_rate"] / 12.0
        self.entry_rate = p["poverty_entry_rate"] / 12.0
        # households are kept by village (see population.build_households)
        household_village = np.asarray(households.village)
        villages = np.arange(len(commune.villages))
        first = np.searchsorted(household_village, villages).tolist()
        last = np.searchsorted(household_village, villages, side="right").tolist()
        self.households_by_village = [range(a, b) for a, b in zip(first, last, strict=True)]
        self.education_ascending = [sorted(row) for row in education_shares(commune).tolist()]

    # -- deaths -------------------------------------------------------------
    def start(self) -> None:
        """Draw everyone's age at death, and the first birth and poverty changes."""
        pop, households, scheduler = self.pop, self.households, self.scheduler
        n = pop.size
        birth, sexes = pop.column("birth"), pop.column("sex")
        ages = -birth / 12.0
        clocks = self.death.occasion(np.arange(n), "start", 1, exponential=True)[:, 0]
        death_age = np.full(n, np.inf)
        for sex, profile in ((MALE, self.profiles[0]), (FEMALE, self.profiles[1])):
            mask = sexes == sex
            death_age[mask] = profile.ages_at(ages[mask], clocks[mask], np.ones(mask.sum()))
        scheduler.at_many_due(birth + death_age * 12.0, self.on_death, np.arange(n))
        for v in range(len(self.households_by_village)):
            self._schedule_birth(v)
        poor = np.asarray(households.poor)
        exit_rate = self.exit_rate * np.asarray(self.levers.exit_mult)[households.village]
        rate = np.where(poor, exit_rate, self.entry_rate)
        clocks = self.poverty.occasion(np.arange(len(households)), "start", 1, True)[:, 0]
        with np.errstate(divide="ignore"):
            when = np.where(rate > 0, clocks / np.where(rate > 0, rate, 1.0), np.inf)
        households.version = [1] * len(households)
        versions = np.ones(len(households), dtype=np.int64)
        scheduler.at_many_due(when, self.on_poverty_change, np.arange(len(households)), versions)

    def schedule_death(self, pid: int, clock: float, age: float | None = None) -> None:
        """Schedule the death of someone who has just joined the population (aged ``age``),
        from ``clock``, a standard exponential drawn by what brought them (their village's
        births, their cell's postings: the stream their other first draws come from)."""
        pop = self.pop
        profile = self.profiles[pop.sex[pid]]
        if age is None:
            age = pop.age(pid, self.env.now)
        death_age = profile.age_at(age, clock)
        self.scheduler.at(pop.birth[pid] + death_age * 12.0, self.on_death, pid, 0)

    def _on_death(self, event: Clock) -> None:
        pid = event.pid
        pop = self.pop
        if not pop.alive[pid] or pop.place[pid] == GONE:
            return
        self.residence.leaves_home(pid, GONE, "death")
        pop.alive[pid] = False

    # -- births -------------------------------------------------------------
    #
    # Each village has its own births, at the crude rate times its residents at home
    # (as of its last birth), drawn from its own stream: a change in one village's
    # population (a measure, people leaving) then moves no other village's births, and
    # a child's person stream is keyed by their village and rank of birth there.

    def _schedule_birth(self, v: int) -> None:
        residents = self.recorder.home_count[v]
        if self.birth_rate <= 0:
            return
        if residents <= 0:
            self.no_births.add(v)
            return
        rate = self.birth_rate * residents
        when = self.env.now + self.births.exponential(v) / rate
        self.scheduler.at(when, self.on_birth, v)

    def resident_arrived(self, v: int) -> None:
        """Someone came to live in village ``v``: births resume there if they had stopped."""
        if v in self.no_births:
            self.no_births.discard(v)
            self._schedule_birth(v)

    def _on_birth(self, clock: Clock) -> None:
        """A child is born at home in village ``clock.pid``, into one of its households.

        About 550 births a run, each a handful of draws and list writes; the
        newborn has no clock but a (rarely early) death: nothing else can
        happen before ``youngest_event_age``, which no newborn reaches in a run
        of the usual length (``reschedule_person`` checks).
        """
        pop, households = self.pop, self.households
        village, births = clock.pid, self.births
        candidates = self.households_by_village[village]
        household = candidates[births.index(village, len(candidates))]
        # levels reached: how many "share completing at least this level" exceed the draw
        ascending = self.education_ascending[households.poor[household]]
        education = len(ascending) - bisect_right(ascending, births.uniform(village))
        sex = MALE if births.uniform(village) < self.male_share else FEMALE
        pid = pop.add_newborn(
            sex, self.env.now, village, household, households.ethnic[household], education
        )
        self.streams.keys.add(pid, self.born_in[village])
        self.recorder.flow_birth(pid)
        self.schedule_death(pid, births.exponential(village), age=0.0)
        self.residence.reschedule_person(pid)
        self._schedule_birth(village)

    # -- poverty ------------------------------------------------------------
    def _schedule_poverty(self, household: int) -> None:
        """Draw the household's next poverty change."""
        households = self.households
        households.version[household] += 1
        if households.poor[household]:
            rate = self.exit_rate * self.levers.exit_mult[households.village[household]]
        else:
            rate = self.entry_rate
        if rate <= 0:
            return
        when = self.env.now + self.poverty.exponential(household) / rate
        self.scheduler.at(when, self.on_poverty_change, household, households.version[household])

    def _on_poverty_change(self, clock: Clock) -> None:
        """The household moves in or out of poverty.

        Its members' leaving and joining clocks run at their ceilings and read
        the household's poverty when they ring (thinning, see ``migration``
        and ``organisations``), so none of them needs drawing again.
        """
        households = self.households
        h = clock.pid
        if households.version[h] != clock.ver:
            return
        households.toggle_poverty(h, self.env.now)
        self._schedule_poverty(h)

    def poverty_changed(
        self, villages: np.ndarray, superseded: AbstractSet[int] = frozenset()
    ) -> None:
        """A measure changed poverty exit in ``villages``: redraw poor households' clocks.

        The households of ``superseded`` (village indices) are left alone: a later
        measure of the same instant redraws them.
        """
        households = self.households
        for v in villages.tolist():
            if v in superseded:
                continue
            for h in self.households_by_village[v]:
                if households.poor[h]:
                    self._schedule_poverty(h)
