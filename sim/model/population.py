"""The people of a commune, held as columns, and how the start population is drawn.

Why columns (numpy arrays) rather than one object per person: the monthly
recorder counts everyone by village, place and age band a few hundred times a
run, which is one vectorised pass over arrays but tens of thousands of
attribute reads over objects. Event handlers touch a few scalars each.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from sim.inputs.commune import Commune
from sim.model.rng import Stream

# Codes stored in the arrays. Names are what the result tables show.
MALE, FEMALE = 0, 1
SEXES = ("male", "female")
ETHNIC_GROUPS = ("thai", "hmong", "kinh", "other")
KINH = ETHNIC_GROUPS.index("kinh")
EDUCATION_LEVELS = ("none", "primary", "lower_secondary", "upper_secondary", "beyond")
NONE_EDU, PRIMARY, LOWER_SECONDARY, UPPER_SECONDARY, BEYOND = range(5)
HOME, AWAY, MILITARY, GONE = range(4)
PLACES = ("home", "away", "military", "gone")
NOT_MEMBER, PROBATIONARY, OFFICIAL = range(3)
YOUTH_UNION, WOMENS_UNION, FARMERS, VETERANS = range(4)
ORGANISATIONS = ("youth_union", "womens_union", "farmers_association", "veterans")
# Pipeline stages (0 = not a candidate).
(
    NO_STAGE,
    WAIT_MENTOR,
    CULTIVATION,
    WAIT_CLASS,
    APPLICATION,
    VERIFICATION,
    WAIT_VOTE,
    WAIT_DECISION,
    WAIT_CEREMONY,
    PAUSED,
) = range(10)
STAGES = (
    "none",
    "waiting_mentor",
    "cultivation",
    "waiting_class",
    "application",
    "verification",
    "waiting_vote",
    "waiting_decision",
    "waiting_ceremony",
    "paused_away",
)

#: Columns and the value a new person starts with.
_COLUMNS: dict[str, object] = {
    "alive": True,
    "staff": False,
    "sex": MALE,
    "birth": 0.0,
    "village": -1,
    "household": -1,
    "ethnic": 0,
    "education": NONE_EDU,
    "place": HOME,
    "member": NOT_MEMBER,
    "cell": -1,
    "stage": NO_STAGE,
    "veteran": False,
    "queued": False,
    "served_admitted": False,
    "cert_until": -math.inf,
    "file_start": -math.inf,
    # since when the person has lived (or served) here: -inf for the start population
    "home_since": -math.inf,
    # age band (index into results.AGE_BANDS) as the recorder last counted it
    "band": 0,
    # versions of each kind of clock: a scheduled event whose version is stale is ignored
    "v_mig": 0,
    "v_spot": 0,
    "v_pipe": 0,
    "v_drop": 0,
    "v_member": 0,
    "v_prob": 0,
}
#: Columns also kept as numpy arrays, for the monthly recorder and the other
#: vectorised passes: place (written through by set_place) and columns that
#: never change once a person is added.
_MIRRORED = ("place", "birth", "village", "staff", "sex", "education", "ethnic", "household")


@dataclass
class Households:
    """Households: the unit of poverty, ethnicity and farming."""

    village: list[int]
    poor: list[bool]
    farming: list[bool]
    ethnic: list[int]
    version: list[int] = field(default_factory=list)
    #: per household that changed poverty during the run, the times it did, in order
    poverty_changes: dict[int, list[float]] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.village)

    def toggle_poverty(self, h: int, now: float) -> None:
        """Household ``h`` moves in or out of poverty at ``now`` (the time is kept, so that
        what happened earlier can be played later: ``sim.model.organisations``)."""
        self.poor[h] = not self.poor[h]
        self.poverty_changes.setdefault(h, []).append(now)

    def poor_at(self, h: int, t: float) -> bool:
        """Whether household ``h`` was poor at time ``t`` (its changes after ``t`` undone)."""
        poor = self.poor[h]
        for when in reversed(self.poverty_changes.get(h, ())):
            if when <= t:
                break
            poor = not poor
        return poor


class Population:
    """Person attributes as Python lists, indexed by person id.

    Event handlers read and write single people; a Python list does that
    several times faster than a numpy array. The lists are allocated ahead
    (``capacity`` people, doubled when full) so that adding a person writes
    only the values that differ from the defaults; ``size`` is the number of
    people. The columns that vectorised passes read (``_MIRRORED``) are
    mirrored in numpy arrays: :meth:`column` returns one, first copying the
    people added since the last read, and :meth:`set_place` writes through.
    Any other column is copied by :meth:`array`.
    """

    def __init__(self, capacity: int = 1024) -> None:
        self.size = 0
        self._capacity = capacity
        for name, default in _COLUMNS.items():
            setattr(self, name, [default] * capacity)
        self.active: list[list[bool]] = [[False] * capacity for _ in ORGANISATIONS]
        #: per organisation, the time of each person's next change (``sim.model.organisations``)
        self.org_next: list[list[float]] = [[math.inf] * capacity for _ in ORGANISATIONS]
        self._lists = [getattr(self, name) for name in _COLUMNS]
        self._defaults = list(_COLUMNS.values())
        self._mirrors = {name: np.zeros(capacity, dtype=type(_COLUMNS[name])) for name in _MIRRORED}
        #: people [0, _synced) are copied into the mirrors
        self._synced = 0
        self._place_mirror = self._mirrors["place"]

    def _reserve(self, size: int) -> None:
        """Make room for ``size`` people (at least doubling, so that appends stay cheap)."""
        if size <= self._capacity:
            return
        extra = max(self._capacity, size - self._capacity)
        for column, default in zip(self._lists, self._defaults, strict=True):
            column.extend([default] * extra)
        for org in range(len(ORGANISATIONS)):
            self.active[org].extend([False] * extra)
            self.org_next[org].extend([math.inf] * extra)
        self._capacity += extra

    def add(self, n: int = 1, **values) -> range:
        """Append ``n`` people; ``values`` gives columns (scalars or sequences of length n)."""
        start = self.size
        ids = range(start, start + n)
        sequences = (list, tuple, np.ndarray)
        if n == 1 and not any(isinstance(v, sequences) for v in values.values()):
            return range(self.add_one(values), start + 1)
        self._reserve(start + n)
        for name, value in values.items():
            if isinstance(value, sequences):
                getattr(self, name)[start : start + n] = np.asarray(value).tolist()
            else:
                getattr(self, name)[start : start + n] = [value] * n
        if self._synced == start:  # write the mirrors from the given values, not the lists
            self._reserve_mirrors(start + n)
            for name, mirror in self._mirrors.items():
                mirror[start : start + n] = values.get(name, _COLUMNS[name])
            self._synced = start + n
        self.size += n
        return ids

    def add_one(self, values: dict[str, object]) -> int:
        """Append one person (a birth, a new posting) and return their id: the handlers' path."""
        pid = self.size
        if pid >= self._capacity:
            self._reserve(pid + 1)
        for name, value in values.items():
            getattr(self, name)[pid] = value
        self.size = pid + 1
        return pid

    def age(self, pid: int, now: float) -> float:
        """``pid``'s age in years at model time ``now`` (ages need no events: birth is kept)."""
        return (now - self.birth[pid]) / 12.0

    def add_newborn(
        self, sex: int, birth: float, village: int, household: int, ethnic: int, education: int
    ) -> int:
        """Append a child born now (the most frequent addition) and return their id."""
        pid = self.size
        if pid >= self._capacity:
            self._reserve(pid + 1)
        self.sex[pid] = sex
        self.birth[pid] = birth
        self.village[pid] = village
        self.household[pid] = household
        self.ethnic[pid] = ethnic
        self.education[pid] = education
        self.home_since[pid] = birth
        self.size = pid + 1
        return pid

    def column(self, name: str) -> np.ndarray:
        """The numpy mirror of a column in ``_MIRRORED`` (a view: do not write to it)."""
        if self._synced < self.size:
            self._sync()
        return self._mirrors[name][: self.size]

    def _sync(self) -> None:
        start, stop = self._synced, self.size
        self._reserve_mirrors(stop)
        for name, mirror in self._mirrors.items():
            mirror[start:stop] = getattr(self, name)[start:stop]
        self._synced = stop

    def _reserve_mirrors(self, size: int) -> None:
        capacity = len(self._place_mirror)
        if size <= capacity:
            return
        capacity = max(2 * capacity, size)
        for name, old in self._mirrors.items():
            new = np.zeros(capacity, dtype=old.dtype)
            new[: self._synced] = old[: self._synced]
            self._mirrors[name] = new
        self._place_mirror = self._mirrors["place"]

    def set_place(self, pid: int, place: int) -> None:
        """Move a person (home, away, military, gone), writing through to the mirror."""
        self.place[pid] = place
        if pid < self._synced:
            self._place_mirror[pid] = place

    def array(self, name: str) -> np.ndarray:
        """A numpy copy of a column, for vectorised passes at the start or on rare events."""
        if name == "active":
            return np.array([column[: self.size] for column in self.active], dtype=bool)
        dtype = type(_COLUMNS[name])  # bool, int or float: fromiter skips type discovery
        return np.fromiter(getattr(self, name), dtype=dtype, count=self.size)


