"""The house style: one look for every briefing figure, set in one place.

Why: a committee reads the figures on a projector at the back of a meeting
room, some members do not tell red from green, and every word is in
Vietnamese. So the style fixes a font with every Vietnamese glyph (DejaVu
Sans ships with matplotlib, so no system font is needed and the figures look
the same on every machine), the Okabe-Ito colour-blind-safe palette, text of
at least 14 pt, a 16:9 slide shape, and text kept as text in SVG and PDF
(searchable and editable, and testable). Every figure carries a source line
(:func:`add_source_line`) naming the scenarios, replications, seeds, version
and date its numbers came from.

Every figure the toolkit returns is made by :func:`make_figure`, the one
place figures are created, as a :class:`SlideFigure`: in Jupyter or Voilà
it shows itself as one PNG (its ``_repr_png_``), with or without pyplot and
``%matplotlib inline``; in a plain Python process that uses pyplot it is
registered with pyplot, so ``plt.show()`` shows it with the user's backend.
Figures made only to be written to files are made inside
:func:`unregistered` and never reach pyplot (see :func:`registers_with_pyplot`).
"""

from __future__ import annotations

import contextlib
import contextvars
import io
import sys
import textwrap
from collections.abc import Iterator
from typing import Any

import matplotlib as mpl
from matplotlib.figure import Figure

#: Okabe & Ito (2008), "Color Universal Design": distinguishable with any colour vision.
OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
}

#: Scenario colours, in the order scenarios are given (baseline first: blue).
SCENARIO_COLOURS = (
    OKABE_ITO["blue"],
    OKABE_ITO["vermillion"],
    OKABE_ITO["bluish_green"],
    OKABE_ITO["reddish_purple"],
    OKABE_ITO["orange"],
    OKABE_ITO["sky_blue"],
    OKABE_ITO["black"],
)

#: Line styles and widths by scenario order: scenarios that coincide stay visible
#: (the first is a thick solid line, later ones thinner and dashed or dotted on top).
SCENARIO_LINES = (("-", 5.0), ("--", 3.0), (":", 3.0), ("-.", 3.0))

#: Village status colours: alarm for a white village, caution for joint, calm for own cell.
STATUS_COLOURS = {
    "white": OKABE_ITO["vermillion"],
    "joint": OKABE_ITO["yellow"],
    "own_cell": OKABE_ITO["blue"],
}

#: The target band (7-8 a year) and observed figures.
TARGET_COLOUR = OKABE_ITO["bluish_green"]
OBSERVED_COLOUR = OKABE_ITO["black"]
GREY = "#7F7F7F"

#: A 16:9 slide, in inches (13.33 x 7.5 is PowerPoint's widescreen page).
SLIDE = (13.33, 7.5)
#: Resolution of exported PNGs.
DPI = 300
#: Resolution of the PNG a figure shows on screen in Jupyter (a slide about 1470 px wide).
SCREEN_DPI = 110
#: Smallest text on a figure, in points (the source line, a footnote, may be smaller).
BASE_SIZE = 16
SOURCE_SIZE = 11

RC = {
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans"],
    "font.size": BASE_SIZE,
    "axes.titlesize": 18,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.labelsize": 16,
    "xtick.labelsize": 15,
    "ytick.labelsize": 15,
    "legend.fontsize": 14,
    "legend.frameon": False,
    "figure.titlesize": 22,
    "figure.titleweight": "bold",
    "figure.dpi": 100,
    "savefig.dpi": DPI,
    "axes.prop_cycle": mpl.cycler(color=list(SCENARIO_COLOURS)),
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "axes.grid.axis": "y",
    "grid.color": "#DDDDDD",
    "grid.linewidth": 1.0,
    "axes.axisbelow": True,
    "axes.linewidth": 1.2,
    "lines.linewidth": 2.5,
    "svg.fonttype": "none",  # text stays text: searchable, editable, and its diacritics testable
    "svg.hashsalt": "nahy-sim",  # stable ids: the same figure gives the same SVG
    "pdf.fonttype": 42,  # embed TrueType glyphs, not Type 3 bitmaps
    "axes.unicode_minus": True,
    "axes.formatter.use_locale": False,
}


@contextlib.contextmanager
def house_style() -> Iterator[None]:
    """Draw (and save) inside this context for the house style; the defaults come back after."""
    with mpl.rc_context(RC):
        yield


