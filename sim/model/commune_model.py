"""One stochastic run of a commune: the SimPy environment and its processes.

The model is event-driven. Each person's next event of each kind (death,
leaving, returning, joining or leaving a mass organisation, being spotted,
finishing a pipeline step) is drawn when it becomes possible and put on the
SimPy queue as a ``Clock`` (``sim.model.clock``); when the person's state changes,
the affected clocks are drawn again and the stale ones are recognised by a
version number and ignored. Where a rate depends on a state that changes
often and independently (activity in an organisation, household poverty), the
clock runs at the highest rate and each ring is accepted with probability
rate now / highest (thinning), so those changes need no redraw. Calendar
events (call-ups, awareness classes, the start of a measure) are scheduled
once. Nothing wakes up every month except the recorder, which takes the
monthly series, and the scheduler, which moves the month's clocks onto the
queue.

Time is in months from the scenario's start date.

The parts, one module each: ``demography`` (deaths, births, poverty),
``migration`` (leaving, returning, military service), ``organisations``
(mass organisations), ``pipeline`` (spotting to admission), ``party``
(members, cells, village status), ``levers`` (the measures), ``recorder``
(monthly series and logs). This module wires them together and routes the
few notifications they share ("this person left home", "this person is
back").
"""

from __future__ import annotations

import gc
import time as _time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
from simpy.events import Event

from sim.inputs.scenario import Scenario, load_scenario
from sim.model.clock import Scheduler
from sim.model.demography import Demography
from sim.model.levers import Levers
from sim.model.migration import Migration
from sim.model.organisations import Organisations
from sim.model.party import Party
from sim.model.party_calendar import PartyCalendar
from sim.model.pipeline import Pipeline
from sim.model.population import (
    HOME,
    Population,
    build_absent_youth,
    build_households,
    build_residents,
)
from sim.model.recorder import Recorder
from sim.model.results import RunResult
from sim.model.rng import Streams
from sim.model.run_state import RunState
from sim.model.simpy_adapter import Environment, schedule_call
from sim.model.timeline import DAYS_PER_MONTH, months_between


