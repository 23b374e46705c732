"""Random numbers: each person's own stream for each process, and named streams.

Why per person (issue 17): when a measure makes some people's clocks be
drawn again, those people take more draws than in the baseline. With one
stream per process kind, everyone drawing after them in that stream would
get other numbers, and two scenarios would differ far from where the measure
acts, which weakens their paired comparison. Here each person's draws for a
process come from their own stream (:class:`PersonStream`), as in Starsim,
where each agent has its own slot in every random stream: a change in one
person's path changes nobody else's draws.

Not a generator per person (a numpy Generator costs about 10 µs to make, and
a run has some 5,000 people and 8 processes). A person is known to the
streams by a key that no one else's events can change (:class:`PersonKeys`),
and their draws for a process come in rounds of ``width``:

- round 0 of the start population is drawn for everyone at once, from a
  generator of its own (SFC64 seeded by the run, the stream and the round)
  read from its first number: person ``serial``'s are numbers
  ``serial * width`` to ``(serial + 1) * width - 1``, whoever else draws;
- every later round, and round 0 of the people added during the run (a
  chunk of their group at once), is counter-based: the Philox outputs at
  counters ``(serial * b + j, group, round, stream)``, ``j < b``, under one
  key made from the run seed, the last word a stable hash of the stream's
  name, so that it can be drawn for one person alone;
- draws made for many people at one moment (the start of the run, a call-up)
  are an *occasion*, drawn like round 0 from a generator of the occasion's
  own, one row per person indexed by the person's key.

Only the numbers drawn become Python floats; a person's round is read where
it lies (see :class:`PersonStream` on what this costs and saves).

Named streams (:class:`Stream`) serve what is not about one person, one
stream per thing it is about: the build of the start population (before any
measure acts, so the same in every scenario; the same streams as before
person streams, so the same start population), each village's births and
each cell's votes and postings. Every stream is seeded from the run seed and
a stable hash of its name: adding or switching off a process does not move
the draws of another.
"""

from __future__ import annotations

import math
import zlib
from array import array

import numpy as np

_BLOCK = 512
#: the block of a stream of one village or cell (births, postings: some tens a run)
SMALL_BLOCK = 64
#: people added during the run whose round 0 is drawn together (few are, a run)
_CHUNK = 32
#: outputs of one Philox counter (64-bit words, one uniform each)
_PER_COUNTER = 4
#: the first round word of occasions (round 0 of the start population is 0)
_OCCASIONS = 1 << 63
#: the first counter word of the seeds of bulk rounds (no person's round reaches it)
_RESEED = 1 << 63


def stream_seed(seed: int | np.random.SeedSequence, name: str) -> np.random.SeedSequence:
    """The seed sequence of named stream ``name`` under run ``seed`` (stable across
    versions)."""
    entropy = seed.entropy if isinstance(seed, np.random.SeedSequence) else seed
    spawn_key = seed.spawn_key if isinstance(seed, np.random.SeedSequence) else ()
    return np.random.SeedSequence(entropy, spawn_key=(*spawn_key, word(name)))


def run_key(seed: int | np.random.SeedSequence) -> np.ndarray:
    """The Philox key of every person stream of a run of ``seed`` (stable across versions)."""
    entropy = seed.entropy if isinstance(seed, np.random.SeedSequence) else seed
    spawn_key = seed.spawn_key if isinstance(seed, np.random.SeedSequence) else ()
    return np.random.SeedSequence(entropy, spawn_key=spawn_key).generate_state(2, np.uint64)


def word(name: str) -> int:
    """A stable 32-bit word for ``name``: a stream's counters, an occasion's round."""
    return zlib.crc32(name.encode())


def group_word(name: str) -> int:
    """The key word of a group of people added during a run (0 is the start population)."""
    return word(name) + 1


