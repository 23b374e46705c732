"""The committee briefing: every figure as PNG, SVG and PDF, and a one-page summary.

Why: a commune Party Committee decides from a page and a few figures. The
summary says the headline chances in plain words (one sentence per scenario
and goal, with its 95 % interval), gives a small table of every target by
scenario, and shows the two key figures (admissions per year against the
target, and the chance of each target); the full set of figures sits beside
it for the slides. It says where the parameters came from (the commune's
calibration to its observed record, or the assumed values, not calibrated):
a committee weighing a chance should know which it is. Everything is read
from stored results, in Vietnamese (the default) or English, and carries its
provenance: the source line on every figure and page, the metadata of every
file, and ``briefing.json`` listing the inputs (run folders, keys, seeds,
versions) and the files made.

The PDF summary is a single A4 page drawn with matplotlib, so no system
dependency (LaTeX, a browser, pandoc) is needed.

Inputs (:func:`load_inputs`): an ensemble's run folder, a forecast folder
(``forecast.json``: its scenarios in order), a comparison folder (its
ensembles in order) or a cost-of-delay folder (drawn in the comparison
figure; its ensembles join the briefing if no other is given).
"""

from __future__ import annotations

import io
import json
import textwrap
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.figure import Figure
from matplotlib.image import imread

from sim.ensemble import EnsembleResult, load_ensemble
from sim.errors import InputError, Problem
from sim.i18n import check_language, interval, parameters_text, percent, smart_number, t
from sim.plots import FIGURES, KEY_FIGURES, all_figures, save_figure
from sim.plots.data import (
    as_results,
    commune_facts,
    labels,
    provenance,
    source_line,
    target_fields,
)
from sim.plots.export import provenance_text
from sim.plots.style import DPI, house_style
from sim.posterior import parameters_of
from sim.store import write_json_atomic, write_text_atomic
from sim.targets import TARGET_KEYS

#: The goals the headline sentences cover (the resolution's two headline goals).
HEADLINE_TARGETS = ("admissions_every_year_ge_7", "no_white_village_at_horizon")

#: A4 portrait, in inches.
A4 = (8.27, 11.69)


@dataclass
class Briefing:
    """What :func:`write_briefing` wrote: the folder, every figure's files, the summary."""

    folder: Path
    figures: dict[str, list[Path]]
    summary_md: Path
    summary_pdf: Path
    manifest: Path
    sentences: list[str] = field(default_factory=list)
    #: Where the parameters came from, in the briefing's language (:func:`parameters_sentence`).
    parameters: str = ""


# -- inputs -------------------------------------------------------------------------------


@dataclass
class Inputs:
    """The ensembles a briefing shows, in order, and an optional cost-of-delay folder."""

    results: list[EnsembleResult]
    delay: Path | None = None


def load_inputs(paths: list[str | Path]) -> Inputs:
    """Read the results named on the command line (see the module docstring for the kinds)."""
    results: list[EnsembleResult] = []
    delay: Path | None = None
    delay_ensembles: list[EnsembleResult] = []
    problems: list[Problem] = []
    for raw in paths:
        path = Path(raw)
        if not path.is_dir():
            problems.append(Problem(str(raw), "(folder)", "does not exist"))
            continue
        try:
            kind, found = _read_folder(path)
        except InputError as error:
            problems.extend(error.problems)
            continue
        if kind == "cost_of_delay":
            delay = path
            delay_ensembles = found
        else:
            results.extend(found)
    if problems:
        raise InputError(problems)
    if not results:
        results = delay_ensembles[:1]  # the delayed scenario itself, on time
    if not results:
        raise InputError([Problem("briefing", "RESULTS_DIR", "no ensemble to show")])
    return Inputs(results, delay)


def _read_folder(path: Path) -> tuple[str, list[EnsembleResult]]:
    forecast = path / "forecast.json"
    if forecast.is_file():
        index = json.loads(forecast.read_text(encoding="utf-8"))
        folders = [s["run_folder"] for s in index.get("scenarios", []) if s.get("run_folder")]
        return "forecast", [load_ensemble(_near(f, path)) for f in folders]
    manifest_path = path / "manifest.json"
    manifest = (
        json.loads(manifest_path.read_text(encoding="utf-8")) if manifest_path.is_file() else {}
    )
    kind = manifest.get("kind")
    if kind in ("comparison", "cost_of_delay"):
        folders = [s.get("ensemble_folder") for s in manifest.get("scenarios", [])]
        if not all(folders):
            raise InputError(
                [Problem(str(path), "manifest.json", "names no stored ensemble folders")]
            )
        return kind, [load_ensemble(_near(f, path)) for f in folders]
    if manifest:
        return "ensemble", [load_ensemble(path)]
    runs = sorted(p.parent.name for p in path.glob("*/manifest.json"))
    hint = f" (it holds run folders: {', '.join(runs)}; name one)" if runs else ""
    raise InputError(
        [
            Problem(
                str(path),
                "(folder)",
                "is not a run, forecast, comparison or cost-of-delay folder" + hint,
            )
        ]
    )


