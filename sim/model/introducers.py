"""Named mentors and introducers (the ``introducers`` switch).

Why names: the Party Charter (art. 4) asks for two introducers who are
official members and have worked with the applicant for at least a year (a
Youth Union member needs one, plus the Youth Union's resolution). An
introducer is a particular person: when they die, move, are posted
elsewhere or stop being an official member, the file they signed breaks.
Counting mentoring places, as the model does without the switch, cannot
show that.

Here an introducer has "worked with" the applicant since both have lived in
the village (or served at the school or agency) together (``home_since``),
or, for a Standing Committee member put in charge of the applicant's
village, since the assignment. The mentor is the first introducer and holds
one of the ``mentor_capacity`` places of a member (an assigned Standing
Committee member holds ``assignment_mentors`` per unit intensity, with the
id ``-1 - village``); a second is chosen among the cell's official members,
those who already qualify first, when one is needed (at the vote at the
latest).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from sim.model.population import YOUTH_UNION
from sim.model.rng import PersonStream

if TYPE_CHECKING:
    from sim.model.collaborators import Participation
    from sim.model.levers import Levers
    from sim.model.party import Party
    from sim.model.run_state import RunState


class Introducers:
    """Who mentors and introduces each candidate, and each mentor's load."""

    def __init__(
        self,
        run: RunState,
        party: Party,
        levers: Levers,
        stream: PersonStream,
        participation: Participation,
    ) -> None:
        """What choosing introducers reads: the capacity and the months of work together
        (``run.p``), who is where since when (``run.pop``), the clock, the cells'
        official members (``party``), the Standing Committee members assigned to
        villages (``levers``), each candidate's draws (``stream``) and who is in the
        Youth Union (``participation``)."""
        self.p, self.pop, self.env = run.p, run.pop, run.scheduler.env
        self.party, self.levers = party, levers
        self.stream = stream
        self.participation = participation
        #: each candidate's introducers, the mentor first
        self.of: dict[int, list[int]] = {}
        #: the candidates each member introduces
        self.introduced: dict[int, set[int]] = {}
        #: the mentor holding a mentoring place for each candidate in mentoring
        self.mentor_of: dict[int, int] = {}
        #: candidates each mentor is mentoring now
        self.load: dict[int, int] = {}

    def free_mentors(self, cell: int) -> list[int]:
        """Mentors of ``cell`` with a free place: its official members at home, then the
        Standing Committee members assigned to its villages."""
        party, levers, load = self.party, self.levers, self.load
        capacity = int(self.p["mentor_capacity"])
        free = [m for m in party.official_members(cell) if load.get(m, 0) < capacity]
        for v in np.flatnonzero(party.village_cell == cell).tolist():
            assigned = -1 - v
            if load.get(assigned, 0) < int(levers.mentor_extra[v]):
                free.append(assigned)
        return free

    def take_mentor(self, pid: int, mentor: int) -> None:
        """``mentor`` starts mentoring ``pid`` (and becomes their first introducer)."""
        self.load[mentor] = self.load.get(mentor, 0) + 1
        self.mentor_of[pid] = mentor
        if mentor not in self.of.get(pid, ()):
            self._add(pid, mentor)

    def release_mentor(self, pid: int) -> bool:
        """Mentoring of ``pid`` ended: the mentor's place is free (``False``: no mentor)."""
        mentor = self.mentor_of.pop(pid, None)
        if mentor is None:
            return False
        self.load[mentor] -= 1
        return True

    def _add(self, pid: int, member: int) -> None:
        self.of.setdefault(pid, []).append(member)
        self.introduced.setdefault(member, set()).add(pid)

    def worked_together_since(self, pid: int, member: int) -> float:
        """Since when ``member`` has worked alongside applicant ``pid``."""
        pop = self.pop
        if member < 0:
            since = self.levers.assigned_since.get(-1 - member, math.inf)
        else:
            since = pop.home_since[member]
        return max(pop.home_since[pid], since)

    def needed(self, pid: int) -> int:
        """One introducer for a Youth Union member (with its resolution), else two."""
        pop, p = self.pop, self.p
        young = pop.age(pid, self.env.now) < p["youth_union_age_max"] + 1.0
        if not young:
            return 2
        return 1 if pop.staff[pid] or self.participation.active_in(pid)[YOUTH_UNION] else 2

    def _find(self, pid: int) -> bool:
        """Add an introducer from the cell's official members (those who qualify first)."""
        now, months = self.env.now, self.p["introducer_months"]
        taken = self.of.get(pid, [])
        cell = self.pop.cell[pid]
        members = [m for m in self.party.official_members(cell) if m not in taken]
        if not members:
            return False
        qualified = [m for m in members if self.worked_together_since(pid, m) + months <= now]
        choose = qualified or members
        self._add(pid, choose[self.stream.index(pid, len(choose))])
        return True

    def ready(self, pid: int) -> bool:
        """Enough introducers, each of whom has worked with the applicant long enough."""
        needed = self.needed(pid)
        while len(self.of.get(pid, ())) < needed:
            if not self._find(pid):
                return False
        return self.env.now + 1e-9 >= self.qualify_time(pid)

    def qualify_time(self, pid: int) -> float:
        """When the introducers in place will all qualify (``inf``: too few of them)."""
        needed, introducers = self.needed(pid), self.of.get(pid, [])
        if len(introducers) < needed:
            return math.inf
        since = max(self.worked_together_since(pid, m) for m in introducers[:needed])
        return since + self.p["introducer_months"]

    def drop(self, pid: int) -> None:
        """``pid``'s candidacy ended (admitted or lost): they have no introducers any more."""
        self.release_mentor(pid)
        for member in self.of.pop(pid, ()):
            self.introduced.get(member, set()).discard(pid)

    def left(self, member: int) -> list[int]:
        """``member`` stopped being an official member at home: the candidates they
        introduced (in order), each of whom no longer has them as an introducer."""
        affected = sorted(self.introduced.pop(member, ()))
        for pid in affected:
            self.of[pid].remove(member)
        return affected
