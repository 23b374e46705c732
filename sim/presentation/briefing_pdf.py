"""The briefing as a PDF to print: one A4 page (two at most), drawn with matplotlib only.

Why: the committee prints the briefing and reads it at the meeting. The
page says what ``summary.md`` says, in the same words and numbers (both come
from :func:`sim.presentation.briefing_content.briefing_contents`): a title naming the commune and
the period, the headline sentences, where the parameters came from, the
chance of each target with its 95 % interval, the two key figures, and the
source line on every page. Its provenance is in the PDF's document
information (as every figure's is, :mod:`sim.presentation.plots.export`).

How: the page is a matplotlib figure laid out in points, line by line, with
each line measured in the font it is drawn in (so nothing runs past the
margin and no two lines overlap, whatever the language or the names), and
the text embedded as TrueType (DejaVu Sans, which has every Vietnamese
glyph, with a ToUnicode map: the text can be searched and copied). The
key figures are drawn for their slot and placed as images. With many
scenarios the words and the table take more room: the key figures then go
to a second page, the table turns (one row per scenario), and the text
shrinks a little if two pages would not hold it otherwise.

:func:`briefing_pdf` returns the PDF as bytes from results alone (a web
app's download button); :func:`sim.presentation.briefing.write_briefing` writes it as
``briefing.pdf`` beside the figures, atomically.
"""

from __future__ import annotations

import functools
import io
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.image import imread
from matplotlib.lines import Line2D
from matplotlib.text import Text
from matplotlib.textpath import text_to_path

from sim.experiments.ensemble import EnsembleResult
from sim.presentation.briefing_content import Contents, briefing_contents
from sim.presentation.i18n import check_language, t
from sim.presentation.plots import FIGURES, KEY_FIGURES
from sim.presentation.plots.data import as_results
from sim.presentation.plots.export import metadata_for
from sim.presentation.plots.style import house_style, release

#: The PDF's file name in a briefing folder.
PDF_NAME = "briefing.pdf"
#: Resolution of the key figures on the page (dots per inch of paper).
IMAGE_DPI = 200

#: A4 portrait, in inches.
A4 = (8.27, 11.69)
#: The page and its margins, in points (1/72 inch).
PAGE_WIDTH, PAGE_HEIGHT = A4[0] * 72, A4[1] * 72
MARGIN = 36.0
TOP = 32.0
BOTTOM = 24.0
WIDTH = PAGE_WIDTH - 2 * MARGIN

#: The key figures are drawn this wide (a slide, in inches) and shrunk onto the page.
DRAWN_WIDTH = 13.33
#: A key figure may be drawn this much flatter than its own shape, no more (else its
#: labels collide): a 16:9 slide down to a height of 0.4 of its width.
FLATTEST = 0.72

#: Text sizes at full scale, in points.
SIZES = {
    "title": 16.0,
    "subtitle": 10.0,
    "heading": 12.0,
    "body": 9.0,
    "parameters": 8.5,
    "table": 8.5,
    "note": 7.5,
    "foot": 7.0,
}
GREY = "#444444"
#: DejaVu Sans's ascent, in ems: a line's baseline lies this far below its top.
ASCENT = 0.929
#: Text scales tried: first for one page, then for two.
ONE_PAGE_SCALES = (1.0, 0.94, 0.88)
TWO_PAGE_SCALES = (1.0, 0.9, 0.8, 0.7, 0.6)
#: More scenarios than this and the table turns: one row per scenario.
TABLE_COLUMNS = 3


def briefing_pdf(results: Any, lang: str = "vi", *, dpi: int = IMAGE_DPI) -> bytes:
    """The briefing PDF for these results (ensembles or run folders), as bytes.

    Needs no folder and writes nothing: a web app can hand the bytes to its
    download button. The same PDF as ``briefing.pdf`` of
    :func:`sim.presentation.briefing.write_briefing` (but for its date).
    """
    check_language(lang)
    results = as_results(results)
    return render_pdf(results, briefing_contents(results, lang), dpi=dpi)


def render_pdf(results: list[EnsembleResult], contents: Contents, *, dpi: int = IMAGE_DPI) -> bytes:
    """The PDF of these contents (their key figures drawn from ``results``), with provenance."""
    record = {**contents.record, "figure": "briefing"}
    buffer = io.BytesIO()
    with house_style():
        pages = briefing_pages(results, contents, dpi=dpi)
        with PdfPages(buffer, metadata=metadata_for("pdf", contents.title, record)) as pdf:
            for page in pages:
                pdf.savefig(page)
    return buffer.getvalue()


