"""Where a plan fails: the ranges of the uncertain parameters in the chosen box, at a glance.

Why this shape: the committee's question is "under which conditions does the
plan fail?", so the figure draws the answer of :mod:`sim.analysis.discovery`
as ranges, one horizontal bar per restricted parameter (most significant
first), named in words: the grey bar is the parameter's whole range across
the runs, the coloured bar the part of it in which the plan fails most, each
end that is restricted labelled with its value (probabilities as
percentages, rates with their unit). Bars are drawn on each parameter's own
range (lowest to highest value drawn), so parameters of different units sit
side by side. The title names the plan; the subtitle says how often it fails
overall, how often within the box (density) and how many of the failures
the box holds (coverage). A second panel shows PRIM's trade-off: every box
it tried (coverage against density), the chosen one marked, with the overall
failure rate and the threshold a box had to reach. Without a box the figure
says why in words. The source line names the version, the commune, the
plan, runs, seed and where the parameters came from.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from sim.analysis.discovery import DiscoveryResult, load_discovery
from sim.analysis.discovery_boxes import BOX
from sim.inputs.languages import LANGUAGES
from sim.presentation.discovery_words import (
    descriptions_of,
    discovery_sentence,
    parameter_name,
    parameter_unit,
    parameters_line,
    plan_label,
    target_label,
    value_text,
)
from sim.presentation.i18n import check_language, date_text, percent, t
from sim.presentation.plots.common import halo, percent_axis, wrap
from sim.presentation.plots.export import save_figure
from sim.presentation.plots.style import (
    FOOT,
    GREY,
    OKABE_ITO,
    SLIDE,
    add_source_line,
    house_style,
    new_figure,
    unregistered,
)

BOX_COLOUR = OKABE_ITO["vermillion"]
FULL_COLOUR = "#D0D0D0"
#: Characters per line of a parameter's name beside its bar.
NAME_WIDTH = 30


def discovery_figure(
    result: DiscoveryResult | str | Path, lang: str = "vi", *, size: tuple[float, float] = SLIDE
) -> Figure:
    """The chosen box's ranges and PRIM's trade-off, in ``lang`` (``vi`` or ``en``)."""
    check_language(lang)
    if not isinstance(result, DiscoveryResult):
        result = load_discovery(result)
    plan = plan_label(result, lang)
    with house_style():
        figure, body, _ = new_figure(rows=0, size=size)
        subtitle = wrap(_subtitle(result, lang), int(size[0] * 72 / (16 * 0.56)))
        lines = subtitle.count("\n") + 1
        head_inches = 0.75 + 0.3 * lines  # the title, then the subtitle's lines of 16 pt
        head_share = head_inches / (size[1] - FOOT * SLIDE[1])
        head, panels = body.subfigures(2, 1, height_ratios=[head_share, 1 - head_share], hspace=0)
        title = t("disc.title", lang, plan=plan)
        head.text(0.005, 1 - 0.08 / head_inches, title, ha="left", va="top", fontsize=22,
                  fontweight="bold")  # fmt: skip
        head.text(
            0.005,
            1 - 0.62 / head_inches,
            subtitle,
            ha="left",
            va="top",
            fontsize=16,
            linespacing=1.3,
        )
        box = result.box(1)
        has_trajectory = (
            bool((result.trajectory["box"] == 1).any()) if len(result.trajectory) else False
        )
        if result.status == BOX and len(box):
            bars, trade = panels.subplots(1, 2, width_ratios=[1.75, 1])
            _draw_bars(bars, result, box, lang)
            handles = [
                Patch(color=FULL_COLOUR, label=t("disc.legend.full", lang)),
                Patch(color=BOX_COLOUR, label=t("disc.legend.box", lang)),
                *_draw_trajectory(trade, result, lang),
            ]
            panels.legend(handles=handles, loc="outside lower left", ncols=2, alignment="left")
        elif has_trajectory:
            words, trade = panels.subplots(1, 2, width_ratios=[1.2, 1])
            _say(words, discovery_sentence(result, lang))
            handles = _draw_trajectory(trade, result, lang)
            panels.legend(handles=handles, loc="outside lower left", ncols=2, alignment="left")
        else:
            _say(panels.subplots(), discovery_sentence(result, lang), width=62, size=20)
        line = source_line(result, lang)
        add_source_line(figure, line)
        figure.sim_provenance = {
            "figure": "discovery",
            "language": lang,
            "title": title,
            "source_line": line,
            "discovery": {
                "folder": str(result.path) if result.path is not None else None,
                "key": result.manifest.get("key"),
                "scenario": result.summary.get("scenario"),
                "scenario_file": result.manifest.get("scenario_file"),
                "target": result.target,
                "source": result.summary.get("source"),
                "reps": result.reps,
                "seed": result.summary.get("seed"),
                "version": result.manifest.get("version"),
                "git": result.manifest.get("git"),
                "parameters": result.manifest.get("parameters"),
            },
            "scenarios": [{"scenario": result.summary.get("scenario")}],
            "made": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        return figure


def _subtitle(result: DiscoveryResult, lang: str) -> str:
    target = target_label(result, lang)
    base = percent(result.base_rate, lang)
    if result.status != BOX:
        return t("disc.subtitle_none", lang, target=target, base=base)
    first = result.box(1).iloc[0]
    return t(
        "disc.subtitle",
        lang,
        target=target,
        base=base,
        density=percent(float(first["density"]), lang),
        coverage=percent(float(first["coverage"]), lang),
    )


def _draw_bars(ax: Any, result: DiscoveryResult, box: Any, lang: str) -> None:
    """One bar per restricted parameter: its whole range (grey) and the box's (coloured)."""
    descriptions = descriptions_of(result)
    labels = []
    for i, (_, row) in enumerate(box.iterrows()):
        name = str(row["parameter"])
        full_low, full_high = float(row["full_low"]), float(row["full_high"])
        span = (full_high - full_low) or 1.0
        low = (float(row["low"]) - full_low) / span
        high = (float(row["high"]) - full_low) / span
        ax.barh(i, 1.0, left=0.0, height=0.5, color=FULL_COLOUR, gid=f"discovery:full:{name}")
        ax.barh(i, high - low, left=low, height=0.5, color=BOX_COLOUR, gid=f"discovery:box:{name}")
        grey = {"fontsize": 13, "va": "top", "color": "#555555"}
        ax.text(0.0, i + 0.3, value_text(name, full_low, lang, unit=False), ha="left", **grey)
        ax.text(1.0, i + 0.3, value_text(name, full_high, lang, unit=False), ha="right", **grey)
        strong = {"fontsize": 14, "va": "bottom", "color": BOX_COLOUR, "fontweight": "bold"}
        limited = str(row["limited"])
        ends = [("low", low, float(row["low"])), ("high", high, float(row["high"]))]
        for end, at, value in ends:
            if limited in (end, "both"):
                text = value_text(name, value, lang, unit=False)
                ax.text(at, i - 0.3, text, ha="center", **strong)
        words = wrap(parameter_name(name, lang, descriptions), NAME_WIDTH)
        unit = parameter_unit(name, lang)
        labels.append(f"{words}\n({unit})" if unit else words)
    ax.set_yticks(range(len(labels)), labels, fontsize=14)
    ax.set_ylim(len(labels) - 0.35, -0.8)
    ax.set_xlim(-0.04, 1.04)
    ax.set_xticks([])
    ax.grid(False)
    for side in ("top", "right", "bottom", "left"):
        ax.spines[side].set_visible(False)
    ax.tick_params(axis="y", length=0, pad=12)


