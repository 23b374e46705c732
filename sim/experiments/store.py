"""The results store: one folder per ensemble, written so that nothing is ever half-written.

Why: an ensemble of thousands of runs takes minutes to hours, gets
interrupted (Ctrl-C, a killed worker, a closed laptop) and is read again by
notebooks and plots that never run the model. So:

- The folder is keyed by what determines the results: a hash of the resolved
  scenario, the commune's data files, the seed, the number of replications
  and the package version. The same inputs find the same folder and reuse it.
- Replications are streamed to ``parts/`` as they arrive, one folder per
  chunk named by its replication range (``r000000-000008``: replications 0-7),
  written under a temporary name and renamed into place, so a chunk is either
  wholly there or not at all. An interrupted ensemble resumes by running only
  the replications no part holds; two processes filling the same folder at
  once cannot duplicate a replication (a part whose name is taken is
  dropped, and overlapping parts are de-duplicated on reading).
- When every replication is in, the tables are consolidated into
  ``<table>.parquet``, then ``summary.json``, then ``manifest.json`` with
  ``"status": "complete"`` (the commit mark), each file written atomically;
  only then are the parts removed.

Layout of a run folder::

    <root>/<scenario name>/s<seed>-n<reps>-<key>/
        manifest.json   summary.json
        replications.parquet  years.parquet  cells.parquet  villages.parquet  months.parquet
        village_changes.parquet  losses.parquet
        parts/r000000-000008/<table>.parquet ...   (only while incomplete)
        .work.lock  .commit.lock                   (empty lock files)
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import unicodedata
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sim.inputs.errors import InputError, Problem

#: The per-replication tables, and the columns that identify a row of each.
TABLES: dict[str, tuple[str, ...]] = {
    "replications": ("replication",),
    "years": ("replication", "year"),
    "cells": ("replication", "cell", "year"),
    "villages": ("replication", "village"),
    "months": ("replication", "month"),
    "village_changes": ("replication", "village", "month"),
    "losses": ("replication", "year", "stage", "reason"),
}

_PART = re.compile(r"r(\d{6,})-(\d{6,})")
_TMP_PREFIX = ".tmp-"
#: Bumped when the stored tables or summary keys change, so that a store written by
#: an earlier layout is never reused as if it were current (it is part of the key).
RESULTS_FORMAT = 2
_WORK_LOCK = ".work.lock"
_COMMIT_LOCK = ".commit.lock"


def slug(text: str) -> str:
    """A folder-safe version of a scenario name: ``Kế hoạch của tôi`` -> ``Ke-hoach-cua-toi``.

    Letters with diacritics keep their base letter (``đ`` becomes ``d``), so
    a name in Vietnamese stays recognisable in file and folder names.
    """
    plain = unicodedata.normalize("NFKD", text.replace("đ", "d").replace("Đ", "D"))
    plain = "".join(c for c in plain if not unicodedata.combining(c))
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "-", plain).strip("-.")
    return cleaned or "scenario"


def part_name(start: int, stop: int) -> str:
    """The folder name of the part holding replications ``start`` .. ``stop - 1``."""
    return f"r{start:06d}-{stop:06d}"


def write_text_atomic(path: Path, text: str) -> None:
    """Write text to a temporary file beside ``path``, then rename it into place.

    A reader (or a resumed run) never sees a half-written file: it sees the old
    one or the new one.
    """
    tmp = path.with_name(f"{_TMP_PREFIX}{os.getpid()}-{uuid.uuid4().hex}-{path.name}")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def write_bytes_atomic(path: Path, data: bytes) -> None:
    """Write bytes (a PDF, an image) to a temporary file beside ``path``, then rename it."""
    tmp = path.with_name(f"{_TMP_PREFIX}{os.getpid()}-{uuid.uuid4().hex}-{path.name}")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def write_csv_atomic(path: Path, frame: pd.DataFrame) -> None:
    """Write a table as CSV (no index) to a temporary file, then rename it into place."""
    write_text_atomic(path, frame.to_csv(index=False))


def write_json_atomic(path: Path, value: Any) -> None:
    """Write JSON to a temporary file beside ``path``, then rename it into place."""
    write_text_atomic(path, json.dumps(value, indent=2, ensure_ascii=False, default=str) + "\n")


def write_parquet_atomic(path: Path, table: pa.Table) -> None:
    """Write a Parquet file under a temporary name, then rename it into place."""
    tmp = path.with_name(f"{_TMP_PREFIX}{os.getpid()}-{uuid.uuid4().hex}-{path.name}")
    try:
        pq.write_table(table, tmp)
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def writable_folder(path: str | Path, field: str) -> None:
    """Check, without creating anything, that results can be written at ``path``.

    Why: a run that fails after minutes because its folder is read-only, or lies
    under a regular file, wastes the user's time and used to end in a
    traceback; this says so in one line before any work. The folder and its
    parents are created later, by the run itself.
    """
    path = Path(path)
    existing = path
    try:
        while not existing.exists() and existing != existing.parent:
            existing = existing.parent
    except OSError as error:  # a parent this user may not enter
        reason = error.strerror or type(error).__name__
        raise InputError([Problem(str(path), field, f"cannot be reached ({reason})")]) from None
    if existing.exists() and not existing.is_dir():
        where = "is a file" if existing == path else f"is under {existing}, which is a file"
        raise InputError([Problem(str(path), field, f"{where}, not a folder")])
    if not os.access(existing, os.W_OK | os.X_OK):
        where = "" if existing == path else f" ({existing} is not)"
        raise InputError([Problem(str(path), field, f"is not a folder this user can write{where}")])


def read_json(path: Path) -> dict[str, Any] | None:
    """A JSON file's content, or ``None`` if it is missing or unreadable."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


