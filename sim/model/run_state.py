"""What every part of a run shares: the inputs it reads and the state it changes.

Why one object: each part of the model reads some of the commune, the
parameters, the switches and the start date, and changes the population,
the households, the queue and the draws. Passing these one by one gave every
part's constructor the same long list; a part now receives them together,
and beside them only the collaborators it alone calls on. It is not the
model: it holds no part, so a part given it still cannot reach another.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sim.inputs.commune import Commune
    from sim.model.clock import Scheduler
    from sim.model.population import Households, Population
    from sim.model.rng import Streams


@dataclass(frozen=True, slots=True)
class RunState:
    """The run's shared inputs (``commune``, ``p``, ``switches``, ``start``) and state
    (``pop``, ``households``, ``scheduler`` with its SimPy environment, ``streams``)."""

    commune: Commune
    p: Mapping[str, float]
    switches: Mapping[str, bool]
    start: date
    pop: Population
    households: Households
    scheduler: Scheduler
    streams: Streams
