"""What the figures read: stored ensembles, their provenance, and the commune's facts.

Why a layer of its own: figures must read stored results only (never run the
model), accept one scenario or several in the same way, and name every
number's origin. This module turns whatever the caller has (an
:class:`~sim.experiments.ensemble.EnsembleResult` or a run folder, or a list of them)
into a list of ensembles, gives each a unique display label, builds the
source line, and finds the commune's target band and observed figures from
the data folder the manifest names.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.experiments.ensemble import EnsembleResult, load_ensemble
from sim.experiments.posterior import parameters_of
from sim.presentation.i18n import date_text, parameters_text, scenario_label, t
from sim.presentation.tables import display_name, wording_fields

Results = EnsembleResult | str | Path | Sequence[EnsembleResult | str | Path]

_REPO = Path(__file__).resolve().parents[3]


def as_results(results: Results) -> list[EnsembleResult]:
    """One ensemble or several, given as results or run folders, as a list of results."""
    if isinstance(results, EnsembleResult | str | Path):
        results = [results]
    loaded = [r if isinstance(r, EnsembleResult) else load_ensemble(r) for r in results]
    if not loaded:
        raise ValueError("a figure needs at least one scenario's results")
    return loaded


def scenario_name(result: EnsembleResult) -> str:
    """The scenario's own name (as in its file): what provenance and test tags use."""
    return str(result.manifest["scenario"]["name"])


def labels(results: list[EnsembleResult], lang: str) -> list[str]:
    """A readable, unique label per ensemble (the same scenario twice gets its seed and reps)."""
    names = [scenario_label(scenario_name(r), lang) for r in results]
    counts = pd.Series(names).value_counts()
    out = []
    for name, result in zip(names, results, strict=True):
        if counts[name] > 1:
            name = f"{name} (seed {result.manifest['seed']}, n={result.reps})"
        out.append(name)
    return out


def tag(name: str, part: str) -> str:
    """The gid a figure gives a scenario's artists (the tests prove every scenario is drawn)."""
    return f"scenario:{name}:{part}"


# -- provenance ---------------------------------------------------------------------------


def provenance(results: list[EnsembleResult]) -> list[dict[str, Any]]:
    """Where each ensemble came from: scenario, file, reps, seed, version, commit, key, date,
    and its parameters (the commune's calibration or the assumed values)."""
    rows = []
    for r in results:
        m = r.manifest
        git = m.get("git") or {}
        rows.append(
            {
                "scenario": scenario_name(r),
                "scenario_file": m.get("scenario_file"),
                "reps": int(m.get("reps", r.reps)),
                "seed": m.get("seed"),
                "version": m.get("version"),
                "git_commit": git.get("commit"),
                "git_dirty": git.get("dirty"),
                "key": m.get("key"),
                "computed": m.get("created"),
                "run_folder": str(r.path) if r.path is not None else None,
                "parameters": parameters_of(m),
            }
        )
    return rows


def source_line(results: list[EnsembleResult], lang: str) -> str:
    """The source line of every figure: version and commit, the commune whose data it
    draws, scenarios (by their readable names; the files' metadata keep the file names),
    reps, seeds, where the parameters came from (the same figures mean something else
    under the commune's calibration and under the assumed values), and the date."""
    rows = provenance(results)
    commits: dict[str, list[str]] = {}  # version -> its commits, in order of appearance
    for row in rows:
        found = commits.setdefault(str(row["version"]), [])
        commit = row["git_commit"]
        text = f"{commit[:7]}{'+' if row['git_dirty'] else ''}" if commit else None
        if text and text not in found:
            found.append(text)
    versions = [
        t("model", lang, version=version) + (f" (git {', '.join(found)})" if found else "")
        for version, found in commits.items()
    ]
    same = len({(row["reps"], row["seed"]) for row in rows}) == 1
    if same:  # one reps/seed for all: say it once
        names = ", ".join(scenario_label(row["scenario"], lang) for row in rows)
        first = rows[0]
        scenarios = (
            f"{names}: {t('runs' if len(rows) == 1 else 'runs_each', lang, reps=first['reps'])}, "
            f"{t('seed', lang, seed=first['seed'])}"
        )
    else:
        scenarios = "; ".join(
            f"{scenario_label(row['scenario'], lang)}: {t('runs', lang, reps=row['reps'])}, "
            f"{t('seed', lang, seed=row['seed'])}"
            for row in rows
        )
    word = t("scenario_word" if len(rows) == 1 else "scenarios_word", lang)
    dates = sorted({row["computed"][:10] for row in rows if row["computed"]})
    when = t("computed_on", lang, date=date_text(dates[-1], lang)) if dates else ""
    phrases = [parameters_text(row["parameters"], lang, short=True) for row in rows]
    if len(set(phrases)) == 1:
        parameters = phrases[0]
    else:
        parameters = "; ".join(
            f"{scenario_label(row['scenario'], lang)}: {phrase}"
            for row, phrase in zip(rows, phrases, strict=True)
        )
    communes = commune_names(results)
    parts = [
        f"{t('source', lang)}: {', '.join(versions)}",
        ", ".join(t("source.commune", lang, commune=name) for name in communes),
        f"{word} {scenarios}",
        parameters,
        when,
    ]
    return " · ".join(part for part in parts if part)


# -- the commune's facts --------------------------------------------------------------------


