"""The people of a commune, held as columns, and how the start population is drawn.

Why columns (numpy arrays) rather than one object per person: the monthly
recorder counts everyone by village, place and age band a few hundred times a
run, which is one vectorised pass over arrays but tens of thousands of
attribute reads over objects. Event handlers touch a few scalars each.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from sim.commune import Commune
from sim.rng import Stream

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
NO_STAGE, WAIT_MENTOR, CULTIVATION, WAIT_CLASS, APPLICATION, VERIFICATION, PAUSED = range(7)
STAGES = (
    "none",
    "waiting_mentor",
    "cultivation",
    "waiting_class",
    "application",
    "verification",
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
    "cultivated": False,
    "served_admitted": False,
    "cert_until": -math.inf,
    "file_start": -math.inf,
    "stage_since": 0.0,
    # versions of each kind of clock: a scheduled event whose version is stale is ignored
    "v_mig": 0,
    "v_spot": 0,
    "v_pipe": 0,
    "v_drop": 0,
    "v_member": 0,
    "v_prob": 0,
}
#: Columns the monthly recorder counts with numpy, kept as arrays too.
_MIRRORED = ("place", "birth", "village", "staff")


@dataclass
class Households:
    """Households: the unit of poverty, ethnicity and farming."""

    village: list[int]
    poor: list[bool]
    farming: list[bool]
    ethnic: list[int]
    members: list[list[int]] = field(default_factory=list)
    version: list[int] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.village)


class Population:
    """Person attributes as Python lists, indexed by person id.

    Event handlers read and write single people; a Python list does that
    several times faster than a numpy array. The few columns the monthly
    recorder counts (place, birth, village, staff) are mirrored in numpy
    arrays, written through :meth:`set_place` and :meth:`add`; everything
    else that needs a vectorised pass uses :meth:`array` (a copy).
    """

    def __init__(self, capacity: int = 1024) -> None:
        self.size = 0
        for name in _COLUMNS:
            setattr(self, name, [])
        self.active: list[list[bool]] = [[] for _ in ORGANISATIONS]
        self.v_org: list[list[int]] = [[] for _ in ORGANISATIONS]
        self._capacity = capacity
        self.place_np = np.zeros(capacity, dtype=np.int64)
        self.birth_np = np.zeros(capacity)
        self.village_np = np.zeros(capacity, dtype=np.int64)
        self.staff_np = np.zeros(capacity, dtype=bool)

    def add(self, n: int = 1, **values) -> range:
        """Append ``n`` people; ``values`` gives columns (scalars or sequences of length n)."""
        ids = range(self.size, self.size + n)
        sequences = (list, tuple, np.ndarray)
        if n == 1 and not any(isinstance(v, sequences) for v in values.values()):
            return self._add_one(values)
        for name, default in _COLUMNS.items():
            value = values.get(name, default)
            column = getattr(self, name)
            if isinstance(value, (list, tuple, np.ndarray)):
                column.extend(np.asarray(value).tolist())
            else:
                column.extend([value] * n)
        for org in range(len(ORGANISATIONS)):
            self.active[org].extend([False] * n)
            self.v_org[org].extend([0] * n)
        if self.size + n > self._capacity:
            self._grow(max(2 * self._capacity, self.size + n))
        self.size += n
        for name in _MIRRORED:
            getattr(self, f"{name}_np")[ids.start : ids.stop] = getattr(self, name)[
                ids.start : ids.stop
            ]
        return ids

    def _add_one(self, values: dict) -> range:
        pid = self.size
        get = values.get
        for name, default in _COLUMNS.items():
            getattr(self, name).append(get(name, default))
        for org in range(len(ORGANISATIONS)):
            self.active[org].append(False)
            self.v_org[org].append(0)
        if pid + 1 > self._capacity:
            self._grow(2 * self._capacity)
        self.size += 1
        self.place_np[pid] = self.place[pid]
        self.birth_np[pid] = self.birth[pid]
        self.village_np[pid] = self.village[pid]
        self.staff_np[pid] = self.staff[pid]
        return range(pid, pid + 1)

    def _grow(self, capacity: int) -> None:
        for name in _MIRRORED:
            old = getattr(self, f"{name}_np")
            new = np.zeros(capacity, dtype=old.dtype)
            new[: self.size] = old[: self.size]
            setattr(self, f"{name}_np", new)
        self._capacity = capacity

    def set_place(self, pid: int, place: int) -> None:
        """Move a person (home, away, military, gone); keeps the recorder's mirror in step."""
        self.place[pid] = place
        self.place_np[pid] = place

    def array(self, name: str) -> np.ndarray:
        """A numpy copy of a column, for vectorised passes at the start or on rare events."""
        if name == "active":
            return np.array(self.active, dtype=bool).reshape(len(ORGANISATIONS), self.size)
        return np.asarray(getattr(self, name))


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


