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

One set of words (:class:`sim.presentation.briefing_content.Contents`, from
:func:`sim.presentation.briefing_content.briefing_contents`) feeds the three forms of the
summary, so they cannot disagree:

- ``summary.md`` (:mod:`sim.presentation.briefing_markdown`), its figures linked relative
  to its own folder (right when opened from there);
- ``briefing.pdf`` (:mod:`sim.presentation.briefing_pdf`): one A4 page, two at most, drawn
  with matplotlib, so no system dependency (LaTeX, a browser, pandoc) is
  needed; :func:`briefing_pdf` returns the same PDF as bytes without a
  folder (a web app's download button);
- HTML (:mod:`sim.presentation.briefing_html`): the :class:`Briefing` that
  :func:`write_briefing` returns shows itself in Jupyter and Voilà with its
  key figures embedded, whatever the notebook's folder.

This module writes the folder: it calls the words and the three renderers,
and none of them imports it back (the words, then how they are shown, then
the files).

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

from sim.experiments.ensemble import EnsembleResult, load_ensemble
from sim.experiments.store import (
    RunStore,
    read_json,
    write_bytes_atomic,
    write_json_atomic,
    write_text_atomic,
)
from sim.inputs.errors import InputError, Problem
from sim.presentation.briefing_content import Contents, briefing_contents
from sim.presentation.briefing_html import (
    briefing_html as briefing_html,  # sim.presentation.briefing's too, as before
)
from sim.presentation.briefing_html import figure_png, render_html
from sim.presentation.briefing_markdown import summary_markdown
from sim.presentation.briefing_pdf import IMAGE_DPI, PDF_NAME, render_pdf
from sim.presentation.briefing_pdf import (
    briefing_pdf as briefing_pdf,  # sim.presentation.briefing's too, as before
)
from sim.presentation.i18n import check_language
from sim.presentation.plots import FIGURES, KEY_FIGURES, all_figures, save_figure
from sim.presentation.plots.data import as_results
from sim.presentation.plots.style import DPI, SCREEN_DPI

#: The briefing's index (inputs, words, files) in its folder.
MANIFEST_NAME = "briefing.json"


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
    #: Where the parameters came from, in the briefing's language
    #: (:func:`sim.presentation.briefing_content.parameters_sentence`).
    parameters: str = ""
    #: The words and numbers of the summary (what summary.md, the PDF and the HTML say).
    contents: Contents | None = field(default=None, repr=False)
    #: The key figures as screen-sized PNG bytes, for the HTML (else read from their files).
    images: dict[str, bytes] = field(default_factory=dict, repr=False)

    def html(self, embed_pdf: bool = True) -> str:
        """The summary as one self-contained HTML fragment (:mod:`~sim.presentation.briefing_html`).

        ``embed_pdf``: offer ``briefing.pdf`` for download as a ``data:`` link
        (else only its absolute path, as text).
        """
        contents = self.contents or load_briefing(self.folder).contents
        images = dict(self.images)
        for name in KEY_FIGURES:
            png = Path(self.folder) / f"{name}.png"
            if name not in images and png.is_file():
                images[name] = png.read_bytes()
        pdf_path = Path(self.pdf).resolve()
        data = pdf_path.read_bytes() if embed_pdf and pdf_path.is_file() else None
        folder = Path(self.folder).resolve()
        return render_html(contents, images, pdf=data, pdf_path=pdf_path, folder=folder)

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
