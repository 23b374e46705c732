"""Random streams: named ones independent of which others exist, and each person's own."""

from __future__ import annotations

import numpy as np
import pytest

from sim.model.rng import PersonKeys, PersonStream, Streams, group_word, run_key


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


def person_stream(seed: int = 5, start: int = 100, name: str = "x", width: int = 3):
    """A person stream over ``start`` people of the start population."""
    return PersonStream(run_key(seed), name, PersonKeys(start), width)


@pytest.mark.parametrize("others", [0, 1, 50])
def test_a_persons_draws_do_not_depend_on_anyone_elses(others: int) -> None:
    """Person 7's draws, past their first round and into later ones, are the same however
    many draws the others take before, between and after."""
    alone = person_stream()
    mine = [alone.exponential(7) for _ in range(10)]
    crowded = person_stream()
    drawn = []
    for k in range(10):
        for pid in range(others):
            if pid != 7:
                crowded.exponential(pid)
        drawn.append(crowded.exponential(7))
        for _ in range(k):
            crowded.uniform(8)
    assert drawn == mine


def test_people_processes_and_seeds_have_different_draws() -> None:
    a = person_stream()
    first = [a.exponential(pid) for pid in range(20)]
    assert len(set(first)) == 20
    assert person_stream(name="y").exponential(0) != first[0]
    assert person_stream(seed=6).exponential(0) != first[0]
    children = np.random.SeedSequence(7).spawn(2)
    assert run_key(children[0]).tolist() != run_key(children[1]).tolist()


def test_people_added_during_a_run_draw_by_their_group_and_rank_not_their_id() -> None:
    """The third child of a group draws the same whatever id the run gave them."""
    draws = []
    for pid in (120, 135):
        keys = PersonKeys(100)
        for other in range(100, pid):  # earlier additions elsewhere
            keys.add(other, group_word("elsewhere"))
        for serial in range(3):
            keys.add(pid + serial, group_word("birth:V01"))
        stream = PersonStream(run_key(5), "x", keys, 3)
        draws.append([stream.exponential(pid + 2) for _ in range(8)])
    assert draws[0] == draws[1]


def test_an_occasions_row_is_the_persons_whoever_else_is_drawn_for() -> None:
    stream = person_stream()
    a = stream.occasion(np.array([3, 7]), "call-up 0", 2)
    b = stream.occasion(np.array([7, 99, 0]), "call-up 0", 2)
    assert a[1].tolist() == b[0].tolist()
    assert a[0].tolist() != a[1].tolist()
    assert stream.occasion(np.array([7]), "call-up 1", 2)[0].tolist() != a[1].tolist()
    exponentials = stream.occasion(np.array([7]), "start", 2, exponential=True)
    assert (exponentials >= 0).all()


def test_person_draws_have_the_right_distribution() -> None:
    """Exponentials of mean and variance 1 and uniforms on [0, 1) of mean 1/2, over people
    and rounds (round 0 and later rounds alike): within 4 standard errors."""
    stream = person_stream(start=2_000, width=3)
    exponentials = np.array([stream.exponential(pid % 2_000) for pid in range(20_000)])
    uniforms = np.array([stream.uniform(pid % 2_000) for pid in range(20_000)])
    assert abs(exponentials.mean() - 1) < 4 / np.sqrt(20_000)
    # the sample variance's own variance is (mu4 - 1) / n, mu4 = 9 for the exponential
    assert abs(exponentials.var() - 1) < 4 * np.sqrt(8 / 20_000)
    assert abs(uniforms.mean() - 0.5) < 4 / np.sqrt(12 * 20_000)
    assert uniforms.min() >= 0 and uniforms.max() < 1
    indices = [stream.index(pid, 3) for pid in range(2_000)]
    assert set(indices) == {0, 1, 2}