def grouped(where: np.ndarray, keys: np.ndarray, n: int) -> list[np.ndarray]:
    """The indices where ``where`` holds, split by ``keys`` (0..n-1), each ascending.

    Why: picking people village by village (or cell by cell) with one mask of
    the whole population per village costs villages x people, which a
    province-sized run (a thousand villages, half a million people) cannot
    afford; one stable sort costs people x log(people). Each group is what
    ``np.flatnonzero(where & (keys == k))`` gives, so draws made from it are
    the same.
    """
    found = np.flatnonzero(where)
    found = found[np.argsort(keys[found], kind="stable")]
    bounds = np.searchsorted(keys[found], np.arange(n + 1))
    return [found[bounds[k] : bounds[k + 1]] for k in range(n)]


def draw_ages(commune: Commune, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Sex and exact age (years) of ``n`` people from the commune's age-sex structure."""
    table = commune.age_structure
    weights = np.concatenate([table["male"].to_numpy(), table["female"].to_numpy()])
    lows = np.concatenate([table["age_from"].to_numpy()] * 2).astype(float)
    highs = np.concatenate([table["age_to"].to_numpy()] * 2).astype(float) + 1.0
    cell = rng.choice(len(weights), size=n, p=weights / weights.sum())
    sex = (cell >= len(table)).astype(np.int64)
    age = lows[cell] + rng.random(n) * (highs[cell] - lows[cell])
    return sex, age


@lru_cache(maxsize=16)
def education_shares(commune: Commune) -> np.ndarray:
    """Share of a cohort completing at least each level: rows non-poor, poor.

    Cached per commune (immutable, hashed by identity), so read-only.
    """
    table = commune.education
    shares = np.stack([table["share_nonpoor"].to_numpy(float), table["share_poor"].to_numpy(float)])
    shares.flags.writeable = False
    return shares


def draw_education(shares: np.ndarray, poor: np.ndarray, uniforms: np.ndarray) -> np.ndarray:
    """Highest level each person will complete, given household poverty.

    ``shares`` comes from :func:`education_shares`; a uniform below a level's
    share means the level is reached (the shares do not increase with level).
    """
    return (uniforms[:, None] < shares[poor.astype(np.int64)]).sum(axis=1).astype(np.int64)


def build_households(
    commune: Commune, parameters: dict[str, float], rng: np.random.Generator
) -> Households:
    """Households of every village, with ethnicity, poverty and farming drawn from its row.

    Households are numbered village by village (those of village 0 first), so
    a village's households are a contiguous range; the builders rely on it.
    """
    villages, poor, farming, ethnic = [], [], [], []
    for v, village in enumerate(commune.villages):
        n = village.households
        shares = np.array([village.ethnic_shares[g] for g in ETHNIC_GROUPS])
        villages.append(np.full(n, v))
        poor.append(rng.random(n) < village.poor_share)
        farming.append(rng.random(n) < parameters["farming_household_share"])
        ethnic.append(rng.choice(len(ETHNIC_GROUPS), size=n, p=shares / shares.sum()))
    households = Households(
        village=np.concatenate(villages).astype(np.int64).tolist(),
        poor=np.concatenate(poor).tolist(),
        farming=np.concatenate(farming).tolist(),
        ethnic=np.concatenate(ethnic).astype(np.int64).tolist(),
    )
    households.version = [0] * len(households)
    return households


def build_residents(
    commune: Commune,
    households: Households,
    population: Population,
    stream: Stream,
) -> None:
    """Add every village's residents at the data date (time 0) to ``population``.

    Everyone is placed at home in a household of their village; their education
    attainment follows their household's poverty.
    """
    rng = stream.generator
    sizes = [village.population for village in commune.villages]
    n = sum(sizes)
    village = np.repeat(np.arange(len(sizes)), sizes)
    sex, age = draw_ages(commune, n, rng)
    household = _draw_households(households, village, rng)
    population.add(
        n,
        sex=sex,
        birth=-age * 12.0,
        village=village,
        household=household,
        ethnic=np.asarray(households.ethnic)[household],
        education=draw_education(
            education_shares(commune), np.asarray(households.poor)[household], rng.random(n)
        ),
        place=HOME,
    )


def _draw_households(
    households: Households, village: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """A household of their village for each person, uniformly (households are kept by village)."""
    household_village = np.asarray(households.village)
    first = np.searchsorted(household_village, np.arange(village.max(initial=0) + 1))
    count = np.bincount(household_village, minlength=len(first))
    return first[village] + (rng.random(len(village)) * count[village]).astype(np.int64)


def build_absent_youth(
    commune: Commune,
    households: Households,
    population: Population,
    stream: Stream,
    share: float,
) -> None:
    """Add the young people who are away as migrants at the data date.

    The village tables count residents; a commune whose youth leave also has
    youth who left before the data date and may come back. For each village,
    ``share`` of its 18-30-year-olds are away: on average ``share / (1 - share)``
    times the residents of that age (a Poisson count), placed away, of random
    households of the village.
    """
    if share <= 0:
        return
    rng = stream.generator
    shares = education_shares(commune)
    birth = population.column("birth")
    village_of = population.column("village")
    age = -birth / 12.0
    young = (age >= 18) & (age < 31)
    residents = np.bincount(village_of[young], minlength=len(commune.villages))
    away_per_resident = min(share, 0.95) / (1.0 - min(share, 0.95))
    # a ratio, not a probability (above 1 when more are away than at home): a Poisson count
    village = np.repeat(np.arange(len(residents)), rng.poisson(residents * away_per_resident))
    n = len(village)
    if n == 0:
        return
    household = _draw_households(households, village, rng)
    population.add(
        n,
        sex=(rng.random(n) < 0.5).astype(np.int64),
        birth=-(18.0 + 13.0 * rng.random(n)) * 12.0,
        village=village,
        household=household,
        ethnic=np.asarray(households.ethnic)[household],
        education=draw_education(shares, np.asarray(households.poor)[household], rng.random(n)),
        place=AWAY,
    )
