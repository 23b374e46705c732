"""The briefing figures: every figure, for one scenario and several, in both languages.

Checks that every scenario asked for is drawn (each scenario's artists carry
the gid ``scenario:<name>:...``; a comparison plot that silently drops a
scenario is the mistake to avoid), that each figure carries its source
line, that exported files are valid and carry their provenance, that the
Vietnamese reaches the SVG as text, and two figures against reference
images (fixed synthetic inputs; set ``NAHY_UPDATE_BASELINES=1`` to rewrite
them after a deliberate change, and look at them before committing).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import struct
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from matplotlib.figure import Figure
from matplotlib.testing.compare import compare_images

from sim.presentation.i18n import smart_number, t
from sim.presentation.plots import (
    FIGURES,
    admissions_fan,
    pipeline_losses,
    save_figure,
    target_probabilities,
)
from sim.presentation.plots.data import labels, scenario_name, source_line
from sim.presentation.plots.pipeline import REASONS, STAGES
from sim.presentation.plots.scenarios import probability_differences, scenario_comparison
from sim.presentation.plots.villages import status_grid, village_timeline
from tests.plot_support import REAL_REPS, real_ensembles, synthetic_pair

BASELINES = Path(__file__).resolve().parent / "baseline_images"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SVG = "{http://www.w3.org/2000/svg}"
VIETNAMESE_LETTERS = "[àáạảãâầấậẩẫăằắặẳẵèéẹẻẽêềếệểễìíịỉĩòóọỏõôồốộổỗơờớợởỡùúụủũưừứựửữỳýỵỷỹđ]"


@pytest.fixture(scope="module")
def real() -> list:
    return real_ensembles()


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> list:
    return synthetic_pair(tmp_path_factory.mktemp("synthetic"))


def drawn_scenarios(figure: Figure) -> set[str]:
    """Scenario names whose artists are in the figure (from their gids)."""
    gids = {artist.get_gid() for artist in figure.findobj() if artist.get_gid()}
    return {gid.split(":")[1] for gid in gids if gid.startswith("scenario:")}


def texts(figure: Figure) -> list[str]:
    return [text.get_text() for text in figure.findobj(match=lambda a: hasattr(a, "get_text"))]


# -- every figure, every scenario -----------------------------------------------------------


@pytest.mark.parametrize("name", list(FIGURES))
@pytest.mark.parametrize("count", [1, 2])
def test_every_figure_draws_every_scenario(real: list, name: str, count: int) -> None:
    results = real[:count]
    figure = FIGURES[name](results, "vi")
    figure.draw_without_rendering()
    assert drawn_scenarios(figure) == {scenario_name(r) for r in results}
    assert figure.sim_provenance["source_line"] == source_line(results, "vi")
    # drawn whole, on up to two lines (a long line wraps at spaces)
    assert figure.sim_provenance["source_line"] in [" ".join(t.split()) for t in texts(figure)]
    assert [s["scenario"] for s in figure.sim_provenance["scenarios"]] == [
        scenario_name(r) for r in results
    ]


@pytest.mark.parametrize("name", list(FIGURES))
def test_every_figure_in_english(synthetic: list, name: str) -> None:
    figure = FIGURES[name](synthetic, "en")
    figure.draw_without_rendering()
    assert drawn_scenarios(figure) == {"alpha", "beta"}
    words = " ".join(texts(figure))
    assert "Source:" in words and "nahy-sim 0.0.test" in words
    assert not re.search(VIETNAMESE_LETTERS, figure.sim_provenance["title"].lower())


def test_source_line_names_scenarios_runs_seed_version_and_date(real: list) -> None:
    line = source_line(real, "vi")
    # scenarios by the names readers know (the files' metadata keep the file names)
    for needed in (
        "Giữ nguyên như hiện nay",
        "Thực hiện Nghị quyết 2015",
        f"{REAL_REPS} lần mô phỏng",
        "seed 11",
    ):
        assert needed in line
    assert "baseline" not in line
    assert re.search(r"nahy-sim \S+", line) and re.search(r"\d\d/\d\d/\d{4}", line)
    english = source_line(real, "en")
    assert f"{REAL_REPS} runs each" in english and "computed" in english


def test_the_same_scenario_at_two_seeds_gets_two_labels(real: list) -> None:
    from dataclasses import replace

    other = replace(real[0], manifest={**real[0].manifest, "seed": 12})
    names = labels([real[0], other], "en")
    assert names == ["No new measures (seed 11, n=4)", "No new measures (seed 12, n=4)"]
    words = set(texts(target_probabilities([real[0], other], "en")))
    assert set(names) <= words


def test_fan_marks_the_target_band_and_the_observed_quarter(synthetic: list) -> None:
    figure = admissions_fan(synthetic[:1], "vi")
    words = texts(figure)
    assert "Chỉ tiêu 2–3 đảng viên/năm" in " ".join(words)
    assert any("Thực tế quý I/2017: 3 đảng viên" in w for w in words)
    observed = [a for a in figure.findobj() if a.get_gid() == "observed"]
    assert len(observed) == 1
    assert observed[0].get_ydata()[0] == 3


def test_village_status_is_rebuilt_exactly(real: list) -> None:
    """The stored change rows give back every run's last status as the villages table has it."""
    result = real[0]
    grid, villages, dates = status_grid(result)
    assert grid.shape == (REAL_REPS, len(villages), len(dates))
    assert (grid >= 0).all()
    last = result.villages.set_index(["replication", "village"])["status_at_horizon"]
    statuses = ("own_cell", "joint", "white")
    for r in range(REAL_REPS):
        for v, village in enumerate(villages):
            assert statuses[grid[r, v, -1]] == last[(r, village)]


