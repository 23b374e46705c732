"""``sim.model.simpy_adapter`` is the only module that uses SimPy's private attributes, and they
still behave as it assumes.

Why: the model puts its own events straight on SimPy's heap and reads the time
as an attribute (for speed, see the adapter). Those are not SimPy's public API,
so a SimPy release may change them; if it did, runs could go on quietly in a
different order. These tests pin the adapter to the SimPy versions it declares,
check each assumption against what SimPy's public API does with the same
schedule, and keep every other module of ``sim/`` off the private names, so an
upgrade is checked in one place.
"""

from __future__ import annotations

import ast
import inspect
from collections.abc import Callable, Iterator
from heapq import heappush
from importlib.metadata import version
from pathlib import Path

import pytest
import simpy
import simpy.core
import simpy.events
from packaging.specifiers import SpecifierSet
from packaging.version import Version
from simpy.core import NORMAL, URGENT

from sim.model.simpy_adapter import (
    SUPPORTED,
    DirectEvent,
    Environment,
    queue_handles,
    schedule_call,
)
from tests.conftest import REPO
from tests.test_packaging import conda_requirements, pyproject_requirements

ADAPTER = REPO / "sim" / "model" / "simpy_adapter.py"

#: Private names of SimPy's environment and events that no other module may use: the
#: ones the adapter relies on, the rest of ``Environment``'s and ``Event``'s (checked
#: below against SimPy's source), and the callback and trigger flags of other versions.
PRIVATE = {"_now", "_queue", "_eid", "_active_proc", "_ok", "_value", "_defused", "_desc"}
PRIVATE |= {"_triggered", "_callbacks", "_delay", "_generator", "_target", "_resume"}


# -- (a) the supported versions -------------------------------------------------
def test_the_installed_simpy_is_a_supported_version() -> None:
    assert Version(version("simpy")) in SpecifierSet(SUPPORTED)


def test_the_supported_range_is_the_requirement_of_pyproject_and_environment_yml() -> None:
    assert SpecifierSet(pyproject_requirements()["simpy"]) == SpecifierSet(SUPPORTED)
    assert SpecifierSet(conda_requirements()["simpy"]) == SpecifierSet(SUPPORTED)


# -- (b) the assumptions about SimPy's internals --------------------------------
def test_the_environment_s_now_is_the_time_simpy_keeps() -> None:
    env, public = Environment(initial_time=2.5), simpy.Environment(initial_time=2.5)
    assert "_now" not in vars(env)  # SimPy's own code sets the slot
    for each in (env, public):
        each.timeout(1.25)
        each.run(until=3.0)
    assert env.now == public.now == 3.0
    env.run()
    assert env.now == 3.75


def test_the_queue_handles_are_the_heap_simpy_schedules_on_and_its_id_counter() -> None:
    env = Environment()
    queue, ids = queue_handles(env)
    timeout = env.timeout(3.0)
    [(when, priority, first, event)] = queue
    assert (when, priority, event) == (3.0, NORMAL, timeout)
    assert next(ids) > first  # ids go up in scheduling order
    env.timeout(1.0)
    assert len(queue) == 2 and queue[0][0] == 1.0  # still SimPy's heap


class Call(DirectEvent):
    """A direct event as ``sim.model.clock.Clock`` is: slotted, with ``callbacks``."""

    __slots__ = ("callbacks",)


#: Times with ties (at 0, 1 and 2), scheduled in this order.
TIMES = [1.0, 0.0, 2.0, 1.0, 0.5, 2.0, 1.0, 0.0, 2.0]


def run_schedule(direct: bool) -> list[tuple[str, float]]:
    """Run the same schedule of timeouts and processes; with ``direct``, the timeouts are
    replaced by events pushed through the adapter (and one by :func:`schedule_call`).

    Returns who ran, in order, and at what time.
    """
    env = Environment() if direct else simpy.Environment()
    queue, ids = queue_handles(env)
    ran: list[tuple[str, float]] = []

    def record(name: str) -> Callable[[simpy.Event], None]:
        return lambda event: ran.append((name, env.now))

    def process(name: str, delay: float) -> Iterator[simpy.Event]:
        yield env.timeout(delay)
        ran.append((name, env.now))

    for i, when in enumerate(TIMES):
        name = f"event {i}"
        if not direct:
            env.timeout(when).callbacks.append(record(name))
        elif i == 3:
            schedule_call(env, when, record(name), NORMAL)
        else:
            call = Call()
            call.callbacks = (record(name),)
            heappush(queue, (env.now + when, NORMAL, next(ids), call))
        if i % 3 == 0:
            env.process(process(f"process {i}", when))
    env.run()
    return ran


