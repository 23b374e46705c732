"""The one module that touches SimPy's private attributes.

Why private attributes at all: a run handles about ten thousand events and
SimPy's public way of scheduling one (``env.timeout``, or ``Event`` plus
``succeed``) builds more than the model needs and goes through
``Environment.schedule``; the model instead puts its own slotted events
(``sim.model.clock.Clock``) straight on SimPy's heap. It also reads the time about
16,000 times a run, as an attribute rather than through a property. Both rely
on how SimPy 4 stores its state, which is not public API and may change in
any release:

- ``env._now``: the current time, which ``Environment.step`` sets when it pops
  an entry (read through :class:`Environment`'s ``now``);
- ``env._queue``: the heap of entries ``(time, priority, id, event)``, popped
  in that order, so equal times go by priority, then by id;
- ``env._eid``: the counter that hands out the ids, in scheduling order;
- ``event._ok`` (and ``event._value`` for SimPy's own ``Event``): what
  ``Environment.step`` checks after calling ``event.callbacks``; a triggered
  event has ``_ok`` true.

Why one module: a SimPy upgrade is then checked in one place, and
``tests/test_simpy_adapter.py`` pins :data:`SUPPORTED` to the installed
version, checks these assumptions against SimPy's public API and fails if
another module of ``sim/`` uses the private names. The environment itself,
its clock and its ordering rules stay SimPy's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import simpy
from simpy.events import Event

#: The SimPy versions whose internals this module was checked against; the same
#: requirement as ``simpy`` in ``pyproject.toml`` and ``environment.yml``.
SUPPORTED = ">=4.1,<5"

#: One entry of SimPy's heap: ``(time, priority, id, event)``.
QueueEntry = tuple[float, int, int, Any]


class Environment(simpy.Environment):
    """SimPy's environment, whose public ``now`` reads as fast as a plain attribute.

    Why: SimPy's ``now`` is a property, four times as slow to read as the
    ``_now`` attribute behind it, and the model reads the time about 16,000
    times a run (through the property, about 1.5 % of a run). Here ``_now`` is a slot and
    ``now`` is that same slot under its public name, so the model writes
    ``env.now`` and SimPy's own code still sets ``_now``. Unlike SimPy's
    property, ``now`` could be assigned to: nothing outside SimPy may.
    """

    __slots__ = ("_now",)


Environment.now = Environment._now  # the slot's descriptor, read by its public name


class DirectEvent:
    """Base of the model's own events, pushed straight on the heap :func:`queue_handles` gives.

    A subclass needs only a ``callbacks`` attribute (an iterable of callables
    taking the event); ``_ok`` says it has succeeded, which is all
    ``Environment.step`` asks after calling them.
    """

    __slots__ = ()
    _ok = True


def queue_handles(env: simpy.Environment) -> tuple[list[QueueEntry], Iterator[int]]:
    """``env``'s heap and its id counter, to push ``(time, priority, next(ids), event)``.

    Why raw handles: the hottest handler pushes its next event itself
    (``heapq.heappush``), and a function call per push would cost more than
    the push. ``time`` must not be before the current time; ``event`` is a
    :class:`DirectEvent`. Taking the id when the entry is made keeps the order
    SimPy would give, even if the entry joins the heap later.
    """
    return env._queue, env._eid


def schedule_call(
    env: simpy.Environment, when: float, handler: Callable[[Event], None], priority: int
) -> None:
    """Call ``handler`` with a succeeded event at time ``when`` (not before now), with a
    SimPy ``priority`` (``simpy.core.URGENT`` or ``NORMAL``).

    Why: SimPy's public API has no way to schedule a succeeded event at a
    later time with a chosen priority; this does what ``Environment.run``
    does for its ``until`` event.
    """
    event = Event(env)
    event._ok = True
    event._value = None
    event.callbacks.append(handler)
    env.schedule(event, priority, when - env._now)
