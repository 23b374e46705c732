"""The briefing's summary as Markdown (``summary.md``), its figures linked beside it.

Why a module of its own: it is one of the summary's three forms, with
:mod:`sim.presentation.briefing_pdf` and :mod:`sim.presentation.briefing_html`; like them it renders
the words of :mod:`sim.presentation.briefing_content` and adds none, so the three cannot
disagree. :func:`sim.presentation.briefing.write_briefing` writes it into the briefing's
folder, where its relative links are right.
"""

from __future__ import annotations

from sim.presentation.briefing_content import Contents
from sim.presentation.i18n import t
from sim.presentation.plots import FIGURES, KEY_FIGURES
from sim.presentation.plots.export import provenance_text


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
