"""The briefing PDF: a valid A4 PDF of one page (two at most) that says what summary.md says.

How the words are checked: matplotlib embeds DejaVu Sans as TrueType
(CIDFontType2) with a ToUnicode map per font, which is what a PDF viewer
uses to search and copy the text. :func:`pdf_lines` reads the PDF the same
way (the objects, the inflated page contents, each font's ToUnicode map,
the strings of each text object), so a sentence found by it is a sentence a
reader can find in the file, diacritics included. That the glyphs look
right is seen by rendering the same page figures to PNG (no PDF rasteriser
is needed), and the layout test checks that no line leaves the page or
overlaps another.
"""

from __future__ import annotations

import dataclasses
import json
import re
import unicodedata
import zlib

import pytest

from sim.presentation.briefing_content import briefing_contents
from sim.presentation.briefing_pdf import (
    MARGIN,
    PAGE_HEIGHT,
    PAGE_WIDTH,
    briefing_pages,
    briefing_pdf,
    render_pdf,
)
from sim.presentation.plots import KEY_FIGURES
from tests.plot_support import real_ensembles

# -- reading a PDF's text as a viewer does ---------------------------------------------------

_OBJECT = re.compile(rb"(\d+) 0 obj\s*")
_TOKEN = re.compile(
    rb"\((?:\\.|[^\\)])*\)|<[0-9A-Fa-f\s]*>|/[^\s/\[\]()<>]+|\[|\]|[-+]?(?:\d+\.?\d*|\.\d+)"
    rb"|[A-Za-z'\"*]+",
    re.S,
)


def pdf_objects(data: bytes) -> dict[int, tuple[bytes, bytes | None]]:
    """Every object: its dictionary (or value) and its stream, inflated, if it has one."""
    objects: dict[int, tuple[bytes, bytes | None]] = {}
    position = 0
    while match := _OBJECT.search(data, position):
        start = match.end()
        end = data.find(b"endobj", start)
        keyword = data.find(b"stream", start, end)
        if keyword == -1:
            objects[int(match.group(1))] = (data[start:end], None)
            position = end + 6
            continue
        head = data[start:keyword]
        length = re.search(rb"/Length (\d+)( 0 R)?", head)
        size = int(length.group(1))
        if length.group(2):  # an indirect length, written after the stream
            size = int(re.search(rb"\b%d 0 obj\s*(\d+)" % size, data).group(1))
        body = keyword + len(b"stream")
        body += 2 if data[body : body + 2] == b"\r\n" else 1
        raw = data[body : body + size]
        objects[int(match.group(1))] = (head, zlib.decompress(raw) if b"Flate" in head else raw)
        position = data.find(b"endobj", body + size) + 6
    return objects


def _unescape(literal: bytes) -> bytes:
    escapes = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}

    def one(match: re.Match) -> bytes:
        code = match.group(1)
        if code[:1].isdigit():
            return bytes([int(code, 8)])
        return escapes.get(code, code)

    return re.sub(rb"\\([0-7]{1,3}|.)", one, literal, flags=re.S)


def _utf16(hex_text: bytes) -> str:
    return bytes.fromhex(hex_text.decode()).decode("utf-16-be")


def _to_unicode(cmap: bytes) -> dict[int, str]:
    mapping: dict[int, str] = {}
    for block in re.findall(rb"beginbfchar(.*?)endbfchar", cmap, re.S):
        for source, target in re.findall(rb"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>", block):
            mapping[int(source, 16)] = _utf16(target)
    for block in re.findall(rb"beginbfrange(.*?)endbfrange", cmap, re.S):
        ranges = re.findall(
            rb"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>\s*(\[[^\]]*\]|<[0-9a-fA-F]+>)", block
        )
        for low, high, target in ranges:
            first, last = int(low, 16), int(high, 16)
            if target.startswith(b"["):
                for i, each in enumerate(re.findall(rb"<([0-9a-fA-F]+)>", target)):
                    mapping[first + i] = _utf16(each)
            else:
                base = _utf16(target[1:-1])
                for i in range(last - first + 1):
                    mapping[first + i] = base[:-1] + chr(ord(base[-1]) + i)
    return mapping


