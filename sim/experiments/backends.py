"""Where replications run: in this process, in local worker processes, or on Dask.

Why one interface: the ensemble code should not care whether its chunks run
on a laptop or a cluster, and results must not depend on it (each replication
brings its own seed, so they do not). Every backend is a context manager
(EMA Workbench style) that starts its workers on entry and always stops them
on exit, and imports its heavy dependency (Dask) only when used.

A backend runs ``fn(*task)`` for each task and yields the results as they
complete, in any order. ``fn`` must be a top-level function of an importable
module (never a closure or a notebook function): worker processes import it
by name, which is what makes parallel runs work from Jupyter.

Local processes are started with the ``forkserver`` method (``spawn`` where
there is none), never plain ``fork``: forking a process that has threads (a
notebook kernel, a Dask client, a progress bar) can deadlock. As with any
non-fork start method, a *script* that starts an ensemble must guard its
top-level code with ``if __name__ == "__main__":``; notebooks and
``python -m sim`` need nothing.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import signal
import sys
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from sim.inputs.errors import InputError, Problem

#: Names accepted by :func:`make_backend`.
BACKENDS = ("local", "dask")


class WorkerLost(RuntimeError):
    """A worker process died (killed, out of memory) and its chunk was lost.

    What was already stored is kept; running the same ensemble again resumes.
    """


def available_cores() -> int:
    """Cores this process may use (its CPU affinity where the OS reports it)."""
    with contextlib.suppress(AttributeError, OSError):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


class Backend:
    """Runs tasks and yields their results as they complete; a context manager."""

    name = "backend"

    def __init__(self) -> None:
        self.workers = 1
        self._entered = 0

    def __enter__(self) -> Backend:
        """Start the workers; entering an already entered backend reuses them.

        So one backend (a Dask cluster, a process pool) can serve several
        ensembles: ``with make_backend("dask") as b: run_ensemble(..., backend=b)``.
        """
        if self._entered == 0:
            self.start()
        self._entered += 1
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._entered -= 1
        if self._entered == 0:
            self.close()

    def start(self) -> None:
        """Start the workers (called on entering the ``with`` block)."""

    def close(self) -> None:
        """Stop the workers (called on leaving the ``with`` block, whatever happened)."""

    def share(self, value: Any) -> Any:
        """Make a large argument available to every task (Dask sends it once)."""
        return value

    def run(self, fn: Callable[..., Any], tasks: Iterable[tuple]) -> Iterator[Any]:
        """Yield ``fn(*task)`` for every task, in completion order."""
        raise NotImplementedError

    def describe(self) -> dict[str, Any]:
        """What the manifest records about how the ensemble ran."""
        return {"name": self.name, "workers": self.workers}


class SerialBackend(Backend):
    """Runs every task in this process, in order: one worker, nothing to start."""

    name = "local"

    def run(self, fn: Callable[..., Any], tasks: Iterable[tuple]) -> Iterator[Any]:
        for task in tasks:
            yield fn(*task)


def _ignore_sigint() -> None:
    """Worker initializer: Ctrl-C is the parent's to handle (it stops the workers)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


class ProcessBackend(Backend):
    """Local worker processes (``workers`` of them; default: every core)."""

    name = "local"

    def __init__(self, workers: int | None = None, preload: tuple[str, ...] = ()) -> None:
        super().__init__()
        self.workers = workers or available_cores()
        self.preload = preload
        self._executor: ProcessPoolExecutor | None = None

    def start(self) -> None:
        methods = multiprocessing.get_all_start_methods()
        context = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
        if self.preload and context.get_start_method() == "forkserver":
            context.set_forkserver_preload(list(self.preload))
        self._executor = ProcessPoolExecutor(
            max_workers=self.workers, mp_context=context, initializer=_ignore_sigint
        )

    def close(self) -> None:
        executor, self._executor = self._executor, None
        if executor is not None:
            _stop(executor)

    def run(self, fn: Callable[..., Any], tasks: Iterable[tuple]) -> Iterator[Any]:
        if self._executor is None:
            raise RuntimeError("use the backend as a context manager: with ProcessBackend() as b")
        pending: set[Future] = {self._executor.submit(fn, *task) for task in tasks}
        try:
            while pending:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    yield future.result()
        except BrokenProcessPool as error:
            raise WorkerLost(
                "a worker process died (killed or out of memory); what was stored is kept"
            ) from error
        finally:
            for future in pending:
                future.cancel()