class RunStore:
    """One experiment's folder: its parts while running, its tables once complete.

    ``tables`` names the tables each part holds (by default an ensemble's,
    :data:`TABLES`); the first is keyed by ``index``, the run index that
    parts are named and de-duplicated by. A sensitivity design stores one
    table of its runs the same way (:mod:`sim.analysis.sensitivity`).
    """

    def __init__(
        self,
        path: str | Path,
        tables: tuple[str, ...] = tuple(TABLES),
        index: str = "replication",
        finals: tuple[str, ...] | None = None,
    ) -> None:
        self.path = Path(path)
        self.parts_dir = self.path / "parts"
        self.tables = tables
        self.index = index
        #: the files a complete folder holds besides the manifest
        self.finals = (
            finals
            if finals is not None
            else ("summary.json",) + tuple(f"{name}.parquet" for name in tables)
        )

    # -- state ----------------------------------------------------------------
    @property
    def manifest_path(self) -> Path:
        return self.path / "manifest.json"

    @property
    def summary_path(self) -> Path:
        return self.path / "summary.json"

    def manifest(self) -> dict[str, Any] | None:
        """The stored manifest, or ``None``."""
        return read_json(self.manifest_path)

    def is_complete(self, key: str | None = None) -> bool:
        """True if the folder holds a finished ensemble (with this key, if given)."""
        manifest = self.manifest()
        if not manifest or manifest.get("status") != "complete":
            return False
        if key is not None and manifest.get("key") != key:
            return False
        return all((self.path / name).is_file() for name in self.finals)

    def table_path(self, name: str) -> Path:
        return self.path / f"{name}.parquet"

    def parts(self) -> list[tuple[int, int, Path]]:
        """Committed parts as ``(start, stop, folder)``, by start."""
        if not self.parts_dir.is_dir():
            return []
        found = []
        for entry in self.parts_dir.iterdir():
            match = _PART.fullmatch(entry.name)
            if match and entry.is_dir():
                found.append((int(match.group(1)), int(match.group(2)), entry))
        return sorted(found, key=lambda part: (part[0], part[1]))

    def done(self) -> set[int]:
        """Run indices that some committed part holds."""
        return {i for start, stop, _ in self.parts() for i in range(start, stop)}

    # -- writing ----------------------------------------------------------------
    def prepare(self) -> None:
        """Create the folder and remove temporaries left by processes that no longer exist."""
        self.parts_dir.mkdir(parents=True, exist_ok=True)
        for folder in (self.path, self.parts_dir):
            for entry in folder.iterdir():
                if entry.name.startswith(_TMP_PREFIX) and not _owner_alive(entry.name):
                    _remove(entry)

    def clear(self) -> None:
        """Forget everything stored here (``fresh=True``) but the lock files."""
        if not self.path.is_dir():
            return
        with self.committing():
            for entry in self.path.iterdir():
                if entry.name not in (_WORK_LOCK, _COMMIT_LOCK):
                    _remove(entry)

    # -- locks ------------------------------------------------------------------
    @contextlib.contextmanager
    def working(self, on_wait: Callable[[], None] | None = None) -> Iterator[None]:
        """Hold the folder for filling it; wait (after calling ``on_wait``) while another
        process does."""
        self.path.mkdir(parents=True, exist_ok=True)
        with _locked(self.path / _WORK_LOCK, exclusive=True, on_wait=on_wait):
            yield

    @contextlib.contextmanager
    def committing(self) -> Iterator[None]:
        """Hold off readers while the finished tables are written or removed."""
        with _locked(self.path / _COMMIT_LOCK, exclusive=True):
            yield

    @contextlib.contextmanager
    def reading(self) -> Iterator[None]:
        """Read a consistent folder: no clearing or consolidating meanwhile.

        A folder that does not exist or cannot be written (someone else's results,
        a read-only copy) is read without the lock: no run of ours can change it.
        """
        try:
            handle = open(self.path / _COMMIT_LOCK, "a+b")  # noqa: SIM115 - closed below
        except OSError:
            yield
            return
        with handle, _holding(handle, exclusive=False):
            yield

    def write_part(self, start: int, stop: int, tables: dict[str, pa.Table]) -> bool:
        """Store one chunk atomically; ``False`` if another process stored it first."""
        tmp = self.parts_dir / f"{_TMP_PREFIX}{os.getpid()}-{uuid.uuid4().hex}"
        tmp.mkdir(parents=True)
        try:
            for name in self.tables:
                pq.write_table(tables[name], tmp / f"{name}.parquet")
            try:
                os.rename(tmp, self.parts_dir / part_name(start, stop))
            except OSError:  # the name is taken: the same replications are already stored
                return False
            return True
        finally:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)

    def read_parts(self) -> dict[str, pa.Table]:
        """Every table from the committed parts, each run once."""
        claimed: set[int] = set()
        pieces: dict[str, list[pa.Table]] = {name: [] for name in self.tables}
        for _start, _stop, folder in self.parts():
            tables = {name: pq.read_table(folder / f"{name}.parquet") for name in self.tables}
            held = set(tables[self.tables[0]].column(self.index).to_pylist())
            new = held - claimed
            for name, table in tables.items():
                if new != held:
                    mask = pa.array([r in new for r in table.column(self.index).to_pylist()])
                    table = table.filter(mask)
                pieces[name].append(table)
            claimed |= new
        return {name: _concat(tables) for name, tables in pieces.items()}

    def write_final(
        self,
        tables: dict[str, pa.Table],
        manifest: dict[str, Any],
        summary: dict[str, Any] | None = None,
        texts: dict[str, str] | None = None,
    ) -> None:
        """Consolidate: the tables, the summary and texts, then the complete manifest (the
        commit mark); drop the parts."""
        with self.committing():
            for name, table in tables.items():
                write_parquet_atomic(self.table_path(name), table)
            for name, text in (texts or {}).items():
                write_text_atomic(self.path / name, text)
            if summary is not None:
                write_json_atomic(self.summary_path, summary)
            write_json_atomic(self.manifest_path, manifest)
            shutil.rmtree(self.parts_dir, ignore_errors=True)

    def read_final(self) -> dict[str, pa.Table]:
        """The consolidated tables of a complete folder."""
        return {name: pq.read_table(self.table_path(name)) for name in self.tables}