def _widths(array: bytes) -> dict[int, float]:
    """A CIDFont's /W array: glyph widths in thousandths of the text size."""
    widths: dict[int, float] = {}
    for first, listed, last, width in re.findall(
        rb"(\d+)\s*\[([^\]]*)\]|(\d+)\s+\d+\s+(\d+)", array
    ):
        if listed or first:
            for i, w in enumerate(listed.split()):
                widths[int(first) + i] = float(w)
        else:  # "c_first c_last w" (matplotlib does not write it, a viewer would read it)
            widths[int(last)] = float(width)
    return widths


@dataclasses.dataclass
class PdfLine:
    """A text object as a viewer places it: its text, and its box in points from the bottom
    left of the page (the font's ascent and descent above and below the baseline)."""

    text: str
    x0: float
    y0: float
    x1: float
    y1: float


def pdf_pages_layout(data: bytes) -> list[tuple[list[PdfLine], list[tuple]]]:
    """Each page's text lines (decoded through the fonts' ToUnicode, measured with the fonts'
    widths, kerns and moves) and its images' boxes (x0, y0, x1, y1)."""
    objects = pdf_objects(data)

    def value(reference: bytes) -> tuple[bytes, bytes | None]:
        return objects[int(reference)]

    fonts_by_object = {}
    for number, (head, _) in objects.items():
        found = re.search(rb"/ToUnicode (\d+) 0 R", head)
        if not (found and b"/Type0" in head):
            continue
        descendant = re.search(rb"/DescendantFonts \[ ?(\d+) 0 R", head).group(1)
        cid_head = value(descendant)[0]
        w = re.search(rb"/W (\d+) 0 R", cid_head)
        widths = _widths(value(w.group(1))[0]) if w else {}
        fonts_by_object[number] = (_to_unicode(value(found.group(1))[1]), widths)
    fonts = {}
    for head, _ in objects.values():
        for name, number in re.findall(rb"/(F\d+) (\d+) 0 R", head):
            if int(number) in fonts_by_object:
                fonts[name] = fonts_by_object[int(number)]
    pages = []
    for head, _ in objects.values():
        if not re.search(rb"/Type /Page\b(?!s)", head):
            continue
        content = value(re.search(rb"/Contents (\d+) 0 R", head).group(1))[1]
        lines: list[PdfLine] = []
        images: list[tuple] = []
        operands: list[bytes] = []
        font, size, origin, clip = ({}, {}), 0.0, (0.0, 0.0), (0.0, 0.0, 0.0, 0.0)
        text: list[str] = []
        start = x = right = 0.0
        for token in _TOKEN.findall(content):
            if token[:1] in b"(<[]/" or re.fullmatch(rb"[-+.\d]+", token):
                operands.append(token)
                continue
            numbers = [float(o) for o in operands if re.fullmatch(rb"[-+.\d]+", o)]
            if token == b"cm" and len(numbers) == 6 and numbers[:4] == [1, 0, 0, 1]:
                origin = (numbers[4], numbers[5])
            elif token == b"re" and len(numbers) == 4:
                clip = (numbers[0], numbers[1], numbers[0] + numbers[2], numbers[1] + numbers[3])
            elif token == b"Do":
                images.append(clip)
            elif token == b"BT":
                text, start, x, right = [], 0.0, 0.0, 0.0
            elif token == b"Tf":
                font, size = fonts.get(operands[-2][1:], ({}, {})), numbers[-1]
            elif token == b"Td":
                start += numbers[0]
                x = start
            elif token in (b"TJ", b"Tj"):
                for operand in operands:
                    if operand.startswith((b"(", b"<")):
                        if operand.startswith(b"("):
                            raw = _unescape(operand[1:-1])
                        else:
                            raw = bytes.fromhex(re.sub(rb"\s", b"", operand[1:-1]).decode())
                        codes = [raw[i] << 8 | raw[i + 1] for i in range(0, len(raw) - 1, 2)]
                        text.append("".join(font[0].get(code, "\ufffd") for code in codes))
                        x += sum(font[1].get(code, 0.0) for code in codes) * size / 1000
                    elif re.fullmatch(rb"[-+.\d]+", operand):
                        x -= float(operand) * size / 1000
                right = max(right, x)
            elif token == b"ET":
                x0, baseline = origin
                lines.append(
                    PdfLine(
                        "".join(text),
                        x0,
                        baseline - 0.236 * size,  # DejaVu Sans: descent 236, ascent 929
                        x0 + right,
                        baseline + 0.929 * size,
                    )
                )
            operands = []
        pages.append((lines, images))
    return pages