def test_paired_differences_when_runs_share_seeds(real: list, synthetic: list) -> None:
    paired = probability_differences(real)
    assert set(paired["method"]) == {"tango"}
    independent = probability_differences([real[0], synthetic[0]])
    assert set(independent["method"]) == {"newcombe (independent)"}
    assert (independent["low"] <= independent["difference"]).all()
    assert (independent["difference"] <= independent["high"]).all()


def test_old_run_folders_without_the_new_tables_say_so(real: list) -> None:
    from dataclasses import replace

    old = replace(real[0], village_changes=None, losses=None)
    figure = village_timeline([old], "en")
    assert any("Not in the stored results" in w for w in texts(figure))


def test_comparison_with_cost_of_delay_and_one_scenario_only(synthetic: list) -> None:
    import pandas as pd

    table = pd.DataFrame(
        {
            "label": ["propaganda"] * 2 + ["targeted_sourcing (V03)"] * 2,
            "measure": ["admissions_every_year_meet_target", "no_white_village_at_horizon"] * 2,
            "difference": [-0.1, 0.0, -0.05, -0.2],
            "difference_low": [-0.2, -0.1, -0.15, -0.3],
            "difference_high": [0.0, 0.1, 0.05, -0.1],
        }
    )

    class Delay:  # what sim.analysis.comparison.cost_of_delay returns, as the figure reads it
        manifest = {"delay_months": 12, "scenarios": [{"name": "alpha"}]}

    Delay.table = table
    figure = scenario_comparison(synthetic, "vi", delay=Delay())
    words = " ".join(texts(figure))
    assert "chậm 12 tháng" in words and "Tuyên truyền, giáo dục về Đảng" in words
    # the village by its name, on a line of its own
    assert "Khảo sát, tạo nguồn có trọng tâm\n(Bản Ba)" in words
    alone = scenario_comparison(synthetic[:1], "vi")
    assert "Chỉ có một kịch bản" in " ".join(texts(alone))


def one_line(text: str) -> str:
    """A label as read, whatever its wrapping."""
    return " ".join(text.split())


def stage_axes(figure: Figure, lang: str) -> list:
    """The "at which step" panels: those whose rows are labelled with the steps."""
    first = one_line(t(f"stage.{STAGES[0]}", lang))
    return [
        ax
        for ax in figure.axes
        if any(one_line(label.get_text()) == first for label in ax.get_yticklabels())
    ]


#: What a reader must find on the pipeline figure: the steps from the cell's vote on, and
#: the reasons the vote and the file's rules give.
PIPELINE_WORDS = {
    "vi": (
        ("Chờ chi bộ xét, biểu quyết", "Chờ cấp ủy ra quyết định", "Chờ lễ kết nạp"),
        ("Chi bộ biểu quyết không đạt 2/3", "Thiếu người giới thiệu, quá tuổi"),
    ),
    "en": (
        ("Waiting for the cell vote", "Waiting for the decision", "Waiting for the ceremony"),
        ("Cell vote short of 2/3", "File: no introducers, over age"),
    ),
}


