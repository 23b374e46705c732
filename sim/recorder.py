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
import pandas as pd
from simpy.core import URGENT

from sim.population import (
    EDUCATION_LEVELS,
    ETHNIC_GROUPS,
    ORGANISATIONS,
    PLACES,
    SEXES,
    STAGES,
)
from sim.results import RunResult
from sim.timeline import date_at

if TYPE_CHECKING:
    from simpy.events import Event

    from sim.model import CommuneModel
    from sim.scenario import Intervention

AGE_BANDS = ("0-15", "16-30", "31-59", "60+")
_BAND_EDGES = np.array([16.0, 31.0, 60.0])
FLOWS = ("births", "deaths", "departures", "arrivals")
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
        home = (pop.place_np[: pop.size] == 0) & ~pop.staff_np[: pop.size]
        #: residents at home per village, kept up to date by the flows (births use it)
        self.home_count = np.bincount(
            pop.village_np[: pop.size][home], minlength=n_villages
        ).tolist()
        self.flows = np.zeros((self.months, n_villages, len(FLOWS)), dtype=np.int64)
        self._population: list[np.ndarray] = []
        self._organisations: list[np.ndarray] = []
        self._stages: list[np.ndarray] = []
        self._members_village: list[np.ndarray] = []
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
        n = pop.size
        n_villages = len(model.commune.villages)
        place = pop.place_np[:n]
        counted = ~pop.staff_np[:n] & (place < _RECORDED_PLACES)
        age = (model.env._now - pop.birth_np[:n][counted]) / 12.0
        band = np.searchsorted(_BAND_EDGES, age, side="right")
        index = (pop.village_np[:n][counted] * _RECORDED_PLACES + place[counted]) * len(
            AGE_BANDS
        ) + band
        self._population.append(
            np.bincount(index, minlength=n_villages * _RECORDED_PLACES * len(AGE_BANDS))
        )
        self._organisations.append(list(model.organisations.active_count))
        self._stages.append(list(model.pipeline.stage_count))
        self._members_village.append(
            np.stack([party.res_official.copy(), party.res_probationary.copy()])
        )
        self._status.append(party.status.copy())
        month = len(self._status) - 1
        for c, cell in enumerate(party.cells):
            if cell.formed is not None and (
                cell.dissolved is not None or cell.formed > model.env._now
            ):
                continue
            attending = party.village_cell == c
            official = int(party.res_official[attending].sum()) + cell.staff_official
            probationary = int(party.res_probationary[attending].sum()) + cell.staff_probationary
            self._members_cell.append((month, c, official, probationary))
        if month + 1 < self.months:
            model.at_priority(float(month + 1), self._on_month, URGENT)

    # -- result ---------------------------------------------------------------
    def result(self, wall_time: float) -> RunResult:
        """Build the run's tables (pandas) and metadata."""
        model = self.model
        start = model.start
        months = len(self._status)
        month_dates = pd.to_datetime([date_at(start, m) for m in range(months)])
        village_ids = [v.id for v in model.commune.villages]
        n_villages = len(village_ids)

        def to_date(t: np.ndarray) -> pd.DatetimeIndex:
            return pd.DatetimeIndex([date_at(start, x) for x in t], dtype="datetime64[ns]")

        population = np.stack(self._population).reshape(
            months, n_villages, _RECORDED_PLACES, len(AGE_BANDS)
        )
        m_idx, v_idx, p_idx, b_idx = np.indices(population.shape)
        population_df = pd.DataFrame(
            {
                "month": m_idx.ravel(),
                "date": month_dates[m_idx.ravel()],
                "village": np.asarray(village_ids)[v_idx.ravel()],
                "place": np.asarray(PLACES[:_RECORDED_PLACES])[p_idx.ravel()],
                "age_band": np.asarray(AGE_BANDS)[b_idx.ravel()],
                "people": population.ravel(),
            }
        )
        organisations = np.array(self._organisations, dtype=np.int64)
        organisations_df = pd.DataFrame(organisations, columns=list(ORGANISATIONS))
        organisations_df.insert(0, "date", month_dates)
        organisations_df.insert(0, "month", np.arange(months))
        stages = np.array(self._stages, dtype=np.int64)[:, 1:]
        pipeline_df = pd.DataFrame(stages, columns=list(STAGES[1:]))
        pipeline_df.insert(0, "date", month_dates)
        pipeline_df.insert(0, "month", np.arange(months))
        members = np.stack(self._members_village)
        mm, vv = np.indices((months, n_villages))
        members_village_df = pd.DataFrame(
            {
                "month": mm.ravel(),
                "date": month_dates[mm.ravel()],
                "village": np.asarray(village_ids)[vv.ravel()],
                "official": members[:, 0, :].ravel(),
                "probationary": members[:, 1, :].ravel(),
            }
        )
        status = np.stack(self._status)
        from sim.party import STATUSES

        status_monthly_df = pd.DataFrame(
            {
                "month": mm.ravel(),
                "date": month_dates[mm.ravel()],
                "village": np.asarray(village_ids)[vv.ravel()],
                "status": np.asarray(STATUSES)[status.ravel()],
            }
        )
        cell_rows = np.array(self._members_cell, dtype=np.int64).reshape(-1, 4)
        cell_ids = [c.id for c in model.party.cells]
        members_cell_df = pd.DataFrame(
            {
                "month": cell_rows[:, 0],
                "date": month_dates[cell_rows[:, 0]],
                "cell": np.asarray(cell_ids)[cell_rows[:, 1]],
                "official": cell_rows[:, 2],
                "probationary": cell_rows[:, 3],
            }
        )
        admissions_df = pd.DataFrame(
            self.admissions,
            columns=[
                "time",
                "village",
                "cell",
                "sex",
                "age",
                "ethnicity",
                "education",
                "source_group",
                "counted",
                "person",
            ],
        )
        admissions_df = admissions_df.astype(
            {"time": float, "age": float, "counted": bool, "person": np.int64}
        )
        admissions_df.insert(1, "date", to_date(admissions_df["time"].to_numpy()))
        admissions_df.insert(2, "year", admissions_df["date"].dt.year.astype(int))
        status_df = pd.DataFrame(self.status_changes, columns=["time", "village", "status", "note"])
        status_df.insert(1, "date", to_date(status_df["time"].to_numpy()))
        exits_df = pd.DataFrame(
            self.exits, columns=["time", "village", "stage", "reason", "person"]
        )
        exits_df.insert(1, "date", to_date(exits_df["time"].to_numpy()))
        steps_df = pd.DataFrame(self.stage_entries, columns=["time", "village", "step", "person"])
        member_exits_df = pd.DataFrame(
            self.member_exits, columns=["time", "village", "reason", "person"]
        )
        recognitions_df = pd.DataFrame(self.recognitions, columns=["time", "village", "person"])
        classes_df = pd.DataFrame(
            self.classes, columns=["time", "served", "seats", "still_waiting"]
        )
        levers_df = pd.DataFrame(self.levers, columns=["time", "measure", "intensity", "villages"])
        fm, fv, fk = np.indices(self.flows.shape)
        flows_df = pd.DataFrame(
            {
                "month": fm.ravel(),
                "village": np.asarray(village_ids)[fv.ravel()],
                "flow": np.asarray(FLOWS)[fk.ravel()],
                "people": self.flows.ravel(),
            }
        )
        return RunResult(
            admissions=admissions_df,
            population=population_df,
            organisations=organisations_df,
            pipeline=pipeline_df,
            members_by_village=members_village_df,
            members_by_cell=members_cell_df,
            village_status=status_df,
            village_status_monthly=status_monthly_df,
            pipeline_exits=exits_df,
            pipeline_steps=steps_df,
            member_exits=member_exits_df,
            recognitions=recognitions_df,
            classes=classes_df,
            levers=levers_df,
            flows=flows_df,
            metadata={
                "scenario": model.scenario.to_dict(),
                "seed": _seed_repr(model.seed),
                "version": package_version(),
                "events": model.events,
                "simulation_wall_time_s": wall_time,
                "start": start.isoformat(),
                "horizon": model.scenario.horizon.isoformat(),
            },
        )


def _seed_repr(seed) -> int | dict:
    if isinstance(seed, np.random.SeedSequence):
        return {"entropy": int(seed.entropy), "spawn_key": list(seed.spawn_key)}
    return int(seed)
