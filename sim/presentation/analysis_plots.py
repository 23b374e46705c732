"""Figures of a calibration and of a sensitivity analysis, drawn from their stored folders.

They read only what :mod:`sim.analysis.calibration` and :mod:`sim.analysis.sensitivity` stored
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
- ``identifiability.vi.png`` / ``identifiability.en.png``: the heat map of
  :mod:`sim.analysis.identifiability` (observed figures x calibrated parameters,
  Spearman's r).

Every figure takes ``lang`` like the briefing figures, with every word from
:mod:`sim.presentation.i18n` (parameters and figures named in words, numbers written as
each language writes them): the researcher notebook shows them in the
reader's language, and the command line writes them in English.
"""

from __future__ import annotations

import contextlib
import math
import os
import textwrap
import uuid
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle
from matplotlib.ticker import FixedLocator, FuncFormatter, MaxNLocator, NullFormatter

from sim.analysis.calibration import CalibrationResult, load_calibration, weighted_quantile
from sim.analysis.identifiability import IdentifiabilityResult
from sim.analysis.sensitivity import SensitivityResult, load_sensitivity
from sim.inputs.priors import Prior
from sim.presentation.i18n import (
    DEFAULT_LANGUAGE,
    TEXT,
    check_language,
    date_text,
    number,
    percent,
    scenario_label,
    t,
)
from sim.presentation.observed_words import figure_label
from sim.presentation.plots.style import make_figure, unregistered
from sim.presentation.research_tables import output_words, prior_text
from sim.presentation.tables import parameter_unit, parameter_words, short_number

BLUE, VERMILLION, ORANGE = "#0072B2", "#D55E00", "#E69F00"
GREY, BLACK = "#7F7F7F", "#000000"
DPI = 150


def _save(fig: Figure, path: Path, manifest: dict[str, Any], title: str) -> Path:
    """Write the figure as a PNG whose metadata carry its provenance (its source line shows it)."""
    git = manifest.get("git") or {}
    source = manifest.get("scenario_file") or manifest.get("key") or ""
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


# -- the figures (each in either language) ---------------------------------------------------


def _source_line(manifest: dict[str, Any], lang: str) -> str:
    """Model, commit, scenario and date of a research result, for the foot of its figure."""
    scenario = (manifest.get("scenario") or {}).get("name", "?")
    git = manifest.get("git") or {}
    commit = f" (git {str(git.get('commit'))[:7]}{'+' if git.get('dirty') else ''})"
    parts = [
        f"{t('source', lang)}: {t('model', lang, version=manifest.get('version', '?'))}{commit}",
        f"{t('scenario_word', lang)} {scenario_label(str(scenario), lang)}",
    ]
    if manifest.get("created"):
        parts.append(t("computed_on", lang, date=date_text(manifest["created"], lang)))
    return " · ".join(parts)


def _analysis_figure(width: float, height: float) -> Any:
    """A figure that shows itself in a notebook (:mod:`~sim.presentation.plots.style`), sourced."""
    from sim.presentation.plots.style import make_figure

    figure = make_figure((width, height), layout="constrained")
    figure.get_layout_engine().set(rect=(0, 0.03, 1, 0.9), h_pad=0.1)
    return figure


def _wrap(text: str, width: int) -> str:

    return textwrap.fill(text, width, break_on_hyphens=False)