def commune_names(results: list[EnsembleResult]) -> list[str]:
    """The communes these ensembles simulate, by name (as the manifests record them), once
    each; a leading ``xã`` is left out, the wording adds it (``xã Nà Hỳ``, ``Nà Hỳ commune``)."""
    names = []
    for result in results:
        commune = result.manifest.get("scenario", {}).get("commune") or {}
        name = str(commune.get("name") or commune.get("id") or "").strip()
        name = re.sub(r"^(xã|commune)\s+", "", name, flags=re.IGNORECASE)
        if name and name not in names:
            names.append(name)
    return names


@dataclass(frozen=True)
class CommuneFacts:
    """What the figures mark from the commune's data: the target band and observed figures."""

    name: str
    admissions_min: int
    admissions_max: int | None
    observed: pd.DataFrame  # observed.csv (may be empty)
    village_names: dict[str, str]
    cell_names: dict[str, str] = field(default_factory=dict)
    #: measure -> its label by language (measures.toml); empty when the folder is not found
    measure_labels: dict[str, dict[str, str]] = field(default_factory=dict)


def commune_facts(result: EnsembleResult) -> CommuneFacts:
    """The commune's target band, observed figures and village names for a stored ensemble.

    The manifest records the commune folder; it is looked up as given, from
    the working folder, and from the source tree. If the folder cannot be
    found, the facts the manifest itself holds are used (the lower target
    only, no observed figures, village ids for names).
    """
    scenario = result.manifest["scenario"]
    commune = scenario["commune"]
    targets = result.manifest.get("targets", {})
    folder = _find_commune(str(commune.get("path", "")), scenario.get("path"))
    if folder is not None:
        try:
            return _facts_from(str(folder))
        except Exception:  # an edited or broken folder: fall back to the manifest
            pass
    return CommuneFacts(
        name=str(commune.get("name", "")),
        admissions_min=int(targets.get("admissions_per_year_min", 0)),
        admissions_max=targets.get("admissions_per_year_max"),
        observed=pd.DataFrame(columns=["metric", "date_from", "date_to", "value"]),
        village_names={v: v for v in targets.get("villages", [])},
    )


def _find_commune(path: str, scenario_file: str | None) -> Path | None:
    if not path:
        return None
    candidates = [Path(path), _REPO / path]
    if scenario_file:
        candidates.append(Path(scenario_file).parent / path)
    for candidate in candidates:
        if (candidate / "commune.toml").is_file():
            return candidate.resolve()
    return None


@functools.lru_cache(maxsize=8)
def _facts_from(folder: str) -> CommuneFacts:
    from sim.inputs.commune import load_commune

    commune = load_commune(folder)
    names = {v.id: display_name(v.name) for v in commune.villages}
    return CommuneFacts(
        name=commune.name,
        admissions_min=int(commune.targets.admissions_per_year_min),
        admissions_max=int(commune.targets.admissions_per_year_max),
        observed=commune.observed,
        village_names=names,
        cell_names={c.id: display_name(c.name) for c in commune.cells},
        measure_labels={name: dict(m.label) for name, m in commune.measures.items()},
    )


def observed_admissions(facts: CommuneFacts) -> list[tuple[date, date, float]]:
    """Observed admission counts as ``(from, to, value)`` (e.g. 8 in the first quarter of 2017)."""
    table = facts.observed
    if table is None or len(table) == 0:
        return []
    rows = table[table["metric"].astype(str) == "admissions"]
    return [
        (pd.Timestamp(r.date_from).date(), pd.Timestamp(r.date_to).date(), float(r.value))
        for r in rows.itertuples()
    ]


# -- reductions the figures share ------------------------------------------------------------

#: The bands every fan shows: (low, high) quantile levels, widest first.
BANDS = ((0.05, 0.95), (0.25, 0.75))


def quantiles(frame: pd.DataFrame, by: str, value: str) -> pd.DataFrame:
    """For each value of ``by``: p05, p25, p50, p75, p95 and mean of ``value`` across runs."""
    grouped = frame.groupby(by, sort=True)[value]
    out = pd.DataFrame(
        {
            "p05": grouped.quantile(0.05),
            "p25": grouped.quantile(0.25),
            "p50": grouped.quantile(0.50),
            "p75": grouped.quantile(0.75),
            "p95": grouped.quantile(0.95),
            "mean": grouped.mean(),
        }
    )
    return out


def month_dates(frame: pd.DataFrame) -> pd.Series:
    """The month index -> date mapping of a ``months``-like table."""
    return frame.drop_duplicates("month").set_index("month")["date"].sort_index()


def term(result: EnsembleResult) -> list[int]:
    """The term years of an ensemble (its target definitions)."""
    return list(result.manifest.get("targets", {}).get("term_years", []))


def as_float_years(dates: pd.Series | np.ndarray) -> np.ndarray:
    """Dates as fractional years (2018.5 = July 2018), for axes that share a year scale."""
    stamps = pd.to_datetime(pd.Series(dates))
    return (stamps.dt.year + (stamps.dt.dayofyear - 1) / 365.25).to_numpy(dtype=float)


def target_fields(result: EnsembleResult, lang: str) -> dict[str, Any]:
    """The fields target wordings use, from the ensemble's own definitions (manifest)."""
    return wording_fields(result.manifest.get("targets", {}), lang)
