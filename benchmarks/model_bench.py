"""One baseline run: wall time, events, and the cost per event against SimPy's floor.

The floor is a bare SimPy loop of the same number of timeouts, measured in the
same process right after the model, so the ratio does not depend on how fast
the machine is today. Targets (issue 3): a run under 50 ms, and a cost per
event within 3x the floor.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

import simpy

import sim
from sim.model import CommuneModel

BASELINE = Path(__file__).resolve().parents[1] / "data" / "nahy" / "scenarios" / "baseline.toml"


def bare_simpy_seconds(events: int) -> float:
    """Seconds for one process to yield ``events`` timeouts: SimPy's own cost per event."""
    env = simpy.Environment()

    def loop(env: simpy.Environment):
        for _ in range(events):
            yield env.timeout(1)

    env.process(loop(env))
    started = time.perf_counter()
    env.run()
    return time.perf_counter() - started


def measure(repeats: int = 15) -> dict[str, float]:
    """Median figures over ``repeats`` runs with different seeds."""
    scenario = sim.load_scenario(BASELINE)
    sim.run(scenario, seed=0)  # warm caches and imports
    build, simulate, collect, events = [], [], [], []
    for seed in range(repeats):
        started = time.perf_counter()
        model = CommuneModel(scenario, seed)
        built = time.perf_counter()
        model.env.run(until=model.horizon)
        simulated = time.perf_counter()
        model.recorder.result(wall_time=simulated - built)
        collected = time.perf_counter()
        build.append(built - started)
        simulate.append(simulated - built)
        collect.append(collected - simulated)
        events.append(model.events)
    n_events = int(statistics.median(events))
    floor = statistics.median(bare_simpy_seconds(n_events) for _ in range(5))
    total = [b + s + c for b, s, c in zip(build, simulate, collect, strict=True)]
    return {
        "run_ms": 1000 * statistics.median(total),
        "build_ms": 1000 * statistics.median(build),
        "simulate_ms": 1000 * statistics.median(simulate),
        "tables_ms": 1000 * statistics.median(collect),
        "events": n_events,
        "us_per_event": 1e6 * statistics.median(simulate) / n_events,
        "simpy_floor_us_per_event": 1e6 * floor / n_events,
    }


def main() -> None:
    """Print the figures (the closing notes quote them)."""
    figures = measure()
    ratio = figures["us_per_event"] / figures["simpy_floor_us_per_event"]
    print("One baseline run, 2015-2020 (median of 15 seeds)")
    print(f"  whole run           {figures['run_ms']:8.1f} ms   (target < 50 ms)")
    print(f"    build population  {figures['build_ms']:8.1f} ms")
    print(f"    simulate          {figures['simulate_ms']:8.1f} ms")
    print(f"    result tables     {figures['tables_ms']:8.1f} ms")
    print(f"  events              {figures['events']:8d}")
    print(f"  cost per event      {figures['us_per_event']:8.2f} us")
    print(f"  SimPy bare timeout  {figures['simpy_floor_us_per_event']:8.2f} us")
    print(f"  ratio               {ratio:8.1f} x   (target <= 3x)")


if __name__ == "__main__":
    main()
