"""Identifiability, shown: which observed figure informs which calibrated parameter.

Why before calibrating: ABC (:mod:`sim.analysis.calibration`) narrows a parameter
only as far as some observed figure responds to it. A parameter no figure of
``observed.csv`` moves comes back from calibration with its prior, and that
looks like "the data agree with the whole range" when in truth the data say
nothing. This module shows, before any calibration run is spent, which
figure responds to which parameter, and flags the parameters nothing
observed can inform.

**Design.** ``draws`` parameter sets are drawn independently from the
scenario's ``[priors]`` (plain Monte Carlo through each prior's quantile
function: ``value = prior.ppf(u)``, ``u`` uniform; draw ``j``'s ``u`` come
from ``SeedSequence(seed, spawn_key=(10, j))`` and its run's seed from
``(11, j)``), one model run each, and every observed figure is measured on
every run exactly as calibration measures it (:mod:`sim.analysis.observed`). Draws
are independent of each other and of how they are batched, so the result
does not depend on the backend or the number of workers, and the first
``n`` draws of a larger design are those of a design of ``n``. Plain
sampling rather than a Latin hypercube keeps that property and makes the
independence bound below exact.

**What is computed**, for every (figure, parameter):

- the **Spearman rank correlation** ``r`` (the Pearson correlation of the
  ranks, ties averaged; ``NaN`` when the figure is constant across runs): is
  the figure monotonically moved by the parameter, the others varying over
  their priors as well?
- a **mutual-information** estimate in nats, which also sees non-monotone
  dependence: both variables are replaced by their ranks and cut into
  ``k = max(2, floor(sqrt(n / 5)))`` equal-count bins (about five draws per
  cell of the ``k x k`` table, ties kept in one bin), the plug-in estimate
  is computed and its first-order (Miller-Madow) bias,
  ``(cells - rows - columns + 1) / (2 n)`` over the non-empty ones, is
  subtracted (without it, independent variables would show an MI of about
  ``(k - 1)^2 / (2 n)``); negative results are set to 0. Working on ranks
  makes it invariant to monotone transformations (a log-uniform parameter
  and its logarithm give the same value).

**The independence bound.** When a figure does not depend on a parameter,
the parameter's draws are independent of the figure's values, so its ranks
are a uniformly random permutation of the figure's: the rank correlation
then has mean 0 and variance exactly ``1 / (n - 1)`` whatever the ties
(the permutation distribution of a Pearson correlation), and is close to
normal. So ``|r| > z_{0.995} / sqrt(n - 1)`` (2.576 / sqrt(n - 1): 0.15 for
300 draws) happens with probability about 1 % for a figure the parameter
does not move. A pair beyond the bound is flagged ``informative``; a
parameter with no informative figure is flagged **not informed**. The bound
is per pair: for a parameter that moves nothing, each of ``K`` figures has
a 1 % chance of crossing it, so the chance that such a parameter is wrongly
called informed is at most ``1 - 0.99^K`` (less when the figures are
correlated, as stocks of one quantity at several dates are). The flag is
decided from this theory, not from a hand-picked cut-off; correlation
measures marginal dependence only, so a parameter that matters solely
through an interaction with another can still be missed (the MI column is
a second look).

Folder layout (``out``)::

    manifest.json                 inputs, key, seeding, bound, status, version, git commit
    draws.parquet                 one row per draw: the parameters, then the figures
    identifiability.csv           one row per (figure, parameter): spearman, MI, informative
    identifiability.vi.png        the heat map in Vietnamese ...
    identifiability.en.png        ... and in English (analysis_plots.plot_identifiability)

Every file is written atomically; ``manifest.json`` (``status: complete``)
is written last of this module's files and marks the folder as finished.
The same inputs (the resolved scenario, the commune's data, the
observations, the draws, the seed and the version) find the finished folder
and reuse it; ``fresh=True``, or other inputs, recompute it in place.

This module computes; it draws nothing. The heat maps are the presentation
layer's (:func:`sim.presentation.analysis_plots.plot_identifiability`, which the
``identify`` command and the validation report call after :func:`identify`),
drawn from the finished folder where they are missing. So that a heat map
in a finished folder is always one of its own results, :func:`identify`
removes the old ones whenever it recomputes a folder.
"""

