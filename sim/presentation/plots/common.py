"""Pieces every figure shares: the title and source line, axis formats, legends, empty panels.

Why: each figure module then holds only what is particular to its figure,
and every figure gets the same finish (title, source line, provenance kept
on the figure for the exporter) and the same number formats in each language.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import matplotlib.dates as mdates
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure, FigureBase
from matplotlib.ticker import FuncFormatter, MaxNLocator

from sim.experiments.ensemble import EnsembleResult
from sim.presentation.i18n import number, t
from sim.presentation.plots.data import provenance, source_line
from sim.presentation.plots.style import add_source_line


def finish(
    figure: Figure,
    body: FigureBase,
    results: list[EnsembleResult],
    lang: str,
    title: str,
    kind: str,
) -> Figure:
    """Title the figure, add its source line, and keep its provenance on it (``sim_provenance``).

    The exporter (:func:`sim.presentation.plots.export.save_figure`) writes
    ``figure.sim_provenance`` into each file's metadata, so a figure's file
    says what its source line says.
    """
    body.suptitle(title, x=0.01, ha="left")
    line = source_line(results, lang)
    add_source_line(figure, line)
    figure.sim_provenance = {
        "figure": kind,
        "language": lang,
        "title": title,
        "source_line": line,
        "scenarios": provenance(results),
        "made": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    return figure


def legend_below(figure: FigureBase, handles: list, ncols: int = 2, width: int = 48) -> None:
    """The figure's legend in a block under the panels (long Vietnamese labels wrapped)."""
    for handle in handles:
        handle.set_label(wrap(handle.get_label(), width))
    figure.legend(handles=handles, loc="outside lower left", ncols=ncols, alignment="left")


def halo() -> dict:
    """A soft white box behind a label drawn over bands, so it stays legible.

    A box, not a stroke path effect: path effects turn SVG text into paths,
    and the SVG must keep its text (searchable, editable, testable).
    """
    return {"boxstyle": "round,pad=0.12", "fc": "white", "ec": "none", "alpha": 0.75}


def number_axis(axis: Any, lang: str, integer: bool = True) -> None:
    """Tick labels in the language's number format (``1.234`` / ``1,234``)."""
    axis.set_major_formatter(FuncFormatter(lambda x, _pos: number(x, lang, 0 if integer else 1)))
    if integer:
        axis.set_major_locator(MaxNLocator(integer=True, steps=[1, 2, 2.5, 5, 10]))


def percent_axis(axis: Any, lang: str) -> None:
    """Tick labels ``0 %`` .. ``100 %`` for values given in percent."""
    axis.set_major_formatter(FuncFormatter(lambda x, _pos: f"{number(x, lang)}\u00a0%"))


def year_axis(axis: Any, every: int = 1) -> None:
    """A date axis labelled by year only (years read the same in both languages)."""
    axis.set_major_locator(mdates.YearLocator(every))
    axis.set_major_formatter(mdates.DateFormatter("%Y"))


def year_ticks(ax: Axes, years: list[int]) -> None:
    """Integer year ticks, never grouped (``2016``, not ``2.016``)."""
    ax.set_xticks(years)
    ax.set_xticklabels([str(y) for y in years])


def empty_panel(ax: Axes, lang: str, key: str = "not_in_results") -> None:
    """Say in words why a panel is empty, instead of leaving a blank a reader might misread."""
    ax.set_axis_off()
    ax.text(
        0.5,
        0.5,
        wrap(t(key, lang), 32),
        ha="center",
        va="center",
        color="#555555",
        transform=ax.transAxes,
    )


def wrap(text: str, width: int) -> str:
    """Break a long label into lines of at most ``width`` characters, at spaces."""
    import textwrap

    return "\n".join(textwrap.wrap(text, width=width, break_on_hyphens=False)) or text


def interval_whiskers(
    ax: Axes,
    x: np.ndarray,
    y: np.ndarray,
    low: np.ndarray,
    high: np.ndarray,
    gid: str,
    zorder: float = 3,
) -> None:
    """Horizontal 95 % whiskers from ``low`` to ``high`` at ``(x, y)``, tagged ``gid``.

    None where the interval is unknown; a bound on the wrong side of ``x``
    (a clipped interval) draws no whisker on that side, never a negative one.
    """
    known = np.isfinite(low) & np.isfinite(high) & np.isfinite(x)
    if not known.any():
        return
    x, y, low, high = x[known], y[known], low[known], high[known]
    bars = ax.errorbar(
        x,
        y,
        xerr=[np.maximum(x - low, 0), np.maximum(high - x, 0)],
        fmt="none",
        ecolor="black",
        elinewidth=2,
        capsize=5,
        capthick=2,
        zorder=zorder,
    )
    bars.lines[2][0].set_gid(gid)