def briefing_pages(
    results: list[EnsembleResult], contents: Contents, *, dpi: int = IMAGE_DPI
) -> list[Figure]:
    """The briefing's pages as A4 figures (one if it fits, else two, rarely more)."""
    with house_style():
        drawn = {name: FIGURES[name](results, contents.lang) for name in KEY_FIGURES}
        shapes = {name: _ratio(figure) for name, figure in drawn.items()}
        pages = page_layout(contents, len(results), shapes)
        out = [
            _draw(page, number, len(pages), results, contents, drawn, dpi)
            for number, page in enumerate(pages, 1)
        ]
    for figure in drawn.values():
        release(figure)
    return out


def _ratio(figure: Figure) -> float:
    width, height = figure.get_size_inches()
    return float(height / width)


# -- layout ---------------------------------------------------------------------------------


@dataclass
class Line:
    """One line of text: ``y`` is its top, in points from the top of the page (or block)."""

    text: str
    x: float
    y: float
    size: float
    weight: str = "normal"
    style: str = "normal"
    color: str = "black"
    ha: str = "left"


@dataclass
class Block:
    """Lines and rules that stay together on a page, ``height`` points tall."""

    height: float
    lines: list[Line] = field(default_factory=list)
    rules: list[tuple[float, float, float, float]] = field(default_factory=list)
    gap: float = 0.0  # space after it
    keep_with_next: bool = False


@dataclass
class Page:
    """What one page holds: lines, rules (x0, x1, y, width) and the key figures' slots."""

    lines: list[Line] = field(default_factory=list)
    rules: list[tuple[float, float, float, float]] = field(default_factory=list)
    #: (figure name, x, y, width, height), in points from the top left.
    slots: list[tuple[str, float, float, float, float]] = field(default_factory=list)
    scale: float = 1.0


def page_layout(
    contents: Contents, scenarios: int, shapes: dict[str, float] | None = None
) -> list[Page]:
    """Where every line, rule and key figure goes: one page at the first scale that fits one,
    else two at the first that fits two (else the smallest scale's pages).

    ``shapes``: each key figure's own height over width (default a 16:9 slide).
    """
    shapes = shapes or dict.fromkeys(KEY_FIGURES, 9 / 16)
    for scale in ONE_PAGE_SCALES:
        pages = _layout(contents, scenarios, scale, shapes)
        if len(pages) == 1:
            return pages
    for scale in TWO_PAGE_SCALES:
        pages = _layout(contents, scenarios, scale, shapes)
        if len(pages) <= 2:
            return pages
    return pages


def _layout(
    contents: Contents, scenarios: int, scale: float, shapes: dict[str, float]
) -> list[Page]:
    size = {key: value * scale for key, value in SIZES.items()}
    bottom = PAGE_HEIGHT - BOTTOM - _foot_height(contents, size["foot"]) - 8 * scale
    blocks = _blocks(contents, scenarios, size, scale)
    pages = [Page(scale=scale)]
    y = TOP
    for index, block in enumerate(blocks):
        needed = block.height
        if block.keep_with_next and index + 1 < len(blocks):
            needed += block.gap + blocks[index + 1].height
        if y + needed > bottom and y > TOP:
            pages.append(Page(scale=scale))
            y = TOP
        _place(pages[-1], block, y)
        y += block.height + block.gap
    # the key figures: all in the room left if they fit there (in their own shape, or
    # flatter, never flatter than FLATTEST), else the first there and the rest on a new page
    x, w = MARGIN - 6, WIDTH + 12
    names = list(KEY_FIGURES)
    while names:
        room = bottom - y
        own = [shapes[name] * w for name in names]
        if room >= FLATTEST * sum(own):
            share = min(1.0, room / sum(own))
            for name, height in zip(names, own, strict=True):
                pages[-1].slots.append((name, x, y, w, height * share))
                y += height * share
            names = []
        elif room >= FLATTEST * own[0] or y <= TOP:  # (a fresh page takes one whatever)
            pages[-1].slots.append((names.pop(0), x, y, w, min(own[0], room)))
            y = bottom
        else:
            pages.append(Page(scale=scale))
            y = TOP
    return pages


def _place(page: Page, block: Block, y: float) -> None:
    for line in block.lines:
        page.lines.append(Line(**{**line.__dict__, "y": line.y + y}))
    page.rules += [(x0, x1, ry + y, lw) for x0, x1, ry, lw in block.rules]


