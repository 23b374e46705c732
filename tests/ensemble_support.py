"""Helpers shared by the ensemble tests: short scenarios and table comparisons.

The ensemble tests run the real model on the Nà Hỳ data with a two-year
horizon and a handful of replications, so the whole set stays fast.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

import sim
from sim.experiments.store import TABLES

REPO = Path(__file__).resolve().parents[1]
NAHY = REPO / "data" / "nahy"
SHORT_HORIZON = "2016-12-31"


def short_scenario(name: str = "baseline") -> sim.Scenario:
    """A Nà Hỳ scenario ending at the end of 2016 (about 0.06 s a run)."""
    return sim.load_scenario(NAHY / "scenarios" / f"{name}.toml").with_horizon(SHORT_HORIZON)


def write_short_scenario(folder: Path, name: str = "baseline", source: str = "baseline") -> Path:
    """A scenario file in ``folder`` copying a Nà Hỳ scenario with the short horizon."""
    text = (NAHY / "scenarios" / f"{source}.toml").read_text(encoding="utf-8")
    text = text.replace('commune = ".."', f'commune = "{NAHY.as_posix()}"')
    text = text.replace("horizon = 2020-12-31", f"horizon = {SHORT_HORIZON}")
    text = text.replace(f'name = "{source}"', f'name = "{name}"')
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.toml"
    path.write_text(text, encoding="utf-8")
    return path


def assert_same_tables(left: dict[str, pd.DataFrame], right: dict[str, pd.DataFrame]) -> None:
    """The ensemble tables are identical, row for row and type for type."""
    assert set(left) == set(right) == set(TABLES)
    for name in TABLES:
        pd.testing.assert_frame_equal(left[name], right[name], check_exact=True, obj=name)


def children(pid: int) -> list[int]:
    """Process ids whose parent is ``pid`` (Linux /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        fields = text[text.rindex(")") + 2 :].split()
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def command_line(pid: int) -> str:
    """A process's command line, or ``""`` if it is gone."""
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""
