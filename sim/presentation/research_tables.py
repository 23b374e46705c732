"""The researcher notebook's tables and sentences: parameters, screening, calibration.

Why apart from :mod:`sim.presentation.tables`: these read the stored results of
the research tools (:mod:`sim.analysis.sensitivity`, :mod:`sim.analysis.identifiability`,
:mod:`sim.analysis.calibration`), not of forecasts. Each takes those results and a
language and returns a table whose headers and rows are words (never a
column name of the model's tables) or a sentence, for
:func:`sim.presentation.language_switch.bilingual` views. The figures of the same
results are in :mod:`sim.presentation.analysis_plots`.
"""

from __future__ import annotations

import math
import re
from typing import Any

import pandas as pd

from sim.presentation.i18n import TEXT, date_text, number, percent, t
from sim.presentation.observed_words import figure_label
from sim.presentation.tables import (
    chance_text,
    parameter_unit,
    parameter_words,
    short_number,
    wording_fields,
)

# -- parameters, one at a time (researcher) -----------------------------------------------------


def _basis(source: str, lang: str) -> str:
    """What a ``parameters.csv`` value rests on: an assumption, and the sources it cites."""
    text = str(source or "")
    cited = list(dict.fromkeys(re.findall(r"\b[A-Z]{2,}\d{4}\b", text)))
    if text.strip().lower().startswith("assumption") or not cited:
        if cited:
            return t("nb.assumption_informed", lang, sources=", ".join(cited))
        return t("nb.assumption", lang)
    return ", ".join(cited)


def parameter_table(table: pd.DataFrame, names: Any, lang: str) -> pd.DataFrame:
    """Rows of ``parameters.csv`` (``table`` indexed by name) as a reader's table.

    One row per parameter in words; its value, range and unit as written in
    ``lang``; and its basis (an assumption, and the sources it cites).
    """
    rows = []
    for name in names:
        row = table.loc[name]
        rows.append(
            {
                t("nb.parameter", lang): parameter_words(name, lang),
                t("nb.value", lang): short_number(float(row["value"]), lang),
                t("nb.low", lang): short_number(float(row["low"]), lang),
                t("nb.high", lang): short_number(float(row["high"]), lang),
                t("nb.unit", lang): parameter_unit(name, lang),
                t("nb.basis", lang): _basis(row.get("source", ""), lang),
            }
        )
    return pd.DataFrame(rows).set_index(t("nb.parameter", lang))


#: The targets the one-at-a-time table shows.
SWEEP_TARGETS = ("admissions_every_year_meet_target", "no_white_village_at_horizon")


def one_at_a_time_table(runs: Any, lang: str) -> pd.DataFrame:
    """Ensembles at the low, central and high value of parameters, one row each.

    ``runs``: ``(parameter, level, value, result)`` with ``level`` one of
    ``low``, ``value``, ``high``. Columns: the value, the chance of each of
    :data:`SWEEP_TARGETS` with its 95 % interval, and the mean admissions a
    year with its 95 % interval (kept at or above 0).
    """
    runs = list(runs)
    fields = wording_fields(runs[0][3].manifest.get("targets", {}), lang) if runs else {}
    mean_column = t("table.admissions_mean", lang, term=fields.get("term", "?"))
    rows = []
    for name, level, value, result in runs:
        row = {
            t("nb.parameter", lang): parameter_words(name, lang),
            t("nb.level", lang): t(f"nb.level.{level}", lang),
            t("nb.value", lang): short_number(value, lang),
        }
        for key in SWEEP_TARGETS:
            target = t("nb.chance_of", lang, target=t(f"compare.short.{key}", lang, **fields))
            row[target] = chance_text(*result.probability(key), lang)
        means = result.replications["admissions_term_mean"].to_numpy(float)
        centre = float(means.mean())
        half = 1.96 * float(means.std(ddof=1)) / math.sqrt(len(means)) if len(means) > 1 else 0.0
        row[mean_column] = t(
            "table.value_interval",
            lang,
            value=number(centre, lang, 1),
            low=number(max(0.0, centre - half), lang, 1),
            high=number(centre + half, lang, 1),
        )
        rows.append(row)
    return pd.DataFrame(rows).set_index([t("nb.parameter", lang), t("nb.level", lang)])