class SlideFigure(Figure):
    """A figure that shows itself in Jupyter and Voilà as exactly one PNG.

    IPython's display machinery asks an object for ``_repr_png_``; a plain
    :class:`~matplotlib.figure.Figure` has none, and outside pyplot a fresh
    kernel prints ``<Figure size 1333x750 with 2 Axes>`` instead of the
    image. Inside a kernel the figure is never registered with pyplot (see
    :func:`make_figure`), so the inline backend's flush at the end of a cell
    cannot show it a second time. (When ``%matplotlib inline`` is active,
    IPython's own PNG printer for figures takes precedence over this method:
    still one image.)
    """

    def _repr_png_(self) -> bytes:
        buffer = io.BytesIO()
        with house_style():
            self.savefig(buffer, format="png", dpi=SCREEN_DPI, bbox_inches="tight")
        return buffer.getvalue()


_UNREGISTERED: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "sim_plots_unregistered", default=False
)


@contextlib.contextmanager
def unregistered() -> Iterator[None]:
    """Figures made inside this context never reach pyplot: for figures made to be written.

    The exports (:func:`sim.presentation.plots.all_figures`, the calibration, sensitivity,
    identifiability and validation writers) make their figures here, so a
    process writing dozens of figures does not pile them up in pyplot (no
    "More than 20 figures have been opened" warning, no memory held).
    """
    token = _UNREGISTERED.set(True)
    try:
        yield
    finally:
        _UNREGISTERED.reset(token)


def in_kernel() -> bool:
    """True inside an IPython kernel (Jupyter, Voilà): figures display through their PNG."""
    ipython = sys.modules.get("IPython")
    if ipython is None:
        return False
    shell = ipython.get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


def registers_with_pyplot() -> bool:
    """Whether :func:`make_figure` registers its figure with pyplot now.

    Only in a process that uses pyplot (``matplotlib.pyplot`` imported) and
    is not an IPython kernel, and not inside :func:`unregistered`. A kernel
    shows the figure through ``_repr_png_`` (registering it would show it
    twice under the inline backend); a process that never imported pyplot
    (the command line, the exporters, the test suite) cannot call
    ``plt.show()`` on it, and registering would import pyplot, start a GUI
    backend and keep every figure alive.
    """
    if _UNREGISTERED.get() or "matplotlib.pyplot" not in sys.modules:
        return False
    return not in_kernel()


def make_figure(size: tuple[float, float], **kwargs: Any) -> SlideFigure:
    """A :class:`SlideFigure` of ``size`` inches, known to pyplot when
    :func:`registers_with_pyplot` (``plt.figure(FigureClass=SlideFigure)``)."""
    if registers_with_pyplot():
        import matplotlib.pyplot as plt

        return plt.figure(FigureClass=SlideFigure, figsize=size, **kwargs)
    return SlideFigure(figsize=size, **kwargs)


def release(figure: Figure) -> None:
    """Forget ``figure`` in pyplot if pyplot knows it; the figure itself stays usable."""
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is not None:  # closing a figure pyplot does not know does nothing
        pyplot.close(figure)


#: Height of the foot strip holding the source line, as a share of the figure's height.
FOOT = 0.055


def new_figure(rows: int = 1, cols: int = 1, size: tuple[float, float] = SLIDE, **kwargs):
    """A slide-shaped figure: a body for the panels, title and legend, and a foot strip.

    The foot (``figure.sim_foot``) holds only the source line, so no legend
    or label can ever cover it. Call inside :func:`house_style`. Returns
    ``(figure, body, axes array)``: draw panels in ``axes``, put the title
    and legend on ``body``, and save ``figure``. With ``rows=0`` no axes are
    made (``None``): lay out ``body`` yourself, e.g. with subfigures.
    """
    figure = make_figure(size, layout="constrained")
    foot = FOOT * SLIDE[1] / size[1]
    body, figure.sim_foot = figure.subfigures(2, 1, height_ratios=[1 - foot, foot], hspace=0)
    figure.get_layout_engine().set(h_pad=0.06, w_pad=0.08)
    axes = body.subplots(rows, cols, squeeze=False, **kwargs) if rows and cols else None
    return figure, body, axes


def add_source_line(figure: Figure, text: str) -> None:
    """Write the provenance line in the figure's foot strip (see :func:`new_figure`)."""
    foot = getattr(figure, "sim_foot", figure)
    width = figure.get_figwidth() * 72 / (SOURCE_SIZE * 0.56)  # characters that fit a line
    lines = textwrap.wrap(text, width=int(width), break_on_hyphens=False)[:2]
    label = foot.text(
        0.008,
        0.5,
        "\n".join(lines),
        ha="left",
        va="center",
        fontsize=SOURCE_SIZE,
        color="#444444",
        linespacing=1.3,
    )
    label.set_gid("source-line")