def pdf_lines(data: bytes) -> list[list[str]]:
    """Each page's text objects (one per line drawn), decoded through the fonts' ToUnicode."""
    return [[line.text for line in lines] for lines, _ in pdf_pages_layout(data)]


def pdf_text(data: bytes) -> str:
    """All the PDF's text, its lines joined by single spaces (a wrapped sentence reads whole)."""
    return " ".join(" ".join(line.split()) for page in pdf_lines(data) for line in page)


def pdf_info(data: bytes) -> dict[str, str]:
    """The document information: Title, Subject, Keywords, ... as text."""
    head = next(h for h, _ in pdf_objects(data).values() if b"/Creator" in h)
    info = {}
    for key, literal in re.findall(rb"/(\w+) \(((?:\\.|[^\\)])*)\)", head, re.S):
        raw = _unescape(literal)
        text = raw[2:].decode("utf-16-be") if raw.startswith(b"\xfe\xff") else raw.decode("latin-1")
        info[key.decode()] = text
    return info


def same_text(text: str) -> str:
    """Text as the PDF holds it: composed (NFC), single spaces."""
    return " ".join(unicodedata.normalize("NFC", text).split())


# -- fixtures -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real() -> list:
    return real_ensembles()


@pytest.fixture(scope="module")
def pdf_vi(real: list) -> bytes:
    return briefing_pdf(real, "vi", dpi=40)


# -- tests --------------------------------------------------------------------------------------


def test_briefing_pdf_is_one_a4_page_with_its_fonts_embedded(pdf_vi: bytes) -> None:
    assert pdf_vi.startswith(b"%PDF-") and pdf_vi.rstrip().endswith(b"%%EOF")
    pages = re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf_vi)
    assert len(pages) == 1
    assert re.search(rb"/MediaBox \[ 0 0 595\.\d+ 841\.\d+ \]", pdf_vi)  # A4 portrait
    assert b"/FontFile2" in pdf_vi and b"/Type3" not in pdf_vi  # TrueType, embedded
    assert b"DejaVuSans" in pdf_vi and b"/ToUnicode" in pdf_vi


def test_the_pdf_says_what_the_summary_says_in_vietnamese(real: list, pdf_vi: bytes) -> None:
    contents = briefing_contents(real, "vi")
    text = pdf_text(pdf_vi)
    assert text.startswith("Dự báo phát triển đảng viên xã Nà Hỳ, 2015–2016")
    assert contents.sentences and all(same_text(s) in text for s in contents.sentences)
    assert "Giữ nguyên như hiện nay: khả năng năm nào cũng kết nạp được ít nhất 7" in text
    assert same_text(contents.parameters) in text
    assert same_text(contents.source_line) in text
    lines = {line for page in pdf_lines(pdf_vi) for line in page}
    for row in contents.table:  # every cell of the table, the same numbers as summary.md
        for cell in row:
            assert same_text(cell) in text
    assert "Chỉ tiêu" in lines and "Xác suất đạt chỉ tiêu" in lines


def test_the_pdf_in_english(real: list) -> None:
    from sim.presentation.briefing import briefing_pdf as from_the_briefing_module

    data = from_the_briefing_module(real, "en", dpi=30)
    text = pdf_text(data)
    assert text.startswith("Party admissions forecast, Nà Hỳ commune, 2015–2016")
    for sentence in briefing_contents(real, "en").sentences:
        assert same_text(sentence) in text
    assert "Chance of each target" in text


