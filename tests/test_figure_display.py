"""Figures appear: once in Jupyter (with or without pyplot), in ``plt.show()`` in a script,
and exports leave nothing open in pyplot.

Jupyter: small notebooks run by nbclient on the project's kernel
(``python3``, ``MPLBACKEND=Agg`` as the other notebook tests), each cell
returning a figure or displaying one inside an ``ipywidgets.Output``; the
image must be there exactly once, as ``image/png`` (before figures showed
themselves, a fresh kernel printed ``<Figure size 1333x750 with 2 Axes>``).
Script: a plain ``python`` process with a recording backend
(``tests/recording_backend.py``) whose ``show()`` lists the figures pyplot
knows. The same process writes a briefing next to a user's own open figures
and checks that the briefing leaves none of its own open and raises no
"More than 20 figures have been opened" warning.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from tests.plot_support import real_ensembles

REPO = Path(__file__).resolve().parents[1]
PNG = "image/png"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"

#: nbclient may miss a cell's reply after widget messages and sit out its timeout
#: (jupyter/nbclient#312); a pause at the end of such a cell avoids the race.
SETTLE = "\nimport time; time.sleep(0.5)"


@pytest.fixture(scope="module")
def real() -> list:
    return real_ensembles()


def run_notebook(cells: list[str], tmp_path: Path) -> nbformat.NotebookNode:
    """Execute ``cells`` in a fresh kernel (it inherits ``MPLBACKEND=Agg``, set by the tests)."""
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    client = NotebookClient(
        notebook,
        timeout=120,
        kernel_name="python3",
        store_widget_state=True,
        resources={"metadata": {"path": str(tmp_path)}},
    )
    client.execute()
    errors = [o for c in notebook.cells for o in c.outputs if o.output_type == "error"]
    assert not errors, errors
    return notebook


@pytest.fixture(autouse=True)
def agg(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MPLBACKEND", "Agg")


def images(outputs: list) -> int:
    """How many outputs carry an image/png."""
    return sum(PNG in output.get("data", {}) for output in outputs)


def widget_images(notebook: nbformat.NotebookNode) -> list[int]:
    """For each Output widget, how many of the outputs it holds carry an image/png."""
    state = notebook.metadata.get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    return [
        images(model["state"].get("outputs", []))
        for model in state.values()
        if model.get("model_name") == "OutputModel"
    ]


def load_cell(result) -> str:
    return (
        "from sim import load_ensemble\n"
        "from sim.presentation.plots import target_probabilities, village_timeline\n"
        f"result = load_ensemble({str(result.path)!r})"
    )


def test_a_fresh_kernel_shows_a_figure_once_and_in_an_output_widget(
    real: list, tmp_path: Path
) -> None:
    """No pyplot, then pyplot on Agg, then the inline backend: always one PNG per figure."""
    notebook = run_notebook(
        [
            load_cell(real[0]),
            "village_timeline(result, 'en')",
            "import ipywidgets as widgets\nfrom IPython.display import display\n"
            "out = widgets.Output()\ndisplay(out)\nwith out:\n"
            "    display(target_probabilities(result, 'en'))" + SETTLE,
            "import matplotlib.pyplot as plt\nvillage_timeline(result, 'en')",
            "%matplotlib inline\nvillage_timeline(result, 'en')",
            "plt.get_fignums()",
        ],
        tmp_path,
    )
    cells = notebook.cells
    assert images(cells[1].outputs) == 1  # fresh kernel, no pyplot
    assert images(cells[2].outputs) == 0  # the image went to the widget ...
    assert widget_images(notebook) == [1]  # ... once
    assert images(cells[3].outputs) == 1  # pyplot imported (Agg)
    assert images(cells[4].outputs) == 1  # inline backend: no second copy at the cell's end
    assert cells[5].outputs[0]["data"]["text/plain"] == "[]"  # pyplot holds none of them


def test_inline_first_still_shows_each_figure_once(real: list, tmp_path: Path) -> None:
    """``%matplotlib inline`` and pyplot before any figure: a returned figure and one
    displayed in an Output widget each appear once."""
    notebook = run_notebook(
        [
            "%matplotlib inline\nimport matplotlib.pyplot as plt\n" + load_cell(real[0]),
            "target_probabilities(result, 'en')",
            "import ipywidgets as widgets\nfrom IPython.display import display\n"
            "out = widgets.Output()\ndisplay(out)\nwith out:\n"
            "    display(target_probabilities(result, 'vi'))" + SETTLE,
        ],
        tmp_path,
    )
    assert images(notebook.cells[1].outputs) == 1
    assert images(notebook.cells[2].outputs) == 0
    assert widget_images(notebook) == [1]


# -- a plain python process ---------------------------------------------------------------

SCRIPT = """
import json, sys, warnings
from pathlib import Path

import matplotlib.pyplot as plt
from matplotlib._pylab_helpers import Gcf

import sim.presentation.briefing
from sim import load_ensemble
from sim.presentation.plots import FIGURES, save_figure

paths, out = sys.argv[1:3], Path(sys.argv[3])
results = [load_ensemble(p) for p in paths]
known = lambda figure: any(m.canvas.figure is figure for m in Gcf.get_all_fig_managers())
report = {"backend": plt.get_backend()}

figure = FIGURES["03-villages"](results, "en")
report["class"] = type(figure).__name__
report["registered"] = known(figure)
plt.show()
plt.close("all")

figure = FIGURES["02-targets"](results, "en")
save_figure(figure, out / "saved", "targets", figure.sim_provenance, formats=("png",), dpi=10)
report["known_after_save"] = known(figure)

for _ in range(14):  # the user's own figures: 7 more would pass pyplot's limit of 20
    plt.figure()
before = plt.get_fignums()
real_save = sim.presentation.briefing.save_figure
def png_only(*args, **kwargs):  # the SVG and PDF exports take time, not figures
    return real_save(*args, **{**kwargs, "formats": ("png",)})
sim.presentation.briefing.save_figure = png_only
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    sim.presentation.briefing.write_briefing(results, out / "briefing", "vi", dpi=10)
report["warnings"] = [str(w.message) for w in caught]
report["open_before"], report["open_after"] = before, plt.get_fignums()
print(json.dumps(report))
"""


@pytest.fixture(scope="module")
def script_run(real: list, tmp_path_factory: pytest.TempPathFactory) -> dict:
    folder = tmp_path_factory.mktemp("script")
    log = folder / "shown.jsonl"
    env = {
        **os.environ,
        "MPLBACKEND": "module://tests.recording_backend",
        "RECORDING_BACKEND_LOG": str(log),
        "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
    }
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(real[0].path), str(real[1].path), str(folder)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    report["shown"] = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    return report


def test_plt_show_shows_a_figure_made_in_a_script(script_run: dict) -> None:
    assert script_run["backend"] == "module://tests.recording_backend"
    assert script_run["class"] == "SlideFigure" and script_run["registered"]
    (shown,) = script_run["shown"]  # one plt.show(), and it saw the figure
    assert [f["kind"] for f in shown] == ["village_timeline"]
    assert shown[0]["title"] == "Party presence in each village"


def test_exports_leave_no_figure_open_in_pyplot(script_run: dict) -> None:
    assert script_run["known_after_save"] is False  # save_figure closed it in pyplot
    assert script_run["open_after"] == script_run["open_before"]  # the briefing: none left
    assert not [w for w in script_run["warnings"] if "figures have been opened" in w]
