"""The model against the record: the article's figures beside what each scenario produces.

Why a report of its own: a forecast is only as good as the model's ability
to produce what was seen. The commune's ``observed.csv`` holds the public
figures (Nà Hỳ: 8 admissions in the first quarter of 2017, 3 Youth Union
members and 5 farmers, 128 members and 2 white villages in April 2017, ...);
this report reads each of them on every run exactly as calibration does
(:mod:`sim.analysis.observed`), and adds the figures a researcher checks a model's
behaviour by: admissions per year and by quarter, per cell (and the share
of cell-years with at least the quota), by source group and age, and when
each white village gets its first member.

Every scenario runs the same replications (``SeedSequence(seed).spawn(reps)``,
common random numbers); runs go through the ensemble backends, so the report
is the same on any number of workers. It is written atomically with the
scenarios, seed, version and commit that made it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis.observed import (
    SOURCE_GROUPS,
    MeasurePlan,
    Observation,
    measure_plan,
    observations,
)
from sim.experiments.experiment import EachRun, Run, Runner, replications
from sim.experiments.experiment import manifest as experiment_manifest
from sim.experiments.store import slug, write_json_atomic, write_text_atomic
from sim.experiments.summary import wilson_interval
from sim.inputs.provenance import digest
from sim.inputs.scenario import Scenario
from sim.model import run as model_run
from sim.model.results import ADMISSION_COLUMNS, VILLAGE_STATUSES, RunRecord
from sim.model.timeline import date_at

#: Modules local worker processes import before their first task.
PRELOAD = (__name__,)

_COL = {name: i for i, name in enumerate(ADMISSION_COLUMNS)}
_WHITE = VILLAGE_STATUSES.index("white")


@dataclass
class RunFigures:
    """What one run says about the record (small and picklable)."""

    observed: list[float]
    years: dict[int, int]
    quarters: dict[tuple[int, int], int]
    cells: dict[tuple[str, int], int]
    groups: dict[str, int]
    young: int
    admitted: int
    first_member: dict[str, float | None]
    members_end: int


def run_figures(record: RunRecord, plan: MeasurePlan, young_age: float) -> RunFigures:
    """The record's figures of one run (``young_age``: the age under which "young" counts)."""
    counted = [row for row in record.admissions if row[_COL["counted"]]]
    dates = [date_at(record.start, float(row[_COL["time"]])) for row in counted]
    white = record.status == _WHITE
    first: dict[str, float | None] = {}
    for v, village in enumerate(record.village_ids):
        if not white[0, v]:
            continue
        ended = np.flatnonzero(~white[:, v])
        first[village] = float(ended[0]) if len(ended) else None
    rows = record.members_cell.reshape(-1, 4)
    last = rows[rows[:, 0] == rows[:, 0].max()]
    return RunFigures(
        observed=plan.measure(record).tolist(),
        years=dict(Counter(d.year for d in dates)),
        quarters=dict(Counter((d.year, (d.month - 1) // 3 + 1) for d in dates)),
        cells=dict(
            Counter((str(row[_COL["cell"]]), d.year) for row, d in zip(counted, dates, strict=True))
        ),
        groups=dict(Counter(str(row[_COL["source_group"]]) for row in counted)),
        young=sum(float(row[_COL["age"]]) < young_age for row in counted),
        admitted=len(counted),
        first_member=first,
        members_end=int(last[:, 2].sum() + last[:, 3].sum()),
    )


@dataclass(frozen=True)
class RecordEvaluator(EachRun):
    """What the report keeps of a run: its figures beside the record (:func:`run_figures`)."""

    plan: MeasurePlan

    def __call__(self, scenario: Scenario, run: Run, seed: np.random.SeedSequence) -> RunFigures:
        young = scenario.parameters["spotting_age_young_max"] + 1.0
        return run_figures(model_run(scenario, seed).record, self.plan, young)


@dataclass
class RecordReport:
    """The report: one table per topic (scenarios as columns), its text and its manifest."""

    tables: dict[str, pd.DataFrame]
    manifest: dict[str, Any] = field(repr=False)
    path: Path | None = None

    def text(self) -> str:
        """The report as plain text, one titled table per topic."""
        m = self.manifest
        lines = [
            f"The model against the record: {', '.join(m['scenarios'])}; {m['reps']} runs each, "
            f"seed {m['seed']}, common random numbers, nahy-sim {m['version']}",
            "Model columns: mean [5th-95th percentile] of the runs, or a chance (share of runs) "
            "with its Wilson 95 % interval.",
        ]
        for title, table in self.tables.items():
            lines += ["", title, table.to_string(index=False)]
        return "\n".join(lines) + "\n"


def _band(values: list[float] | np.ndarray, digits: int = 1) -> str:
    values = np.asarray(values, dtype=float)
    low, high = np.percentile(values, [5, 95])
    return f"{values.mean():.{digits}f} [{low:.{digits}f}-{high:.{digits}f}]"


def _chance(hits: int, n: int) -> str:
    low, high = wilson_interval(hits, n)
    return f"{100 * hits / n:.0f} % ({100 * low:.0f}-{100 * high:.0f} %)"


def _observed_rows(used: list[Observation], runs: list[RunFigures]) -> list[dict[str, str]]:
    rows = []
    for k, obs in enumerate(used):
        values = np.array([r.observed[k] for r in runs])
        period = obs.date_to.isoformat()
        if obs.date_from != obs.date_to:
            period = f"{obs.date_from:%Y-%m}..{obs.date_to:%Y-%m}"
        digits = 2 if obs.is_share else 1
        hit = np.isclose(values, obs.value) if obs.is_share else values == obs.value
        at_least = values >= obs.value - 1e-9
        rows.append(
            {
                "figure": f"{obs.metric.replace('admissions_', 'adm. ')} {period}",
                "record": f"{obs.value:g}",
                "model": _band(values, digits),
                "= record": _chance(int(hit.sum()), len(values)),
                ">= record": _chance(int(at_least.sum()), len(values)),
            }
        )
    return rows


def _topics(
    scenario: Scenario, used: list[Observation], runs: list[RunFigures]
) -> dict[str, list[dict[str, str]]]:
    """Per topic, the rows of one scenario (figure, record, model...)."""
    n = len(runs)
    years = range(scenario.start.year, scenario.horizon.year + 1)
    target = range(scenario.start.year + 1, scenario.horizon.year + 1)
    commune = scenario.commune
    quota = commune.targets.admissions_per_cell_per_year_min
    plan_min = commune.targets.admissions_per_year_min
    per_year = [
        {
            "figure": f"admissions {y}",
            "record": "plan 7-8" if y in target else "",
            "model": _band([r.years.get(y, 0) for r in runs]),
            f">= {plan_min}": _chance(sum(r.years.get(y, 0) >= plan_min for r in runs), n),
        }
        for y in years
    ]
    total = sum(sum(r.quarters.values()) for r in runs) or 1
    quarters = []
    for q in (1, 2, 3, 4):
        in_q = [sum(r.quarters.get((y, q), 0) for y in years) for r in runs]
        quarters.append(
            {
                "figure": f"quarter {q}",
                "share": f"{100 * sum(in_q) / total:.0f} %",
                "a year": f"{np.mean(in_q) / len(years):.2f}",
            }
        )
    cells = []
    for cell in commune.cells:
        counts = np.array([[r.cells.get((cell.id, y), 0) for y in target] for r in runs])
        cells.append(
            {
                "cell": f"{cell.id} ({cell.kind})",
                "plan": str(cell.plan_per_year),
                "a year": _band(counts.mean(axis=1), 2),
                f"years >= {quota}": f"{100 * (counts >= quota).mean():.0f} %",
                "all years": _chance(int((counts >= quota).all(axis=1).sum()), n),
            }
        )
    admitted = sum(r.admitted for r in runs) or 1
    by_group: Counter[str] = Counter()
    for r in runs:
        by_group.update(r.groups)
    groups = [
        {"source group": g, "share": f"{100 * by_group[g] / admitted:.0f} %"} for g in SOURCE_GROUPS
    ]
    young_age = int(scenario.parameters["spotting_age_young_max"])
    groups.append(
        {
            "source group": f"(aged {young_age} or under)",
            "share": f"{100 * sum(r.young for r in runs) / admitted:.0f} %",
        }
    )
    villages = []
    for village in sorted({v for r in runs for v in r.first_member}):
        months = [r.first_member.get(village) for r in runs]
        reached = [m for m in months if m is not None]
        median = date_at(scenario.start, float(np.median(reached))) if reached else None
        april = _month_of(scenario.start, date(2017, 4, 1))
        villages.append(
            {
                "white village": village,
                "by 2017-04": f"{100 * sum(m <= april for m in reached) / n:.0f} %",
                "by the end": f"{100 * len(reached) / n:.0f} %",
                "median": median.strftime("%Y-%m") if median else "never",
            }
        )
    return {
        "The record (observed.csv), read on every run as calibration reads it": _observed_rows(
            used, runs
        ),
        "Admissions a year (counted: by the commune's cells, at the ceremony)": per_year,
        "Admissions by quarter over the term: share, and mean a year": quarters,
        f"Per cell, {target.start}-{target.stop - 1}: admissions a year, years with the quota": (
            cells
        ),
        "Who is admitted": groups,
        "First member of each village white at the start (share of runs; median month)": villages,
        "Members at the horizon": [
            {"figure": f"members {scenario.horizon}", "model": _band([r.members_end for r in runs])}
        ],
    }


def _month_of(start: date, day: date) -> int:
    return (day.year - start.year) * 12 + day.month - start.month


def _merge(per_scenario: dict[str, dict[str, list[dict[str, str]]]]) -> dict[str, pd.DataFrame]:
    """One table per topic: the columns that describe a row (the first, and the record or
    plan), then each scenario's model columns, headed by the scenario's name. Every
    scenario has the same rows in the same order (same commune and period)."""
    names = list(per_scenario)
    tables = {}
    for topic, first in per_scenario[names[0]].items():
        rows = pd.DataFrame(first)
        described = [rows.columns[0], *(c for c in rows.columns[1:] if c in ("record", "plan"))]
        table = rows[described].copy()
        for name in names:
            rows = pd.DataFrame(per_scenario[name][topic])
            for column in rows.columns:
                if column not in described:
                    table[f"{name}: {column}"] = rows[column].to_numpy()
        tables[topic] = table
    return tables


def record_report(
    scenarios: list[Scenario],
    reps: int = 200,
    seed: int = 2015,
    *,
    out: str | Path | None = "results/record",
    backend: str = "local",
    workers: int | None = None,
    scheduler: str | None = None,
) -> RecordReport:
    """Run every scenario ``reps`` times on common random numbers and put it beside the record.

    The report is written to ``out/<scenarios>-s<seed>-n<reps>/`` (``record.txt``,
    ``record.csv`` and ``manifest.json``) unless ``out`` is ``None``.
    """
    design = replications(seed, reps)
    per_scenario = {}
    with Runner(backend, workers=workers, scheduler=scheduler, preload=PRELOAD) as runner:
        for scenario in scenarios:
            used, _ = observations(scenario)
            evaluator = RecordEvaluator(measure_plan(scenario, used))
            results = runner.outputs(evaluator, runner.share(scenario), design)
            runs = [results[i] for i in range(reps)]
            per_scenario[scenario.name] = _topics(scenario, used, runs)
    manifest = experiment_manifest(
        "record",
        digest({"scenarios": [s.to_dict() for s in scenarios], "seed": seed, "reps": reps}),
        seed,
        backend=runner.describe(),
        scenarios=[s.name for s in scenarios],
        scenario_files=[str(s.path) if s.path else None for s in scenarios],
        resolved=[s.to_dict() for s in scenarios],
        reps=reps,
    )
    manifest["status"] = "complete"
    report = RecordReport(_merge(per_scenario), manifest)
    if out is not None:
        folder = Path(out) / f"{slug('-'.join(manifest['scenarios']))}-s{seed}-n{reps}"
        folder.mkdir(parents=True, exist_ok=True)
        long = pd.concat(
            [table.assign(topic=title) for title, table in report.tables.items()],
            ignore_index=True,
        )
        write_text_atomic(folder / "record.txt", report.text())
        write_text_atomic(folder / "record.csv", long.to_csv(index=False))
        write_json_atomic(folder / "manifest.json", manifest)
        report.path = folder
    return report
