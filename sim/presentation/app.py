"""The committee's web app: the planner's screen served by Voilà, with no code, behind a token.

Why Voilà: the screen is already ipywidgets (:mod:`sim.presentation.planner_screen`),
the same widgets the planner notebook shows; Voilà runs a notebook in a
Jupyter kernel and serves only its outputs, so the app is that screen and
nothing has to be written twice (Solara would mean a second user interface
in its own component model). Voilà ships its front end, fonts and icons in
the Python package, so the page needs nothing from the internet.

``python -m sim.presentation.app`` (``make app``) turns ``notebooks/committee_app.py``
into a notebook beside it and serves it on 127.0.0.1 only, with a token
(``--token`` or ``NAHY_APP_TOKEN``, else a new random one), and prints the
address to open.
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
from pathlib import Path

#: The notebook the app serves (a jupytext script; its .ipynb is generated beside it).
APP_SCRIPT = Path(__file__).resolve().parents[2] / "notebooks" / "committee_app.py"

#: Where the app's Voilà template ``nahy`` lives (``voila/templates/nahy`` below it).
APP_FILES = Path(__file__).resolve().parent / "app_files"


def main(argv: list[str] | None = None) -> int:
    """Serve the app until interrupted; exit 2 with one line when it cannot start."""
    parser = argparse.ArgumentParser(
        prog="python -m sim.presentation.app", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--port", type=int, default=8866, help="port on 127.0.0.1 (8866)")
    parser.add_argument("--token", default=os.environ.get("NAHY_APP_TOKEN"), help="access token")
    parser.add_argument("--reps", type=int, default=200, help="runs per scenario (200)")
    parser.add_argument("--results", default="results/app", help="results store (results/app)")
    parser.add_argument("--workers", type=int, default=None, help="worker processes (all cores)")
    args = parser.parse_args(argv)
    if not APP_SCRIPT.exists():
        print(f"{APP_SCRIPT}: (file): does not exist (the app runs from a source checkout)")
        return 2
    if args.reps < 1 or not 0 < args.port < 65536:
        print("--reps must be >= 1 and --port within 1-65535")
        return 2
    notebook = write_notebook(APP_SCRIPT)
    token = args.token or secrets.token_urlsafe(24)
    env = {
        **os.environ,
        "NAHY_NOTEBOOK_REPS": str(args.reps),
        "NAHY_NOTEBOOK_RESULTS": str(Path(args.results).resolve()),
        "JUPYTER_PATH": os.pathsep.join(
            filter(None, [str(APP_FILES), os.environ.get("JUPYTER_PATH")])
        ),
    }
    if args.workers:
        env["NAHY_APP_WORKERS"] = str(args.workers)
    print(f"Nà Hỳ app: open http://127.0.0.1:{args.port}/?token={token}", flush=True)
    command = voila_command(notebook, args.port, token)
    # this process becomes Voilà, so that Ctrl-C or a stop signal reaches the server itself
    # (and it shuts its kernels down) rather than leaving it running behind a wrapper
    os.execve(command[0], command, env)
    return 0  # pragma: no cover (execve does not return)


def write_notebook(script: Path) -> Path:
    """The notebook of a jupytext script, written beside it (no outputs; git ignores it)."""
    import jupytext

    notebook = script.with_suffix(".ipynb")
    model = jupytext.read(script)
    model.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3 (ipykernel)",
        "language": "python",
    }
    jupytext.write(model, notebook, fmt="ipynb")
    return notebook


def voila_command(notebook: Path, port: int, token: str) -> list[str]:
    """Voilà on 127.0.0.1 only, with a token, no code shown and no tracebacks to the page."""
    return [
        sys.executable,
        "-m",
        "voila",
        str(notebook),
        "--no-browser",
        f"--port={port}",
        "--Voila.ip=127.0.0.1",
        f"--token={token}",
        "--template=nahy",
        "--strip_sources=True",
        "--show_tracebacks=False",
        "--VoilaConfiguration.file_allowlist=[]",
    ]


if __name__ == "__main__":
    sys.exit(main())
