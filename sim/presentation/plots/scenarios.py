"""Scenario comparison: admissions, the change in each target's chance, and the cost of delay.

Why: "which measure, started when, changes that the most?" is the planners'
question. The first scenario is the reference (the forecast puts the
baseline first). The figure draws what the comparison table
(:func:`sim.analysis.comparison.comparison_table`) says, no other statistic: panel
one the term's mean admissions a year of each scenario (the mean of the
runs, with its 95 % confidence interval) against the target band; panel two
how much each target's probability changes against the reference, in
percentage points with a 95 % interval. Scenarios run on the same seed and
number of runs are compared run by run (common random numbers, the table's
paired intervals), which gives far narrower intervals; others are compared
as independent samples (each scenario's own row of the table, and
Newcombe's interval from the two Wilson intervals for the difference); each
panel's title says which. Where a cost-of-delay table exists
(:func:`sim.analysis.comparison.cost_of_delay`), a third panel shows what starting
each measure later costs, each measure in words with its villages by name.
"""

from __future__ import annotations

import json
import math
import re
import textwrap
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from sim.experiments.ensemble import EnsembleResult
from sim.experiments.summary import wilson_interval
from sim.model.targets import TARGET_KEYS
from sim.presentation.i18n import check_language, number, scenario_label, smart_number, t
from sim.presentation.plots.common import (
    empty_panel,
    finish,
    halo,
    interval_whiskers,
    legend_below,
    wrap,
)
from sim.presentation.plots.data import (
    Results,
    as_results,
    commune_facts,
    labels,
    scenario_name,
    tag,
    target_fields,
)
from sim.presentation.plots.style import (
    SCENARIO_COLOURS,
    SLIDE,
    TARGET_COLOUR,
    house_style,
    new_figure,
)

#: The targets the cost-of-delay panel shows (the resolution's two headline goals).
DELAY_TARGETS = ("admissions_every_year_meet_target", "no_white_village_at_horizon")


#: The mean the first panel shows (a row of the comparison table).
MEAN_KEY = "admissions_term_mean"


def comparison_values(results: list[EnsembleResult]) -> pd.DataFrame:
    """The comparison table's rows for these ensembles: what the figure draws.

    The rows of :func:`sim.analysis.comparison.comparison_table` (``order`` 0, 1, ...
    in the order given; ``value``, ``low``, ``high``; ``difference``,
    ``difference_low``, ``difference_high``, ``method``) when all ran on the
    same seed and number of runs (and the same parameters); otherwise each
    scenario's own rows of that table, with the target differences as
    independent samples (Newcombe) and ``method`` saying so.
    """
    from sim.analysis.comparison import comparison_table

    keys = [f"{i}:{scenario_name(r)}" for i, r in enumerate(results)]
    if len(results) > 1 and len({(r.manifest.get("seed"), r.reps) for r in results}) == 1:
        try:
            return comparison_table(dict(zip(keys, results, strict=True)))
        except ValueError:  # e.g. parameters drawn otherwise: not pairable
            pass
    parts = []
    for order, (key, result) in enumerate(zip(keys, results, strict=True)):
        part = comparison_table({key: result}).assign(order=order, reference=keys[0])
        if order:
            for column in ("difference", "difference_low", "difference_high"):
                part[column] = math.nan
            part["method"] = ""
            first = results[0].replications
            for index in part.index[part["measure"].isin(TARGET_KEYS)]:
                measure = part.at[index, "measure"]
                a = first[measure].to_numpy(dtype=bool)
                b = result.replications[measure].to_numpy(dtype=bool)
                found = _newcombe(a, b)
                part.loc[index, ["difference", "difference_low", "difference_high"]] = (
                    found["difference"],
                    found["low"],
                    found["high"],
                )
                part.at[index, "method"] = found["method"]
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


def probability_differences(results: list[EnsembleResult]) -> pd.DataFrame:
    """Each later scenario's target probabilities minus the first's, with 95 % intervals.

    Columns ``order`` (1, 2, ...), ``measure``, ``difference``, ``low``, ``high``,
    ``method``: the rows of :func:`comparison_values` (paired when all ran on
    the same seed and number of runs, independent otherwise).
    """
    columns = ["order", "measure", "difference", "low", "high", "method"]
    if len(results) < 2:
        return pd.DataFrame(columns=columns)
    table = comparison_values(results)
    table = table[(table["order"] > 0) & table["measure"].isin(TARGET_KEYS)]
    table = table.drop(columns=["low", "high"])
    table = table.rename(columns={"difference_low": "low", "difference_high": "high"})
    return table[columns].reset_index(drop=True)


