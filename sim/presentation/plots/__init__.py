"""Briefing figures: each takes one scenario's stored results or several, returns a figure.

Every figure reads stored ensembles only (an :class:`~sim.experiments.ensemble.EnsembleResult`
or a run folder, or a list of them) and never runs the model; draws every
scenario it is given (each scenario's artists carry the gid
``scenario:<name>:<part>``, which the tests check); speaks Vietnamese
(``lang="vi"``, the default) or English (``"en"``), all wording from
:mod:`sim.presentation.i18n`; and carries a source line naming the scenarios, runs, seeds,
version and date, kept on the figure as ``figure.sim_provenance`` for
:func:`save_figure`, which writes PNG (300 dpi), SVG and PDF with that
provenance in each file's metadata.

    from sim import load_ensemble
    from sim.presentation.plots import admissions_fan, save_figure
    fig = admissions_fan([load_ensemble(a), load_ensemble(b)], lang="vi")
    save_figure(fig, "briefing", "01-admissions", fig.sim_provenance)

Showing a figure: in Jupyter or Voilà a cell returning a figure shows it as
one PNG (so does ``display(fig)``, in an ``ipywidgets.Output`` too), with or
without pyplot; in a Python script that imported pyplot, ``plt.show()``
shows it with the backend in use. :func:`all_figures` (what the briefing
writes) makes its figures without pyplot, and :func:`save_figure` closes a
figure in pyplot once written, so exporting many figures piles none up
(:mod:`sim.presentation.plots.style`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from matplotlib.figure import Figure

from sim.presentation.plots.admissions import admissions_fan
from sim.presentation.plots.data import Results, as_results
from sim.presentation.plots.export import FORMATS, save_figure
from sim.presentation.plots.pipeline import pipeline_losses
from sim.presentation.plots.probabilities import target_probabilities
from sim.presentation.plots.scenarios import scenario_comparison
from sim.presentation.plots.style import SlideFigure, unregistered
from sim.presentation.plots.villages import village_timeline
from sim.presentation.plots.youth import youth_places

#: Every briefing figure by its file name, in the order the briefing lists them.
FIGURES: dict[str, Callable[..., Figure]] = {
    "01-admissions": admissions_fan,
    "02-targets": target_probabilities,
    "03-villages": village_timeline,
    "04-pipeline": pipeline_losses,
    "05-youth": youth_places,
    "06-comparison": scenario_comparison,
}

#: The two figures the one-page summary shows.
KEY_FIGURES = ("01-admissions", "02-targets")


def all_figures(results: Results, lang: str = "vi", *, delay: Any = None) -> dict[str, Figure]:
    """Every figure of :data:`FIGURES` for these results (``delay``: a cost-of-delay table).

    Made to be written (the briefing), so never registered with pyplot: a
    process writing several briefings keeps no figure open.
    """
    results = as_results(results)
    figures = {}
    with unregistered():
        for name, draw in FIGURES.items():
            kwargs = {"delay": delay} if draw is scenario_comparison else {}
            figures[name] = draw(results, lang, **kwargs)
    return figures


__all__ = [
    "FIGURES",
    "FORMATS",
    "KEY_FIGURES",
    "SlideFigure",
    "admissions_fan",
    "all_figures",
    "pipeline_losses",
    "save_figure",
    "scenario_comparison",
    "target_probabilities",
    "unregistered",
    "village_timeline",
    "youth_places",
]
