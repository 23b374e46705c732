"""A matplotlib backend that records what ``plt.show()`` would show, for the figure tests.

Use with ``MPLBACKEND=module://tests.recording_backend`` (the repository on
``PYTHONPATH``): each ``plt.show()`` appends one JSON line to the file named
by ``RECORDING_BACKEND_LOG``, listing every figure pyplot knows then (its
number, class and, for the toolkit's figures, the title in its provenance).
It draws nothing on screen; figures render as with Agg.
"""

from __future__ import annotations

import json
import os

from matplotlib._pylab_helpers import Gcf
from matplotlib.backend_bases import FigureManagerBase
from matplotlib.backends.backend_agg import FigureCanvasAgg


class FigureCanvas(FigureCanvasAgg):
    manager_class = FigureManagerBase


FigureManager = FigureManagerBase


def show(*args, **kwargs) -> None:
    shown = []
    for manager in Gcf.get_all_fig_managers():
        figure = manager.canvas.figure
        provenance = getattr(figure, "sim_provenance", {}) or {}
        shown.append(
            {
                "num": manager.num,
                "class": type(figure).__name__,
                "title": provenance.get("title"),
                "kind": provenance.get("figure"),
            }
        )
    with open(os.environ["RECORDING_BACKEND_LOG"], "a", encoding="utf-8") as log:
        log.write(json.dumps(shown, ensure_ascii=False) + "\n")
