"""The model's own event type: a slotted call that SimPy's scheduler can run.

Why not ``simpy.Timeout``: a run schedules about ten thousand clocks, most of
them one person's next change of state, and each is run once or found stale.
SimPy's ``Environment.step`` needs only three things of an event: its place
in the queue ``(time, priority, id, event)``, ``event.callbacks`` (called
with the event) and ``event._ok``. A ``Timeout`` also builds a value, a delay
and a per-instance dict, and must be pushed through ``Environment.schedule``;
a slotted ``Clock`` pushed straight onto the queue costs about a third as
much, and the environment, its clock and its ordering rules stay SimPy's.
"""

from __future__ import annotations

from collections.abc import Callable
from heapq import heapify, heappush
from itertools import repeat

import simpy
from simpy.core import NORMAL


class Clock:
    """One scheduled call: ``callbacks`` (a one-handler tuple), the person and the clock version.

    ``pid`` and ``ver`` let a handler tell a live clock from a stale one (the
    person's state changed after it was drawn).
    """

    __slots__ = ("callbacks", "pid", "ver")
    _ok = True  # what SimPy's step checks after the callbacks


Callbacks = tuple[Callable[[Clock], None]]
new_clock = object.__new__


def calls(handler: Callable[[Clock], None]) -> Callbacks:
    """The callbacks tuple for ``handler``, made once per handler and shared by its clocks."""
    return (handler,)


def push(env: simpy.Environment, when: float, callbacks: Callbacks, pid: int, version: int) -> None:
    """Put one clock on ``env``'s queue at time ``when`` (not earlier than now)."""
    clock = new_clock(Clock)
    clock.callbacks = callbacks
    clock.pid = pid
    clock.ver = version
    now = env._now
    heappush(env._queue, (when if when > now else now, NORMAL, next(env._eid), clock))


def push_many(
    env: simpy.Environment,
    times: list[float],
    callbacks: Callbacks,
    pids: list[int],
    versions: list[int] | None = None,
) -> None:
    """Put many clocks on the queue at once (the start population's clocks).

    Appending them all and restoring the heap once is linear; pushing them one
    by one would sort as it goes. Ties keep the order given, as with ``push``.
    """
    queue, eid = env._queue, env._eid
    for when, pid, version in zip(times, pids, versions or repeat(0), strict=False):
        clock = new_clock(Clock)
        clock.callbacks = callbacks
        clock.pid = pid
        clock.ver = version
        queue.append((when, NORMAL, next(eid), clock))
    heapify(queue)
