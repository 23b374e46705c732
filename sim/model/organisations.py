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
from collections.abc import Set as AbstractSet
from heapq import heappush
from math import expm1, log1p
from typing import TYPE_CHECKING

import numpy as np
from simpy.core import NORMAL

from sim.model.clock import Callbacks, Clock, calls
from sim.model.levers import all_superseded
from sim.model.population import (
    FARMERS,
    FEMALE,
    HOME,
    ORGANISATIONS,
    VETERANS,
    WOMENS_UNION,
    YOUTH_UNION,
)

if TYPE_CHECKING:
    from sim.model.levers import Levers
    from sim.model.run_state import RunState

_SHARE_PARAMETER = {
    YOUTH_UNION: "youth_union_active_share",
    WOMENS_UNION: "womens_union_active_share",
    FARMERS: "farmers_association_active_share",
    VETERANS: "veterans_active_share",
}


class Organisations:
    """Joining and leaving the mass organisations.

    These are two thirds of a run's events, so the handler is written for
    speed: rates come from per-village tables (rebuilt when a measure changes
    them) and the next clock is pushed straight onto the queue.

    Household poverty changes the joining rate, and households move in and
    out of poverty. Rather than redraw every member's joining clocks at each
    such move, the joining clock runs at the higher of the poor and non-poor
    rates and a ring is accepted with probability rate now / that ceiling
    (thinning): exact, because poverty changes independently of the clock.
    """

    def __init__(
        self,
        run: RunState,
        levers: Levers,
    ) -> None:
        """What the organisations read and write: the rates (``run.p``), each person's
        activity and clocks' versions (``run.pop``), poverty and farming (``run.households``), the
        measures in force (``levers``), the queue (``run.scheduler``) and the draws
        (``run.streams``)."""
        p, pop, households, scheduler, streams = (
            run.p,
            run.pop,
            run.households,
            run.scheduler,
            run.streams,
        )
        self.households, self.levers = households, levers
        self.leave_rate = (
            1.0 / (12.0 * p["active_spell_years"]) if p["active_spell_years"] > 0 else math.inf
        )
        self.join_rate = {}
        for org, name in _SHARE_PARAMETER.items():
            share = min(p[name], 1.0 - 1e-9)
            self.join_rate[org] = share / (1.0 - share) * self.leave_rate
        poor_mult = p["poor_participation_multiplier"]
        ceiling = max(1.0, poor_mult)
        #: chance that a joining ring is accepted, for a non-poor and a poor household
        self.accept = (1.0 / ceiling, poor_mult / ceiling)
        #: the same as a bound on a standard exponential E, P(E > -log a) = a (0: all are)
        self.accept_above = tuple(-math.log(a) if a > 0 else math.inf for a in self.accept)
        self.ceiling_mult = ceiling
        self.draws = streams.person("organisations", width=8)
        self.yu_from = p["youth_union_age_min"] * 12.0
        self.yu_to = (p["youth_union_age_max"] + 1.0) * 12.0
        self.adult = p["adult_age"] * 12.0
        #: active members per organisation, kept up to date for the monthly series
        self.active_count = [0] * len(ORGANISATIONS)
        self.scheduler = scheduler
        self.env = scheduler.env
        self.pop = pop
        self.active = pop.active
        self.versions = pop.v_org
        self.join_table: list[list[float]] = [[] for _ in ORGANISATIONS]
        self.leave_table: list[float] = []
        self.rates_changed()
        #: each organisation's handler (a closure, see :meth:`_handler`), as SimPy callbacks
        #: (made by :meth:`start`, once the start population is known)
        self.on_change: list[Callbacks] = []

    def rates_changed(self) -> None:
        """Rebuild the rate tables from the measures in force.

        ``join_table[org][village]`` (the joining ceiling) and
        ``leave_table[village]`` are monthly rates. The lists are updated in
        place: the handlers hold them.
        """
        levers = self.levers
        self.leave_table[:] = [self.leave_rate * m for m in levers.leave_mult]
        for org, row in enumerate(self.join_table):
            row[:] = [self.join_rate[org] * m * self.ceiling_mult for m in levers.join_mult]

    def windows(self, pid: int) -> tuple[tuple[float, float], ...]:
        """For each organisation, the model times between which ``pid`` may be active in it."""
        pop = self.pop
        never = (math.inf, -math.inf)
        if pop.staff[pid]:
            return (never,) * len(ORGANISATIONS)
        birth = pop.birth[pid]
        adult = (birth + self.adult, math.inf)
        return (
            (birth + self.yu_from, birth + self.yu_to),
            adult if pop.sex[pid] == FEMALE else never,
            adult if self.households.farming[pop.household[pid]] else never,
            adult if pop.veteran[pid] else never,
        )

    def start(self) -> None:
        """Everyone at home starts active with their steady-state probability, then runs on.

        Vectorised over residents: this is the largest batch of clocks of a run.
        """
        pop, households = self.pop, self.households
        self.draws.begin()  # most residents draw here: the handlers read round 0 themselves
        self.on_change.extend(self._handler(org) for org in range(len(ORGANISATIONS)))
        residents = np.flatnonzero((pop.column("place") == HOME) & ~pop.column("staff"))
        household = pop.column("household")[residents]
        village = pop.column("village")[residents]
        accept = np.asarray(self.accept)[np.asarray(households.poor, dtype=np.int64)[household]]
        windows = self._windows(residents)
        leave = np.asarray(self.leave_table)[village]
        # per resident and organisation, a uniform (active or not) and a clock
        uniforms = self.draws.occasion(residents, "start", len(ORGANISATIONS)).T
        clocks = self.draws.occasion(residents, "start clocks", len(ORGANISATIONS), True).T
        for org, (lo, hi) in windows.items():
            hi = np.broadcast_to(hi, lo.shape)
            ceiling = np.asarray(self.join_table[org])[village]
            join = ceiling * accept
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
                    np.maximum(lo, 0.0) + clocks[org] / ceiling,
                )
            due = active | (when < hi)
            self.scheduler.at_many_due(when[due], self.on_change[org], residents[due])

    def _windows(self, residents: np.ndarray) -> dict[int, tuple[np.ndarray, np.ndarray | float]]:
        """:meth:`windows` of ``residents`` (not staff), vectorised: per organisation, the
        arrays (or a number) of the times from and until which they may be active in it
        (from infinity: never)."""
        pop, households = self.pop, self.households
        birth = pop.column("birth")[residents]
        household = pop.column("household")[residents]
        never = np.full(len(residents), np.inf)
        adult = birth + self.adult
        return {
            YOUTH_UNION: (birth + self.yu_from, birth + self.yu_to),
            WOMENS_UNION: (np.where(pop.column("sex")[residents] == FEMALE, adult, never), np.inf),
            FARMERS: (np.where(np.asarray(households.farming)[household], adult, never), np.inf),
            VETERANS: (np.where(pop.array("veteran")[residents], adult, never), np.inf),
        }

    def schedule_all(self, pid: int) -> None:
        """Draw again every organisation clock of a resident (a joining ring if inactive)."""
        pop, draws = self.pop, self.draws
        for versions in self.versions:
            versions[pid] += 1
        if pop.place[pid] != HOME or not pop.alive[pid]:
            return
        now, horizon, village = self.env.now, self.scheduler.horizon, pop.village[pid]
        for org, (lo, hi) in enumerate(self.windows(pid)):
            if hi <= now or lo >= horizon:
                continue
            if self.active[org][pid]:
                rate = self.leave_table[village]
                when = now + draws.exponential(pid) / rate if rate > 0 else math.inf
                when = min(when, hi)
            else:
                rate = self.join_table[org][village]
                if rate <= 0:
                    continue
                when = max(now, lo) + draws.exponential(pid) / rate
                if when >= hi:
                    continue
            self.scheduler.at(when, self.on_change[org], pid, self.versions[org][pid])

    def _handler(self, org: int) -> Callbacks:
        """The callbacks of ``org``'s clocks: ``pid`` leaves, or a joining ring (accepted or not).

        Two thirds of all events are these handlers', so each is a closure
        over what it reads (one per organisation, so the organisation's
        column, rates and age limit are bound once); it reads the person's
        draw itself and puts the next clock on the queue (or in its
        month's bucket) itself, as ``PersonStream.exponential`` and
        ``Scheduler.at`` would, reusing the clock that rang.
        """
        column, versions, counts = self.active[org], self.versions[org], self.active_count
        join_rates, leave_rates = self.join_table[org], self.leave_table
        village_of, household_of, birth_of = self.pop.village, self.pop.household, self.pop.birth
        poor, above = self.households.poor, self.accept_above
        # 1 - e^-b of each bound, for the fresh uniform of a ring not accepted
        below = tuple(-expm1(-b) for b in above)
        draws = self.draws
        start, first, used, width = draws.start, draws.first, draws.used, draws.width
        draw_next = draws.draw
        env, scheduler = self.env, self.scheduler
        queue, ids = scheduler.queue, scheduler.ids
        buckets, horizon = scheduler.buckets, scheduler.horizon
        # membership ends on the birthday after the age limit (Youth Union only)
        limit = self.yu_to if org == YOUTH_UNION else math.inf
        # the handler finds its own callbacks here (a reference the model's close() can break)
        handlers = self.on_change

        def on_change(clock: Clock) -> None:
            pid = clock.pid
            if versions[pid] != clock.ver:
                return
            version = versions[pid] = clock.ver + 1
            # the person's next exponential, as ``PersonStream.exponential`` would give it
            if pid < start and (k := used[pid]) < width:
                used[pid] = k + 1
                draw = first[pid * width + k]
            else:
                draw = draw_next(pid)
            if column[pid]:  # ``pid`` leaves; next, a joining ring
                column[pid] = False
                counts[org] -= 1
                rate = join_rates[village_of[pid]]
                if rate <= 0:
                    return
                when = env.now + draw / rate
                if when >= birth_of[pid] + limit:
                    return
            else:  # a joining ring, accepted with probability rate now / ceiling
                # one draw E decides and times: accepted if E > b (chance e^-b), and then
                # E - b is a fresh standard exponential (memoryless); if not, given E <= b,
                # (1 - e^-E) / (1 - e^-b) is a fresh uniform, turned into an exponential
                poverty = poor[household_of[pid]]
                bound = above[poverty]
                if bound <= 0.0 or draw > bound:
                    draw -= bound
                    column[pid] = True
                    counts[org] += 1
                    rate = leave_rates[village_of[pid]]
                    when = env.now + draw / rate if rate > 0 else math.inf
                    end = birth_of[pid] + limit
                    if when > end:
                        when = end
                else:
                    draw = -log1p(expm1(-draw) / below[poverty])
                    when = env.now + draw / join_rates[village_of[pid]]
                    if when >= birth_of[pid] + limit:
                        return
            if not when < horizon:
                return
            # the clock that just rang serves again (SimPy is done with it: it
            # has left the queue and its callbacks were taken before this call)
            clock.callbacks = handlers[org]
            clock.ver = version
            if when < scheduler.released_until:
                heappush(queue, (when, NORMAL, next(ids), clock))
            else:
                buckets[int(when)].append((when, NORMAL, next(ids), clock))
            scheduler.count += 1

        return calls(on_change)

    def clear(self, pid: int) -> None:
        """Someone left home: no longer active anywhere, and no clock running."""
        pop = self.pop
        for org in range(len(ORGANISATIONS)):
            if pop.active[org][pid]:
                pop.active[org][pid] = False
                self.active_count[org] -= 1
            pop.v_org[org][pid] += 1

    def villages_changed(
        self, villages: np.ndarray, superseded: AbstractSet[int] = frozenset()
    ) -> None:
        """A measure changed joining or leaving rates in ``villages``: redraw those clocks.

        The residents of ``superseded`` (village indices) are left alone: a later measure
        of the same instant redraws them, and their draws are their own (``sim.model.rng``).
        """
        self.rates_changed()
        if all_superseded(superseded, villages, staff=False):
            return
        pop = self.pop
        residents = np.flatnonzero(
            np.isin(pop.column("village"), villages)
            & (pop.column("place") == HOME)
            & ~pop.column("staff")
        )
        village_of = pop.village
        for pid in residents.tolist():
            if village_of[pid] not in superseded:
                self.schedule_all(pid)