def _paired_method(table: pd.DataFrame) -> bool:
    """True if the table's differences are paired (common random numbers)."""
    methods = set(table.loc[table["order"] > 0, "method"].astype(str))
    return bool(methods) and not any("independent" in m for m in methods)


def _newcombe(a: np.ndarray, b: np.ndarray) -> dict[str, Any]:
    """Difference of two independent proportions with Newcombe's hybrid score interval."""
    p1, p2 = a.mean(), b.mean()
    l1, u1 = wilson_interval(int(a.sum()), len(a))
    l2, u2 = wilson_interval(int(b.sum()), len(b))
    d = p2 - p1
    return {
        "difference": d,
        "low": d - math.sqrt((p2 - l2) ** 2 + (u1 - p1) ** 2),
        "high": d + math.sqrt((u2 - p2) ** 2 + (p1 - l1) ** 2),
        "method": "newcombe (independent)",
    }


def load_delay(delay: Any) -> tuple[pd.DataFrame, dict[str, Any]] | None:
    """A cost-of-delay table and its manifest, from a ``DelayCosts``, a table or its folder."""
    if delay is None:
        return None
    if isinstance(delay, str | Path):
        folder = Path(delay)
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        return pd.read_parquet(folder / "table.parquet"), manifest
    if isinstance(delay, pd.DataFrame):
        return delay, {}
    return delay.table, dict(getattr(delay, "manifest", {}) or {})


def _delay_scenario(manifest: dict[str, Any]) -> str | None:
    scenarios = manifest.get("scenarios") or []
    return scenarios[0].get("name") if scenarios and isinstance(scenarios[0], dict) else None


def scenario_comparison(results: Results, lang: str = "vi", *, delay: Any = None) -> Figure:
    """The term's mean admissions a year by scenario (mean of runs, 95 % interval), each
    target's change in probability against the first scenario, and (given ``delay``: a
    ``DelayCosts``, its table, or its stored folder) the change when each measure starts
    later: the values of :func:`comparison_values` (the comparison table)."""
    check_language(lang)
    results = as_results(results)
    names = labels(results, lang)
    delays = load_delay(delay)
    table = comparison_values(results)
    size = (SLIDE[0], SLIDE[1] + (4.5 if delays is not None else 0))
    with house_style():
        figure, body, _ = new_figure(0, 0, size=size)
        if delays is None:
            top, bottom = body, None
        else:  # separate rows, so the long measure names do not squeeze the panels above
            top, bottom = body.subfigures(2, 1, height_ratios=(1, 1.05))
        mean_ax, diff_ax = top.subplots(1, 2, width_ratios=(1, 1.2))
        _means(mean_ax, results, names, lang, table)
        _differences(diff_ax, results, names, lang, table)
        if bottom is not None:
            facts = commune_facts(results[0])
            _delay(
                bottom.subplots(),
                *delays,
                lang,
                target_fields(results[0], lang),
                facts.village_names,
                facts.measure_labels,
            )
        handles = [
            Patch(color=SCENARIO_COLOURS[i % len(SCENARIO_COLOURS)], label=name)
            for i, name in enumerate(names)
        ]
        handles.append(
            Line2D([], [], color="black", lw=2, marker="|", ms=12, label=t("ci95", lang))
        )
        legend_below(body, handles, ncols=3)
        figure = finish(
            figure, body, results, lang, t("compare.title", lang), "scenario_comparison"
        )
        if delays is not None:
            manifest = delays[1]
            figure.sim_provenance["cost_of_delay"] = {
                key: manifest.get(key)
                for key in ("key", "seed", "reps", "delay_months", "version", "git", "created")
            } | {"source": str(delay) if isinstance(delay, str | Path) else None}
        return figure


