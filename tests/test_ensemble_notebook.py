"""A parallel ensemble started from a Jupyter kernel finishes (peers' runs hang there).

The notebook also defines a function of its own, as users do, to show that
nothing the workers need comes from the notebook: they import
``sim.experiments.ensemble.run_chunk`` by name.
"""

from __future__ import annotations

import nbformat
from nbclient import NotebookClient

from tests.ensemble_support import REPO, SHORT_HORIZON

CELLS = [
    "import sim",
    f"""scenario = sim.load_scenario("{(REPO / "data/nahy/scenarios/baseline.toml").as_posix()}")
scenario = scenario.with_horizon("{SHORT_HORIZON}")
def share(result, key):  # a notebook function: never sent to the workers
    return result.summary[key]["p"]""",
    """result = sim.run_ensemble(scenario, 4, 3, workers=2, out=None)
p = share(result, "admissions_every_year_meet_target")
print(result.reps, result.manifest["backend"]["workers"], 0 <= p <= 1)""",
]


def test_parallel_ensemble_from_a_notebook() -> None:
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in CELLS]
    client = NotebookClient(
        notebook, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(REPO)}}
    )
    client.execute()
    outputs = notebook.cells[-1].outputs
    text = "".join(o.get("text", "") for o in outputs if o.get("name") == "stdout")
    assert text.strip() == "4 2 True"
