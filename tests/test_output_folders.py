"""Where results cannot be written: one line naming the folder and the option, exit 2.

A read-only ``--out``, or one under a regular file, used to end in a
PermissionError or NotADirectoryError traceback after the runs had started.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

import sim
from sim.cli.main import main
from sim.inputs.errors import InputError
from tests.conftest import REPO

BASELINE = REPO / "data" / "nahy" / "scenarios" / "baseline.toml"
COMMANDS = {
    "run": ["run", str(BASELINE), "--reps", "2"],
    "calibrate": ["calibrate", str(BASELINE), "--max-runs", "10"],
    "briefing": ["briefing", str(REPO / "results")],
}


def one_line(capsys) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    assert "Traceback" not in err[0]
    return err[0]


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_out_under_a_regular_file(tmp_path, capsys, command) -> None:
    blocker = tmp_path / "notes.txt"
    blocker.write_text("a file, not a folder\n", encoding="utf-8")
    out = blocker / "results"
    assert main([*COMMANDS[command], "--out", str(out)]) == 2
    line = one_line(capsys)
    assert line.startswith(f"{out}: --out: ") and "which is a file" in line
    assert blocker.read_text(encoding="utf-8") == "a file, not a folder\n"


def test_out_that_is_a_regular_file(tmp_path, capsys) -> None:
    blocker = tmp_path / "results"
    blocker.write_text("", encoding="utf-8")
    assert main([*COMMANDS["run"], "--out", str(blocker)]) == 2
    assert one_line(capsys) == f"{blocker}: --out: is a file, not a folder"


def test_the_library_says_the_same_for_out(tmp_path) -> None:
    blocker = tmp_path / "results"
    blocker.write_text("", encoding="utf-8")
    with pytest.raises(InputError, match=r"results: out: is a file, not a folder"):
        sim.run_ensemble(BASELINE, reps=1, out=blocker, quiet=True)


def as_another_user() -> list[str]:
    """Run as ``nobody`` when we are root (root may write into any folder)."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: cannot make a folder read-only to us")
    command = [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"]
    probe = subprocess.run(
        [*command, sys.executable, "-c", "import sim"], cwd=REPO, capture_output=True, check=False
    )
    if probe.returncode != 0:  # e.g. a checkout under a private mktemp -d folder
        pytest.skip("nobody cannot read this checkout or its environment: no other user to be")
    return command


@pytest.fixture
def reachable_folder():
    """A temporary folder any user may enter (pytest's own are private to us)."""
    folder = Path(tempfile.mkdtemp(prefix="nahy-out-"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def test_a_read_only_out_folder_end_to_end(reachable_folder) -> None:
    read_only = reachable_folder / "shared"
    read_only.mkdir()
    read_only.chmod(0o555)
    out = read_only / "results"
    command = [*as_another_user(), sys.executable, "-m", "sim", *COMMANDS["run"]]
    done = subprocess.run(
        [*command, "--out", str(out), "--quiet"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert lines == [f"{out}: --out: is not a folder this user can write ({read_only} is not)"]
    assert not out.exists()


def test_an_os_error_during_a_command_is_one_line(monkeypatch, capsys, tmp_path) -> None:
    """Whatever the checks miss (a disk that fills, a folder made read-only meanwhile)
    still ends in one line and exit 2, never a traceback."""
    import sim.experiments.ensemble

    def refuse(*_args, **_kwargs):
        raise PermissionError(13, "Permission denied", str(tmp_path / "x.parquet"))

    monkeypatch.setattr(sim.experiments.ensemble, "run_ensemble", refuse)
    assert main([*COMMANDS["run"], "--out", str(tmp_path)]) == 2
    assert (
        one_line(capsys)
        == f"{tmp_path / 'x.parquet'}: (file): cannot be written or read (Permission denied)"
    )


def test_horizon_errors_name_the_scenario_file_and_the_option(capsys) -> None:
    assert main([*COMMANDS["run"], "--horizon", "2014-01-01"]) == 2
    line = one_line(capsys)
    assert line.startswith(f"{BASELINE}: --horizon: 2014-01-01 is not after")
    assert main([*COMMANDS["run"], "--horizon", "soon"]) == 2
    assert one_line(capsys).startswith(f"{BASELINE}: --horizon: 'soon' is not a date")


def test_a_closed_pipe_is_not_an_error(monkeypatch, capsys) -> None:
    """``sim run ... | head -1``: the reader has gone; nothing to report, no traceback."""
    import sim.experiments.ensemble

    def closed(*_args, **_kwargs):
        raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr(sim.experiments.ensemble, "run_ensemble", closed)
    monkeypatch.setattr(sys, "stdout", sys.stdout)  # main replaces it; restore after
    assert main(COMMANDS["run"]) == 0
    assert capsys.readouterr().err == ""
