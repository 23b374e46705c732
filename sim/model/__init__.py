"""The model: one stochastic run of a commune, process by process (``run``).

``from sim.model import run`` loads the inputs and the model only, nothing of
the experiments, analyses or presentation (``tests/test_import_graph.py``).
The hub's names are handed on when first asked for, so that importing one
part (``sim.model.rng``, say) loads that part alone.
"""

from __future__ import annotations

from typing import Any

__all__ = ["CommuneModel", "collector_paused", "run"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from sim.model import commune_model

        return getattr(commune_model, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
