"""The monthly series and the event logs of one run.

One SimPy process-like chain of events takes a snapshot at the start of each
month (with urgent priority, so it sees the state before anything else that
happens at that instant). Flows in and out of the villages are counted as
they happen, so that population accounting can be checked month by month:
home(m + 1) = home(m) + births + arrivals - deaths - departures.
"""

from __future__ import annotations

import math
from importlib import metadata
from typing import TYPE_CHECKING

import numpy as np
from simpy.core import URGENT

from sim.population import (
    EDUCATION_LEVELS,
    ETHNIC_GROUPS,
    ORGANISATIONS,
    SEXES,
    STAGES,
)
from sim.results import AGE_BANDS, FLOWS, RunRecord, RunResult

if TYPE_CHECKING:
    from simpy.events import Event

    from sim.model import CommuneModel
    from sim.scenario import Intervention

_BAND_EDGES = np.array([16.0, 31.0, 60.0])
_BIRTHS, _DEATHS, _DEPARTURES, _ARRIVALS = range(4)
_RECORDED_PLACES = 3  # home, away, military (gone and dead are not counted)


def package_version() -> str:
    """The installed package version (recorded in every result)."""
    try:
        return metadata.version("nahy-sim")
    except metadata.PackageNotFoundError:  # pragma: no cover - running from a source tree
        from sim import __version__

        return __version__


