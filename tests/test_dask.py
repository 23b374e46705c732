"""Dask distributed: a real scheduler and two workers on 127.0.0.1 give the local results.

The scheduler and workers are separate ``dask`` processes, as on a cluster;
they are always stopped, even when a test fails.
"""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from sim.experiments.ensemble import run_ensemble
from tests.ensemble_support import REPO, assert_same_tables, short_scenario

DASK = Path(sys.executable).parent / "dask"
REPS, SEED = 6, 21


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def scheduler(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``tcp://127.0.0.1:PORT`` of a running scheduler with two single-threaded workers."""
    from dask.distributed import Client

    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    scratch = tmp_path_factory.mktemp("dask")
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "cwd": REPO}
    procs = [
        subprocess.Popen(
            [str(DASK), "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
            **quiet,
        )
    ]
    try:
        for _ in range(2):
            procs.append(
                subprocess.Popen(
                    [str(DASK), "worker", address, "--nthreads", "1", "--no-nanny",
                     "--no-dashboard", "--host", "127.0.0.1", "--local-directory", str(scratch)],
                    **quiet,
                )
            )  # fmt: skip
        with Client(address, timeout="60s") as client:
            client.wait_for_workers(2, timeout=90)
        yield address
    finally:
        with contextlib.suppress(Exception), Client(address, timeout="5s") as client:
            client.shutdown()  # stops the scheduler and its workers gracefully
        for proc in procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def test_dask_scheduler_gives_the_local_results(scheduler: str, tmp_path: Path) -> None:
    scenario = short_scenario()
    local = run_ensemble(scenario, REPS, SEED, workers=2, out=tmp_path / "local", quiet=True)
    remote = run_ensemble(
        scenario, REPS, SEED, backend="dask", scheduler=scheduler, out=tmp_path / "dask", quiet=True
    )
    assert remote.manifest["backend"] == {"name": "dask", "workers": 2, "scheduler": scheduler}
    assert_same_tables(remote.tables(), local.tables())
    assert remote.summary == local.summary


def test_unreachable_scheduler_is_an_input_error() -> None:
    from sim.experiments.backends import DaskBackend
    from sim.inputs.errors import InputError

    backend = DaskBackend(scheduler=f"tcp://127.0.0.1:{free_port()}", timeout="1s")
    with pytest.raises(InputError, match="could not connect"):
        run_ensemble(short_scenario(), 2, 1, backend=backend, out=None, quiet=True)


def test_local_cluster_without_address(tmp_path: Path) -> None:
    scenario = short_scenario()
    local = run_ensemble(scenario, 4, SEED, workers=1, out=None, quiet=True)
    cluster = run_ensemble(scenario, 4, SEED, backend="dask", workers=2, out=None, quiet=True)
    assert cluster.manifest["backend"]["scheduler"] == "LocalCluster"
    assert_same_tables(cluster.tables(), local.tables())