class CommuneModel:
    """The state of one run and the event handlers that change it."""

    def __init__(self, scenario: Scenario, seed: int | np.random.SeedSequence) -> None:
        with collector_paused():
            self._build(scenario, seed)

    def _build(self, scenario: Scenario, seed: int | np.random.SeedSequence) -> None:
        self.scenario = scenario
        self.commune = scenario.commune
        self.p = scenario.parameters
        self.switches = scenario.switches
        self.seed = seed
        self.streams = Streams(seed)
        self.env = Environment()
        self.start = scenario.start
        self.horizon = months_between(scenario.start, scenario.horizon) + 1.0 / DAYS_PER_MONTH
        self.scheduler = Scheduler(self.env, self.horizon)
        self._calendar_events = 0
        self.calendar = PartyCalendar(self.commune.calendar, self.start, self.horizon)

        self.households = build_households(
            self.commune, self.p, self.streams["households"].generator
        )
        expected = (
            self.commune.population
            + 200
            + int(
                self.commune.population
                * self.p["crude_birth_rate_per_1000"]
                / 1000
                * self.horizon
                / 6
            )
        )
        self.pop = Population(capacity=expected)
        build_residents(self.commune, self.households, self.pop, self.streams["population"])
        build_absent_youth(
            self.commune,
            self.households,
            self.pop,
            self.streams["absent"],
            self.p["away_share_at_start"],
        )

        p = self.p
        #: months of age before which no state-dependent clock can ring
        self.youngest_event_age = 12.0 * min(
            p["leave_age_min"], p["youth_union_age_min"], p["adult_age"], p["admission_age_min"]
        )
        run = RunState(
            self.commune,
            p,
            self.switches,
            self.start,
            self.pop,
            self.households,
            self.scheduler,
            self.streams,
        )
        self.levers = Levers(run, scenario.interventions)
        self.recorder = Recorder(run, scenario, seed, self.at_priority, lambda: self.events)
        self.party = Party(run, self.recorder, self.calendar, self)
        self.demography = Demography(run, self.levers, self.recorder, self)
        self.migration = Migration(
            run,
            self.recorder,
            self.party,
            self,
            self.calendar_months(self.commune.calendar.military_callup_month),
        )
        self.organisations = Organisations(run, self.levers)
        self.pipeline = Pipeline(
            run,
            self.recorder,
            self.party,
            self.levers,
            self.calendar,
            [
                t
                for month in self.commune.calendar.awareness_class_months
                for t in self.calendar_months(month)
            ],
            self.organisations,
        )
        self.recorder.attach(self.party, self.organisations, self.pipeline)
        self.party.attach(self.pipeline, self.demography)
        self.levers.attach(
            self.recorder, self.party, self.pipeline, self.organisations, self.demography
        )

        self.party.place_members()
        # the start population is complete: whoever is added from now on is keyed by group
        self.streams.keys.start = self.pop.size
        self.organisations.start()
        self.pipeline.place_candidates()
        self.demography.start()
        self.migration.start()
        self.party.start()
        self.pipeline.start()
        self.levers.start()
        self.recorder.start()
        self.scheduler.reorder()

    # -- scheduling ---------------------------------------------------------
    @property
    def events(self) -> int:
        """Clocks and calendar events scheduled so far (the benchmark's event count)."""
        return self.scheduler.count + self._calendar_events

    def at_priority(self, when: float, handler: Callable[[Event], None], priority: int) -> None:
        """Schedule a calendar event with an explicit SimPy priority (the recorder goes first)."""
        if when >= self.horizon:
            return
        schedule_call(self.env, when, handler, priority)
        self._calendar_events += 1

    def calendar_months(self, month_of_year: int, day_fraction: float = 0.5) -> list[float]:
        """Model times of every occurrence of a calendar month (mid-month by default) in the run."""
        times = []
        first = month_of_year - self.start.month
        year = 0
        while True:
            t = first + 12 * year + day_fraction - (self.start.day - 1) / DAYS_PER_MONTH
            if t >= self.horizon:
                return times
            if t >= 0:
                times.append(t)
            year += 1

    # -- notifications shared by the parts ---------------------------------
    def leaves_home(self, pid: int, place: int, reason: str) -> None:
        """A resident stops living in the village (migration, call-up, move, death)."""
        pop = self.pop
        old = pop.place[pid]
        was_home = old == HOME
        pop.set_place(pid, place)
        self.recorder.moved(pid, old, place)
        if not pop.staff[pid] and was_home:
            self.recorder.flow_departure(pid, reason)
        self.organisations.clear(pid)
        self.pipeline.interrupt(pid, reason)
        self.party.resident_left(pid, was_home)

    def arrives_home(self, pid: int, reason: str) -> None:
        """A person comes (back) to live in their village."""
        self.recorder.moved(pid, self.pop.place[pid], HOME)
        self.pop.set_place(pid, HOME)
        self.pop.home_since[pid] = self.env.now
        self.recorder.flow_arrival(pid, reason)
        self.demography.resident_arrived(self.pop.village[pid])
        self.party.resident_arrived(pid)
        self.reschedule_person(pid)

    def reschedule_person(self, pid: int) -> None:
        """Draw again every state-dependent clock of a person at home.

        A child who will not reach the youngest age at which anything can happen
        to them (leaving, joining, being spotted) before the horizon has no clock.
        """
        if self.pop.birth[pid] + self.youngest_event_age >= self.horizon:
            return
        self.migration.schedule_leave(pid)
        self.organisations.schedule_all(pid)
        self.pipeline.resume_or_spot(pid)

    # -- running ------------------------------------------------------------
    def simulate(self) -> None:
        """Run to the horizon."""
        with collector_paused():
            self.env.run(until=self.horizon)

    def run(self) -> RunResult:
        """Run to the horizon and collect the result tables."""
        started = _time.perf_counter()
        self.simulate()
        wall = _time.perf_counter() - started
        return self.recorder.result(wall_time=wall)

    def close(self) -> None:
        """Let reference counting free the run's objects at once; the model is unusable after.

        Why: the parts and the model refer to each other, and every clock
        still queued refers to its handler, so a finished model is a web of
        reference cycles that only Python's cyclic collector can free, by
        walking every person column of every finished run (about 4 ms a run
        in an ensemble worker). Emptying the queue and the parts breaks the
        cycles. The result (``RunResult``) does not refer to the model.
        """
        self.scheduler.queue.clear()
        parts = [self.levers, self.recorder, self.party, self.demography, self.migration]
        parts += [self.organisations, self.pipeline, self.scheduler, self.env]
        for part in parts:
            part.__dict__.clear()
        self.__dict__.clear()


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a model is built or run.

    Why: building and running allocate tens of thousands of small objects
    (clocks, queue entries), and every few hundred allocations the collector
    walks the tracked objects, including every person column (lists of
    thousands of entries), to find cycles. A run makes no garbage cycles (a
    clock is freed by reference counting once it has run), so the walks find
    nothing. The collector also counts allocations while paused and walks
    everything allocated since at its next chance; :func:`run` therefore
    keeps it paused until the model is closed and freed, so that those
    objects are gone before it looks. The collector's state is restored
    afterwards, whatever happens.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def run(
    scenario: Scenario | str | Path, seed: int | np.random.SeedSequence | None = None
) -> RunResult:
    """One stochastic run of ``scenario`` (a :class:`Scenario` or a scenario file, loaded and
    checked like ``python -m sim run``'s); ``seed`` defaults to the scenario's seed, then 0."""
    if isinstance(scenario, str | Path):
        scenario = load_scenario(scenario)
    if seed is None:
        seed = scenario.seed if scenario.seed is not None else 0
    started = _time.perf_counter()
    with collector_paused():
        model = CommuneModel(scenario, seed)
        result = model.run()
        model.close()
        del model  # freed here, by reference counting: nothing left for the collector
    result.metadata["wall_time_s"] = _time.perf_counter() - started
    return result


__all__ = ["CommuneModel", "run"]
