"""Settling a search's answer: more runs where it is close, fresh runs for the winner.

The screening part of the search (:mod:`sim.analysis.what_it_takes`) gives
every mix it proposes a first look of runs. Picking the cheapest mix whose
point estimate clears ``p`` would favour mixes that were lucky (the winner's
curse: the best of many noisy scores is biased upwards). Here instead:

1. **Race on common random numbers.** Mixes get more runs, look by look
   (:mod:`sim.analysis.sequential`), until "does it reach ``p``?" is settled
   at the stated confidence, or their runs or the search's budget are
   spent. The race goes in rounds: every mix still open and cheaper than the
   best shown to reach ``p`` so far gets its next look, the cheapest first,
   so a mix that falls short drops out as soon as its runs show it and the
   rest of the budget goes to mixes that could still change the answer. The
   cheapest mix shown to reach ``p`` is the candidate. Every mix's
   replication ``i`` has the same seed (and, under a posterior, the same
   drawn parameters), so differences between mixes are not
   run-to-run noise. A mix left open when the runs are spent is listed as
   such: it might reach ``p`` too.
2. **Fresh seeds for the figure reported.** The candidate is re-run on
   replications it was not chosen on (numbered from :data:`FRESH`, which the
   selection never reaches), a fixed number of them in one look, and those
   runs give the chance the answer reports. They are independent of the
   choice and their number does not depend on what they show, so the figure
   is unbiased (a sequential look would not be: stopping when the runs look
   good biases the estimate at the stop), and "reaches ``p`` with 95 %
   confidence" rests on one exact one-sided bound. A candidate shown to fall
   short on fresh runs is rejected and the race goes on to the next mix.
3. **Both kinds of uncertainty.** When the runs draw their parameters from a
   posterior, the winner can also be re-run at the assumed values (stream
   :data:`ASSUMED`, the same fresh replications without the draws), so the
   answer shows the chance with and without parameter uncertainty.

Every run's answer (reached the target or not) is kept by mix, stream and
replication in a :class:`RunBook` (one small JSON file per mix in the
search's folder), so a resumed search runs nothing twice and an interrupted
one loses at most the look in progress.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.analysis.search_space import Mix
from sim.analysis.sequential import Decision, SequentialTest
from sim.experiments.store import write_json_atomic
from sim.experiments.summary import wilson_interval
from sim.inputs.scenario import Scenario

#: The first replication of the fresh streams: the selection's runs are numbered below it.
FRESH = 1_000_000_000

#: The streams of runs a mix can have: those it is chosen on, fresh ones (same parameters
#: source), and fresh ones at the assumed values.
SELECTION, FRESH_RUNS, ASSUMED = "selection", "fresh", "assumed"
STREAMS = (SELECTION, FRESH_RUNS, ASSUMED)

#: What scores a mix: (the scenario with the mix applied, the mix, the stream, the
#: replications to run) -> whether each reached the target.
Evaluate = Callable[[Scenario, Mix, str, Sequence[int]], Sequence[bool]]


def first_replication(stream: str) -> int:
    """Where a stream's replications are numbered from."""
    return 0 if stream == SELECTION else FRESH


