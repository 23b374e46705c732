"""A small commune for calibration tests: the fixture's three villages with Nà Hỳ's rates.

The fixture commune of ``conftest.py`` has placeholder rates under which
nobody is ever admitted; with Nà Hỳ's ``parameters.csv`` its 1,000 people
behave like a small Nà Hỳ and a run to 2019 takes a few hundredths of a
second, so a calibration of a few hundred runs fits in a test. It admits as
a flow (``plan_driven`` off): under a yearly plan of one per cell its
admissions would be capped by the plan and say little about the spotting
rate, which is the identifiability question of calibration itself, not of
the machinery these tests check.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np

import sim
from sim.observed import measure_plan, observations
from tests.conftest import NAHY, write_commune

#: The synthetic truth the recovery test must find again.
TRUTH = {"spotting_rate_cell": 0.024, "leave_hazard_young": 0.05}
PRIORS = {
    "spotting_rate_cell": {"dist": "loguniform", "low": 0.003, "high": 0.1},
    "leave_hazard_young": {"dist": "loguniform", "low": 0.01, "high": 0.2},
}
HORIZON = "2019-12-31"
#: Observed figures the synthetic observation fills in: yearly admissions, and stocks at the end.
ROWS = (
    [("admissions", f"{y}-01-01", f"{y}-12-31") for y in (2016, 2017, 2018, 2019)]
    + [("population", f"{y}-12-01", f"{y}-12-01") for y in (2016, 2017, 2018, 2019)]
    + [("party_members", f"{y}-12-01", f"{y}-12-01") for y in (2017, 2019)]
)


def write_observed(folder: Path, values: list[float]) -> None:
    lines = ["metric,date_from,date_to,value,source,note"]
    lines += [f"{m},{a},{b},{v:g},synthetic," for (m, a, b), v in zip(ROWS, values, strict=True)]
    (folder / "observed.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")


def small_commune(folder: Path) -> Path:
    """The fixture commune with Nà Hỳ's parameters and placeholder observations."""
    commune = write_commune(folder)
    shutil.copy(NAHY / "parameters.csv", commune / "parameters.csv")
    toml = commune / "commune.toml"
    toml.write_text(
        toml.read_text(encoding="utf-8").replace("plan_driven = true", "plan_driven = false"),
        encoding="utf-8",
    )
    write_observed(commune, [0.0] * len(ROWS))
    return commune


def scenario(commune: Path, priors: dict | None = None, horizon: str = HORIZON) -> sim.Scenario:
    return sim.scenario_from_dict(
        {
            "name": "synthetic",
            "description": "calibration test",
            "commune": str(commune),
            "horizon": horizon,
            "seed": 3,
            "priors": PRIORS if priors is None else priors,
        }
    )


def synthetic_commune(folder: Path, seed: int) -> Path:
    """A small commune whose observed.csv is one run of the model at :data:`TRUTH`."""
    commune = small_commune(folder)
    s = scenario(commune)
    used, _ = observations(s)
    values = measure_plan(s, used).measure(sim.run(s.with_parameters(**TRUTH), seed).record)
    write_observed(commune, list(np.asarray(values, float)))
    return commune