def _means(
    ax: Axes, results: list[EnsembleResult], names: list[str], lang: str, table: pd.DataFrame
) -> None:
    """The table's mean admissions a year of each scenario, with its 95 % interval."""
    facts = commune_facts(results[0])
    low = facts.admissions_min
    high = facts.admissions_max if facts.admissions_max is not None else low
    ax.axvspan(low, high, color=TARGET_COLOUR, alpha=0.22, lw=0)
    ax.axvline(low, color=TARGET_COLOUR, lw=2, ls="--")
    rows = table[table["measure"] == MEAN_KEY].set_index("order").sort_index()
    top = 0.0
    for i, result in enumerate(results):
        colour = SCENARIO_COLOURS[i % len(SCENARIO_COLOURS)]
        mean, lo, hi = (float(rows.at[i, column]) for column in ("value", "low", "high"))
        lo = max(lo, 0.0)  # a mean of counts: the table cuts its interval at zero too
        name = scenario_name(result)
        x, y = np.array([mean]), np.array([float(i)])
        interval_whiskers(ax, x, y, np.array([lo]), np.array([hi]), tag(name, "mean-interval"))
        (dot,) = ax.plot([mean], [i], "o", ms=13, color=colour, mec="white", mew=2, zorder=4)
        dot.set_gid(tag(name, "mean"))
        ax.annotate(
            smart_number(mean, lang),
            (mean, i),
            xytext=(0, 14),
            textcoords="offset points",
            ha="center",
            fontsize=15,
            fontweight="bold",
            color=colour,
            bbox=halo(),
        )
        top = max(top, hi if np.isfinite(hi) else mean)
    ax.set_yticks(range(len(results)))
    ax.set_yticklabels([wrap(n, 18) for n in names])
    ax.set_ylim(len(results) - 0.4, -0.6)
    ax.set_xlim(0, max(top, high) * 1.15 + 0.5)
    ax.grid(axis="x")
    ax.grid(axis="y", visible=False)
    ax.xaxis.set_major_formatter(_formatter(lang))
    ax.set_title(wrap(t("compare.mean", lang, **target_fields(results[0], lang)), 40), fontsize=16)
    ax.set_xlabel(wrap(t("compare.mean_note", lang), 50))


def _differences(
    ax: Axes, results: list[EnsembleResult], names: list[str], lang: str, table: pd.DataFrame
) -> None:
    """The table's change in each target's probability against the first scenario."""
    fields = target_fields(results[0], lang)
    ax.set_title(wrap(t("compare.difference", lang, reference=names[0]), 34), fontsize=16)
    note = "compare.difference_paired" if _paired_method(table) else "compare.difference_apart"
    ax.set_xlabel(wrap(t(note, lang), 34))
    rows = np.arange(len(TARGET_KEYS))
    ax.set_yticks(rows)
    ax.set_yticklabels([t(f"compare.short.{k}", lang, **fields) for k in TARGET_KEYS])
    ax.set_ylim(len(TARGET_KEYS) - 0.5, -0.5)
    ax.axvline(0, color="black", lw=1.2)
    ax.grid(axis="x")
    ax.grid(axis="y", visible=False)
    if len(results) < 2:
        empty_panel(ax, lang, "compare.only_one")
        return
    others = len(results) - 1
    step = 0.7 / others
    spans = [10.0]
    for order in range(1, len(results)):
        colour = SCENARIO_COLOURS[order % len(SCENARIO_COLOURS)]
        part = table[(table["order"] == order) & table["measure"].isin(TARGET_KEYS)]
        part = part.set_index("measure").reindex(list(TARGET_KEYS))
        y = rows - 0.35 + step * (order - 0.5)
        d = part["difference"].to_numpy(dtype=float) * 100
        lo = part["difference_low"].to_numpy(dtype=float) * 100
        hi = part["difference_high"].to_numpy(dtype=float) * 100
        name = scenario_name(results[order])
        interval_whiskers(ax, d, y, lo, hi, tag(name, "difference-interval"))
        (dots,) = ax.plot(d, y, "o", ms=12, color=colour, mec="white", mew=1.5, zorder=4)
        dots.set_gid(tag(name, "difference"))
        for value, yy, h in zip(d, y, hi, strict=True):
            ax.annotate(
                _signed(value, lang),
                (h if np.isfinite(h) else value, yy),
                xytext=(6, 0),
                textcoords="offset points",
                va="center",
                fontsize=14,
                fontweight="bold",
                color=colour,
                bbox=halo(),
            )
        spans.append(float(np.nanmax(np.abs(np.concatenate([d, lo, hi])), initial=0.0)))
    span = max(spans)
    ax.set_xlim(-span * 1.1, span * 1.35)
    ax.xaxis.set_major_formatter(_formatter(lang, signed=True))