@dataclass(frozen=True)
class Estimate:
    """What one stream of a mix's runs says: its chance, Wilson 95 % interval, decision."""

    successes: int
    runs: int
    decision: Decision

    @property
    def p(self) -> float:
        return self.successes / self.runs if self.runs else float("nan")

    @property
    def interval(self) -> tuple[float, float]:
        return wilson_interval(self.successes, self.runs)

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable."""
        low, high = self.interval
        return {
            "successes": self.successes,
            "runs": self.runs,
            "p": self.p,
            "ci95": [low, high],
            "decision": self.decision.value,
        }


class RunBook:
    """Every run's answer, by mix, stream and replication (kept in ``folder``, or in memory).

    A mix's file holds, for each stream, the answers of its replications from
    the first on; runs are deterministic, so two processes sharing a study
    that extend the same mix write the same content.
    """

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        self._flags: dict[tuple[str, str], list[bool]] = {}
        if folder is not None:
            folder.mkdir(parents=True, exist_ok=True)
            for path in sorted(folder.glob("*.json")):
                self._load(path)

    def _load(self, path: Path) -> None:
        stored = json.loads(path.read_text(encoding="utf-8"))
        for stream, flags in stored["streams"].items():
            self._flags[(stored["mix"], stream)] = [bool(f) for f in flags]

    def flags(self, mix: Mix, stream: str) -> list[bool]:
        """The answers of ``mix``'s runs on ``stream``, first replication first."""
        key = (mix.key(), stream)
        if key not in self._flags and self.folder is not None:
            path = self.folder / f"{mix.key()}.json"
            if path.is_file():  # written by another process sharing the study
                self._load(path)
        return self._flags.get(key, [])

    def extend(self, mix: Mix, stream: str, flags: Sequence[bool]) -> None:
        """Append the answers of the next replications of ``mix`` on ``stream``."""
        key = (mix.key(), stream)
        self._flags[key] = [*self.flags(mix, stream), *(bool(f) for f in flags)]
        if self.folder is not None:
            streams = {s: self._flags[(mix.key(), s)] for s in STREAMS if (mix.key(), s) in self}
            write_json_atomic(
                self.folder / f"{mix.key()}.json",
                {"mix": mix.key(), "describe": mix.describe(), "streams": streams},
            )

    def __contains__(self, key: tuple[str, str]) -> bool:
        return key in self._flags

    def total(self) -> int:
        """Runs made so far, on every mix and stream."""
        return sum(len(flags) for flags in self._flags.values())


@dataclass
class Race:
    """The sequential runs of a search: what each mix's streams say, and how to add runs."""

    test: SequentialTest
    confirm: SequentialTest
    book: RunBook
    evaluate: Evaluate
    apply: Callable[[Mix], Scenario]
    budget: int
    on_runs: Callable[[int], None] | None = None

    def test_of(self, stream: str) -> SequentialTest:
        """The sequential test while choosing; the one-look test on fresh runs."""
        return self.test if stream == SELECTION else self.confirm

    def estimate(self, mix: Mix, stream: str = SELECTION) -> Estimate:
        """The decision the runs so far support."""
        flags = self.book.flags(mix, stream)
        k, n = sum(flags), len(flags)
        return Estimate(k, n, self.test_of(stream).decide(k, n) if n else Decision.UNSETTLED)

    def run_to(self, mix: Mix, stream: str, runs: int) -> Estimate:
        """Run ``mix`` on ``stream`` until it has ``runs`` runs."""
        have = len(self.book.flags(mix, stream))
        if runs > have:
            start = first_replication(stream)
            wanted = range(start + have, start + runs)
            flags = list(self.evaluate(self.apply(mix), mix, stream, wanted))
            if len(flags) != len(wanted):
                raise RuntimeError(
                    f"asked for {len(wanted)} runs of {mix.describe()}, got {len(flags)}"
                )
            self.book.extend(mix, stream, flags)
            if self.on_runs is not None:
                self.on_runs(len(flags))
        return self.estimate(mix, stream)

    def settle(self, mix: Mix, stream: str, limit: int | None = None) -> Estimate:
        """Add looks until the decision is settled, the looks run out or ``limit`` runs are spent.

        The first look is always run (a mix is never judged on no runs); a
        further look only if the search's runs stay within ``limit``
        (default: the budget).
        """
        limit = self.budget if limit is None else limit
        test = self.test_of(stream)
        estimate = self.run_to(mix, stream, test.sizes[0])
        while estimate.decision is Decision.UNSETTLED:
            following = test.next_size(estimate.runs)
            if following is None or self.book.total() + following - estimate.runs > limit:
                break
            estimate = self.run_to(mix, stream, following)
        return estimate