class Counters:
    """One stream's Philox generator, put at any counter of the stream at will."""

    __slots__ = ("stream", "bits", "generator", "state")

    def __init__(self, key: np.ndarray, stream: int) -> None:
        self.stream = stream
        self.bits = np.random.Philox(key=key, counter=[0, 0, 0, stream])
        self.generator = np.random.Generator(self.bits)
        self.state = self.bits.state

    def at(self, first: int, group: int, round_: int) -> np.random.Generator:
        """The generator, its next output that of counter ``(first, group, round_)``."""
        counter = self.state["state"]["counter"]
        counter[0], counter[1], counter[2], counter[3] = first, group, round_, self.stream
        self.state["buffer_pos"] = _PER_COUNTER  # nothing buffered from before
        self.bits.state = self.state
        return self.generator


class Stream:
    """A named stream: a numpy Generator plus fast scalar draws from pre-drawn blocks.

    Why blocks: a scalar draw from a Generator costs about a microsecond, a
    list pop a few tens of nanoseconds.
    """

    __slots__ = ("name", "generator", "block", "_exp", "_uni")

    def __init__(self, seed: int | np.random.SeedSequence, name: str, block: int = _BLOCK) -> None:
        self.name = name
        self.generator = np.random.Generator(np.random.PCG64(stream_seed(seed, name)))
        #: numbers drawn at a time (a stream of one village or cell needs few a run)
        self.block = block
        self._exp: list[float] = []
        self._uni: list[float] = []

    def exponential(self) -> float:
        """A standard exponential variate (mean 1)."""
        if not self._exp:
            self._exp.extend(self.generator.standard_exponential(self.block).tolist())
        return self._exp.pop()

    def uniform(self) -> float:
        """A uniform variate on [0, 1)."""
        if not self._uni:
            self._uni.extend(self.generator.random(self.block).tolist())
        return self._uni.pop()


class Reseeder:
    """One sequential generator (SFC64) for the run's bulk rounds, seeded anew for each.

    Why: a numpy Generator costs some 18 µs to make from a SeedSequence, and a
    run draws some fifteen bulk rounds and occasions. Seeding one SFC64 again
    costs a third of that: its three state words are the Philox outputs at a
    counter of the round's own (first word ``2**63``, which no person's round
    reaches), then twelve outputs are discarded, as numpy's own seeding of
    SFC64 does. The generator it returns is the same object each time: draw
    from it before asking for another round.
    """

    __slots__ = ("counters", "bits", "generator", "state")

    def __init__(self, key: np.ndarray) -> None:
        self.counters = Counters(key, 0)
        self.bits = np.random.SFC64(0)
        self.generator = np.random.Generator(self.bits)
        self.state = self.bits.state

    def at(self, stream: int, group: int, round_: int) -> np.random.Generator:
        """The generator, seeded for ``round_`` of ``group`` in ``stream``."""
        self.counters.stream = stream
        a, b, c = self.counters.at(_RESEED, group, round_).bit_generator.random_raw(3).tolist()
        words = self.state["state"]["state"]
        words[0], words[1], words[2], words[3] = a, b, c, 1
        self.bits.state = self.state
        self.bits.random_raw(12)
        return self.generator


