"""Where a calibration keeps its generations, so that it survives interruption and sharing.

Why a module of its own: a calibration runs for minutes, is interrupted,
resumed and read by plots and notebooks that never run the model. Only the
calibrating process writes (workers only return numbers), and it writes each
file under a temporary name and renames it into place, so a reader never
sees half a file: a generation is either wholly stored or not at all, and
resuming starts after the last complete one. A lock file holding the
writer's process id stops a second calibration from writing the same folder
at once (calibration storage that breaks under concurrent writers is a
common complaint of other toolkits); a lock left by a process that died is
taken over.

The folder's layout is described in :mod:`sim.analysis.calibration`.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sim.analysis.abc import Generation
from sim.analysis.observed import Observation, Skipped
from sim.experiments.store import read_json, write_parquet_atomic
from sim.inputs.errors import InputError, Problem


@dataclass
class CalibrationResult:
    """A calibration's tables (see the module docstring) read from its folder."""

    path: Path
    posterior: pd.DataFrame
    diagnostics: pd.DataFrame
    predictive: pd.DataFrame
    observed: pd.DataFrame
    summary: dict[str, Any] = field(repr=False)
    manifest: dict[str, Any] = field(repr=False)

    @property
    def parameters(self) -> list[str]:
        """The calibrated parameters, in the priors' order."""
        return list(self.manifest["parameters"])


def load_calibration(path: str | Path) -> CalibrationResult:
    """Read a finished calibration folder (plots and notebooks use this)."""
    folder = Path(path)
    manifest = read_json(folder / "manifest.json")
    if not manifest or manifest.get("status") != "complete":
        raise InputError(
            [Problem(str(folder), "(folder)", "holds no finished calibration (manifest.json)")]
        )
    predictive_path = folder / "predictive.parquet"
    return CalibrationResult(
        path=folder,
        posterior=pd.read_parquet(folder / "posterior.parquet"),
        diagnostics=pd.read_csv(folder / "diagnostics.csv"),
        predictive=pd.read_parquet(predictive_path) if predictive_path.exists() else pd.DataFrame(),
        observed=pd.read_csv(folder / "observed.csv"),
        summary=read_json(folder / "summary.json") or {},
        manifest=manifest,
    )


