"""Every notebook runs top to bottom with small settings and shows what a person must see.

The jupytext percent scripts (``notebooks/*.py``) are the source of truth;
their ``.ipynb`` pairs are generated (``make notebooks``) and ignored by git,
so the outputs a session stores never reach the repository, and the
jupytext configuration writes no metadata into the scripts, so saving in
JupyterLab rewrites a script exactly as it was. Executing the notebooks here
(nbclient, the project's own Python as the kernel) checks what is on the
page: every figure cell shows an image (not ``<Figure size ...>``), the
page opens in Vietnamese, and no internal key or snake_case name is on it.
Outputs drawn inside widgets (the language-following views, the planner's
screen) are read from the widget state nbclient stores.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import jupytext
import nbformat
import pytest
from nbclient import NotebookClient

from tests.conftest import REPO

NOTEBOOKS = sorted((REPO / "notebooks").glob("*.py"))

#: A cell that draws a figure calls one of these.
FIGURE_CALL = re.compile(
    r"\b(admissions_fan|target_probabilities|village_timeline|pipeline_losses|youth_places|"
    r"scenario_comparison|plot_\w+|heat_map|figure)\("
)

#: What must never be on a reader's screen: code names and ids.
SNAKE = re.compile(r"(?<![\w/.-])[a-z]+(?:_[a-z0-9]+)+\b(?![\w/.(-])")
FIGURE_REPR = re.compile(r"<Figure size \d+x\d+")


def test_there_are_notebooks() -> None:
    assert {p.stem for p in NOTEBOOKS} >= {"quickstart", "planner_scenarios", "committee_app"}


@pytest.mark.parametrize("script", NOTEBOOKS, ids=lambda p: p.stem)
def test_saving_a_script_rewrites_it_unchanged(script: Path) -> None:
    """What jupytext writes for the script (with the repository's configuration) is the script."""
    config = jupytext.config.load_jupytext_config(str(script.parent))
    assert config is not None, "jupytext.toml is missing"
    text = script.read_text(encoding="utf-8")
    notebook = jupytext.reads(text, fmt="py:percent")
    assert jupytext.writes(notebook, fmt="py:percent", config=config) == text


def test_saving_in_jupyterlab_changes_neither_script_nor_repository(tmp_path: Path) -> None:
    """JupyterLab's save (jupytext's contents manager) with outputs and kernel metadata."""
    from jupyter_server.services.contents.largefilemanager import AsyncLargeFileManager
    from jupytext.async_contentsmanager import build_async_jupytext_contents_manager_class

    shutil.copy(REPO / "jupytext.toml", tmp_path / "jupytext.toml")
    (tmp_path / "notebooks").mkdir()
    script = REPO / "notebooks" / "quickstart.py"
    shutil.copy(script, tmp_path / "notebooks" / script.name)
    manager = build_async_jupytext_contents_manager_class(AsyncLargeFileManager)(
        root_dir=str(tmp_path)
    )

    async def open_run_and_save() -> None:
        model = await manager.get("notebooks/quickstart.py")
        notebook = model["content"]
        code = next(c for c in notebook.cells if c.cell_type == "code")
        code.outputs = [nbformat.v4.new_output("stream", text="a result\n")]
        code.execution_count = 7
        notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
        notebook.metadata["language_info"] = {"name": "python", "version": "3.11.2"}
        await manager.save({"type": "notebook", "content": notebook}, "notebooks/quickstart.ipynb")

    asyncio.run(open_run_and_save())
    saved = tmp_path / "notebooks" / "quickstart.py"
    assert saved.read_text(encoding="utf-8") == script.read_text(encoding="utf-8")
    assert nbformat.read(tmp_path / "notebooks" / "quickstart.ipynb", 4).cells  # it did save


def test_generated_notebooks_are_not_in_version_control() -> None:
    if shutil.which("git") is None or not (REPO / ".git").exists():
        pytest.skip("not a git checkout")
    tracked = subprocess.run(
        ["git", "ls-files", "notebooks"], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout.split()
    assert not [name for name in tracked if name.endswith(".ipynb")]
    ignored = subprocess.run(
        ["git", "check-ignore", "-q", "notebooks/quickstart.ipynb"], cwd=REPO, check=False
    )
    assert ignored.returncode == 0, "notebooks/*.ipynb must be ignored by git"


_EXECUTED: dict[tuple[str, str | None], nbformat.NotebookNode] = {}


def executed(script: Path, tmp_path_factory, lang: str | None) -> nbformat.NotebookNode:
    """The notebook run top to bottom with small settings (once per script and language)."""
    key = (script.stem, lang)
    if key not in _EXECUTED:
        folder = tmp_path_factory.mktemp(f"{script.stem}-{lang or 'default'}")
        environment = {
            "NAHY_NOTEBOOK_REPS": "4",
            "NAHY_NOTEBOOK_RESULTS": str(folder / "results"),
            "MPLBACKEND": "Agg",
        }
        saved = {name: os.environ.get(name) for name in [*environment, "NAHY_LANG"]}
        os.environ.update(environment)
        os.environ.pop("NAHY_LANG", None)
        if lang is not None:
            os.environ["NAHY_LANG"] = lang
        try:
            notebook = jupytext.read(script)
            NotebookClient(
                notebook,
                timeout=300,
                kernel_name="python3",
                store_widget_state=True,
                resources={"metadata": {"path": str(folder)}},
            ).execute()
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value
        _EXECUTED[key] = notebook
    return _EXECUTED[key]


def shown_outputs(notebook: nbformat.NotebookNode, cell: Any) -> list[dict[str, Any]]:
    """A cell's outputs, with those drawn inside its widgets (Output areas, boxes) in place."""
    state = (
        notebook.metadata.get("widgets", {})
        .get("application/vnd.jupyter.widget-state+json", {})
        .get("state", {})
    )
    found: list[dict[str, Any]] = []

    def widget(model_id: str, seen: set[str]) -> None:
        if model_id in seen or model_id not in state:
            return
        seen.add(model_id)
        model = state[model_id].get("state", {})
        for output in model.get("outputs", []):
            visit(output, seen)
        for child in model.get("children", []):
            widget(str(child).removeprefix("IPY_MODEL_"), seen)

    def visit(output: dict[str, Any], seen: set[str]) -> None:
        found.append(output)
        view = output.get("data", {}).get("application/vnd.jupyter.widget-view+json")
        if view:
            widget(view["model_id"], seen)

    for output in cell.get("outputs", []):
        visit(output, set())
    return found


def screen_answer(
    notebook: nbformat.NotebookNode, kind: str = "nahy-answer"
) -> list[dict[str, Any]]:
    """What a screen shows as its answer (its Output area of class ``kind``: the planner's
    ``nahy-answer``, the search's ``nahy-search-answer``)."""
    state = notebook.metadata["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    for model in state.values():
        values = model.get("state", {})
        if kind in values.get("_dom_classes", []):
            return list(values.get("outputs", []))
    return []


def _texts(outputs: list[dict[str, Any]]) -> list[str]:
    texts = []
    for output in outputs:
        if output.get("output_type") == "stream":
            texts.append(output.get("text", ""))
        data = output.get("data", {})
        if "application/vnd.jupyter.widget-view+json" in data:
            continue  # a widget: its own text/plain (its repr) is not on the page
        for mime in ("text/markdown", "text/plain"):
            if mime in data and "text/html" not in data and "image/png" not in data:
                texts.append(str(data[mime]))
        if "text/html" in data:
            texts.append(re.sub(r"<[^>]+>", " ", str(data["text/html"])))
    return texts


def _widget_texts(notebook: nbformat.NotebookNode) -> list[str]:
    """Labels, descriptions and HTML of every widget (what the controls say)."""
    state = notebook.metadata["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    texts = []
    for model in state.values():
        values = model.get("state", {})
        for key in ("description", "value", "placeholder"):
            value = values.get(key)
            if isinstance(value, str) and model.get("model_name") in (
                "HTMLModel",
                "LabelModel",
                "ButtonModel",
                "CheckboxModel",
                "ToggleButtonsModel",
            ):
                texts.append(re.sub(r"<[^>]+>", " ", value))
        texts.extend(label for label in values.get("_options_labels", []) if isinstance(label, str))
    return texts


@pytest.mark.parametrize("script", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_shows_its_figures_in_vietnamese(script: Path, tmp_path_factory) -> None:
    notebook = executed(script, tmp_path_factory, lang=None)
    code = [c for c in notebook.cells if c.cell_type == "code"]
    shown = [shown_outputs(notebook, cell) for cell in code]
    errors = [o for outputs in shown for o in outputs if o.get("output_type") == "error"]
    assert not errors, errors[0]
    for cell, outputs in zip(code, shown, strict=True):
        if FIGURE_CALL.search(cell.source):
            images = [o for o in outputs if "image/png" in o.get("data", {})]
            assert images, f"{script.stem}: no image from the figure cell\n{cell.source}"
        if "screen.run()" in cell.source and "search_screen" not in cell.source:
            # the answer is drawn in the screen shown before
            images = [o for o in screen_answer(notebook) if "image/png" in o.get("data", {})]
            assert len(images) == 3, f"{script.stem}: the screen's answer has no figures"
        if "search_screen.run()" in cell.source:  # how sure, and when the plan fails
            answer = screen_answer(notebook, "nahy-search-answer")
            images = [o for o in answer if "image/png" in o.get("data", {})]
            assert len(images) == 1, f"{script.stem}: no scenario-discovery figure"
            words = "\n".join(_texts(answer))
            assert re.search(r"Đạt 80|Có thể|Chưa tổ hợp nào|Không tổ hợp nào", words), words
            assert "không đạt chỉ tiêu khi nào?" in words, words
    texts = [text for outputs in shown for text in _texts(outputs)]
    if notebook.metadata.get("widgets"):
        texts += _widget_texts(notebook)
    page = "\n".join(texts)
    assert not FIGURE_REPR.search(page), f"{script.stem}: a figure printed as text"
    snake = sorted(set(SNAKE.findall(page)))
    assert not snake, f"{script.stem}: code names on the page: {snake[:10]}"
    assert not re.search(r"\bV\d\d\b", page), f"{script.stem}: a village id on the page"
    assert re.search(r"[ạảấầẩậắằẳặẹẻẽếềểệỉịọỏốồổộớờởợụủứừửựỳỵỷỹđ]", page), (
        f"{script.stem}: nothing in Vietnamese on the page"
    )


def test_planner_notebook_names_the_plan_and_answers_in_vietnamese(tmp_path_factory) -> None:
    notebook = executed(REPO / "notebooks" / "planner_scenarios.py", tmp_path_factory, None)
    page = "\n".join(
        text
        for cell in notebook.cells
        if cell.cell_type == "code"
        for text in _texts(shown_outputs(notebook, cell))
    )
    assert "Với “Kế hoạch của tôi”, khả năng" in page
    assert "Kết quả đầy đủ: 4 lần mô phỏng" in page
    assert "baseline (2)" not in page and "Giữ nguyên như hiện nay" in page


def test_a_notebook_follows_the_switch_to_english(tmp_path_factory) -> None:
    notebook = executed(REPO / "notebooks" / "quickstart.py", tmp_path_factory, lang="en")
    page = "\n".join(
        text
        for cell in notebook.cells
        if cell.cell_type == "code"
        for text in _texts(shown_outputs(notebook, cell))
    )
    assert "Chance" in page or "chance" in page
    assert "Xác suất đạt" not in page
