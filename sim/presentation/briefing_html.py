"""The briefing as HTML for a notebook or Voilà: self-contained, whatever the current folder.

Why: ``summary.md`` links its figures relative to its own folder, which is
right when it is opened from there and wrong when a notebook in another
folder displays it (every image breaks). The HTML carries what it shows:

- the key figures as ``data:image/png`` URIs (a screen-sized PNG, about
  110 dpi), which JupyterLab shows in trusted and untrusted output alike
  (its sanitizer checks the scheme of links, not of image sources) and
  Voilà shows as it is;
- the PDF to print as a ``data:application/pdf`` link with a ``download``
  name: a click saves the file in JupyterLab and Voilà (browsers allow a
  ``data:`` download, not a ``data:`` page). A notebook opened untrusted
  drops that link's target, so the PDF's absolute path is also shown;
- the other figure files as the absolute path of their folder, shown as
  text: a link to a local file works neither from JupyterLab (``file://``
  is refused from a web page, and its own ``/files/`` links are relative to
  the notebook) nor from Voilà (it serves only a few file types, and not
  from every folder), and embedding eighteen files would weigh megabytes.

No ``src`` or ``href`` in it depends on the folder the page is shown from.
:meth:`sim.presentation.briefing.Briefing.html` (its ``_repr_html_``) renders a written
briefing with :func:`render_html`; :func:`briefing_html` renders one from
results, without a folder. Like ``summary.md`` and the PDF, it says the
words of :mod:`sim.presentation.briefing_content`, and it never imports
:mod:`sim.presentation.briefing` (which writes the folder and calls this module).
"""

from __future__ import annotations

import base64
import html
import io
from pathlib import Path
from typing import Any

from matplotlib.figure import Figure

from sim.presentation.briefing_content import Contents, briefing_contents
from sim.presentation.i18n import check_language, t
from sim.presentation.plots import FIGURES, KEY_FIGURES
from sim.presentation.plots.data import as_results
from sim.presentation.plots.export import provenance_text
from sim.presentation.plots.style import SCREEN_DPI, house_style, release


def briefing_html(results: Any, lang: str = "vi", *, pdf: bool = True) -> str:
    """The briefing for these results (ensembles or run folders) as one HTML fragment.

    Needs no folder and writes nothing. ``pdf``: offer the PDF to print as a
    download (drawing it takes a second or two).
    """
    check_language(lang)
    results = as_results(results)
    contents = briefing_contents(results, lang)
    images = {}
    for name in KEY_FIGURES:
        figure = FIGURES[name](results, lang)
        images[name] = figure_png(figure, SCREEN_DPI)
        release(figure)
    data = None
    if pdf:
        from sim.presentation.briefing_pdf import render_pdf

        data = render_pdf(results, contents)
    return render_html(contents, images, pdf=data)


def render_html(
    contents: Contents,
    images: dict[str, bytes],
    *,
    pdf: bytes | None = None,
    pdf_path: Path | None = None,
    folder: Path | None = None,
) -> str:
    """The summary as HTML: ``images`` (PNG bytes by key figure) and ``pdf`` embedded;
    ``pdf_path`` and ``folder`` (absolute) shown as text."""
    lang = contents.lang
    e = html.escape
    parts = [
        f'<div class="nahy-briefing" lang="{e(lang)}" '
        f'data-provenance="{e(provenance_text(contents.record), quote=True)}">',
        f"<h1>{e(contents.title)}</h1>",
        f"<p><em>{e(contents.subtitle)}</em></p>",
    ]
    printable = t("brief.printable", lang)
    if pdf is not None:
        name = f"briefing-{lang}.pdf"
        href = "data:application/pdf;base64," + base64.b64encode(pdf).decode("ascii")
        where = f" <code>{e(str(pdf_path))}</code>" if pdf_path else ""
        parts.append(f'<p><a download="{e(name)}" href="{href}">{e(printable)}</a>{where}</p>')
    elif pdf_path is not None:
        parts.append(f"<p>{e(printable)}: <code>{e(str(pdf_path))}</code></p>")
    parts += [f"<h2>{e(t('brief.headline', lang))}</h2>", "<ul>"]
    parts += [f"<li>{e(sentence)}</li>" for sentence in contents.sentences]
    parts.append("</ul>")
    if contents.parameters:
        parts.append(f"<p>{e(contents.parameters)}.</p>")
    parts += [f"<h2>{e(t('brief.table', lang))}</h2>", _table(contents.table)]
    parts += [f"<p><em>{e(contents.how_to_read)}</em></p>", f"<p>{e(contents.cell_note)}</p>"]
    for name in KEY_FIGURES:
        if name in images:
            src = "data:image/png;base64," + base64.b64encode(images[name]).decode("ascii")
            parts.append(
                f'<p><img alt="{e(name)}" src="{src}" style="max-width:100%;height:auto"></p>'
            )
    if folder is not None:
        parts += [
            f"<h2>{e(t('brief.figures', lang))}</h2>",
            f"<p>{e(t('brief.files_in', lang))} <code>{e(str(folder))}</code>:</p>",
            "<ul>",
        ]
        for name in FIGURES:
            files = " · ".join(f"<code>{e(name)}.{fmt}</code>" for fmt in ("png", "svg", "pdf"))
            parts.append(f"<li>{files}</li>")
        parts.append("</ul>")
    parts += ["<hr>", f"<p><small>{e(contents.source_line)}</small></p>", "</div>"]
    return "\n".join(parts) + "\n"


def _table(rows: list[list[str]]) -> str:
    e = html.escape
    header, *body = rows
    right = ' style="text-align:right"'
    lines = ["<table>", "<thead><tr>"]
    lines += [f"<th{right if c else ''}>{e(cell)}</th>" for c, cell in enumerate(header)]
    lines += ["</tr></thead>", "<tbody>"]
    for row in body:
        cells = "".join(f"<td{right if c else ''}>{e(cell)}</td>" for c, cell in enumerate(row))
        lines.append(f"<tr>{cells}</tr>")
    lines += ["</tbody>", "</table>"]
    return "\n".join(lines)


def figure_png(figure: Figure, dpi: int = SCREEN_DPI) -> bytes:
    """A figure as PNG bytes at ``dpi`` (for embedding)."""
    buffer = io.BytesIO()
    with house_style():
        figure.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()
