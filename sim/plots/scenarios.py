"""Scenario comparison: admissions, the change in each target's chance, and the cost of delay.

Why: "which measure, started when, changes that the most?" is the planners'
question. The first scenario is the reference (the forecast puts the
baseline first). Panel one shows the term's mean admissions a year for each
scenario against the target band; panel two how much each target's
probability changes against the reference, in percentage points with a 95 %
interval. Scenarios run on the same seed and number of runs are compared
run by run (common random numbers, paired intervals from
:mod:`sim.comparison`), which gives far narrower intervals; others are
compared as independent samples (Newcombe's interval from the two Wilson
intervals). Where a cost-of-delay table exists (:func:`sim.comparison.cost_of_delay`),
a third panel shows what starting each measure later costs.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from sim.ensemble import EnsembleResult
from sim.i18n import check_language, number, scenario_label, smart_number, t
from sim.plots.common import empty_panel, finish, halo, legend_below, wrap
from sim.plots.data import (
    Results,
    as_results,
    commune_facts,
    labels,
    scenario_name,
    tag,
    target_fields,
)
from sim.plots.style import (
    GREY,
    SCENARIO_COLOURS,
    SLIDE,
    TARGET_COLOUR,
    house_style,
    new_figure,
)
from sim.summary import wilson_interval
from sim.targets import TARGET_KEYS

#: The targets the cost-of-delay panel shows (the resolution's two headline goals).
DELAY_TARGETS = ("admissions_every_year_ge_7", "no_white_village_at_horizon")


def probability_differences(results: list[EnsembleResult]) -> pd.DataFrame:
    """Each later scenario's target probabilities minus the first's, with 95 % intervals.

    Columns ``order`` (1, 2, ...), ``measure``, ``difference``, ``low``, ``high``,
    ``method``. Paired (via :func:`sim.comparison.comparison_table`) when all
    ran on the same seed and number of runs, independent otherwise.
    """
    if len(results) < 2:
        return pd.DataFrame(columns=["order", "measure", "difference", "low", "high", "method"])
    paired = _paired(results)
    if paired is not None:
        return paired
    rows = []
    first = results[0].replications
    for order, result in enumerate(results[1:], start=1):
        for key in TARGET_KEYS:
            a = first[key].to_numpy(dtype=bool)
            b = result.replications[key].to_numpy(dtype=bool)
            rows.append({"order": order, "measure": key, **_newcombe(a, b)})
    return pd.DataFrame(rows)


def _paired(results: list[EnsembleResult]) -> pd.DataFrame | None:
    seeds = {(r.manifest.get("seed"), r.reps) for r in results}
    if len(seeds) != 1:
        return None
    try:
        from sim.comparison import comparison_table
    except ImportError:  # the comparison module is optional for figures
        return None
    keys = [f"{i}:{scenario_name(r)}" for i, r in enumerate(results)]
    try:
        table = comparison_table(dict(zip(keys, results, strict=True)))
    except ValueError:
        return None
    table = table[(table["order"] > 0) & table["measure"].isin(TARGET_KEYS)]
    return pd.DataFrame(
        {
            "order": table["order"].to_numpy(),
            "measure": table["measure"].to_numpy(),
            "difference": table["difference"].to_numpy(),
            "low": table["difference_low"].to_numpy(),
            "high": table["difference_high"].to_numpy(),
            "method": table["method"].to_numpy(),
        }
    )


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
    """Mean admissions a year by scenario, each target's change in probability against
    the first scenario, and (given ``delay``: a ``DelayCosts``, its table, or its stored
    folder) the change when each measure starts later."""
    check_language(lang)
    results = as_results(results)
    names = labels(results, lang)
    delays = load_delay(delay)
    size = (SLIDE[0], SLIDE[1] + (4.5 if delays is not None else 0))
    with house_style():
        figure, body, _ = new_figure(0, 0, size=size)
        if delays is None:
            top, bottom = body, None
        else:  # separate rows, so the long measure names do not squeeze the panels above
            top, bottom = body.subfigures(2, 1, height_ratios=(1, 1.05))
        mean_ax, diff_ax = top.subplots(1, 2, width_ratios=(1, 1.2))
        _means(mean_ax, results, names, lang)
        _differences(diff_ax, results, names, lang)
        if bottom is not None:
            _delay(bottom.subplots(), *delays, lang, target_fields(results[0], lang))
        handles = [
            Patch(color=SCENARIO_COLOURS[i % len(SCENARIO_COLOURS)], label=name)
            for i, name in enumerate(names)
        ]
        handles += [
            Line2D([], [], color=GREY, lw=12, alpha=0.55, label=t("band_50", lang)),
            Line2D([], [], color=GREY, lw=3, label=t("band_90", lang)),
            Line2D([], [], color="black", lw=2, marker="|", ms=12, label=t("ci95", lang)),
        ]
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


def _means(ax: Axes, results: list[EnsembleResult], names: list[str], lang: str) -> None:
    facts = commune_facts(results[0])
    low = facts.admissions_min
    high = facts.admissions_max if facts.admissions_max is not None else low
    ax.axvspan(low, high, color=TARGET_COLOUR, alpha=0.22, lw=0)
    ax.axvline(low, color=TARGET_COLOUR, lw=2, ls="--")
    top = 0.0
    for i, result in enumerate(results):
        colour = SCENARIO_COLOURS[i % len(SCENARIO_COLOURS)]
        values = result.replications["admissions_term_mean"].to_numpy(dtype=float)
        p05, p25, p50, p75, p95 = np.quantile(values, [0.05, 0.25, 0.5, 0.75, 0.95])
        ax.plot([p05, p95], [i, i], color=colour, lw=3, solid_capstyle="butt")
        ax.plot([p25, p75], [i, i], color=colour, lw=14, alpha=0.55, solid_capstyle="butt")
        (dot,) = ax.plot([p50], [i], "o", ms=13, color=colour, mec="white", mew=2)
        dot.set_gid(tag(scenario_name(result), "mean"))
        ax.annotate(
            smart_number(p50, lang),
            (p50, i),
            xytext=(0, 14),
            textcoords="offset points",
            ha="center",
            fontsize=15,
            fontweight="bold",
            color=colour,
            bbox=halo(),
        )
        top = max(top, p95)
    ax.set_yticks(range(len(results)))
    ax.set_yticklabels([wrap(n, 18) for n in names])
    ax.set_ylim(len(results) - 0.4, -0.6)
    ax.set_xlim(0, max(top, high) * 1.15 + 0.5)
    ax.grid(axis="x")
    ax.grid(axis="y", visible=False)
    ax.xaxis.set_major_formatter(_formatter(lang))
    ax.set_title(t("compare.mean", lang, **target_fields(results[0], lang)), fontsize=16)


def _differences(ax: Axes, results: list[EnsembleResult], names: list[str], lang: str) -> None:
    fields = target_fields(results[0], lang)
    ax.set_title(wrap(t("compare.difference", lang, reference=names[0]), 30), fontsize=16)
    ax.set_xlabel(t("points_axis", lang))
    table = probability_differences(results)
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
    for order in range(1, len(results)):
        colour = SCENARIO_COLOURS[order % len(SCENARIO_COLOURS)]
        part = table[table["order"] == order].set_index("measure").reindex(list(TARGET_KEYS))
        y = rows - 0.35 + step * (order - 0.5)
        d = part["difference"].to_numpy(dtype=float) * 100
        lo = part["low"].to_numpy(dtype=float) * 100
        hi = part["high"].to_numpy(dtype=float) * 100
        ax.errorbar(
            d,
            y,
            xerr=[d - lo, hi - d],
            fmt="none",
            ecolor="black",
            elinewidth=2,
            capsize=4,
            zorder=3,
        )
        (dots,) = ax.plot(d, y, "o", ms=12, color=colour, mec="white", mew=1.5, zorder=4)
        dots.set_gid(tag(scenario_name(results[order]), "difference"))
        for value, yy, h in zip(d, y, hi, strict=True):
            ax.annotate(
                _signed(value, lang),
                (h, yy),
                xytext=(6, 0),
                textcoords="offset points",
                va="center",
                fontsize=14,
                fontweight="bold",
                color=colour,
                bbox=halo(),
            )
    span = max(10.0, float(np.nanmax(np.abs(table[["low", "high"]].to_numpy(dtype=float)))) * 100)
    ax.set_xlim(-span * 1.1, span * 1.35)
    ax.xaxis.set_major_formatter(_formatter(lang, signed=True))


def _delay(
    ax: Axes, table: pd.DataFrame, manifest: dict[str, Any], lang: str, fields: dict[str, Any]
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
        ax.errorbar(
            d, y, xerr=[d - lo, hi - d], fmt="none", ecolor="black", elinewidth=2, capsize=4
        )
    ax.set_yticks(rows)
    ax.set_yticklabels([wrap(_measure_label(m, lang), 40) for m in measures])
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


def _measure_label(label: str, lang: str) -> str:
    """``targeted_sourcing (V08,V09)`` -> the measure in words, villages kept."""
    measure, _, rest = str(label).partition(" (")
    key = f"measure.{measure}"
    from sim.i18n import TEXT

    words = t(key, lang) if key in TEXT else measure
    return f"{words} ({rest}" if rest else words


def _signed(points: float, lang: str) -> str:
    value = round(points)
    sign = "+" if value > 0 else ""
    return f"{sign}{number(value, lang)}"


def _formatter(lang: str, signed: bool = False):
    from matplotlib.ticker import FuncFormatter

    if signed:
        return FuncFormatter(lambda v, _pos: _signed(v, lang))
    return FuncFormatter(lambda v, _pos: smart_number(v, lang))
