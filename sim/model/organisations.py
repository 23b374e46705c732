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

Why no events: joining and leaving were two thirds of a run's events, yet
nothing reacts to them when they happen. Activity matters only when it is
read: at a spotting ring, when a candidate's source group or introducers are
decided, and in the monthly count. So each person's changes are drawn as
before (the same clocks, the same draws, in the same order) but not put on
SimPy's queue: the time of each person's next change per organisation is
kept, and a person's changes up to a moment are played when their activity is
read then (:meth:`Organisations.active_in`), or when something about them
changes (they leave home, a measure redraws their clocks). The monthly count
is taken at the end of the run, from the times of every change, once everyone
has been played to the horizon. The path is the one the events would have
produced; what could change it between two readings is handled where it
happens: a measure plays its villages' residents first, at the rates their
changes were drawn at, and a joining ring reads the poverty the household had
at the ring (``Households.poor_at``).
"""

from __future__ import annotations

import math
from collections.abc import Set as AbstractSet
from math import expm1, log1p
from typing import TYPE_CHECKING

import numpy as np

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
    """Joining and leaving the mass organisations, played when activity is read.

    ``pop.active[org][pid]`` is the activity as of the last time ``pid``'s changes
    were played; ``pop.org_next[org][pid]`` the time of their next change (a
    leave, or a joining ring), infinite if none before the horizon. ``joined``
    and ``left`` hold, per organisation, the times of every change played.

    Household poverty changes the joining rate, and households move in and
    out of poverty. Rather than redraw every member's joining clocks at each
    such move, the joining clock runs at the higher of the poor and non-poor
    rates and a ring is accepted with probability rate at the ring / that
    ceiling (thinning): exact, because poverty changes independently of the clock.
    """

    def __init__(
        self,
        run: RunState,
        levers: Levers,
    ) -> None:
        """What the organisations read and write: the rates (``run.p``), each person's
        activity and next change (``run.pop``), poverty and farming (``run.households``), the
        measures in force (``levers``), the clock and horizon (``run.scheduler``) and the
        draws (``run.streams``)."""
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
        #: active members per organisation at the start
        self.start_count = [0] * len(ORGANISATIONS)
        #: per organisation, the times at which someone became active, and stopped
        self.joined: list[list[float]] = [[] for _ in ORGANISATIONS]
        self.left: list[list[float]] = [[] for _ in ORGANISATIONS]
        self.env = scheduler.env
        self.horizon = scheduler.horizon
        self.pop = pop
        self.active = pop.active
        self.next_change = pop.org_next
        self.join_table: list[list[float]] = [[] for _ in ORGANISATIONS]
        self.leave_table: list[float] = []
        self.rates_changed()

    def rates_changed(self) -> None:
        """Rebuild the rate tables from the measures in force.

        ``join_table[org][village]`` (the joining ceiling) and
        ``leave_table[village]`` are monthly rates. The lists are updated in
        place: the player holds them.
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
        self.draws.begin()  # most residents draw here: the player reads round 0 itself
        self.play = self._player()
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
            self.start_count[org] += int(active.sum())
            with np.errstate(divide="ignore"):
                when = np.where(
                    active,
                    np.minimum(clocks[org] / leave, hi),
                    np.maximum(lo, 0.0) + clocks[org] / ceiling,
                )
            due = (active | (when < hi)) & (when < self.horizon)
            self._set_next_many(org, residents[due], when[due])

    def _set_next_many(self, org: int, pids: np.ndarray, times: np.ndarray) -> None:
        """Record many next changes at once (the start's)."""
        column = self.next_change[org]
        for pid, when in zip(pids.tolist(), times.tolist(), strict=True):
            column[pid] = when

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

    # -- reading -------------------------------------------------------------
    def active_in(self, pid: int) -> tuple[bool, bool, bool, bool]:
        """Whether ``pid`` is active now in each organisation (their changes played first)."""
        self.play(pid, self.env.now)
        active = self.active
        return (active[0][pid], active[1][pid], active[2][pid], active[3][pid])

    def monthly_counts(self, months: int) -> np.ndarray:
        """Active members per organisation at the start of each of ``months`` months (month x
        organisation), everyone's changes played to the horizon first."""
        play, horizon = self.play, self.horizon
        for pid in range(self.pop.size):
            play(pid, horizon)
        starts = np.arange(months, dtype=float)
        counts = np.empty((months, len(ORGANISATIONS)), dtype=np.int64)
        for org in range(len(ORGANISATIONS)):
            # a change at the very start of a month is not yet in its count (the count
            # was taken first, as the monthly snapshot ran before anything else then)
            joined = np.searchsorted(np.sort(self.joined[org]), starts, side="left")
            left = np.searchsorted(np.sort(self.left[org]), starts, side="left")
            counts[:, org] = self.start_count[org] + joined - left
        return counts

    def _player(self):
        """The function that plays ``pid``'s changes due before ``until``, in time order.

        Each change is what the event would have done when it rang: a leave, or a
        joining ring accepted with probability rate at the ring / ceiling, then the
        person's next change drawn from their own stream. Written as one closure over
        what it reads, as the event handler was: it runs for every change of a run.
        """
        columns, next_change, joined, left = self.active, self.next_change, self.joined, self.left
        n0, n1, n2, n3 = next_change
        join_tables, leave_rates = self.join_table, self.leave_table
        village_of, household_of, birth_of = self.pop.village, self.pop.household, self.pop.birth
        poor, changed_at, poor_at = (
            self.households.poor,
            self.households.poverty_changes,
            self.households.poor_at,
        )
        above = self.accept_above
        # 1 - e^-b of each bound, for the fresh uniform of a ring not accepted
        below = tuple(-expm1(-b) for b in above)
        draws = self.draws
        start, first, used, width = draws.start, draws.first, draws.used, draws.width
        draw_next = draws.draw
        horizon, inf = self.horizon, math.inf
        # membership ends on the birthday after the age limit (Youth Union only)
        limits = (self.yu_to, inf, inf, inf)

        def play(pid: int, until: float) -> None:
            while True:
                t0, t1, t2, t3 = n0[pid], n1[pid], n2[pid], n3[pid]
                now = min(t0, t1, t2, t3)
                if not now < until:
                    return
                org = 0 if now == t0 else 1 if now == t1 else 2 if now == t2 else 3
                column = columns[org]
                # the person's next exponential, as ``PersonStream.exponential`` would give it
                if pid < start and (k := used[pid]) < width:
                    used[pid] = k + 1
                    draw = first[pid * width + k]
                else:
                    draw = draw_next(pid)
                when = inf
                if column[pid]:  # ``pid`` leaves; next, a joining ring
                    column[pid] = False
                    left[org].append(now)
                    rate = join_tables[org][village_of[pid]]
                    if rate > 0:
                        when = now + draw / rate
                        if when >= birth_of[pid] + limits[org]:
                            when = inf
                else:  # a joining ring, accepted with probability rate at the ring / ceiling
                    # one draw E decides and times: accepted if E > b (chance e^-b), and then
                    # E - b is a fresh standard exponential (memoryless); if not, given E <= b,
                    # (1 - e^-E) / (1 - e^-b) is a fresh uniform, turned into an exponential
                    household = household_of[pid]
                    changes = changed_at.get(household)
                    if changes and changes[-1] > now:
                        poverty = poor_at(household, now)
                    else:
                        poverty = poor[household]
                    bound = above[poverty]
                    if bound <= 0.0 or draw > bound:
                        draw -= bound
                        column[pid] = True
                        joined[org].append(now)
                        rate = leave_rates[village_of[pid]]
                        when = now + draw / rate if rate > 0 else inf
                        end = birth_of[pid] + limits[org]
                        if when > end:
                            when = end
                    else:
                        draw = -log1p(expm1(-draw) / below[poverty])
                        when = now + draw / join_tables[org][village_of[pid]]
                        if when >= birth_of[pid] + limits[org]:
                            when = inf
                next_change[org][pid] = when if when < horizon else inf

        return play

    # -- changes of state ------------------------------------------------------
    def schedule_all(self, pid: int) -> None:
        """Draw again every organisation clock of a resident (a joining ring if inactive)."""
        pop, draws, next_change = self.pop, self.draws, self.next_change
        now = self.env.now
        self.play(pid, now)
        for column in next_change:
            column[pid] = math.inf
        if pop.place[pid] != HOME or not pop.alive[pid]:
            return
        horizon, village = self.horizon, pop.village[pid]
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
            if when < horizon:
                next_change[org][pid] = when

    def clear(self, pid: int) -> None:
        """Someone left home: no longer active anywhere, and no change to come."""
        now = self.env.now
        self.play(pid, now)
        active = self.active
        for org in range(len(ORGANISATIONS)):
            if active[org][pid]:
                active[org][pid] = False
                self.left[org].append(now)
            self.next_change[org][pid] = math.inf

    def villages_changed(
        self, villages: np.ndarray, superseded: AbstractSet[int] = frozenset()
    ) -> None:
        """A measure changed joining or leaving rates in ``villages``: redraw those clocks.

        Their residents' changes due before now are played first, at the rates they were
        drawn at (the other villages' rates stay as they were). The residents of
        ``superseded`` (village indices) are not redrawn: a later measure of the same
        instant redraws them, and their draws are their own (``sim.model.rng``).
        """
        pop = self.pop
        residents = np.flatnonzero(
            np.isin(pop.column("village"), villages)
            & (pop.column("place") == HOME)
            & ~pop.column("staff")
        ).tolist()
        play, now = self.play, self.env.now
        for pid in residents:
            play(pid, now)
        self.rates_changed()
        if all_superseded(superseded, villages, staff=False):
            return
        village_of = pop.village
        for pid in residents:
            if village_of[pid] not in superseded:
                self.schedule_all(pid)
