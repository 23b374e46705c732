"""What the model's parts ask of one another, as protocols.

Why: the parts call on each other (a measure's start asks the pipeline, the
organisations and demography to redraw; the party asks the pipeline to
refresh its pools; the recorder reads the party's counts), and each receives
the others it calls from the model (``attach``). Typing those collaborators
with the concrete classes would make the parts import one another in a
circle; a protocol names only what is asked, imports no part, and any object
that answers it will do (the real part, or a stand-in in a test).
"""

from __future__ import annotations

from collections.abc import Sequence
from collections.abc import Set as AbstractSet
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import numpy as np

    from sim.inputs.scenario import Intervention


class SpottingRedraws(Protocol):
    """What a measure's start asks of the pipeline (``sim.model.pipeline.Pipeline``)."""

    def villages_changed(
        self, villages: np.ndarray, staff: bool = False, superseded: AbstractSet[int] = ...
    ) -> None:
        """Spotting rates changed in ``villages``: redraw those clocks."""

    def dropout_changed(
        self, villages: np.ndarray, staff: bool = False, superseded: AbstractSet[int] = ...
    ) -> None:
        """Drop-out changed in ``villages``: redraw the early candidates' clocks."""

    def refresh_all_pools(self) -> None:
        """Capacities changed everywhere: serve every queue."""


class VillageRedraws(Protocol):
    """What a measure's start asks of the organisations and of demography."""

    def villages_changed(self, villages: np.ndarray, superseded: AbstractSet[int] = ...) -> None:
        """Joining or leaving rates changed in ``villages``: redraw those clocks."""


class PovertyRedraws(Protocol):
    """What a measure's start asks of demography (``sim.model.demography.Demography``)."""

    def poverty_changed(self, villages: np.ndarray, superseded: AbstractSet[int] = ...) -> None:
        """Poverty exit changed in ``villages``: redraw poor households' clocks."""


class LeverLog(Protocol):
    """What a measure's start tells the recorder."""

    def log_lever(self, intervention: Intervention) -> None:
        """A measure is in force from now."""


class CellsOfVillages(Protocol):
    """The cell each village attends (the party's ``village_cell``)."""

    village_cell: np.ndarray


class Candidacies(Protocol):
    """What the party asks of the pipeline when members and cells change."""

    def introducer_left(self, member: int) -> None:
        """An introducer left: their applicants need another."""

    def refresh_pool(self, cell: int) -> None:
        """Give free mentoring places of ``cell`` to its waiting candidates."""

    def add_pool(self) -> None:
        """A cell formed: it has mentoring places of its own."""

    def village_moved(self, v: int, old: int, new: int) -> None:
        """Village ``v`` now attends cell ``new`` instead of ``old``."""

    def status_changed(self, v: int) -> None:
        """Village ``v``'s status changed."""

    def resume_or_spot(self, pid: int) -> None:
        """``pid`` is at home again: resume their file or draw their spotting clock."""


class Deaths(Protocol):
    """What the party asks of demography for a new posting."""

    def schedule_death(self, pid: int, clock: float, age: float | None = None) -> None:
        """Schedule the death of someone who has just joined the population."""


class CellRecord(Protocol):
    """A cell as the monthly snapshot reads it (the party's ``CellState``)."""

    id: str
    formed: float | None
    dissolved: float | None
    staff_official: int
    staff_probationary: int


class PartyCounts(Protocol):
    """The party's counts that the monthly snapshot reads."""

    cells: Sequence[CellRecord]
    village_cell: np.ndarray
    res_official: np.ndarray
    res_probationary: np.ndarray
    status: list[int]


class ActiveCounts(Protocol):
    """The organisations' active members, per organisation, month by month."""

    def monthly_counts(self, months: int) -> np.ndarray:
        """Active members per organisation at the start of each month (month x organisation)."""


class Participation(Protocol):
    """Who is active in the mass organisations, as the pipeline reads it."""

    def active_in(self, pid: int) -> tuple[bool, bool, bool, bool]:
        """Whether ``pid`` is active now in each organisation (``ORGANISATIONS`` order)."""


class StageCounts(Protocol):
    """The pipeline's candidates, per stage."""

    stage_count: list[int]
