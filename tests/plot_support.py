"""Inputs for the figure and briefing tests.

Two kinds: **real** ensembles of the Nà Hỳ scenarios with a short horizon
and a handful of runs (the figures must work on what the model stores), and
**synthetic** ensembles built from fixed numbers (no model, no random
numbers), on the fixture commune of ``tests/conftest.py``, so the reference
images do not move when the model or its data are tuned.
"""

from __future__ import annotations

import atexit
import functools
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

import sim
from sim.experiments.ensemble import EnsembleResult
from sim.experiments.summary import summarise
from tests.conftest import write_commune
from tests.ensemble_support import short_scenario

#: The real scenarios the tests run (short horizon, few runs, one process).
REAL_SCENARIOS = ("baseline", "resolution-2015")
REAL_REPS = 4


def real_ensembles(out: Path | None = None) -> list[EnsembleResult]:
    """Baseline and resolution-2015 to the end of 2016, four runs each, stored under ``out``.

    Without ``out`` they are stored once per test session in a temporary
    folder (removed at exit), so every test module reuses the same runs.
    """
    if out is None:
        out = _session_folder()
    return [
        sim.run_ensemble(
            short_scenario(name), REAL_REPS, 11, backend="local", workers=1, out=out, quiet=True
        )
        for name in REAL_SCENARIOS
    ]


@functools.cache
def _session_folder() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="nahy-plots-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder


# -- synthetic ensembles -------------------------------------------------------------------

START_YEAR, END_YEAR = 2015, 2018
VILLAGES = ("V01", "V02", "V03")
REPS = 40
MONTHS = (END_YEAR - START_YEAR + 1) * 12 + 1  # monthly snapshots, the last at the horizon