def education_shares(commune: Commune) -> np.ndarray:
    """Share of a cohort completing at least each level: rows non-poor, poor."""
    table = commune.education
    return np.stack([table["share_nonpoor"].to_numpy(float), table["share_poor"].to_numpy(float)])


def draw_education(shares: np.ndarray, poor: np.ndarray, uniforms: np.ndarray) -> np.ndarray:
    """Highest level each person will complete, given household poverty.

    ``shares`` comes from :func:`education_shares`; a uniform below a level's
    share means the level is reached (the shares do not increase with level).
    """
    return (uniforms[:, None] < shares[poor.astype(np.int64)]).sum(axis=1).astype(np.int64)


def build_households(
    commune: Commune, parameters: dict[str, float], rng: np.random.Generator
) -> Households:
    """Households of every village, with ethnicity, poverty and farming drawn from its row."""
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
    households.members = [[] for _ in range(len(households))]
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
    shares = education_shares(commune)
    household_village = np.asarray(households.village)
    household_ethnic = np.asarray(households.ethnic)
    household_poor = np.asarray(households.poor)
    for v, village in enumerate(commune.villages):
        n = village.population
        sex, age = draw_ages(commune, n, rng)
        in_village = np.flatnonzero(household_village == v)
        household = in_village[rng.integers(0, len(in_village), size=n)]
        ids = population.add(
            n,
            sex=sex,
            birth=-age * 12.0,
            village=v,
            household=household,
            ethnic=household_ethnic[household],
            education=draw_education(shares, household_poor[household], rng.random(n)),
            place=HOME,
        )
        for pid, h in zip(ids, household.tolist(), strict=True):
            households.members[h].append(pid)


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
    ``share`` of its 18-30-year-olds are away: ``share / (1 - share)`` times
    the residents of that age, placed away, of random households of the village.
    """
    if share <= 0:
        return
    rng = stream.generator
    shares = education_shares(commune)
    birth = np.asarray(population.birth)
    village_of = np.asarray(population.village)
    age = -birth / 12.0
    young = (age >= 18) & (age < 31)
    household_village = np.asarray(households.village)
    household_ethnic = np.asarray(households.ethnic)
    household_poor = np.asarray(households.poor)
    for v in range(len(commune.villages)):
        residents = int(np.count_nonzero(young & (village_of == v)))
        n = int(rng.binomial(residents, min(share, 0.95) / (1.0 - min(share, 0.95))))
        if n == 0:
            continue
        in_village = np.flatnonzero(household_village == v)
        household = in_village[rng.integers(0, len(in_village), size=n)]
        ids = population.add(
            n,
            sex=(rng.random(n) < 0.5).astype(np.int64),
            birth=-(18.0 + 13.0 * rng.random(n)) * 12.0,
            village=v,
            household=household,
            ethnic=household_ethnic[household],
            education=draw_education(shares, household_poor[household], rng.random(n)),
            place=AWAY,
        )
        for pid, h in zip(ids, household.tolist(), strict=True):
            households.members[h].append(pid)
