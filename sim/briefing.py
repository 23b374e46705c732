"""The committee briefing: every figure as PNG, SVG and PDF, a one-page summary, a PDF to print.

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
versions), the words and numbers of the summary, and the files made.

One set of words (:class:`Contents`, from :func:`briefing_contents`) feeds
the three forms of the summary, so they cannot disagree:

- ``summary.md``, its figures linked relative to its own folder (right when
  opened from there);
- ``briefing.pdf`` (:mod:`sim.briefing_pdf`): one A4 page, two at most, drawn
  with matplotlib, so no system dependency (LaTeX, a browser, pandoc) is
  needed; :func:`sim.briefing_pdf.briefing_pdf` returns the same PDF as bytes
  without a folder (a web app's download button);
- HTML (:mod:`sim.briefing_html`): the :class:`Briefing` that
  :func:`write_briefing` returns shows itself in Jupyter and Voilà with its
  key figures embedded, whatever the notebook's folder.

Inputs (:func:`load_inputs`): an ensemble's run folder, a forecast folder
(``forecast.json``: its scenarios in order), a comparison folder (its
ensembles in order), a cost-of-delay folder (drawn in the comparison
figure; its ensembles join the briefing if no other is given), or the folder
given to ``sim run --out`` (or one scenario's folder inside it): its complete
runs, the most recently finished of each scenario, the baseline first.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

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
from sim.plots.style import DPI
from sim.posterior import parameters_of
from sim.store import (
    RunStore,
    read_json,
    write_bytes_atomic,
    write_json_atomic,
    write_text_atomic,
)
from sim.targets import TARGET_KEYS

#: The goals the headline sentences cover (the resolution's two headline goals).
HEADLINE_TARGETS = ("admissions_every_year_meet_target", "no_white_village_at_horizon")

#: A4 portrait, in inches.
A4 = (8.27, 11.69)

#: The briefing's index (inputs, words, files) in its folder.
MANIFEST_NAME = "briefing.json"


@dataclass(frozen=True)
class Contents:
    """Every word and number of a briefing's summary, in one language.

    ``summary.md``, ``briefing.pdf`` and the HTML all say exactly these (so
    the sentences and the table's numbers are the same in each); ``record``
    is the provenance every file carries in its metadata.
    """

    lang: str
    title: str
    subtitle: str
    sentences: list[str]
    parameters: str
    table: list[list[str]]
    how_to_read: str
    cell_note: str
    source_line: str
    record: dict[str, Any]

    def as_json(self) -> dict[str, Any]:
        """The words for ``briefing.json`` (read back by :meth:`from_json`)."""
        return {
            "subtitle": self.subtitle,
            "sentences": self.sentences,
            "table": self.table,
            "how_to_read": self.how_to_read,
            "cell_note": self.cell_note,
        }

    @classmethod
    def from_json(cls, index: dict[str, Any]) -> Contents:
        """The contents recorded in a ``briefing.json``."""
        record = {key: index.get(key) for key in _RECORD_KEYS}
        return cls(
            lang=index["language"],
            title=index["title"],
            subtitle=index.get("subtitle", ""),
            sentences=list(index.get("sentences", [])),
            parameters=index.get("parameters", ""),
            table=[list(row) for row in index.get("table", [])],
            how_to_read=index.get("how_to_read", ""),
            cell_note=index.get("cell_note", ""),
            source_line=index.get("source_line", ""),
            record={**record, "figure": "summary"},
        )


#: What the provenance record holds (the summary's metadata, and briefing.json's head).
_RECORD_KEYS = (
    "figure",
    "language",
    "title",
    "parameters",
    "source_line",
    "scenarios",
    "delay",
    "made",
)


@dataclass
class Briefing:
    """What :func:`write_briefing` wrote: the folder, every figure's files, the summary, the PDF.

    In Jupyter or Voilà the briefing shows itself (``_repr_html_``: the
    summary with its key figures embedded and the PDF to download, no link
    depending on the notebook's folder); :meth:`html` returns the same HTML.
    """

    folder: Path
    figures: dict[str, list[Path]]
    summary_md: Path
    pdf: Path
    manifest: Path
    sentences: list[str] = field(default_factory=list)
    #: Where the parameters came from, in the briefing's language (:func:`parameters_sentence`).
    parameters: str = ""
    #: The words and numbers of the summary (what summary.md, the PDF and the HTML say).
    contents: Contents | None = field(default=None, repr=False)
    #: The key figures as screen-sized PNG bytes, for the HTML (else read from their files).
    images: dict[str, bytes] = field(default_factory=dict, repr=False)

    def html(self, embed_pdf: bool = True) -> str:
        """The summary as one self-contained HTML fragment (see :mod:`sim.briefing_html`).

        ``embed_pdf``: offer ``briefing.pdf`` for download as a ``data:`` link
        (else only its absolute path, as text).
        """
        from sim.briefing_html import briefing_html_for

        return briefing_html_for(self, embed_pdf=embed_pdf)

    def _repr_html_(self) -> str:
        return self.html()


def load_briefing(folder: str | Path) -> Briefing:
    """A briefing written earlier, read back from its folder's ``briefing.json``."""
    folder = Path(folder)
    index = read_json(folder / MANIFEST_NAME)
    if not index or "sentences" not in index:
        raise InputError(
            [Problem(str(folder), MANIFEST_NAME, "is missing or older than the HTML summary")]
        )
    contents = Contents.from_json(index)
    files = index.get("files", {})
    figures = {name: [folder / f for f in files[name]] for name in FIGURES if name in files}
    pdf_name = (files.get("briefing") or ["briefing.pdf"])[0]
    return Briefing(
        folder,
        figures,
        folder / "summary.md",
        folder / pdf_name,
        folder / MANIFEST_NAME,
        contents.sentences,
        contents.parameters,
        contents,
    )


# -- inputs -------------------------------------------------------------------------------


@dataclass
class Inputs:
    """The ensembles a briefing shows, in order, and an optional cost-of-delay folder.

    ``notes``: what the reader should know about the choice made (several
    complete runs of one scenario under a folder: which was taken), one line
    each; the command line prints them on stderr.
    """

    results: list[EnsembleResult]
    delay: Path | None = None
    notes: list[str] = field(default_factory=list)


def load_inputs(paths: list[str | Path]) -> Inputs:
    """Read the results named on the command line (see the module docstring for the kinds)."""
    results: list[EnsembleResult] = []
    delay: Path | None = None
    delay_ensembles: list[EnsembleResult] = []
    problems: list[Problem] = []
    notes: list[str] = []
    for raw in paths:
        path = Path(raw)
        if not path.is_dir():
            problems.append(Problem(str(raw), "(folder)", "does not exist"))
            continue
        try:
            kind, found = _read_folder(path, notes)
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
    return Inputs(results, delay, notes)


def _read_folder(path: Path, notes: list[str]) -> tuple[str, list[EnsembleResult]]:
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
    chosen, unfinished = stored_runs(path, notes)
    if chosen:
        return "runs", [load_ensemble(folder) for folder in chosen]
    waiting = (
        f"; it holds {unfinished} unfinished run{'s' if unfinished > 1 else ''} "
        "(run the same command again to finish)"
        if unfinished
        else ""
    )
    raise InputError(
        [
            Problem(
                str(path),
                "(folder)",
                "is not a run, forecast, comparison or cost-of-delay folder and holds no "
                "complete run (what `sim run --out` writes: <scenario>/s<seed>-n<reps>-<key>/)"
                + waiting,
            )
        ]
    )


def stored_runs(folder: str | Path, notes: list[str] | None = None) -> tuple[list[Path], int]:
    """The complete runs stored under ``folder``, one per scenario, and how many are unfinished.

    ``folder`` is what ``sim run --out`` was given (runs at
    ``<folder>/<scenario>/s<seed>-n<reps>-<key>/``) or one scenario's folder
    inside it. Of several complete runs of one scenario the most recently
    finished is taken, and a line saying so is added to ``notes``. The
    baseline comes first, then the other scenarios by name.
    """
    folder = Path(folder)
    candidates = sorted({*folder.glob("*/manifest.json"), *folder.glob("*/*/manifest.json")})
    by_scenario: dict[str, list[tuple[tuple[str, int], Path]]] = {}
    unfinished = 0
    for manifest_path in candidates:
        store = RunStore(manifest_path.parent)
        manifest = store.manifest() or {}
        if "scenario" not in manifest or manifest.get("kind", "ensemble") != "ensemble":
            continue  # a comparison's or another tool's manifest, not a run's
        if not store.is_complete():
            unfinished += 1
            continue
        name = str(manifest["scenario"].get("name", manifest_path.parent.parent.name))
        finished = str((manifest.get("timings") or {}).get("finished") or manifest.get("created"))
        when = (finished, manifest_path.stat().st_mtime_ns)
        by_scenario.setdefault(name, []).append((when, store.path))
    chosen = []
    for name in sorted(by_scenario, key=lambda n: (n != "baseline", n)):
        runs = sorted(by_scenario[name])
        (finished, _), latest = runs[-1]
        chosen.append(latest)
        if len(runs) > 1 and notes is not None:
            notes.append(
                f"{folder}: {len(runs)} complete runs of scenario '{name}'; using the most "
                f"recently finished ({latest.name}, {finished})"
            )
    return chosen, unfinished


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


def briefing_contents(
    results: Any, lang: str = "vi", *, made: datetime | None = None, delay: Any = None
) -> Contents:
    """Every word and number of the summary for these results (ensembles or run folders)."""
    check_language(lang)
    results = as_results(results)
    made = made or datetime.now(UTC).replace(microsecond=0)
    parameters = parameters_sentence(results, lang)
    title = title_text(results, lang)
    line = source_line(results, lang)
    record = {
        "figure": "summary",
        "language": lang,
        "title": title,
        "parameters": parameters,
        "source_line": line,
        "scenarios": provenance(results),
        "delay": str(delay) if isinstance(delay, str | Path) else None,
        "made": made.isoformat(),
    }
    return Contents(
        lang=lang,
        title=title,
        subtitle=t("brief.subtitle", lang),
        sentences=headline_sentences(results, lang),
        parameters=parameters,
        table=summary_table(results, lang),
        how_to_read=t("brief.how_to_read", lang),
        cell_note=cell_target_note(results, lang),
        source_line=line,
        record=record,
    )


def briefing_pdf(results: Any, lang: str = "vi", *, dpi: int = 200) -> bytes:
    """The briefing PDF for these results as bytes, no folder needed (a download button);
    see :func:`sim.briefing_pdf.briefing_pdf`."""
    from sim.briefing_pdf import briefing_pdf as draw

    return draw(results, lang, dpi=dpi)


def briefing_html(results: Any, lang: str = "vi", *, pdf: bool = True) -> str:
    """The briefing for these results as one self-contained HTML fragment, no folder needed;
    see :func:`sim.briefing_html.briefing_html`."""
    from sim.briefing_html import briefing_html as render

    return render(results, lang, pdf=pdf)


# -- writing --------------------------------------------------------------------------------


def write_briefing(
    results: Any,
    out: str | Path,
    lang: str = "vi",
    *,
    delay: Any = None,
    dpi: int = DPI,
) -> Briefing:
    """Write every figure (PNG 300 dpi, SVG, PDF), ``summary.md`` and ``briefing.pdf``.

    ``results``: ensembles or run folders (one or several, the reference
    first); ``delay``: a cost-of-delay result or folder for the comparison
    figure; ``dpi``: the PNGs' resolution (the PDF's key figures are drawn at
    no more than 200 dpi). Every file is written under a temporary name and
    renamed into place. Returns what was written (it shows itself in a
    notebook: :meth:`Briefing.html`).
    """
    from sim.briefing_html import SCREEN_DPI, figure_png
    from sim.briefing_pdf import IMAGE_DPI, PDF_NAME, render_pdf

    check_language(lang)
    results = as_results(results)
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    made = datetime.now(UTC).replace(microsecond=0)
    figures = all_figures(results, lang, delay=delay)
    written: dict[str, list[Path]] = {}
    images: dict[str, bytes] = {}
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
        if name in KEY_FIGURES:
            images[name] = figure_png(figure, min(dpi, SCREEN_DPI))
    contents = briefing_contents(results, lang, made=made, delay=delay)
    md = folder / "summary.md"
    write_text_atomic(md, summary_markdown(contents, pdf_name=PDF_NAME))
    pdf = folder / PDF_NAME
    write_bytes_atomic(pdf, render_pdf(results, contents, dpi=min(dpi, IMAGE_DPI)))
    manifest = folder / MANIFEST_NAME
    write_json_atomic(
        manifest,
        {
            **contents.record,
            "figure": None,
            **contents.as_json(),
            "files": {name: [p.name for p in paths] for name, paths in written.items()}
            | {"summary": [md.name], "briefing": [pdf.name]},
        },
    )
    return Briefing(
        folder,
        written,
        md,
        pdf,
        manifest,
        contents.sentences,
        contents.parameters,
        contents,
        images,
    )


def summary_markdown(contents: Contents, pdf_name: str | None = "briefing.pdf") -> str:
    """The one-page summary as Markdown: the figures as PNG links beside it, and the PDF
    (``pdf_name``), all relative to the summary's own folder."""
    lang = contents.lang
    lines = [f"# {contents.title}", "", f"*{contents.subtitle}*", ""]
    if pdf_name:
        lines += [f"[{t('brief.printable', lang)}]({pdf_name})", ""]
    lines += [f"## {t('brief.headline', lang)}", ""]
    lines += [f"- {s}" for s in contents.sentences]
    if contents.parameters:
        lines += ["", f"{contents.parameters}."]
    lines += ["", f"## {t('brief.table', lang)}", ""]
    header, *rows = [[_cell(c) for c in row] for row in contents.table]
    lines.append("| " + " | ".join(header) + " |")
    lines.append("|" + "|".join([":---", *(["---:"] * (len(header) - 1))]) + "|")
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    lines += ["", f"*{contents.how_to_read}*", ""]
    lines += [contents.cell_note, ""]
    for name in KEY_FIGURES:
        lines += [f"![{name}]({name}.png)", ""]
    lines += [f"## {t('brief.figures', lang)}", ""]
    for name in FIGURES:
        links = " · ".join(f"[{fmt.upper()}]({name}.{fmt})" for fmt in ("png", "svg", "pdf"))
        lines.append(f"- {name}: {links}")
    lines += ["", "---", "", contents.source_line, ""]
    lines.append(f"<!-- provenance: {provenance_text(contents.record)} -->")
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    """A table cell for Markdown: a ``|`` in a name would end the cell."""
    return text.replace("|", "\\|")
