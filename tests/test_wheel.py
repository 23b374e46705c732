"""The package as a user installs it: a wheel built from the sdist, in a fresh environment.

Why: the Makefile's editable install reads ``sim/`` straight from the checkout,
so a subpackage or a template missing from the wheel (as ``sim/plots`` once
was) goes unnoticed until someone installs the package normally. Here the
files git tracks are copied out, ``python -m build`` makes the sdist and
then the wheel *from the sdist* (so both must be complete), the wheel goes
into a new virtual environment outside the checkout, and the toolkit's
commands run from there on the commune's data folder passed by path.

The new environment borrows the third-party packages of this one (a
``.pth`` line naming its site-packages, which Python adds to ``sys.path``
without running the editable install's hooks there), so the test needs no
network and takes seconds; that ``sim`` is imported from the new
environment, not from the checkout, is checked.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

from tests.conftest import REPO


def tracked_files() -> list[str]:
    listed = subprocess.run(
        ["git", "ls-files", "-z"], cwd=REPO, capture_output=True, text=True, check=False
    )
    if listed.returncode != 0:
        pytest.skip("not a git checkout: the sdist is made from the files git tracks")
    return [name for name in listed.stdout.split("\0") if name and (REPO / name).is_file()]


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A fresh environment holding the wheel; returns its python."""
    root = tmp_path_factory.mktemp("wheel")
    source = root / "source"
    for name in tracked_files():
        target = source / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / name, target)
    dist = root / "dist"
    subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(dist), str(source)],
        check=True,
        capture_output=True,
    )
    (wheel,) = dist.glob("nahy_sim-*.whl")
    assert len(list(dist.glob("nahy_sim-*.tar.gz"))) == 1
    env = root / "env"
    venv.EnvBuilder(with_pip=False).create(env)
    python = env / "bin" / "python"
    site = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    (site / "borrowed-dependencies.pth").write_text(
        sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8"
    )
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "-q"]
        + [str(wheel)],
        check=True,
        capture_output=True,
    )
    return python


def sim_command(python: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(python), "-m", "sim", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_the_wheel_runs_validate_run_and_briefing_outside_the_checkout(installed, tmp_path):
    where = subprocess.run(
        [str(installed), "-c", "import sim, sim.presentation.plots; print(sim.__file__)"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert Path(where).is_relative_to(installed.parent.parent), where
    data = REPO / "data" / "nahy"

    checked = sim_command(installed, tmp_path, "validate", str(data), str(data / "scenarios"))
    assert checked.returncode == 0, checked.stderr
    assert "ok" in checked.stdout

    results = tmp_path / "results"
    ran = sim_command(
        installed,
        tmp_path,
        "run",
        str(data / "scenarios" / "baseline.toml"),
        "--reps",
        "4",
        "--workers",
        "1",
        "--out",
        str(results),
        "--quiet",
    )
    assert ran.returncode == 0, ran.stderr
    assert "no white village" in ran.stdout

    briefing = tmp_path / "briefing"
    briefed = sim_command(
        installed, tmp_path, "briefing", str(results), "--lang", "vi", "--out", str(briefing)
    )
    assert briefed.returncode == 0, briefed.stderr
    assert (briefing / "briefing.pdf").stat().st_size > 10_000
    text = next(briefing.glob("*.md")).read_text(encoding="utf-8")
    assert "Nà Hỳ" in text


def test_the_console_script_is_installed(installed) -> None:
    script = installed.parent / "nahy-sim"
    done = subprocess.run([str(script), "--version"], capture_output=True, text=True, check=False)
    assert done.returncode == 0 and "0." in done.stdout