def sensitivity_figure(result: Any, lang: str) -> Any:
    """The screening's indices, one panel per output sharing the parameters' rows.

    Morris: ``mu*`` with its 95 % interval and ``sigma``; Sobol: ``S1`` and
    ``ST`` with theirs. Parameters and outputs in words.
    """

    manifest, table = result.manifest, result.indices
    outputs = list(dict.fromkeys(table["output"]))
    names = list(manifest["parameters"])
    sobol = manifest["method"] == "sobol"
    bars = (
        (
            ("S1", "S1_conf", BLUE, t("nb.s1", lang)),
            ("ST", "ST_conf", ORANGE, t("nb.st", lang)),
        )
        if sobol
        else (
            ("mu_star", "mu_star_conf", BLUE, t("nb.mu_star", lang)),
            ("sigma", None, ORANGE, t("nb.sigma", lang)),
        )
    )
    figure = _analysis_figure(4.0 + 2.6 * len(outputs), 0.36 * len(names) + 2.6)
    axes = figure.subplots(1, len(outputs), sharey=True, squeeze=False)[0]
    y = np.arange(len(names))
    for ax, output in zip(axes, outputs, strict=True):
        part = table[table["output"] == output].set_index("parameter").reindex(names)
        for k, (column, conf, colour, _label) in enumerate(bars):
            values = np.nan_to_num(part[column].to_numpy(float))
            errors = None
            if conf:  # the interval kept within the index's range (mu* >= 0; Sobol 0-1)
                half = np.nan_to_num(part[conf].to_numpy(float))
                top = 1.0 if sobol else np.inf
                errors = [np.clip(half, 0, np.maximum(values, 0)), np.minimum(half, top - values)]
            ax.barh(
                y + (k - 0.5) * 0.38,
                values,
                height=0.38,
                xerr=errors,
                color=colour,
                alpha=0.85,
                error_kw={"ecolor": "#000000", "capsize": 2, "lw": 1},
            )
        if part[bars[0][0]].isna().all():
            ax.text(0.5, 0.5, t("nb.sens.constant", lang), transform=ax.transAxes, ha="center")
        ax.axvline(0, color="#000000", lw=0.8)
        ax.set_title(_wrap(output_words(output, lang), 28), fontsize=9)
        if sobol:
            total = number(float(np.nansum(part["S1"].to_numpy(float))), lang, 2)
            ax.set_xlabel(_wrap(t("nb.sens.sobol_axis", lang, total=total), 32), fontsize=8)
        else:
            ax.set_xlabel(_wrap(t("nb.sens.morris_axis", lang), 32), fontsize=8)
        ax.tick_params(axis="x", labelsize=8)
    axes[0].set_yticks(y, [_wrap(parameter_words(n, lang), 44) for n in names], fontsize=7.5)
    axes[0].invert_yaxis()
    figure.legend(
        handles=[Patch(facecolor=colour, alpha=0.85, label=label) for _, _, colour, label in bars]
        + [Line2D([], [], color="#000000", lw=1, marker="|", label=t("ci95", lang))],
        loc="upper center",
        bbox_to_anchor=(0.5, 0.955),
        ncols=3,
        frameon=False,
        fontsize=9,
    )
    method = t(f"nb.method.{manifest['method']}", lang)
    figure.suptitle(t("nb.sens.title", lang, method=method, params=len(names)), fontsize=12)
    figure.text(0.01, 0.005, _source_line(manifest, lang), fontsize=7, color="#7F7F7F")
    return figure


