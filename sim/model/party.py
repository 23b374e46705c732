"""Party members, cells, and each village's status (white / joint activity / own cell).

A village's status follows its resident members (party charter art. 21): no
member living there makes it white; 1-2 official members (or only
probationary ones) mean its members meet jointly with a neighbouring cell;
``cell_min_official_members`` official members mean it has a cell of its own.
School and agency cells are made of posted staff (teachers, officials) who do
not count for any village; they rotate at ``school_transfer_rate`` /
``agency_transfer_rate`` and each leaver is replaced by a new posting who is
already a member with probability ``posting_member_share``.

Cells are the unit of mentoring (a cell's official members mentor its
candidates) and of the per-cell target. A village with members but no cell
attends its ``host_cell``; so does a white village's first candidate, who
borrows mentors there. A village that reaches its own cell gets a new cell;
cells covering two villages in the data stay as they are.

The official members are also known by name (per village, and per school or
agency cell), because an introducer is a particular official member: when
one stops being an official member at home, the files they introduce break
(``Pipeline.introducer_left``).

Probation runs from the admission ceremony (Party Charter art. 5.1). With
``recognition_decision`` the member becomes official only once the cell has
considered it at its next meeting and the district decided at its next
session; without, the day probation ends.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from sim.inputs.commune import formed_cell_id
from sim.model.clock import Clock, calls
from sim.model.population import (
    BEYOND,
    GONE,
    HOME,
    KINH,
    LOWER_SECONDARY,
    NOT_MEMBER,
    OFFICIAL,
    PRIMARY,
    PROBATIONARY,
    grouped,
)
from sim.model.rng import SMALL_BLOCK, Stream, group_word

if TYPE_CHECKING:
    from sim.model.collaborators import Candidacies, Deaths
    from sim.model.party_calendar import PartyCalendar
    from sim.model.recorder import Recorder
    from sim.model.residence import Residence
    from sim.model.run_state import RunState

WHITE, JOINT, OWN_CELL = 0, 1, 2
STATUSES = ("white", "joint", "own_cell")


@dataclass
class CellState:
    """A party cell during the run."""

    id: str
    kind: str
    villages: set[int] = field(default_factory=set)
    formed: float | None = None  # model time a village cell was formed in the run
    dissolved: float | None = None
    staff_official: int = 0
    staff_probationary: int = 0


class Party:
    """Members, cells and village status."""

    def __init__(
        self,
        run: RunState,
        recorder: Recorder,
        calendar: PartyCalendar,
        residence: Residence,
    ) -> None:
        """What the party reads and changes: the cells and members of the data
        (``run.commune``), the rules' durations and rates (``run.p``, ``run.switches``), the people,
        the queue (``run.scheduler``), the draws (``run.streams``), the logs (``recorder``), the
        meeting and session dates (``calendar``) and the moves the model coordinates
        (``residence``). The pipeline and demography, created after the party, are
        handed over by :meth:`attach`."""
        commune, p, switches, pop, scheduler, streams = (
            run.commune,
            run.p,
            run.switches,
            run.pop,
            run.scheduler,
            run.streams,
        )
        self.commune, self.p, self.switches, self.pop = commune, p, switches, pop
        self.scheduler, self.env, self.at = scheduler, scheduler.env, scheduler.at
        self.streams, self.recorder, self.calendar = streams, recorder, calendar
        self.leaves_home = residence.leaves_home
        self.reschedule_person = residence.reschedule_person
        self.on_member_exit = calls(self._on_member_exit)
        self.on_probation_end = calls(self._on_probation_end)
        self.on_transfer = calls(self._on_transfer)
        self.on_recognition_vote = calls(self._on_recognition_vote)
        self.on_recognised = calls(self._on_recognised)
        self.min_official = int(p["cell_min_official_members"])
        #: each member's and staff's own draws (probation, exits, transfers)
        self.draws = self.streams.person("party", width=4)
        self._posting_streams: dict[int, tuple[Stream, int]] = {}
        village_index = {v.id: i for i, v in enumerate(commune.villages)}
        self.cells = [
            CellState(c.id, c.kind, {village_index[v] for v in c.villages}) for c in commune.cells
        ]
        self.cell_index = {c.id: i for i, c in enumerate(self.cells)}
        n = len(commune.villages)
        self.host_cell = np.array([self.cell_index[v.host_cell] for v in commune.villages])
        self.village_cell = self.host_cell.copy()
        self.own_cell = np.full(n, -1)
        for i, cell in enumerate(self.cells):
            for v in cell.villages:
                self.village_cell[v] = i
                self.own_cell[v] = i
        self.res_official = np.zeros(n, dtype=np.int64)
        self.res_probationary = np.zeros(n, dtype=np.int64)
        #: official members at home, by name: residents per village, staff per cell
        self.res_official_ids: list[set[int]] = [set() for _ in range(n)]
        self.staff_official_ids: list[set[int]] = [set() for _ in self.cells]
        self.status = [WHITE] * n
        self.move_rate = p["member_move_rate"] / 12.0
        self.removal_rate = p["member_removal_rate"] / 12.0
        self.transfer_rate = {
            "school": p["school_transfer_rate"] / 12.0,
            "agency": p["agency_transfer_rate"] / 12.0,
        }
        self.recognition = bool(self.switches["recognition_decision"])
        self.cell_vote = bool(self.switches["cell_vote"])
        self.sessions = bool(self.switches["decision_sessions"])

    def attach(self, pipeline: Candidacies, demography: Deaths) -> None:
        """The parts the party calls on (a newcomer's candidacy and pools, a posting's
        death), handed over by the model once they exist."""
        self.pipeline, self.demography = pipeline, demography

    # -- the start ----------------------------------------------------------
    def place_members(self) -> None:
        """Make members of the residents and staff that the data say existed at the start."""
        pop, p = self.pop, self.p
        stream = self.streams["party"]  # the start, the same in every scenario
        rng = stream.generator
        age = -pop.column("birth") / 12.0
        village_of, education = pop.column("village"), pop.column("education")
        adult = (age >= p["admission_age_min"] + 2) & (age < 70) & (pop.column("place") == HOME)
        villages = self.commune.villages
        schooled = grouped(adult & (education >= LOWER_SECONDARY), village_of, len(villages))
        primary = grouped(adult & (education >= PRIMARY), village_of, len(villages))
        for v, village in enumerate(villages):
            wanted = village.members_official + village.members_probationary
            if wanted == 0:
                continue
            pool = schooled[v]
            if len(pool) < wanted:
                pool = primary[v]
            chosen = rng.choice(pool, size=wanted, replace=False).tolist()
            for i, pid in enumerate(chosen):
                pop.member[pid] = OFFICIAL if i < village.members_official else PROBATIONARY
        for c, cell in enumerate(self.commune.cells):
            if cell.kind == "village":
                continue
            for member, count in (
                (OFFICIAL, cell.members_official),
                (PROBATIONARY, cell.members_probationary),
                (NOT_MEMBER, cell.staff),
            ):
                for _ in range(count):
                    self._add_staff(c, member, stream)
        self._count_villages()
        for v in range(len(self.commune.villages)):
            self.status[v] = self._status_of(v)
            self.recorder.log_status(v, STATUSES[self.status[v]], "data")

    def _add_staff(self, cell: int, member: int, stream: Stream, posted: bool = False) -> int:
        """A teacher or official at a school or agency cell (not a village resident), drawn
        from ``stream`` (the start's, or the cell's postings').

        Their age is uniform between ``staff_age_min`` and ``staff_age_max``
        for the staff of the data date, between ``posting_age_min`` and
        ``posting_age_max`` for one ``posted`` in during the run (who has
        worked here from now on); their education is beyond upper secondary;
        ``staff_kinh_share`` of them are Kinh, the others Thái or Mông in
        equal shares.
        """
        draw, p = stream.uniform, self.p
        ages = (
            ("posting_age_min", "posting_age_max") if posted else ("staff_age_min", "staff_age_max")
        )
        low, high = p[ages[0]], p[ages[1]] + 1.0
        pid = self.pop.add_one(
            {
                "staff": True,
                "cell": cell,
                "sex": int(draw() < 0.5),
                "birth": self.env.now - 12.0 * (low + (high - low) * draw()),
                "ethnic": KINH if draw() < p["staff_kinh_share"] else int(2 * draw()),
                "education": BEYOND,
                "member": member,
                "home_since": self.env.now if posted else -math.inf,
            }
        )
        if member == OFFICIAL:
            self.cells[cell].staff_official += 1
            self.staff_official_ids[cell].add(pid)
        elif member == PROBATIONARY:
            self.cells[cell].staff_probationary += 1
        return pid

    def start(self) -> None:
        """Schedule probation ends, member exits and staff transfers for the people of the start."""
        pop = self.pop
        probation = self.p["probation_months"]
        member = pop.array("member")
        probationary = np.flatnonzero(member == PROBATIONARY)
        ends = self.draws.occasion(probationary, "start", 1)[:, 0] * probation
        for pid, end in zip(probationary.tolist(), ends.tolist(), strict=True):
            self.at(end, self.on_probation_end, pid, pop.v_prob[pid])
        for pid in np.flatnonzero(member != NOT_MEMBER).tolist():
            self._schedule_member_exit(pid)
        for pid in np.flatnonzero(pop.column("staff")).tolist():
            self._schedule_transfer(pid)

    # -- counting and status ------------------------------------------------
    def _count_villages(self) -> None:
        pop = self.pop
        villages = len(self.status)
        resident = (pop.column("place") == HOME) & ~pop.column("staff")
        member = pop.array("member")
        for counts, kind in ((self.res_official, OFFICIAL), (self.res_probationary, PROBATIONARY)):
            here = resident & (member == kind)
            counts[:] = np.bincount(pop.column("village")[here], minlength=villages)
        official = np.flatnonzero(resident & (member == OFFICIAL))
        for pid, v in zip(official.tolist(), pop.column("village")[official].tolist(), strict=True):
            self.res_official_ids[v].add(pid)

    def _status_of(self, v: int) -> int:
        if self.res_official[v] + self.res_probationary[v] == 0:
            return WHITE
        return OWN_CELL if self.res_official[v] >= self.min_official else JOINT

    def _change(self, pid: int, official: int, probationary: int) -> None:
        """Add to the counts of ``pid``'s village (resident) or cell (staff), then update status."""
        pop = self.pop
        if pop.staff[pid]:
            cell = self.cells[pop.cell[pid]]
            cell.staff_official += official
            cell.staff_probationary += probationary
            named = self.staff_official_ids[pop.cell[pid]]
        else:
            v = int(pop.village[pid])
            self.res_official[v] += official
            self.res_probationary[v] += probationary
            named = self.res_official_ids[v]
        if official > 0:
            named.add(pid)
        elif official < 0:
            named.discard(pid)
            self.pipeline.introducer_left(pid)
        if pop.staff[pid]:
            self.pipeline.refresh_pool(pop.cell[pid])
            return
        self._update_status(v)
        self.pipeline.refresh_pool(int(self.village_cell[v]))

    def _update_status(self, v: int) -> None:
        new = self._status_of(v)
        if new == self.status[v]:
            return
        self.status[v] = new
        reason = ""
        if new == OWN_CELL and self.own_cell[v] < 0:
            village = self.commune.villages[v]
            cell = CellState(self._new_cell_id(village.id), "village", {v}, formed=self.env.now)
            self.cells.append(cell)
            self.cell_index[cell.id] = len(self.cells) - 1
            old = int(self.village_cell[v])
            self.own_cell[v] = self.village_cell[v] = len(self.cells) - 1
            self.staff_official_ids.append(set())
            self.pipeline.add_pool()
            self.pipeline.village_moved(v, old, len(self.cells) - 1)
            reason = f"cell {cell.id} formed"
        elif new != OWN_CELL and self.own_cell[v] >= 0:
            cell = self.cells[self.own_cell[v]]
            if cell.formed is not None and cell.villages == {v}:
                cell.dissolved = self.env.now
                old = int(self.own_cell[v])
                self.own_cell[v] = -1
                self.village_cell[v] = self.host_cell[v]
                self.pipeline.village_moved(v, old, int(self.host_cell[v]))
                reason = f"cell {cell.id} dissolved"
        self.recorder.log_status(v, STATUSES[new], reason)
        self.pipeline.status_changed(v)

    def _new_cell_id(self, village_id: str) -> str:
        """An id no cell of the run has: ``C-<village>``, or ``C-<village>-2``, ... if taken.

        Validation keeps ``cells.csv`` off these ids, but a commune built in
        code is not validated, and a village whose cell dissolved and forms
        again must not reuse the old cell's id: the results group admissions
        and members by cell id, so two cells sharing one would be mixed.
        """
        base = formed_cell_id(village_id)
        candidate, n = base, 1
        while candidate in self.cell_index:
            n += 1
            candidate = f"{base}-{n}"
        return candidate

    def official_in_cell(self, c: int) -> int:
        """Official members who attend cell ``c`` (residents of its villages and its staff)."""
        attending = self.village_cell == c
        return int(self.res_official[attending].sum()) + self.cells[c].staff_official

    def official_members(self, c: int) -> list[int]:
        """The official members at home who attend cell ``c``, by name (residents, then staff)."""
        members = [
            pid
            for v in np.flatnonzero(self.village_cell == c).tolist()
            for pid in self.res_official_ids[v]
        ]
        members.extend(self.staff_official_ids[c])
        return members

    def cell_of(self, pid: int) -> int:
        """The cell a person's candidacy or membership belongs to now."""
        pop = self.pop
        return pop.cell[pid] if pop.staff[pid] else int(self.village_cell[pop.village[pid]])

    # -- members arriving and leaving ---------------------------------------
    def resident_left(self, pid: int, was_home: bool) -> None:
        """A member stopped living in the village (or at the post)."""
        pop = self.pop
        pop.v_member[pid] += 1
        if not was_home or pop.member[pid] == NOT_MEMBER:
            return
        if pop.member[pid] == OFFICIAL:
            self._change(pid, -1, 0)
        else:
            self._change(pid, 0, -1)

    def resident_arrived(self, pid: int) -> None:
        """A member came back to live in the village (after military service)."""
        pop = self.pop
        if pop.member[pid] == OFFICIAL:
            self._change(pid, 1, 0)
        elif pop.member[pid] == PROBATIONARY:
            self._change(pid, 0, 1)
        if pop.member[pid] != NOT_MEMBER:
            self._schedule_member_exit(pid)

    def admit(self, pid: int, cell: int, source_group: str, voted: float) -> None:
        """The admission ceremony: ``pid`` becomes a probationary member of ``cell``.

        ``voted`` is when the cell voted (recorded with the admission). Probation
        runs from the ceremony (Party Charter art. 5.1).
        """
        pop = self.pop
        pop.member[pid] = PROBATIONARY
        if not pop.staff[pid]:
            pop.v_mig[pid] += 1  # members move away at member_move_rate instead
        self.recorder.log_admission(pid, cell, source_group, counted=True, voted=voted)
        self._change(pid, 0, 1)
        pop.v_prob[pid] += 1
        self.at(
            self.env.now + self.p["probation_months"],
            self.on_probation_end,
            pid,
            pop.v_prob[pid],
        )
        self._schedule_member_exit(pid)

    def admitted_in_service(self, pid: int, probation: bool) -> None:
        """A soldier admitted by the army's party organisation (not counted by the commune).

        With ``probation`` he serves his probation from now, in the army or at
        home if he is discharged first; without, he is admitted at discharge
        and comes home an official member (the rule-free model).
        """
        pop = self.pop
        now = self.env.now
        self.recorder.log_admission(pid, -1, "in_military_service", counted=False, voted=now)
        if not probation:
            pop.member[pid] = OFFICIAL
            pop.v_mig[pid] += 1
            return
        pop.member[pid] = PROBATIONARY
        pop.v_prob[pid] += 1
        self.at(now + self.p["probation_months"], self.on_probation_end, pid, pop.v_prob[pid])

    def _on_probation_end(self, event: Clock) -> None:
        """Probation is over: recognised (at once, or through the cell and the district)."""
        pid, pop = event.pid, self.pop
        if pop.v_prob[pid] != event.ver or pop.member[pid] != PROBATIONARY or not pop.alive[pid]:
            return
        if self.recognition and pop.place[pid] == HOME:
            when = self.calendar.next_meeting(self.env.now) if self.cell_vote else self.env.now
            self.at(when, self.on_recognition_vote, pid, pop.v_prob[pid])
            return
        self._recognise_or_not(pid)

    def _on_recognition_vote(self, event: Clock) -> None:
        """The cell considers recognition; if it passes, the district decides later."""
        pid, pop = event.pid, self.pop
        if pop.v_prob[pid] != event.ver or pop.member[pid] != PROBATIONARY or not pop.alive[pid]:
            return
        if pop.place[pid] != HOME:  # away since: recognised on return, as without the switch
            self._recognise_or_not(pid)
            return
        if self.draws.uniform(pid) < self.p["probation_fail_prob"]:
            self._not_recognised(pid)
            return
        now = self.env.now
        if self.sessions:
            when = self.calendar.next_session(now + self.p["forwarding_months"])
        else:
            when = now + self.p["decision_months"]
        self.at(when, self.on_recognised, pid, pop.v_prob[pid])

    def _on_recognised(self, event: Clock) -> None:
        pid, pop = event.pid, self.pop
        if pop.v_prob[pid] != event.ver or pop.member[pid] != PROBATIONARY or not pop.alive[pid]:
            return
        self._make_official(pid)

    def _recognise_or_not(self, pid: int) -> None:
        if self.draws.uniform(pid) < self.p["probation_fail_prob"]:
            self._not_recognised(pid)
        else:
            self._make_official(pid)

    def _not_recognised(self, pid: int) -> None:
        pop = self.pop
        pop.member[pid] = NOT_MEMBER
        self.recorder.log_member_exit(pid, "not_recognised")
        if pop.place[pid] == HOME:
            self._change(pid, 0, -1)
            self.reschedule_person(pid)

    def _make_official(self, pid: int) -> None:
        pop = self.pop
        pop.member[pid] = OFFICIAL
        self.recorder.log_recognition(pid)
        if pop.place[pid] == HOME:
            self._change(pid, 1, -1)

    def _schedule_member_exit(self, pid: int) -> None:
        pop = self.pop
        pop.v_member[pid] += 1
        rate = self.removal_rate + (0.0 if pop.staff[pid] else self.move_rate)
        if rate <= 0:
            return
        when = self.env.now + self.draws.exponential(pid) / rate
        self.at(when, self.on_member_exit, pid, pop.v_member[pid])

    def _on_member_exit(self, event: Clock) -> None:
        pid, pop = event.pid, self.pop
        if pop.v_member[pid] != event.ver or pop.member[pid] == NOT_MEMBER or not pop.alive[pid]:
            return
        if pop.place[pid] != HOME:
            return
        removal = self.removal_rate + (0.0 if pop.staff[pid] else self.move_rate)
        if self.draws.uniform(pid) * removal < self.removal_rate:
            was = pop.member[pid]
            self._change(pid, -1 if was == OFFICIAL else 0, -1 if was == PROBATIONARY else 0)
            pop.member[pid] = NOT_MEMBER
            pop.v_member[pid] += 1
            self.recorder.log_member_exit(pid, "removed")
            self.reschedule_person(pid)
        else:
            self.recorder.log_member_exit(pid, "moved_away")
            self.leaves_home(pid, GONE, "moved")

    # -- staff rotation -----------------------------------------------------
    def _schedule_transfer(self, pid: int) -> None:
        pop = self.pop
        rate = self.transfer_rate[self.cells[pop.cell[pid]].kind]
        if rate > 0:
            when = self.env.now + self.draws.exponential(pid) / rate
            self.at(when, self.on_transfer, pid, 0)

    def _postings(self, cell: int) -> tuple[Stream, int]:
        """The stream of ``cell``'s postings and the key group of its newcomers, named by the
        cell's id (cells formed during a run are numbered in the order they form)."""
        found = self._posting_streams.get(cell)
        if found is None:
            name = f"posting:{self.cells[cell].id}"
            found = (self.streams.named(name, SMALL_BLOCK), group_word(name))
            self._posting_streams[cell] = found
        return found

    def _on_transfer(self, event: Clock) -> None:
        pid, pop = event.pid, self.pop
        if not pop.alive[pid] or pop.place[pid] != HOME:
            return
        cell = pop.cell[pid]
        if pop.member[pid] != NOT_MEMBER:
            self.recorder.log_member_exit(pid, "transferred")
        self.leaves_home(pid, GONE, "transfer")
        # the newcomer is the cell's next posting, drawn from the cell's stream
        postings, group = self._postings(cell)
        member = OFFICIAL if postings.uniform() < self.p["posting_member_share"] else NOT_MEMBER
        new = self._add_staff(cell, member, postings, posted=True)
        self.streams.keys.add(new, group)
        if member != NOT_MEMBER:
            self.pipeline.refresh_pool(cell)
            self._schedule_member_exit(new)
        self.demography.schedule_death(new, postings.exponential())
        self._schedule_transfer(new)
        self.pipeline.resume_or_spot(new)
