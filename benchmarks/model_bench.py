"""One baseline run: wall time, events, and the cost per event against SimPy's floor.

The floor is a bare SimPy loop of the same number of timeouts, measured in the
same process right after the model, so the ratio does not depend on how fast
the machine is today. Targets (issue 3): a run under 50 ms, and a cost per
event within 3x the floor.

Why several processes: on this kind of machine the same code runs up to 1.6x
faster or slower from one Python process to the next (string hashing is
randomised per process, which moves CPython's attribute caches, and the
virtual machine's placement varies). A figure from one process is a draw; the
benchmark starts ``--processes`` fresh interpreters with hash seeds 0, 1, ...
and reports the median and the range over them.

``python -m benchmarks.model_bench [--processes 5] [--repeats 15]``
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import simpy

import sim
from sim.model import CommuneModel, collector_paused

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


def simpy_floor_us(events: int = 8_000, repeats: int = 9) -> float:
    """SimPy's cost per bare timeout now, in microseconds: a probe of the machine's speed."""
    return 1e6 * statistics.median(bare_simpy_seconds(events) for _ in range(repeats)) / events


def measure(repeats: int = 15) -> dict[str, float]:
    """Median figures over ``repeats`` runs with different seeds, in this process."""
    scenario = sim.load_scenario(BASELINE)
    sim.run(scenario, seed=0)  # warm caches and imports
    build, simulate, collect, events = [], [], [], []
    for seed in range(repeats):
        with collector_paused():  # as sim.run does: see sim.model.collector_paused
            started = time.perf_counter()
            model = CommuneModel(scenario, seed)
            built = time.perf_counter()
            model.simulate()
            simulated = time.perf_counter()
            model.recorder.result(wall_time=simulated - built)
            events.append(model.events)
            model.close()
            del model
            collected = time.perf_counter()
        build.append(built - started)
        simulate.append(simulated - built)
        collect.append(collected - simulated)
    n_events = int(statistics.median(events))
    floor_us = simpy_floor_us(n_events, repeats=5)
    total = [b + s + c for b, s, c in zip(build, simulate, collect, strict=True)]
    us_per_event = 1e6 * statistics.median(simulate) / n_events
    return {
        "run_ms": 1000 * statistics.median(total),
        "build_ms": 1000 * statistics.median(build),
        "simulate_ms": 1000 * statistics.median(simulate),
        "tables_ms": 1000 * statistics.median(collect),
        "events": n_events,
        "us_per_event": us_per_event,
        "simpy_floor_us_per_event": floor_us,
        "ratio": us_per_event / floor_us,
    }


def measure_in_fresh_processes(processes: int, repeats: int) -> list[dict[str, float]]:
    """:func:`measure` in ``processes`` new interpreters, hash seeds 0, 1, ..."""
    figures = []
    for hash_seed in range(processes):
        env = {**os.environ, "PYTHONHASHSEED": str(hash_seed)}
        output = subprocess.run(
            [sys.executable, "-m", "benchmarks.model_bench", "--one", "--repeats", str(repeats)],
            env=env,
            capture_output=True,
            text=True,
            check=True,
            cwd=Path(__file__).resolve().parents[1],
        ).stdout
        figures.append(json.loads(output.strip().splitlines()[-1]))
    return figures


def main(argv: Sequence[str] | None = None) -> dict[str, float]:
    """Print the figures (the closing notes quote them) and return the medians."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processes", type=int, default=5, help="fresh interpreters")
    parser.add_argument("--repeats", type=int, default=15, help="runs (seeds) per interpreter")
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        figures = measure(args.repeats)
        print(json.dumps(figures))
        return figures
    runs = measure_in_fresh_processes(args.processes, args.repeats)
    median = {key: statistics.median(run[key] for run in runs) for key in runs[0]}

    def line(label: str, key: str, unit: str, target: str = "", digits: int = 1) -> None:
        values = [run[key] for run in runs]
        spread = f"({min(values):.{digits}f}-{max(values):.{digits}f})"
        print(f"  {label:<22}{median[key]:9.{digits}f} {unit:<3}{spread:>17}  {target}")

    print(
        f"One baseline run, 2015-2020: median over {args.processes} fresh processes "
        f"(each the median of {args.repeats} seeds), range in brackets"
    )
    line("whole run", "run_ms", "ms", "target < 50 ms")
    line("  build population", "build_ms", "ms")
    line("  simulate", "simulate_ms", "ms")
    line("  results, freeing", "tables_ms", "ms")
    line("events", "events", "", digits=0)
    line("cost per event", "us_per_event", "us", digits=2)
    line("SimPy bare timeout", "simpy_floor_us_per_event", "us", digits=2)
    line("ratio", "ratio", "x", "target <= 3x")
    return median


if __name__ == "__main__":
    main()