# -- global sensitivity (researcher) ------------------------------------------------------------


def output_words(output: str, lang: str) -> str:
    key = f"sensitivity.output.{output}"
    return t(key, lang) if key in TEXT else output


def _ranked(part: pd.DataFrame, sobol: bool) -> pd.DataFrame:
    column = "ST" if sobol else "mu_star"
    return part.sort_values(column, ascending=False, na_position="last", kind="stable")


def sensitivity_table(result: Any, lang: str, top: int = 5) -> pd.DataFrame:
    """The ``top`` parameters of each output by effect (Morris ``mu*``, or Sobol ``ST``).

    Intervals are the stored 95 % half-widths around the index, kept within
    the index's range (``mu*`` and ``sigma`` are at least 0, Sobol indices
    shares within 0–1).
    """
    table = result.indices
    sobol = result.manifest["method"] == "sobol"
    rows = []
    for output in dict.fromkeys(table["output"]):
        part = _ranked(table[table["output"] == output], sobol)
        for rank, entry in enumerate(part.head(top).itertuples(index=False), start=1):
            row = {
                t("nb.output", lang): output_words(output, lang),
                t("nb.rank", lang): rank,
                t("nb.parameter", lang): parameter_words(entry.parameter, lang),
            }
            if sobol:
                for index, key in (("S1", "nb.s1"), ("ST", "nb.st")):
                    value, half = getattr(entry, index), getattr(entry, f"{index}_conf")
                    row[t(key, lang)] = number(value, lang, 2)
                    row[t("nb.index_interval", lang, index=index)] = _bounded(
                        value, half, lang, 0.0, 1.0
                    )
            else:
                row[t("nb.mu_star", lang)] = number(entry.mu_star, lang, 2)
                row[t("nb.index_interval", lang, index="μ*")] = _bounded(
                    entry.mu_star, entry.mu_star_conf, lang, 0.0, math.inf
                )
                row[t("nb.sigma", lang)] = number(entry.sigma, lang, 2)
            rows.append(row)
    return pd.DataFrame(rows).set_index([t("nb.output", lang), t("nb.rank", lang)])


def _bounded(value: float, half: float, lang: str, lowest: float, highest: float) -> str:
    if value != value or half != half:
        return "–"
    low, high = max(lowest, value - half), min(highest, value + half)
    return f"{number(low, lang, 2)}–{number(high, lang, 2)}"


def sensitivity_text(result: Any, lang: str, top: int = 5) -> str:
    """What the screening varied, how many runs, and what the table shows."""
    manifest = result.manifest
    return t(
        "nb.screening",
        lang,
        method=t(f"nb.method.{manifest['method']}", lang),
        params=len(manifest["parameters"]),
        runs=manifest.get("runs", manifest["points"] * manifest["reps"]),
        points=manifest["points"],
        reps=manifest["reps"],
        horizon=date_text(manifest["scenario"]["horizon"], lang),
        top=top,
    )


# -- identifiability (researcher) ---------------------------------------------------------------


def identifiability_summary_table(result: Any, lang: str) -> pd.DataFrame:
    """One row per calibrated parameter: its most informative observed figure and how much."""
    rows = []
    for entry in result.summary.itertuples(index=False):
        figure = entry.figure if isinstance(entry.figure, str) else None
        rows.append(
            {
                t("nb.parameter", lang): parameter_words(entry.parameter, lang),
                t("nb.ident.figure", lang): figure_label(figure, lang) if figure else "–",
                t("nb.ident.r", lang): number(entry.spearman, lang, 2),
                t("nb.ident.mi", lang): number(entry.mutual_information, lang, 2),
                t("nb.ident.beyond", lang): f"{entry.informative_figures}/{entry.figures}",
                t("nb.ident.informed", lang): t("nb.yes" if entry.informed else "nb.no", lang),
            }
        )
    return pd.DataFrame(rows).set_index(t("nb.parameter", lang))


