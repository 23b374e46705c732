"""The default calibration of Nà Hỳ on 2 cores: wall time, runs, and what it found.

``data/nahy/scenarios/calibrate-2017.toml`` with the default settings
(:class:`sim.analysis.calibration.Settings`: 150 particles, a budget of 2,000 runs,
20 pilot runs, 150 posterior-predictive runs) on 2 local worker processes,
from scratch in a temporary folder. Target (issue 6): a few minutes.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import sim
from sim.analysis.calibration import Settings, calibrate

SCENARIO = (
    Path(__file__).resolve().parents[1] / "data" / "nahy" / "scenarios" / "calibrate-2017.toml"
)


def measure(workers: int = 2) -> dict:
    """Run the default calibration once and return its figures."""
    scenario = sim.load_scenario(SCENARIO)
    settings = Settings(seed=scenario.seed or 0)
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        result = calibrate(scenario, Path(folder) / "out", settings, workers=workers, quiet=True)
        wall = time.perf_counter() - started
        diagnostics = result.diagnostics
        return {
            "wall_s": wall,
            "runs": int(result.manifest["timings"]["runs_this_call"]),
            "generations": int(result.summary["generations"]),
            "tolerance": float(result.summary["tolerance"]),
            "ess": float(result.summary["ess"]),
            "acceptance": float(result.summary["acceptance_rate"]),
            "stop_reason": result.summary["stop_reason"],
            "acceptance_by_generation": diagnostics["acceptance_rate"].round(3).tolist(),
            "particles": len(result.posterior),
        }


def main() -> None:
    """Print the figures."""
    f = measure()
    print("Default calibration of data/nahy/scenarios/calibrate-2017.toml on 2 worker processes")
    print(f"  wall time           {f['wall_s']:8.1f} s   (target: a few minutes)")
    print(f"  model runs          {f['runs']:8d}   ({f['wall_s'] / f['runs'] * 1000:.0f} ms a run)")
    print(f"  generations         {f['generations']:8d}   ({f['stop_reason']})")
    print(f"  final tolerance     {f['tolerance']:8.3f}")
    print(f"  ESS                 {f['ess']:8.1f}   of {f['particles']} particles")
    by_generation = ", ".join(f"{a:.2f}" for a in f["acceptance_by_generation"])
    print(f"  acceptance rate     {f['acceptance']:8.3f}   (by generation: {by_generation})")


if __name__ == "__main__":
    main()
