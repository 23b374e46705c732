"""Scenarios side by side on common random numbers, and the cost of delaying a measure.

Why this shape:

- **Common random numbers.** Every scenario runs with the same ensemble seed,
  so replication ``i`` of each runs with the same child seed and the same
  named random streams (:mod:`sim.model.rng`). Two runs of a pair then differ only
  through what the scenarios change, and the differences between scenarios
  are estimated from paired runs (:mod:`sim.analysis.paired`) with intervals far
  narrower than two independent ensembles would give. Two identical
  scenarios differ by exactly zero, run by run. When the parameters are
  drawn from a posterior (by default the commune's calibration, when it has
  one: :mod:`sim.experiments.posterior`), it is read once and replication ``i`` of every
  scenario draws the same particle (its draw depends only on the seed and
  ``i``), so the particles are common random numbers too; ensembles drawn
  from different posteriors (or one drawn and one not) are never paired.
- **One concept.** A comparison is a list of ensembles (each an ordinary
  :func:`~sim.experiments.ensemble.run_ensemble`, stored and reused by the results store)
  plus one tidy table; the first scenario is the reference every other is
  measured against.
- **Stored with its provenance.** The table goes to
  ``<out>/comparisons/<names>-s<seed>-n<reps>-<key>/`` as Parquet and CSV, with
  the printed text and a ``manifest.json`` (scenarios, their ensemble folders,
  seed, reps, version, git commit) written last, each file atomically.

The table has one row per measure and scenario: the five target probabilities
of :data:`sim.model.targets.TARGET_KEYS` (Wilson 95 % intervals) and two means
(term-mean admissions a year, white villages at the horizon), each with its
difference from the first scenario and a paired 95 % interval.

The cost of delay (:func:`cost_of_delay`) compares a scenario with copies of
itself in which one measure starts ``months`` later (clipped to the horizon),
one copy per measure, on the same common random numbers.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from sim.analysis.headline import interval, percent, target_phrases
from sim.analysis.paired import PairedDifference, paired_mean, paired_proportion
from sim.experiments.ensemble import EnsembleResult, run_ensemble
from sim.experiments.experiment import Runner
from sim.experiments.experiment import manifest as experiment_manifest
from sim.experiments.posterior import (
    COMMUNE,
    Posterior,
    parameters_of,
    parameters_summary,
    resolve_posterior,
)
from sim.experiments.store import slug, write_json_atomic, write_parquet_atomic, write_text_atomic
from sim.experiments.summary import Z95, wilson_interval
from sim.inputs.errors import InputError, Problem
from sim.inputs.provenance import digest, package_version
from sim.inputs.scenario import Intervention, Scenario, load_scenario
from sim.model.targets import TARGET_KEYS

#: The means compared besides the target probabilities: column -> what it is, in words.
MEANS: dict[str, str] = {
    "admissions_term_mean": "admissions a year (term mean)",
    "white_villages_at_horizon": "white villages at the horizon",
}

#: Every measure of the table, in order.
MEASURE_KEYS = (*TARGET_KEYS, *MEANS)

#: Columns of the comparison table.
COLUMNS = (
    "measure",
    "kind",
    "scenario",
    "order",
    "value",
    "low",
    "high",
    "reference",
    "difference",
    "difference_low",
    "difference_high",
    "gained",
    "lost",
    "reps",
    "method",
)


@dataclass
class Comparison:
    """Scenarios' ensembles on common random numbers and their comparison table.

    ``results`` maps each scenario's label (its name, made unique) to its
    ensemble, in the order given; the first is the reference. ``table`` has
    the columns of :data:`COLUMNS`; ``path`` is where it is stored (``None``
    when kept in memory).
    """

    table: pd.DataFrame
    results: dict[str, EnsembleResult] = field(repr=False)
    manifest: dict[str, Any] = field(repr=False)
    path: Path | None = None

    @property
    def labels(self) -> list[str]:
        """The scenarios' labels, the reference first."""
        return list(self.results)

    @property
    def reference(self) -> str:
        """The label of the first scenario, which the differences are taken from."""
        return self.labels[0]

    def row(self, scenario: str, measure: str) -> pd.Series:
        """The table's row for one scenario and one measure."""
        rows = self.table[(self.table["scenario"] == scenario) & (self.table["measure"] == measure)]
        if len(rows) != 1:
            raise KeyError(f"no row for scenario {scenario!r} and measure {measure!r}")
        return rows.iloc[0]

    def difference(self, scenario: str, measure: str) -> tuple[float, float, float]:
        """``(difference, low, high)`` of ``scenario`` minus the reference on ``measure``."""
        row = self.row(scenario, measure)
        return row["difference"], row["difference_low"], row["difference_high"]

    def text(self) -> str:
        """The table as the command line prints it."""
        return comparison_text(self.table, self.manifest)


