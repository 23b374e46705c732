"""The results store: atomic parts, de-duplication, and resuming after a killed process."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow as pa
import pytest

from sim.experiments.ensemble import run_ensemble
from sim.experiments.store import TABLES, RunStore, part_name, write_json_atomic
from tests.ensemble_support import (
    REPO,
    assert_same_tables,
    children,
    command_line,
    short_scenario,
    write_short_scenario,
)


def tables_for(replications: list[int]) -> dict[str, pa.Table]:
    rows = pa.table({"replication": pa.array(replications, pa.int64())})
    return {name: rows for name in TABLES}


def test_parts_are_atomic_and_never_duplicated(tmp_path: Path) -> None:
    store = RunStore(tmp_path / "run")
    store.prepare()
    assert store.write_part(0, 2, tables_for([0, 1]))
    assert not store.write_part(0, 2, tables_for([0, 1]))  # same name: already stored
    assert store.write_part(1, 4, tables_for([1, 2, 3]))  # overlaps (two writers at once)
    assert store.done() == {0, 1, 2, 3}
    read = store.read_parts()
    assert sorted(read["replications"].column("replication").to_pylist()) == [0, 1, 2, 3]
    assert [p[2].name for p in store.parts()] == [part_name(0, 2), part_name(1, 4)]
    assert not [p for p in store.parts_dir.iterdir() if p.name.startswith(".tmp-")]


def test_temporaries_of_dead_processes_are_removed(tmp_path: Path) -> None:
    store = RunStore(tmp_path / "run")
    store.prepare()
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    stale = store.parts_dir / f".tmp-{dead.stdout.strip()}-abc"
    stale.mkdir()
    mine = store.parts_dir / f".tmp-{os.getpid()}-abc"
    mine.mkdir()
    store.prepare()
    assert not stale.exists() and mine.exists()


def test_json_written_atomically(tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    write_json_atomic(path, {"a": 1})
    write_json_atomic(path, {"a": 2})
    assert json.loads(path.read_text()) == {"a": 2}
    assert [p.name for p in tmp_path.iterdir()] == ["x.json"]


def test_incomplete_folder_is_not_reused(tmp_path: Path) -> None:
    store = RunStore(tmp_path)
    write_json_atomic(store.manifest_path, {"status": "incomplete", "key": "k"})
    assert not store.is_complete()


# -- killing a process mid-ensemble ------------------------------------------------


def start_run(
    scenario_file: Path, out: Path, reps: int, workers: int, session: bool = False
) -> subprocess.Popen:
    command = [
        sys.executable, "-m", "sim", "run", str(scenario_file), "--reps", str(reps),
        "--seed", "5", "--workers", str(workers), "--out", str(out), "--quiet",
    ]  # fmt: skip
    return subprocess.Popen(
        command,
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=session,  # its own process group, as a terminal's foreground job
    )


def wait_for_parts(out: Path, proc: subprocess.Popen, count: int = 1) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if len(list(out.glob("*/*/parts/r*"))) >= count:
            return
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.005)
    proc.kill()
    pytest.fail("no part was written in time")


def finish_and_compare(scenario_file: Path, out: Path, reps: int) -> None:
    again = subprocess.run(
        [sys.executable, "-m", "sim", "run", str(scenario_file), "--reps", str(reps),
         "--seed", "5", "--workers", "1", "--out", str(out), "--quiet"],
        cwd=REPO, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert again.returncode == 0, again.stderr
    folder = next(out.glob("*/*"))
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["status"] == "complete"
    assert 0 < manifest["timings"]["replications_resumed"] < reps
    resumed = run_ensemble(short_scenario(), reps, 5, out=out, quiet=True)
    assert resumed.reused
    replications = list(resumed.replications["replication"])
    assert replications == list(range(reps))  # complete, each once, in order
    reference = run_ensemble(short_scenario(), reps, 5, workers=1, out=None, quiet=True)
    assert_same_tables(resumed.tables(), reference.tables())


def test_killed_process_resumes(tmp_path: Path) -> None:
    scenario_file = write_short_scenario(tmp_path / "scenarios")
    out = tmp_path / "out"
    proc = start_run(scenario_file, out, reps=8, workers=1)
    wait_for_parts(out, proc)
    assert proc.poll() is None, "the ensemble finished before it could be killed"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    folder = next(out.glob("*/*"))
    assert json.loads((folder / "manifest.json").read_text())["status"] == "incomplete"
    finish_and_compare(scenario_file, out, reps=8)


def test_killed_worker_stops_the_ensemble_and_it_resumes(tmp_path: Path) -> None:
    scenario_file = write_short_scenario(tmp_path / "scenarios")
    out = tmp_path / "out"
    proc = start_run(scenario_file, out, reps=16, workers=2)
    wait_for_parts(out, proc)
    workers = [
        pid
        for child in children(proc.pid)
        if "forkserver" in command_line(child)
        for pid in children(child)
    ]
    assert workers, "no worker process found"
    os.kill(workers[0], signal.SIGKILL)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 1, stderr
    assert b"worker process died" in stderr and b"resume" in stderr
    assert stderr.decode().count("\n") == 1  # one line, no traceback
    finish_and_compare(scenario_file, out, reps=16)


def test_ctrl_c_stops_every_process_and_it_resumes(tmp_path: Path) -> None:
    scenario_file = write_short_scenario(tmp_path / "scenarios")
    out = tmp_path / "out"
    proc = start_run(scenario_file, out, reps=16, workers=2, session=True)
    wait_for_parts(out, proc)
    os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C in a terminal does: the whole group
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr
    lines = stderr.decode().splitlines()
    assert len(lines) == 1 and "replications are stored" in lines[0] and "resume" in lines[0]
    finish_and_compare(scenario_file, out, reps=16)