def priors_posteriors_figure(result: Any, lang: str) -> Any:
    """Prior against posterior for each calibrated parameter, the parameters in words."""

    blue, grey, black = BLUE, GREY, BLACK
    manifest, names = result.manifest, result.parameters
    info = manifest.get("parameter_info", {})
    cols = min(3, len(names))
    rows = math.ceil(len(names) / cols)
    figure = _analysis_figure(4.6 * cols, 3.1 * rows + 1.4)
    axes = figure.subplots(rows, cols, squeeze=False).ravel()
    weights = result.posterior["weight"].to_numpy(float)
    for ax, name in zip(axes, names, strict=False):
        spec = manifest["priors"][name]
        prior = Prior(name=name, **spec)
        values = result.posterior[name].to_numpy(float)
        if prior.log_scale:
            edges = np.geomspace(prior.low, prior.high, 21)
            ax.set_xscale("log")
            ax.xaxis.set_major_locator(FixedLocator(np.geomspace(prior.low, prior.high, 4)))
        else:
            edges = np.linspace(prior.low, prior.high, 21)
        prior_share, _ = np.histogram(prior.ppf((np.arange(20000) + 0.5) / 20000), bins=edges)
        post_share, _ = np.histogram(values, bins=edges, weights=weights)
        ax.stairs(prior_share / prior_share.sum(), edges, color=grey, lw=1.5)
        ax.stairs(post_share / weights.sum(), edges, fill=True, color=blue, alpha=0.55)
        low, median, high = weighted_quantile(values, weights, [0.05, 0.5, 0.95])
        ax.axvspan(low, high, color=blue, alpha=0.08, lw=0)
        ax.axvline(median, color=blue, lw=2)
        value = info.get(name, {}).get("scenario_value")
        if value is not None and prior.low <= value <= prior.high:
            ax.axvline(value, color=black, ls=":", lw=1.5)
        title = f"{_wrap(parameter_words(name, lang), 46)}\n{prior_text(spec, lang)}"
        ax.set_title(title, fontsize=9)
        ax.set_xlabel(parameter_unit(name, lang), fontsize=8)
        ax.set_ylabel(t("nb.pp.ylabel", lang), fontsize=8)
        ax.xaxis.set_major_formatter(_formatter(lang))
        ax.xaxis.set_minor_formatter(_formatter(lang, minor=True))
        ax.yaxis.set_major_formatter(_formatter(lang))
        ax.tick_params(labelsize=7.5)
    for ax in axes[len(names) :]:
        ax.set_visible(False)
    figure.legend(
        handles=[
            Patch(facecolor="none", edgecolor=grey, lw=1.5, label=t("nb.pp.prior", lang)),
            Patch(facecolor=blue, alpha=0.55, label=t("nb.pp.posterior", lang)),
            Line2D([], [], color=blue, lw=2, label=t("nb.pp.median", lang)),
            Patch(facecolor=blue, alpha=0.08, label=t("nb.pp.band", lang)),
            Line2D([], [], color=black, ls=":", lw=1.5, label=t("nb.pp.value", lang)),
        ],
        loc="upper center",
        bbox_to_anchor=(0.5, 0.955),
        ncols=5,
        frameon=False,
        fontsize=9,
    )
    summary = result.summary
    figure.suptitle(
        t(
            "nb.pp.title",
            lang,
            particles=len(result.posterior),
            ess=number(float(summary.get("ess", float("nan"))), lang, 0),
            generations=summary.get("generations", "?"),
        ),
        fontsize=12,
    )
    figure.text(0.01, 0.005, _source_line(manifest, lang), fontsize=7, color=grey)
    return figure


def _formatter(lang: str, minor: bool = False) -> Any:
    """Tick labels in the language's decimals (a log axis's minor ticks unlabelled)."""

    if minor:
        return NullFormatter()
    return FuncFormatter(lambda x, _: short_number(float(f"{x:.3g}"), lang))


def predictive_figure(result: Any, lang: str) -> Any:
    """Runs from the priors and from the posterior against each observed figure, in words."""

    blue, grey, vermillion = BLUE, GREY, VERMILLION
    used = result.observed[result.observed["used"].astype(bool)]
    cols = min(4, len(used))
    rows = math.ceil(len(used) / cols)
    figure = _analysis_figure(3.9 * cols, 2.9 * rows + 1.4)
    axes = figure.subplots(rows, cols, squeeze=False).ravel()
    path = result.path / "generations" / "g000.parquet"
    generation0 = pd.read_parquet(path) if path.exists() else None
    for ax, obs in zip(axes, used.itertuples(index=False), strict=False):
        key = obs.key
        prior_values = (
            generation0[f"sim:{key}"].to_numpy(float)
            if generation0 is not None and f"sim:{key}" in generation0
            else np.array([])
        )
        post_values = (
            result.predictive[key].to_numpy(float) if key in result.predictive else np.array([])
        )
        share = str(obs.metric).startswith("admissions_min_education_") or "share" in str(
            obs.metric
        )
        everything = np.concatenate([prior_values, post_values, [obs.value]])
        if share:
            lo, hi = max(0.0, float(everything.min())), min(1.0, float(everything.max()))
            edges = np.linspace(lo - 0.025, hi + 0.025, 12) if hi > lo else np.linspace(0, 1, 11)
        else:
            lo, hi = math.floor(everything.min()), math.ceil(everything.max())
            step = max(1, math.ceil((hi - lo + 1) / 30))
            edges = np.arange(lo - 0.5, hi + step + 0.5, step)
        for values, colour, fill in ((prior_values, grey, False), (post_values, blue, True)):
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
        ax.axvline(obs.value, color=vermillion, lw=2.5)
        if share:
            ax.xaxis.set_major_formatter(_formatter(lang))
        else:
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            ax.xaxis.set_major_formatter(_formatter(lang))
        ax.yaxis.set_major_formatter(_formatter(lang))
        if len(post_values):
            hits = float(np.mean(np.abs(post_values - obs.value) <= (0.05 if share else 0.5)))
            observed = short_number(float(obs.value), lang)
            label = t("nb.pred.xlabel", lang, value=observed, share=percent(hits, lang))
            ax.set_xlabel(_wrap(label, 40), fontsize=7.5)
        ax.set_title(_wrap(figure_label(key, lang), 34), fontsize=8.5)
        ax.set_ylabel(t("nb.pred.ylabel", lang), fontsize=7.5)
        ax.tick_params(labelsize=7.5)
    for ax in axes[len(used) :]:
        ax.set_visible(False)
    figure.legend(
        handles=[
            Patch(facecolor="none", edgecolor=grey, lw=1.5, label=t("nb.pred.prior", lang)),
            Patch(facecolor=blue, alpha=0.55, label=t("nb.pred.posterior", lang)),
            Line2D([], [], color=vermillion, lw=2.5, label=t("check.observed", lang)),
        ],
        loc="upper center",
        bbox_to_anchor=(0.5, 0.955),
        ncols=3,
        frameon=False,
        fontsize=9,
    )
    figure.suptitle(t("nb.pred.title", lang), fontsize=12)
    figure.text(0.01, 0.005, _source_line(result.manifest, lang), fontsize=7, color=grey)
    return figure


