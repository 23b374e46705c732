"""Forecasts under parameter uncertainty: replications that draw their parameters from a posterior.

Run-to-run noise is only part of what a forecast does not know; the rates a
calibration fitted are uncertain too. An ensemble given a posterior table
(:func:`sim.analysis.calibration.calibrate` writes ``posterior.parquet``: one row per
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

**Which parameters a forecast uses** (:func:`resolve_posterior`). A commune's
calibration is part of its data: ``<commune folder>/calibration/`` holding
``posterior.parquet`` and the ``manifest.json`` ``sim calibrate`` wrote
(:attr:`sim.inputs.commune.Commune.calibration_path`). Every function that runs
ensembles of a scenario takes ``posterior=``:

- :data:`COMMUNE` (``"commune"``, the default): the commune's calibration if
  it has one, else the assumed values of ``parameters.csv``. Why the default:
  once a commune is calibrated, a forecast at the assumed values answers a
  question nobody asked, and quietly so;
- ``None`` (or ``False``; ``--no-posterior``): the assumed values, always;
- a calibration folder, a posterior file or table: that posterior.

A parameter the scenario sets itself (its ``[parameters]`` table, or
:meth:`~sim.inputs.scenario.Scenario.with_parameters`) keeps the scenario's value
even when the posterior holds it: the user asked for that value (e.g.
``migration-low.toml``'s migration rates), and a comparison of such a
scenario with another on the same particles then isolates exactly those
parameters. The ensemble's manifest lists them (:func:`parameters_record`).

Every output says which: :func:`parameters_record` is stored as
``parameters`` in an ensemble's ``summary.json`` and ``manifest.json`` and
:func:`parameters_sentence` words it (forecast, comparison and search text;
the briefing and the figures word it in Vietnamese and English through
:mod:`sim.presentation.i18n`).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sim.inputs.errors import InputError, Problem
from sim.inputs.parameters import REQUIRED_PARAMETERS

if TYPE_CHECKING:
    from sim.inputs.commune import Commune
    from sim.inputs.scenario import Scenario

#: Mixed into the draws' seed so they never coincide with a run's own streams.
POSTERIOR_TAG = 0x504F5354  # "POST"

#: The default of every ``posterior=`` argument: the scenario's commune's own calibration
#: (``<commune folder>/calibration``) when it has one, else the assumed values.
COMMUNE = "commune"

#: The file beside a calibration's table that says what it was calibrated against.
MANIFEST = "manifest.json"


@dataclass(frozen=True)
class Posterior:
    """Weighted parameter sets: ``table`` has the parameter columns and ``weight``."""

    table: pd.DataFrame = field(repr=False)
    parameters: tuple[str, ...]
    source: str
    sha256: str
    #: The calibration folder the table came from (``None`` for a table given as such).
    folder: str | None = None
    #: First and last date (ISO) of the observations it was calibrated to (its manifest).
    observed: tuple[str, str] | None = None
    #: SHA-256 of the calibration's ``manifest.json`` (``None`` without one).
    manifest_sha256: str | None = None
    #: Whether it is the scenario's commune's own calibration (``<commune>/calibration``).
    commune: bool = False

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
            "calibration_folder": self.folder,
            "commune_calibration": self.commune,
            "observed": _span_dict(self.observed),
            "manifest_sha256": self.manifest_sha256,
        }


def load_posterior(source: Any) -> Posterior:
    """A :class:`Posterior` from a table, a Parquet or CSV file, or a calibration folder.

    Parameter columns are the columns named like a parameter of
    ``sim/inputs/parameters.py``; ``weight`` is optional (equal weights without it).
    """
    if isinstance(source, Posterior):
        return source
    folder: Path | None = None
    observed: tuple[str, str] | None = None
    manifest_sha256: str | None = None
    if isinstance(source, pd.DataFrame):
        table, where = source.reset_index(drop=True), "<table>"
    else:
        path = Path(source)
        if path.is_dir():
            folder, path = path, path / "posterior.parquet"
        where = str(path)
        if not path.is_file():
            raise InputError(
                [Problem(where, "(file)", "does not exist (expected a posterior table)")]
            )
        try:
            table = pd.read_csv(path) if path.suffix == ".csv" else pd.read_parquet(path)
        except Exception as error:  # noqa: BLE001 - any unreadable file is bad input
            raise InputError(
                [Problem(where, "(file)", f"not readable: {_one_line(error)}")]
            ) from None
        if (path.parent / MANIFEST).is_file():
            folder = path.parent
            observed, manifest_sha256 = _read_manifest(folder / MANIFEST)
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
    return Posterior(
        table=table,
        parameters=parameters,
        source=where,
        sha256=digest,
        folder=str(folder) if folder is not None else None,
        observed=observed,
        manifest_sha256=manifest_sha256,
    )


def resolve_posterior(posterior: Any, commune: Commune) -> Posterior | None:
    """The posterior an ensemble of a scenario of ``commune`` draws from, or ``None``.

    ``posterior`` is :data:`COMMUNE` (the commune's calibration if it has
    one, else ``None``), ``None`` or ``False`` (the assumed values), ``True``
    (the commune's calibration, which must exist), or anything
    :func:`load_posterior` reads. A path that is the commune's own
    calibration counts as it, so the outputs word it the same way.
    """
    if posterior is None or posterior is False:
        return None
    if isinstance(posterior, Posterior):
        return posterior
    own = commune.calibration_path
    if posterior is True or (isinstance(posterior, str) and posterior == COMMUNE):
        if own is None:
            if posterior is True:
                raise InputError(
                    [
                        Problem(
                            str(Path(commune.path) / "calibration"),
                            "(folder)",
                            "holds no posterior.parquet (calibrate the commune first, "
                            "or run at the assumed values)",
                        )
                    ]
                )
            return None
        try:
            return replace(load_posterior(own), commune=True)
        except InputError as error:  # say why it was read at all, and the way out
            hint = (
                "; ensembles draw from the commune's calibration by default: mend it, or run "
                "at the assumed values (--no-posterior, posterior=None)"
            )
            problems = [
                replace(problem, message=problem.message + hint) for problem in error.problems
            ]
            raise InputError(problems) from None
    loaded = load_posterior(posterior)
    if own is not None and loaded.source != "<table>" and _same(Path(loaded.source).parent, own):
        loaded = replace(loaded, commune=True, folder=loaded.folder or str(own))
    return loaded


def held_parameters(scenario: Scenario, posterior: Posterior) -> tuple[str, ...]:
    """The posterior's parameters the scenario sets itself: they keep the scenario's values."""
    return tuple(name for name in posterior.parameters if name in scenario.overrides)


def parameters_record(scenario: Scenario, posterior: Posterior | None) -> dict[str, Any]:
    """Where an ensemble's parameters came from, as ``summary.json`` and ``manifest.json`` keep it.

    ``kind`` is ``"posterior"`` (drawn per replication; with the table's hash,
    its calibration folder, what it was calibrated to, the parameters drawn
    and those held at the scenario's values) or ``"assumed"`` (the values of
    the commune's ``parameters.csv`` with the scenario's overrides).
    ``sentence`` says it in words (:func:`parameters_sentence`).
    """
    if posterior is None:
        record: dict[str, Any] = {
            "kind": "assumed",
            "file": str(Path(scenario.commune.path) / "parameters.csv"),
            "scenario_overrides": dict(scenario.overrides),
        }
    else:
        held = held_parameters(scenario, posterior)
        record = {
            "kind": "posterior",
            "commune_calibration": posterior.commune,
            "calibration": posterior.folder,
            "posterior": posterior.source,
            "sha256": posterior.sha256,
            "manifest_sha256": posterior.manifest_sha256,
            "particles": len(posterior.table),
            "observed": _span_dict(posterior.observed),
            "drawn": [name for name in posterior.parameters if name not in held],
            "held_at_scenario_values": {name: scenario.overrides[name] for name in held},
        }
    record["sentence"] = parameters_sentence(record)
    return record


def parameters_of(manifest: dict[str, Any]) -> dict[str, Any]:
    """An ensemble manifest's ``parameters`` record, rebuilt for results stored before it existed.

    Such results drew from a posterior only when their manifest says
    ``parameters_drawn_from_posterior`` (and then over every scenario
    override); otherwise they ran at the assumed values.
    """
    if isinstance(manifest.get("parameters"), dict):
        return manifest["parameters"]
    drawn = manifest.get("parameters_drawn_from_posterior")
    scenario = manifest.get("scenario") or {}
    if drawn:
        record: dict[str, Any] = {
            "kind": "posterior",
            "commune_calibration": bool(drawn.get("commune_calibration", False)),
            "calibration": drawn.get("calibration_folder"),
            "posterior": drawn.get("source"),
            "sha256": drawn.get("sha256"),
            "manifest_sha256": drawn.get("manifest_sha256"),
            "particles": drawn.get("particles"),
            "observed": drawn.get("observed"),
            "drawn": list(drawn.get("parameters", [])),
            "held_at_scenario_values": {},
        }
    else:
        commune = (scenario.get("commune") or {}).get("path")
        record = {
            "kind": "assumed",
            "file": str(Path(commune) / "parameters.csv") if commune else "parameters.csv",
            "scenario_overrides": dict(scenario.get("overrides") or {}),
        }
    record["sentence"] = parameters_sentence(record)
    return record


def parameters_sentence(record: dict[str, Any], held: bool = True) -> str:
    """The record in one English sentence (forecast, comparison, search and run text).

    ``Parameters: drawn from the commune's calibration (data/nahy/calibration,
    150 particles, calibrated to the observed 2015–2022 record)``, or
    ``Parameters: the assumed values of parameters.csv (not calibrated)``;
    with ``held``, then the parameters kept at the scenario's own values.
    """
    if record.get("kind") != "posterior":
        return "Parameters: the assumed values of parameters.csv (not calibrated)"
    span = observed_years(record)
    calibrated = [f"calibrated to the observed {span} record"] if span else []
    count = f"{record.get('particles')} particles"
    if record.get("commune_calibration"):
        where = record.get("calibration") or record.get("posterior")
        details = ", ".join([str(where), count, *calibrated])
        text = f"Parameters: drawn from the commune's calibration ({details})"
    else:
        text = (
            f"Parameters: drawn from the posterior {record.get('posterior')} "
            f"({', '.join([count, *calibrated])})"
        )
    kept = list(record.get("held_at_scenario_values") or {})
    if held and kept:
        text += f"; the scenario's own values for {', '.join(kept)}"
    return text


def parameters_summary(labelled: list[tuple[str, dict[str, Any]]]) -> str:
    """One sentence for several scenarios' records (a comparison, a search, a briefing).

    Scenarios compared on common random numbers draw the same particles, so
    their records differ at most in the parameters each holds at its own
    values: the sentence is said once, then which scenario keeps which.
    Records of different origins are listed scenario by scenario.
    """
    bases = {parameters_sentence(record, held=False) for _, record in labelled}
    if len(bases) > 1:
        return "; ".join(f"{label}: {parameters_sentence(record)}" for label, record in labelled)
    text = bases.pop()
    for label, record in labelled:
        kept = list(record.get("held_at_scenario_values") or {})
        if kept:
            text += f"; {label} keeps its own values for {', '.join(kept)}"
    return text


def observed_years(record: dict[str, Any]) -> str | None:
    """``2015–2022``: the years of the observations a record's posterior was calibrated to."""
    span = record.get("observed") or {}
    first, last = str(span.get("from") or "")[:4], str(span.get("to") or "")[:4]
    if not (first.isdigit() and last.isdigit()):
        return None
    return first if first == last else f"{first}–{last}"


