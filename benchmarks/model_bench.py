"""One baseline run: wall time, events, and its cost in units of a fixed SimPy yardstick.

The yardstick is the time of 8,758 bare SimPy timeouts (the baseline run's
event count when it was set, kept fixed), measured in the same process as
the runs, so that figures from different machines and days compare: a run
of 4.3 yardsticks costs as much as 4.3 loops of 8,758 bare timeouts. Target
(issue 18): one baseline run (build, simulate, tables) within 2.5
yardsticks. The cost per event against SimPy's timeout is printed as well
(its 3x target of issue 3 is retired).

Why several processes: on this kind of machine the same code runs up to 1.6x
faster or slower from one Python process to the next (string hashing is
randomised per process, which moves CPython's attribute caches, and the
virtual machine's placement varies). A figure from one process is a draw; the
benchmark starts ``--processes`` fresh interpreters with hash seeds 0, 1, ...
and reports the median and the range over them.

``--against REV`` measures the commit ``REV`` the same way, side by side, from
a temporary git worktree (this benchmark's code, that commit's ``sim`` and
data), alternating the two process by process.

``python -m benchmarks.model_bench [--processes 5] [--repeats 15] [--against HEAD~1]``
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import simpy

import sim
from sim.model import CommuneModel, collector_paused

#: the yardstick's number of bare SimPy timeouts (issue 18: the run's event count then)
YARDSTICK_EVENTS = 8_758


def baseline_path() -> Path:
    """The baseline scenario of the checkout whose ``sim`` is imported (``--against``)."""
    return Path(sim.__file__).resolve().parents[1] / "data" / "nahy" / "scenarios" / "baseline.toml"


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


def yardstick_ms(repeats: int = 9) -> float:
    """The yardstick now: milliseconds for :data:`YARDSTICK_EVENTS` bare SimPy timeouts."""
    return 1e3 * statistics.median(bare_simpy_seconds(YARDSTICK_EVENTS) for _ in range(repeats))


def timed_run(scenario: sim.Scenario, seed: int) -> tuple[CommuneModel, tuple[float, ...]]:
    """One run and the seconds of its build, simulation and tables (the model still open:
    close it once read), with the cyclic collector paused as ``sim.run`` does."""
    with collector_paused():  # see sim.model.collector_paused
        started = time.perf_counter()
        model = CommuneModel(scenario, seed)
        built = time.perf_counter()
        model.simulate()
        simulated = time.perf_counter()
        model.recorder.result(wall_time=simulated - built)
        collected = time.perf_counter()
    return model, (built - started, simulated - built, collected - simulated)


def measure(repeats: int = 15) -> dict[str, float]:
    """Median figures over ``repeats`` runs with different seeds, in this process."""
    scenario = sim.load_scenario(baseline_path())
    sim.run(scenario, seed=0)  # warm caches and imports
    build, simulate, collect, events = [], [], [], []
    for seed in range(repeats):
        model, seconds = timed_run(scenario, seed)
        events.append(model.events)
        model.close()
        del model
        build.append(seconds[0])
        simulate.append(seconds[1])
        collect.append(seconds[2])
    n_events = int(statistics.median(events))
    yardstick = yardstick_ms()
    total = [b + s + c for b, s, c in zip(build, simulate, collect, strict=True)]
    run_ms = 1000 * statistics.median(total)
    us_per_event = 1e6 * statistics.median(simulate) / n_events
    floor_us = 1e3 * yardstick / YARDSTICK_EVENTS
    return {
        "run_ms": run_ms,
        "build_ms": 1000 * statistics.median(build),
        "simulate_ms": 1000 * statistics.median(simulate),
        "tables_ms": 1000 * statistics.median(collect),
        "events": n_events,
        "yardstick_ms": yardstick,
        "run_yardsticks": run_ms / yardstick,
        "us_per_event": us_per_event,
        "ratio": us_per_event / floor_us,
    }


def measure_in_fresh_processes(
    processes: int, repeats: int, trees: Sequence[Path | None] = (None,)
) -> list[list[dict[str, float]]]:
    """:func:`measure` in ``processes`` new interpreters per tree, hash seeds 0, 1, ...,
    alternating the trees (``None``: this checkout; else a checkout whose ``sim`` to time)."""
    figures: list[list[dict[str, float]]] = [[] for _ in trees]
    for hash_seed in range(processes):
        for i, tree in enumerate(trees):
            env = {**os.environ, "PYTHONHASHSEED": str(hash_seed)}
            if tree is not None:
                env["PYTHONPATH"] = str(tree)
            output = subprocess.run(
                [sys.executable, __file__, "--one", "--repeats", str(repeats)],
                env=env,
                capture_output=True,
                text=True,
                check=True,
                cwd=tree or Path(__file__).resolve().parents[1],
            ).stdout
            figures[i].append(json.loads(output.strip().splitlines()[-1]))
    return figures


def worktree_of(revision: str) -> tempfile.TemporaryDirectory:
    """A temporary git worktree of ``revision`` (removed with the directory)."""
    folder = tempfile.TemporaryDirectory(prefix="bench-")
    root = Path(__file__).resolve().parents[1]
    subprocess.run(
        ["git", "worktree", "add", "--detach", "--quiet", folder.name, revision],
        cwd=root,
        check=True,
    )
    return folder


def report(label: str, runs: list[dict[str, float]], processes: int, repeats: int) -> dict:
    """Print one tree's figures (the closing notes quote them) and return the medians."""
    median = {key: statistics.median(run[key] for run in runs) for key in runs[0]}

    def line(name: str, key: str, unit: str, target: str = "", digits: int = 1) -> None:
        values = [run[key] for run in runs]
        spread = f"({min(values):.{digits}f}-{max(values):.{digits}f})"
        print(f"  {name:<22}{median[key]:9.{digits}f} {unit:<3}{spread:>17}  {target}")

    print(
        f"One baseline run, 2015-2020, {label}: median over {processes} fresh processes "
        f"(each the median of {repeats} seeds), range in brackets"
    )
    line("whole run", "run_yardsticks", "Y", "target <= 2.5 yardsticks", digits=2)
    line("whole run", "run_ms", "ms")
    line("  build population", "build_ms", "ms")
    line("  simulate", "simulate_ms", "ms")
    line("  results, freeing", "tables_ms", "ms")
    line("events", "events", "", digits=0)
    line(f"yardstick ({YARDSTICK_EVENTS:,} timeouts)", "yardstick_ms", "ms", digits=2)
    line("cost per event", "us_per_event", "us", digits=2)
    line("  against a timeout", "ratio", "x")
    return median