@pytest.mark.parametrize("lang", [None, "en"])
@pytest.mark.parametrize("count", [1, 2])
def test_pipeline_shows_every_step_and_the_vote(synthetic: list, count: int, lang: str) -> None:
    """A row for every step, a legend entry for every reason, none overlapping or cut off."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.legend import Legend

    if lang is None:
        figure, lang = pipeline_losses(synthetic[:count]), "vi"  # Vietnamese by default
    else:
        figure = pipeline_losses(synthetic[:count], lang)
    steps, reasons = PIPELINE_WORDS[lang]
    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    renderer = canvas.get_renderer()
    panels = stage_axes(figure, lang)
    assert len(panels) == count
    for ax in panels:
        shown = [one_line(label.get_text()) for label in ax.get_yticklabels()]
        assert shown == [one_line(t(f"stage.{s}", lang)) for s in STAGES]
        assert set(steps) <= set(shown)
        boxes = [label.get_window_extent(renderer) for label in ax.get_yticklabels()]
        gaps = [upper.y0 - lower.y1 for upper, lower in zip(boxes, boxes[1:], strict=False)]
        assert min(gaps) > 0, "step labels overlap"  # the first step is the top row
        assert min(box.x0 for box in boxes) >= 0, "step labels cut off on the left"
    (legend,) = figure.findobj(Legend)
    entries = [one_line(text.get_text()) for text in legend.get_texts()]
    assert entries[: len(REASONS)] == [one_line(t(f"reason.{g}", lang)) for g in REASONS]
    assert set(reasons) <= set(entries)
    box = legend.get_window_extent(renderer)
    assert box.x0 >= 0 and box.x1 <= figure.bbox.width, "legend cut off"
    # the vote's losses are drawn on the vote's row: 80 over 40 runs in the synthetic table
    row = STAGES.index("waiting_vote")
    (bar,) = [a for a in figure.findobj() if a.get_gid() == f"scenario:alpha:stage-vote-{row}"]
    assert bar.get_width() == pytest.approx(2.0)


# -- exported files ---------------------------------------------------------------------------


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE
    return struct.unpack(">II", data[16:24])


def pdf_pages(path: Path) -> int:
    data = path.read_bytes()
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", data))


def svg_text(path: Path) -> str:
    root = ET.parse(path).getroot()
    return " ".join("".join(node.itertext()) for node in root.iter(f"{SVG}text"))


def test_exported_files_are_valid_and_carry_provenance(synthetic: list, tmp_path: Path) -> None:
    figure = admissions_fan(synthetic, "vi")
    paths = save_figure(figure, tmp_path, "fan", figure.sim_provenance)
    assert [p.name for p in paths] == ["fan.png", "fan.svg", "fan.pdf"]
    assert not list(tmp_path.glob(".tmp-*"))  # written atomically: no temporaries left

    width, height = (round(x * 300) for x in figure.get_size_inches())
    assert png_size(tmp_path / "fan.png") == (width, height)
    from PIL import Image

    with Image.open(tmp_path / "fan.png") as image:
        provenance = json.loads(image.text["Provenance"])
    assert [s["scenario"] for s in provenance["scenarios"]] == ["alpha", "beta"]
    assert provenance["scenarios"][0]["reps"] == 40 and provenance["scenarios"][0]["seed"] == 7
    assert provenance["scenarios"][0]["version"] == "0.0.test"
    assert provenance["scenarios"][0]["git_commit"] == "0123456789abcdef"

    words = svg_text(tmp_path / "fan.svg")
    for phrase in ("Kết nạp đảng viên mới mỗi năm", "Số đảng viên được kết nạp", "Trung vị"):
        assert phrase in words
    svg = (tmp_path / "fan.svg").read_text(encoding="utf-8")
    assert '"reps": 40' in svg and "<dc:title>Kết nạp đảng viên mới mỗi năm</dc:title>" in svg

    assert pdf_pages(tmp_path / "fan.pdf") == 1
    pdf = (tmp_path / "fan.pdf").read_bytes()
    assert b'\\"scenario\\": \\"alpha\\"' in pdf or b'"scenario": "alpha"' in pdf


def test_decimal_comma_reaches_the_vietnamese_svg(synthetic: list, tmp_path: Path) -> None:
    means = synthetic[0].replications["admissions_term_mean"].to_numpy()
    mean = float(np.mean(means))  # the comparison shows the mean of the runs
    for lang, mark in (("vi", ","), ("en", ".")):
        figure = scenario_comparison(synthetic, lang)
        (path,) = save_figure(figure, tmp_path, f"cmp-{lang}", {}, formats=("svg",))
        label = smart_number(mean, lang)
        assert label in svg_text(path)
        if not mean.is_integer():
            assert mark in label


# -- reference images --------------------------------------------------------------------------

REFERENCE = {"admissions_fan": admissions_fan, "target_probabilities": target_probabilities}


@pytest.mark.parametrize("name", list(REFERENCE))
def test_reference_image(synthetic: list, tmp_path: Path, name: str) -> None:
    figure = REFERENCE[name](synthetic, "vi")
    (actual,) = save_figure(figure, tmp_path, name, {}, formats=("png",), dpi=60)
    expected = BASELINES / f"{name}.png"
    if os.environ.get("NAHY_UPDATE_BASELINES"):
        BASELINES.mkdir(exist_ok=True)
        shutil.copyfile(actual, expected)
    assert expected.is_file(), f"no reference image {expected}: run with NAHY_UPDATE_BASELINES=1"
    problem = compare_images(str(expected), str(actual), tol=4)
    assert problem is None, problem
