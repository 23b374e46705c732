"""Clocks (the model's own event type) and the scheduler that puts them on SimPy's queue.

Why not ``simpy.Timeout``: a run schedules about ten thousand clocks, most of
them one person's next change of state, and each is run once or found stale.
SimPy's ``Environment.step`` needs only three things of an event: its place
in the queue ``(time, priority, id, event)``, ``event.callbacks`` (called
with the event) and that the event succeeded. A ``Timeout`` also builds a
value, a delay and a per-instance dict, and goes through
``Environment.schedule``; a slotted ``Clock`` put straight on the queue costs
about a third as much. The environment, its clock and its ordering rules stay
SimPy's; what this relies on of SimPy's internals is in ``sim.model.simpy_adapter``.

Why a scheduler in front of the queue: most clocks are drawn months or years
ahead (a death, the next time someone joins an organisation), so SimPy's heap
would hold thousands of entries and every push and pop would climb a deep
heap. The :class:`Scheduler` keeps clocks due in later months in one bucket
per month (an append) and moves a month's bucket onto SimPy's queue when the
month begins (a timing wheel). Each entry gets its queue id when it is
scheduled, so SimPy runs the clocks in exactly the order it would have run
them from a single heap: same times, same ties, same results.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from heapq import heapify, heappush
from itertools import repeat
from typing import TYPE_CHECKING

import simpy
from simpy.core import NORMAL, URGENT

from sim.model.simpy_adapter import DirectEvent, queue_handles

if TYPE_CHECKING:
    import numpy as np


class Clock(DirectEvent):
    """One scheduled call: ``callbacks`` (a one-handler tuple), the person and the clock version.

    ``pid`` and ``ver`` let a handler tell a live clock from a stale one (the
    person's state changed after it was drawn).
    """

    __slots__ = ("callbacks", "pid", "ver")


Callbacks = tuple[Callable[[Clock], None]]
new_clock = object.__new__


def calls(handler: Callable[[Clock], None]) -> Callbacks:
    """The callbacks tuple for ``handler``, made once per handler and shared by its clocks."""
    return (handler,)


class Scheduler:
    """Schedules clocks on ``env`` up to ``horizon`` (model months), through monthly buckets.

    Clocks due before ``released_until`` (the end of the current month) go on
    SimPy's queue at once; later ones wait in the bucket of their month. A
    release event at the start of each month (urgent, so before anything else
    then) moves that month's bucket onto the queue. ``count`` is the number of
    clocks scheduled (the release events are the scheduler's own and are not
    counted).
    """

    def __init__(self, env: simpy.Environment, horizon: float) -> None:
        self.env = env
        self.horizon = horizon
        self.count = 0
        #: SimPy's heap and id counter (``sim.model.simpy_adapter.queue_handles``)
        self.queue, self.ids = queue_handles(env)
        self.buckets: list[list[tuple]] = [[] for _ in range(math.ceil(horizon))]
        self.released_until = 1.0
        self._release_calls = calls(self._release)
        if len(self.buckets) > 1:
            self._schedule_release(1)

    def at(self, when: float, callbacks: Callbacks, pid: int = -1, version: int = 0) -> None:
        """Run ``callbacks`` with a clock at ``when`` (now if earlier) if before the horizon."""
        if not when < self.horizon:  # also drops NaN
            return
        clock = new_clock(Clock)
        clock.callbacks = callbacks
        clock.pid = pid
        clock.ver = version
        now = self.env.now
        entry = (when if when > now else now, NORMAL, next(self.ids), clock)
        if when < self.released_until:
            heappush(self.queue, entry)
        else:
            self.buckets[int(when)].append(entry)
        self.count += 1

    def at_many(
        self,
        times: list[float],
        callbacks: Callbacks,
        pids: list[int],
        versions: list[int] | None = None,
    ) -> None:
        """Schedule many clocks, all before the horizon, while the model is built.

        Clocks for the first month are appended to the queue unordered: call
        :meth:`reorder` once the build is done (one linear pass beats keeping
        the heap ordered batch by batch).
        """
        queue, eid, buckets, first = self.queue, self.ids, self.buckets, self.released_until
        for when, pid, version in zip(times, pids, versions or repeat(0), strict=False):
            clock = new_clock(Clock)
            clock.callbacks = callbacks
            clock.pid = pid
            clock.ver = version
            if when < first:
                queue.append((when, NORMAL, next(eid), clock))
            else:
                buckets[int(when)].append((when, NORMAL, next(eid), clock))
        self.count += len(times)

    def at_many_due(
        self,
        times: np.ndarray,
        callbacks: Callbacks,
        pids: np.ndarray,
        versions: np.ndarray | None = None,
    ) -> None:
        """:meth:`at_many` of numpy arrays, dropping the clocks at or past the horizon (or
        never: infinite times) first."""
        due = times < self.horizon
        self.at_many(
            times[due].tolist(),
            callbacks,
            pids[due].tolist(),
            None if versions is None else versions[due].tolist(),
        )

    def reorder(self) -> None:
        """Restore the queue's heap order after :meth:`at_many` (before the run starts)."""
        heapify(self.queue)

    def _schedule_release(self, month: int) -> None:
        clock = new_clock(Clock)
        clock.callbacks = self._release_calls
        clock.pid = month
        clock.ver = 0
        heappush(self.queue, (float(month), URGENT, next(self.ids), clock))

    def _release(self, clock: Clock) -> None:
        """The start of month ``clock.pid``: its clocks join SimPy's queue."""
        month = clock.pid
        queue, bucket = self.queue, self.buckets[month]
        if len(bucket) > len(queue):  # re-heaping all at once takes fewer comparisons
            queue.extend(bucket)
            heapify(queue)
        else:
            for entry in bucket:
                heappush(queue, entry)
        self.buckets[month] = []
        self.released_until = month + 1.0
        if month + 1 < len(self.buckets):
            self._schedule_release(month + 1)
