"""Young people (16-30) at home, away, and in military service, month by month.

Why: outmigration is the model's central driver and the article's
explanation of the thin candidate pool. Three panels (at home, away, in
military service) on their own scales, because the numbers differ tenfold
and a shared scale would flatten the smaller ones to a line; each scenario
is a median line with the band in which 90 % of runs fall, in the
scenario's colour, so scenarios compare within a panel.
"""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from sim.presentation.i18n import check_language, t
from sim.presentation.plots.common import finish, legend_below, number_axis, year_axis
from sim.presentation.plots.data import Results, as_results, labels, quantiles, scenario_name, tag
from sim.presentation.plots.style import (
    GREY,
    SCENARIO_COLOURS,
    SCENARIO_LINES,
    house_style,
    new_figure,
)

PLACES = ("home", "away", "military")


def youth_places(results: Results, lang: str = "vi") -> Figure:
    """Median and 5-95 % band of people aged 16-30 at home, away and in military service."""
    check_language(lang)
    results = as_results(results)
    names = labels(results, lang)
    with house_style():
        figure, body, axes = new_figure(1, 3, sharex=True)
        for j, place in enumerate(PLACES):
            ax = axes[0, j]
            for i, result in enumerate(results):
                colour = SCENARIO_COLOURS[i % len(SCENARIO_COLOURS)]
                bands = quantiles(result.months, "date", f"youth_{place}")
                x = pd.to_datetime(bands.index)
                style, width = SCENARIO_LINES[i % len(SCENARIO_LINES)]
                band = ax.fill_between(
                    x, bands["p05"], bands["p95"], color=colour, alpha=0.15, lw=0
                )
                band.set_gid(tag(scenario_name(result), f"{place}-count-band90"))
                (line,) = ax.plot(x, bands["p50"], color=colour, ls=style, lw=width, zorder=3 + i)
                line.set_gid(tag(scenario_name(result), place))
            ax.set_title(t(f"place.{place}", lang))
            number_axis(ax.yaxis, lang)
            year_axis(ax.xaxis, every=2)
            ax.set_ylim(bottom=0)
        axes[0, 0].set_ylabel(t("people", lang))
        handles = [
            Line2D(
                [],
                [],
                color=SCENARIO_COLOURS[i % len(SCENARIO_COLOURS)],
                ls=SCENARIO_LINES[i % len(SCENARIO_LINES)][0],
                lw=SCENARIO_LINES[i % len(SCENARIO_LINES)][1],
                label=name,
            )
            for i, name in enumerate(names)
        ]
        handles.append(Patch(color=GREY, alpha=0.3, label=t("band_90", lang)))
        legend_below(body, handles, ncols=min(len(handles), 3))
        return finish(figure, body, results, lang, t("youth.title", lang), "youth_places")
