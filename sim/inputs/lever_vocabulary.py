"""The levers a measure may act on: the vocabulary ``measures.toml`` is written in.

Why a module of its own: a commune's measures are inputs, read and checked
with the rest of its data folder before any model exists, so the names they
may use (the levers, how an intensity maps onto an effect, the processes
whose clocks a change redraws) must be known to the loaders without loading
the model. :mod:`sim.model.levers` puts these levers in force during a run.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

# the processes whose clocks a measure's start may draw again (``POOLS``: serves the
# mentoring queues, whose capacity changed)
SPOTTING = "spotting"
POOLS = "pools"
ORGANISATIONS = "organisations"
DROPOUT = "dropout"
POVERTY = "poverty"
PROCESSES = (SPOTTING, POOLS, ORGANISATIONS, DROPOUT, POVERTY)

# how the effects of measures on one lever compose
MULTIPLY = "multiply"
ADD = "add"


def scaled(multiplier: float, intensity: float) -> float:
    """The multiplier at ``intensity`` of one whose effect at intensity 1 is ``multiplier``."""
    return max(0.0, 1.0 + intensity * (multiplier - 1.0))


def linear(amount: float, intensity: float) -> float:
    """The addition at ``intensity`` of one that adds ``amount`` at intensity 1."""
    return intensity * amount


@dataclass(frozen=True)
class How:
    """How a measure's intensity maps onto an effect size (``how`` in measures.toml)."""

    #: the composition of the levers it suits (``MULTIPLY`` or ``ADD``)
    combine: str
    #: (the parameter's value, the intensity) -> the factor or the amount
    size: Callable[[float, float], float]


#: ``how`` of measures.toml -> what it means
HOWS: dict[str, How] = {"scale": How(MULTIPLY, scaled), "add": How(ADD, linear)}


@dataclass(frozen=True)
class Lever:
    """One rate or capacity of the model that a measure may move.

    ``attribute`` is the :class:`Levers` attribute the processes read: a value per
    village, or one for the commune (``per_village`` false). ``staff_attribute``, when
    there is one, is the value for school and agency staff, moved by a measure that
    covers the whole commune and includes staff. ``kind`` is the kind (sim/inputs/parameters.py)
    of the parameter that gives an effect's size, and ``redraw`` the process whose clocks
    read the lever (``None``: read when used, nothing to redraw); ``meaning`` says what
    it is, for readers of this table (docs/ODD.md 7.10 says the same).
    """

    attribute: str
    combine: str
    kind: str
    redraw: str | None
    meaning: str
    staff_attribute: str | None = None
    per_village: bool = True
    #: the cell quota's mechanism: the spotting clocks run at the highest quota
    #: multiplier of the commune, so a change anywhere redraws every clock (staff too)
    quota_ceiling: bool = False
    #: the Standing Committee member's mechanism: the places are the member's, who
    #: counts as working alongside the village's people from the first such measure
    assignment_date: bool = False


#: The levers a measure may act on (measures.toml names them in ``effects``).
LEVERS: dict[str, Lever] = {
    "spotting_addition": Lever(
        "spot_add", ADD, "rate", SPOTTING, "spotting rate added to every resident's (per year)"
    ),
    "spotting_multiplier": Lever(
        "spot_mult",
        MULTIPLY,
        "multiplier",
        SPOTTING,
        "spotting rate of every resident (and of staff, if covered)",
        staff_attribute="staff_spot_mult",
    ),
    "targeting_multiplier": Lever(
        "target_mult",
        MULTIPLY,
        "multiplier",
        SPOTTING,
        "spotting rate of the targeted residents: in white or joint villages, ethnic "
        "minorities, active Youth Union members, veterans",
    ),
    "join_multiplier": Lever(
        "join_mult", MULTIPLY, "multiplier", ORGANISATIONS, "mass-organisation joining rates"
    ),
    "leave_multiplier": Lever(
        "leave_mult", MULTIPLY, "multiplier", ORGANISATIONS, "mass-organisation leaving rate"
    ),
    "dropout_multiplier": Lever(
        "dropout_mult",
        MULTIPLY,
        "multiplier",
        DROPOUT,
        "drop-out of candidates before their file (and of staff, if covered)",
        staff_attribute="staff_dropout_mult",
    ),
    "poverty_exit_multiplier": Lever(
        "exit_mult", MULTIPLY, "multiplier", POVERTY, "poor households' exit from poverty"
    ),
    "assigned_mentor_places": Lever(
        "mentor_extra",
        ADD,
        "count",
        POOLS,
        "mentoring places of a Standing Committee member put in charge of the village; "
        "the member counts as working alongside its people from the first such measure",
        assignment_date=True,
    ),
    "quota_spotting_multiplier": Lever(
        "quota_village_mult",
        MULTIPLY,
        "multiplier",
        SPOTTING,
        "spotting in the cells behind their per-cell quota for the year (a cell takes the "
        "highest multiplier of its villages; school and agency cells, if covered, theirs)",
        staff_attribute="quota_staff_mult",
        quota_ceiling=True,
    ),
    "class_seats": Lever(
        "extra_seats",
        ADD,
        "count",
        None,
        "seats added to every district awareness class (commune-wide)",
        per_village=False,
    ),
}