def test_events_through_the_adapter_run_when_and_in_the_order_simpy_runs_timeouts() -> None:
    public, direct = run_schedule(direct=False), run_schedule(direct=True)
    assert direct == public
    assert [when for _, when in direct] == sorted(TIMES + TIMES[::3])
    # ties go in scheduling order, and processes' timeouts come after (scheduled later)
    at_one = [name for name, when in direct if when == 1.0]
    assert at_one == ["event 0", "event 3", "event 6", "process 0", "process 3", "process 6"]


def test_an_urgent_call_runs_before_normal_events_at_the_same_time() -> None:
    env = Environment()
    ran: list[str] = []
    env.timeout(1.0).callbacks.append(lambda event: ran.append("normal at 1"))
    env.timeout(0.5).callbacks.append(lambda event: ran.append("normal at 0.5"))
    schedule_call(env, 1.0, lambda event: ran.append("urgent at 1"), URGENT)
    schedule_call(env, 1.0, lambda event: ran.append("normal call at 1"), NORMAL)
    env.run()
    assert ran == ["normal at 0.5", "urgent at 1", "normal at 1", "normal call at 1"]


def test_simpy_is_done_with_a_direct_event_when_its_callback_runs() -> None:
    """``sim.model.organisations`` puts the event that rang back on the queue from its callback."""
    env = Environment()
    queue, ids = queue_handles(env)
    seen = []
    call = Call()

    def again(event: Call) -> None:
        seen.append((env.now, event.callbacks, any(entry[3] is event for entry in queue)))
        if len(seen) < 2:
            event.callbacks = (again,)
            heappush(queue, (env.now + 1.0, NORMAL, next(ids), event))

    call.callbacks = (again,)
    heappush(queue, (1.0, NORMAL, next(ids), call))
    env.run()
    assert seen == [(1.0, None, False), (2.0, None, False)]


def test_the_private_names_cover_those_of_simpy_s_environment_and_event() -> None:
    def private_names(cls: type) -> set[str]:
        tree = ast.parse(inspect.getsource(cls))
        return {
            node.attr
            for node in ast.walk(tree)
            if isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id == "self"
            and node.attr.startswith("_")
            and not node.attr.startswith("__")
        }

    simpy_names = private_names(simpy.core.Environment) | private_names(simpy.events.Event)
    assert simpy_names <= PRIVATE
    # what the adapter relies on is guarded too
    adapter = {name for name in names_used(ADAPTER) if name[0] == "_" and name[:2] != "__"}
    assert adapter <= PRIVATE


# -- (c) no other module uses the private names ---------------------------------
def names_used(path: Path) -> set[str]:
    """The names ``path`` uses as an attribute (``env._now``), a class attribute
    (``_ok = True``) or a string (``getattr(env, "_now")``)."""
    used = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Attribute):
            used.add(node.attr)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            used.add(node.value)
        elif isinstance(node, ast.ClassDef):
            for statement in node.body:
                targets = statement.targets if isinstance(statement, ast.Assign) else []
                if isinstance(statement, ast.AnnAssign):
                    targets = [statement.target]
                used |= {target.id for target in targets if isinstance(target, ast.Name)}
    return used


def private_uses(path: Path) -> set[str]:
    """The names of :data:`PRIVATE` that ``path`` uses."""
    return names_used(path) & PRIVATE


@pytest.mark.parametrize(
    "path",
    sorted(path for path in (REPO / "sim").rglob("*.py") if path != ADAPTER),
    ids=lambda path: str(path.relative_to(REPO)),
)
def test_no_other_module_uses_simpy_s_private_names(path: Path) -> None:
    assert not private_uses(path), (
        f"use sim.model.simpy_adapter instead of {sorted(private_uses(path))}"
    )
