"""The admission pipeline: spotting, mentoring, class, file, vote, decision, ceremony.

1. Spotting: an eligible resident (age ``admission_age_min`` to
   ``admission_age_max``, education floor reached) who is active in a mass
   organisation is spotted as a promising candidate at a rate that depends on
   the village's status (a white village has nobody on the ground), on age
   (the cells look for young people: ``spotting_*_multiplier`` above
   ``spotting_age_young_max``) and, with ``plan_driven``, on the cell's
   yearly plan. Staff of school and agency cells are spotted at
   ``staff_spotting_rate`` (same age profile and plan).
2. Mentoring: the candidate needs a mentor, an official member of the cell
   their village attends (a white village borrows from its host cell); a
   member mentors ``mentor_capacity`` candidates at a time, so candidates may
   queue. Mentoring lasts ``cultivation_months``. With ``introducers`` the
   mentor is a named member and the first introducer; a second official
   member of the cell is the second (a Youth Union member needs only one,
   with the Youth Union's resolution); both must have known the applicant
   ``introducer_months`` by the vote, and one who stops being an official
   member at home breaks the file: mentoring starts again with a new mentor.
3. Awareness class: held by the district in the commune's class months with
   ``awareness_class_seats`` seats; candidates queue from the moment they are
   spotted and the certificate is valid ``certificate_validity_months``.
   With ``plan_driven`` the cells bring forward those closest to their file.
4. File: after mentoring (and the certificate, unless ``file_before_class``)
   the file takes ``application_months``, then background verification
   ``verification_months`` (failing with ``verification_fail_prob``).
5. Vote: with ``cell_vote`` the cell considers the file at its monthly
   meeting; the meeting draws who attends (``member_attendance_prob``) and
   the file passes if at least two thirds of the cell's official members
   approve (``vote_approval_prob``); with too few present it waits for the
   next meeting. With ``file_validity`` a file older than
   ``file_validity_months`` at the vote lapses and is made again. With
   ``plan_driven`` a cell whose plan for the year is met holds further files
   (``plan_hold_share``) until the year whose plan they can count for.
6. Decision: with ``decision_sessions`` at the district standing committee's
   first session ``forwarding_months`` after the vote; without, after
   ``decision_months``.
7. Ceremony, the admission: with ``anniversary_ceremonies`` on the next
   ceremony date when it falls within ``ceremony_max_months`` of the
   decision, otherwise ``ceremony_months`` after it. Probation (``party``)
   runs from the ceremony.

The yearly plan (``sim.model.cell_plans``) acts through the spotting rate, the
order of the class queue and a hold on the vote: it never admits anyone.
Named introducers are ``sim.model.introducers``.

Candidates give up at ``cultivation_dropout_rate`` until their file is made.
A candidate who leaves home before the file loses the candidacy (a valid
certificate is kept); one who leaves with a file is paused and resumes on
return (the file is made again if it lapsed meanwhile).
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Set as AbstractSet
from datetime import date
from typing import TYPE_CHECKING

import numpy as np

from sim.model.cell_plans import CellPlans
from sim.model.clock import Clock, calls
from sim.model.introducers import Introducers
from sim.model.levers import STAFF, all_superseded
from sim.model.population import (
    APPLICATION,
    CULTIVATION,
    EDUCATION_LEVELS,
    FARMERS,
    HOME,
    KINH,
    LOWER_SECONDARY,
    NO_STAGE,
    NOT_MEMBER,
    PAUSED,
    PRIMARY,
    STAGES,
    VERIFICATION,
    WAIT_CEREMONY,
    WAIT_CLASS,
    WAIT_DECISION,
    WAIT_MENTOR,
    WAIT_VOTE,
    WOMENS_UNION,
    YOUTH_UNION,
    grouped,
)
from sim.model.timeline import months_between, year_of

if TYPE_CHECKING:
    from sim.model.collaborators import Participation
    from sim.model.levers import Levers
    from sim.model.party import Party
    from sim.model.party_calendar import PartyCalendar
    from sim.model.recorder import Recorder
    from sim.model.run_state import RunState

_EARLY = (WAIT_MENTOR, CULTIVATION, WAIT_CLASS)
_AFTER_VOTE = (WAIT_DECISION, WAIT_CEREMONY)
_WITH_FILE = (APPLICATION, VERIFICATION, WAIT_VOTE, WAIT_CLASS)
_PAUSING_REASONS = ("migration", "military")
#: with ``plan_driven``, the class serves first those closest to their file
_CLASS_PRIORITY = {WAIT_CLASS: 1, CULTIVATION: 2, WAIT_MENTOR: 3}


def pop_can_wait(pop, pid: int) -> bool:
    """At home, not a member and not already a candidate: someone who may be spotted."""
    return pop.stage[pid] == NO_STAGE and pop.member[pid] == NOT_MEMBER and pop.alive[pid]


class MentorPool:
    """A cell's mentoring places: how many are taken, and who waits for one."""

    __slots__ = ("in_use", "waiting")

    def __init__(self) -> None:
        self.in_use = 0
        self.waiting: deque[int] = deque()