@dataclass
class DelayCosts:
    """The cost of starting each measure of a scenario later.

    ``table`` has one row per measure (intervention) and target: the
    scenario's value on time, the value with that measure delayed, and the
    difference (delayed minus on time) with a paired 95 % interval.
    ``comparison`` holds the underlying ensembles.
    """

    table: pd.DataFrame
    comparison: Comparison = field(repr=False)
    manifest: dict[str, Any] = field(repr=False)
    path: Path | None = None

    def text(self) -> str:
        """The table as the command line prints it."""
        return delay_text(self.table, self.manifest)


# -- running -----------------------------------------------------------------------


def compare(
    scenarios: Sequence[Scenario | str | Path],
    reps: int,
    seed: int | None = None,
    *,
    horizon: date | str | None = None,
    out: str | Path | None = "results",
    backend: str = "local",
    workers: int | None = None,
    scheduler: str | None = None,
    quiet: bool = False,
    fresh: bool = False,
    posterior: Any = COMMUNE,
) -> Comparison:
    """Run every scenario on common random numbers and compare each with the first.

    ``scenarios`` are :class:`Scenario` objects or scenario files; all must
    describe the same commune over the same period (``horizon`` sets one for
    all, e.g. ``"2025-12-31"`` for the 2020-2025 term). ``seed`` is the one
    ensemble seed every scenario runs with (default: the first scenario's
    seed, then 0): the scenarios' own seeds are ignored, since common random
    numbers need a common seed. Ensembles are stored under ``out`` and reused
    (``fresh=True`` recomputes); the comparison goes to ``out/comparisons/``.
    ``posterior`` is as for :func:`~sim.experiments.ensemble.run_ensemble` (by default
    the commune's calibration if it has one; ``None``: the assumed values),
    read once for every scenario.
    """
    loaded = _load(scenarios, horizon)
    if len(loaded) < 2:
        raise InputError(
            [
                Problem(
                    "compare",
                    "scenarios",
                    "name at least two scenarios (the first is the reference)",
                )
            ]
        )
    seed = _seed(loaded, seed)
    drawn = resolve_posterior(posterior, loaded[0].commune)
    labels = unique_labels([s.name for s in loaded])
    results = _ensembles(loaded, reps, seed, out, backend, workers, scheduler, quiet, fresh, drawn)
    ensembles = dict(zip(labels, results, strict=True))
    table = comparison_table(ensembles)
    manifest = _manifest("comparison", loaded, labels, ensembles, seed, reps)
    path = None
    if out is not None:
        name = "-vs-".join(slug(label) for label in labels)
        path = _folder(out, name, seed, reps, manifest["key"])
        _store(path, table, comparison_text(table, manifest, path), manifest)
    return Comparison(table=table, results=ensembles, manifest=manifest, path=path)