def test_the_pdf_carries_its_provenance_in_its_metadata(real: list, pdf_vi: bytes) -> None:
    info = pdf_info(pdf_vi)
    assert info["Title"] == "Dự báo phát triển đảng viên xã Nà Hỳ, 2015–2016"
    assert info["Creator"].startswith("nahy-sim")
    record = json.loads(info["Keywords"])
    assert record["figure"] == "briefing" and record["language"] == "vi"
    assert [s["scenario"] for s in record["scenarios"]] == ["baseline", "resolution-2015"]
    assert [s["run_folder"] for s in record["scenarios"]] == [str(r.path) for r in real]
    assert info["Subject"] == record["source_line"]


def test_text_it_is_given_is_drawn_as_given(real: list) -> None:
    """Words we control: a name typed decomposed (as some keyboards do) comes out composed,
    a dollar sign stays a dollar sign (no mathematics), and nothing is dropped."""
    contents = briefing_contents(real, "vi")
    odd = unicodedata.normalize("NFD", "Kế hoạch “Bản Pá” $5 và 10 $ | đường <b>")
    changed = dataclasses.replace(contents, sentences=[f"{odd}: {contents.sentences[0]}"])
    text = pdf_text(render_pdf(real, changed, dpi=20))
    assert f"{unicodedata.normalize('NFC', odd)}: Giữ nguyên như hiện nay" in text


def _overlap(a: tuple, b: tuple) -> bool:
    return a[0] < b[2] - 0.1 and b[0] < a[2] - 0.1 and a[1] < b[3] - 0.1 and b[1] < a[3] - 0.1


def check_layout(data: bytes) -> None:
    """In the PDF: every line inside the margins, every image on the page, and no line
    overlapping another line or an image (boxes from the fonts' own widths and ascents)."""
    pages = pdf_pages_layout(data)
    assert sum(len(images) for _, images in pages) == len(KEY_FIGURES)
    for lines, images in pages:
        assert lines
        boxes = [(line.x0, line.y0, line.x1, line.y1) for line in lines]
        for line, box in zip(lines, boxes, strict=True):
            assert box[0] >= MARGIN - 0.5 and box[2] <= PAGE_WIDTH - MARGIN + 0.5, line
            assert box[1] > 0 and box[3] < PAGE_HEIGHT, line
            assert not any(_overlap(box, image) for image in images), line
        for i, (line, box) in enumerate(zip(lines, boxes, strict=True)):
            for other, other_box in zip(lines[i + 1 :], boxes[i + 1 :], strict=True):
                assert not _overlap(box, other_box), (line.text, other.text)
        for i, image in enumerate(images):
            assert image[0] >= 0 and image[2] <= PAGE_WIDTH
            assert image[1] >= 0 and image[3] <= PAGE_HEIGHT
            assert not any(_overlap(image, other) for other in images[i + 1 :])


def test_nothing_runs_off_the_page_or_overlaps(real: list, pdf_vi: bytes) -> None:
    check_layout(pdf_vi)
    pages = briefing_pages(real, briefing_contents(real, "vi"), dpi=20)
    assert len(pages) == 1
    images = [ax.get_gid() for ax in pages[0].axes]
    assert images == [f"key-figure:{name}" for name in KEY_FIGURES]


def test_many_scenarios_fit_two_pages(real: list) -> None:
    """Seven scenarios: the table turns (a row per scenario), the figures go on, two pages."""
    many = list(real)
    for i in range(5):
        scenario = {**real[1].manifest["scenario"], "name": f"Phương án thử số {i + 1}"}
        many.append(
            dataclasses.replace(real[1], manifest={**real[1].manifest, "scenario": scenario})
        )
    contents = briefing_contents(many, "vi")
    data = render_pdf(many, contents, dpi=15)
    assert len(pdf_lines(data)) == 2
    check_layout(data)
    text = pdf_text(data)
    assert all(same_text(s) in text for s in contents.sentences)
    assert "Kịch bản" in text and "Trang 1/2" in text and "Trang 2/2" in text
