"""The package's import graph, read from the source: no cycles, and the model stands alone.

Why: a module that imports one that imports it back can only be understood
(and loaded) together with it, and a model that pulls in the analysis and
presentation layers makes every worker process pay for them. These tests read
every ``import`` of ``sim/``, at module level and inside functions, with the
``ast`` module (``if TYPE_CHECKING:`` blocks left out: they never run).
"""

from __future__ import annotations

import ast
import subprocess
import sys

from tests.conftest import REPO

SIM = REPO / "sim"

#: What ``import sim.model`` may load: the inputs and the model itself, nothing of the
#: analysis (ensembles, calibration, comparisons) or presentation (plots, briefing, words).
INPUTS = {"sim", "sim.version", "sim.errors", "sim.limits", "sim.commune", "sim.parameters"}
INPUTS |= {"sim.switches", "sim.scenario", "sim.measures", "sim.priors", "sim.timeline"}
INPUTS |= {"sim.languages"}
MODEL = {"sim.model", "sim.population", "sim.demography", "sim.migration", "sim.organisations"}
MODEL |= {"sim.pipeline", "sim.cell_plans", "sim.introducers", "sim.party", "sim.party_calendar"}
MODEL |= {"sim.levers", "sim.recorder", "sim.results", "sim.clock", "sim.hazards", "sim.rng"}
MODEL |= {"sim.provenance", "sim.lever_vocabulary", "sim.simpy_adapter"}


def modules() -> dict[str, object]:
    found = {}
    for path in SIM.rglob("*.py"):
        parts = path.relative_to(REPO).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return found


def imports(tree: ast.AST, known: set[str], module_level: bool) -> set[str]:
    """The package's modules ``tree`` imports (at module level only, or anywhere)."""
    found: set[str] = set()

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                continue
            deeper = in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
            if not (module_level and deeper):
                if isinstance(child, ast.Import):
                    found.update(a.name for a in child.names)
                elif isinstance(child, ast.ImportFrom) and child.module and child.level == 0:
                    found.add(child.module)
                    found.update(f"{child.module}.{a.name}" for a in child.names)
            visit(child, deeper)

    visit(tree, False)
    return found & known


def cycles(module_level: bool) -> list[set[str]]:
    """The strongly connected groups of more than one module (Tarjan's algorithm)."""
    trees = modules()
    graph = {m: imports(t, set(trees), module_level) - {m} for m, t in trees.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    groups = []

    def strong(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph[v]:
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

    for v in sorted(graph):
        if v not in index:
            strong(v)
    return groups


def test_no_module_level_import_cycle() -> None:
    assert cycles(module_level=True) == []


def test_no_cycle_through_deferred_imports_either() -> None:
    """An import inside a function still ties the two modules together, only later."""
    assert cycles(module_level=False) == []


def test_importing_the_model_loads_no_analysis_or_presentation() -> None:
    code = (
        "import sys, sim.model; print(' '.join(m for m in sys.modules if m.split('.')[0] == 'sim'))"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True)
    loaded = set(done.stdout.split())
    assert "sim.model" in loaded
    assert loaded <= INPUTS | MODEL, sorted(loaded - INPUTS - MODEL)
