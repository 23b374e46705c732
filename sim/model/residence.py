"""Moves in and out of home: what the model's parts tell each other through the model.

Why a protocol: someone leaving home concerns several parts at once (the
recorder's counts, the mass organisations, the pipeline, the party), so the
model coordinates these moves, and a part that causes one (a death, a
departure, a birth) needs only these three calls, not the whole model. A part
receives a ``Residence`` (the model is one) and can be built and read with
nothing else of the model in view.
"""

from __future__ import annotations

from typing import Protocol


class Residence(Protocol):
    """The model's coordination of who lives at home."""

    def leaves_home(self, pid: int, place: int, reason: str) -> None:
        """A resident stops living in the village (migration, call-up, move, death)."""

    def arrives_home(self, pid: int, reason: str) -> None:
        """A person comes (back) to live in their village."""

    def reschedule_person(self, pid: int) -> None:
        """Draw again every state-dependent clock of a person at home."""