def _stop(executor: ProcessPoolExecutor) -> None:
    """Stop a pool now: cancel queued tasks and end busy workers instead of waiting for them."""
    processes = list(getattr(executor, "_processes", {}).values())
    executor.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        with contextlib.suppress(Exception):
            if process.is_alive():
                process.terminate()
    for process in processes:
        with contextlib.suppress(Exception):
            process.join(timeout=5)


class DaskBackend(Backend):
    """Dask distributed: a running scheduler (``scheduler="tcp://HOST:PORT"``) or,
    without an address, a LocalCluster of ``workers`` single-threaded processes.

    The scheduler's workers must have this package installed (the same
    version: each chunk reports its version and a mismatch is an error).
    Dask reruns the tasks of a worker that dies on the remaining workers.
    """

    name = "dask"

    def __init__(
        self, scheduler: str | None = None, workers: int | None = None, timeout: str = "15s"
    ) -> None:
        super().__init__()
        self.scheduler = scheduler
        self.timeout = timeout
        self.workers = workers or available_cores()
        self._client: Any = None
        self._cluster: Any = None

    def start(self) -> None:
        try:
            from dask.distributed import Client, LocalCluster
        except ImportError as error:  # pragma: no cover - a dependency of the package
            raise InputError(
                [Problem("--backend", "dask", f"Dask is not installed ({error})")]
            ) from None
        if self.scheduler:
            try:
                self._client = Client(self.scheduler, timeout=self.timeout)
            except (OSError, TimeoutError) as error:
                raise InputError(
                    [
                        Problem(
                            "--scheduler",
                            self.scheduler,
                            f"could not connect to the Dask scheduler ({error})",
                        )
                    ]
                ) from None
            self.workers = max(1, len(self._client.scheduler_info().get("workers", {})))
        else:
            self._cluster = LocalCluster(
                n_workers=self.workers,
                threads_per_worker=1,
                processes=True,
                dashboard_address=":0",  # any free port: never clash with another cluster
                silence_logs=logging.ERROR,
            )
            self._client = Client(self._cluster)

    def close(self) -> None:
        client, cluster = self._client, self._cluster
        self._client = self._cluster = None
        with contextlib.suppress(Exception):
            if client is not None:
                client.close()
        with contextlib.suppress(Exception):
            if cluster is not None:
                cluster.close()

    def share(self, value: Any) -> Any:
        return self._client.scatter(value, broadcast=True)

    def run(self, fn: Callable[..., Any], tasks: Iterable[tuple]) -> Iterator[Any]:
        from dask.distributed import as_completed

        futures = [self._client.submit(fn, *task, pure=False) for task in tasks]
        try:
            for future in as_completed(futures):
                yield future.result()
        finally:
            with contextlib.suppress(Exception):
                self._client.cancel(futures)

    def describe(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "workers": self.workers,
            "scheduler": self.scheduler or "LocalCluster",
        }


def make_backend(
    name: str | Backend = "local",
    workers: int | None = None,
    scheduler: str | None = None,
    preload: tuple[str, ...] = (),
) -> Backend:
    """The backend called ``name``; ``local`` with one worker runs in this process."""
    if isinstance(name, Backend):
        return name
    if workers is not None and workers < 1:
        raise InputError([Problem("--workers", str(workers), "must be a whole number >= 1")])
    if name == "dask":
        return DaskBackend(scheduler=scheduler, workers=workers)
    if name != "local":
        raise InputError(
            [Problem("--backend", repr(name), f"unknown backend (allowed: {', '.join(BACKENDS)})")]
        )
    if scheduler:
        raise InputError(
            [Problem("--scheduler", scheduler, "a scheduler address needs --backend dask")]
        )
    workers = local_workers(workers)
    return SerialBackend() if workers == 1 else ProcessBackend(workers, preload=preload)


def local_workers(asked: int | None) -> int:
    """Local worker processes: all cores by default, never more than the cores.

    More processes than cores only compete for them (and 1,000 of them would
    exhaust the machine), so a larger number is capped, with one line on
    stderr saying so.
    """
    cores = available_cores()
    if asked is None:
        return cores
    if asked > cores:
        print(
            f"--workers {asked} is more than this machine's {cores} cores: using {cores}",
            file=sys.stderr,
        )
        return cores
    return asked