def _blocks(contents: Contents, scenarios: int, size: dict[str, float], scale: float):
    lang = contents.lang
    bold = {"weight": "bold"}
    grey_italic = {"color": GREY, "style": "italic"}
    blocks = [
        text_block(contents.title, MARGIN, WIDTH, size["title"], gap=3 * scale, **bold),
        text_block(contents.subtitle, MARGIN, WIDTH, size["subtitle"], gap=9 * scale, color=GREY),
        text_block(
            t("brief.headline", lang),
            MARGIN,
            WIDTH,
            size["heading"],
            gap=4 * scale,
            keep_with_next=True,
            **bold,
        ),
    ]
    indent = 11 * scale
    for sentence in contents.sentences:
        block = text_block(sentence, MARGIN + indent, WIDTH - indent, size["body"], gap=3.5 * scale)
        block.lines.insert(0, Line("•", MARGIN + 2 * scale, 0.0, size["body"]))
        blocks.append(block)
    if contents.parameters:
        blocks.append(
            text_block(
                f"{contents.parameters}.",
                MARGIN,
                WIDTH,
                size["parameters"],
                style="italic",
                gap=3 * scale,
            )
        )
    blocks[-1].gap = 10 * scale
    blocks.append(
        text_block(
            t("brief.table", lang),
            MARGIN,
            WIDTH,
            size["heading"],
            gap=4 * scale,
            keep_with_next=True,
            **bold,
        )
    )
    rows = contents.table
    if scenarios > TABLE_COLUMNS:
        rows = turned_table(rows, lang)
    blocks.append(table_block(rows, MARGIN, WIDTH, size["table"], gap=5 * scale))
    blocks.append(
        text_block(contents.how_to_read, MARGIN, WIDTH, size["note"], gap=3 * scale, **grey_italic)
    )
    blocks.append(
        text_block(contents.cell_note, MARGIN, WIDTH, size["note"], gap=8 * scale, color=GREY)
    )
    return blocks


def turned_table(rows: list[list[str]], lang: str) -> list[list[str]]:
    """The table with one row per scenario (and one column per target): the same cells."""
    header, *body = rows
    turned = [[t("brief.scenario_column", lang), *(row[0] for row in body)]]
    for column, name in enumerate(header[1:], 1):
        turned.append([name, *(row[column] for row in body)])
    return turned


def text_block(
    text: str,
    x: float,
    width: float,
    size: float,
    *,
    weight: str = "normal",
    style: str = "normal",
    color: str = "black",
    leading: float = 1.3,
    gap: float = 0.0,
    keep_with_next: bool = False,
) -> Block:
    """A paragraph wrapped to ``width`` points, one :class:`Line` per line."""
    lines = wrap(text, width, size, weight, style)
    step = size * leading
    return Block(
        height=step * len(lines),
        lines=[Line(s, x, i * step, size, weight, style, color) for i, s in enumerate(lines)],
        gap=gap,
        keep_with_next=keep_with_next,
    )


def table_block(rows: list[list[str]], x: float, width: float, size: float, gap: float) -> Block:
    """The table: the first column left-aligned, the others right-aligned, a rule under each
    row (heavier under the header); every cell wrapped to its column."""
    columns = len(rows[0])
    first = width * (0.5 if columns <= 3 else 0.36 if columns <= 4 else 0.27)
    other = (width - first) / max(columns - 1, 1)
    pad, step = 3.0 * size / 8.5, size * 1.25
    block = Block(height=0.0, gap=gap)
    y = 0.0
    for r, row in enumerate(rows):
        weight = "bold" if r == 0 else "normal"
        cells = [wrap(row[0], first - 2 * pad, size, weight)]
        cells += [wrap(cell, other - 2 * pad, size, weight) for cell in row[1:]]
        for c, lines in enumerate(cells):
            right = x + first + other * c - pad
            for i, text in enumerate(lines):
                y_line = y + pad + i * step
                if c == 0:
                    block.lines.append(Line(text, x, y_line, size, weight))
                else:
                    block.lines.append(Line(text, right, y_line, size, weight, ha="right"))
        y += 2 * pad + step * max(len(lines) for lines in cells)
        block.rules.append((x, x + width, y, 0.9 if r == 0 else 0.4))
    block.height = y
    return block


def _foot_height(contents: Contents, size: float) -> float:
    return size * 1.3 * len(wrap(contents.source_line, _foot_width(size), size))


def _foot_width(size: float) -> float:
    """The source line's width: the page's, less room for the page number on the right."""
    return WIDTH - 60 * size / SIZES["foot"]


