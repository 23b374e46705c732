"""Forecasts under parameter uncertainty: replications that draw their parameters from a posterior.

Run-to-run noise is only part of what a forecast does not know; the rates a
calibration fitted are uncertain too. An ensemble given a posterior table
(:func:`sim.calibration.calibrate` writes ``posterior.parquet``: one row per
particle, a column per parameter and a ``weight`` column) runs replication
``i`` with the parameters of one particle, drawn by weight, so the spread of
its results carries both kinds of uncertainty.

Why one draw per replication, from its own generator: replication ``i``'s
particle comes from ``SeedSequence([seed, POSTERIOR_TAG], spawn_key=(i,))``,
apart from the run's own random streams, so it is the same whatever the
backend, the workers, the chunking or an interruption, and the first ``n``
replications of a larger ensemble draw the same particles.

The table is identified by the SHA-256 of its content (parameter columns and
weights), recorded in the ensemble's manifest and key, so a forecast can be
traced to the posterior it used.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.errors import InputError, Problem
from sim.parameters import REQUIRED_PARAMETERS

#: Mixed into the draws' seed so they never coincide with a run's own streams.
POSTERIOR_TAG = 0x504F5354  # "POST"


@dataclass(frozen=True)
class Posterior:
    """Weighted parameter sets: ``table`` has the parameter columns and ``weight``."""

    table: pd.DataFrame = field(repr=False)
    parameters: tuple[str, ...]
    source: str
    sha256: str

    @property
    def weights(self) -> np.ndarray:
        """Normalised weights."""
        w = self.table["weight"].to_numpy(float)
        return w / w.sum()

    def draw(self, seed: int, replication: int) -> tuple[int, dict[str, float]]:
        """Replication ``replication``'s particle (row) and its parameter values."""
        rng = np.random.default_rng(
            np.random.SeedSequence([seed, POSTERIOR_TAG], spawn_key=(replication,))
        )
        cumulative = np.cumsum(self.weights)
        row = min(int(np.searchsorted(cumulative, rng.random(), side="right")), len(cumulative) - 1)
        values = self.table.iloc[row]
        return row, {name: float(values[name]) for name in self.parameters}

    def describe(self) -> dict[str, Any]:
        """What the manifest records: where the table came from and what it holds."""
        w = self.weights
        return {
            "source": self.source,
            "sha256": self.sha256,
            "particles": len(self.table),
            "effective_sample_size": float(1.0 / (w * w).sum()),
            "parameters": list(self.parameters),
            "drawing": "replication i uses the particle drawn by weight with "
            f"numpy SeedSequence([seed, {POSTERIOR_TAG:#x}], spawn_key=(i,))",
        }


def load_posterior(source: Any) -> Posterior:
    """A :class:`Posterior` from a table, a Parquet or CSV file, or a calibration folder.

    Parameter columns are the columns named like a parameter of
    ``sim/parameters.py``; ``weight`` is optional (equal weights without it).
    """
    if isinstance(source, Posterior):
        return source
    if isinstance(source, pd.DataFrame):
        table, where = source.reset_index(drop=True), "<table>"
    else:
        path = Path(source)
        if path.is_dir():
            path = path / "posterior.parquet"
        where = str(path)
        if not path.is_file():
            raise InputError(
                [Problem(where, "(file)", "does not exist (expected a posterior table)")]
            )
        try:
            table = pd.read_csv(path) if path.suffix == ".csv" else pd.read_parquet(path)
        except Exception as error:  # noqa: BLE001 - any unreadable file is bad input
            raise InputError([Problem(where, "(file)", f"not readable: {error}")]) from None
    parameters = tuple(c for c in table.columns if c in REQUIRED_PARAMETERS)
    problems = []
    if not parameters:
        problems.append(Problem(where, "(columns)", "no column is a parameter name"))
    if len(table) == 0:
        problems.append(Problem(where, "(rows)", "no particles"))
    if "weight" not in table:
        table = table.assign(weight=1.0)
    weights = pd.to_numeric(table["weight"], errors="coerce").to_numpy(float)
    if not np.isfinite(weights).all() or (weights < 0).any() or not weights.sum() > 0:
        problems.append(
            Problem(where, "weight", "weights must be numbers >= 0 with a positive sum")
        )
    for name in parameters:
        values = pd.to_numeric(table[name], errors="coerce").to_numpy(float)
        if not np.isfinite(values).all():
            problems.append(Problem(where, name, "holds values that are not finite numbers"))
    if problems:
        raise InputError(problems)
    table = table[[*parameters, "weight"]].astype(float)
    digest = hashlib.sha256(table.to_csv(index=False, float_format="%.17g").encode()).hexdigest()
    return Posterior(table=table, parameters=parameters, source=where, sha256=digest)
