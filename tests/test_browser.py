"""One real-browser test: JupyterLab in Debian's headless Chromium runs the quickstart.

A planner opens the quickstart notebook and chooses Run > Run All Cells; the
forecast sentence must appear and no cell may fail. The browser is Debian's
``chromium`` driven by ``playwright-core`` (which never downloads a browser of
its own); ``.ci/run`` installs both. Where they are missing the test is
skipped and says which one and how to install it.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
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
            raise RuntimeError(f"JupyterLab exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.5)
    raise TimeoutError(f"JupyterLab did not answer at {url}")


@pytest.mark.skipif(_missing() is not None, reason=_missing() or "")
def test_quickstart_runs_in_jupyterlab_in_a_real_browser(tmp_path: Path) -> None:
    root = tmp_path / "lab"
    root.mkdir()
    shutil.copy(REPO / "notebooks" / "quickstart.ipynb", root / "quickstart.ipynb")
    # Render every cell (no windowing), so that an error in any cell is on the page.
    settings = tmp_path / "settings" / "@jupyterlab" / "notebook-extension"
    settings.mkdir(parents=True)
    (settings / "tracker.jupyterlab-settings").write_text(json.dumps({"windowingMode": "none"}))
    port, token = _free_port(), secrets.token_hex(16)
    env = {
        **os.environ,
        "NAHY_NOTEBOOK_REPS": "4",
        "NAHY_NOTEBOOK_RESULTS": str(tmp_path / "results"),
        "MPLBACKEND": "Agg",
        "JUPYTER_CONFIG_DIR": str(tmp_path / "config"),
        "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
    }
    server = subprocess.Popen(
        [
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
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=(tmp_path / "jupyterlab.log").open("w"),
    )
    try:
        _wait_for_server(f"http://127.0.0.1:{port}/api/status?token={token}", server)
        url = f"http://127.0.0.1:{port}/lab/tree/quickstart.ipynb?token={token}"
        driver = subprocess.run(
            [
                "node",
                str(BROWSER_DIR / "run_all_cells.mjs"),
                url,
                "Chance of admitting",
                str(tmp_path / "quickstart.png"),
            ],
            cwd=BROWSER_DIR,
            env={**env, "CHROMIUM": CHROMIUM},
            capture_output=True,
            text=True,
            timeout=420,
        )
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
    lines = driver.stdout.strip().splitlines()
    assert lines, driver.stderr
    report = json.loads(lines[-1])
    code_cells = sum(
        c.cell_type == "code" for c in nbformat.read(root / "quickstart.ipynb", 4).cells
    )
    assert report["cells"] == code_cells, report  # every code cell ran
    assert report["errors"] == 0, report
    assert report["found"], report
    assert driver.returncode == 0, report
