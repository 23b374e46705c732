"""The sequential test of "chance >= p": its bounds, its looks and its exact error rates.

The error rates are computed exactly (the binomial distribution carried
from look to look, removing the paths that stopped), not simulated: at the
boundary (true chance = p) and beyond it, the chance of a wrong decision
must stay within 1 − confidence, as the union bound over the looks promises.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import binom

from sim.analysis.sequential import Decision, SequentialTest, looks, lower_bound, upper_bound


def test_looks_double_up_to_the_most() -> None:
    assert looks(20, 160) == (20, 40, 80, 160)
    assert looks(20, 100) == (20, 40, 80, 100)
    assert looks(5, 5) == (5,)
    with pytest.raises(ValueError):
        looks(20, 10)


def test_clopper_pearson_bounds_match_known_values() -> None:
    # 0 of 20: the one-sided 97.5 % upper bound is 1 − 0.025^(1/20) = 0.1684
    assert upper_bound(0, 20, 0.025) == pytest.approx(1 - 0.025 ** (1 / 20))
    assert lower_bound(20, 20, 0.025) == pytest.approx(0.025 ** (1 / 20))
    assert lower_bound(0, 20, 0.025) == 0.0 and upper_bound(20, 20, 0.025) == 1.0
    # the bound is where the binomial tail has probability `level`
    low = lower_bound(16, 20, 0.05)
    assert binom.sf(15, 20, low) == pytest.approx(0.05)
    high = upper_bound(16, 20, 0.05)
    assert binom.cdf(16, 20, high) == pytest.approx(0.05)


def test_decisions_at_a_look() -> None:
    test = SequentialTest(0.8, looks(20, 160))
    assert test.level == pytest.approx(0.05 / 4)
    assert test.decide(20, 20) is Decision.REACHES
    assert test.decide(16, 20) is Decision.UNSETTLED  # a point estimate of 80 % proves nothing
    assert test.decide(8, 20) is Decision.FALLS_SHORT
    assert test.next_size(20) == 40 and test.next_size(160) is None


def chance_of(test: SequentialTest, truth: float) -> dict[Decision, float]:
    """Exact probability of each final decision when every run reaches with ``truth``."""
    alive = np.array([1.0])  # P(k successes so far and still open), k = 0..n
    runs = 0
    ends = dict.fromkeys(Decision, 0.0)
    for size in test.sizes:
        step = binom.pmf(np.arange(size - runs + 1), size - runs, truth)
        alive = np.convolve(alive, step)
        runs = size
        for k in range(runs + 1):
            decision = test.decide(k, runs)
            if decision is not Decision.UNSETTLED or size == test.sizes[-1]:
                ends[decision] += alive[k]
                alive[k] = 0.0
    return ends


@pytest.mark.parametrize("p", [0.5, 0.8, 0.9])
@pytest.mark.parametrize("sizes", [(20, 40, 80, 160), (100,), (10, 20, 40, 80, 160, 320)])
def test_wrong_decisions_stay_within_one_minus_confidence(p: float, sizes: tuple) -> None:
    test = SequentialTest(p, sizes, confidence=0.95)
    for truth in (p - 0.05, p - 1e-9):  # below p: "reaches" would be wrong
        assert chance_of(test, truth)[Decision.REACHES] <= 0.05
    for truth in (p, min(p + 0.05, 1.0)):  # at or above p: "falls short" would be wrong
        assert chance_of(test, truth)[Decision.FALLS_SHORT] <= 0.05
    assert sum(chance_of(test, p).values()) == pytest.approx(1.0)


def test_a_clear_difference_is_settled() -> None:
    test = SequentialTest(0.8, looks(20, 160))
    assert chance_of(test, 0.95)[Decision.REACHES] > 0.95
    assert chance_of(test, 0.6)[Decision.FALLS_SHORT] > 0.95
