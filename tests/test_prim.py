"""PRIM (sim.analysis.prim): known answers, and EMA Workbench's trajectory step for step.

The reference trajectory ``tests/reference/ema_workbench_prim.csv`` was made
by EMA Workbench 2.5.3 (numpy 2.4.6, pandas 3.1.1) on the runs
:func:`reference_runs` makes, with::

    engine = ema_workbench.analysis.prim.Prim(x, y.astype(int), threshold=0.5)
    box = engine.find_box()   # box.peeling_trajectory: coverage, density, mass, res_dim

Our port must find the same boxes, so its trajectory must equal that one
(to rounding), step for step.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.analysis.prim import MASS_MIN, Prim, quantile
from tests.conftest import REPO

REFERENCE = REPO / "tests" / "reference" / "ema_workbench_prim.csv"


def reference_runs() -> tuple[pd.DataFrame, np.ndarray]:
    """800 runs, 4 parameters; fail (90 %) when a > 0.7 and b < 0.4, plus 5 % noise."""
    rng = np.random.default_rng(20261203)
    x = pd.DataFrame(rng.random((800, 4)), columns=["a", "b", "c", "d"])
    noise = rng.random(800)
    y = (((x.a > 0.7) & (x.b < 0.4)).to_numpy() & (noise < 0.9)) | (noise > 0.95)
    return x, y


def test_the_trajectory_is_ema_workbenchs() -> None:
    x, y = reference_runs()
    box = Prim(x, y).find_box()
    ours = box.peeling_trajectory
    theirs = pd.read_csv(REFERENCE)
    assert len(ours) == len(theirs)
    for column in ("coverage", "density", "mass"):
        np.testing.assert_allclose(ours[column], theirs[column], rtol=0, atol=1e-9)
    assert ours["res dim"].tolist() == theirs["restricted"].tolist()


def test_sdtoolkit_quantile() -> None:
    values = np.arange(100.0)
    assert quantile(values, 0.05) == pytest.approx(4.5)  # between the 5th and 6th values
    assert quantile(values, 0.95) == pytest.approx(94.5)
    tied = np.array([0.0, 1, 1, 1, 1, 2])
    assert quantile(tied, 0.3) == pytest.approx(1.5)  # moved past the ties, never through them
    assert quantile(tied, 0.7) == pytest.approx(0.5)


def test_a_sharp_region_is_found_with_its_limits() -> None:
    """Failure iff a > 0.7 and b < 0.4 (no noise): the final box is that region, density 1."""
    rng = np.random.default_rng(5)
    n = 2000
    x = pd.DataFrame(rng.random((n, 4)), columns=["a", "b", "c", "d"])
    y = ((x.a > 0.7) & (x.b < 0.4)).to_numpy()
    box = Prim(x, y).find_box()
    assert box.density == 1.0
    inside = y.sum()
    assert box.coverage >= 0.85  # the last peels may shave a few failures at the edges
    limits = box.limits
    significant = limits[limits["qp values"] < 0.05]
    assert set(significant.index) == {"a", "b"}
    # a limit lies within a few runs' spacing of the truth: the spacing of n uniform values
    # is 1/n, and a 5 % peel of the final box (about `inside` runs) moves it by < 0.05 x 0.3
    assert significant.loc["a", "min"] == pytest.approx(0.7, abs=0.02)
    assert significant.loc["b", "max"] == pytest.approx(0.4, abs=0.02)
    assert box.mass >= MASS_MIN and box.mass == pytest.approx(len(box.yi) / n)
    assert inside == pytest.approx(0.3 * 0.4 * n, rel=0.15)


def test_every_step_peels_about_alpha_and_the_statistics_match_the_runs() -> None:
    x, y = reference_runs()
    box = Prim(x, y).find_box()
    trajectory = box.peeling_trajectory
    for step in range(len(trajectory)):
        box.select(step)
        inside = box.yi
        assert box.density == pytest.approx(y[inside].mean())
        assert box.coverage == pytest.approx(y[inside].sum() / y.sum())
    peeled = trajectory["mass"].to_numpy()
    shrink = peeled[1:] / peeled[:-1]
    assert ((shrink < 1) | (shrink > 1)).all()  # every step peels or pastes
    assert np.median(shrink[shrink < 1]) == pytest.approx(0.95, abs=0.01)


def test_dropping_a_restriction_widens_the_box() -> None:
    x, y = reference_runs()
    box = Prim(x, y).find_box()
    before = len(box.yi)
    noise = [name for name in box.limits.index if name in ("c", "d")]
    assert noise, "the last box restricts a noise parameter"
    assert box.limits.loc[noise[0], "qp values"] > 0.05  # and says it does not matter
    box.drop_restriction(noise[0])
    assert noise[0] not in box.limits.index and len(box.yi) > before


def test_a_second_box_is_looked_for_outside_the_first() -> None:
    x, y = reference_runs()
    engine = Prim(x, y)
    first = engine.find_box()
    second = engine.find_box()
    assert second is not None
    assert not set(first.yi) & set(second.steps[0][1])