class PersonKeys:
    """Who each person is to the random streams: a ``(group, serial)`` that no one else's
    events can change.

    Person ids are one counter for the whole run, so the id of a child born in
    one village depends on every birth and posting elsewhere before it. The
    start population (built before any measure acts, the same in every
    scenario) is group 0 with its id as serial; a person added during the run
    is the next serial of a group named for what it is about
    (``birth:<village id>``, ``posting:<cell id>``).
    """

    def __init__(self, start: int = 0) -> None:
        #: the size of the start population: ids from it on are added during the run
        self.start = start
        self._later: dict[int, tuple[int, int]] = {}
        self._added: dict[int, int] = {}

    def add(self, pid: int, group: int) -> None:
        """``pid``, just added to the population during the run, is the next of ``group``
        (:func:`group_word` of its name)."""
        serial = self._added.get(group, 0)
        self._added[group] = serial + 1
        self._later[pid] = (group, serial)

    def key(self, pid: int) -> tuple[int, int]:
        """``pid``'s group word and serial."""
        return self._later.get(pid, (0, pid))

    def keys(self, pids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The group words and serials of ``pids`` (vectorised over the start population)."""
        groups = np.zeros(len(pids), dtype=np.int64)
        serials = np.array(pids, dtype=np.int64)
        for i in np.flatnonzero(pids >= self.start).tolist():
            groups[i], serials[i] = self._later[int(pids[i])]
        return groups, serials


class PersonStream:
    """One process's random numbers, a stream per person (module docstring).

    The streams hold standard exponentials, the draw the model makes most
    (every clock is one): :meth:`exponential` serves person ``pid``'s next,
    :meth:`uniform` and :meth:`index` turn it into a uniform or an index.
    Round 0 of the start population is drawn at the first draw into
    :attr:`first`, a flat ``array.array`` read in place (person ``pid``'s from
    ``pid * width`` on, :attr:`used` counting how many they have taken): most
    people never draw from most processes (a tenth of a round 0 is used), and
    a number becomes a Python float only when it is drawn; a list per person
    made at their first draw costs more (its making and freeing), and so does
    a list of every number. Later rounds, and the rows of people added during
    the run, are Python lists served from the end. The hottest handler reads
    :attr:`first` itself, as :meth:`exponential` does, and calls :meth:`draw`
    otherwise. :meth:`occasion` draws for many people at once.
    """

    def __init__(
        self,
        key: np.ndarray,
        name: str,
        keys: PersonKeys,
        width: int,
        reseeder: Reseeder | None = None,
    ) -> None:
        self.name = name
        self.keys = keys
        #: the generator of bulk rounds (the run's, shared by its streams)
        self.reseeder = Reseeder(key) if reseeder is None else reseeder
        self.width = width
        #: the Philox counters of one person's round
        self.blocks = -(-width // _PER_COUNTER)
        self.key = key
        #: the stream's word in the counters and seeds of its rounds
        self.stream = word(name)
        #: the Philox generator of counter-based rounds, made when first needed (many
        #: streams need none)
        self._counters: Counters | None = None
        #: people of the start (0 until their round 0 is drawn)
        self.start = 0
        #: round 0 of the start population, ``width`` a person
        self.first = array("d")
        #: how many of their round 0 each person of the start has drawn (changed in place)
        self.used: list[int] = []
        #: the rows of later rounds, and of people added during the run
        self._rows: dict[int, list[float]] = {}
        #: the round of each person's row in ``_rows``
        self._round: dict[int, int] = {}
        #: round 0 of people added during the run, by (group, first serial of a chunk)
        self._chunks: dict[tuple[int, int], list[float]] = {}

    def bulk(self, group: int, round_: int) -> np.random.Generator:
        """The generator of a round drawn for a whole group at once, read from its first
        number (so that a person's numbers are the same however many are drawn), to be
        drawn from at once: the run's one sequential generator, seeded for this stream,
        group and round (:class:`Reseeder`)."""
        return self.reseeder.at(self.stream, group, round_)

    def _counted(self, first: int, group: int, round_: int, count: int) -> list[float]:
        """``count`` exponentials from counter ``(first, group, round_)`` on, by inversion:
        one counter output each, so that no row reads into the next one's."""
        if self._counters is None:
            self._counters = Counters(self.key, self.stream)
        generator = self._counters.at(first, group, round_)
        return generator.standard_exponential(count, method="inv").tolist()

    def begin(self) -> None:
        """Draw round 0 of the start population, if not yet (at the first draw, else)."""
        n = self.keys.start
        if self.start or not n:
            return
        drawn = self.bulk(0, 0).standard_exponential(n * self.width)
        self.first.frombytes(memoryview(drawn).cast("B"))
        self.used.extend([0] * n)
        self.start = n

    def draw(self, pid: int) -> float:
        """``pid``'s next standard exponential, wherever it is kept."""
        if not self.start:
            self.begin()
        if pid < self.start:
            k = self.used[pid]
            if k < self.width:
                self.used[pid] = k + 1
                return self.first[pid * self.width + k]
        row = self._rows.get(pid)
        return row.pop() if row else self._refill(pid).pop()

    def _refill(self, pid: int) -> list[float]:
        """``pid``'s next round as their row: round 0 of someone added during the run (a
        chunk of their group drawn together), else the round after the one used up."""
        group, serial = self.keys.key(pid)
        stride = self.blocks * _PER_COUNTER
        if pid >= self.keys.start and pid not in self._round:
            first = serial - serial % _CHUNK
            chunk = self._chunks.get((group, first))
            if chunk is None:  # one contiguous run of counters
                chunk = self._counted(first * self.blocks, group, 0, _CHUNK * stride)
                self._chunks[group, first] = chunk
            self._round[pid] = 0
            at = (serial - first) * stride
            row = self._rows[pid] = chunk[at : at + self.width]
            return row
        round_ = self._round[pid] = self._round.get(pid, 0) + 1
        row = self._rows[pid] = self._counted(serial * self.blocks, group, round_, self.width)
        return row

    def exponential(self, pid: int) -> float:
        """``pid``'s next standard exponential variate (mean 1)."""
        if pid < self.start:
            k = self.used[pid]
            if k < self.width:
                self.used[pid] = k + 1
                return self.first[pid * self.width + k]
        return self.draw(pid)

    def uniform(self, pid: int) -> float:
        """``pid``'s next uniform variate on [0, 1): 1 - exp(-E) of their next exponential E."""
        if pid < self.start:  # as exponential(), written out (a call costs more than these)
            k = self.used[pid]
            if k < self.width:
                self.used[pid] = k + 1
                return -math.expm1(-self.first[pid * self.width + k])
        return -math.expm1(-self.draw(pid))

    def index(self, pid: int, n: int) -> int:
        """An index below ``n`` drawn uniformly from ``pid``'s next draw."""
        return min(int(self.uniform(pid) * n), n - 1)  # (1 - exp(-E) is 1.0 once in 1e16)

    def occasion(
        self, pids: np.ndarray, what: str, width: int, exponential: bool = False
    ) -> np.ndarray:
        """``width`` uniforms on [0, 1) (standard exponentials with ``exponential``) for
        each of ``pids``, drawn for the occasion ``what`` ("start", "call-up 3", ...): row
        ``i`` is ``pids[i]``'s, whoever else is drawn for.

        Always ask with the same ``width`` and kind for an occasion: the rows are
        laid out by them.
        """
        pids = np.asarray(pids, dtype=np.int64)
        if not len(pids):
            return np.empty((0, width))
        if pids.max() < self.keys.start:  # the start population's only (the usual case)
            return self._occasion(0, what, width, exponential, pids)
        out = np.empty((len(pids), width))
        groups, serials = self.keys.keys(pids)
        for group in np.unique(groups).tolist():
            mine = np.flatnonzero(groups == group)
            out[mine] = self._occasion(group, what, width, exponential, serials[mine])
        return out

    def _occasion(
        self, group: int, what: str, width: int, exponential: bool, serials: np.ndarray
    ) -> np.ndarray:
        """The rows of ``serials`` of ``group`` for an occasion: from the occasion's first
        number to the highest serial asked for."""
        generator = self.bulk(group, _OCCASIONS + word(what))
        draw = generator.standard_exponential if exponential else generator.random
        return draw((int(serials.max()) + 1, width))[serials]


class Streams:
    """The run's streams: named ones and per-person ones, created on first use by name."""

    def __init__(self, seed: int | np.random.SeedSequence) -> None:
        self.seed = seed
        self.key = run_key(seed)
        #: the keys of the run's people (households and villages have their own)
        self.keys = PersonKeys()
        self._streams: dict[str, Stream] = {}
        self._people: dict[str, PersonStream] = {}
        self._reseeder = Reseeder(self.key)

    def __getitem__(self, name: str) -> Stream:
        return self.named(name)

    def named(self, name: str, block: int = _BLOCK) -> Stream:
        """Named stream ``name``, drawing ``block`` numbers at a time (when first made)."""
        stream = self._streams.get(name)
        if stream is None:
            stream = self._streams[name] = Stream(self.seed, name, block)
        return stream

    def person(self, name: str, width: int, keys: PersonKeys | None = None) -> PersonStream:
        """Process ``name``'s per-person stream, ``width`` draws a round, over ``keys`` (the
        run's people unless given: households and villages have keys of their own)."""
        stream = self._people.get(name)
        if stream is None:
            keys = self.keys if keys is None else keys
            stream = self._people[name] = PersonStream(self.key, name, keys, width, self._reseeder)
        return stream
