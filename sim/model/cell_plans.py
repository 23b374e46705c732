"""Each cell's yearly admission plan, what counts towards it, and the effort it drives.

Why a plan: a commune admits to a plan, not as a flow. Nà Hỳ's 8 admissions
of the first quarter of 2017 were "100 % of the year's plan", and the count
is a criterion of each cell's yearly rating. The plan shapes rates and the
timing of votes, never outcomes:

- **the plan** of a cell for a year is its own (``cells.csv``
  ``plan_per_year``, with the ``plan_driven`` switch). The commune's
  per-cell quota (``[targets]`` ``admissions_per_cell_per_year_min``, under
  a measure on the ``quota_spotting_multiplier`` lever) does not raise it: Nà Hỳ's plan for
  2017 was 8 for its 9 cells with the quota in force, so the quota is a
  standard a cell strives for (an effort, below), not its plan. Cells
  formed during a run have no plan of their own;
- **what counts** towards a year's plan: the votes passed whose ceremony
  falls in that year (the calendar makes the ceremony date known at the
  vote), less those lost before their ceremony;
- **effort** (spotting multiplier, with ``plan_driven``): while a cell has
  fewer candidates in hand than ``plan_source_ratio`` times its plan (some
  will be lost on the way, and today's candidates are next year's
  admissions), ``plan_short_spotting_multiplier``; otherwise, once the
  year's plan is met, ``plan_met_spotting_multiplier``. The quota measure
  multiplies the effort of the cells behind their quota for the year;
- **holding** (with ``plan_driven``): a file ready when the plan of the year
  its ceremony would fall in is already met waits, with probability
  ``plan_hold_share`` (drawn once per file and year), until a year whose
  plan it can count for.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim.model.rng import PersonStream
from sim.model.timeline import year_of

if TYPE_CHECKING:
    from sim.model.levers import Levers
    from sim.model.run_state import RunState


class CellPlans:
    """The plans, the candidates in hand and the votes counted, per cell."""

    def __init__(self, run: RunState, levers: Levers, stream: PersonStream) -> None:
        """What the plans read: the cells' plans and the quota (``run.commune``), the plan
        multipliers (``run.p``), whether plans drive spotting (``run.switches``), the
        clock from the run's start, the cell-quota measures in force (``levers``) and each
        candidate's draws (``stream``)."""
        commune, p, switches = run.commune, run.p, run.switches
        self.levers, self.env, self.start = levers, run.scheduler.env, run.start
        self.stream = stream
        self.on = bool(switches["plan_driven"])
        self.own = [c.plan_per_year for c in commune.cells]
        self.quota = int(commune.targets.admissions_per_cell_per_year_min)
        self.short_mult = p["plan_short_spotting_multiplier"]
        self.met_mult = p["plan_met_spotting_multiplier"]
        self.source_ratio = p["plan_source_ratio"]
        self.hold_share = p["plan_hold_share"]
        #: candidates before the vote, per candidacy cell (``pop.cell``)
        self.in_hand = [0] * len(self.own)
        #: votes passed per (cell, year of the ceremony they lead to)
        self.committed: dict[tuple[int, int], int] = {}
        #: the (cell, year) each candidate past the vote is counted in
        self.counted_in: dict[int, tuple[int, int]] = {}
        #: per candidate: (plan year, held?) drawn once a year when the plan is met
        self.hold_draws: dict[int, tuple[int, bool]] = {}

    def add_cell(self) -> None:
        """A cell formed during the run: no plan of its own."""
        self.own.append(0)
        self.in_hand.append(0)

    def plan_of(self, cell: int) -> int:
        """The cell's plan for a year: its own, with ``plan_driven`` (else none)."""
        return self.own[cell] if self.on else 0

    def done(self, cell: int, year: int) -> int:
        """Votes passed that count towards ``cell``'s plan of ``year``."""
        return self.committed.get((cell, year), 0)

    def effort(self, cell: int) -> float:
        """The spotting multiplier of ``cell`` now (see the module docstring)."""
        done = self.done(cell, year_of(self.start, self.env.now))
        effort = 1.0
        if self.on:
            plan = self.plan_of(cell)
            if plan > 0:
                if self.in_hand[cell] < self.source_ratio * plan:
                    effort = self.short_mult
                elif done >= plan:
                    effort = self.met_mult
        levers = self.levers
        if levers.quota_in_force and done < self.quota:
            effort *= levers.quota_multiplier(cell)
        return effort

    def effort_ceiling(self) -> float:
        """The highest :meth:`effort` any cell can have (the spotting clocks run at it)."""
        plan = max(1.0, self.short_mult, self.met_mult) if self.on else 1.0
        return plan * max(1.0, self.levers.quota_ceiling)

    def held(self, pid: int, cell: int, year: int) -> bool:
        """Whether the file waits: ``year``'s plan (its ceremony's) is already met."""
        if not self.on:
            return False
        plan = self.plan_of(cell)
        if plan <= 0 or self.done(cell, year) < plan:
            return False
        drawn = self.hold_draws.get(pid)
        if drawn is None or drawn[0] != year:
            drawn = (year, self.stream.uniform(pid) < self.hold_share)
            self.hold_draws[pid] = drawn
        return drawn[1]

    def count_vote(self, pid: int, cell: int, year: int) -> None:
        """A vote passed in ``cell`` towards ``year``'s plan (``pid`` leaves the hand)."""
        key = (cell, year)
        self.committed[key] = self.committed.get(key, 0) + 1
        self.counted_in[pid] = key
        self.hold_draws.pop(pid, None)

    def uncount(self, pid: int) -> None:
        """A candidate past the vote was lost before the ceremony: the vote no longer counts."""
        key = self.counted_in.pop(pid, None)
        if key is not None:
            self.committed[key] -= 1

    def admitted(self, pid: int) -> None:
        """The ceremony was held: the vote stays counted."""
        self.counted_in.pop(pid, None)