def _near(folder: str, anchor: Path) -> Path:
    """A folder recorded in an index: as written, else relative to the index's own folder."""
    candidate = Path(folder)
    if candidate.is_dir() or candidate.is_absolute():
        return candidate
    for base in anchor.parents:
        if (base / candidate).is_dir():
            return base / candidate
    return candidate


# -- words ----------------------------------------------------------------------------------


def headline_sentences(results: list[EnsembleResult], lang: str) -> list[str]:
    """The plain-words headline, one paragraph per scenario: the chance of each headline
    goal with its 95 % interval, and the typical admissions a year (median and the range
    of 9 runs in 10, over the target years)."""
    names = labels(results, lang)
    lines = []
    for result, name in zip(results, names, strict=True):
        fields = target_fields(result, lang)
        parts = []
        for key in HEADLINE_TARGETS:
            entry = result.summary[key]
            low, high = interval(*entry["ci95"], lang)
            parts.append(
                t(
                    "brief.sentence",
                    lang,
                    target=t(f"brief.phrase.{key}", lang, **fields),
                    p=percent(entry["p"], lang),
                    ci=t("ci95_inline", lang),
                    low=low,
                    high=high,
                )
            )
        years = result.manifest.get("targets", {}).get("target_years") or []
        table = result.years[result.years["year"].isin(years)] if years else result.years
        values = table["admissions"].to_numpy(dtype=float)
        p05, p50, p95 = np.quantile(values, [0.05, 0.5, 0.95]) if len(values) else (0, 0, 0)
        parts.append(
            t(
                "brief.median_sentence",
                lang,
                median=smart_number(p50, lang),
                low=smart_number(p05, lang),
                high=smart_number(p95, lang),
            )
        )
        lines.append(
            t(
                "brief.scenario_paragraph",
                lang,
                scenario=name,
                first=parts[0],
                second=parts[1],
                third=parts[2],
            )
        )
    return lines


def parameters_sentence(results: list[EnsembleResult], lang: str) -> str:
    """Where the scenarios' parameters came from, in one sentence.

    Scenarios compared on common random numbers draw the same particles:
    said once, then which scenario keeps which of its own values
    (``migration-low`` its migration rates). Ensembles of different origins
    are named one by one.
    """
    names = labels(results, lang)
    records = [parameters_of(r.manifest) for r in results]
    bases = [parameters_text(record, lang) for record in records]
    if len(set(bases)) > 1:
        return "; ".join(f"{name}: {base}" for name, base in zip(names, bases, strict=True))
    held = [
        t("params.held", lang, scenario=name, names=", ".join(record["held_at_scenario_values"]))
        for name, record in zip(names, records, strict=True)
        if record.get("held_at_scenario_values")
    ]
    return "; ".join([bases[0], *held])


def cell_target_note(results: list[EnsembleResult], lang: str) -> str:
    """Why "every cell admits every year" is rare, in words, from the ensembles' cell tables.

    The target needs every cell of the data in every target year at once:
    each scenario's share of cell-years reaching the quota, beside its chance
    of all of them, says why the second is so much lower than the first; the
    weakest cell (in the last scenario, the measures adopted) says where.
    """
    names = labels(results, lang)
    fields = target_fields(results[-1], lang)
    targets = results[-1].manifest.get("targets", {})
    cells, years = list(targets.get("cells", [])), list(targets.get("target_years", []))
    quota = int(targets.get("admissions_per_cell_per_year_min", 1))
    shares, chances, per_cell = [], [], None
    for result, name in zip(results, names, strict=True):
        table = result.cells[result.cells["cell"].isin(cells) & result.cells["year"].isin(years)]
        met = table["admissions"].to_numpy() >= quota
        shares.append(f"{percent(met.mean() if len(met) else 0.0, lang)} ({name})")
        chances.append(
            f"{percent(result.summary['every_cell_admits_each_year']['p'], lang)} ({name})"
        )
        per_cell = (table["admissions"] >= quota).groupby(table["cell"]).mean()
    weakest = str(per_cell.idxmin()) if per_cell is not None and len(per_cell) else "?"
    weakest_name = commune_facts(results[-1]).cell_names.get(weakest, weakest)
    many = len(results) > 1
    return t(
        "brief.cell_note",
        lang,
        per_cell=fields["per_cell"],
        cells=len(cells),
        years=len(years),
        n=len(cells) * len(years),
        share=", ".join(shares) if many else shares[0].rsplit(" (", 1)[0],
        p=", ".join(chances) if many else chances[0].rsplit(" (", 1)[0],
        weakest=weakest_name,
        weakest_share=percent(float(per_cell.min()), lang) if weakest != "?" else "?",
    )