# -- calibration ------------------------------------------------------------------------------


def plot_priors_posteriors(
    result: CalibrationResult, path: Path | None = None, lang: str = "en"
) -> Path:
    """Prior against posterior for each calibrated parameter: ``priors_posteriors.png``."""
    with unregistered():  # made to be written: never left open in pyplot
        figure = priors_posteriors_figure(result, lang)
    target = path or result.path / "priors_posteriors.png"
    return _save(figure, target, result.manifest, "priors/posteriors")


def plot_predictive(result: CalibrationResult, path: Path | None = None, lang: str = "en") -> Path:
    """Prior- and posterior-predictive runs of each observed figure: ``predictive.png``."""
    with unregistered():
        figure = predictive_figure(result, lang)
    return _save(figure, path or result.path / "predictive.png", result.manifest, "predictive")


def _generation_zero(result: CalibrationResult) -> pd.DataFrame | None:
    path = result.path / "generations" / "g000.parquet"
    return pd.read_parquet(path) if path.exists() else None


def plot_calibration(folder: str | Path) -> list[Path]:
    """Both calibration figures, written into the calibration folder."""
    result = load_calibration(folder)
    return [plot_priors_posteriors(result), plot_predictive(result)]


# -- sensitivity --------------------------------------------------------------------------------


def plot_indices(result: SensitivityResult, path: Path | None = None, lang: str = "en") -> Path:
    """The indices of every output with their 95 % intervals, as a PNG (``sensitivity.png``)."""
    with unregistered():
        figure = sensitivity_figure(result, lang)
    what = "Sobol indices" if result.manifest["method"] == "sobol" else "Morris screening"
    return _save(figure, path or Path(result.path) / "sensitivity.png", result.manifest, what)


def plot_sensitivity(folder: str | Path) -> Path:
    """The index plot, written into the sensitivity folder."""
    return plot_indices(load_sensitivity(folder))


# -- identifiability ------------------------------------------------------------------------------


def parameter_name(name: str, lang: str, description: str = "") -> str | None:
    """A parameter in words: its translation, else (English only) its ``parameters.csv``
    description; ``None`` when there is neither (the figure then shows its name alone)."""
    if f"param.{name}" in TEXT:
        return t(f"param.{name}", lang)
    return description if lang == "en" and description else None


def _compact(value: float, lang: str) -> str:
    text = f"{value:.3g}"
    return text.replace(".", ",") if lang == "vi" else text


def parameter_label(name: str, lang: str, prior: dict[str, Any], description: str = "") -> str:
    """A heat-map row's label: the parameter in words, then its prior's range and unit.

    The code name shows only for a parameter that has no words (neither a
    translation nor, in English, a description): a reader sees words.
    """
    unit = parameter_unit(name, lang)
    low, high = _compact(prior["low"], lang), _compact(prior["high"], lang)
    span = t("ident.range", lang, low=low, high=high, unit=unit) if unit else f"{low}–{high}"
    words = parameter_name(name, lang, description)
    if not words:
        return f"{name} · {span}"
    return f"{textwrap.fill(words, 52, break_on_hyphens=False)}\n{span}"


