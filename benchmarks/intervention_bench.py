"""What measures cost one run: wall time, peak memory and events with 0 to 1,000 of them.

Two layouts (issue 16): measures of every kind, each on one village, starting
on the first of a month spread over the term (about 14 at each date); and
measures covering the whole commune, all starting the same day. A measure
costs the redraw of the clocks it changes; before issue 16 measures starting
together redrew every clock once per measure, and the stale clocks filled the
queue (1,000 whole-commune measures on one day: about 9 s and a 280 MiB peak
on a 2-core machine, against 0.7 s and 5 MiB since).

The peak is of the memory Python allocates during the run (``tracemalloc``,
in a second run: tracing slows it down).

``python -m benchmarks.intervention_bench [--counts 0 10 100 1000]``
"""

from __future__ import annotations

import argparse
import time
import tracemalloc
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import sim
from sim.inputs.measures import COMMUNE
from sim.inputs.scenario import Intervention

BASELINE = Path(__file__).resolve().parents[1] / "data" / "nahy" / "scenarios" / "baseline.toml"
#: the term's months, 2015-01 to 2020-12
MONTHS = 72


def spread(base: sim.Scenario, n: int) -> sim.Scenario:
    """``n`` small measures of every kind, each on one village (the whole commune for a
    measure that acts only on it), on the first of the months."""
    villages, measures = [v.id for v in base.commune.villages], list(base.commune.measures)
    whole = {name for name, m in base.commune.measures.items() if m.targets == COMMUNE}
    return base.with_interventions(
        *(
            Intervention(
                measures[i % len(measures)],
                date(2015 + (i % MONTHS) // 12, (i % MONTHS) % 12 + 1, 1),
                0.01,
                None
                if measures[i % len(measures)] in whole
                else (villages[(i // len(measures)) % len(villages)],),
            )
            for i in range(n)
        )
    )


def same_day(base: sim.Scenario, n: int) -> sim.Scenario:
    """``n`` small measures of every kind covering the whole commune, all from 2016-01-01."""
    measures = list(base.commune.measures)
    return base.with_interventions(
        *(Intervention(measures[i % len(measures)], date(2016, 1, 1), 0.01) for i in range(n))
    )


def measure(scenario: sim.Scenario) -> tuple[float, float, int]:
    """Wall seconds, traced peak MiB and events of one run (seed 1)."""
    started = time.perf_counter()
    result = sim.run(scenario, seed=1)
    wall = time.perf_counter() - started
    tracemalloc.start()
    try:
        sim.run(scenario, seed=1)
        peak = tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()
    return wall, peak, int(result.metadata["events"])


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--counts", type=int, nargs="+", default=[0, 10, 100, 1000])
    args = parser.parse_args(argv)
    base = sim.load_scenario(BASELINE)
    sim.run(base, seed=1)  # warm caches and imports
    print(f"  {'layout':<10}{'measures':>9}{'wall':>10}{'peak':>11}{'events':>10}")
    for name, layout in (("spread", spread), ("same day", same_day)):
        for n in args.counts:
            wall, peak, events = measure(layout(base, n))
            print(f"  {name:<10}{n:>9}{wall:>9.3f}s{peak:>7.1f} MiB{events:>10}")


if __name__ == "__main__":
    main()