def cost_of_delay(
    scenario: Scenario | str | Path,
    reps: int,
    seed: int | None = None,
    *,
    months: int = 12,
    horizon: date | str | None = None,
    out: str | Path | None = "results",
    backend: str = "local",
    workers: int | None = None,
    scheduler: str | None = None,
    quiet: bool = False,
    fresh: bool = False,
    posterior: Any = COMMUNE,
) -> DelayCosts:
    """The effect on each target of starting each measure of ``scenario`` ``months`` later.

    One copy of the scenario per measure in force (intensity > 0), with that
    measure's start moved ``months`` later (clipped to the horizon: a measure
    pushed to the horizon is in effect never started), compared with the
    scenario itself on common random numbers (and, with a posterior, the
    same particles: ``posterior`` as for :func:`compare`).
    """
    (base,) = _load([scenario], horizon)
    if not isinstance(months, int) or isinstance(months, bool) or months < 1:
        raise InputError(
            [Problem("cost of delay", "months", f"{months!r} is not a whole number >= 1")]
        )
    variants, rows = [], []
    names = unique_labels([_intervention_label(i) for i in base.interventions])
    for index, (item, label) in enumerate(zip(base.interventions, names, strict=True)):
        if item.intensity <= 0:
            continue
        later = min(add_months(item.start, months), base.horizon)
        changed = list(base.interventions)
        changed[index] = replace(item, start=later)
        variant = replace(
            base.with_interventions(*changed),
            name=f"{base.name}--{slug(label)}-{months}m-later",
        )
        variants.append(variant)
        rows.append({"intervention": index, "label": label, "start": item.start, "delayed": later})
    if not variants:
        raise InputError(
            [
                Problem(
                    str(base.path or base.name),
                    "interventions",
                    "no measure is in force (intensity > 0): nothing to delay",
                )
            ]
        )
    seed = _seed([base], seed)
    drawn = resolve_posterior(posterior, base.commune)
    loaded = [base, *variants]
    labels = [base.name, *(row["label"] for row in rows)]
    results = _ensembles(loaded, reps, seed, out, backend, workers, scheduler, quiet, fresh, drawn)
    ensembles = dict(zip(labels, results, strict=True))
    long = comparison_table(ensembles)
    comparison_manifest = _manifest("comparison", loaded, labels, ensembles, seed, reps)
    comparison = Comparison(table=long, results=ensembles, manifest=comparison_manifest)

    table = _delay_table(long, rows, base.name)
    manifest = _manifest("cost_of_delay", loaded, labels, ensembles, seed, reps)
    manifest["delay_months"] = months
    manifest["interventions"] = [
        {**row, "start": row["start"].isoformat(), "delayed": row["delayed"].isoformat()}
        for row in rows
    ]
    manifest["key"] = digest({"key": manifest["key"], "delay_months": months})
    path = None
    if out is not None:
        path = _folder(out, f"{slug(base.name)}-delay{months}m", seed, reps, manifest["key"])
        _store(path, table, delay_text(table, manifest, path), manifest)
    return DelayCosts(table=table, comparison=comparison, manifest=manifest, path=path)


def _load(scenarios: Sequence[Scenario | str | Path], horizon: date | str | None) -> list[Scenario]:
    """Load the scenarios, set the horizon, and check they can be paired."""
    problems: list[Problem] = []
    loaded: list[Scenario] = []
    for item in scenarios:
        try:
            scenario = item if isinstance(item, Scenario) else load_scenario(item)
            if horizon is not None:
                scenario = scenario.with_horizon(horizon)
        except InputError as error:
            problems.extend(error.problems)
            continue
        loaded.append(scenario)
    if problems:
        raise InputError(problems)
    if loaded:
        first = loaded[0]
        for other in loaded[1:]:
            where = str(other.path or other.name)
            if other.commune.path != first.commune.path:
                problems.append(
                    Problem(
                        where,
                        "commune",
                        f"{other.commune.path} differs from {first.commune.path}: scenarios "
                        "of different communes cannot be compared run by run",
                    )
                )
            elif (other.start, other.horizon) != (first.start, first.horizon):
                problems.append(
                    Problem(
                        where,
                        "horizon",
                        f"{other.start} to {other.horizon} differs from {first.start} to "
                        f"{first.horizon}: the targets would mean different things "
                        "(give one --horizon for all)",
                    )
                )
    if problems:
        raise InputError(problems)
    return loaded


def _seed(scenarios: list[Scenario], seed: int | None) -> int:
    if seed is None:
        seed = scenarios[0].seed if scenarios[0].seed is not None else 0
    if not isinstance(seed, int | np.integer) or isinstance(seed, bool) or seed < 0:
        raise InputError([Problem("compare", "seed", f"{seed!r} is not a whole number >= 0")])
    return int(seed)


