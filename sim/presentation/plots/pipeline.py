"""The pipeline: where candidates are lost, why, and when.

Why: the commune's problem is a thin "source", and the measures act at
different steps of the path to membership. Two panels answer the two
questions a committee asks. *Why and when*: candidacies lost each year,
stacked by reason (gone to work or study elsewhere, called up, dropped out,
failed verification, the cell's vote short of two thirds, no introducers or
over age), with the year's admissions beside them for scale. *Where*: the
same losses over the whole period by the step the candidate had reached, in
the order a candidate meets the steps (waiting for a mentor, mentored,
waiting for an awareness class, the file, verification, waiting for the
cell's vote, for the district's decision, for the ceremony), so "lost while
waiting for an awareness class" shows as its own bar; a last row holds files
lost while paused (the owner died while away). Values are means per run.
Pauses (a file put on hold while its owner is away) are not losses and are
left out; nor is a file that lapses (older than 12 months at the vote) or
breaks (an introducer left): it is made again, not lost. Each step's label fits
one line (``STAGE_LABEL_WIDTH``), so the nine rows stay apart.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter

from sim.experiments.ensemble import EnsembleResult
from sim.model.population import STAGES as MODEL_STAGES
from sim.presentation.i18n import check_language, smart_number, t, years_text
from sim.presentation.plots.common import (
    empty_panel,
    finish,
    legend_below,
    number_axis,
    wrap,
    year_ticks,
)
from sim.presentation.plots.data import Results, as_results, labels, scenario_name, tag
from sim.presentation.plots.style import OKABE_ITO, SCENARIO_COLOURS, SLIDE, house_style, new_figure
from sim.presentation.plots.villages import result_lacks

#: Reason groups, in stacking order, with the recorded reasons each covers.
REASONS: dict[str, tuple[str, ...]] = {
    "migration": ("migration",),
    "military": ("military",),
    "dropout": ("dropout",),
    "verification": ("verification",),
    "vote": ("vote_failed",),
    "file": ("no_introducers", "over_age"),
    # teachers and officials posted elsewhere: the school and agency cells' largest loss
    "transfer": ("transfer",),
    "other": (),  # everything else that is not a pause (death, a member's move, ...)
}
REASON_COLOURS = {
    "migration": OKABE_ITO["orange"],
    "military": OKABE_ITO["sky_blue"],
    "dropout": OKABE_ITO["reddish_purple"],
    "verification": OKABE_ITO["vermillion"],
    "vote": OKABE_ITO["blue"],
    "file": OKABE_ITO["yellow"],
    "transfer": "#777777",
    "other": "#BBBBBB",
}
#: Pipeline steps in the order a candidate meets them, then a file paused while its
#: owner is away (lost there if they die away): the model's stages without "none".
STAGES = MODEL_STAGES[1:]
#: Characters a step's label may take on one line: every label fits one line, so the
#: nine rows stay apart even when several scenarios share the figure's height.
STAGE_LABEL_WIDTH = 26


def reason_group(reason: str) -> str | None:
    """The group a recorded reason belongs to; ``None`` for a pause (not a loss)."""
    if reason.startswith("paused_"):
        return None
    for group, reasons in REASONS.items():
        if reason in reasons:
            return group
    return "other"


def losses_by(result: EnsembleResult, by: str) -> pd.DataFrame:
    """Mean losses per run by ``by`` (``"year"`` or ``"stage"``) x reason group (columns)."""
    table = result.losses.copy()
    table["group"] = [reason_group(r) for r in table["reason"].astype(str)]
    table = table[table["group"].notna()]
    sums = table.groupby([by, "group"])["candidates"].sum().unstack("group", fill_value=0)
    sums = sums.reindex(columns=list(REASONS), fill_value=0) / max(result.reps, 1)
    return sums


def pipeline_losses(results: Results, lang: str = "vi") -> Figure:
    """For each scenario (one row each): losses per year stacked by reason with the year's
    admissions, and losses over the whole period by the step where they happened."""
    check_language(lang)
    results = as_results(results)
    names = labels(results, lang)
    n = len(results)
    with house_style():
        size = (SLIDE[0], SLIDE[1] + 3.2 * (n - 1))
        # shared scales down each column, so scenarios compare at a glance
        figure, body, axes = new_figure(
            n, 2, size=size, width_ratios=(1, 1), sharex="col", sharey="col"
        )
        for i, (result, label) in enumerate(zip(results, names, strict=True)):
            left, right = axes[i]
            colour = SCENARIO_COLOURS[i % len(SCENARIO_COLOURS)]
            if result_lacks(result, "losses"):
                empty_panel(left, lang)
                empty_panel(right, lang)
                left.set_title(label, color=colour)
                continue
            _by_year(left, result, lang, scenario_name(result))
            _by_stage(right, result, lang, scenario_name(result))
            left.set_title(label, color=colour)
            term = years_text(sorted(int(y) for y in result.years["year"].unique()))
            right.set_title(t("pipeline.by_stage", lang, term=term), fontsize=16)
        handles = [Patch(color=REASON_COLOURS[g], label=t(f"reason.{g}", lang)) for g in REASONS]
        handles.append(
            Line2D([], [], color="black", marker="o", ms=8, label=t("pipeline.admitted", lang))
        )
        legend_below(body, handles, ncols=3, width=40)
        return finish(figure, body, results, lang, t("pipeline.title", lang), "pipeline_losses")


def _by_year(ax: Axes, result: EnsembleResult, lang: str, name: str) -> None:
    years = [int(y) for y in sorted(result.years["year"].unique())]
    table = losses_by(result, "year").reindex(years, fill_value=0)
    bottom = np.zeros(len(years))
    for group in REASONS:
        values = table[group].to_numpy(dtype=float)
        bars = ax.bar(years, values, bottom=bottom, width=0.6, color=REASON_COLOURS[group])
        for j, bar in enumerate(bars):
            bar.set_gid(tag(name, f"year-{group}-{j}"))
        bottom += values
    admitted = result.years.groupby("year")["admissions"].mean().reindex(years)
    ax.plot(years, admitted.to_numpy(), color="black", marker="o", ms=8, lw=2, zorder=5)
    year_ticks(ax, years)
    number_axis(ax.yaxis, lang)
    ax.set_ylabel(t("pipeline.ylabel", lang))


def _by_stage(ax: Axes, result: EnsembleResult, lang: str, name: str) -> None:
    table = losses_by(result, "stage").reindex(list(STAGES), fill_value=0)
    rows = np.arange(len(STAGES))
    left = np.zeros(len(STAGES))
    for group in REASONS:
        values = table[group].to_numpy(dtype=float)
        bars = ax.barh(rows, values, left=left, height=0.6, color=REASON_COLOURS[group])
        for j, bar in enumerate(bars):
            bar.set_gid(tag(name, f"stage-{group}-{j}"))
        left += values
    ax.set_yticks(rows)
    ax.set_yticklabels([wrap(t(f"stage.{s}", lang), STAGE_LABEL_WIDTH) for s in STAGES])
    ax.set_ylim(len(STAGES) - 0.5, -0.5)  # first step on top (not invert_yaxis: shared axes)
    ax.grid(axis="x")
    ax.grid(axis="y", visible=False)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: smart_number(v, lang)))
    if ax.get_subplotspec().is_last_row():
        ax.set_xlabel(t("pipeline.xlabel", lang))
