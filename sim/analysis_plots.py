"""Figures of a calibration and of a sensitivity analysis, drawn from their stored folders.

They read only what :mod:`sim.calibration` and :mod:`sim.sensitivity` stored
(plots never run the model), and every PNG carries its provenance in its
metadata (package version, git commit, the folder's key or scenario file)
and in a source line under the figure. Colours are the Okabe-Ito
colour-blind-safe palette, as in the briefing figures.

- ``priors_posteriors.png``: one panel per calibrated parameter, the prior
  and the posterior as shares per bin on the same bins (log-spaced for
  log-uniform priors), the posterior's median and 90 % interval, and the
  scenario's own value.
- ``predictive.png``: one panel per observed figure, the runs from the prior
  (generation 0) and fresh runs from the posterior (posterior predictive),
  and the observed value.
- ``sensitivity.png``: one panel per output, Sobol ``S1`` and ``ST`` with
  their 95 % intervals (or Morris ``mu*`` with its interval and ``sigma``).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FixedLocator, FuncFormatter, MaxNLocator, NullFormatter

from sim.calibration import CalibrationResult, load_calibration, weighted_quantile
from sim.priors import Prior
from sim.sensitivity import OUTPUTS, SensitivityResult, load_sensitivity

BLUE, VERMILLION, GREEN, ORANGE = "#0072B2", "#D55E00", "#009E73", "#E69F00"
GREY, BLACK = "#7F7F7F", "#000000"
DPI = 150


def _prior(name: str, spec: dict[str, Any]) -> Prior:
    return Prior(name=name, **spec)


def _grid(n: int, columns: int = 3) -> tuple[int, int]:
    cols = min(columns, n)
    return math.ceil(n / cols), cols


def _figure(width: float, height: float, top: float = 0.9) -> Figure:
    """A figure with room at the bottom for the source line and above ``top`` for a legend."""
    fig = Figure(figsize=(width, height), layout="constrained")
    fig.get_layout_engine().set(rect=(0, 0.03, 1, top), h_pad=0.1)
    return fig


def _log_ticks(ax: Any, low: float, high: float) -> None:
    """Four readable ticks on a log axis (matplotlib's default ones crowd a short range)."""
    ticks = np.geomspace(low, high, 4)
    ax.xaxis.set_major_locator(FixedLocator(ticks))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{x:.3g}"))
    ax.xaxis.set_minor_formatter(NullFormatter())


def _save(fig: Figure, path: Path, manifest: dict[str, Any], title: str) -> Path:
    git = manifest.get("git") or {}
    source = manifest.get("scenario_file") or manifest.get("key") or ""
    line = (
        f"nahy-sim {manifest.get('version', '?')}, commit {str(git.get('commit'))[:10]}"
        f"{' (modified)' if git.get('dirty') else ''}; {source}; created {manifest.get('created')}"
    )
    fig.text(0.01, 0.005, line, fontsize=7, color=GREY, ha="left", va="bottom")
    fig.savefig(
        path,
        dpi=DPI,
        metadata={
            "Title": title,
            "Software": f"nahy-sim {manifest.get('version', '?')}",
            "Source": str(source),
            "Comment": f"git {git.get('commit')} dirty={git.get('dirty')}",
        },
    )
    return path


# -- calibration ------------------------------------------------------------------------------


def plot_priors_posteriors(result: CalibrationResult, path: Path | None = None) -> Path:
    """Prior against posterior for each calibrated parameter."""
    manifest = result.manifest
    names = result.parameters
    info = manifest.get("parameter_info", {})
    rows, cols = _grid(len(names))
    fig = _figure(4.6 * cols, 3.3 * rows + 1.2)
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    weights = result.posterior["weight"].to_numpy(float)
    for ax, name in zip(axes, names, strict=False):
        prior = _prior(name, manifest["priors"][name])
        values = result.posterior[name].to_numpy(float)
        if prior.log_scale:
            edges = np.geomspace(prior.low, prior.high, 21)
            ax.set_xscale("log")
            _log_ticks(ax, prior.low, prior.high)
        else:
            edges = np.linspace(prior.low, prior.high, 21)
        prior_draws = prior.ppf((np.arange(20000) + 0.5) / 20000)
        prior_share, _ = np.histogram(prior_draws, bins=edges)
        post_share, _ = np.histogram(values, bins=edges, weights=weights)
        ax.stairs(prior_share / prior_share.sum(), edges, color=GREY, lw=1.5)
        ax.stairs(post_share / weights.sum(), edges, fill=True, color=BLUE, alpha=0.55)
        low, median, high = weighted_quantile(values, weights, [0.05, 0.5, 0.95])
        ax.axvspan(low, high, color=BLUE, alpha=0.08, lw=0)
        ax.axvline(median, color=BLUE, lw=2)
        value = info.get(name, {}).get("scenario_value")
        if value is not None and prior.low <= value <= prior.high:
            ax.axvline(value, color=BLACK, ls=":", lw=1.5)
        unit = info.get(name, {}).get("unit", "")
        ax.set_title(f"{name}\n{prior.describe()}", fontsize=10)
        ax.set_xlabel(
            f"{unit}; median {median:.3g}, 90 % interval {low:.3g} to {high:.3g}", fontsize=9
        )
        ax.set_ylabel("probability per bin", fontsize=9)
        ax.tick_params(labelsize=8)
    for ax in axes[len(names) :]:
        ax.set_visible(False)
    summary = result.summary
    fig.legend(
        handles=[
            Patch(facecolor="none", edgecolor=GREY, lw=1.5, label="prior"),
            Patch(facecolor=BLUE, alpha=0.55, label="posterior"),
            Line2D([], [], color=BLUE, lw=2, label="posterior median"),
            Patch(facecolor=BLUE, alpha=0.08, label="posterior 90 % interval"),
            Line2D([], [], color=BLACK, ls=":", lw=1.5, label="value in parameters.csv"),
        ],
        loc="upper center",
        bbox_to_anchor=(0.5, 0.955),
        ncols=5,
        frameon=False,
        fontsize=9,
    )
    fig.suptitle(
        f"Priors (grey) and ABC posteriors (blue): {len(result.posterior)} particles, "
        f"ESS {summary['ess']:.0f}, {summary['generations']} generations, "
        f"tolerance {summary['tolerance']:.3g}",
        fontsize=12,
    )
    return _save(fig, path or result.path / "priors_posteriors.png", manifest, "priors/posteriors")


def plot_predictive(result: CalibrationResult, path: Path | None = None) -> Path:
    """Prior- and posterior-predictive distributions of each observed figure, and its value."""
    manifest = result.manifest
    used = result.observed[result.observed["used"].astype(bool)]
    rows, cols = _grid(len(used), 4)
    fig = _figure(3.9 * cols, 3.0 * rows + 1.2)
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    generation0 = _generation_zero(result)
    for ax, obs in zip(axes, used.itertuples(index=False), strict=False):
        key = obs.key
        prior_values = generation0[f"sim:{key}"].to_numpy(float) if generation0 is not None else []
        post_values = (
            result.predictive[key].to_numpy(float) if key in result.predictive else np.array([])
        )
        everything = np.concatenate([prior_values, post_values, [obs.value]])
        share = str(obs.metric).startswith("admissions_min_education_")
        if share:
            edges = np.linspace(0, 1, 11)
        else:
            lo, hi = math.floor(everything.min()), math.ceil(everything.max())
            step = max(1, math.ceil((hi - lo + 1) / 30))
            edges = np.arange(lo - 0.5, hi + step + 0.5, step)
        for values, colour, fill in ((prior_values, GREY, False), (post_values, BLUE, True)):
            if len(values):
                counts, _ = np.histogram(values, bins=edges)
                ax.stairs(
                    counts / len(values),
                    edges,
                    color=colour,
                    fill=fill,
                    alpha=0.55 if fill else 1.0,
                    lw=1.5,
                )
        ax.axvline(obs.value, color=VERMILLION, lw=2.5)
        if not share:
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        if len(post_values):
            hits = np.mean(np.abs(post_values - obs.value) <= (0.05 if share else 0.5))
            ax.set_xlabel(
                f"{'share' if share else 'count'}; observed {obs.value:g}; "
                f"posterior runs equal to it: {hits:.0%}",
                fontsize=8,
            )
        period = (
            obs.date_to if obs.date_from == obs.date_to else f"{obs.date_from} to {obs.date_to}"
        )
        ax.set_title(f"{obs.metric}\n{period}", fontsize=9)
        ax.set_ylabel("share of runs", fontsize=8)
        ax.tick_params(labelsize=8)
    for ax in axes[len(used) :]:
        ax.set_visible(False)
    fig.legend(
        handles=[
            Patch(facecolor="none", edgecolor=GREY, lw=1.5, label="runs from the prior"),
            Patch(facecolor=BLUE, alpha=0.55, label="fresh runs from the posterior"),
            Line2D([], [], color=VERMILLION, lw=2.5, label="observed"),
        ],
        loc="upper center",
        bbox_to_anchor=(0.5, 0.955),
        ncols=3,
        frameon=False,
        fontsize=9,
    )
    fig.suptitle(
        "Posterior-predictive check: what the model gives for each observed figure",
        fontsize=11,
    )
    return _save(fig, path or result.path / "predictive.png", manifest, "posterior predictive")


def _generation_zero(result: CalibrationResult) -> pd.DataFrame | None:
    path = result.path / "generations" / "g000.parquet"
    return pd.read_parquet(path) if path.exists() else None


def plot_calibration(folder: str | Path) -> list[Path]:
    """Both calibration figures, written into the calibration folder."""
    result = load_calibration(folder)
    return [plot_priors_posteriors(result), plot_predictive(result)]


# -- sensitivity --------------------------------------------------------------------------------


def plot_indices(result: SensitivityResult, path: Path | None = None) -> Path:
    """The indices of every output: bars with 95 % intervals, one panel per output."""
    manifest = result.manifest
    table = result.indices
    outputs = list(dict.fromkeys(table["output"]))
    names = list(manifest["parameters"])
    rows, cols = _grid(len(outputs), 3)
    fig = _figure(5.2 * cols, 0.42 * len(names) * rows + 1.6 * rows + 1.4, top=0.92)
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    y = np.arange(len(names))
    sobol = manifest["method"] == "sobol"
    for ax, output in zip(axes, outputs, strict=False):
        part = table[table["output"] == output].set_index("parameter").reindex(names)
        if sobol:
            bars = (
                ("S1", "S1_conf", BLUE, "first-order index S1 (alone)"),
                ("ST", "ST_conf", ORANGE, "total index ST (with interactions)"),
            )
        else:
            bars = (
                ("mu_star", "mu_star_conf", BLUE, "mu* (mean absolute effect)"),
                ("sigma", None, ORANGE, "sigma (spread: non-linearity, interactions)"),
            )
        for k, (column, conf, colour, _label) in enumerate(bars):
            values = part[column].to_numpy(float)
            errors = part[conf].to_numpy(float) if conf else None
            ax.barh(
                y + (k - 0.5) * 0.38,
                np.nan_to_num(values),
                height=0.38,
                xerr=None if errors is None else np.nan_to_num(errors),
                color=colour,
                alpha=0.85,
                error_kw={"ecolor": BLACK, "capsize": 2, "lw": 1},
            )
        if part[bars[0][0]].isna().all():
            ax.text(0.5, 0.5, "does not vary", transform=ax.transAxes, ha="center", color=GREY)
        ax.set_yticks(y, names, fontsize=8)
        ax.invert_yaxis()
        ax.axvline(0, color=BLACK, lw=0.8)
        ax.set_title(OUTPUTS.get(output, output), fontsize=10)
        if sobol:
            total = np.nansum(part["S1"].to_numpy(float))
            xlabel = f"share of variance; the S1 add up to {total:.2f}"
        else:
            xlabel = "change in the output across the prior's range"
        ax.set_xlabel(xlabel, fontsize=8)
        ax.tick_params(axis="x", labelsize=8)
    for ax in axes[len(outputs) :]:
        ax.set_visible(False)
    fig.legend(
        handles=[Patch(facecolor=colour, alpha=0.85, label=label) for _, _, colour, label in bars]
        + [Line2D([], [], color=BLACK, lw=1, marker="|", label="95 % bootstrap interval")],
        loc="upper center",
        bbox_to_anchor=(0.5, 0.965),
        ncols=3,
        frameon=False,
        fontsize=9,
    )
    what = "Sobol indices" if sobol else "Morris screening"
    fig.suptitle(
        f"{what} of {len(names)} parameters over their priors: {manifest['points']} points x "
        f"{manifest['reps']} runs, horizon {manifest['scenario']['horizon']}",
        fontsize=12,
    )
    return _save(fig, path or Path(result.path) / "sensitivity.png", manifest, what)


def plot_sensitivity(folder: str | Path) -> Path:
    """The index plot, written into the sensitivity folder."""
    return plot_indices(load_sensitivity(folder))