def summary_table(results: list[EnsembleResult], lang: str) -> list[list[str]]:
    """Rows of the summary table: a header (target, scenarios), then one row per target."""
    names = labels(results, lang)
    fields = target_fields(results[0], lang)
    rows = [[t("brief.target_column", lang), *names]]
    for key in TARGET_KEYS:
        row = [t(f"target.{key}", lang, **fields)]
        for result in results:
            entry = result.summary[key]
            low, high = interval(*entry["ci95"], lang)
            row.append(f"{percent(entry['p'], lang)} ({low}–{high})")
        rows.append(row)
    return rows


def title_text(results: list[EnsembleResult], lang: str) -> str:
    """The summary's title: commune and period."""
    targets = results[0].manifest.get("targets", {})
    start = str(targets.get("start", "????"))[:4]
    end = str(targets.get("horizon", "????"))[:4]
    return t("brief.title", lang, commune=commune_facts(results[0]).name, start=start, end=end)


# -- writing --------------------------------------------------------------------------------


def write_briefing(
    results: Any,
    out: str | Path,
    lang: str = "vi",
    *,
    delay: Any = None,
    dpi: int = DPI,
) -> Briefing:
    """Write every figure (PNG 300 dpi, SVG, PDF) and the one-page summary (Markdown, PDF).

    ``results``: ensembles or run folders (one or several, the reference
    first); ``delay``: a cost-of-delay result or folder for the comparison
    figure; ``dpi``: the PNGs' resolution. Returns what was written.
    """
    check_language(lang)
    results = as_results(results)
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    made = datetime.now(UTC).replace(microsecond=0)
    figures = all_figures(results, lang, delay=delay)
    written: dict[str, list[Path]] = {}
    for name, figure in figures.items():
        figure.sim_provenance["made"] = made.isoformat()
        written[name] = save_figure(
            figure,
            folder,
            name,
            figure.sim_provenance,
            title=figure.sim_provenance["title"],
            dpi=dpi,
        )
    sentences = headline_sentences(results, lang)
    parameters = parameters_sentence(results, lang)
    table = summary_table(results, lang)
    record = {
        "figure": "summary",
        "language": lang,
        "title": title_text(results, lang),
        "parameters": parameters,
        "source_line": source_line(results, lang),
        "scenarios": provenance(results),
        "delay": str(delay) if isinstance(delay, str | Path) else None,
        "made": made.isoformat(),
    }
    md = folder / "summary.md"
    write_text_atomic(md, summary_markdown(results, lang, sentences, table, record))
    pdf = folder / "summary.pdf"
    page = summary_page(results, lang, sentences, table, dpi=min(dpi, 200), parameters=parameters)
    save_figure(page, folder, "summary", record, formats=("pdf",), title=record["title"])
    manifest = folder / "briefing.json"
    write_json_atomic(
        manifest,
        {
            **record,
            "figure": None,
            "files": {name: [p.name for p in paths] for name, paths in written.items()}
            | {"summary": [md.name, pdf.name]},
        },
    )
    return Briefing(folder, written, md, pdf, manifest, sentences, parameters)


def summary_markdown(
    results: list[EnsembleResult],
    lang: str,
    sentences: list[str],
    table: list[list[str]],
    record: dict[str, Any],
) -> str:
    """The one-page summary as Markdown (the figures as PNG links beside it)."""
    lines = [f"# {record['title']}", "", f"*{t('brief.subtitle', lang)}*", ""]
    lines += [f"## {t('brief.headline', lang)}", ""]
    lines += [f"- {s}" for s in sentences]
    if record.get("parameters"):
        lines += ["", f"{record['parameters']}."]
    lines += ["", f"## {t('brief.table', lang)}", ""]
    header, *rows = table
    lines.append("| " + " | ".join(header) + " |")
    lines.append("|" + "|".join([":---", *(["---:"] * (len(header) - 1))]) + "|")
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    lines += ["", f"*{t('brief.how_to_read', lang)}*", ""]
    lines += [cell_target_note(results, lang), ""]
    for name in KEY_FIGURES:
        lines += [f"![{name}]({name}.png)", ""]
    lines += [f"## {t('brief.figures', lang)}", ""]
    for name in FIGURES:
        links = " · ".join(f"[{fmt.upper()}]({name}.{fmt})" for fmt in ("png", "svg", "pdf"))
        lines.append(f"- {name}: {links}")
    lines += ["", "---", "", record["source_line"], ""]
    lines.append(f"<!-- provenance: {provenance_text(record)} -->")
    return "\n".join(lines) + "\n"