# -- helpers ---------------------------------------------------------------------


def _one_line(error: BaseException) -> str:
    """An exception's message on one line (a problem is reported as one line)."""
    return " ".join(str(error).split()) or type(error).__name__


def _same(a: str | Path, b: str | Path) -> bool:
    try:
        return Path(a).resolve() == Path(b).resolve()
    except OSError:
        return False


def _span_dict(span: tuple[str, str] | None) -> dict[str, str] | None:
    return {"from": span[0], "to": span[1]} if span is not None else None


def _read_manifest(path: Path) -> tuple[tuple[str, str] | None, str]:
    """What a calibration's manifest says it was calibrated to, and the manifest's hash."""
    try:
        raw = path.read_bytes()
        data = json.loads(raw.decode("utf-8"))
    except (OSError, ValueError) as error:  # UnicodeDecodeError is a ValueError
        raise InputError(
            [Problem(str(path), "(file)", f"not readable: {_one_line(error)}")]
        ) from None
    return observed_span(data), hashlib.sha256(raw).hexdigest()


def observed_span(manifest: Any) -> tuple[str, str] | None:
    """First and last date of the observations a calibration manifest lists, or ``None``.

    ``sim calibrate`` writes them as a top-level ``observations`` list of
    ``{metric, date_from, date_to, ...}``; a list kept under any other key
    naming observations (``inputs.observations``, ``observed``), at any
    depth, is read the same way, so a manifest written by another version
    still dates its calibration. Entries under a key naming skipped rows
    are not observations it was calibrated to.
    """
    starts: list[date] = []
    ends: list[date] = []

    def walk(node: Any, inside: bool) -> None:
        if isinstance(node, dict):
            if inside and "date_from" in node and "date_to" in node:
                try:
                    starts.append(date.fromisoformat(str(node["date_from"])[:10]))
                    ends.append(date.fromisoformat(str(node["date_to"])[:10]))
                except ValueError:
                    pass
            for key, value in node.items():
                name = str(key).lower()
                if "skip" not in name:
                    walk(value, inside or "observ" in name)
        elif isinstance(node, list):
            for item in node:
                walk(item, inside)

    walk(manifest, False)
    if not starts:
        return None
    return min(starts).isoformat(), max(ends).isoformat()