def wrap(
    text: str, width: float, size: float, weight: str = "normal", style: str = "normal"
) -> list[str]:
    """``text`` in lines no wider than ``width`` points, broken at spaces (a word longer
    than a line is broken where it must be). Non-breaking spaces hold; line breaks and tabs
    are spaces; the text is composed (NFC), as it is drawn."""
    plain = re.sub(r"[\t\n\r\f\v]+", " ", unicodedata.normalize("NFC", text))
    words = plain.split(" ")
    lines: list[str] = []
    current = ""
    for word in words:
        trial = f"{current} {word}" if current else word
        if _width(trial, size, weight, style) <= width:
            current = trial
            continue
        if current:
            lines.append(current)
        current = word
        while _width(current, size, weight, style) > width and len(current) > 1:
            cut = len(current) - 1
            while cut > 1 and _width(current[:cut], size, weight, style) > width:
                cut -= 1
            lines.append(current[:cut])
            current = current[cut:]
    if current or not lines:
        lines.append(current)
    return lines


@functools.lru_cache(maxsize=8192)
def _width(text: str, size: float, weight: str, style: str) -> float:
    """How wide ``text`` is drawn, in points (the font's own advance widths and kerning)."""
    with house_style():
        prop = FontProperties(size=size, weight=weight, style=style)
        width, _, _ = text_to_path.get_text_width_height_descent(text, prop, ismath=False)
    return width * 1.01  # a hair of room for the renderers' rounding


# -- drawing --------------------------------------------------------------------------------


def _draw(
    layout: Page,
    number: int,
    pages: int,
    results: list[EnsembleResult],
    contents: Contents,
    drawn: dict[str, Figure],
    dpi: int,
) -> Figure:
    page = Figure(figsize=A4)
    for line in layout.lines:
        _text(page, line)
    for x0, x1, y, lw in layout.rules:
        page.add_artist(
            Line2D(
                [x0 / PAGE_WIDTH, x1 / PAGE_WIDTH],
                [1 - y / PAGE_HEIGHT] * 2,
                transform=page.transFigure,
                color="#888888",
                lw=lw,
            )
        )
    for name, x, y, w, h in layout.slots:
        image = _key_figure(results, contents.lang, name, w, h, dpi, drawn.get(name))
        ax = page.add_axes(
            (x / PAGE_WIDTH, 1 - (y + h) / PAGE_HEIGHT, w / PAGE_WIDTH, h / PAGE_HEIGHT)
        )
        ax.imshow(image, interpolation="none", aspect="auto")  # embedded as drawn
        ax.set_axis_off()
        ax.set_gid(f"key-figure:{name}")
    size = SIZES["foot"] * layout.scale
    foot = wrap(contents.source_line, _foot_width(size), size)
    top = PAGE_HEIGHT - BOTTOM - size * 1.3 * len(foot)
    for i, text in enumerate(foot):
        _text(page, Line(text, MARGIN, top + i * size * 1.3, size, color=GREY))
    if pages > 1:
        label = t("brief.page", contents.lang, page=number, pages=pages)
        _text(page, Line(label, PAGE_WIDTH - MARGIN, top, size, color=GREY, ha="right"))
    return page


def _text(page: Figure, line: Line) -> None:
    page.text(
        line.x / PAGE_WIDTH,
        1 - (line.y + ASCENT * line.size) / PAGE_HEIGHT,
        unicodedata.normalize("NFC", line.text),
        fontsize=line.size,
        fontweight=line.weight,
        fontstyle=line.style,
        color=line.color,
        ha=line.ha,
        va="baseline",  # so that lines are evenly spaced whatever their diacritics
        parse_math=False,  # a "$" in a scenario's name is a dollar sign, not mathematics
    )


def _key_figure(
    results: list[EnsembleResult],
    lang: str,
    name: str,
    width: float,
    height: float,
    dpi: int,
    drawn: Figure | None = None,
):
    """A key figure drawn for a slot of ``width`` x ``height`` points, as an RGBA image
    (``drawn``: the figure in its own shape, used if the slot has that shape)."""
    if drawn is not None and abs(_ratio(drawn) - height / width) < 0.005:
        figure, wide = drawn, float(drawn.get_size_inches()[0])
    else:
        wide = DRAWN_WIDTH
        figure = FIGURES[name](results, lang, size=(wide, wide * height / width))
    for text in figure.findobj(Text):
        if text.get_gid() == "source-line":
            text.set_visible(False)  # the page has the same line at its foot
    buffer = io.BytesIO()
    with house_style():
        figure.savefig(buffer, format="png", dpi=max(dpi * width / 72 / wide, 10))
    if figure is not drawn:
        release(figure)
    buffer.seek(0)
    return imread(buffer)
