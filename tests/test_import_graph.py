"""The package's import graph, read from the source: layers, one direction, no cycles.

Why: a module that imports one that imports it back can only be understood
(and loaded) together with it, and a model that pulls in the analysis and
presentation layers makes every worker process pay for them. ``sim/`` is
laid out in layers, each a subpackage, and an import may only point to the
same layer or one below:

    inputs -> model -> experiments -> analysis -> presentation -> cli

These tests read every ``import`` of ``sim/`` with the ``ast`` module, those
made inside functions included (``if TYPE_CHECKING:`` blocks left out: they
never run).
"""

from __future__ import annotations

import ast
import subprocess
import sys

import pytest

from tests.conftest import REPO

SIM = REPO / "sim"

#: The layers, lowest first. ``sim.version`` (which imports nothing) stands below them
#: all; ``sim`` itself, the package's face that hands on the public names, above them.
LAYERS = ("inputs", "model", "experiments", "analysis", "presentation", "cli")


def modules() -> dict[str, ast.AST]:
    found = {}
    for path in SIM.rglob("*.py"):
        parts = path.relative_to(REPO).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return found


def imports(tree: ast.AST, known: set[str]) -> set[str]:
    """The package's modules ``tree`` imports, anywhere in it."""
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                continue
            if isinstance(child, ast.Import):
                found.update(a.name for a in child.names)
            elif isinstance(child, ast.ImportFrom) and child.module and child.level == 0:
                found.add(child.module)
                found.update(f"{child.module}.{a.name}" for a in child.names)
            visit(child)

    visit(tree)
    return found & known


def graph() -> dict[str, set[str]]:
    trees = modules()
    return {m: imports(t, set(trees)) - {m} for m, t in trees.items()}


def layer(module: str) -> int:
    """The rank of a module's layer: -1 for ``sim.version`` and any module in no layer, one
    above the command line for ``sim`` itself; ``sim.__main__`` is the command line's."""
    parts = module.split(".")
    if module == "sim":
        return len(LAYERS)
    if module == "sim.__main__":
        return LAYERS.index("cli")
    if len(parts) < 2 or parts[1] not in LAYERS:
        return -1
    return LAYERS.index(parts[1])


def layer_name(module: str) -> str:
    rank = layer(module)
    return LAYERS[rank] if 0 <= rank < len(LAYERS) else module


def cycles() -> list[set[str]]:
    """The strongly connected groups of more than one module (Tarjan's algorithm)."""
    edges = graph()
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    groups = []

    def strong(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in edges[v]:
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = set()
            while True:
                w = stack.pop()
                group.add(w)
                if w == v:
                    break
            if len(group) > 1:
                groups.append(group)

    for v in sorted(edges):
        if v not in index:
            strong(v)
    return groups


def test_every_module_lives_in_a_layer() -> None:
    loose = [m for m in modules() if layer(m) == -1 and m != "sim.version"]
    assert not loose, loose


def test_imports_point_down_the_layers_only() -> None:
    upward = [
        f"{m} ({layer_name(m)}) imports {t} ({layer_name(t)})"
        for m, targets in graph().items()
        for t in sorted(targets)
        if layer(t) > layer(m)
    ]
    assert not upward, upward


def test_no_import_cycle_at_all() -> None:
    assert cycles() == []


def test_the_check_sees_a_cycle_and_an_upward_import() -> None:
    """The checks are not vacuous: the graph holds the imports they judge."""
    edges = graph()
    assert "sim.inputs.scenario" in edges["sim.model.commune_model"]
    assert "sim.experiments.ensemble" in edges["sim.analysis.comparison"]
    assert layer("sim.presentation.plots.data") == LAYERS.index("presentation")


def test_one_part_of_the_model_loads_alone() -> None:
    code = "import sys, sim.model.rng; print(' '.join(m for m in sys.modules if m[:3] == 'sim'))"
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True)
    # ``import sim`` brings its errors (the public InputError), nothing else
    face = {"sim", "sim.version", "sim.inputs", "sim.inputs.errors"}
    assert set(done.stdout.split()) == face | {"sim.model", "sim.model.rng"}


def test_importing_the_model_loads_no_experiment_analysis_or_presentation() -> None:
    code = (
        "import sys; from sim.model import run; "
        "print(' '.join(m for m in sys.modules if m.split('.')[0] == 'sim'))"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True)
    loaded = set(done.stdout.split())
    assert "sim.model.commune_model" in loaded
    allowed = {"sim", "sim.version"}
    assert all(m in allowed or layer(m) <= LAYERS.index("model") for m in loaded), sorted(loaded)


#: every module of the model but the hub itself (and the package's lazy hand-on): the
#: model's parts receive what they need instead of reaching back into the hub (issue 17)
PARTS_WITHOUT_THE_HUB = sorted(
    path.stem
    for path in (SIM / "model").glob("*.py")
    if path.stem not in ("commune_model", "__init__")
)


def test_the_parts_checked_include_every_part_of_the_model() -> None:
    for part in ("demography", "migration", "organisations", "party", "pipeline", "recorder"):
        assert part in PARTS_WITHOUT_THE_HUB


@pytest.mark.parametrize("part", PARTS_WITHOUT_THE_HUB)
def test_a_part_that_receives_what_it_needs_never_touches_the_hub(part: str) -> None:
    """No ``model`` attribute or name and no ``CommuneModel`` anywhere in the module: its
    constructor's parameters are all it reads."""
    tree = ast.parse((SIM / "model" / f"{part}.py").read_text(encoding="utf-8"))
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    attributes = {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
    imported = {
        alias.name for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) for alias in n.names
    }
    assert "model" not in names | attributes
    assert "CommuneModel" not in names | imported
