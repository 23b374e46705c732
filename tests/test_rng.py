"""Random streams: one per process kind, independent of which others exist."""

from __future__ import annotations

import numpy as np

from sim.model.rng import Streams


def test_a_stream_does_not_depend_on_the_other_streams_used() -> None:
    alone = Streams(42)["migration"]
    crowded = Streams(42)
    crowded["military"].exponential()
    crowded["births"].uniform()
    together = crowded["migration"]
    assert [alone.exponential() for _ in range(1000)] == [
        together.exponential() for _ in range(1000)
    ]


def test_streams_differ_by_name_and_by_seed() -> None:
    a = [Streams(1)["a"].uniform() for _ in range(3)]
    assert Streams(1)["a"].uniform() == a[0]
    assert Streams(1)["b"].uniform() != a[0]
    assert Streams(2)["a"].uniform() != a[0]


def test_spawned_seed_sequences_give_independent_runs() -> None:
    children = np.random.SeedSequence(7).spawn(2)
    assert Streams(children[0])["x"].uniform() != Streams(children[1])["x"].uniform()
    again = np.random.SeedSequence(7).spawn(2)
    assert Streams(children[1])["x"].uniform() == Streams(again[1])["x"].uniform()


def test_buffered_draws_have_the_right_distribution() -> None:
    stream = Streams(3)["x"]
    exponentials = np.array([stream.exponential() for _ in range(20_000)])
    uniforms = np.array([stream.uniform() for _ in range(20_000)])
    # mean 1 and 1/2, standard errors 1/sqrt(n) and 1/sqrt(12 n)
    assert abs(exponentials.mean() - 1) < 4 / np.sqrt(20_000)
    assert abs(uniforms.mean() - 0.5) < 4 / np.sqrt(12 * 20_000)
    assert uniforms.min() >= 0 and uniforms.max() < 1