from __future__ import annotations

import contextlib
import math
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis.calibration import MAX_TASK, ScenarioSimulator, SimulatorEvaluator
from sim.analysis.calibration_store import arrow_table
from sim.analysis.observed import Observation, observations
from sim.experiments.backends import Backend
from sim.experiments.experiment import Design, Run, Runner, resolved_scenario
from sim.experiments.progress import progress_bar
from sim.experiments.store import (
    read_json,
    write_json_atomic,
    write_parquet_atomic,
    write_text_atomic,
)
from sim.inputs.errors import InputError, Problem
from sim.inputs.provenance import commune_fingerprint, digest, git_commit, package_version
from sim.inputs.scenario import Scenario

__all__ = [
    "IdentifiabilityResult",
    "identify",
    "independence_bound",
    "load_identifiability",
    "parameter_summary",
    "rank_mutual_information",
    "spearman_matrix",
]

#: Seed-sequence key prefixes: draw j's parameters ``(DRAW, j)``, its run ``(RUN, j)``.
#: Distinct from calibration's (0-3), so no stream is ever shared with a calibration's.
DRAW, RUN = 10, 11
#: Two-sided level of the independence bound (an independent pair crosses it 1 % of the time).
LEVEL = 0.99
#: Fewest draws: with fewer, the bound is above 0.9 and no figure could be called informative.
MIN_DRAWS = 10
#: What the folder's manifest calls itself (a folder holding anything else is not overwritten).
KIND = "identifiability"
#: The estimators, part of the key: changing them must not reuse old folders.
METHOD = (
    "independent prior draws by quantile (SeedSequence(seed, (10, j)), runs (11, j)); "
    "Spearman r of average ranks; MI in nats on equal-count rank bins, k = max(2, "
    "floor(sqrt(n/5))), Miller-Madow corrected, floored at 0; informative when "
    "|r| > z_0.995 / sqrt(n - 1)"
)
LANGUAGES = ("vi", "en")


@dataclass
class IdentifiabilityResult:
    """A finished identifiability analysis (what :func:`identify` returns or a folder holds).

    ``draws``: one row per draw (``draw``, the parameters, the figures);
    ``table``: one row per (figure, parameter); ``summary``: one row per
    parameter (:func:`parameter_summary`).
    """

    draws: pd.DataFrame
    table: pd.DataFrame
    manifest: dict[str, Any] = field(repr=False)
    path: Path | None = None
    reused: bool = False

    @property
    def parameters(self) -> list[str]:
        return list(self.manifest["parameters"])

    @property
    def figures(self) -> list[str]:
        return [o["key"] for o in self.manifest["observations"]]

    @property
    def bound(self) -> float:
        """The independence bound on ``|r|`` (see the module docstring)."""
        return float(self.manifest["bound"])

    @property
    def summary(self) -> pd.DataFrame:
        return parameter_summary(self.table, self.parameters)

    def figure_paths(self) -> dict[str, Path]:
        """The heat map's PNG in each language."""
        assert self.path is not None
        return heat_map_paths(self.path)


def heat_map_paths(folder: Path) -> dict[str, Path]:
    """Where a folder's heat map goes in each language (the folder's layout is this module's,
    the drawing :mod:`sim.presentation.analysis_plots`')."""
    return {lang: folder / f"identifiability.{lang}.png" for lang in LANGUAGES}


# -- the estimators (model-free) ------------------------------------------------------------


def independence_bound(n: int, level: float = LEVEL) -> float:
    """``z_{(1 + level) / 2} / sqrt(n - 1)``: what ``|r|`` exceeds with chance ``1 - level``
    when the two variables are independent (variance ``1 / (n - 1)``, near normal)."""
    from scipy.special import ndtri

    return float(ndtri(0.5 + level / 2.0) / math.sqrt(n - 1))


def _ranks(values: np.ndarray) -> np.ndarray:
    """Average ranks down each column (ties share their mean rank)."""
    from scipy.stats import rankdata

    return rankdata(values, axis=0, method="average")