def _draw_trajectory(ax: Any, result: DiscoveryResult, lang: str) -> list[Line2D]:
    """PRIM's candidates of the first box (coverage against density), the chosen one marked;
    the legend's entries for them."""
    steps = result.trajectory[result.trajectory["box"] == 1]
    ax.scatter(
        steps["coverage"] * 100, steps["density"] * 100, s=30, color=GREY, zorder=3,
        gid="discovery:trajectory",
    )  # fmt: skip
    base, threshold = result.base_rate * 100, result.threshold * 100
    ax.axhline(base, color=GREY, lw=1.5, ls="--", zorder=2)
    ax.axhline(threshold, color="black", lw=1.5, ls=":", zorder=2)
    ax.text(
        2, base, t("disc.traj.base", lang, base=percent(result.base_rate, lang)),
        va="bottom", fontsize=12, color="#555555", bbox=halo(),
    )  # fmt: skip
    ax.text(
        102, threshold, t("disc.traj.threshold", lang, threshold=percent(result.threshold, lang)),
        ha="right", va="bottom", fontsize=12, bbox=halo(),
    )  # fmt: skip
    handles = [Line2D([], [], marker="o", ls="", color=GREY, label=t("disc.traj.title", lang))]
    if result.status == BOX:
        first = result.box(1).iloc[0]
        x, y = float(first["coverage"]) * 100, float(first["density"]) * 100
        ax.scatter([x], [y], s=220, color=BOX_COLOUR, edgecolor="black", zorder=4,
                   gid="discovery:chosen")  # fmt: skip
        handles.append(
            Line2D([], [], marker="o", ls="", ms=12, color=BOX_COLOUR, mec="black",
                   label=t("disc.traj.chosen", lang))
        )  # fmt: skip
    ax.set_xlim(0, 104)
    ax.set_ylim(0, 104)
    ax.set_xticks(range(0, 101, 25))
    ax.set_yticks(range(0, 101, 25))
    percent_axis(ax.xaxis, lang)
    percent_axis(ax.yaxis, lang)
    ax.set_xlabel(wrap(t("disc.traj.coverage", lang), 32), fontsize=14)
    ax.set_ylabel(wrap(t("disc.traj.density", lang), 34), fontsize=14)
    ax.tick_params(labelsize=13)
    ax.grid(axis="both")
    return handles


