"""The monthly series and the event logs of one run.

One SimPy process-like chain of events takes a snapshot at the start of each
month (with urgent priority, so it sees the state before anything else that
happens at that instant). The population by village, place and age band is
kept up to date as people move, are born and age (each crossing of a band
edge is filed under the month whose snapshot first sees it), so a snapshot
copies a short list instead of passing over everyone. Flows in and out of
the villages are counted as they happen, so that population accounting can be
checked month by month: home(m + 1) = home(m) + births + arrivals - deaths -
departures.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
from simpy.core import URGENT

from sim.inputs.provenance import package_version
from sim.model.population import (
    EDUCATION_LEVELS,
    ETHNIC_GROUPS,
    ORGANISATIONS,
    SEXES,
    STAGES,
)
from sim.model.results import AGE_BANDS, FLOWS, RunRecord, RunResult

if TYPE_CHECKING:
    from collections.abc import Callable

    from simpy.events import Event

    from sim.inputs.scenario import Intervention, Scenario
    from sim.model.collaborators import ActiveCounts, PartyCounts, StageCounts
    from sim.model.run_state import RunState

_BAND_EDGES = np.array([16.0, 31.0, 60.0])
_BIRTHS, _DEATHS, _DEPARTURES, _ARRIVALS = range(4)
_RECORDED_PLACES = 3  # home, away, military (gone and dead are not counted)


class Recorder:
    """Collects the run's monthly series and logs, and builds the result tables."""

    def __init__(
        self,
        run: RunState,
        scenario: Scenario,
        seed: int | np.random.SeedSequence,
        at_priority: Callable[[float, Callable[[Event], None], int], None],
        events: Callable[[], int],
    ) -> None:
        """What the record reads: the ``scenario`` (its commune, dates and inputs for the
        result's metadata) and ``seed``, the people and households, the clock and horizon
        (``run.scheduler``), how to schedule its monthly snapshot ahead of everything else
        (``at_priority``) and the run's event count so far (``events``). The parts whose
        counts the snapshot reads are created after the recorder: :meth:`attach`."""
        pop, households, scheduler = run.pop, run.households, run.scheduler
        self.scenario, self.commune, self.seed = scenario, scenario.commune, seed
        self.start_date, self.pop, self.households = scenario.start, pop, households
        self.env, self.horizon = scheduler.env, scheduler.horizon
        self.at_priority, self.events = at_priority, events
        n_villages = len(self.commune.villages)
        self.months = int(math.floor(self.horizon)) + 1
        home = (pop.column("place") == 0) & ~pop.column("staff")
        #: residents at home per village, kept up to date by the flows (births use it)
        self.home_count = np.bincount(pop.column("village")[home], minlength=n_villages).tolist()
        #: births, deaths, departures and arrivals by month and village, at index
        #: (month * villages + village) * flows + flow; ``_flow_base`` is this month's start
        self.flows = [0] * (self.months * n_villages * len(FLOWS))
        self._flow_base = 0
        self._flows_per_month = n_villages * len(FLOWS)
        #: people by (village, place, age band) now, at index
        #: (village * places + place) * bands + band; staff and "gone" are not counted
        self.counts: list[int] = []
        #: per month, who crosses an age-band edge before that month's snapshot
        self.crossings: list[list[int]] = [[] for _ in range(self.months)]
        self._count_start_population()
        self._population: list[list[int]] = []
        self._stages: list[np.ndarray] = []
        self._members_village: list[tuple[np.ndarray, np.ndarray]] = []
        self._status: list[np.ndarray] = []
        #: per month, each village's cell, and per cell (alive, staff official, staff probationary)
        self._cell_of_village: list[np.ndarray] = []
        self._cell_staff: list[list[tuple[bool, int, int]]] = []
        self.admissions: list[tuple] = []
        self.status_changes: list[tuple] = []
        self.exits: list[tuple] = []
        self.stage_entries: list[tuple] = []
        self.member_exits: list[tuple] = []
        self.recognitions: list[tuple] = []
        self.classes: list[tuple] = []
        self.levers: list[tuple] = []
        self.migrations: list[tuple] = []
        self.callups: list[tuple] = []
        self._poor: list[int] = []

    def attach(
        self, party: PartyCounts, organisations: ActiveCounts, pipeline: StageCounts
    ) -> None:
        """The parts whose counts the monthly snapshot reads (the cells, the active
        members, the candidates by stage), handed over by the model once they exist."""
        self.party, self.organisations, self.pipeline = party, organisations, pipeline

    def _count_start_population(self) -> None:
        """Counts and band-edge crossings of the residents and absent youth at time 0."""
        pop = self.pop
        n_villages = len(self.commune.villages)
        birth = pop.column("birth")
        band = np.searchsorted(12.0 * _BAND_EDGES, -birth, side="right")
        pop.band[: len(band)] = band.tolist()
        counted = ~pop.column("staff") & (pop.column("place") < _RECORDED_PLACES)
        index = (pop.column("village") * _RECORDED_PLACES + pop.column("place")) * len(
            AGE_BANDS
        ) + band
        self.counts = np.bincount(
            index[counted], minlength=n_villages * _RECORDED_PLACES * len(AGE_BANDS)
        ).tolist()
        for edge in _BAND_EDGES:
            month = np.ceil(birth + 12.0 * edge)
            due = counted & (month > 0) & (month < self.months)
            for pid, m in zip(np.flatnonzero(due).tolist(), month[due].tolist(), strict=True):
                self.crossings[int(m)].append(pid)

    def start(self) -> None:
        """Schedule the first monthly snapshot."""
        self.at_priority(0.0, self._on_month, URGENT)

    # -- population counts ------------------------------------------------------
    def moved(self, pid: int, old: int, new: int) -> None:
        """``pid`` went from place ``old`` to ``new`` (places past military are not counted)."""
        pop = self.pop
        if pop.staff[pid]:
            return
        base = pop.village[pid] * _RECORDED_PLACES * len(AGE_BANDS) + pop.band[pid]
        if old < _RECORDED_PLACES:
            self.counts[base + old * len(AGE_BANDS)] -= 1
        if new < _RECORDED_PLACES:
            self.counts[base + new * len(AGE_BANDS)] += 1

    def _age(self, month: int) -> None:
        """Move this month's band-edge crossers up one band (their place as it is now)."""
        pop = self.pop
        bands = len(AGE_BANDS)
        for pid in self.crossings[month]:
            band = pop.band[pid]
            pop.band[pid] = band + 1
            place = pop.place[pid]
            if place < _RECORDED_PLACES:
                index = (pop.village[pid] * _RECORDED_PLACES + place) * bands + band
                self.counts[index] -= 1
                self.counts[index + 1] += 1
        self.crossings[month] = []

    # -- flows ----------------------------------------------------------------
    def flow_birth(self, pid: int) -> None:
        pop = self.pop
        v = pop.village[pid]
        self.flows[self._flow_base + v * len(FLOWS) + _BIRTHS] += 1
        self.home_count[v] += 1
        self.counts[v * _RECORDED_PLACES * len(AGE_BANDS)] += 1  # at home, band 0
        month = math.ceil(pop.birth[pid] + 12.0 * _BAND_EDGES[0])
        if month < self.months:
            self.crossings[month].append(pid)

    def flow_departure(self, pid: int, reason: str) -> None:
        v = self.pop.village[pid]
        kind = _DEATHS if reason == "death" else _DEPARTURES
        self.flows[self._flow_base + v * len(FLOWS) + kind] += 1
        self.home_count[v] -= 1

    def flow_arrival(self, pid: int, reason: str) -> None:
        v = self.pop.village[pid]
        self.flows[self._flow_base + v * len(FLOWS) + _ARRIVALS] += 1
        self.home_count[v] += 1

    # -- logs -----------------------------------------------------------------
    def _time(self) -> float:
        return float(self.env.now)

    def log_admission(
        self, pid: int, cell: int, source_group: str, counted: bool, voted: float
    ) -> None:
        pop = self.pop
        village = int(pop.village[pid])
        self.admissions.append(
            (
                self._time(),
                self.commune.villages[village].id if village >= 0 else "",
                self.party.cells[cell].id if cell >= 0 else "army",
                SEXES[pop.sex[pid]],
                self.pop.age(pid, self.env.now),
                ETHNIC_GROUPS[pop.ethnic[pid]],
                EDUCATION_LEVELS[pop.education[pid]],
                source_group,
                counted,
                pid,
                float(voted),
            )
        )

    def log_status(self, village: int, status: str, note: str) -> None:
        self.status_changes.append((self._time(), self.commune.villages[village].id, status, note))

    def log_exit(self, pid: int, stage: int, reason: str) -> None:
        village = int(self.pop.village[pid])
        self.exits.append((self._time(), self._village_id(village), STAGES[stage], reason, pid))

    def log_stage(self, pid: int, step: str) -> None:
        village = int(self.pop.village[pid])
        self.stage_entries.append((self._time(), self._village_id(village), step, pid))

    def log_member_exit(self, pid: int, reason: str) -> None:
        village = int(self.pop.village[pid])
        self.member_exits.append((self._time(), self._village_id(village), reason, pid))

    def log_recognition(self, pid: int) -> None:
        village = int(self.pop.village[pid])
        self.recognitions.append((self._time(), self._village_id(village), pid))

    def log_migration(self, pid: int, move: str, reason: str) -> None:
        """A young person left (``move`` "leave") or came back ("return"), and why."""
        pop = self.pop
        self.migrations.append(
            (
                self._time(),
                self._village_id(int(pop.village[pid])),
                move,
                reason,
                SEXES[pop.sex[pid]],
                self.pop.age(pid, self.env.now),
                EDUCATION_LEVELS[pop.education[pid]],
                pid,
            )
        )

    def log_callup(self, pid: int) -> None:
        """A man was called up for military service."""
        village = int(self.pop.village[pid])
        self.callups.append((self._time(), self._village_id(village), pid))

    def log_class(self, served: int, seats: int, still_waiting: int) -> None:
        self.classes.append((self._time(), served, seats, still_waiting))

    def log_lever(self, intervention: Intervention) -> None:
        villages = ";".join(intervention.villages) if intervention.villages else "all"
        self.levers.append((self._time(), intervention.measure, intervention.intensity, villages))

    def _village_id(self, village: int) -> str:
        return self.commune.villages[village].id if village >= 0 else ""

    # -- monthly snapshot -------------------------------------------------------
    def _on_month(self, _event: Event) -> None:
        party = self.party
        month = len(self._status)
        self._flow_base = month * self._flows_per_month
        self._age(month)
        self._population.append(list(self.counts))
        self._stages.append(list(self.pipeline.stage_count))
        self._members_village.append((party.res_official.copy(), party.res_probationary.copy()))
        self._status.append(list(party.status))
        self._poor.append(sum(self.households.poor))
        # per cell, members are summed from the villages when the result is built
        self._cell_of_village.append(party.village_cell.copy())
        self._cell_staff.append(
            [
                (
                    cell.formed is None or cell.dissolved is None,
                    cell.staff_official,
                    cell.staff_probationary,
                )
                for cell in party.cells
            ]
        )
        if month + 1 < self.months:
            self.at_priority(float(month + 1), self._on_month, URGENT)

    # -- result ---------------------------------------------------------------
    def _members_by_cell(self, members: np.ndarray) -> np.ndarray:
        """Rows (month, cell, official, probationary): village members plus staff, per live cell.

        ``members`` is (month, official / probationary, village): residents who are members.
        """
        months = len(self._cell_of_village)
        n_cells = max((len(cells) for cells in self._cell_staff), default=0)
        # cells formed during the run come last: earlier months have no row for them
        staff = np.zeros((months, n_cells, 3), dtype=np.int64)
        for month, cells in enumerate(self._cell_staff):
            staff[month, : len(cells)] = cells
        # (month, cell) of every village-month, as one index for bincount
        index = (np.arange(months)[:, None] * n_cells + np.array(self._cell_of_village)).ravel()
        totals = [
            np.bincount(index, weights=members[:, kind].ravel(), minlength=months * n_cells)
            .astype(np.int64)
            .reshape(months, n_cells)
            + staff[:, :, 1 + kind]
            for kind in (0, 1)
        ]
        month, cell = np.nonzero(staff[:, :, 0])
        return np.stack(
            [month, cell, totals[0][month, cell], totals[1][month, cell]], axis=1
        ).astype(np.int64)

    def result(self, wall_time: float) -> RunResult:
        """The run's record and metadata (tables are built when first read)."""
        months = len(self._status)
        n_villages = len(self.commune.villages)
        members_village = np.array(self._members_village, dtype=np.int64)
        record = RunRecord(
            start=self.start_date,
            horizon=self.scenario.horizon,
            village_ids=[v.id for v in self.commune.villages],
            cell_ids=[c.id for c in self.party.cells],
            organisations=ORGANISATIONS,
            stages=STAGES[1:],
            population=np.array(self._population, dtype=np.int64).reshape(
                months, n_villages, _RECORDED_PLACES, len(AGE_BANDS)
            ),
            active=self.organisations.monthly_counts(len(self._status)),
            stage_counts=np.array(self._stages, dtype=np.int64)[:, 1:],
            members_village=members_village,
            status=np.array(self._status, dtype=np.int64),
            members_cell=self._members_by_cell(members_village),
            flows=np.array(self.flows, dtype=np.int64).reshape(self.months, n_villages, len(FLOWS)),
            admissions=self.admissions,
            status_changes=self.status_changes,
            exits=self.exits,
            steps=self.stage_entries,
            member_exits=self.member_exits,
            recognitions=self.recognitions,
            classes=self.classes,
            levers=self.levers,
            migrations=self.migrations,
            callups=self.callups,
            poor_households=np.array(self._poor, dtype=np.int64),
            households=len(self.households.poor),
        )
        metadata = {
            "scenario": self.scenario.to_dict(),
            "seed": _seed_repr(self.seed),
            "version": package_version(),
            "events": self.events(),
            "simulation_wall_time_s": wall_time,
            "start": self.start_date.isoformat(),
            "horizon": self.scenario.horizon.isoformat(),
        }
        return RunResult(record=record, metadata=metadata)


def _seed_repr(seed) -> int | dict:
    if isinstance(seed, np.random.SeedSequence):
        return {"entropy": int(seed.entropy), "spawn_key": list(seed.spawn_key)}
    return int(seed)
