"""Semi-automatic summaries (sim/analysis/summaries.py): each parameter's guess from the figures."""

from __future__ import annotations

import numpy as np
import pytest

from sim.analysis.summaries import LOGISTIC_SD, fit_projection, to_logit
from sim.inputs.priors import Prior

PRIORS = [Prior("a", "uniform", 0.0, 1.0), Prior("b", "loguniform", 0.01, 1.0)]


def draws(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Prior draws and figures: figure 1 tells a, figure 2 tells b, figure 3 never varies."""
    rng = np.random.default_rng(seed)
    theta = np.column_stack([p.ppf(rng.random(n)) for p in PRIORS])
    z = to_logit(PRIORS, theta)
    noise = rng.standard_normal((n, 2)) * 0.1
    figures = np.column_stack([z[:, 0] + noise[:, 0], 2.0 * z[:, 1] + noise[:, 1], np.zeros(n)])
    return theta, figures


def test_the_logit_position_is_standard_logistic_under_the_prior() -> None:
    theta, _ = draws(20_000, 1)
    z = to_logit(PRIORS, theta)
    # the sd of 20,000 logistic draws is within 3 % of pi / sqrt(3) (about 5 standard errors)
    assert z.std(axis=0) == pytest.approx([LOGISTIC_SD] * 2, rel=0.03)
    assert np.isfinite(to_logit(PRIORS, np.array([[0.0, 0.01], [1.0, 1.0]]))).all()


def test_each_parameter_is_guessed_from_the_figure_that_tells_it() -> None:
    theta, figures = draws(400, 2)
    projection = fit_projection(PRIORS, theta, figures)  # misses against a record of zeros
    slopes = projection.slopes
    # a = figure 1, b = figure 2 / 2: least squares recovers the slopes to within the noise
    assert slopes[0, 0] == pytest.approx(1.0, abs=0.02)
    assert slopes[1, 1] == pytest.approx(0.5, abs=0.01)
    assert abs(slopes[0, 1]) < 0.02 and abs(slopes[1, 0]) < 0.02
    assert (slopes[2] == 0).all()  # a figure that never varies gets no slope
    assert projection.r_squared == pytest.approx([1.0, 1.0], abs=0.01)


def test_a_run_that_hits_the_record_is_at_distance_zero_and_misses_grow_with_the_guess() -> None:
    theta, figures = draws(400, 3)
    projection = fit_projection(PRIORS, theta, figures)
    hit, off_a, off_noise = np.zeros(3), np.array([1.8, 0, 0]), np.array([0, 0, 5.0])
    d = projection.distances(np.stack([hit, off_a, off_noise]))
    assert d[0] == pytest.approx(0.0, abs=1e-12)
    # missing by one prior spread of a's logit moves a's guess by one spread: d = sqrt(1/2)
    assert d[1] == pytest.approx(np.sqrt(0.5) * 1.8 / LOGISTIC_SD, rel=0.03)
    assert d[2] == 0.0  # the figure that never varied does not count


def test_a_parameter_no_figure_tells_is_left_out_of_the_distance() -> None:
    """c moves no figure: its R^2 is chance's, below the 99 % quantile of Beta(k/2, (n-k-1)/2)
    with probability 0.99, whatever the seed; a and b, explained almost fully, count."""
    priors = [*PRIORS, Prior("c", "uniform", 0.0, 1.0)]
    theta, figures = draws(400, 5)
    c = np.random.default_rng(6).random(400)
    projection = fit_projection(priors, np.column_stack([theta, c]), figures)
    assert projection.used.tolist() == [True, True, False]
    record = projection.to_dict(["a", "b", "c"], ["f1", "f2", "f3"])
    assert record["counted"] == ["a", "b"]
