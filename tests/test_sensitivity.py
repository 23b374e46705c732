"""Global sensitivity: the SALib wrapper against known indices, and a small model run."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sim
from sim.analysis.sensitivity import OUTPUTS, load_sensitivity, run_sensitivity, sensitivity_indices
from sim.inputs.priors import Prior
from sim.presentation.analysis_plots import plot_sensitivity
from tests.calibration_support import scenario, small_commune

PI = np.pi
ISHIGAMI_PRIORS = [Prior(f"x{i}", "uniform", -PI, PI) for i in (1, 2, 3)]


def ishigami(x: np.ndarray, a: float = 7.0, b: float = 0.1) -> dict[str, np.ndarray]:
    return {"y": np.sin(x[:, 0]) + a * np.sin(x[:, 1]) ** 2 + b * x[:, 2] ** 4 * np.sin(x[:, 0])}


def ishigami_indices(a: float = 7.0, b: float = 0.1) -> tuple[list[float], list[float]]:
    """The analytical first-order and total indices (Ishigami & Homma 1990; Sobol' 1999)."""
    v1 = 0.5 * (1 + b * PI**4 / 5) ** 2
    v2 = a**2 / 8
    v13 = b**2 * PI**8 * (1 / 18 - 1 / 50)
    total = v1 + v2 + v13
    return [v1 / total, v2 / total, 0.0], [(v1 + v13) / total, v2 / total, v13 / total]


def test_sobol_indices_of_the_ishigami_function() -> None:
    s1, st = ishigami_indices()
    assert s1 == pytest.approx([0.3139, 0.4424, 0.0], abs=1e-4)
    assert st == pytest.approx([0.5576, 0.4424, 0.2437], abs=1e-4)
    indices, samples = sensitivity_indices(ISHIGAMI_PRIORS, ishigami, "sobol", n=2048, seed=1)
    assert len(samples) == 2048 * (3 + 2)
    for j, row in enumerate(indices.itertuples(index=False)):
        # within the bootstrap 95 % interval, with a little room for its own noise
        assert abs(row.S1 - s1[j]) <= 1.2 * row.S1_conf + 0.005, row
        assert abs(row.ST - st[j]) <= 1.2 * row.ST_conf + 0.005, row
        assert row.S1_conf < 0.08 and row.ST_conf < 0.08  # and the intervals are informative


def test_morris_screening_of_a_linear_function() -> None:
    """Elementary effects of y = 3 x1 - 2 x3 on [0, 2]: |coefficient| x range, no spread."""
    priors = [Prior(f"x{i}", "uniform", 0.0, 2.0) for i in (1, 2, 3)]
    indices, samples = sensitivity_indices(
        priors, lambda x: {"y": 3 * x[:, 0] - 2 * x[:, 2]}, "morris", n=10, seed=2
    )
    assert len(samples) == 10 * (3 + 1)
    assert indices["mu_star"].tolist() == pytest.approx([6.0, 0.0, 4.0])
    assert indices["mu"].tolist() == pytest.approx([6.0, 0.0, -4.0])
    assert indices["sigma"].tolist() == pytest.approx([0.0, 0.0, 0.0], abs=1e-9)


def test_design_sizes_are_checked() -> None:
    with pytest.raises(sim.InputError, match="power of two"):
        sensitivity_indices(ISHIGAMI_PRIORS, ishigami, "sobol", n=100)
    with pytest.raises(sim.InputError, match="allowed: sobol, morris"):
        sensitivity_indices(ISHIGAMI_PRIORS, ishigami, "fast", n=8)


def test_a_small_morris_screening_of_the_model_is_stored_and_drawn(tmp_path: Path) -> None:
    s = scenario(small_commune(tmp_path / "commune"), horizon="2017-12-31")
    result = run_sensitivity(s, "morris", 3, seed=1, out=tmp_path / "out", workers=1, quiet=True)
    assert len(result.samples) == 3 * (2 + 1)
    assert set(result.indices["output"]) == set(OUTPUTS)
    assert set(result.indices["parameter"]) == {"spotting_rate_cell", "leave_hazard_young"}
    loaded = load_sensitivity(tmp_path / "out")
    pd.testing.assert_frame_equal(loaded.indices, result.indices)
    assert loaded.manifest["runs"] == 9
    figure = plot_sensitivity(tmp_path / "out")
    assert figure.stat().st_size > 10_000
    with pytest.raises(sim.InputError, match="at least two"):
        run_sensitivity(s.with_priors({}), "morris", 3, workers=1)