def _say(ax: Any, text: str, width: int = 46, size: float = 17) -> None:
    """The figure's answer in words, where there is no box to draw."""
    ax.set_axis_off()
    ax.text(0.0, 0.5, wrap(text, width), ha="left", va="center", fontsize=size, linespacing=1.4,
            transform=ax.transAxes)  # fmt: skip


def source_line(result: DiscoveryResult, lang: str) -> str:
    """Version and commit, the commune, the plan with its runs and seed, the parameters'
    origin, the date."""
    manifest = result.manifest
    git = manifest.get("git") or {}
    commit = git.get("commit")
    version = t("model", lang, version=manifest.get("version", "?"))
    if commit:
        version += f" (git {str(commit)[:7]}{'+' if git.get('dirty') else ''})"
    commune = ((manifest.get("scenario") or {}).get("commune") or {}).get("name")
    parts = [f"{t('source', lang)}: {version}"]
    if commune:
        parts.append(t("source.commune", lang, commune=commune))
    parts.append(
        f"{t('scenario_word', lang)} {plan_label(result, lang)}: "
        f"{t('runs', lang, reps=result.reps)}, {t('seed', lang, seed=result.summary.get('seed'))}"
    )
    parts.append(parameters_line(result, lang, short=True))
    if manifest.get("created"):
        parts.append(t("computed_on", lang, date=date_text(manifest["created"], lang)))
    return " · ".join(parts)


def write_discovery_figures(
    result: DiscoveryResult, figure: str | Path | None = None, lang: str = "en", dpi: int = 150
) -> list[Path]:
    """``discovery.vi.png`` and ``discovery.en.png`` in the discovery's folder (when it has
    one), and the ``lang`` figure at ``figure`` too when given; the paths written."""
    written: list[Path] = []
    with unregistered():
        if result.path is not None:
            for each in LANGUAGES:
                drawn = discovery_figure(result, each)
                written += save_figure(
                    drawn, result.path, f"discovery.{each}", drawn.sim_provenance,
                    formats=("png",), dpi=dpi,
                )  # fmt: skip
        if figure is not None:
            target = Path(figure)
            drawn = discovery_figure(result, lang)
            written += save_figure(
                drawn, target.parent, target.stem, drawn.sim_provenance, formats=("png",),
                dpi=dpi,
            )  # fmt: skip
    return written
