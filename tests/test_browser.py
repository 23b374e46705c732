"""Real-browser tests in Debian's headless Chromium: the planner's notebook and the committee app.

- A planner opens the planner notebook in JupyterLab, chooses Run > Run All
  Cells, then presses the screen's **Chạy mô phỏng** (Run): no cell may fail,
  the Vietnamese answer must appear and, after the press, the answer must
  show its figures as rendered images.
- A committee member opens the app (``python -m sim.presentation.app``, Voilà, token on
  127.0.0.1): the first answer shows without any code; they tick one more
  measure and press Run: the headline sentence and the figure change, a
  preliminary answer shows on the way, the PDF briefing downloads, and no
  request leaves 127.0.0.1 (every one that would is refused and reported).

The browser is Debian's ``chromium`` driven by ``playwright-core`` (which
never downloads a browser of its own); ``.ci/run`` installs both. Where they
are missing the tests are skipped and say which one and how to install it.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest

from tests.conftest import REPO

BROWSER_DIR = REPO / "tests" / "browser"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")


def _missing() -> str | None:
    if not Path(CHROMIUM).exists():
        return f"no Chromium at {CHROMIUM} (apt-get install chromium, as .ci/run does)"
    if shutil.which("node") is None:
        return "no node on PATH (needed to drive Chromium with playwright-core)"
    if not (BROWSER_DIR / "node_modules" / "playwright-core").is_dir():
        return "playwright-core not installed (cd tests/browser && npm install, as .ci/run does)"
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for_server(url: str, process: subprocess.Popen, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.5)
    raise TimeoutError(f"the server did not answer at {url}")


@contextlib.contextmanager
def serving(command: list[str], env: dict[str, str], log: Path, ready: str) -> Iterator[None]:
    """Run a server until the block ends; ``ready`` is a URL that answers once it is up."""
    server = subprocess.Popen(
        command, env=env, cwd=log.parent, stdout=subprocess.DEVNULL, stderr=log.open("w")
    )
    try:
        _wait_for_server(ready, server)
        yield
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()


def drive(script: str, *args: str, env: dict[str, str]) -> dict:
    """Run a browser script of tests/browser and return the JSON report it prints last."""
    driver = subprocess.run(
        ["node", str(BROWSER_DIR / script), *args],
        cwd=BROWSER_DIR,
        env={**env, "CHROMIUM": CHROMIUM},
        capture_output=True,
        text=True,
        timeout=420,
    )
    lines = driver.stdout.strip().splitlines()
    assert lines, driver.stderr
    report = json.loads(lines[-1])
    report["exit"] = driver.returncode
    return report


def _environment(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "MPLBACKEND": "Agg",
        "JUPYTER_CONFIG_DIR": str(tmp_path / "config"),
        "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
        **extra,
    }


@pytest.mark.skipif(_missing() is not None, reason=_missing() or "")
def test_planner_notebook_shows_its_answer_and_figures_after_run(tmp_path: Path) -> None:
    from sim.presentation.app import write_notebook

    root = tmp_path / "lab"
    root.mkdir()
    shutil.copy(REPO / "notebooks" / "planner_scenarios.py", root / "planner_scenarios.py")
    write_notebook(root / "planner_scenarios.py")
    # Render every cell (no windowing), so that an error in any cell is on the page.
    settings = tmp_path / "settings" / "@jupyterlab" / "notebook-extension"
    settings.mkdir(parents=True)
    (settings / "tracker.jupyterlab-settings").write_text(json.dumps({"windowingMode": "none"}))
    port, token = _free_port(), secrets.token_hex(16)
    env = _environment(
        tmp_path, NAHY_NOTEBOOK_REPS="4", NAHY_NOTEBOOK_RESULTS=str(tmp_path / "results")
    )
    command = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        "--allow-root",
        "--ip=127.0.0.1",
        f"--port={port}",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root}",
        f"--LabApp.workspaces_dir={tmp_path / 'workspaces'}",
        f"--LabApp.user_settings_dir={tmp_path / 'settings'}",
    ]
    ready = f"http://127.0.0.1:{port}/api/status?token={token}"
    with serving(command, env, tmp_path / "jupyterlab.log", ready):
        report = drive(
            "run_all_cells.mjs",
            f"http://127.0.0.1:{port}/lab/tree/planner_scenarios.ipynb?token={token}",
            "Với “Kế hoạch của tôi”, khả năng",
            str(tmp_path / "planner.png"),
            "Chạy mô phỏng",
            env=env,
        )
    code_cells = sum(
        c.cell_type == "code" for c in nbformat.read(root / "planner_scenarios.ipynb", 4).cells
    )
    assert report["cells"] == code_cells, report  # every code cell ran
    assert report["errors"] == 0, report
    assert report["found"], report
    assert report["images"] >= 4, report  # the screen's three figures and the library's one
    assert report["pressed"] and report["pressed"]["rendered"], report
    assert report["pressed"]["images"] == 3, report
    assert report["exit"] == 0, report


@pytest.mark.skipif(_missing() is not None, reason=_missing() or "")
def test_committee_app_answers_offline_without_code(tmp_path: Path) -> None:
    port, token = _free_port(), secrets.token_hex(16)
    env = _environment(tmp_path, NAHY_APP_TOKEN=token)
    command = [
        sys.executable,
        "-m",
        "sim.presentation.app",
        f"--port={port}",
        "--reps=12",
        "--workers=2",
    ]
    command.append(f"--results={tmp_path / 'results'}")
    ready = f"http://127.0.0.1:{port}/voila/static/voila.js"
    with serving(command, env, tmp_path / "voila.log", ready):
        for guess in ("", "?token=wrong"):  # without the token: the login page, not the app
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/{guess}", timeout=10) as page:
                assert "/login" in page.geturl()
        report = drive(
            "app_run.mjs",
            f"http://127.0.0.1:{port}/?token={token}",
            "Tuyên truyền, giáo dục về Đảng",
            str(tmp_path / "app.png"),
            env=env,
        )
    assert report["external"] == [], report  # nothing fetched from the internet
    assert not report["code_shown"], report
    assert report["headline_after"].startswith("Với “Kế hoạch của tôi”, khả năng"), report
    assert report["headline_after"] != report["headline_before"], report
    assert report["image_changed"] and report["images"] == 3, report
    assert report["preliminary_seen"], report
    assert report["download"]["name"].endswith(".pdf"), report
    assert report["exit"] == 0, report