def _ensembles(
    scenarios: list[Scenario],
    reps: int,
    seed: int,
    out: str | Path | None,
    backend: str,
    workers: int | None,
    scheduler: str | None,
    quiet: bool,
    fresh: bool,
    posterior: Posterior | None = None,
) -> list[EnsembleResult]:
    """Every scenario's ensemble with the same seed (and posterior), on one set of workers."""
    runner = Runner(
        backend, workers=workers, scheduler=scheduler, preload=("sim.experiments.ensemble",)
    )
    with runner:
        return [
            run_ensemble(
                s,
                reps,
                seed,
                backend=runner,
                out=out,
                quiet=quiet,
                fresh=fresh,
                posterior=posterior,
            )
            for s in scenarios
        ]


def unique_labels(names: Sequence[str]) -> list[str]:
    """The names, with `` (2)``, `` (3)``, ... added to repeats so every label is distinct."""
    seen: dict[str, int] = {}
    labels = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        labels.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    return labels


def add_months(day: date, months: int) -> date:
    """``day`` moved ``months`` calendar months later (the day clipped to the month's end)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")  # pragma: no cover


def _intervention_label(item: Intervention) -> str:
    if item.villages is None:
        return item.measure
    return f"{item.measure} ({','.join(item.villages)})"


# -- the table ---------------------------------------------------------------------------


def comparison_table(ensembles: dict[str, EnsembleResult]) -> pd.DataFrame:
    """The long comparison table (:data:`COLUMNS`) of ensembles run on the same seeds.

    The first ensemble is the reference. Runs are paired by replication
    index; ensembles of different sizes or seeds, or drawing their
    parameters from different posteriors (or one from a posterior and the
    other at the assumed values), cannot be paired.
    """
    labels = list(ensembles)
    first = ensembles[labels[0]]
    for label in labels[1:]:
        other = ensembles[label]
        if other.manifest.get("seed") != first.manifest.get("seed") or other.reps != first.reps:
            raise ValueError(
                f"{label!r} ran with another seed or number of runs than {labels[0]!r}: "
                "only ensembles on the same seeds can be paired"
            )
        if _posterior_hash(other) != _posterior_hash(first):
            raise ValueError(
                f"{label!r} drew its parameters otherwise than {labels[0]!r} "
                f"({parameters_of(other.manifest)['sentence']} against "
                f"{parameters_of(first.manifest)['sentence']}): only ensembles on the same "
                "particles can be paired"
            )
    return paired_table({label: _by_replication(ensembles[label]) for label in labels})


def paired_table(runs: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """The long comparison table (:data:`COLUMNS`) of replication tables aligned run by run.

    ``runs`` maps each label to its ``replications`` rows, row ``i`` of
    every table being the same replication (the same seed); the first label
    is the reference. :func:`comparison_table` passes whole ensembles; the
    planner's screen passes the replications finished so far (the same
    indices in each), which gives the preliminary answer.
    """
    labels = list(runs)
    reference = runs[labels[0]]
    rows = []
    for key in MEASURE_KEYS:
        kind = "probability" if key in TARGET_KEYS else "mean"
        for order, label in enumerate(labels):
            values = runs[label][key].to_numpy()
            if kind == "probability":
                flags = values.astype(bool)
                value = float(flags.mean())
                low, high = wilson_interval(int(flags.sum()), len(flags))
            else:
                value, low, high = _mean_interval(values.astype(float))
            row: dict[str, Any] = {
                "measure": key,
                "kind": kind,
                "scenario": label,
                "order": order,
                "value": value,
                "low": low,
                "high": high,
                "reference": labels[0],
                "reps": len(values),
            }
            if order == 0:
                diff = PairedDifference(0.0, math.nan, math.nan, len(values), method="")
            elif kind == "probability":
                diff = paired_proportion(reference[key].to_numpy(), values)
            else:
                diff = paired_mean(reference[key].to_numpy(), values)
            row.update(
                difference=diff.estimate if order else math.nan,
                difference_low=diff.low,
                difference_high=diff.high,
                gained=diff.gained if diff.gained is not None else -1,
                lost=diff.lost if diff.lost is not None else -1,
                method=diff.method,
            )
            rows.append(row)
    table = pd.DataFrame(rows, columns=list(COLUMNS))
    return table.astype({"order": "int64", "gained": "int64", "lost": "int64", "reps": "int64"})


def _posterior_hash(result: EnsembleResult) -> str | None:
    """The posterior an ensemble drew from (its table's SHA-256), ``None`` at the assumed values."""
    record = parameters_of(result.manifest)
    return record.get("sha256") if record.get("kind") == "posterior" else None


def _by_replication(result: EnsembleResult) -> pd.DataFrame:
    runs = result.replications.sort_values("replication", kind="stable").reset_index(drop=True)
    expected = np.arange(result.reps)
    if not np.array_equal(runs["replication"].to_numpy(), expected):
        raise ValueError("an ensemble's replications are not 0 .. reps - 1")
    return runs


def _mean_interval(values: np.ndarray) -> tuple[float, float, float]:
    """The mean of a count with its normal 95 % interval, cut at zero.

    Both means are of counts (admissions, white villages), which cannot be
    negative: near zero the normal interval would reach below it, so its
    lower end is cut there (the part below zero holds no possible value).
    Differences of means keep their sign.
    """
    mean = float(values.mean())
    if len(values) < 2:
        return mean, math.nan, math.nan
    half = Z95 * float(values.std(ddof=1)) / math.sqrt(len(values))
    return mean, max(0.0, mean - half), mean + half


def _delay_table(long: pd.DataFrame, rows: list[dict[str, Any]], base: str) -> pd.DataFrame:
    """One row per delayed measure and target: on time, delayed, difference."""
    records = []
    for row in rows:
        for key in MEASURE_KEYS:
            on_time = long[(long["scenario"] == base) & (long["measure"] == key)].iloc[0]
            late = long[(long["scenario"] == row["label"]) & (long["measure"] == key)].iloc[0]
            records.append(
                {
                    "intervention": row["intervention"],
                    "label": row["label"],
                    "start": pd.Timestamp(row["start"]),
                    "delayed_start": pd.Timestamp(row["delayed"]),
                    "measure": key,
                    "kind": late["kind"],
                    "on_time": on_time["value"],
                    "delayed": late["value"],
                    "difference": late["difference"],
                    "difference_low": late["difference_low"],
                    "difference_high": late["difference_high"],
                    "reps": late["reps"],
                    "method": late["method"],
                }
            )
    table = pd.DataFrame(records)
    for column in ("start", "delayed_start"):
        table[column] = table[column].astype("datetime64[ms]")
    return table.astype({"intervention": "int64", "reps": "int64"})


# -- text -----------------------------------------------------------------------------


def _points(value: float, signed: bool = True) -> str:
    """A difference of probabilities in percentage points: ``+12``, ``-3``, ``0``."""
    if value != value:
        return ""
    points = round(value * 100)
    return _signed(points) if signed else f"{points:d}"


def _point_interval(low: float, high: float) -> str:
    """A paired interval in percentage points, rounded outwards: ``-6 to +1``."""
    if low != low or high != high:
        return ""
    lo = math.floor(low * 100 + 1e-9)
    hi = math.ceil(high * 100 - 1e-9)
    return f"{_signed(lo)} to {_signed(hi)}"


def _signed(points: int) -> str:
    return f"{points:+d}" if points else "0"


def _number(value: float, signed: bool = False) -> str:
    if value != value:
        return ""
    return f"{value:+.2f}" if signed else f"{value:.2f}"


def _mean_words(manifest: dict[str, Any]) -> dict[str, str]:
    targets = manifest["targets"]
    years = targets["term_years"]
    span = f"{years[0]}–{years[-1]}" if years else ""
    return {
        "admissions_term_mean": f"admissions a year, mean over {span}",
        "white_villages_at_horizon": f"white villages at {targets['horizon']}",
    }


def comparison_text(table: pd.DataFrame, manifest: dict[str, Any], path: Path | None = None) -> str:
    """The comparison as blocks, one per measure: each scenario's value and its difference."""
    phrases = {**target_phrases(manifest["targets"]), **_mean_words(manifest)}
    labels = list(dict.fromkeys(table.sort_values("order", kind="stable")["scenario"]))
    reference = labels[0]
    width = max(12, *(len(label) for label in labels))
    lines = [_heading(manifest, path), *_parameters_line(manifest)]
    lines.append(
        f"Differences are each scenario minus {reference!r}: percentage points for chances, "
        "with paired 95 % intervals (Tango score for chances, normal for means)."
    )
    for key in MEASURE_KEYS:
        rows = table[table["measure"] == key].sort_values("order", kind="stable")
        probability = key in TARGET_KEYS
        lines.append("")
        lines.append(phrases[key])
        value_head = "chance" if probability else "mean"
        lines.append(
            f"  {'scenario':<{width}}  {value_head:>7}  {'95 % interval':<13}  "
            f"{'difference':>10}  paired 95 % interval"
        )
        for _, row in rows.iterrows():
            if probability:
                value = percent(row["value"])
                spread = interval((row["low"], row["high"]))
                diff = _points(row["difference"])
                diff_interval = _point_interval(row["difference_low"], row["difference_high"])
                if diff:
                    diff += " pts"
            else:
                value = _number(row["value"])
                spread = f"{row['low']:.2f}–{row['high']:.2f}" if row["low"] == row["low"] else ""
                diff = _number(row["difference"], signed=True)
                diff_interval = (
                    f"{row['difference_low']:+.2f} to {row['difference_high']:+.2f}"
                    if row["difference_low"] == row["difference_low"]
                    else ""
                )
            if row["order"] == 0:
                diff, diff_interval = "(reference)", ""
            lines.append(
                f"  {row['scenario']:<{width}}  {value:>7}  {spread:<13}  {diff:>10}  "
                f"{diff_interval}".rstrip()
            )
    return "\n".join(lines) + "\n"


#: Short column heads of the delay table.
_SHORT = {
    "admissions_every_year_meet_target": "≥{n} every year",
    "admissions_term_mean_meets_target": "≥{n} on average",
    "no_white_village_at_horizon": "no white village",
    "every_village_has_cell_at_horizon": "all own cells",
    "every_cell_admits_each_year": "cells ≥{c} a year",
    "admissions_term_mean": "admissions/yr",
    "white_villages_at_horizon": "white villages",
}


def delay_text(table: pd.DataFrame, manifest: dict[str, Any], path: Path | None = None) -> str:
    """The cost of delay as a matrix: one row per measure, one column per target."""
    targets = manifest["targets"]
    heads = {
        key: text.format(
            n=targets["admissions_per_year_min"], c=targets["admissions_per_cell_per_year_min"]
        )
        for key, text in _SHORT.items()
    }
    months = manifest.get("delay_months")
    base = manifest["scenarios"][0]["label"]
    lines = [_heading(manifest, path), *_parameters_line(manifest)]
    lines.append(
        f"Cost of starting each measure of {base!r} {months} months later: delayed minus on "
        "time, percentage points for chances (means as numbers), paired 95 % interval below."
    )
    labels = list(dict.fromkeys(table["label"]))
    width = max(len("measure"), *(len(label) for label in labels))
    cell = max(18, *(len(h) for h in heads.values()))
    lines.append("")
    on_time = table[table["label"] == labels[0]].set_index("measure")["on_time"]
    lines.append(
        f"{'measure':<{width}}  {'start':<7} → {'later':<7}  "
        + "  ".join(f"{heads[key]:>{cell}}" for key in MEASURE_KEYS)
    )
    lines.append(
        f"{'(on time: ' + base + ')':<{width}}  {'':<17}  "
        + "  ".join(
            f"{(percent(on_time[key]) if key in TARGET_KEYS else _number(on_time[key])):>{cell}}"
            for key in MEASURE_KEYS
        )
    )
    for label in labels:
        rows = table[table["label"] == label].set_index("measure")
        first = rows.iloc[0]
        start = pd.Timestamp(first["start"]).strftime("%Y-%m")
        later = pd.Timestamp(first["delayed_start"]).strftime("%Y-%m")
        values, spreads = [], []
        for key in MEASURE_KEYS:
            row = rows.loc[key]
            if key in TARGET_KEYS:
                values.append(_points(row["difference"]) + " pts")
                spreads.append(
                    "(" + _point_interval(row["difference_low"], row["difference_high"]) + ")"
                )
            else:
                values.append(_number(row["difference"], signed=True))
                spreads.append(f"({row['difference_low']:+.2f} to {row['difference_high']:+.2f})")
        lines.append(
            f"{label:<{width}}  {start:<7} → {later:<7}  "
            + "  ".join(f"{v:>{cell}}" for v in values)
        )
        lines.append(f"{'':<{width}}  {'':<17}  " + "  ".join(f"{s:>{cell}}" for s in spreads))
    return "\n".join(lines) + "\n"


def _heading(manifest: dict[str, Any], path: Path | None) -> str:
    scenarios = manifest["scenarios"]
    commune = scenarios[0]["commune"] if scenarios else ""
    where = f"; stored in {path}" if path is not None else ""
    targets = manifest["targets"]
    return (
        f"{len(scenarios)} scenarios of {commune}, {targets['start']} to {targets['horizon']}: "
        f"{manifest['reps']} runs each, seed {manifest['seed']}, common random numbers, "
        f"nahy-sim {manifest['version']}{where}"
    )


def _parameters_line(manifest: dict[str, Any]) -> list[str]:
    """Where the compared ensembles' parameters came from, as a line (none for old manifests)."""
    sentence = (manifest.get("parameters") or {}).get("sentence")
    return [sentence] if sentence else []


# -- storing --------------------------------------------------------------------------


def _manifest(
    kind: str,
    scenarios: list[Scenario],
    labels: list[str],
    ensembles: dict[str, EnsembleResult],
    seed: int,
    reps: int,
) -> dict[str, Any]:
    """What the comparison was computed from: every figure traceable to its ensembles."""
    entries = []
    for scenario, label in zip(scenarios, labels, strict=True):
        result = ensembles[label]
        entries.append(
            {
                "label": label,
                "name": scenario.name,
                "file": str(scenario.path) if scenario.path is not None else None,
                "commune": scenario.commune.name,
                "ensemble_key": result.manifest.get("key"),
                "ensemble_folder": str(result.path) if result.path is not None else None,
                "scenario": scenario.to_dict(),
                "parameters": parameters_of(result.manifest),
            }
        )
    first = ensembles[labels[0]]
    key = digest(
        {
            "kind": kind,
            "labels": labels,
            "ensembles": [e["ensemble_key"] for e in entries],
            "seed": seed,
            "reps": reps,
            "version": package_version(),
        }
    )
    record = experiment_manifest(
        kind,
        key,
        seed,
        reference=labels[0],
        scenarios=entries,
        reps=reps,
        common_random_numbers=(
            "every scenario ran with numpy.random.SeedSequence(seed).spawn(reps); replication i "
            "of each used child i and the same named random streams"
        ),
        intervals={
            "probability": "Wilson score 95 %",
            "mean": "normal 95 %, sd / sqrt(n)",
            "difference_of_probabilities": "Tango (1998) paired score 95 %",
            "difference_of_means": "normal 95 % on the paired differences",
        },
        targets=first.manifest.get("targets", {}),
        parameters={
            "sha256": _posterior_hash(first),
            "sentence": parameters_summary([(e["label"], e["parameters"]) for e in entries]),
        },
    )
    record["status"] = "complete"
    record["backend"] = first.manifest.get("backend")
    return record


def _folder(out: str | Path, name: str, seed: int, reps: int, key: str) -> Path:
    """``<out>/comparisons/<name>-s<seed>-n<reps>-<key[:12]>`` (a long name is shortened)."""
    if len(name) > 80:
        name = name[:80].rstrip("-")
    return Path(out) / "comparisons" / f"{name}-s{seed}-n{reps}-{key[:12]}"


def _store(path: Path, table: pd.DataFrame, text: str, manifest: dict[str, Any]) -> None:
    """Write the table (Parquet, CSV), the text, then the manifest: each file atomically."""
    path.mkdir(parents=True, exist_ok=True)
    write_json_atomic(path / "manifest.json", {**manifest, "status": "incomplete"})
    arrow = pa.Table.from_pandas(table, preserve_index=False).replace_schema_metadata(None)
    write_parquet_atomic(path / "table.parquet", arrow)
    write_text_atomic(path / "table.csv", table.to_csv(index=False))
    write_text_atomic(path / "table.txt", text)
    write_json_atomic(path / "manifest.json", manifest)
