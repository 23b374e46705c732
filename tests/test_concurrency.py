"""Runs that share a results folder: identical runs started together, a reader beside a writer.

Two identical ``sim run`` commands on one folder used to race: one succeeded
and the other exited 2 with "(file): does not exist", having read a part the
winner had just removed. Now one process fills a folder at a time and the
others wait and reuse its result; readers never see a folder being cleared or
consolidated.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from sim.experiments.store import RunStore
from sim.inputs.errors import InputError
from tests.conftest import REPO

BASELINE = REPO / "data" / "nahy" / "scenarios" / "baseline.toml"
REPS = 12


def start_run(out: Path, *extra: str) -> subprocess.Popen:
    command = [sys.executable, "-m", "sim", "run", str(BASELINE), "--reps", str(REPS)]
    command += ["--workers", "1", "--seed", "7", "--out", str(out), "--quiet", *extra]
    return subprocess.Popen(
        command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def run_folders(out: Path) -> list[Path]:
    return sorted(p.parent for p in out.glob("baseline/*/manifest.json"))


@pytest.mark.parametrize("n", [2, 4])
def test_identical_runs_started_together_all_succeed_with_one_result(tmp_path, n) -> None:
    out = tmp_path / "results"
    processes = [start_run(out) for _ in range(n)]
    finished = [p.communicate(timeout=300) for p in processes]
    for process, (_, stderr) in zip(processes, finished, strict=True):
        assert process.returncode == 0, stderr
        assert "Traceback" not in stderr and "does not exist" not in stderr
    # every process printed the same answer
    tables = {stdout.split("\n", 2)[2] for stdout, _ in finished}
    assert len(tables) == 1, tables
    (folder,) = run_folders(out)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["status"] == "complete"
    # one process computed every replication, once; the others reused its result
    assert manifest["timings"]["replications_run"] == REPS
    replications = pd.read_parquet(folder / "replications.parquet")["replication"]
    assert list(replications) == list(range(REPS))
    assert not (folder / "parts").exists()
    reused = sum("(reused from the store)" in stdout for stdout, _ in finished)
    assert reused == n - 1


def test_a_reader_sees_a_complete_result_or_none_while_a_run_replaces_it(tmp_path) -> None:
    """``--fresh`` clears and refills the folder again and again; every read meanwhile
    gets the whole result or a clear "no complete ensemble", never a broken one."""
    from sim.experiments.ensemble import load_ensemble
    from sim.presentation.briefing import stored_runs

    out = tmp_path / "results"
    first = start_run(out)
    assert first.wait(timeout=300) == 0
    (folder,) = run_folders(out)
    complete = missing = 0
    for _ in range(2):
        writer = start_run(out, "--fresh")
        while writer.poll() is None:
            try:
                result = load_ensemble(folder)
            except InputError as error:
                assert "holds no complete ensemble" in str(error)
                missing += 1
            else:
                assert list(result.replications["replication"]) == list(range(REPS))
                assert set(result.summary) >= {"no_white_village_at_horizon"}
                complete += 1
            stored_runs(out)
        assert writer.returncode == 0, writer.stderr.read()
    assert complete + missing > 0
    assert load_ensemble(folder).manifest["status"] == "complete"


def hold(store: RunStore, until: str) -> subprocess.Popen:
    """Another process holding ``store`` for filling it, until ``until`` (Python) returns."""
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from sim.experiments.store import RunStore\n"
            f"with RunStore({str(store.path)!r}).working():\n"
            f"    print('held', flush=True); {until}",
        ],
        cwd=REPO,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout.readline().strip() == "held"
    return holder


def test_a_killed_runs_folder_is_free_at_once(tmp_path) -> None:
    """The lock belongs to the process: killed (even with SIGKILL), it holds nothing."""
    store = RunStore(tmp_path / "run")
    holder = hold(store, until="time.sleep(120)")
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait(timeout=30)
    waited: list[bool] = []
    with store.working(on_wait=lambda: waited.append(True)):
        pass
    assert waited == []  # the folder was free: nobody to wait for


def test_a_second_process_waits_for_the_folder_and_says_so(tmp_path) -> None:
    store = RunStore(tmp_path / "run")
    holder = hold(store, until="sys.stdin.readline()")
    waited: list[bool] = []

    def release() -> None:
        waited.append(True)
        holder.stdin.write("go\n")
        holder.stdin.flush()

    with store.working(on_wait=release):
        assert waited == [True]
    assert holder.wait(timeout=30) == 0
