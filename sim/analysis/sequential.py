"""Is a chance at least ``p``? A sequential test on runs added in stages.

The search (:mod:`sim.analysis.what_it_takes`) asks of each candidate mix
"does it reach the target with probability at least ``p``?", and must not
answer from a point estimate: among many noisy estimates the one that
happens to clear ``p`` is often a lucky one (the winner's curse). So a mix
near the threshold gets more runs until the question is settled at a stated
confidence, or the runs allowed to it are spent.

Why this test:

- **Looks at doubling sizes** (``first, 2·first, 4·first, ...`` up to
  ``most``, :func:`looks`): few looks, each worth its runs; a mix far from
  ``p`` is settled at the first look, one near it gets the runs it needs.
- **Exact one-sided Clopper–Pearson bounds, Bonferroni over the looks.**
  At each of the ``L`` looks the bounds have level ``α / L``
  (``α = 1 − confidence``). "Reaches" is declared when the lower bound is at
  least ``p``, "falls short" when the upper bound is below ``p``. The chance
  of ever declaring "reaches" for a mix whose true chance is below ``p`` is
  then at most ``α`` (the union bound over the looks; in practice well
  below, since the looks are nested), and likewise for "falls short".
  Clopper–Pearson rather than Wilson because its coverage is guaranteed,
  not only on average; Bonferroni rather than an alpha-spending function
  because it needs no assumption about when the looks fall and is easy to
  state.
- A mix whose question is still open at the last look is **unsettled**: the
  answer says so, with its interval, rather than rounding it either way.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from scipy.stats import beta

#: The default confidence of every decision.
DEFAULT_CONFIDENCE = 0.95


class Decision(enum.Enum):
    """What the runs so far say about "chance >= p"."""

    REACHES = "reaches"
    FALLS_SHORT = "falls short"
    UNSETTLED = "unsettled"


def looks(first: int, most: int) -> tuple[int, ...]:
    """Cumulative run counts at which the test looks: ``first`` doubling up to ``most``.

    >>> looks(20, 160)
    (20, 40, 80, 160)
    >>> looks(20, 100)
    (20, 40, 80, 100)
    """
    if first < 1 or most < first:
        raise ValueError(f"need 1 <= first <= most, got first={first}, most={most}")
    sizes = [first]
    while sizes[-1] < most:
        sizes.append(min(most, 2 * sizes[-1]))
    return tuple(sizes)


def lower_bound(successes: int, runs: int, level: float) -> float:
    """One-sided Clopper–Pearson lower bound: P(bound > true chance) <= ``level``."""
    if successes == 0:
        return 0.0
    return float(beta.ppf(level, successes, runs - successes + 1))


def upper_bound(successes: int, runs: int, level: float) -> float:
    """One-sided Clopper–Pearson upper bound: P(bound < true chance) <= ``level``."""
    if successes == runs:
        return 1.0
    return float(beta.ppf(1.0 - level, successes + 1, runs - successes))


@dataclass(frozen=True)
class SequentialTest:
    """The sequential test of "chance >= ``p``" with ``confidence``, looking at ``sizes``."""

    p: float
    sizes: tuple[int, ...]
    confidence: float = DEFAULT_CONFIDENCE

    @property
    def level(self) -> float:
        """Each look's one-sided level: ``(1 − confidence) / looks``."""
        return (1.0 - self.confidence) / len(self.sizes)

    def bounds(self, successes: int, runs: int) -> tuple[float, float]:
        """The look's lower and upper bounds (each one-sided at :attr:`level`)."""
        return lower_bound(successes, runs, self.level), upper_bound(successes, runs, self.level)

    def decide(self, successes: int, runs: int) -> Decision:
        """The decision after ``runs`` runs (a look size, or more), ``successes`` reaching."""
        low, high = self.bounds(successes, runs)
        if low >= self.p:
            return Decision.REACHES
        if high < self.p:
            return Decision.FALLS_SHORT
        return Decision.UNSETTLED

    def next_size(self, runs: int) -> int | None:
        """The next look after ``runs`` runs, or ``None`` when the last look is done."""
        return next((n for n in self.sizes if n > runs), None)
