"""The briefing in a notebook: HTML with its key figures embedded, no link depending on the
folder it is shown from (summary.md keeps its links relative to its own folder)."""

from __future__ import annotations

import base64
import os
from html.parser import HTMLParser
from pathlib import Path

import pytest

from sim.presentation.briefing import load_briefing
from sim.presentation.briefing_html import briefing_html
from sim.presentation.plots import FIGURES, KEY_FIGURES
from tests.plot_support import real_ensembles
from tests.test_briefing import written_briefing

PNG = b"\x89PNG\r\n\x1a\n"


class Page(HTMLParser):
    """An HTML fragment's tags (with their attributes) and its text."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.words: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.words.append(data)

    @property
    def text(self) -> str:
        return " ".join("".join(self.words).split())

    def urls(self) -> list[str]:
        return [a[k] for _, a in self.tags for k in ("src", "href") if k in a]

    def images(self) -> dict[str, bytes]:
        found = {}
        for tag, attrs in self.tags:
            if tag == "img":
                head, data = attrs["src"].split(",", 1)
                assert head == "data:image/png;base64"
                found[attrs["alt"]] = base64.b64decode(data)
        return found


@pytest.fixture(scope="module")
def real() -> list:
    return real_ensembles()


@pytest.fixture(scope="module")
def briefing():
    return written_briefing()  # the one test_briefing.py checks


def test_a_briefing_shows_itself_with_its_figures_embedded(briefing) -> None:
    page = Page(briefing._repr_html_())
    images = page.images()
    assert set(images) == set(KEY_FIGURES)
    assert all(png.startswith(PNG) for png in images.values())
    assert all(url.startswith("data:") for url in page.urls())  # nothing relative, no file:
    text = page.text
    assert text.startswith("Dự báo phát triển đảng viên xã Nà Hỳ, 2015–2016")
    for sentence in briefing.sentences:
        assert " ".join(sentence.split()) in text
    for row in briefing.contents.table:
        assert all(" ".join(cell.split()) in text for cell in row)
    assert " ".join(briefing.contents.source_line.split()) in text


def test_the_pdf_to_print_is_embedded_and_its_path_shown(briefing) -> None:
    page = Page(briefing.html())
    links = [attrs for tag, attrs in page.tags if tag == "a"]
    assert len(links) == 1 and links[0]["download"] == "briefing-vi.pdf"
    head, data = links[0]["href"].split(",", 1)
    assert head == "data:application/pdf;base64"
    assert base64.b64decode(data) == briefing.pdf.read_bytes()
    folder = str(briefing.folder.resolve())
    assert str(briefing.pdf.resolve()) in page.text  # absolute, as text
    assert folder in page.text and os.path.isabs(folder)
    for name in FIGURES:  # every figure's files named, as text, beside their folder
        assert all(f"{name}.{fmt}" in page.text for fmt in ("png", "svg", "pdf"))
    bare = Page(briefing.html(embed_pdf=False))
    assert not [attrs for tag, attrs in bare.tags if tag == "a"]
    assert str(briefing.pdf.resolve()) in bare.text


def test_a_notebook_displays_the_html_whatever_its_folder(
    briefing, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from IPython.core.formatters import DisplayFormatter

    monkeypatch.chdir(tmp_path)  # a notebook elsewhere
    data, _ = DisplayFormatter().format(briefing)
    assert "text/html" in data
    assert set(Page(data["text/html"]).images()) == set(KEY_FIGURES)
    again = load_briefing(briefing.folder)  # read back later: figures from their files
    shown = Page(again.html())
    assert set(shown.images()) == set(KEY_FIGURES) and shown.text == Page(briefing.html()).text


def test_summary_md_keeps_links_relative_to_its_own_folder(briefing) -> None:
    text = briefing.summary_md.read_text(encoding="utf-8")
    assert "data:" not in text and str(briefing.folder) not in text
    for name in KEY_FIGURES:
        assert f"![{name}]({name}.png)" in text and (briefing.folder / f"{name}.png").is_file()


def test_html_from_results_without_a_folder(real: list) -> None:
    text = briefing_html(real, "en", pdf=False)
    page = Page(text)
    assert set(page.images()) == set(KEY_FIGURES)
    assert all(url.startswith("data:") for url in page.urls())
    assert page.text.startswith("Party admissions forecast, Nà Hỳ commune, 2015–2016")
    assert "No new measures: the chance of admitting at least 7" in page.text