def main(argv: Sequence[str] | None = None) -> dict[str, float]:
    """Print the figures of this checkout (and of ``--against``) and return the medians."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processes", type=int, default=5, help="fresh interpreters")
    parser.add_argument("--repeats", type=int, default=15, help="runs (seeds) per interpreter")
    parser.add_argument("--against", metavar="REV", help="also time this commit, side by side")
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        figures = measure(args.repeats)
        print(json.dumps(figures))
        return figures
    if args.against is None:
        (runs,) = measure_in_fresh_processes(args.processes, args.repeats)
        return report("this checkout", runs, args.processes, args.repeats)
    with worktree_of(args.against) as other:
        here, there = measure_in_fresh_processes(args.processes, args.repeats, (None, Path(other)))
    # the folder is gone now: forget its worktree (pruning inside the block kept it)
    subprocess.run(["git", "worktree", "prune"], cwd=Path(__file__).resolve().parents[1])
    median = report("this checkout", here, args.processes, args.repeats)
    print()
    theirs = report(args.against, there, args.processes, args.repeats)
    paired = [a["run_ms"] / b["run_ms"] for a, b in zip(here, there, strict=True)]
    print(
        f"  this checkout / {args.against}: {statistics.median(paired):.3f} "
        f"(per process pair, range {min(paired):.3f}-{max(paired):.3f}); in yardsticks "
        f"{median['run_yardsticks']:.2f} against {theirs['run_yardsticks']:.2f}"
    )
    return median


if __name__ == "__main__":
    main()
