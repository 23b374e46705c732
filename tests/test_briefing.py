"""The committee briefing: files written, the one-page summary, inputs, the command line.

The PDF is tested in test_briefing_pdf.py, the HTML in test_briefing_html.py, finding runs
under a folder in test_briefing_cli.py, and users' scenario names in test_briefing_names.py.
"""

from __future__ import annotations

import atexit
import functools
import json
import re
import shutil
import tempfile
from pathlib import Path

import pytest

from sim.cli.main import main
from sim.inputs.errors import InputError
from sim.presentation.briefing import load_inputs, write_briefing
from sim.presentation.briefing_content import headline_sentences, summary_table
from sim.presentation.plots import FIGURES
from tests.plot_support import real_ensembles
from tests.test_briefing_pdf import pdf_text, same_text
from tests.test_plots import pdf_pages, png_size, svg_text

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def real() -> list:
    return real_ensembles()


@functools.cache
def written_briefing():
    """The Vietnamese briefing of the real ensembles, written once per test session (the
    HTML tests read the same one); removed at exit."""
    folder = Path(tempfile.mkdtemp(prefix="nahy-briefing-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return write_briefing(real_ensembles(), folder / "vi", "vi", dpi=40)


@pytest.fixture(scope="module")
def briefing():
    return written_briefing()


def test_every_figure_in_three_formats_and_the_summary(briefing) -> None:
    folder = briefing.folder
    expected = {f"{name}.{fmt}" for name in FIGURES for fmt in ("png", "svg", "pdf")}
    expected |= {"summary.md", "briefing.pdf", "briefing.json"}
    assert {p.name for p in folder.iterdir()} == expected  # nothing half-written left over
    for name in FIGURES:
        width, height = png_size(folder / f"{name}.png")
        assert width > 400 and height > 250
        assert svg_text(folder / f"{name}.svg")
        assert pdf_pages(folder / f"{name}.pdf") == 1
    assert pdf_pages(folder / "briefing.pdf") == 1
    assert briefing.pdf == folder / "briefing.pdf"


def test_summary_says_the_headline_in_words_with_a_table(briefing, real: list) -> None:
    text = briefing.summary_md.read_text(encoding="utf-8")
    assert text.startswith("# Dự báo phát triển đảng viên xã Nà Hỳ, 2015–2016")
    for sentence in briefing.sentences:
        assert sentence in text
    assert "Giữ nguyên như hiện nay: khả năng năm nào cũng kết nạp được ít nhất 7" in text
    assert "| Chỉ tiêu | Giữ nguyên như hiện nay | Thực hiện Nghị quyết 2015 |" in text
    assert "![01-admissions](01-admissions.png)" in text and "(02-targets.png)" in text
    assert "[Bản in (PDF, khổ A4)](briefing.pdf)" in text  # beside it, like the figures
    assert "khoảng tin cậy 95" in text and "Nguồn: mô hình nahy-sim" in text
    provenance = json.loads(re.search(r"<!-- provenance: (.*) -->", text).group(1))
    assert [s["scenario"] for s in provenance["scenarios"]] == ["baseline", "resolution-2015"]


def test_the_summary_explains_the_every_cell_target_from_the_cell_tables(
    briefing, real: list
) -> None:
    """All cells in all target years at once is rarer than any one cell-year: the summary
    says so with both figures, in Vietnamese, and names the weakest cell by its name."""
    from sim.presentation.briefing_content import cell_target_note
    from sim.presentation.i18n import percent

    text = briefing.summary_md.read_text(encoding="utf-8")
    note = cell_target_note(real, "vi")
    assert note in text
    targets = real[-1].manifest["targets"]
    cells, years = targets["cells"], targets["target_years"]
    assert f"cả {len(cells)} chi bộ cùng đạt trong cả {len(years)} năm" in note
    for result in real:
        table = result.cells[result.cells["cell"].isin(cells) & result.cells["year"].isin(years)]
        share = percent((table["admissions"] >= 1).mean(), "vi")
        assert share in note
    assert "Chi bộ" in note and "C-" not in note  # a name, not an id
    english = cell_target_note(real, "en")
    assert english.startswith("On the target “every cell admits at least 1 every year”")


def test_briefing_pdf_says_what_summary_md_says_and_is_listed(briefing) -> None:
    pdf = briefing.pdf.read_bytes()
    assert b'\\"scenario\\": \\"baseline\\"' in pdf or b'"scenario": "baseline"' in pdf
    text = pdf_text(pdf)
    summary = briefing.summary_md.read_text(encoding="utf-8")
    for sentence in briefing.sentences:  # the same sentences, in both
        assert sentence in summary and same_text(sentence) in text
    for row in briefing.contents.table[1:]:  # the same numbers, in both
        assert "| " + " | ".join(row) + " |" in summary
        assert all(same_text(cell) in text for cell in row)
    index = json.loads(briefing.manifest.read_text(encoding="utf-8"))
    assert index["language"] == "vi"
    assert index["files"]["summary"] == ["summary.md"]
    assert index["files"]["briefing"] == ["briefing.pdf"]
    assert index["sentences"] == briefing.sentences and index["table"] == briefing.contents.table
    assert all(s["run_folder"] for s in index["scenarios"])


def test_headline_and_table_in_english(real: list) -> None:
    sentences = headline_sentences(real, "en")
    assert len(sentences) == 2
    assert sentences[0].startswith("No new measures: the chance of admitting at least 7")
    assert "95\u00a0% confidence interval" in sentences[0]
    table = summary_table(real, "en")
    assert table[0] == ["Target", "No new measures", "Resolution 2015 measures"]
    assert len(table) == 6 and all(re.match(r"[<>]?\d+\u00a0% \(\d+–\d+", c) for c in table[1][1:])


def test_inputs_from_run_forecast_and_comparison_folders(real: list, tmp_path: Path) -> None:
    folders = [str(r.path) for r in real]
    assert [r.path for r in load_inputs(folders).results] == [r.path for r in real]
    forecast = tmp_path / "forecast"
    forecast.mkdir()
    index = {"scenarios": [{"name": "x", "run_folder": f} for f in reversed(folders)]}
    (forecast / "forecast.json").write_text(json.dumps(index), encoding="utf-8")
    assert [r.path for r in load_inputs([forecast]).results] == [r.path for r in real[::-1]]
    comparison = tmp_path / "delay"
    comparison.mkdir()
    manifest = {"kind": "cost_of_delay", "scenarios": [{"ensemble_folder": f} for f in folders]}
    (comparison / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    inputs = load_inputs([folders[0], comparison])
    assert inputs.delay == comparison and len(inputs.results) == 1
    scenario_folder = Path(folders[0]).parent  # a scenario's folder: its run
    assert [r.path for r in load_inputs([scenario_folder]).results] == [real[0].path]
    with pytest.raises(InputError, match="does not exist"):
        load_inputs([tmp_path / "nowhere"])


def test_command_line(
    real: list, tmp_path: Path, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The command reads the folders and hands them on (the writing is tested above)."""
    import sim.presentation.briefing

    calls = []

    def fake_write(results, out, lang, *, delay=None):
        calls.append(([r.path for r in results], Path(out), lang, delay))
        return sim.presentation.briefing.Briefing(
            Path(out),
            {"01-admissions": [Path("a.png")]},
            Path("s.md"),
            Path("s.pdf"),
            Path("b.json"),
            ["A sentence."],
        )

    monkeypatch.setattr(sim.presentation.briefing, "write_briefing", fake_write)
    out = tmp_path / "en"
    assert main(["briefing", str(real[0].path), "--lang", "en", "--out", str(out)]) == 0
    assert calls == [([real[0].path], out, "en", None)]
    printed = capsys.readouterr().out
    assert "A sentence." in printed and "Briefing (en): 1 figures (1 files)" in printed
    assert main(["briefing", str(real[0].path)]) == 0
    assert calls[-1][1:3] == (Path("results/briefing"), "vi")  # Vietnamese by default
    assert main(["briefing", str(tmp_path / "missing")]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert main(["briefing", str(real[0].path), "--lang", "fr"]) == 2


def test_make_forecast_writes_the_vietnamese_briefing() -> None:
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    recipe = makefile.split("\nforecast:", 1)[1].split("\n\n", 1)[0]
    assert "-m sim forecast" in recipe
    assert "-m sim briefing results/forecast --lang vi --out results/forecast/briefing" in recipe