class Recorder:
    """Collects the run's monthly series and logs, and builds the result tables."""

    def __init__(self, model: CommuneModel) -> None:
        self.model = model
        pop = model.pop
        n_villages = len(model.commune.villages)
        self.months = int(math.floor(model.horizon)) + 1
        home = (pop.column("place") == 0) & ~pop.column("staff")
        #: residents at home per village, kept up to date by the flows (births use it)
        self.home_count = np.bincount(
            pop.column("village")[home], minlength=n_villages
        ).tolist()
        self.flows = np.zeros((self.months, n_villages, len(FLOWS)), dtype=np.int64)
        #: bins of the monthly population counts; one more collects those not counted
        self._population_bins = n_villages * _RECORDED_PLACES * len(AGE_BANDS)
        self._population: list[np.ndarray] = []
        self._organisations: list[np.ndarray] = []
        self._stages: list[np.ndarray] = []
        self._members_village: list[tuple[np.ndarray, np.ndarray]] = []
        self._status: list[np.ndarray] = []
        self._members_cell: list[tuple[int, int, int, int]] = []
        self.admissions: list[tuple] = []
        self.status_changes: list[tuple] = []
        self.exits: list[tuple] = []
        self.stage_entries: list[tuple] = []
        self.member_exits: list[tuple] = []
        self.recognitions: list[tuple] = []
        self.classes: list[tuple] = []
        self.levers: list[tuple] = []

    def start(self) -> None:
        """Schedule the first monthly snapshot."""
        self.model.at_priority(0.0, self._on_month, URGENT)

    # -- flows ----------------------------------------------------------------
    def _month(self) -> int:
        return min(int(self.model.env._now), self.months - 1)

    def flow_birth(self, pid: int) -> None:
        v = self.model.pop.village[pid]
        self.flows[self._month(), v, _BIRTHS] += 1
        self.home_count[v] += 1

    def flow_departure(self, pid: int, reason: str) -> None:
        v = self.model.pop.village[pid]
        self.flows[self._month(), v, _DEATHS if reason == "death" else _DEPARTURES] += 1
        self.home_count[v] -= 1

    def flow_arrival(self, pid: int, reason: str) -> None:
        v = self.model.pop.village[pid]
        self.flows[self._month(), v, _ARRIVALS] += 1
        self.home_count[v] += 1

    # -- logs -----------------------------------------------------------------
    def _now(self) -> float:
        return float(self.model.env._now)

    def log_admission(self, pid: int, cell: int, source_group: str, counted: bool) -> None:
        pop, model = self.model.pop, self.model
        village = int(pop.village[pid])
        self.admissions.append(
            (
                self._now(),
                model.commune.villages[village].id if village >= 0 else "",
                model.party.cells[cell].id if cell >= 0 else "army",
                SEXES[pop.sex[pid]],
                model.age(pid),
                ETHNIC_GROUPS[pop.ethnic[pid]],
                EDUCATION_LEVELS[pop.education[pid]],
                source_group,
                counted,
                pid,
            )
        )

    def log_status(self, village: int, status: str, note: str) -> None:
        self.status_changes.append(
            (self._now(), self.model.commune.villages[village].id, status, note)
        )

    def log_exit(self, pid: int, stage: int, reason: str) -> None:
        village = int(self.model.pop.village[pid])
        self.exits.append((self._now(), self._village_id(village), STAGES[stage], reason, pid))

    def log_stage(self, pid: int, step: str) -> None:
        village = int(self.model.pop.village[pid])
        self.stage_entries.append((self._now(), self._village_id(village), step, pid))

    def log_member_exit(self, pid: int, reason: str) -> None:
        village = int(self.model.pop.village[pid])
        self.member_exits.append((self._now(), self._village_id(village), reason, pid))

    def log_recognition(self, pid: int) -> None:
        village = int(self.model.pop.village[pid])
        self.recognitions.append((self._now(), self._village_id(village), pid))

    def log_class(self, served: int, seats: int, still_waiting: int) -> None:
        self.classes.append((self._now(), served, seats, still_waiting))

    def log_lever(self, intervention: Intervention) -> None:
        villages = ";".join(intervention.villages) if intervention.villages else "all"
        self.levers.append((self._now(), intervention.measure, intervention.intensity, villages))

    def _village_id(self, village: int) -> str:
        return self.model.commune.villages[village].id if village >= 0 else ""

    # -- monthly snapshot -------------------------------------------------------
    def _on_month(self, _event: Event) -> None:
        model, pop, party = self.model, self.model.pop, self.model.party
        now = model.env._now
        place = pop.column("place")
        birth = pop.column("birth")
        # age band by comparing birth times with the band edges (no ages, no masks
        # that copy): the monthly snapshot is the model's one pass over everyone
        band = (birth <= now - 12.0 * _BAND_EDGES[0]).astype(np.int64)
        band += birth <= now - 12.0 * _BAND_EDGES[1]
        band += birth <= now - 12.0 * _BAND_EDGES[2]
        index = (pop.column("village") * _RECORDED_PLACES + place) * len(AGE_BANDS) + band
        uncounted = pop.column("staff") | (place >= _RECORDED_PLACES)
        index[uncounted] = self._population_bins
        self._population.append(
            np.bincount(index, minlength=self._population_bins + 1)[:-1]
        )
        self._organisations.append(list(model.organisations.active_count))
        self._stages.append(list(model.pipeline.stage_count))
        self._members_village.append((party.res_official.copy(), party.res_probationary.copy()))
        self._status.append(list(party.status))
        month = len(self._status) - 1
        n_cells = len(party.cells)
        official = np.bincount(party.village_cell, weights=party.res_official, minlength=n_cells)
        probationary = np.bincount(
            party.village_cell, weights=party.res_probationary, minlength=n_cells
        )
        for c, cell in enumerate(party.cells):
            if cell.formed is not None and cell.dissolved is not None:
                continue
            self._members_cell.append(
                (
                    month,
                    c,
                    int(official[c]) + cell.staff_official,
                    int(probationary[c]) + cell.staff_probationary,
                )
            )
        if month + 1 < self.months:
            model.at_priority(float(month + 1), self._on_month, URGENT)

    # -- result ---------------------------------------------------------------
    def result(self, wall_time: float) -> RunResult:
        """The run's record and metadata (tables are built when first read)."""
        model = self.model
        months = len(self._status)
        n_villages = len(model.commune.villages)
        record = RunRecord(
            start=model.start,
            horizon=model.scenario.horizon,
            village_ids=[v.id for v in model.commune.villages],
            cell_ids=[c.id for c in model.party.cells],
            organisations=ORGANISATIONS,
            stages=STAGES[1:],
            population=np.stack(self._population).reshape(
                months, n_villages, _RECORDED_PLACES, len(AGE_BANDS)
            ),
            active=np.array(self._organisations, dtype=np.int64),
            stage_counts=np.array(self._stages, dtype=np.int64)[:, 1:],
            members_village=np.array(self._members_village, dtype=np.int64),
            status=np.array(self._status, dtype=np.int64),
            members_cell=np.array(self._members_cell, dtype=np.int64).reshape(-1, 4),
            flows=self.flows,
            admissions=self.admissions,
            status_changes=self.status_changes,
            exits=self.exits,
            steps=self.stage_entries,
            member_exits=self.member_exits,
            recognitions=self.recognitions,
            classes=self.classes,
            levers=self.levers,
        )
        metadata = {
            "scenario": model.scenario.to_dict(),
            "seed": _seed_repr(model.seed),
            "version": package_version(),
            "events": model.events,
            "simulation_wall_time_s": wall_time,
            "start": model.start.isoformat(),
            "horizon": model.scenario.horizon.isoformat(),
        }
        return RunResult(record=record, metadata=metadata)


def _seed_repr(seed) -> int | dict:
    if isinstance(seed, np.random.SeedSequence):
        return {"entropy": int(seed.entropy), "spawn_key": list(seed.spawn_key)}
    return int(seed)
