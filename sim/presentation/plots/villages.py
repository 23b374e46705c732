"""Village status over time: one row per village, coloured white / joint activity / own cell.

Why this drawing: the resolution's second goal is "no white village and no
village without a party organisation", and a committee thinks village by
village. Each row is a strip through time whose colours stack the share of
simulated runs in which the village is white, meets jointly with another
cell, or has a cell of its own, so a strip that is all one colour is a
certainty and a mixed one shows the odds. Markers say when each change
happens: the median month of the first member (for villages white at the
start) and of the village's own cell (for those without one), with the span
in which 90 % of runs make the change; a change that does not happen by the
horizon in a run counts as later than the horizon, not as missing.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from sim.experiments.ensemble import EnsembleResult
from sim.presentation.i18n import check_language, month_year, t
from sim.presentation.plots.common import empty_panel, finish, halo, legend_below, year_axis
from sim.presentation.plots.data import (
    Results,
    as_results,
    commune_facts,
    labels,
    month_dates,
    scenario_name,
    tag,
)
from sim.presentation.plots.style import (
    SCENARIO_COLOURS,
    SLIDE,
    STATUS_COLOURS,
    house_style,
    new_figure,
)

#: Status codes, in stacking order from the bottom of a strip.
STATUSES = ("own_cell", "joint", "white")
STRIP = 0.78  # height of a village's strip (rows are 1 apart)


def status_grid(result: EnsembleResult) -> tuple[np.ndarray, tuple[str, ...], pd.Series]:
    """Every run's status by village and month, rebuilt from ``village_changes``.

    Returns ``(grid, villages, dates)``: ``grid[run, village, month]`` is an
    index into :data:`STATUSES` (-1 where nothing was recorded).
    """
    villages = tuple(result.manifest.get("targets", {}).get("villages", ())) or tuple(
        sorted(result.village_changes["village"].astype(str).unique())
    )
    dates = month_dates(result.months)
    changes = result.village_changes
    grid = np.full((result.reps, len(villages), len(dates)), -1, dtype=np.int8)
    where = {v: i for i, v in enumerate(villages)}
    code = {s: i for i, s in enumerate(STATUSES)}
    ordered = changes.sort_values(["replication", "village", "month"], kind="stable")
    for rep, village, month, status in zip(
        ordered["replication"].to_numpy(),
        ordered["village"].astype(str),
        ordered["month"].to_numpy(),
        ordered["status"].astype(str),
        strict=True,
    ):
        if village in where:
            grid[rep, where[village], month:] = code[status]
    return grid, villages, dates


def change_quantiles(
    grid: np.ndarray, dates: pd.Series, reached: int, levels=(0.05, 0.5, 0.95)
) -> list[list[pd.Timestamp | None]]:
    """Per village, quantiles of the month a status at least ``reached`` first holds.

    Only for villages below it at the start in every run; ``None`` for the
    others. Runs where the change never happens count as later than the
    horizon; a quantile among them is ``pd.NaT``.
    """
    runs, villages, months = grid.shape
    out: list[list[pd.Timestamp | None]] = []
    stamps = pd.to_datetime(dates.to_numpy())
    for v in range(villages):
        ok = grid[:, v, :] >= 0
        above = (grid[:, v, :] <= reached) & ok  # STATUSES order: lower index = better
        if above[:, 0].any() or months == 0:
            out.append(None)
            continue
        first = np.where(above.any(axis=1), above.argmax(axis=1), months)  # months = never
        ranks = np.sort(first)
        row = []
        for level in levels:
            k = ranks[max(0, int(np.ceil(level * runs)) - 1)]
            row.append(stamps[k] if k < months else pd.NaT)
        out.append(row)
    return out


def village_timeline(results: Results, lang: str = "vi") -> Figure:
    """One row per village; colours stack the share of runs white / joint / own cell by
    month; markers give the median month of the first member and of the own cell, with
    the 90 % span. One panel per scenario, villages in the same rows."""
    check_language(lang)
    results = as_results(results)
    names = labels(results, lang)
    facts = commune_facts(results[0])
    n = len(results)
    with house_style():
        figure, body, axes = new_figure(1, n, size=(max(SLIDE[0], 6.2 * n), SLIDE[1]), sharey=True)
        for i, (result, label) in enumerate(zip(results, names, strict=True)):
            ax = axes[0, i]
            ax.set_title(label, color=SCENARIO_COLOURS[i % len(SCENARIO_COLOURS)])
            if result_lacks(result, "village_changes"):
                empty_panel(ax, lang)
                continue
            villages = _draw(ax, result, scenario_name(result), lang)
            ax.set_yticks(range(len(villages)))
            ax.set_yticklabels([facts.village_names.get(v, v) for v in villages])
            ax.set_ylim(len(villages) - 0.5, -0.5)
            ax.grid(False)
            ax.tick_params(axis="y", length=0)
            ax.spines["left"].set_visible(False)
        handles = [
            Patch(color=STATUS_COLOURS[s], label=t(f"status.{s}", lang)) for s in STATUSES[::-1]
        ]
        handles += [
            Line2D(
                [],
                [],
                color="black",
                marker="D",
                ms=10,
                mfc="white",
                mew=2,
                lw=2,
                label=t("villages.first_member", lang),
            ),
            Line2D(
                [],
                [],
                color="black",
                marker="o",
                ms=10,
                mfc="black",
                lw=2,
                label=t("villages.own_cell", lang),
            ),
            Patch(color="white", label=t("villages.share", lang)),
        ]
        legend_below(body, handles, ncols=3, width=40)
        return finish(figure, body, results, lang, t("villages.title", lang), "village_timeline")


def result_lacks(result: EnsembleResult, table: str) -> bool:
    """True if the ensemble was stored before ``table`` existed (an older run folder)."""
    frame = getattr(result, table, None)
    return frame is None or "replication" not in getattr(frame, "columns", ())


def _draw(ax: Axes, result: EnsembleResult, name: str, lang: str) -> tuple[str, ...]:
    grid, villages, dates = status_grid(result)
    x = pd.to_datetime(dates.to_numpy())  # the last snapshot is taken at the horizon
    for v in range(len(villages)):
        shares = [(grid[:, v, :] == k).mean(axis=0) for k in range(len(STATUSES))]
        bottom = np.full(len(x), v + STRIP / 2)  # rows grow downwards (inverted axis)
        for k, status in enumerate(STATUSES):
            top = bottom - shares[k] * STRIP
            poly = ax.fill_between(x, bottom, top, step="post", color=STATUS_COLOURS[status], lw=0)
            poly.set_gid(tag(name, f"{villages[v]}-{status}"))
            bottom = top
    horizon = x[-1]
    for reached, marker, fill, offset in ((1, "D", "white", -0.17), (0, "o", "black", 0.17)):
        for v, row in enumerate(change_quantiles(grid, dates, reached)):
            if row is None:
                continue
            low, mid, high = (horizon if pd.isna(d) else d for d in row)
            y = v + offset
            ax.plot([low, high], [y, y], color="black", lw=1.6, solid_capstyle="butt", zorder=5)
            if pd.isna(row[2]):  # 90 % span runs past the horizon
                ax.plot([high], [y], marker=">", color="black", ms=8, zorder=5)
            if pd.isna(row[1]):  # in most runs not by the horizon: the marker waits at the edge
                ax.plot(
                    [horizon],
                    [y],
                    marker=marker,
                    ms=10,
                    mfc=fill,
                    mec="black",
                    mew=2,
                    zorder=6,
                    clip_on=False,
                )
                text = t("villages.after", lang, year=(horizon - pd.Timedelta(days=1)).year)
                ax.annotate(
                    text,
                    (horizon, y),
                    xytext=(-12, 0),
                    textcoords="offset points",
                    ha="right",
                    va="center",
                    fontsize=13,
                    fontweight="bold",
                    bbox=halo(),
                    zorder=7,
                )
                continue
            ax.plot([mid], [y], marker=marker, ms=10, mfc=fill, mec="black", mew=2, zorder=6)
            late = (mid - x[0]) > 0.7 * (horizon - x[0])  # near the edge: label on the left
            ax.annotate(
                month_year(mid, lang),
                (mid, y),
                xytext=(-9 if late else 9, 0),
                textcoords="offset points",
                ha="right" if late else "left",
                va="center",
                fontsize=13,
                fontweight="bold",
                bbox=halo(),
                zorder=7,
            )
    ax.set_xlim(x[0], horizon)
    year_axis(ax.xaxis)
    ax.set_xticks(
        [
            pd.Timestamp(year, 1, 1)
            for year in range(x[0].year, x[-1].year + 1)
            if pd.Timestamp(year, 1, 1) < horizon
        ]
    )
    return villages
