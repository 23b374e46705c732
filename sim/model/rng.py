"""Named random streams: one independent generator per process kind.

Why: if every process drew from one generator, switching a process off (or
adding one) would shift every later draw of every other process, and two
scenarios could no longer be compared on common random numbers. Each stream
is seeded from the run seed and a stable hash of its name, so the draws of
"migration" do not depend on whether "military" exists.

Draws are served from pre-drawn blocks: a scalar draw from a numpy Generator
costs about a microsecond, a list pop a few tens of nanoseconds, and the model
makes one or two draws per event.
"""

from __future__ import annotations

import zlib
from bisect import bisect_right
from itertools import accumulate

import numpy as np

_BLOCK = 512


def stream_seed(seed: int | np.random.SeedSequence, name: str) -> np.random.SeedSequence:
    """The seed sequence of stream ``name`` under run ``seed`` (stable across versions)."""
    entropy = seed.entropy if isinstance(seed, np.random.SeedSequence) else seed
    spawn_key = seed.spawn_key if isinstance(seed, np.random.SeedSequence) else ()
    return np.random.SeedSequence(entropy, spawn_key=(*spawn_key, zlib.crc32(name.encode())))


class Stream:
    """One process kind's random numbers: a numpy Generator plus fast scalar draws."""

    __slots__ = ("name", "generator", "_exp", "_uni")

    def __init__(self, seed: int | np.random.SeedSequence, name: str) -> None:
        self.name = name
        self.generator = np.random.Generator(np.random.PCG64(stream_seed(seed, name)))
        self._exp: list[float] = []
        self._uni: list[float] = []

    def exponential(self) -> float:
        """A standard exponential variate (mean 1)."""
        if not self._exp:
            self._exp.extend(self.generator.standard_exponential(_BLOCK).tolist())
        return self._exp.pop()

    def uniform(self) -> float:
        """A uniform variate on [0, 1)."""
        if not self._uni:
            self._uni.extend(self.generator.random(_BLOCK).tolist())
        return self._uni.pop()

    @property
    def exponentials(self) -> list[float]:
        """The pre-drawn exponentials, for the hottest handler to pop from directly.

        Pop only while it is not empty, else call :meth:`exponential` (which
        refills it in place, so a reference to this list stays valid).
        """
        return self._exp

    @property
    def uniforms(self) -> list[float]:
        """The pre-drawn uniforms, on the same terms as :attr:`exponentials`."""
        return self._uni

    def choice_index(self, weights: list[float]) -> int:
        """An index drawn with probability proportional to ``weights`` (a short list)."""
        cumulative = list(accumulate(weights))
        return bisect_right(cumulative, self.uniform() * cumulative[-1])


class Streams:
    """The run's streams, created on first use by name."""

    def __init__(self, seed: int | np.random.SeedSequence) -> None:
        self.seed = seed
        self._streams: dict[str, Stream] = {}

    def __getitem__(self, name: str) -> Stream:
        stream = self._streams.get(name)
        if stream is None:
            stream = self._streams[name] = Stream(self.seed, name)
        return stream
