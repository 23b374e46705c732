"""The probability of each target, by scenario, with its 95 % confidence interval.

Why bars with whiskers: "what is the chance?" is the committee's question,
and the whisker says how sure the simulation is of that chance with the
runs made (Wilson intervals, from ``summary.json``), so that 55 % from
twenty runs is not read like 55 % from two thousand. Values are printed at
the end of each bar: on a projector a number is read faster than a scale.
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from sim.model.targets import TARGET_KEYS
from sim.presentation.i18n import check_language, percent, t
from sim.presentation.plots.common import (
    finish,
    halo,
    interval_whiskers,
    legend_below,
    percent_axis,
    wrap,
)
from sim.presentation.plots.data import (
    Results,
    as_results,
    labels,
    scenario_name,
    tag,
    target_fields,
)
from sim.presentation.plots.style import SCENARIO_COLOURS, SLIDE, house_style, new_figure


def target_probabilities(
    results: Results, lang: str = "vi", *, size: tuple[float, float] | None = None
) -> Figure:
    """One row per target (:data:`sim.model.targets.TARGET_KEYS`), one bar per scenario:
    the share of runs reaching it, with its 95 % interval and its value written out.
    ``size`` (inches) overrides the slide shape."""
    check_language(lang)
    results = as_results(results)
    names = labels(results, lang)
    fields = target_fields(results[0], lang)
    n = len(results)
    with house_style():
        figure, body, axes = new_figure(size=size or SLIDE)
        ax = axes[0, 0]
        height = 0.8 / n
        rows = np.arange(len(TARGET_KEYS))
        for i, result in enumerate(results):
            colour = SCENARIO_COLOURS[i % len(SCENARIO_COLOURS)]
            y = rows - 0.4 + height * (i + 0.5)
            p = np.array([result.summary[k]["p"] for k in TARGET_KEYS]) * 100
            # a chance and its interval stay within 0-100 %, whatever the rounding
            low = np.clip([result.summary[k]["ci95"][0] * 100 for k in TARGET_KEYS], 0, 100)
            high = np.clip([result.summary[k]["ci95"][1] * 100 for k in TARGET_KEYS], 0, 100)
            bars = ax.barh(y, p, height=height * 0.9, color=colour, label=names[i])
            for j, bar in enumerate(bars):
                bar.set_gid(tag(scenario_name(result), f"bar{j}"))
            gid = tag(scenario_name(result), "chance-interval")
            interval_whiskers(ax, np.asarray(p), np.asarray(y), low, high, gid, zorder=4)
            for value, top, yy in zip(p, high, y, strict=True):
                ax.text(
                    top + 1.5,
                    yy,
                    percent(value / 100, lang),
                    va="center",
                    ha="left",
                    fontsize=15 if n < 3 else 14,
                    fontweight="bold",
                    color=colour,
                    bbox=halo(),
                )
        ax.set_yticks(rows)
        ax.set_yticklabels([wrap(t(f"target.{k}", lang, **fields), 34) for k in TARGET_KEYS])
        ax.invert_yaxis()
        ax.set_xlim(0, 112)
        ax.set_xticks(range(0, 101, 20))
        percent_axis(ax.xaxis, lang)
        ax.set_xlabel(t("probability_axis", lang))
        ax.grid(axis="x")
        ax.grid(axis="y", visible=False)
        handles = [
            Patch(color=SCENARIO_COLOURS[i % len(SCENARIO_COLOURS)], label=name)
            for i, name in enumerate(names)
        ]
        handles.append(Line2D([], [], color="black", lw=2, label=t("ci95", lang)))
        legend_below(body, handles, ncols=min(len(handles), 3))
        return finish(figure, body, results, lang, t("targets.title", lang), "target_probabilities")