class FolderLock:
    """``out/.lock`` holding this process's id: one calibration writes a folder at a time."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / ".lock"

    def __enter__(self) -> FolderLock:
        for _ in range(2):
            try:
                fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
            except FileExistsError:
                if _lock_owner_alive(self.path):
                    owner = self.path.read_text().strip()
                    raise InputError(
                        [
                            Problem(
                                str(self.path.parent),
                                "(folder)",
                                f"another calibration (process {owner}) is writing this folder",
                            )
                        ]
                    ) from None
                with contextlib.suppress(FileNotFoundError):
                    self.path.unlink()
                continue
            with os.fdopen(fd, "w") as handle:
                handle.write(str(os.getpid()))
            return self
        raise InputError([Problem(str(self.path), "(lock)", "could not be taken")])

    def __exit__(self, *exc: object) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()


def _lock_owner_alive(lock: Path) -> bool:
    """Whether the process named in the lock file runs (a dead one's lock is taken over)."""
    try:
        pid = int(lock.read_text().strip())
    except (OSError, ValueError):
        return False
    if pid == os.getpid():
        return False  # our own stale lock (an earlier call in this process that was interrupted)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def arrow_table(frame: pd.DataFrame) -> pa.Table:
    """An Arrow table without pandas metadata (plain, stable schemas)."""
    return pa.Table.from_pandas(frame, preserve_index=False).replace_schema_metadata(None)


def generation_path(folder: Path, index: int) -> Path:
    """``folder/generations/gNNN.parquet``."""
    return folder / "generations" / f"g{index:03d}.parquet"


def store_generation(
    folder: Path, generation: Generation, names: list[str], keys: tuple[str, ...]
) -> None:
    """One Parquet file per generation: a row per particle (values, distance, weight,
    ``sim:<key>`` figures), the diagnostics in the file's metadata (exact float reprs,
    so a resumed calibration continues from bit-identical state)."""
    frame = pd.DataFrame({"particle": np.arange(len(generation.weight), dtype=np.int64)})
    for j, name in enumerate(names):
        frame[name] = generation.theta[:, j]
    frame["distance"] = generation.distance
    frame["weight"] = generation.weight
    for k, key in enumerate(keys):
        frame[f"sim:{key}"] = generation.summaries[:, k]
    diagnostics = generation.diagnostics()
    metadata = {k: repr(v) if isinstance(v, float) else str(v) for k, v in diagnostics.items()}
    table = arrow_table(frame).replace_schema_metadata(metadata)
    (folder / "generations").mkdir(exist_ok=True)
    write_parquet_atomic(generation_path(folder, generation.index), table)


def read_generation(path: Path, names: list[str], keys: tuple[str, ...]) -> Generation:
    """A stored generation back, exactly as it was computed."""
    table = pq.read_table(path)
    meta = {k.decode(): v.decode() for k, v in (table.schema.metadata or {}).items()}
    frame = table.to_pandas()
    return Generation(
        index=int(meta["generation"]),
        theta=frame[names].to_numpy(float),
        distance=frame["distance"].to_numpy(float),
        weight=frame["weight"].to_numpy(float),
        summaries=frame[[f"sim:{k}" for k in keys]].to_numpy(float),
        tolerance=float(meta["tolerance"]),
        ess=float(meta["ess"]),
        acceptance=float(meta["acceptance_rate"]),
        cost=int(meta["cost"]),
        runs=int(meta["runs"]),
        seconds=float(meta["seconds"]),
    )


def last_generation(
    folder: Path, names: list[str], keys: tuple[str, ...]
) -> tuple[Generation | None, int]:
    """The last of the consecutive stored generations g000, g001, ..., and their total cost."""
    index = 0
    while generation_path(folder, index).exists():
        index += 1
    for stale in (folder / "generations").glob("g*.parquet"):  # after a gap: not trusted
        if int(stale.stem[1:]) >= index:
            stale.unlink()
    if index == 0:
        return None, 0
    spent = sum(
        int((pq.read_schema(generation_path(folder, i)).metadata or {})[b"cost"])
        for i in range(index)
    )
    return read_generation(generation_path(folder, index - 1), names, keys), spent


def diagnostics_table(folder: Path, last: int) -> pd.DataFrame:
    """One row per generation, from the generations' stored metadata."""
    rows = []
    for index in range(last + 1):
        meta = pq.read_schema(generation_path(folder, index)).metadata or {}
        rows.append({k.decode(): v.decode() for k, v in meta.items()})
    frame = pd.DataFrame(rows)
    for column in ("generation", "cost", "runs"):
        frame[column] = frame[column].astype(np.int64)
    for column in frame.columns.difference(["generation", "cost", "runs"]):
        frame[column] = pd.to_numeric(frame[column])
    return frame


def posterior_frame(
    generation: Generation, names: list[str], keys: tuple[str, ...]
) -> pd.DataFrame:
    """The posterior table: the final particles, their weights, distances and figures."""
    frame = pd.DataFrame({"particle": np.arange(len(generation.weight), dtype=np.int64)})
    for j, name in enumerate(names):
        frame[name] = generation.theta[:, j]
    frame["weight"] = generation.weight
    frame["distance"] = generation.distance
    frame["generation"] = np.int64(generation.index)
    for k, key in enumerate(keys):
        frame[f"sim:{key}"] = generation.summaries[:, k]
    return frame


def write_observed(
    folder: Path, used: list[Observation], skipped: list[Skipped], scale: np.ndarray
) -> None:
    """``observed.csv``: the figures used with their sigma, and the skipped rows with reasons."""
    rows = [
        {**o.to_dict(), "sigma": float(s), "used": True, "reason": ""}
        for o, s in zip(used, scale, strict=True)
    ]
    rows += [
        {
            "metric": s.metric,
            "key": "",
            "date_from": s.date_from.isoformat(),
            "date_to": s.date_to.isoformat(),
            "value": s.value,
            "source": "",
            "note": "",
            "sigma": np.nan,
            "used": False,
            "reason": s.reason,
        }
        for s in skipped
    ]
    tmp = folder / ".tmp-observed.csv"
    pd.DataFrame(rows).to_csv(tmp, index=False)
    os.replace(tmp, folder / "observed.csv")


def clear_folder(folder: Path) -> None:
    """Forget a calibration (``fresh=True``): only the files a calibration writes."""
    for name in (
        "manifest.json",
        "observed.csv",
        "pilot.parquet",
        "diagnostics.csv",
        "posterior.parquet",
        "posterior.csv",
        "predictive.parquet",
        "summary.json",
    ):
        with contextlib.suppress(FileNotFoundError):
            (folder / name).unlink()
    shutil.rmtree(folder / "generations", ignore_errors=True)
