"""The predictive-check figure: for each observed figure, where the runs fall and the record.

One small panel per observed figure (each on its own axis, since members
number about 125 and white villages 0-3): a bar for the central 90 % of
runs of each source (assumed values, prior, posterior; the posterior last
and darkest, it is the one forecasts use), a dot at its mean, and a black
line at the observed value. A bar that misses the line is a figure the
model does not reproduce with those parameters. Titles are the figures in
words with their dates (:func:`sim.presentation.observed_words.figure_label`), in
Vietnamese or English.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from pathlib import Path

from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from sim.analysis.observed import Observation
from sim.analysis.predictive_check import SOURCES, PredictiveCheck
from sim.presentation.i18n import t
from sim.presentation.observed_words import figure_label
from sim.presentation.plots.style import (
    GREY,
    OKABE_ITO,
    add_source_line,
    house_style,
    new_figure,
    unregistered,
)

#: Colour of each source's bar.
COLOURS = {"assumed": OKABE_ITO["orange"], "prior": GREY, "posterior": OKABE_ITO["blue"]}
_COLUMNS = 4


def predictive_figure(
    check: PredictiveCheck, used: Sequence[Observation], lang: str, source_line: str = ""
) -> Figure:
    """The figure (not saved): a panel per observed figure, a bar per source."""
    sources = [s for s in SOURCES if s in set(check.figures["source"])]
    n = len(used)
    rows = max(1, math.ceil(n / _COLUMNS))
    with house_style():
        fig, body, grid = new_figure(rows, _COLUMNS, size=(4.8 * _COLUMNS, 2.3 * rows + 2.4))
        axes = grid.ravel()
        for ax, obs in zip(axes, used, strict=False):
            rows_of = check.figures[check.figures["figure"] == obs.key].set_index("source")
            for y, source in enumerate(sources):
                r = rows_of.loc[source]
                colour = COLOURS[source]
                ax.plot([r["q05"], r["q95"]], [y, y], color=colour, lw=9, solid_capstyle="butt")
                ax.plot([r["mean"]], [y], "o", color="white", ms=6, mec=colour, mew=2)
                if not r["inside_90"]:
                    ax.annotate(
                        t("check.outside", lang),
                        (max(r["q95"], obs.value), y),
                        xytext=(6, 0),
                        textcoords="offset points",
                        va="center",
                        fontsize=10,
                        color=colour,
                    )
            ax.axvline(obs.value, color="black", lw=2.5)
            ax.set_yticks([])
            ax.set_ylim(-0.7, len(sources) - 0.3)
            ax.set_title(_wrap(figure_label(obs.key, lang)), fontsize=11, loc="left")
            ax.tick_params(axis="x", labelsize=10)
            if obs.is_share:
                ax.xaxis.set_major_formatter(lambda x, _pos: f"{100 * x:.0f} %")
            else:  # counts: whole numbers on the axis
                ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=6))
        for ax in axes[n:]:
            ax.set_visible(False)
        handles = [Patch(color=COLOURS[s], label=t(f"check.source.{s}", lang)) for s in sources]
        handles.append(Line2D([], [], color="black", lw=2.5, label=t("check.observed", lang)))
        body.legend(handles=handles, loc="outside lower center", ncols=len(handles), fontsize=13)
        body.suptitle(f"{t('check.title', lang)}\n{t('check.subtitle', lang)}", fontsize=17)
        if source_line:
            add_source_line(fig, source_line)
    return fig


def save_predictive_figure(
    check: PredictiveCheck,
    used: Sequence[Observation],
    path: Path,
    lang: str,
    source_line: str = "",
) -> Path:
    """Draw and save the figure as PNG, written to a temporary name and renamed into place
    (drawn without pyplot: a writer leaves no figure open)."""
    with unregistered():
        fig = predictive_figure(check, used, lang, source_line)
    tmp = path.with_name(f".tmp-{path.name}")
    fig.savefig(tmp, dpi=110, format="png")
    os.replace(tmp, path)
    return path


def _wrap(text: str, width: int = 34) -> str:
    import textwrap

    return textwrap.fill(text, width, break_on_hyphens=False)
