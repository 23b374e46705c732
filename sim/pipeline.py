"""The admission pipeline: spotting, cultivation, awareness class, file, verification.

1. Spotting: an eligible resident (age ``admission_age_min`` to
   ``admission_age_max``, education floor reached) who is active in a mass
   organisation is spotted as a promising candidate at a rate that depends on
   the village's status: a white village has nobody on the ground. Staff of
   school and agency cells are spotted at ``staff_spotting_rate``.
2. Cultivation: the candidate needs a mentor, an official member of the cell
   their village attends (a white village borrows from its host cell); a
   member mentors ``mentor_capacity`` candidates at a time, so candidates may
   queue. Mentoring lasts ``cultivation_months`` (an introducer must have
   known the applicant a year).
3. Awareness class: held by the district in the commune's class months with
   ``awareness_class_seats`` seats; candidates queue for it from the moment
   they are spotted (first come, first served) and the certificate is valid
   ``certificate_validity_months``.
4. File: once mentored and certified, the file takes ``application_months``;
   the cell then votes (needs two official members as introducers, the age
   limit is checked here) and verification to decision takes
   ``verification_months``, failing with ``verification_fail_prob``.
5. Admission, then ``probation_months`` of probation (``party``).

Candidates give up at ``cultivation_dropout_rate`` until their file is made.
A candidate who leaves home before the file loses the candidacy (a valid
certificate is kept); one who leaves with a file in progress is paused and
resumes on return if the file is still within ``file_validity_months``.
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING

import numpy as np

from sim.clock import Clock, calls
from sim.population import (
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
    WAIT_CLASS,
    WAIT_MENTOR,
    WOMENS_UNION,
    YOUTH_UNION,
)

if TYPE_CHECKING:
    from sim.model import CommuneModel

_EARLY = (WAIT_MENTOR, CULTIVATION, WAIT_CLASS)
_PAUSING_REASONS = ("migration", "military")


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
    """From promising resident to probationary member."""

    def __init__(self, model: CommuneModel) -> None:
        self.model = model
        self.on_class = calls(self._on_class)
        self.on_cultivated = calls(self._on_cultivated)
        self.on_decided = calls(self._on_decided)
        self.on_dropout = calls(self._on_dropout)
        self.on_filed = calls(self._on_filed)
        self.on_spotted = calls(self._on_spotted)
        p = model.p
        self.clock = model.streams["spotting"]
        self.steps = model.streams["pipeline"]
        self.pools = [MentorPool() for _ in model.party.cells]
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
            zip(EDUCATION_LEVELS[1:], model.commune.education["completion_age"], strict=True)
        )
        self.floor_age = {
            level: max(p["admission_age_min"], completion[EDUCATION_LEVELS[level]])
            for level in (PRIMARY, LOWER_SECONDARY)
        }
        self.remote = np.array([v.remoteness == "remote_border" for v in model.commune.villages])
        self.exemption = bool(model.switches["education_exemption"])
        self.over_60 = bool(model.switches["over_60_exception"])
        #: the age (years) from which only the over-60 exception allows admission
        self.age_limit = p["admission_age_max"] + 1.0

    # -- start ----------------------------------------------------------------
    def place_candidates(self) -> None:
        """Put the data's candidates into cultivation at the start date."""
        model, pop = self.model, self.model.pop
        rng = self.clock.generator
        age = -pop.column("birth") / 12.0
        village_of = pop.column("village")
        possible = (
            (pop.column("place") == HOME)
            & (pop.array("member") == NOT_MEMBER)
            & (age >= model.p["admission_age_min"])
            & (age < model.p["admission_age_max"] - 2)
            & (pop.column("education") >= LOWER_SECONDARY)
        )
        for v, village in enumerate(model.commune.villages):
            if village.candidates == 0:
                continue
            eligible = np.flatnonzero(possible & (village_of == v))
            chosen = rng.choice(
                eligible, size=min(village.candidates, len(eligible)), replace=False
            )
            for pid in chosen.tolist():
                elapsed = rng.random() * model.p["initial_candidates_elapsed_months"]
                self._spot(pid, elapsed=elapsed)

    def start(self) -> None:
        """Schedule the awareness classes and everyone's first spotting clock (vectorised)."""
        model, pop = self.model, self.model.pop
        for month in model.commune.calendar.awareness_class_months:
            for t in model.calendar_months(month):
                model.at(t, self.on_class)
        staff = pop.column("staff")
        village = pop.column("village")
        education = pop.column("education")
        waiting = (
            (pop.array("stage") == NO_STAGE)
            & (pop.array("member") == NOT_MEMBER)
            & (pop.column("place") == HOME)
        )
        exempt = (
            self.exemption
            & ~staff
            & (pop.column("ethnic") != KINH)
            & self.remote[np.maximum(village, 0)]
        )
        floor_age = np.where(exempt, self.floor_age[PRIMARY], self.floor_age[LOWER_SECONDARY])
        eligible = waiting & (education >= np.where(exempt, PRIMARY, LOWER_SECONDARY))
        ceilings = np.array([self.village_ceiling(v) for v in range(len(self.remote))])
        rate = np.where(staff, self.staff_ceiling(), ceilings[np.maximum(village, 0)])
        pids = np.flatnonzero(eligible & (rate > 0))
        birth = pop.column("birth")[pids]
        no_cell = np.array([status != 2 for status in model.party.status])
        over_age = self.over_60 & ~staff[pids] & no_cell[village[pids]]
        lo = np.maximum(birth + 12.0 * floor_age[pids], 0.0)
        hi = np.where(over_age, np.inf, birth + 12.0 * self.age_limit)
        when = lo + self.clock.generator.standard_exponential(len(pids)) / rate[pids]
        due = when < hi
        versions = pop.array("v_spot")[pids]
        model.at_many(when[due], self.on_spotted, pids[due], versions[due])

    def _set_stage(self, pid: int, stage: int) -> None:
        """Move a candidate to ``stage``, keeping the per-stage counts of the monthly series."""
        pop = self.model.pop
        self.stage_count[pop.stage[pid]] -= 1
        self.stage_count[stage] += 1
        pop.stage[pid] = stage

    # -- spotting -------------------------------------------------------------
    #
    # Spotting happens only while the person is active in a mass organisation,
    # and under targeting faster for some groups, yet joining and leaving are
    # two thirds of all events. Rather than redraw the spotting clock at every
    # join and leave, the clock runs at the highest rate the person's spotting
    # can have (``ceiling``) and each ring is accepted with probability
    # rate now / ceiling (thinning, Lewis and Shedler 1979): exact, because
    # activity changes independently of the spotting clock. The ceiling takes
    # the highest rate over the village statuses too, so a village gaining or
    # losing members needs no redraw either; the clock is redrawn only when a
    # measure changes the ceiling, or when an over-60 exception opens.

    def education_floor(self, pid: int) -> int:
        """The lowest education level at which ``pid`` may be admitted."""
        pop = self.model.pop
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
        pop = self.model.pop
        return bool(
            self.over_60 and not pop.staff[pid] and self.model.party.status[pop.village[pid]] != 2
        )

    def village_ceiling(self, v: int) -> float:
        """The highest monthly spotting rate a resident of village ``v`` can have (any status)."""
        levers = self.model.levers
        rate = (max(self.status_rate) + levers.spot_add[v] / 12.0) * levers.spot_mult[v]
        return rate * max(1.0, levers.target_mult[v])

    def staff_ceiling(self) -> float:
        """The monthly spotting rate of staff (always eligible: no thinning needed)."""
        return self.staff_rate * self.model.levers.staff_spot_mult

    def spotting_rate(self, pid: int) -> float:
        """Monthly rate at which ``pid`` is spotted now (0 unless staff or active)."""
        pop, levers = self.model.pop, self.model.levers
        if pop.staff[pid]:
            return self.staff_ceiling()
        active = pop.active
        if not (active[0][pid] or active[1][pid] or active[2][pid] or active[3][pid]):
            return 0.0
        v = pop.village[pid]
        status = self.model.party.status[v]
        rate = (self.status_rate[status] + levers.spot_add[v] / 12.0) * levers.spot_mult[v]
        if levers.target_mult[v] != 1.0 and (
            status != 2 or pop.ethnic[pid] != KINH or active[YOUTH_UNION][pid] or pop.veteran[pid]
        ):
            rate *= levers.target_mult[v]
        return rate

    def schedule_spot(self, pid: int) -> None:
        """Draw ``pid``'s next spotting ring, if they can be spotted (after a change of state)."""
        pop, model = self.model.pop, self.model
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
        when = max(model.env._now, lo) + self.clock.exponential() / rate
        if when < hi:
            model.at(when, self.on_spotted, pid, pop.v_spot[pid])

    def _on_spotted(self, clock: Clock) -> None:
        """A ring of the spotting clock: spotted with probability rate now / ceiling."""
        pid, pop = clock.pid, self.model.pop
        if pop.v_spot[pid] != clock.ver:
            return
        if self.model.age(pid) >= self.age_limit and not self.over_age_allowed(pid):
            return  # past the age limit: the over-60 exception closed (the village has a cell)
        rate = self.spotting_rate(pid)
        if rate > 0:
            ceiling = (
                self.staff_ceiling() if pop.staff[pid] else self.village_ceiling(pop.village[pid])
            )
            if rate >= ceiling or self.clock.uniform() * ceiling < rate:
                self._spot(pid)
                return
        self.schedule_spot(pid)

    def _spot(self, pid: int, elapsed: float = 0.0) -> None:
        """``pid`` becomes a candidate (``elapsed``: months of mentoring already done)."""
        model, pop = self.model, self.model.pop
        pop.v_spot[pid] += 1
        self._set_stage(pid, WAIT_MENTOR)
        pop.stage_since[pid] = model.env._now
        pop.cultivated[pid] = False
        cell = model.party.cell_of(pid)
        pop.cell[pid] = cell
        model.recorder.log_stage(pid, "spotted")
        self.spotted_from[pid] = self.source_group(pid)
        if pop.cert_until[pid] < model.env._now and not pop.queued[pid]:
            pop.queued[pid] = True
            self.class_queue.append(pid)
        self._schedule_dropout(pid)
        if elapsed > 0:
            self.mentored_before[pid] = elapsed
        self.pools[cell].waiting.append(pid)
        self.refresh_pool(cell)

    def status_changed(self, v: int) -> None:
        """Village ``v``'s status changed: with the over-60 exception, how long its people may
        be spotted depends on it (rates do not: the clocks run at the ceiling of all statuses),
        so their clocks are drawn again."""
        if not self.over_60:
            return
        self.villages_changed(np.array([v]))

    def villages_changed(self, villages: np.ndarray, staff: bool = False) -> None:
        """Spotting rates changed in ``villages`` (status or a measure): redraw those clocks."""
        for pid in self._people_in(villages, staff):
            if pop_can_wait(self.model.pop, pid):
                self.schedule_spot(pid)

    def _people_in(self, villages: np.ndarray, staff: bool) -> list[int]:
        """People at home in ``villages`` (and all staff if ``staff``)."""
        pop = self.model.pop
        where = np.isin(pop.column("village"), villages) & ~pop.column("staff")
        if staff:
            where |= pop.column("staff")
        return np.flatnonzero(where & (pop.column("place") == HOME)).tolist()

    # -- drop-out -------------------------------------------------------------
    def _schedule_dropout(self, pid: int) -> None:
        pop, model, levers = self.model.pop, self.model, self.model.levers
        pop.v_drop[pid] += 1
        mult = (
            levers.staff_dropout_mult if pop.staff[pid] else levers.dropout_mult[pop.village[pid]]
        )
        rate = self.dropout_rate * mult
        if rate > 0:
            when = model.env._now + self.steps.exponential() / rate
            model.at(when, self.on_dropout, pid, pop.v_drop[pid])

    def _on_dropout(self, event: Clock) -> None:
        pid, pop = event.pid, self.model.pop
        if pop.v_drop[pid] != event.ver or pop.stage[pid] not in _EARLY:
            return
        self.lose(pid, "dropout")

    def dropout_changed(self, villages: np.ndarray, staff: bool = False) -> None:
        """A measure changed drop-out in ``villages``: redraw the early candidates' clocks."""
        pop = self.model.pop
        for pid in self._people_in(villages, staff):
            if pop.stage[pid] in _EARLY:
                self._schedule_dropout(pid)

    # -- mentors ----------------------------------------------------------------
    def add_pool(self) -> None:
        """A new cell was formed: it gets its own mentoring places."""
        self.pools.append(MentorPool())

    def capacity(self, cell: int) -> int:
        """Mentoring places of ``cell``: official members x capacity, plus assigned places."""
        party, levers = self.model.party, self.model.levers
        attending = party.village_cell == cell
        extra = float(np.asarray(levers.mentor_extra)[attending].sum())
        return int(self.model.p["mentor_capacity"] * party.official_in_cell(cell) + extra)

    def refresh_pool(self, cell: int) -> None:
        """Give free mentoring places of ``cell`` to its waiting candidates, in order."""
        pool = self.pools[cell]
        if not pool.waiting:
            return
        pop = self.model.pop
        capacity = self.capacity(cell)
        while pool.waiting and pool.in_use < capacity:
            pid = pool.waiting.popleft()
            if pop.stage[pid] != WAIT_MENTOR or pop.cell[pid] != cell:
                continue
            pool.in_use += 1
            self._begin_cultivation(pid)

    def refresh_all_pools(self) -> None:
        """Capacities changed everywhere (a measure): serve every queue."""
        for cell in range(len(self.pools)):
            self.refresh_pool(cell)

    def _release(self, pid: int) -> None:
        cell = self.model.pop.cell[pid]
        self.pools[cell].in_use -= 1
        self.refresh_pool(cell)

    def _begin_cultivation(self, pid: int) -> None:
        model, pop = self.model, self.model.pop
        self._set_stage(pid, CULTIVATION)
        pop.stage_since[pid] = model.env._now
        pop.v_pipe[pid] += 1
        model.recorder.log_stage(pid, "cultivation")
        done_before = self.mentored_before.pop(pid, 0.0)
        model.at(
            model.env._now + max(model.p["cultivation_months"] - done_before, 0.0),
            self.on_cultivated,
            pid,
            pop.v_pipe[pid],
        )

    def _on_cultivated(self, event: Clock) -> None:
        pid, pop, model = event.pid, self.model.pop, self.model
        if pop.v_pipe[pid] != event.ver or pop.stage[pid] != CULTIVATION:
            return
        pop.cultivated[pid] = True
        self._release(pid)
        if pop.cert_until[pid] >= model.env._now:
            self._begin_application(pid, fresh=True)
        else:
            self._set_stage(pid, WAIT_CLASS)
            pop.stage_since[pid] = model.env._now
            model.recorder.log_stage(pid, "waiting_class")

    # -- awareness class --------------------------------------------------------
    def _on_class(self, _event: Clock) -> None:
        model, pop = self.model, self.model.pop
        seats = int(model.p["awareness_class_seats"] + model.levers.extra_seats)
        served = 0
        waiting_after: deque[int] = deque()
        while self.class_queue and served < seats:
            pid = self.class_queue.popleft()
            if not pop.queued[pid] or pop.stage[pid] not in _EARLY:
                pop.queued[pid] = False
                continue
            pop.queued[pid] = False
            pop.cert_until[pid] = model.env._now + model.p["certificate_validity_months"]
            served += 1
            model.recorder.log_stage(pid, "certified")
            if pop.stage[pid] == WAIT_CLASS:
                self._begin_application(pid, fresh=True)
        waiting_after.extend(self.class_queue)
        self.class_queue = waiting_after
        model.recorder.log_class(served, seats, len(self.class_queue))

    # -- file, vote, verification -------------------------------------------------
    def _begin_application(self, pid: int, fresh: bool) -> None:
        model, pop = self.model, self.model.pop
        self._set_stage(pid, APPLICATION)
        pop.stage_since[pid] = model.env._now
        if fresh:
            pop.file_start[pid] = model.env._now
        pop.v_drop[pid] += 1
        pop.v_pipe[pid] += 1
        model.recorder.log_stage(pid, "application")
        model.at(
            model.env._now + model.p["application_months"], self.on_filed, pid, pop.v_pipe[pid]
        )

    def _on_filed(self, event: Clock) -> None:
        """The cell considers the file: introducers, age and file validity are checked."""
        pid, pop, model = event.pid, self.model.pop, self.model
        if pop.v_pipe[pid] != event.ver or pop.stage[pid] != APPLICATION:
            return
        p = model.p
        age = model.age(pid)
        if model.party.official_in_cell(model.party.cell_of(pid)) < 2:
            self.lose(pid, "no_introducers")
        elif age >= self.age_limit and not self.over_age_allowed(pid):
            self.lose(pid, "over_age")
        elif model.env._now - pop.file_start[pid] > p["file_validity_months"]:
            self.lose(pid, "file_expired")
        else:
            self._set_stage(pid, VERIFICATION)
            pop.stage_since[pid] = model.env._now
            pop.v_pipe[pid] += 1
            model.recorder.log_stage(pid, "verification")
            model.at(
                model.env._now + p["verification_months"],
                self.on_decided,
                pid,
                pop.v_pipe[pid],
            )

    def _on_decided(self, event: Clock) -> None:
        pid, pop, model = event.pid, self.model.pop, self.model
        if pop.v_pipe[pid] != event.ver or pop.stage[pid] != VERIFICATION:
            return
        if self.steps.uniform() < model.p["verification_fail_prob"]:
            self.lose(pid, "verification")
            return
        self._set_stage(pid, NO_STAGE)
        pop.v_pipe[pid] += 1
        group = self.spotted_from.pop(pid, None) or self.source_group(pid)
        model.party.admit(pid, model.party.cell_of(pid), group)

    def source_group(self, pid: int) -> str:
        """The source group ``pid`` belongs to now (the first that applies).

        Recorded when the candidate is spotted: that is the group the cell
        found them in, even if they stop being active during the pipeline.
        """
        pop = self.model.pop
        if pop.staff[pid]:
            return "staff"
        if pop.veteran[pid]:
            return "returning_soldier"
        if pop.active[YOUTH_UNION][pid]:
            return "youth_union"
        if pop.active[FARMERS][pid]:
            return "farmer"
        if pop.active[WOMENS_UNION][pid]:
            return "womens_union"
        return "other"

    # -- losing and pausing ---------------------------------------------------------
    def lose(self, pid: int, reason: str) -> None:
        """The candidacy ends without admission; the person may be spotted again later."""
        model, pop = self.model, self.model.pop
        stage = int(pop.stage[pid])
        if stage == CULTIVATION:
            self._release(pid)
        self._set_stage(pid, NO_STAGE)
        self.spotted_from.pop(pid, None)
        pop.queued[pid] = False
        pop.cultivated[pid] = False
        pop.v_pipe[pid] += 1
        pop.v_drop[pid] += 1
        model.recorder.log_exit(pid, stage, reason)
        if pop.place[pid] == HOME and pop.alive[pid]:
            self.schedule_spot(pid)

    def interrupt(self, pid: int, reason: str) -> None:
        """The person left home: early candidacies end, a file in progress is paused."""
        pop = self.model.pop
        pop.v_spot[pid] += 1
        stage = pop.stage[pid]
        if stage == NO_STAGE:
            return
        if stage in (APPLICATION, VERIFICATION) and reason in _PAUSING_REASONS:
            pop.v_pipe[pid] += 1
            self.model.recorder.log_exit(pid, int(stage), f"paused_{reason}")
            self._set_stage(pid, PAUSED)
            return
        self.lose(pid, reason)

    def resume_or_spot(self, pid: int) -> None:
        """Back home: resume a paused file if still valid, otherwise wait to be spotted."""
        model, pop = self.model, self.model.pop
        if pop.stage[pid] == PAUSED:
            if model.env._now - pop.file_start[pid] <= model.p["file_validity_months"]:
                model.recorder.log_stage(pid, "resumed")
                self._begin_application(pid, fresh=False)
                return
            self.lose(pid, "file_expired")
            return
        self.schedule_spot(pid)
