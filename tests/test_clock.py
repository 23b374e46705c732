"""The scheduler in front of SimPy's queue runs clocks exactly as SimPy's timeouts would.

The model's results depend on the order in which simultaneous events run, so
the monthly buckets must not change it: each test runs the same schedule
through the scheduler and through plain SimPy timeouts and compares the
order of the calls, ties included.
"""

from __future__ import annotations

import math

import numpy as np
import simpy

from sim.model.clock import Clock, Scheduler, calls

HORIZON = 24.5


def draw_schedule(seed: int, n: int = 400) -> list[tuple[float, list[float]]]:
    """Clocks at random times (a third on whole months or on a few shared times, so
    that ties happen), each of which schedules follow-ups when it runs."""
    rng = np.random.default_rng(seed)
    shared = [3.0, 7.25, 12.0, 12.5]

    def when() -> float:
        kind = rng.integers(3)
        if kind == 0:
            return float(rng.integers(0, 26))
        if kind == 1:
            return float(rng.choice(shared))
        return float(rng.uniform(0, 26))

    return [(when(), [when() for _ in range(rng.integers(0, 3))]) for _ in range(n)]


def run_with_scheduler(schedule: list[tuple[float, list[float]]]) -> list[tuple[float, int]]:
    env = simpy.Environment()
    scheduler = Scheduler(env, HORIZON)
    ran: list[tuple[float, int]] = []

    def handler(clock: Clock) -> None:
        ran.append((env.now, clock.pid))
        for k, later in enumerate(schedule[clock.pid][1] if clock.ver == 0 else []):
            scheduler.at(env.now + later / 4, on_call, clock.pid, k + 1)

    on_call = calls(handler)
    first = [when for when, _ in schedule]
    due = [i for i, when in enumerate(first) if when < HORIZON]
    scheduler.at_many([first[i] for i in due], on_call, due)
    scheduler.reorder()
    env.run(until=HORIZON)
    return ran


def run_with_timeouts(schedule: list[tuple[float, list[float]]]) -> list[tuple[float, int]]:
    """The reference: the same clocks as plain SimPy timeouts with callbacks."""
    env = simpy.Environment()
    ran: list[tuple[float, int]] = []

    def at(when: float, pid: int, version: int) -> None:
        if when >= HORIZON:
            return
        event = env.timeout(max(when - env.now, 0.0))
        event.callbacks.append(lambda _event: handler(pid, version))

    def handler(pid: int, version: int) -> None:
        ran.append((env.now, pid))
        for k, later in enumerate(schedule[pid][1] if version == 0 else []):
            at(env.now + later / 4, pid, k + 1)

    for pid, (when, _) in enumerate(schedule):
        at(when, pid, 0)
    env.run(until=HORIZON)
    return ran


def test_clocks_run_in_the_order_simpy_timeouts_would_ties_included() -> None:
    for seed in range(5):
        schedule = draw_schedule(seed)
        through_buckets = run_with_scheduler(schedule)
        reference = run_with_timeouts(schedule)
        assert len(reference) > 400
        assert through_buckets == reference, seed
        times = [t for t, _ in reference]
        assert len(times) - len(set(times)) > 50  # the schedule does have ties


def test_clocks_past_the_horizon_or_not_a_number_are_dropped_and_past_times_run_now() -> None:
    env = simpy.Environment()
    scheduler = Scheduler(env, HORIZON)
    ran: list[tuple[float, int]] = []

    def handler(clock: Clock) -> None:
        ran.append((env.now, clock.pid))
        if clock.pid == 1:
            scheduler.at(env.now - 3.0, on_call, 2)  # in the past: runs now

    on_call = calls(handler)
    for pid, when in enumerate([HORIZON, 5.5, math.nan, math.inf, HORIZON + 1]):
        scheduler.at(when, on_call, pid)
    env.run(until=HORIZON)
    assert ran == [(5.5, 1), (5.5, 2)]
    assert scheduler.count == 2


def test_a_month_s_clocks_join_the_queue_when_the_month_begins() -> None:
    env = simpy.Environment()
    scheduler = Scheduler(env, HORIZON)
    scheduler.at(10.5, calls(lambda clock: None))
    assert len(scheduler.buckets[10]) == 1
    env.run(until=10.0 + 1e-9)
    assert scheduler.buckets[10] == []
    assert scheduler.released_until == 11.0
    assert any(isinstance(entry[3], Clock) and entry[0] == 10.5 for entry in env._queue)