@contextlib.contextmanager
def _locked(
    path: Path, exclusive: bool, on_wait: Callable[[], None] | None = None
) -> Iterator[None]:
    """An advisory lock on ``path`` (created empty if missing)."""
    with open(path, "a+b") as handle, _holding(handle, exclusive, on_wait):
        yield


@contextlib.contextmanager
def _holding(
    handle: Any, exclusive: bool, on_wait: Callable[[], None] | None = None
) -> Iterator[None]:
    """Lock an open file (``flock``), waiting if need be; the operating system releases it
    when the process ends, so a crashed run never leaves a folder locked. Without
    ``fcntl`` (Windows) folders are not locked."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    mode = fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH
    try:
        fcntl.flock(handle, mode | fcntl.LOCK_NB)
    except BlockingIOError:
        if on_wait is not None:
            on_wait()
        fcntl.flock(handle, mode)
    try:
        yield
    finally:
        fcntl.flock(handle, fcntl.LOCK_UN)


def _concat(tables: list[pa.Table]) -> pa.Table | None:
    if not tables:
        return None
    return pa.concat_tables(tables, promote_options="default")


def _owner_alive(name: str) -> bool:
    """Whether the process whose id a temporary's name carries is still running."""
    match = re.match(rf"{re.escape(_TMP_PREFIX)}(\d+)-", name)
    if not match:
        return False
    pid = int(match.group(1))
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def _remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