class Pipeline:
    """From promising resident to admitted member."""

    def __init__(
        self,
        run: RunState,
        recorder: Recorder,
        party: Party,
        levers: Levers,
        calendar: PartyCalendar,
        class_times: list[float],
        participation: Participation,
    ) -> None:
        """What the pipeline reads and changes: the candidates and education of the data
        (``run.commune``), the rates, durations and rules (``run.p``, ``run.switches``), the people,
        the queue (``run.scheduler``), the draws (``run.streams``), the logs (``recorder``), the
        cells and their members (``party``), the measures in force (``levers``), the
        meeting and ceremony dates (``calendar``), the start (``run.start``), the times of
        its awareness classes (``class_times``) and who is active in the mass organisations
        (``participation``)."""
        commune, p, switches, start, pop, scheduler, streams = (
            run.commune,
            run.p,
            run.switches,
            run.start,
            run.pop,
            run.scheduler,
            run.streams,
        )
        self.commune, self.p, self.switches, self.pop = commune, p, switches, pop
        self.scheduler, self.env, self.at = scheduler, scheduler.env, scheduler.at
        self.streams, self.recorder, self.party, self.levers = streams, recorder, party, levers
        self.calendar, self.run_start, self.class_times = calendar, start, class_times
        self.participation = participation
        self.on_class = calls(self._on_class)
        self.on_cultivated = calls(self._on_cultivated)
        self.on_ceremony = calls(self._on_ceremony)
        self.on_decision = calls(self._on_decision)
        self.on_dropout = calls(self._on_dropout)
        self.on_filed = calls(self._on_filed)
        self.on_meeting = calls(self._on_meeting)
        self.on_reconsider = calls(self._on_reconsider)
        self.on_spotted = calls(self._on_spotted)
        self.on_verified = calls(self._on_verified)
        self.spotting = self.streams.person("spotting", width=4)
        #: each candidate's draws along the pipeline (drop-out, mentor, introducer, plan
        #: hold, verification); a cell's votes draw from the cell's stream (:meth:`votes`)
        self.steps = self.streams.person("pipeline", width=4)
        #: each cell's votes generator, by cell index (:meth:`votes`)
        self._votes: dict[int, np.random.Generator] = {}
        self.pools = [MentorPool() for _ in self.party.cells]
        self.class_queue: deque[int] = deque()
        #: the source group each candidate was spotted in (reported at admission)
        self.spotted_from: dict[int, str] = {}
        #: months of mentoring the data's start candidates had before the data date
        self.mentored_before: dict[int, float] = {}
        #: candidates per stage (index 0, "none", is not kept up to date)
        self.stage_count = [0] * len(STAGES)
        self.status_rate = [
            p["spotting_rate_white"] / 12.0,
            p["spotting_rate_joint"] / 12.0,
            p["spotting_rate_cell"] / 12.0,
        ]
        self.staff_rate = p["staff_spotting_rate"] / 12.0
        self.dropout_rate = p["cultivation_dropout_rate"] / 12.0
        completion = dict(
            zip(EDUCATION_LEVELS[1:], self.commune.education["completion_age"], strict=True)
        )
        self.floor_age = {
            level: max(p["admission_age_min"], completion[EDUCATION_LEVELS[level]])
            for level in (PRIMARY, LOWER_SECONDARY)
        }
        self.remote = np.array([v.remoteness == "remote_border" for v in self.commune.villages])
        self.exemption = bool(switches["education_exemption"])
        self.over_60 = bool(switches["over_60_exception"])
        #: the age (years) from which only the over-60 exception allows admission
        self.age_limit = p["admission_age_max"] + 1.0
        # spotting by age: full rate to the young age limit, then lower
        self.young_to = p["spotting_age_young_max"] + 1.0
        self.middle_to = p["spotting_age_middle_max"] + 1.0
        self.age_mult = (1.0, p["spotting_middle_multiplier"], p["spotting_older_multiplier"])
        # the rules and practices in force
        self.cell_vote = bool(switches["cell_vote"])
        self.named_introducers = bool(switches["introducers"])
        self.validity = bool(switches["file_validity"])
        self.file_first = bool(switches["file_before_class"])
        self.sessions = bool(switches["decision_sessions"])
        self.anniversaries = bool(switches["anniversary_ceremonies"])
        self.plans = CellPlans(run, self.levers, self.steps)
        self.introducers = Introducers(run, self.party, self.levers, self.steps, participation)
        #: per candidate past the vote: when the cell voted, and the ceremony's date
        self.voted_at: dict[int, float] = {}
        self.ceremony_at: dict[int, float] = {}
        self.vote_queue: list[int] = []
        #: when each candidate's mentoring ends
        self.mentoring_due: dict[int, float] = {}
        #: the cell whose mentoring place a candidate in mentoring holds (without names)
        self.pool_of: dict[int, int] = {}
        #: paused candidates whose introducer left while they were away
        self.broken: set[int] = set()

    # -- start ----------------------------------------------------------------
    def place_candidates(self) -> None:
        """Put the data's candidates (village residents and staff) into mentoring at the start."""
        pop = self.pop
        rng = self.streams["spotting"].generator  # the start, the same in every scenario
        age = -pop.column("birth") / 12.0
        village_of, staff = pop.column("village"), pop.column("staff")
        cell_of = pop.array("cell")
        possible = (
            (pop.column("place") == HOME)
            & (pop.array("member") == NOT_MEMBER)
            & (age >= self.p["admission_age_min"])
            & (age < self.p["admission_age_max"] - 2)
            & (pop.column("education") >= LOWER_SECONDARY)
        )
        villages, cells = self.commune.villages, self.commune.cells
        pools = list(
            zip(
                [v.candidates for v in villages],
                grouped(possible & ~staff, village_of, len(villages)),
                strict=True,
            )
        )
        pools += zip(
            [c.candidates for c in cells],
            grouped(possible & staff, cell_of, len(cells)),
            strict=True,
        )
        for wanted, eligible in pools:
            if wanted == 0:
                continue
            chosen = rng.choice(eligible, size=min(wanted, len(eligible)), replace=False)
            for pid in chosen.tolist():
                elapsed = rng.random() * self.p["initial_candidates_elapsed_months"]
                self._spot(pid, elapsed=elapsed)

    def start(self) -> None:
        """Schedule classes, cell meetings and everyone's first spotting clock (vectorised)."""
        pop = self.pop
        for t in self.class_times:
            self.at(t, self.on_class)
        if self.cell_vote:
            for t in self.calendar.meetings:
                self.at(t, self.on_meeting)
        staff = pop.column("staff")
        village = pop.column("village")
        exempt = self._exempt()
        floor_age = np.where(exempt, self.floor_age[PRIMARY], self.floor_age[LOWER_SECONDARY])
        rate = self.ceilings()
        pids = np.flatnonzero(rate > 0)
        birth = pop.column("birth")[pids]
        no_cell = np.array([status != 2 for status in self.party.status])
        over_age = self.over_60 & ~staff[pids] & no_cell[village[pids]]
        lo = np.maximum(birth + 12.0 * floor_age[pids], 0.0)
        hi = np.where(over_age, np.inf, birth + 12.0 * self.age_limit)
        when = lo + self.spotting.occasion(pids, "start", 1, exponential=True)[:, 0] / rate[pids]
        due = when < hi
        versions = pop.array("v_spot")[pids]
        self.scheduler.at_many_due(when[due], self.on_spotted, pids[due], versions[due])

    def _exempt(self) -> np.ndarray:
        """Per person: the education exemption applies (:meth:`education_floor`, vectorised)."""
        pop = self.pop
        return (
            self.exemption
            & ~pop.column("staff")
            & (pop.column("ethnic") != KINH)
            & self.remote[np.maximum(pop.column("village"), 0)]
        )

    def ceilings(self) -> np.ndarray:
        """Per person, the rate :meth:`schedule_spot` would draw their spotting clock at now,
        0 for those it would give none (vectorised: the start, and measures' redraws)."""
        pop = self.pop
        staff, village = pop.column("staff"), pop.column("village")
        waiting = (
            (pop.array("stage") == NO_STAGE)
            & (pop.array("member") == NOT_MEMBER)
            & (pop.column("place") == HOME)
            & pop.array("alive")
        )
        floor = np.where(self._exempt(), PRIMARY, LOWER_SECONDARY)
        eligible = waiting & (pop.column("education") >= floor)
        by_village = np.array([self.village_ceiling(v) for v in range(len(self.remote))])
        rate = np.where(staff, self.staff_ceiling(), by_village[np.maximum(village, 0)])
        return np.where(eligible, rate, 0.0)

    def _set_stage(self, pid: int, stage: int) -> None:
        """Move a candidate to ``stage``, keeping the per-stage counts of the monthly series."""
        pop = self.pop
        self.stage_count[pop.stage[pid]] -= 1
        self.stage_count[stage] += 1
        pop.stage[pid] = stage

    # -- spotting -------------------------------------------------------------
    #
    # Spotting happens only while the person is active in a mass organisation,
    # at a rate that changes with their age, their village's status, the
    # measures and their cell's plan, and joining and leaving are the commonest
    # changes of a run (played without events, ``sim.model.organisations``).
    # Rather than redraw the spotting clock at every change,
    # the clock runs at the highest rate the person's spotting can have
    # (``ceiling``) and each ring is accepted with probability
    # rate now / ceiling (thinning, Lewis and Shedler 1979): exact, because
    # those states change independently of the clock. The clock is redrawn
    # only when a measure changes the ceiling, or when an over-60 exception
    # opens.

    def education_floor(self, pid: int) -> int:
        """The lowest education level at which ``pid`` may be admitted."""
        pop = self.pop
        if (
            self.exemption
            and not pop.staff[pid]
            and pop.ethnic[pid] != KINH
            and self.remote[pop.village[pid]]
        ):
            return PRIMARY
        return LOWER_SECONDARY

    def over_age_allowed(self, pid: int) -> bool:
        """Over-60 admission: only with the switch, and only where the village has no cell."""
        pop = self.pop
        return bool(
            self.over_60 and not pop.staff[pid] and self.party.status[pop.village[pid]] != 2
        )

    def age_multiplier(self, age: float) -> float:
        """Spotting by age (years): the cells look for young people."""
        if age < self.young_to:
            return self.age_mult[0]
        return self.age_mult[1] if age < self.middle_to else self.age_mult[2]

    def village_ceiling(self, v: int) -> float:
        """The highest monthly spotting rate a resident of village ``v`` can have (any status)."""
        levers = self.levers
        rate = (max(self.status_rate) + levers.spot_add[v] / 12.0) * levers.spot_mult[v]
        return (
            rate
            * max(1.0, levers.target_mult[v])
            * max(self.age_mult)
            * self.plans.effort_ceiling()
        )

    def staff_ceiling(self) -> float:
        """The highest monthly spotting rate of staff."""
        levers = self.levers
        return (
            self.staff_rate
            * levers.staff_spot_mult
            * max(self.age_mult)
            * self.plans.effort_ceiling()
        )

    def spotting_rate(self, pid: int) -> float:
        """Monthly rate at which ``pid`` is spotted now (0 unless staff or active)."""
        pop, levers = self.pop, self.levers
        age_mult = self.age_multiplier(pop.age(pid, self.env.now))
        if pop.staff[pid]:
            return (
                self.staff_rate
                * levers.staff_spot_mult
                * age_mult
                * self.plans.effort(pop.cell[pid])
            )
        active = self.participation.active_in(pid)
        if not (active[0] or active[1] or active[2] or active[3]):
            return 0.0
        v = pop.village[pid]
        status = self.party.status[v]
        rate = (self.status_rate[status] + levers.spot_add[v] / 12.0) * levers.spot_mult[v]
        if levers.target_mult[v] != 1.0 and (
            status != 2 or pop.ethnic[pid] != KINH or active[YOUTH_UNION] or pop.veteran[pid]
        ):
            rate *= levers.target_mult[v]
        return rate * age_mult * self.plans.effort(int(self.party.village_cell[v]))

    def schedule_spot(self, pid: int, clock: float | None = None) -> None:
        """Draw ``pid``'s next spotting ring, if they can be spotted (after a change of state).

        ``clock``: a standard exponential already in hand (left over from a ring not
        accepted, :meth:`_on_spotted`), used instead of a new draw."""
        pop = self.pop
        pop.v_spot[pid] += 1
        if (
            pop.place[pid] != HOME
            or not pop.alive[pid]
            or pop.member[pid] != NOT_MEMBER
            or pop.stage[pid] != NO_STAGE
        ):
            return
        floor = self.education_floor(pid)
        if pop.education[pid] < floor:
            return
        rate = self.staff_ceiling() if pop.staff[pid] else self.village_ceiling(pop.village[pid])
        if rate <= 0:
            return
        lo = pop.birth[pid] + 12.0 * self.floor_age[floor]
        hi = np.inf if self.over_age_allowed(pid) else pop.birth[pid] + 12.0 * self.age_limit
        if clock is None:
            clock = self.spotting.exponential(pid)
        when = max(self.env.now, lo) + clock / rate
        if when < hi:
            self.at(when, self.on_spotted, pid, pop.v_spot[pid])

    def _on_spotted(self, clock: Clock) -> None:
        """A ring of the spotting clock: spotted with probability rate now / ceiling."""
        pid, pop = clock.pid, self.pop
        if pop.v_spot[pid] != clock.ver:
            return
        if (
            self.env.now - self.pop.birth[pid]
        ) / 12.0 >= self.age_limit and not self.over_age_allowed(pid):
            return  # past the age limit: the over-60 exception closed (the village has a cell)
        rate = self.spotting_rate(pid)
        if rate > 0:
            ceiling = (
                self.staff_ceiling() if pop.staff[pid] else self.village_ceiling(pop.village[pid])
            )
            if rate >= ceiling:
                self._spot(pid)
                return
            # accepted with chance a = rate / ceiling: a draw E below -log(1 - a); above it,
            # E - (-log(1 - a)) is a fresh standard exponential (memoryless), the next clock's
            e, bound = self.spotting.exponential(pid), -math.log1p(-rate / ceiling)
            if e < bound:
                self._spot(pid)
                return
            self.schedule_spot(pid, e - bound)
            return
        self.schedule_spot(pid)

    def _spot(self, pid: int, elapsed: float = 0.0) -> None:
        """``pid`` becomes a candidate (``elapsed``: months of mentoring already done)."""
        pop = self.pop
        pop.v_spot[pid] += 1
        self._set_stage(pid, WAIT_MENTOR)
        pop.file_start[pid] = -math.inf
        cell = self.party.cell_of(pid)
        pop.cell[pid] = cell
        self.plans.in_hand[cell] += 1
        self.recorder.log_stage(pid, "spotted")
        self.spotted_from[pid] = self.source_group(pid)
        self._schedule_dropout(pid)
        if elapsed > 0:
            self.mentored_before[pid] = elapsed
            if elapsed >= self.p["cultivation_months"]:  # mentored, so certified already
                pop.cert_until[pid] = self.env.now + self.p["certificate_validity_months"]
        if pop.cert_until[pid] < self.env.now and not pop.queued[pid]:
            pop.queued[pid] = True
            self.class_queue.append(pid)
        self.pools[cell].waiting.append(pid)
        self.refresh_pool(cell)

    def status_changed(self, v: int) -> None:
        """Village ``v``'s status changed: with the over-60 exception, how long its people may
        be spotted depends on it (rates do not: the clocks run at the ceiling of all statuses),
        so their clocks are drawn again."""
        if not self.over_60:
            return
        self.villages_changed(np.array([v]))

    def villages_changed(
        self, villages: np.ndarray, staff: bool = False, superseded: AbstractSet[int] = frozenset()
    ) -> None:
        """Spotting rates changed in ``villages``: redraw those clocks.

        The people of ``superseded`` (village indices, ``sim.model.levers.STAFF`` for staff) are
        left alone: a later measure of the same instant redraws them, and their draws are
        their own (``sim.model.rng``), so skipping theirs moves no one else's.
        """
        if all_superseded(superseded, villages, staff):
            return
        pop = self.pop
        for pid in self._people_in(villages, staff):
            if pop_can_wait(pop, pid) and (not superseded or self._key(pid) not in superseded):
                self.schedule_spot(pid)

    def _key(self, pid: int) -> int:
        """``pid``'s village, or ``sim.model.levers.STAFF``: the key of measures' redraws."""
        pop = self.pop
        return STAFF if pop.staff[pid] else pop.village[pid]

    def _people_in(self, villages: np.ndarray, staff: bool) -> list[int]:
        """People at home in ``villages`` (and all staff if ``staff``)."""
        pop = self.pop
        where = np.isin(pop.column("village"), villages) & ~pop.column("staff")
        if staff:
            where |= pop.column("staff")
        return np.flatnonzero(where & (pop.column("place") == HOME)).tolist()

    def village_moved(self, v: int, old: int, new: int) -> None:
        """Village ``v`` now attends cell ``new`` (its own cell formed or dissolved): its
        candidates before the vote belong to that cell's plan and mentoring queue."""
        pop = self.pop
        for pid in self._people_in(np.array([v]), staff=False):
            stage = pop.stage[pid]
            if stage == NO_STAGE or stage in _AFTER_VOTE or pop.cell[pid] != old:
                continue
            pop.cell[pid] = new
            self.plans.in_hand[old] -= 1
            self.plans.in_hand[new] += 1
            if stage == WAIT_MENTOR:
                self.pools[new].waiting.append(pid)
        self.refresh_pool(new)

    # -- drop-out -------------------------------------------------------------
    def _schedule_dropout(self, pid: int) -> None:
        """Draw ``pid``'s drop-out clock."""
        pop, levers = self.pop, self.levers
        pop.v_drop[pid] += 1
        mult = (
            levers.staff_dropout_mult if pop.staff[pid] else levers.dropout_mult[pop.village[pid]]
        )
        rate = self.dropout_rate * mult
        if rate > 0:
            when = self.env.now + self.steps.exponential(pid) / rate
            self.at(when, self.on_dropout, pid, pop.v_drop[pid])

    def _on_dropout(self, event: Clock) -> None:
        pid, pop = event.pid, self.pop
        if pop.v_drop[pid] != event.ver or pop.stage[pid] not in _EARLY or self.has_file(pid):
            return
        self.lose(pid, "dropout")

    def dropout_changed(
        self, villages: np.ndarray, staff: bool = False, superseded: AbstractSet[int] = frozenset()
    ) -> None:
        """A measure changed drop-out in ``villages``: redraw the early candidates' clocks
        (leaving those of ``superseded`` alone, as :meth:`villages_changed`)."""
        pop = self.pop
        for pid in self._people_in(villages, staff):
            if superseded and self._key(pid) in superseded:
                continue
            if pop.stage[pid] in _EARLY and not self.has_file(pid):
                self._schedule_dropout(pid)

    # -- mentors and introducers ------------------------------------------------
    def add_pool(self) -> None:
        """A new cell was formed: its own mentoring places, no plan of its own."""
        self.pools.append(MentorPool())
        self.plans.add_cell()

    def capacity(self, cell: int) -> int:
        """Mentoring places of ``cell``: official members x capacity, plus assigned places."""
        party, levers = self.party, self.levers
        attending = party.village_cell == cell
        extra = float(np.asarray(levers.mentor_extra)[attending].sum())
        return int(self.p["mentor_capacity"] * party.official_in_cell(cell) + extra)

    def refresh_pool(self, cell: int) -> None:
        """Give free mentoring places of ``cell`` to its waiting candidates, in order."""
        pool = self.pools[cell]
        if not pool.waiting:
            return
        pop = self.pop
        if self.named_introducers:
            while pool.waiting:
                pid = pool.waiting[0]
                if pop.stage[pid] != WAIT_MENTOR or pop.cell[pid] != cell:
                    pool.waiting.popleft()
                    continue
                free = self.introducers.free_mentors(cell)
                if not free:
                    return
                pool.waiting.popleft()
                self._begin_cultivation(pid, free[self.steps.index(pid, len(free))])
            return
        capacity = self.capacity(cell)
        while pool.waiting and pool.in_use < capacity:
            pid = pool.waiting.popleft()
            if pop.stage[pid] != WAIT_MENTOR or pop.cell[pid] != cell:
                continue
            pool.in_use += 1
            self.pool_of[pid] = cell
            self._begin_cultivation(pid)

    def refresh_all_pools(self) -> None:
        """Capacities changed everywhere (a measure): serve every queue."""
        for cell in range(len(self.pools)):
            self.refresh_pool(cell)

    def _release(self, pid: int) -> None:
        """The mentoring of ``pid`` ends (done or cut short): the mentor's place is free."""
        self.mentoring_due.pop(pid, None)
        if self.introducers.release_mentor(pid):
            self.refresh_pool(self.pop.cell[pid])
            return
        cell = self.pool_of.pop(pid, None)
        if cell is not None:
            self.pools[cell].in_use -= 1
            self.refresh_pool(cell)

    def _begin_cultivation(self, pid: int, mentor: int | None = None) -> None:
        """Mentoring starts (with ``mentor``, a named introducer, under ``introducers``)."""
        pop = self.pop
        self._set_stage(pid, CULTIVATION)
        pop.v_pipe[pid] += 1
        self.recorder.log_stage(pid, "cultivation")
        done_before = self.mentored_before.pop(pid, 0.0)
        due = self.env.now + max(self.p["cultivation_months"] - done_before, 0.0)
        self.mentoring_due[pid] = due
        if mentor is not None:
            self.introducers.take_mentor(pid, mentor)
        self.at(due, self.on_cultivated, pid, pop.v_pipe[pid])

    def introducer_left(self, member: int) -> None:
        """``member`` stopped being an official member at home. Mentoring goes on with another
        mentor; a file under way that they introduced breaks and is made again (with another
        introducer, found at the vote)."""
        if not self.named_introducers:
            return
        pop = self.pop
        for pid in self.introducers.left(member):
            stage = pop.stage[pid]
            if stage == NO_STAGE or stage in _AFTER_VOTE:
                continue
            self.recorder.log_stage(pid, "introducer_left")
            if stage == CULTIVATION and self.introducers.mentor_of.get(pid) == member:
                left = self.mentoring_due[pid] - self.env.now
                self._release(pid)
                self.mentored_before[pid] = max(self.p["cultivation_months"] - left, 0.0)
                self._set_stage(pid, WAIT_MENTOR)
                pop.v_pipe[pid] += 1
                self.pools[pop.cell[pid]].waiting.append(pid)
                self.refresh_pool(pop.cell[pid])
            elif stage == PAUSED:
                self.broken.add(pid)  # made again once back home
            elif self.has_file(pid):
                self._restart_file(pid, "file_broken")

    # -- mentoring done, awareness class --------------------------------------------
    def _on_cultivated(self, event: Clock) -> None:
        pid, pop = event.pid, self.pop
        if pop.v_pipe[pid] != event.ver or pop.stage[pid] != CULTIVATION:
            return
        self._release(pid)
        if pop.cert_until[pid] >= self.env.now or self.file_first:
            self._begin_application(pid, fresh=True)
        else:
            self._wait_class(pid)

    def _wait_class(self, pid: int) -> None:
        pop = self.pop
        self._set_stage(pid, WAIT_CLASS)
        self.recorder.log_stage(pid, "waiting_class")
        if not pop.queued[pid]:
            pop.queued[pid] = True
            self.class_queue.append(pid)

    def has_file(self, pid: int) -> bool:
        """A file is under way (made, in verification or waiting for the vote)."""
        return self.pop.file_start[pid] > -math.inf

    def _class_order(self) -> deque[int]:
        """The class queue, those closest to their file first under ``plan_driven``."""
        if not self.plans.on:
            return self.class_queue
        pop = self.pop

        def priority(pid: int) -> int:
            stage = pop.stage[pid]
            return (
                0 if stage == WAIT_CLASS and self.has_file(pid) else _CLASS_PRIORITY.get(stage, 4)
            )

        return deque(sorted(self.class_queue, key=priority))

    def _on_class(self, _event: Clock) -> None:
        pop = self.pop
        seats = int(self.p["awareness_class_seats"] + self.levers.extra_seats)
        served = 0
        queue = self._class_order()
        while queue and served < seats:
            pid = queue.popleft()
            if not pop.queued[pid] or pop.stage[pid] not in _EARLY:
                pop.queued[pid] = False
                continue
            pop.queued[pid] = False
            pop.cert_until[pid] = self.env.now + self.p["certificate_validity_months"]
            served += 1
            self.recorder.log_stage(pid, "certified")
            if pop.stage[pid] == WAIT_CLASS:
                if self.has_file(pid):
                    self._to_vote(pid)
                else:
                    self._begin_application(pid, fresh=True)
        self.class_queue = queue
        self.recorder.log_class(served, seats, len(queue))

    # -- file and verification ----------------------------------------------------
    def _begin_application(self, pid: int, fresh: bool) -> None:
        pop = self.pop
        self._set_stage(pid, APPLICATION)
        if fresh:
            pop.file_start[pid] = self.env.now
        pop.v_drop[pid] += 1
        pop.v_pipe[pid] += 1
        self.recorder.log_stage(pid, "application")
        self.at(self.env.now + self.p["application_months"], self.on_filed, pid, pop.v_pipe[pid])

    def _on_filed(self, event: Clock) -> None:
        """The file is made: background verification follows."""
        pid, pop = event.pid, self.pop
        if pop.v_pipe[pid] != event.ver or pop.stage[pid] != APPLICATION:
            return
        self._set_stage(pid, VERIFICATION)
        pop.v_pipe[pid] += 1
        self.recorder.log_stage(pid, "verification")
        self.at(
            self.env.now + self.p["verification_months"], self.on_verified, pid, pop.v_pipe[pid]
        )

    def _on_verified(self, event: Clock) -> None:
        pid, pop = event.pid, self.pop
        if pop.v_pipe[pid] != event.ver or pop.stage[pid] != VERIFICATION:
            return
        if self.steps.uniform(pid) < self.p["verification_fail_prob"]:
            self.lose(pid, "verification")
            return
        self._to_vote(pid)

    def _restart_file(self, pid: int, why: str = "file_lapsed") -> None:
        """The file lapsed (or broke): it is made again (after a class, if the certificate
        lapsed too)."""
        pop, now = self.pop, self.env.now
        self.recorder.log_stage(pid, why)
        pop.file_start[pid] = -math.inf
        if pop.cert_until[pid] >= now or self.file_first:
            self._begin_application(pid, fresh=True)
        else:
            self._wait_class(pid)

    # -- the cell's vote ----------------------------------------------------------
    def _to_vote(self, pid: int) -> None:
        """The file is ready: it waits for the cell's meeting (or is voted on at once)."""
        self._set_stage(pid, WAIT_VOTE)
        self.pop.v_pipe[pid] += 1
        if self.cell_vote:
            self.vote_queue.append(pid)
        else:
            self._consider(pid, None)

    def votes(self, cell: int) -> np.random.Generator:
        """The random numbers of ``cell``'s votes: a stream of the cell's own, named by its id
        (cells formed during a run are numbered in the order they form, anywhere)."""
        generator = self._votes.get(cell)
        if generator is None:
            name = f"votes:{self.party.cells[cell].id}"
            generator = self._votes[cell] = self.streams[name].generator
        return generator

    def _on_meeting(self, _event: Clock) -> None:
        """The cells' monthly meeting: each cell considers its files, in the order they came."""
        pop, party = self.pop, self.party
        queue = list(dict.fromkeys(self.vote_queue))
        self.vote_queue = []
        present: dict[int, int] = {}
        for pid in queue:
            if pop.stage[pid] != WAIT_VOTE:
                continue
            cell = party.cell_of(pid)
            if cell not in present:
                members = party.official_in_cell(cell)
                present[cell] = int(
                    self.votes(cell).binomial(members, self.p["member_attendance_prob"])
                )
            self._consider(pid, present[cell])
        self.vote_queue = [pid for pid in queue if pop.stage[pid] == WAIT_VOTE] + self.vote_queue

    def _consider(self, pid: int, present: int | None) -> None:
        """The cell considers a file (``present``: official members at the meeting, ``None``
        without ``cell_vote``). Checked in order: validity, certificate, age, the plan,
        introducers, the vote. A file that is not yet decided stays ``waiting_vote``."""
        pop, party = self.pop, self.party
        now, p = self.env.now, self.p
        if self.validity and self._lapsed(pid):
            self._restart_file(pid)
            return
        if pop.cert_until[pid] < now:
            self._wait_class(pid)
            return
        if (
            self.env.now - self.pop.birth[pid]
        ) / 12.0 >= self.age_limit and not self.over_age_allowed(pid):
            self.lose(pid, "over_age")
            return
        cell = party.cell_of(pid)
        decision, ceremony = self.decision_and_ceremony(now)
        year = year_of(self.run_start, ceremony)
        if self.plans.held(pid, cell, year):
            if present is None:  # considered again when the next plan year begins
                self._reconsider_at(pid, months_between(self.run_start, date(year + 1, 1, 1)))
            return
        if self.named_introducers:
            ready = self.introducers.ready(pid)
            if not ready and present is None:  # no meeting to wait for: decide when it can
                when = self.introducers.qualify_time(pid)
                if when == math.inf:
                    self.lose(pid, "no_introducers")
                else:
                    self._reconsider_at(pid, when)
            if not ready:
                return
        elif party.official_in_cell(cell) < 2:
            self.lose(pid, "no_introducers")
            return
        if present is not None:
            members = party.official_in_cell(cell)
            needed = math.ceil(2 * members / 3)
            if members == 0:
                self.lose(pid, "no_introducers")
                return
            if present < needed:
                self.recorder.log_stage(pid, "vote_postponed")
                return
            approve = int(self.votes(cell).binomial(present, p["vote_approval_prob"]))
            if approve < needed:
                self.lose(pid, "vote_failed")
                return
        self._voted(pid, cell, decision, ceremony)

    def _lapsed(self, pid: int) -> bool:
        """The file is older than ``file_validity_months``."""
        age = self.env.now - self.pop.file_start[pid]
        return age > self.p["file_validity_months"] + 1e-9

    def _reconsider_at(self, pid: int, when: float) -> None:
        """Without cell meetings, the file is considered again at ``when``."""
        self.at(when, self.on_reconsider, pid, self.pop.v_pipe[pid])

    def _on_reconsider(self, event: Clock) -> None:
        pid, pop = event.pid, self.pop
        if pop.v_pipe[pid] == event.ver and pop.stage[pid] == WAIT_VOTE:
            self._consider(pid, None)

    def decision_and_ceremony(self, voted: float) -> tuple[float, float]:
        """When a file voted at ``voted`` is decided and its ceremony held (the calendar's)."""
        p, calendar = self.p, self.calendar
        if self.sessions:
            decision = calendar.next_session(voted + p["forwarding_months"])
        else:
            decision = voted + p["decision_months"]
        if self.anniversaries:
            anniversary = calendar.next_anniversary(decision)
            if anniversary - decision <= p["ceremony_max_months"]:
                return decision, anniversary
        return decision, decision + p["ceremony_months"]

    def _voted(self, pid: int, cell: int, decision: float, ceremony: float) -> None:
        pop = self.pop
        self.plans.count_vote(pid, cell, year_of(self.run_start, ceremony))
        self.plans.in_hand[pop.cell[pid]] -= 1
        self.voted_at[pid] = self.env.now
        self.ceremony_at[pid] = ceremony
        self._set_stage(pid, WAIT_DECISION)
        pop.v_pipe[pid] += 1
        self.recorder.log_stage(pid, "voted")
        self._then(decision, self.on_decision, self._decided, pid)

    def _then(self, when: float, callbacks, handler, pid: int) -> None:
        """``handler(pid)`` at ``when``: at once if that is now (no event for a zero delay)."""
        if when <= self.env.now:
            handler(pid)
        else:
            self.at(when, callbacks, pid, self.pop.v_pipe[pid])

    def _on_decision(self, event: Clock) -> None:
        pid, pop = event.pid, self.pop
        if pop.v_pipe[pid] == event.ver and pop.stage[pid] == WAIT_DECISION:
            self._decided(pid)

    def _decided(self, pid: int) -> None:
        pop = self.pop
        self._set_stage(pid, WAIT_CEREMONY)
        pop.v_pipe[pid] += 1
        self.recorder.log_stage(pid, "decided")
        self._then(self.ceremony_at[pid], self.on_ceremony, self._admit, pid)

    def _on_ceremony(self, event: Clock) -> None:
        pid, pop = event.pid, self.pop
        if pop.v_pipe[pid] == event.ver and pop.stage[pid] == WAIT_CEREMONY:
            self._admit(pid)

    def _admit(self, pid: int) -> None:
        """The ceremony: the admission the targets count."""
        pop = self.pop
        self._set_stage(pid, NO_STAGE)
        pop.v_pipe[pid] += 1
        pop.file_start[pid] = -math.inf
        self.plans.admitted(pid)
        self.ceremony_at.pop(pid, None)
        self.introducers.drop(pid)
        group = self.spotted_from.pop(pid, None) or self.source_group(pid)
        self.party.admit(pid, self.party.cell_of(pid), group, self.voted_at.pop(pid))

    def source_group(self, pid: int) -> str:
        """The source group ``pid`` belongs to now (the first that applies).

        Recorded when the candidate is spotted: that is the group the cell
        found them in, even if they stop being active during the pipeline.
        Staff of Youth Union age count as Youth Union members (young teachers
        and officials belong to their school's or agency's Youth Union branch).
        """
        pop = self.pop
        if pop.staff[pid]:
            return "youth_union" if self.introducers.needed(pid) == 1 else "staff"
        if pop.veteran[pid]:
            return "returning_soldier"
        active = self.participation.active_in(pid)
        if active[YOUTH_UNION]:
            return "youth_union"
        if active[FARMERS]:
            return "farmer"
        if active[WOMENS_UNION]:
            return "womens_union"
        return "other"

    # -- losing and pausing ---------------------------------------------------------
    def lose(self, pid: int, reason: str) -> None:
        """The candidacy ends without admission; the person may be spotted again later."""
        pop = self.pop
        stage = int(pop.stage[pid])
        if stage == CULTIVATION:
            self._release(pid)
        if stage in _AFTER_VOTE:
            self.plans.uncount(pid)
            self.voted_at.pop(pid, None)
            self.ceremony_at.pop(pid, None)
        elif stage != NO_STAGE:
            self.plans.in_hand[pop.cell[pid]] -= 1
        self.introducers.drop(pid)
        self.broken.discard(pid)
        self.plans.hold_draws.pop(pid, None)
        self._set_stage(pid, NO_STAGE)
        self.spotted_from.pop(pid, None)
        pop.queued[pid] = False
        pop.file_start[pid] = -math.inf
        pop.v_pipe[pid] += 1
        pop.v_drop[pid] += 1
        self.recorder.log_exit(pid, stage, reason)
        if pop.place[pid] == HOME and pop.alive[pid]:
            self.schedule_spot(pid)

    def interrupt(self, pid: int, reason: str) -> None:
        """The person left home: early candidacies end, a file in progress is paused."""
        pop = self.pop
        pop.v_spot[pid] += 1
        stage = pop.stage[pid]
        if stage == NO_STAGE:
            return
        if stage in _WITH_FILE and self.has_file(pid) and reason in _PAUSING_REASONS:
            pop.v_pipe[pid] += 1
            self.recorder.log_exit(pid, int(stage), f"paused_{reason}")
            self._set_stage(pid, PAUSED)
            return
        self.lose(pid, reason)

    def resume_or_spot(self, pid: int) -> None:
        """Back home: resume a paused file (made again if it lapsed), or wait to be spotted."""
        pop = self.pop
        if pop.stage[pid] != PAUSED:
            self.schedule_spot(pid)
            return
        if pid in self.broken:
            self.broken.discard(pid)
            self._restart_file(pid, "file_broken")
        elif self.validity and self._lapsed(pid):
            self._restart_file(pid)
        else:
            self.recorder.log_stage(pid, "resumed")
            self._begin_application(pid, fresh=False)
