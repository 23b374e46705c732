"""Where a figure came from: package version, git commit, and a fingerprint of the inputs.

Why: every number a user sees must be traceable to a scenario file, a seed and
a version. The commune's files are fingerprinted by content because the
resolved scenario records parameters but not the village and cell tables, and
an edited ``villages.csv`` must not be mistaken for the data a stored result
was computed from.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

from sim.inputs.commune import FILES, Commune
from sim.version import __version__

_SOURCE_ROOT = Path(__file__).resolve().parents[2]


def package_version() -> str:
    """The installed package version (``sim.__version__``)."""
    return __version__


@cache
def git_commit() -> dict[str, Any]:
    """The source tree's git commit and whether it had uncommitted changes (``None`` if unknown).

    Cached per process: the answer cannot change during a run that matters.
    """
    try:
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=_SOURCE_ROOT,
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
        status = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=_SOURCE_ROOT,
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return {"commit": None, "dirty": None}
    return {"commit": head or None, "dirty": bool(status.strip())}


def commune_fingerprint(commune: Commune) -> str:
    """SHA-256 of the commune folder's files (names and bytes), in a fixed order."""
    digest = hashlib.sha256()
    for name in FILES:
        path = Path(commune.path) / name
        digest.update(name.encode())
        digest.update(path.read_bytes() if path.is_file() else b"<missing>")
    return digest.hexdigest()


def canonical_json(value: Any) -> str:
    """JSON with sorted keys and no spaces: equal values give equal text (and hashes)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def digest(value: Any) -> str:
    """SHA-256 of :func:`canonical_json` of ``value``."""
    return hashlib.sha256(canonical_json(value).encode()).hexdigest()