def synthetic_ensemble(commune: Path, name: str, shift: int) -> EnsembleResult:
    """A hand-built ensemble of the fixture commune (3 villages, targets 2-3 a year).

    ``shift`` moves every figure up, so two synthetic scenarios differ.
    Every number is a fixed function of the replication index.
    """
    reps = np.arange(REPS)
    years = np.arange(START_YEAR, END_YEAR + 1)
    year_rows = [
        (r, y, int((r * 7 + (y - START_YEAR) * 3) % 5 + shift + (y - START_YEAR)))
        for r in reps
        for y in years
    ]
    years_table = pd.DataFrame(year_rows, columns=["replication", "year", "admissions"])
    dates = pd.date_range(f"{START_YEAR}-01-01", periods=MONTHS, freq="MS")
    month_rows = []
    for r in reps:
        for m, when in enumerate(dates):
            month_rows.append(
                {
                    "replication": r,
                    "month": m,
                    "date": when,
                    "youth_home": 300 - m - (r % 7) - 2 * shift,
                    "youth_away": m // 2 + (r % 5) + shift,
                    "youth_military": 4 + ((m // 12 + r) % 3),
                    "members": 20 + m // 6,
                    "white_villages": 1 if m < 20 + r % 9 else 0,
                    "stage_waiting_mentor": 0,
                    "stage_cultivation": 3,
                    "stage_waiting_class": 1,
                    "stage_application": 1,
                    "stage_verification": 0,
                    "stage_waiting_vote": 1,
                    "stage_waiting_decision": 0,
                    "stage_waiting_ceremony": 1,
                    "stage_paused_away": 0,
                }
            )
    months = pd.DataFrame(month_rows)
    months["date"] = months["date"].astype("datetime64[ms]")
    change_rows = []
    for r in reps:
        change_rows += [(r, "V01", 0, "own_cell"), (r, "V02", 0, "joint"), (r, "V03", 0, "white")]
        if r % 4:  # three runs in four: V02 gets its own cell
            change_rows.append((r, "V02", 10 + (r * 3) % 30, "own_cell"))
        if r % 5 != 4:  # four in five: V03 gets a first member, then (some) a cell
            first = 12 + (r * 5) % 24 - shift
            change_rows.append((r, "V03", first, "joint"))
            if r % 3 == 0:
                change_rows.append((r, "V03", min(first + 12, MONTHS - 1), "own_cell"))
    changes = pd.DataFrame(change_rows, columns=["replication", "village", "month", "status"])
    loss_rows = []
    for r in reps:
        for y in years:
            loss_rows += [
                (r, y, "cultivation", "dropout", 1 + (r + y) % 2),
                (r, y, "cultivation", "migration", (r + y) % 3),
                (r, y, "waiting_class", "migration", (r * y) % 2),
                (r, y, "verification", "verification", (r + 2 * y) % 2),
                (r, y, "application", "paused_migration", 1),
                (r, y, "waiting_vote", "vote_failed", (r + y) % 2),
                (r, y, "waiting_vote", "no_introducers", int((r * y) % 3 == 0)),
                (r, y, "waiting_vote", "over_age", int((r + y) % 5 == 0)),
                (r, y, "waiting_vote", "paused_military", 1),
                (r, y, "waiting_decision", "transfer", int((r + y) % 4 == 0)),
                (r, y, "waiting_ceremony", "migration", int((r + 3 * y) % 4 == 0)),
                (r, y, "paused_away", "death", int((r + y) % 20 == 0)),
            ]
    losses = pd.DataFrame(
        loss_rows, columns=["replication", "year", "stage", "reason", "candidates"]
    )
    first_member = [dates[12 + (r * 5) % 24 - shift] if r % 5 != 4 else pd.NaT for r in reps]
    villages = pd.DataFrame(
        {
            "replication": np.repeat(reps, 3),
            "village": list(VILLAGES) * REPS,
            "white_at_start": [False, False, True] * REPS,
            "first_member_date": [d for r in reps for d in (dates[0], dates[0], first_member[r])],
        }
    )
    flags = {
        "admissions_every_year_meet_target": reps % 4 < 1 + shift,
        "admissions_term_mean_meets_target": reps % 4 < 2 + shift,
        "no_white_village_at_horizon": reps % 5 != 4,
        "every_village_has_cell_at_horizon": reps % 3 == 0,
        "every_cell_admits_each_year": reps % 10 == 0,
    }
    replications = pd.DataFrame(
        {
            "replication": reps,
            **flags,
            "admissions_term_mean": years_table.groupby("replication")["admissions"].mean(),
            "white_villages_at_horizon": (reps % 5 == 4).astype(int),
            "last_white_village_ends": pd.Series([dates[30]] * REPS).astype("datetime64[ms]"),
        }
    )
    summary = summarise({"replications": replications, "years": years_table})
    manifest = {
        "status": "complete",
        "key": f"synthetic-{name}",
        "scenario": {
            "name": name,
            "commune": {"id": "testville", "name": "Xã Thử", "path": str(commune)},
            "path": None,
        },
        "scenario_file": None,
        "seed": 7,
        "reps": REPS,
        "version": "0.0.test",
        "git": {"commit": "0123456789abcdef", "dirty": False},
        "created": "2020-01-02T03:04:05+00:00",
        "targets": {
            "start": f"{START_YEAR}-01-01",
            "horizon": f"{END_YEAR}-12-31",
            "admissions_per_year_min": 2,
            "admissions_per_cell_per_year_min": 1,
            "target_years": list(range(START_YEAR + 1, END_YEAR + 1)),
            "term_years": list(range(START_YEAR, END_YEAR + 1)),
            "cells": ["C-V01", "C-V02", "C-SCH1"],
            "villages": list(VILLAGES),
        },
    }
    return EnsembleResult(
        replications=replications,
        years=years_table,
        cells=pd.DataFrame(columns=["replication", "cell", "year", "admissions"]),
        villages=villages,
        months=months,
        village_changes=changes,
        losses=losses,
        summary=summary,
        manifest=manifest,
    )


def synthetic_pair(folder: Path) -> list[EnsembleResult]:
    """Two synthetic scenarios ("alpha" and "beta") on a fixture commune written to ``folder``."""
    commune = write_commune(folder / "commune")
    return [synthetic_ensemble(commune, "alpha", 0), synthetic_ensemble(commune, "beta", 1)]
