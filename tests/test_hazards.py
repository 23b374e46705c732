"""Inverting piecewise-constant hazards: the basis of every drawn event time."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.model.hazards import AgeProfile


def test_constant_hazard_gives_age_plus_clock_over_rate() -> None:
    profile = AgeProfile([0.0], [0.2])
    assert profile.age_at(30.0, 1.0) == pytest.approx(35.0)
    assert profile.age_at(30.0, 1.0, multiplier=2.0) == pytest.approx(32.5)


def test_a_window_of_hazard_is_entered_at_its_start_and_can_be_missed() -> None:
    profile = AgeProfile.from_bands([(16, 31, 0.1)])
    assert profile.age_at(10.0, 0.5) == pytest.approx(21.0)  # waits until 16, then 0.5/0.1
    assert profile.age_at(10.0, 1.5) == math.inf  # the window holds only 1.5 in all: just missed
    assert profile.age_at(40.0, 0.01) == math.inf


def test_a_zero_multiplier_never_fires() -> None:
    assert AgeProfile([0.0], [1.0]).age_at(5.0, 0.1, multiplier=0.0) == math.inf


@pytest.mark.known_answer
def test_draws_follow_the_survival_function() -> None:
    """P(event before age a | alive at a0) = 1 - exp(-(H(a) - H(a0))): check at two ages with
    binomial bounds over 20,000 clocks."""
    profile = AgeProfile([0.0, 20.0, 40.0], [0.01, 0.05, 0.02])
    rng = np.random.default_rng(1)
    clocks = rng.standard_exponential(20_000)
    ages = profile.ages_at(np.full(20_000, 10.0), clocks, np.ones(20_000))
    for age in (25.0, 60.0):
        p = 1 - math.exp(-(profile.cumulative_at(age) - profile.cumulative_at(10.0)))
        observed = np.mean(ages < age)
        assert abs(observed - p) < 4 * math.sqrt(p * (1 - p) / 20_000)


def test_vectorised_and_scalar_inversions_agree() -> None:
    profile = AgeProfile.from_bands([(16, 18, 0.3), (18, 31, 0.05), (31, 200, 0.01)])
    rng = np.random.default_rng(2)
    ages = rng.uniform(0, 80, 500)
    clocks = rng.standard_exponential(500)
    multipliers = rng.uniform(0.5, 1.5, 500)
    vectorised = profile.ages_at(ages, clocks, multipliers)
    scalar = [profile.age_at(a, c, m) for a, c, m in zip(ages, clocks, multipliers, strict=True)]
    assert np.allclose(vectorised, scalar, equal_nan=False)


def test_bad_profiles_are_refused() -> None:
    with pytest.raises(ValueError):
        AgeProfile([0.0, 10.0], [0.1])
    with pytest.raises(ValueError):
        AgeProfile([0.0, 10.0], [0.1, -0.1])
    with pytest.raises(ValueError):
        AgeProfile.from_bands([(0, 10, 0.1), (5, 20, 0.1)])
