"""Admissions per year as a fan chart, with the target band and the observed figure marked.

Why a fan: a committee asks "how many will we admit?", and the honest
answer is a range. The median line says what is typical, the darker band
where half the simulated years fall and the light band nine in ten; the
target band (7-8 a year) shows at a glance how much of the fan reaches it,
and the observed first-quarter 2017 figure shows how the model compares with
what happened (it is a three-month count, so the year's total is at least
that much; the marker says so).
"""

from __future__ import annotations

from datetime import date

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from sim.presentation.i18n import check_language, date_text, number, t
from sim.presentation.plots.common import finish, halo, legend_below, number_axis, year_ticks
from sim.presentation.plots.data import (
    CommuneFacts,
    Results,
    as_results,
    commune_facts,
    labels,
    observed_admissions,
    quantiles,
    scenario_name,
    tag,
)
from sim.presentation.plots.style import (
    GREY,
    OBSERVED_COLOUR,
    SCENARIO_COLOURS,
    SLIDE,
    TARGET_COLOUR,
    house_style,
    new_figure,
)

#: How far right of its year the observed marker sits, so it never hides the median label.
OBSERVED_OFFSET = 0.16


def admissions_fan(
    results: Results,
    lang: str = "vi",
    *,
    observed: bool = True,
    size: tuple[float, float] | None = None,
) -> Figure:
    """Counted admissions per calendar year: median, 25-75 % and 5-95 % of runs, one panel
    per scenario (shared scale), with the commune's target band and, if ``observed``, the
    observed admissions of the data's ``observed.csv`` (e.g. 8 in the first quarter of 2017).
    ``size`` (inches) overrides the slide shape, e.g. for the one-page summary."""
    check_language(lang)
    results = as_results(results)
    names = labels(results, lang)
    facts = commune_facts(results[0])
    with house_style():
        n = len(results)
        cols = min(n, 3)
        rows = -(-n // cols)
        size = size or (SLIDE[0], SLIDE[1] + 2.6 * (rows - 1))
        figure, body, axes = new_figure(rows, cols, size=size)
        top = max(float(r.years["admissions"].quantile(0.98)) for r in results)
        top = max(top, (facts.admissions_max or facts.admissions_min) + 2)
        for i, (result, label) in enumerate(zip(results, names, strict=True)):
            ax = axes.flat[i]
            colour = SCENARIO_COLOURS[i % len(SCENARIO_COLOURS)]
            _fan(ax, result, colour, scenario_name(result), lang)
            _target(ax, facts, lang)
            if observed:
                _observed(ax, facts, np.ceil(top * 1.12))
            ax.set_title(label, color=colour)
            ax.set_ylim(0, np.ceil(top * 1.12))
            number_axis(ax.yaxis, lang)
            if i % cols == 0:
                ax.set_ylabel(t("fan.ylabel", lang))
            ax.set_xlabel(t("year", lang))
        for ax in axes.flat[n:]:
            ax.set_axis_off()
        legend_below(body, _legend(facts, lang, observed))
        return finish(figure, body, results, lang, t("fan.title", lang), "admissions_fan")


def _fan(ax: Axes, result, colour: str, name: str, lang: str) -> None:
    bands = quantiles(result.years, "year", "admissions")
    years = bands.index.to_numpy(dtype=int)
    wide = ax.fill_between(years, bands["p05"], bands["p95"], color=colour, alpha=0.18, lw=0)
    wide.set_gid(tag(name, "count-band90"))
    middle = ax.fill_between(years, bands["p25"], bands["p75"], color=colour, alpha=0.38, lw=0)
    middle.set_gid(tag(name, "count-band50"))
    (line,) = ax.plot(years, bands["p50"], color=colour, marker="o", ms=8, zorder=4)
    line.set_gid(tag(name, "median"))
    for year, value in zip(years, bands["p50"], strict=True):
        ax.annotate(
            number(value, lang, 0 if float(value).is_integer() else 1),
            (year, value),
            xytext=(0, 10),
            textcoords="offset points",
            ha="center",
            fontsize=14,
            fontweight="bold",
            color=colour,
            zorder=5,
            bbox=halo(),
        )
    year_ticks(ax, list(years))
    ax.set_xlim(years[0] - 0.4, years[-1] + 0.4)


def _target(ax: Axes, facts: CommuneFacts, lang: str) -> None:
    low = facts.admissions_min
    high = facts.admissions_max if facts.admissions_max is not None else low
    ax.axhspan(low, high, color=TARGET_COLOUR, alpha=0.22, lw=0, zorder=1)
    ax.axhline(low, color=TARGET_COLOUR, lw=2, ls="--", zorder=2)


def _observed(ax: Axes, facts: CommuneFacts, height: float) -> None:
    """Mark observed admissions; a part-year count gets an arrow up (the year's total is more)."""
    for start, end, value in observed_admissions(facts):
        if start.year != end.year:
            continue
        partial = (start.month, start.day) != (1, 1) or (end.month, end.day) != (12, 31)
        x = start.year + OBSERVED_OFFSET
        ax.plot(
            [x],
            [value],
            marker="D",
            ms=12,
            color=OBSERVED_COLOUR,
            mec="white",
            mew=1.5,
            zorder=6,
            ls="none",
            gid="observed",
        )
        if partial:  # a part-year count: the year's total is at least this
            ax.annotate(
                "",
                xy=(x, value + 0.15 * height),
                xytext=(x, value + 0.03 * height),
                arrowprops={"arrowstyle": "-|>", "color": OBSERVED_COLOUR, "lw": 1.8},
                zorder=6,
            )


def _legend(facts: CommuneFacts, lang: str, observed: bool) -> list:
    low = facts.admissions_min
    high = facts.admissions_max if facts.admissions_max is not None else low
    handles = [
        Line2D([], [], color=GREY, marker="o", ms=8, label=t("median", lang)),
        Patch(color=GREY, alpha=0.5, label=t("band_50", lang)),
        Patch(color=GREY, alpha=0.22, label=t("band_90", lang)),
        Patch(color=TARGET_COLOUR, alpha=0.35, label=_target_label(low, high, lang)),
    ]
    if observed:
        for start, end, value in observed_admissions(facts):
            if start.year != end.year:
                continue
            if _is_first_quarter(start, end):
                text = t("fan.observed", lang, year=start.year, value=number(value, lang))
            else:
                text = t(
                    "fan.observed_period",
                    lang,
                    start=date_text(start, lang),
                    end=date_text(end, lang),
                    value=number(value, lang),
                )
            handles.append(
                Line2D([], [], color=OBSERVED_COLOUR, marker="D", ms=11, ls="none", label=text)
            )
    return handles


def _target_label(low: int, high: int, lang: str) -> str:
    if high == low:
        return t("fan.target_min", lang, low=low)
    return t("fan.target", lang, low=low, high=high)


def _is_first_quarter(start: date, end: date) -> bool:
    return (start.month, start.day) == (1, 1) and (end.month, end.day) == (3, 31)