def summary_page(
    results: list[EnsembleResult],
    lang: str,
    sentences: list[str],
    table: list[list[str]],
    dpi: int = 200,
    parameters: str | None = None,
) -> Figure:
    """The one-page summary as an A4 figure: title, sentences, where the parameters came
    from (``parameters``; by default :func:`parameters_sentence`), table, the two key
    figures (placed as images rendered at ``dpi``)."""
    if parameters is None:
        parameters = parameters_sentence(results, lang)
    from sim.plots import admissions_fan, target_probabilities

    with house_style():
        page = Figure(figsize=A4)
        left, width = 0.06, 0.88
        page.text(left, 0.968, title_text(results, lang), fontsize=16, fontweight="bold", va="top")
        page.text(left, 0.943, t("brief.subtitle", lang), fontsize=10, color="#444444", va="top")
        y = 0.918
        page.text(left, y, t("brief.headline", lang), fontsize=12, fontweight="bold", va="top")
        y -= 0.021
        for sentence in sentences[:4]:  # the table below has every scenario
            wrapped = textwrap.wrap(sentence, width=106)
            text = "•  " + "\n    ".join(wrapped)
            page.text(left + 0.005, y, text, fontsize=9, va="top", linespacing=1.3)
            y -= 0.0143 * len(wrapped) + 0.006
        if parameters:
            wrapped = textwrap.wrap(f"{parameters}.", width=112)
            page.text(
                left, y, "\n".join(wrapped), fontsize=8.5, va="top", linespacing=1.3, style="italic"
            )
            y -= 0.0135 * len(wrapped) + 0.004
        y -= 0.006
        page.text(left, y, t("brief.table", lang), fontsize=12, fontweight="bold", va="top")
        y -= 0.02
        y = _draw_table(page, table, left, width, y)
        note = textwrap.wrap(t("brief.how_to_read", lang), 124)
        page.text(
            left,
            y - 0.003,
            "\n".join(note),
            fontsize=7.5,
            color="#444444",
            va="top",
            style="italic",
        )
        y -= 0.0112 * len(note) + 0.006
        cell_note = textwrap.wrap(cell_target_note(results, lang), 124)
        page.text(left, y, "\n".join(cell_note), fontsize=7.5, color="#444444", va="top")
        y -= 0.0112 * len(cell_note) + 0.012
        draw = {"01-admissions": admissions_fan, "02-targets": target_probabilities}
        height = (y - 0.035) / len(KEY_FIGURES)
        for name in KEY_FIGURES:
            # drawn wider than a slide so that, at the page's width, they fill their slot
            shape = (13.33, 13.33 * height * A4[1] / ((width + 0.04) * A4[0]))
            image = _render(draw[name](results, lang, size=shape), dpi)
            ax = page.add_axes((left - 0.02, y - height, width + 0.04, height))
            ax.imshow(image, interpolation="none")  # embedded as drawn, not resampled
            ax.set_axis_off()
            y -= height
        foot = "\n".join(textwrap.wrap(source_line(results, lang), 140))
        page.text(left, 0.01, foot, fontsize=7, color="#444444", va="bottom")
    return page


def _draw_table(page: Figure, rows: list[list[str]], left: float, width: float, y: float) -> float:
    """A plain table of text (cells wrapped to their column); returns where it ends."""
    columns = len(rows[0])
    first = width * (0.5 if columns <= 3 else 0.36)
    other = (width - first) / max(columns - 1, 1)
    line = 0.0128
    for r, row in enumerate(rows):
        cells = [textwrap.wrap(row[0], int(first * 118))]
        cells += [textwrap.wrap(c, max(9, int(other * 100))) for c in row[1:]]
        lines = max(len(c) for c in cells)
        weight = "bold" if r == 0 else "normal"
        for c, text in enumerate(cells):
            x = left if c == 0 else left + first + other * c - 0.004
            page.text(
                x,
                y,
                "\n".join(text),
                fontsize=8.5,
                fontweight=weight,
                va="top",
                ha="left" if c == 0 else "right",
                linespacing=1.25,
            )
        y -= line * lines + 0.005
        page.add_artist(_rule(left, left + width, y + 0.0025, page, heavy=r == 0))
    return y


def _rule(x0: float, x1: float, y: float, page: Figure, heavy: bool):
    from matplotlib.lines import Line2D

    return Line2D(
        [x0, x1], [y, y], transform=page.transFigure, color="#888888", lw=1.0 if heavy else 0.4
    )


def _render(figure: Figure, dpi: int) -> np.ndarray:
    """A figure as an RGBA image (for placing on the summary page)."""
    buffer = io.BytesIO()
    with house_style():
        figure.savefig(buffer, format="png", dpi=dpi)
    buffer.seek(0)
    return imread(buffer)