def identifiability_text(result: Any, lang: str) -> str:
    """The draws, the independence bound and how many parameters some figure informs."""
    summary = result.summary
    return t(
        "nb.ident.summary",
        lang,
        runs=t("ident.runs", lang, draws=result.manifest["draws"]),
        seed=result.manifest["seed"],
        bound=number(result.bound, lang, 2),
        informed=int(summary["informed"].sum()),
        total=len(summary),
    )


# -- calibration (researcher) -------------------------------------------------------------------

_DIAGNOSTICS = {
    "generation": "nb.calib.generation",
    "tolerance": "nb.calib.tolerance",
    "ess": "nb.calib.ess",
    "acceptance_rate": "nb.calib.acceptance",
    "cost": "nb.calib.cost",
    "runs": "nb.calib.runs",
    "distance_median": "nb.calib.distance_median",
    "distance_max": "nb.calib.distance_max",
    "seconds": "nb.calib.seconds",
}


def _diagnostic(column: str, value: float, lang: str) -> str:
    if column in ("generation", "cost", "runs"):
        return number(float(value), lang)
    if column == "acceptance_rate":
        return percent(float(value), lang)
    if column == "tolerance" and math.isinf(float(value)):
        return "∞"
    return number(float(value), lang, 1 if column in ("ess", "seconds") else 2)


def diagnostics_view(result: Any, lang: str) -> pd.DataFrame:
    """The calibration's generations (``diagnostics.csv``) with translated columns."""
    frame = result.diagnostics
    columns = [c for c in _DIAGNOSTICS if c in frame.columns]
    rows = [
        {t(_DIAGNOSTICS[c], lang): _diagnostic(c, row[c], lang) for c in columns}
        for _, row in frame.iterrows()
    ]
    return pd.DataFrame(rows).set_index(t("nb.calib.generation", lang))


def calibration_text(result: Any, lang: str) -> str:
    """The calibration in one sentence: figures, particles kept, generations, ESS, tolerance."""
    summary = result.summary
    used = result.observed["used"].astype(bool).sum() if "used" in result.observed else 0
    return t(
        "nb.calib.summary",
        lang,
        figures=int(used),
        particles=len(result.posterior),
        generations=summary.get("generations", "?"),
        ess=number(float(summary.get("ess", float("nan"))), lang, 1),
        tolerance=_diagnostic("tolerance", float(summary.get("tolerance", float("nan"))), lang),
    )


def prior_text(spec: dict[str, Any], lang: str) -> str:
    """A prior (a scenario's ``[priors]`` entry) in words: ``log-đều, 0,02–0,1``."""
    values = {k: short_number(float(v), lang) for k, v in spec.items() if k != "dist"}
    return t(f"prior.{spec['dist']}", lang, **values)


def posterior_table(result: Any, lang: str) -> pd.DataFrame:
    """Each calibrated parameter: prior, posterior median and 90 % interval, how much narrower."""
    info = result.manifest.get("parameter_info", {})
    rows = []
    for name in result.parameters:
        entry = result.summary["parameters"][name]
        value = info.get(name, {}).get("scenario_value")
        rows.append(
            {
                t("nb.parameter", lang): parameter_words(name, lang),
                t("nb.unit", lang): parameter_unit(name, lang),
                t("nb.post.prior", lang): prior_text(result.manifest["priors"][name], lang),
                t("nb.post.prior_interval", lang): _span(
                    entry["prior_p05"], entry["prior_p95"], lang
                ),
                t("nb.post.median", lang): short_number(entry["median"], lang),
                t("nb.post.interval", lang): _span(entry["p05"], entry["p95"], lang),
                t("nb.post.width", lang): percent(entry["interval_vs_prior"], lang),
                t("nb.post.value", lang): "–" if value is None else short_number(value, lang),
            }
        )
    return pd.DataFrame(rows).set_index(t("nb.parameter", lang))


def _span(low: float, high: float, lang: str) -> str:
    return f"{short_number(low, lang)}–{short_number(high, lang)}"


def posterior_text(result: Any, lang: str) -> str:
    """How to read :func:`posterior_table`."""
    return t("nb.post.note", lang, particles=len(result.posterior))