@dataclass(frozen=True)
class Outcome:
    """The race's answer: the mix chosen (if any), how sure, and the mixes rejected on fresh
    runs (every other verdict is in the run book)."""

    winner: Mix | None
    fresh: Estimate | None
    rejected: tuple[Mix, ...]

    @property
    def sure(self) -> bool:
        """Whether the fresh runs settle that the winner reaches ``p``."""
        return self.fresh is not None and self.fresh.decision is Decision.REACHES


def choose(
    race: Race, mixes: Sequence[Mix], assumed_too: bool = False, reserve: int | None = None
) -> Outcome:
    """The least-effort mix shown to reach ``p``, confirmed on fresh runs (module docstring).

    ``mixes`` are every mix the screening scored; they are raced in rounds
    (:func:`_shown_to_reach`). ``reserve`` runs of the budget are kept for the fresh runs
    (default: one set of them, two when the assumed values are asked for
    too). When no mix is shown to reach ``p`` within the budget, the cheapest
    open mix whose estimate clears ``p`` is re-run on fresh seeds and
    reported as probable (or not).
    """
    fresh_runs = race.confirm.sizes[-1]
    reserve = fresh_runs * (2 if assumed_too else 1) if reserve is None else reserve
    limit = race.budget - reserve
    rejected: list[Mix] = []
    left = list(mixes)
    while True:
        winner = _shown_to_reach(race, left, limit)
        if winner is None:
            break
        fresh = race.settle(winner, FRESH_RUNS)
        if fresh.decision is not Decision.FALLS_SHORT:
            return _outcome(race, winner, fresh, assumed_too, rejected)
        rejected.append(winner)
        left.remove(winner)
    probable = sorted(
        (m for m in left if _open(race, m) and race.estimate(m).p >= race.test.p),
        key=lambda m: m.effort,
    )
    for mix in probable:
        fresh = race.settle(mix, FRESH_RUNS)
        if fresh.decision is not Decision.FALLS_SHORT:
            return _outcome(race, mix, fresh, assumed_too, rejected)
        rejected.append(mix)
        left.remove(mix)
    return Outcome(None, None, tuple(rejected))


def _open(race: Race, mix: Mix) -> bool:
    return race.estimate(mix).decision is Decision.UNSETTLED


def _shown_to_reach(race: Race, mixes: list[Mix], limit: int) -> Mix | None:
    """The least-effort mix of ``mixes`` the selection runs show to reach ``p``.

    A race in rounds: each round gives every mix still open and cheaper than
    the best shown so far its next look, the cheapest first, so a mix that
    falls short drops out after the runs that show it and the runs left are
    spread over the mixes that could still change the answer. It ends when no
    such mix is left, or none can have its next look within ``limit`` runs.
    """
    while True:
        winner = _cheapest_reaching(race, mixes)
        contenders = sorted(
            (m for m in mixes if _open(race, m) and (winner is None or m.effort < winner.effort)),
            key=lambda m: (m.effort, -race.estimate(m).p),
        )
        progressed = False
        for mix in contenders:
            estimate = race.estimate(mix)
            following = race.test.next_size(estimate.runs)
            if following is None or race.book.total() + following - estimate.runs > limit:
                continue
            progressed = True
            if race.run_to(mix, SELECTION, following).decision is Decision.REACHES:
                break  # dearer contenders no longer matter
        if not progressed:
            return _cheapest_reaching(race, mixes)


def _cheapest_reaching(race: Race, mixes: list[Mix]) -> Mix | None:
    shown = [m for m in mixes if race.estimate(m).decision is Decision.REACHES]
    return min(shown, key=lambda m: (m.effort, -race.estimate(m).p), default=None)


def _outcome(
    race: Race, mix: Mix, fresh: Estimate, assumed_too: bool, rejected: list[Mix]
) -> Outcome:
    if assumed_too:  # its runs go to the run book, where the candidates are read from
        race.settle(mix, ASSUMED)
    return Outcome(mix, fresh, tuple(rejected))
