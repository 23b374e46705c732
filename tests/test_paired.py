"""Paired intervals: Tango's score interval against R's PropCIs, and its edge cases."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.analysis.paired import paired_mean, paired_proportion, tango_interval
from sim.experiments.summary import Z95


def test_tango_matches_propcis() -> None:
    """``PropCIs::scoreci.mp(25, 28, 618, 0.90)`` -> [-0.0148, 0.0247] (estimand (28 - 25)/618);
    ``scoreci.mp(41, 48, 549, 0.90)`` -> [-1.57, +4.14] percentage points."""
    low, high = tango_interval(28, 25, 618, level=0.90)
    assert (round(low, 4), round(high, 4)) == (-0.0148, 0.0247)
    low, high = tango_interval(48, 41, 549, level=0.90)
    assert (round(low * 100, 2), round(high * 100, 2)) == (-1.57, 4.14)


def test_no_discordant_pair_gives_the_closed_form() -> None:
    """With b = c = 0 the score equation solves to ±z²/(n + z²)."""
    for n in (4, 10, 200):
        low, high = tango_interval(0, 0, n)
        bound = Z95**2 / (n + Z95**2)
        assert low == pytest.approx(-bound, abs=1e-9)
        assert high == pytest.approx(bound, abs=1e-9)


@pytest.mark.parametrize("gained, lost, n", [(3, 0, 10), (0, 10, 10), (10, 0, 10), (7, 2, 40)])
def test_tango_brackets_its_estimate_and_mirrors(gained: int, lost: int, n: int) -> None:
    low, high = tango_interval(gained, lost, n)
    assert -1 <= low <= (gained - lost) / n <= high <= 1
    mirrored = tango_interval(lost, gained, n)
    assert mirrored[0] == pytest.approx(-high, abs=1e-9)
    assert mirrored[1] == pytest.approx(-low, abs=1e-9)


def test_tango_rejects_impossible_counts() -> None:
    for args in ((-1, 0, 10), (6, 6, 10), (0, 0, 0)):
        with pytest.raises(ValueError):
            tango_interval(*args)


def test_paired_columns() -> None:
    first = np.array([True, True, False, False, True])
    second = np.array([True, False, True, True, True])
    diff = paired_proportion(first, second)
    assert (diff.gained, diff.lost, diff.n) == (2, 1, 5)
    assert diff.estimate == pytest.approx(0.2)
    same = paired_mean(np.array([3.0, 5.0, 7.0]), np.array([3.0, 5.0, 7.0]))
    assert (same.estimate, same.low, same.high) == (0.0, 0.0, 0.0)
    one = paired_mean(np.array([1.0]), np.array([2.0]))
    assert one.estimate == 1.0 and math.isinf(one.high)