def identifiability_figure(result: IdentifiabilityResult, lang: str = DEFAULT_LANGUAGE) -> Figure:
    """Heat map of Spearman's r: calibrated parameters (rows) x observed figures (columns).

    One row per parameter reads as the question a researcher asks ("what
    tells me about this parameter?"), and rows take the long labels (the
    parameter in words, its name and its prior's range) without crowding.
    Values are written in each cell, bold beyond the independence bound
    (which the colour bar marks too); the most informative figure of each
    informed parameter is framed; a parameter no figure informs has its
    label in vermillion with a note. Grey cells: the figure is constant
    across runs (no correlation exists). The title block and the source
    line are subfigures of their own, so they span the whole width and
    nothing overlaps them.
    """
    check_language(lang)
    manifest = result.manifest
    params, figures = result.parameters, result.figures
    cells = result.table.set_index(["parameter", "figure"])["spearman"]
    r = np.array([[cells.loc[(p, f)] for f in figures] for p in params], float)
    summary = result.summary.set_index("parameter")
    bound = result.bound
    n_par, n_fig = len(params), len(figures)
    width = max(10.0, 4.4 + 0.78 * n_fig + 1.3)
    head, body_height, foot = 1.05, 2.9 + 0.62 * n_par, 0.35
    fig = make_figure((width, head + body_height + foot), layout="constrained")
    top, body, bottom = fig.subfigures(3, 1, height_ratios=[head, body_height, foot], hspace=0)
    chars = int(width * 72 / (9.5 * 0.56))  # characters of 9.5 pt text in the figure's width
    scenario = manifest["scenario"]["name"]
    top.text(
        0.01,
        0.92,
        t("ident.title", lang, scenario=scenario_label(scenario, lang)),
        ha="left",
        va="top",
        fontsize=14,
        fontweight="bold",
    )
    top.text(
        0.01,
        0.55,
        textwrap.fill(t("ident.subtitle", lang, bound=number(bound, lang, 2)), chars),
        ha="left",
        va="top",
        fontsize=9.5,
        linespacing=1.35,
    )
    bottom.text(
        0.01,
        0.5,
        textwrap.fill(identifiability_source_line(manifest, lang), int(chars * 9.5 / 7)),
        ha="left",
        va="center",
        fontsize=7,
        color=GREY,
    )

    ax = body.subplots()
    cmap = colormaps["RdBu_r"].with_extremes(bad="#E5E5E5")
    image = ax.imshow(np.ma.masked_invalid(r), cmap=cmap, vmin=-1, vmax=1, aspect="auto")
    for i in range(n_par):
        for k in range(n_fig):
            value = r[i, k]
            if not np.isfinite(value):
                ax.text(k, i, "–", ha="center", va="center", color=GREY, fontsize=9)
                continue
            ax.text(
                k,
                i,
                number(value, lang, 2),
                ha="center",
                va="center",
                fontsize=8.5,
                color="white" if abs(value) > 0.6 else BLACK,
                fontweight="bold" if abs(value) > bound else "normal",
            )
    info = manifest.get("parameter_info", {})
    labels, informed = [], []
    for i, name in enumerate(params):
        label = parameter_label(
            name, lang, manifest["priors"][name], info.get(name, {}).get("description", "")
        )
        row = summary.loc[name]
        informed.append(bool(row["informed"]))
        if informed[-1]:
            k = figures.index(row["figure"])
            frame = Rectangle((k - 0.45, i - 0.42), 0.9, 0.84, fill=False, ec=BLACK, lw=2.0)
            ax.add_patch(frame).set_zorder(4)
        else:
            label += "\n⚠ " + t("ident.not_informed", lang)
        labels.append(label)
    constant = result.draws[figures].nunique().to_numpy() <= 1
    columns = [
        figure_label(f, lang) + (f" ({t('ident.constant', lang)})" if c else "")
        for f, c in zip(figures, constant, strict=True)
    ]
    ax.set_yticks(range(n_par), labels, fontsize=8)
    ax.set_xticks(range(n_fig), columns, fontsize=8.5)
    ax.xaxis.tick_top()
    ax.xaxis.set_label_position("top")
    for tick in ax.xaxis.get_ticklabels():
        tick.set(rotation=40, ha="left", rotation_mode="anchor")
    for tick, ok in zip(ax.yaxis.get_ticklabels(), informed, strict=True):
        if not ok:
            tick.set_color(VERMILLION)
    ax.tick_params(length=0)
    ax.set_xticks(np.arange(n_fig + 1) - 0.5, minor=True)
    ax.set_yticks(np.arange(n_par + 1) - 0.5, minor=True)
    ax.grid(which="minor", color="white", lw=1.5)
    ax.tick_params(which="minor", length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.set_xlabel(t("ident.figures", lang), fontsize=10, labelpad=8)
    ax.set_ylabel(t("ident.parameters", lang), fontsize=10)
    bar = body.colorbar(image, ax=ax, shrink=min(1.0, max(0.5, 6 / max(n_par, 1))), pad=0.015)
    bar.set_label(t("ident.colorbar", lang), fontsize=9)
    bar.set_ticks(np.linspace(-1, 1, 5))
    bar.ax.yaxis.set_major_formatter(FuncFormatter(lambda x, _: number(x, lang, 1)))
    bar.ax.tick_params(labelsize=8)
    for level in (-bound, bound):
        bar.ax.axhline(level, color=BLACK, lw=1.2, ls="--")
    return fig


def identifiability_source_line(manifest: dict[str, Any], lang: str) -> str:
    """Version and commit, scenario, draws and seed, date: where the heat map came from."""
    git = manifest.get("git") or {}
    commit = git.get("commit")
    model = t("model", lang, version=manifest.get("version", "?"))
    if commit:
        model += f" (git {commit[:7]}{'+' if git.get('dirty') else ''})"
    scenario = manifest["scenario"]["name"]
    runs = t("ident.runs", lang, draws=manifest["draws"])
    commune = (manifest["scenario"].get("commune") or {}).get("name")
    parts = [
        f"{t('source', lang)}: {model}",
        *([t("source.commune", lang, commune=commune)] if commune else []),
        f"{t('scenario_word', lang)} {scenario}: {runs}, {t('seed', lang, seed=manifest['seed'])}",
        t("computed_on", lang, date=date_text(manifest["created"], lang)),
    ]
    return " · ".join(parts)


def save_identifiability_figure(
    result: IdentifiabilityResult, lang: str = DEFAULT_LANGUAGE, path: str | Path | None = None
) -> Path:
    """Draw the heat map in ``lang`` and write it as a PNG, atomically, with its provenance."""
    manifest = result.manifest
    if path is None:
        assert result.path is not None
        path = result.path / f"identifiability.{lang}.png"
    path = Path(path)
    with unregistered():  # made to be written: never left open in pyplot
        fig = identifiability_figure(result, lang)
    git = manifest.get("git") or {}
    tmp = path.with_name(f".tmp-{os.getpid()}-{uuid.uuid4().hex}-{path.name}")
    try:
        fig.savefig(
            tmp,
            format="png",
            dpi=DPI,
            metadata={
                "Title": t("ident.title", lang, scenario=manifest["scenario"]["name"]),
                "Software": f"nahy-sim {manifest.get('version', '?')}",
                "Source": str(manifest.get("scenario_file") or manifest.get("key") or ""),
                "Description": identifiability_source_line(manifest, lang),
                "Comment": f"git {git.get('commit')} dirty={git.get('dirty')}",
            },
        )
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
    return path


def plot_identifiability(result: IdentifiabilityResult) -> list[Path]:
    """Both heat maps (Vietnamese and English) in the result's folder, drawn where missing.

    Why only where missing: :func:`sim.analysis.identifiability.identify` removes a
    folder's heat maps whenever it recomputes the folder, so one still there
    was drawn from these very results (a reused folder), and drawing it
    again would only cost time.
    """
    paths = result.figure_paths()
    for lang, path in paths.items():
        if not path.exists():
            save_identifiability_figure(result, lang, path)
    return list(paths.values())