def spearman_matrix(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Spearman's r between each column of ``y`` (rows of the result) and of ``x`` (columns).

    ``x``: draws x parameters, ``y``: draws x figures. A constant column
    has no correlation: its entries are ``NaN``.
    """
    rx = _ranks(np.asarray(x, float))
    ry = _ranks(np.asarray(y, float))
    rx = rx - rx.mean(axis=0)
    ry = ry - ry.mean(axis=0)
    sx = np.sqrt((rx**2).sum(axis=0))
    sy = np.sqrt((ry**2).sum(axis=0))
    with np.errstate(divide="ignore", invalid="ignore"):
        r = (ry.T @ rx) / np.outer(sy, sx)
    r[~np.isfinite(r)] = np.nan
    return np.clip(r, -1.0, 1.0)


def _rank_bins(values: np.ndarray, k: int) -> np.ndarray:
    n = len(values)
    ranks = _ranks(values)
    return np.minimum((ranks - 0.5) * k / n, k - 1).astype(int)


def rank_mutual_information(x: np.ndarray, y: np.ndarray, bins: int | None = None) -> float:
    """Mutual information (nats) of ``x`` and ``y``, binned on ranks, bias-corrected.

    ``bins`` equal-count bins per variable (default ``max(2, floor(sqrt(n / 5)))``);
    the plug-in estimate minus its Miller-Madow bias, floored at 0 (see the
    module docstring).
    """
    x, y = np.asarray(x, float), np.asarray(y, float)
    n = len(x)
    k = bins or max(2, int(math.sqrt(n / 5)))
    joint = np.zeros((k, k))
    np.add.at(joint, (_rank_bins(x, k), _rank_bins(y, k)), 1.0)
    p = joint / n
    px, py = p.sum(axis=1), p.sum(axis=0)
    nz = p > 0
    plug_in = float((p[nz] * np.log(p[nz] / np.outer(px, py)[nz])).sum())
    cells, rows, cols = int(nz.sum()), int((px > 0).sum()), int((py > 0).sum())
    return max(0.0, plug_in - (cells - rows - cols + 1) / (2.0 * n))


def identifiability_table(
    draws: pd.DataFrame, parameters: list[str], figures: list[str], bound: float
) -> pd.DataFrame:
    """One row per (figure, parameter): ``spearman``, ``mutual_information``, ``informative``."""
    x = draws[parameters].to_numpy(float)
    y = draws[figures].to_numpy(float)
    r = spearman_matrix(x, y)
    rows = []
    for k, figure in enumerate(figures):
        for j, parameter in enumerate(parameters):
            constant = not np.ptp(y[:, k]) > 0
            rows.append(
                {
                    "figure": figure,
                    "parameter": parameter,
                    "spearman": float(r[k, j]),
                    "mutual_information": 0.0
                    if constant
                    else rank_mutual_information(x[:, j], y[:, k]),
                    "informative": bool(abs(r[k, j]) > bound) if np.isfinite(r[k, j]) else False,
                }
            )
    return pd.DataFrame(rows)


def parameter_summary(table: pd.DataFrame, parameters: list[str] | None = None) -> pd.DataFrame:
    """Per parameter: the figure with the largest ``|r|``, it and its MI, and whether informed.

    ``informed`` is False when no figure's ``|r|`` exceeds the independence
    bound; ``figure`` is then the closest one (``None`` if every figure is constant).
    """
    parameters = parameters or list(dict.fromkeys(table["parameter"]))
    rows = []
    for name in parameters:
        part = table[table["parameter"] == name]
        size = part["spearman"].abs()
        best = part.loc[size.idxmax()] if size.notna().any() else None
        rows.append(
            {
                "parameter": name,
                "figure": None if best is None else best["figure"],
                "spearman": math.nan if best is None else float(best["spearman"]),
                "abs_spearman": math.nan if best is None else abs(float(best["spearman"])),
                "mutual_information": math.nan
                if best is None
                else float(best["mutual_information"]),
                "informative_figures": int(part["informative"].sum()),
                "figures": len(part),
                "informed": bool(part["informative"].any()),
            }
        )
    return pd.DataFrame(rows)


# -- the model ------------------------------------------------------------------------------


def _seed(seed: int, *key: int) -> np.random.SeedSequence:
    return np.random.SeedSequence(seed, spawn_key=key)


def draw_parameters(scenario: Scenario, draws: int, seed: int) -> pd.DataFrame:
    """The design: ``draws`` independent parameter sets from the priors (one generator each)."""
    priors = list(scenario.priors.values())
    values = np.empty((draws, len(priors)))
    for j in range(draws):
        u = np.random.default_rng(_seed(seed, DRAW, j)).random(len(priors))
        values[j] = [float(p.ppf(u[i])) for i, p in enumerate(priors)]
    frame = pd.DataFrame(values, columns=[p.name for p in priors])
    frame.insert(0, "draw", np.arange(draws, dtype=np.int64))
    return frame


def _check(scenario: Scenario, draws: int, seed: int) -> list[Observation]:
    source = str(scenario.path or scenario.name)
    problems = []
    if not isinstance(draws, int) or isinstance(draws, bool) or draws < MIN_DRAWS:
        problems.append(
            Problem(
                "identifiability",
                "draws",
                f"{draws!r} is not a whole number >= {MIN_DRAWS} (with fewer draws the "
                "independence bound is above 0.9 and nothing can show)",
            )
        )
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        problems.append(Problem("identifiability", "seed", f"{seed!r} is not a whole number >= 0"))
    if not scenario.priors:
        problems.append(
            Problem(
                source,
                "priors",
                "none declared (identify needs a [priors] table; see docs/DATA.md)",
            )
        )
    if problems:
        raise InputError(problems)
    used, _ = observations(scenario)
    if not used:
        raise InputError(
            [
                Problem(
                    str(Path(scenario.commune.path) / "observed.csv"),
                    "(rows)",
                    f"no observation the model can be compared with between {scenario.start} "
                    f"and {scenario.horizon}",
                )
            ]
        )
    return used


def identify_key(
    scenario: Scenario, used: list[Observation], draws: int, seed: int
) -> tuple[str, dict[str, Any]]:
    """The folder's key: everything that decides the draws, the runs and the estimates."""
    resolved = resolved_scenario(scenario)
    inputs = {
        "kind": KIND,
        "scenario": resolved,
        "commune_data_sha256": commune_fingerprint(scenario.commune),
        "observations": [o.to_dict() for o in used],
        "draws": draws,
        "seed": seed,
        "method": METHOD,
        "version": package_version(),
    }
    return digest(inputs), inputs


def identify(
    scenario: Scenario,
    out: str | Path,
    *,
    draws: int = 300,
    seed: int = 0,
    backend: str | Backend = "local",
    workers: int | None = None,
    scheduler: str | None = None,
    quiet: bool = False,
    fresh: bool = False,
) -> IdentifiabilityResult:
    """Which observed figure informs which of the scenario's ``[priors]`` parameters.

    Runs ``draws`` prior draws once each (``backend``, ``workers`` and
    ``scheduler`` as for :func:`sim.analysis.calibration.calibrate`), measures every
    observed figure, and stores the draws and the (figure, parameter) table
    in ``out`` (see the module docstring; the heat maps are drawn by
    :func:`sim.presentation.analysis_plots.plot_identifiability`). A finished folder of
    the same inputs is reused (``result.reused``); ``fresh=True``
    recomputes, removing the old heat maps. A folder holding something else
    than an identifiability analysis is an error, never overwritten.
    """
    used = _check(scenario, draws, seed)
    key, inputs = identify_key(scenario, used, draws, seed)
    folder = Path(out)
    previous = read_json(folder / "manifest.json")
    if previous is not None and previous.get("kind") != KIND:
        raise InputError(
            [
                Problem(
                    str(folder),
                    "(folder)",
                    "holds other results (its manifest.json is not an identifiability "
                    "analysis's); use another --out",
                )
            ]
        )
    if (
        not fresh
        and previous
        and previous.get("key") == key
        and previous.get("status") == "complete"
    ):
        with contextlib.suppress(FileNotFoundError, KeyError, ValueError):
            result = load_identifiability(folder)
            result.reused = True
            return result

    folder.mkdir(parents=True, exist_ok=True)
    started = datetime.now(UTC)
    clock = time.perf_counter()
    manifest = _manifest(scenario, used, key, inputs, draws, seed, started)
    # a folder being recomputed is never mistaken for a finished one of other inputs
    write_json_atomic(folder / "manifest.json", {**manifest, "status": "running"})
    for path in heat_map_paths(folder).values():  # drawn from other results
        path.unlink(missing_ok=True)

    design = draw_parameters(scenario, draws, seed)
    names = list(scenario.priors)
    simulator = ScenarioSimulator.of(scenario, used)
    plan = simulator.plan
    runs = tuple(
        Run(index=j, key=(RUN, j), parameters={n: float(design.at[j, n]) for n in names})
        for j in range(draws)
    )
    runner = Runner(
        backend, workers=workers, scheduler=scheduler, preload=("sim.analysis.calibration",)
    )
    bar = progress_bar(draws, description=f"identify {scenario.name}", quiet=quiet)
    try:
        with runner:
            shared = runner.share(simulator)
            results = runner.outputs(
                SimulatorEvaluator(), shared, Design(seed, runs), max_chunk=MAX_TASK, progress=bar
            )
    finally:
        bar.close()
    figures = np.array([results[j] for j in range(draws)])
    frame = design.copy()
    for k, figure in enumerate(plan.keys):
        frame[figure] = figures[:, k]
    bound = independence_bound(draws)
    table = identifiability_table(frame, names, list(plan.keys), bound)

    write_parquet_atomic(folder / "draws.parquet", arrow_table(frame))
    write_text_atomic(folder / "identifiability.csv", table.to_csv(index=False))
    manifest.update(
        bound=bound,
        backend=runner.describe(),
        summary=_json_rows(parameter_summary(table, names)),
        wall_s=round(time.perf_counter() - clock, 3),
    )
    result = IdentifiabilityResult(frame, table, {**manifest, "status": "complete"}, folder)
    write_json_atomic(folder / "manifest.json", result.manifest)
    return result


def _manifest(
    scenario: Scenario,
    used: list[Observation],
    key: str,
    inputs: dict[str, Any],
    draws: int,
    seed: int,
    started: datetime,
) -> dict[str, Any]:
    table = scenario.commune.parameter_table.set_index("name")
    return {
        "kind": KIND,
        "status": "running",
        "key": key,
        "method": METHOD,
        "level": LEVEL,
        "draws": draws,
        "seed": seed,
        "seeding": "numpy SeedSequence(seed) children: draw j's parameters (10, j), "
        "its run (11, j)",
        "parameters": list(scenario.priors),
        "priors": {name: p.to_dict() for name, p in scenario.priors.items()},
        "parameter_info": {
            name: {
                "unit": str(table.loc[name, "unit"]) if name in table.index else "",
                "description": str(table.loc[name, "description"]) if name in table.index else "",
            }
            for name in scenario.priors
        },
        "observations": [o.to_dict() for o in used],
        "scenario": scenario.to_dict(),
        "scenario_file": str(scenario.path) if scenario.path is not None else None,
        "commune_data_sha256": inputs["commune_data_sha256"],
        "version": package_version(),
        "git": git_commit(),
        "python": sys.version.split()[0],
        "created": started.isoformat(timespec="seconds"),
    }


def _json_rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as JSON-safe dicts (NaN as ``None``)."""
    rows = frame.to_dict(orient="records")
    return [
        {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in row.items()}
        for row in rows
    ]


def load_identifiability(path: str | Path) -> IdentifiabilityResult:
    """Read a finished identifiability folder (plots and notebooks use this)."""
    folder = Path(path)
    manifest = read_json(folder / "manifest.json")
    if not manifest or manifest.get("kind") != KIND or manifest.get("status") != "complete":
        raise InputError(
            [Problem(str(folder), "(folder)", "holds no finished identifiability analysis")]
        )
    table = pd.read_csv(folder / "identifiability.csv")
    table["informative"] = table["informative"].astype(bool)
    return IdentifiabilityResult(
        draws=pd.read_parquet(folder / "draws.parquet"),
        table=table,
        manifest=manifest,
        path=folder,
    )