def _delay(
    ax: Axes,
    table: pd.DataFrame,
    manifest: dict[str, Any],
    lang: str,
    fields: dict[str, Any],
    villages: dict[str, str],
    names: Mapping[str, Mapping[str, str]],
) -> None:
    table = table[table["measure"].isin(DELAY_TARGETS)]
    measures = list(dict.fromkeys(table["label"]))
    rows = np.arange(len(measures))
    colours = (SCENARIO_COLOURS[2], SCENARIO_COLOURS[3])
    for k, key in enumerate(DELAY_TARGETS):
        part = table[table["measure"] == key].set_index("label").reindex(measures)
        d = part["difference"].to_numpy(dtype=float) * 100
        lo = part["difference_low"].to_numpy(dtype=float) * 100
        hi = part["difference_high"].to_numpy(dtype=float) * 100
        y = rows - 0.2 + 0.4 * k
        ax.barh(
            y,
            d,
            height=0.38,
            color=colours[k],
            label=t(f"compare.short.{key}", lang, **fields),
            gid=f"delay:{key}",
        )
        interval_whiskers(ax, d, y, lo, hi, f"delay:{key}:difference-interval")
    ax.set_yticks(rows)
    ax.set_yticklabels([measure_label(m, lang, villages, names) for m in measures])
    ax.invert_yaxis()
    ax.axvline(0, color="black", lw=1.2)
    ax.grid(axis="x")
    ax.grid(axis="y", visible=False)
    ax.xaxis.set_major_formatter(_formatter(lang, signed=True))
    ax.set_xlabel(t("compare.delay_axis", lang))
    name = _delay_scenario(manifest)
    title = t(
        "compare.delay",
        lang,
        months=manifest.get("delay_months", "?"),
        scenario=scenario_label(name, lang) if name else "?",
    )
    runs = [t("runs", lang, reps=manifest["reps"])] if "reps" in manifest else []
    runs += [t("seed", lang, seed=manifest["seed"])] if "seed" in manifest else []
    if runs:  # the delay ensembles may differ from the figure's others: say which they are
        title = f"{title} ({', '.join(runs)})"
    ax.set_title(wrap(title, 70), fontsize=16)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=14)


#: A cost-of-delay label (:func:`sim.analysis.comparison._intervention_label`, made unique by
#: :func:`sim.analysis.comparison.unique_labels`): ``measure``, its villages, a repeat number.
_LABEL = re.compile(r"(?P<measure>[^()]+?)(?: \((?P<villages>[^()]*)\))?(?: \((?P<repeat>\d+)\))?")


def measure_label(
    label: str,
    lang: str,
    villages: dict[str, str],
    names: Mapping[str, Mapping[str, str]],
    width: int = 40,
) -> str:
    """``standing_committee_assignment (V08,V09,V10)`` -> the measure in words (wrapped at
    spaces), then its villages by name in parentheses, lines broken only between names.

    ``villages`` maps village ids to names (:attr:`CommuneFacts.village_names`); an id it
    does not know stays as it is. ``names`` maps measures to their labels by language
    (:attr:`CommuneFacts.measure_labels`, from the commune's measures.toml); a measure
    it does not know is written in words from its name.
    """
    found = _LABEL.fullmatch(str(label).strip())
    if found is None:
        return wrap(str(label), width)
    measure, listed, repeat = found["measure"], found["villages"], found["repeat"]
    if listed is not None and repeat is None and listed.isdigit() and listed not in villages:
        listed, repeat = None, listed  # "propaganda (2)": a repeat, not a village
    words = names[measure][lang] if measure in names else measure.replace("_", " ")
    lines = textwrap.wrap(words, width, break_on_hyphens=False) or [words]
    if repeat is not None:
        lines[-1] = f"{lines[-1]} ({repeat})"
    if listed:
        ids = [v.strip() for v in listed.split(",") if v.strip()]
        lines += name_lines([villages.get(v, v) for v in ids], width)
    return "\n".join(lines)


def name_lines(names: list[str], width: int) -> list[str]:
    """Names as ``(a, b, c)`` in lines of about ``width`` characters, broken only after
    a name's comma, never inside a name (however long)."""
    lines: list[str] = []
    current = ""
    for name in names:
        joined = f"{current}, {name}" if current else name
        if current and len(joined) + 2 > width:
            lines.append(f"{current},")
            current = name
        else:
            current = joined
    lines.append(current)
    lines[0] = f"({lines[0]}"
    lines[-1] = f"{lines[-1]})"
    return lines


def _signed(points: float, lang: str) -> str:
    value = round(points)
    sign = "+" if value > 0 else ""
    return f"{sign}{number(value, lang)}"


def _formatter(lang: str, signed: bool = False):
    from matplotlib.ticker import FuncFormatter

    if signed:
        return FuncFormatter(lambda v, _pos: _signed(v, lang))
    return FuncFormatter(lambda v, _pos: smart_number(v, lang))
