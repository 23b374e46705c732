"""How tightly common random numbers pair a localised measure with the baseline.

Two measures on one village each (a Standing Committee member in charge of
white village V08; the household-economy measure in V03, both from July
2015) are run against the baseline on the same replications (child ``i`` of
``SeedSequence(seed)`` for both), at the assumed parameter values. For each
outcome the standard error of the mean paired difference (sd of the
per-replication differences / sqrt(reps)) is printed beside the standard
error the two ensembles would give if they were independent: the smaller the
ratio, the more the pairing removes of the noise. Issue 17 asks for the first
before and after per-person random streams, at the same number of runs.

Runs in whichever checkout provides ``sim`` (the "before" checkout has no copy
of this file: point ``PYTHONPATH`` at it and run this one).

``python -m benchmarks.pairing_bench [--reps 200] [--seed 1]``
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import numpy as np

import sim
from sim.experiments.ensemble import run_ensemble
from sim.inputs.scenario import Intervention

BASELINE = Path(sim.__file__).resolve().parents[1] / "data" / "nahy" / "scenarios" / "baseline.toml"
MEASURES = {
    "standing committee in V08": Intervention(
        "standing_committee_assignment", date(2015, 7, 1), 1.0, ("V08",)
    ),
    "household economy in V03": Intervention("household_economy", date(2015, 7, 1), 1.0, ("V03",)),
}
OUTCOMES = (
    "admissions_total",
    "members_at_horizon",
    "white_villages_at_horizon",
    "no_white_village_at_horizon",
)


def standard_errors(first: np.ndarray, second: np.ndarray) -> tuple[float, float, float]:
    """Mean difference (second - first), its paired standard error, and the standard error
    it would have if the two samples were independent."""
    a, b = first.astype(float), second.astype(float)
    n = len(a)
    paired = float(np.std(b - a, ddof=1)) / math.sqrt(n)
    unpaired = math.sqrt((np.var(a, ddof=1) + np.var(b, ddof=1)) / n)
    return float(np.mean(b - a)), paired, unpaired


def main(argv: Sequence[str] | None = None) -> dict[str, dict[str, tuple[float, float, float]]]:
    """Print, per measure and outcome, the mean difference and the two standard errors."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    baseline = sim.load_scenario(BASELINE)

    def runs(scenario: sim.Scenario):
        result = run_ensemble(
            scenario, args.reps, args.seed, out=None, quiet=True, posterior=None, workers=1
        )
        return result.replications.sort_values("replication").reset_index(drop=True)

    reference = runs(baseline)
    print(f"sim from {Path(sim.__file__).parent}; {args.reps} replications, seed {args.seed}")
    print(f"{'measure':28}{'outcome':30}{'difference':>11}{'paired SE':>11}{'unpaired SE':>13}")
    figures = {}
    for label, measure in MEASURES.items():
        treated = runs(baseline.with_interventions(measure))
        figures[label] = {}
        for outcome in OUTCOMES:
            diff, paired, unpaired = standard_errors(
                reference[outcome].to_numpy(), treated[outcome].to_numpy()
            )
            figures[label][outcome] = (diff, paired, unpaired)
            print(f"{label:28}{outcome:30}{diff:11.3f}{paired:11.4f}{unpaired:13.4f}")
    return figures


if __name__ == "__main__":
    main()
