"""What SECURITY.md promises, checked: no code runs from inputs, outputs stay in their folder.

The source checks read ``sim/`` as text (its syntax tree), so a new call to
``eval`` or a new pickle reader fails here before it ships.
"""

from __future__ import annotations

import ast
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import pytest

from tests.conftest import REPO

#: modules that turn bytes into running code or arbitrary objects
UNSAFE_MODULES = {"pickle", "cPickle", "dill", "cloudpickle", "marshal", "shelve", "joblib"}
#: built-ins that run code from a string
UNSAFE_BUILTINS = {"eval", "exec", "compile", "__import__"}
#: methods that read pickles (pandas, numpy)
UNSAFE_METHODS = {"read_pickle", "load_pickle"}


def sources() -> list[Path]:
    return sorted((REPO / "sim").rglob("*.py"))


def test_no_module_of_the_package_can_run_code_from_its_inputs() -> None:
    found = []
    for path in sources():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            where = f"{path.relative_to(REPO)}:{getattr(node, 'lineno', '?')}"
            if isinstance(node, ast.Import | ast.ImportFrom):
                names = [a.name for a in node.names] + [getattr(node, "module", None) or ""]
                if any(n.split(".")[0] in UNSAFE_MODULES for n in names):
                    found.append(f"{where}: imports {names}")
            elif isinstance(node, ast.Call):
                func = node.func
                if isinstance(func, ast.Name) and func.id in UNSAFE_BUILTINS:
                    found.append(f"{where}: calls {func.id}")
                if isinstance(func, ast.Attribute) and func.attr in UNSAFE_METHODS:
                    found.append(f"{where}: calls {func.attr}")
                for keyword in node.keywords:
                    if keyword.arg == "allow_pickle" and getattr(keyword.value, "value", 0):
                        found.append(f"{where}: allow_pickle=True")
                    if keyword.arg == "shell" and getattr(keyword.value, "value", 0):
                        found.append(f"{where}: shell=True")
    assert found == []


def test_toml_and_csv_are_read_as_data_only() -> None:
    """Scenario and commune files go through tomllib and the csv module (or pandas'
    CSV reader): formats that cannot express code."""
    readers = {"tomllib", "csv"}
    used = set()
    for path in sources():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                used |= {a.name for a in node.names} & readers
    assert used == readers
    assert not any("yaml" in p.read_text(encoding="utf-8") for p in sources())


@pytest.mark.parametrize("name", ["../../escaped", "/etc/cron.d/x", "..", "a/../../b", "", "C:\\x"])
def test_a_runs_folder_stays_under_its_results_folder_whatever_the_name(tmp_path, name) -> None:
    from sim.experiments.ensemble import run_folder

    root = tmp_path / "results"
    scenario = SimpleNamespace(name=name, start=date(2015, 1, 1))
    folder = run_folder(root, scenario, seed=1, reps=2, key="0" * 64)
    assert folder.resolve().is_relative_to(root.resolve())
    assert folder.parent.parent == root and ".." not in folder.parts
