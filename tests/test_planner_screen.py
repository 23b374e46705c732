"""The planner's screen, as a planner uses it: name a plan, tick measures, press Run.

Checks what the person sees: the plan's own name on the progress bar, the
table and the figures; a preliminary answer before the full one; the
baseline run once; the same settings answered from the store; one line for
a bad choice; every label following the language switch.
"""

from __future__ import annotations

import base64
from datetime import date
from pathlib import Path

import pytest

import sim
import sim.presentation.planner_screen as screen_module
from sim.analysis.comparison import paired_table
from sim.presentation.language_switch import Language
from sim.presentation.planner_screen import PlannerScreen
from tests.conftest import REPO

DATA = REPO / "data" / "nahy"
REPS = 6


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    """One results store for the module: the baseline is run once and read back after."""
    return tmp_path_factory.mktemp("screen") / "results"


@pytest.fixture()
def screen(store: Path, request) -> PlannerScreen:
    baseline = sim.load_scenario(DATA / "scenarios" / "baseline.toml")
    village = baseline.commune.villages[-1].id
    first = sim.Intervention(
        measure="standing_committee_assignment",
        start=date(2016, 1, 1),
        intensity=1.0,
        villages=(village,),
    )
    return PlannerScreen(
        baseline,
        initial=[first],
        reps=REPS,
        seed=7,
        out=store,
        workers=1,
        language=Language("vi"),
    )


def _answer_text(screen: PlannerScreen) -> str:
    parts = []
    for output in screen.answer.outputs:
        data = output.get("data", {})
        for mime in ("text/html", "text/markdown", "text/plain"):
            if mime in data:
                parts.append(str(data[mime]))
                break
    return "\n".join(parts)


def test_the_plan_keeps_the_name_the_planner_gives_it(screen: PlannerScreen) -> None:
    assert screen.name.value == "Kế hoạch của tôi"
    screen.name.value = "Kế hoạch bản vùng cao"
    comparison = screen.run()
    assert comparison is not None
    assert comparison.labels == ["baseline", "Kế hoạch bản vùng cao"]
    assert screen.progress.description == "Kế hoạch bản vùng cao"
    assert "Kế hoạch bản vùng cao" in _answer_text(screen)
    assert "Tham số: lấy từ hiệu chỉnh của xã" in _answer_text(screen)  # says which parameters
    assert "Ke-hoach-ban-vung-cao" in str(comparison.results["Kế hoạch bản vùng cao"].path)
    assert "(2)" not in " ".join(comparison.labels)


def test_a_preliminary_answer_comes_before_the_full_one(screen: PlannerScreen, monkeypatch) -> None:
    seen: list[tuple[str, int]] = []
    draw = screen._draw

    def spy(kind, state):
        seen.append((kind, state[3] if kind == "preliminary" else REPS))
        draw(kind, state)

    monkeypatch.setattr(screen, "_draw", spy)
    screen.name.value = "Kế hoạch A"  # a plan not yet in the store
    comparison = screen.run()
    kinds = [kind for kind, _ in seen]
    assert kinds[-1] == "final" and "preliminary" in kinds
    done = [n for kind, n in seen if kind == "preliminary"]
    assert done == sorted(done) and 0 < done[0] < REPS
    assert 0 < screen.timings["first_answer_s"] <= screen.timings["final_answer_s"]
    assert comparison is not None


def test_the_preliminary_answer_pairs_the_same_runs(screen: PlannerScreen, monkeypatch) -> None:
    """Over the runs finished so far, the plan against the baseline's same replications."""
    tables = []
    draw = screen._draw

    def spy(kind, state):
        if kind == "preliminary":
            tables.append(state[0])
        draw(kind, state)

    monkeypatch.setattr(screen, "_draw", spy)
    screen.name.value = "Kế hoạch B"  # a plan not yet in the store
    comparison = screen.run()
    table = tables[0]
    done = int(table["reps"].iloc[0])
    runs = {label: result.replications.iloc[:done] for label, result in comparison.results.items()}
    expected = paired_table(runs)
    assert table[["measure", "value", "difference"]].equals(
        expected[["measure", "value", "difference"]]
    )


def test_the_baseline_runs_once_and_the_same_run_reads_the_store(
    screen: PlannerScreen, monkeypatch
) -> None:
    calls: list[str] = []
    real = screen_module.run_ensemble

    def counting(scenario, *args, **kwargs):
        calls.append(scenario.name)
        return real(scenario, *args, **kwargs)

    monkeypatch.setattr(screen_module, "run_ensemble", counting)
    screen.prepare()
    screen.run()
    screen.run()
    assert calls.count("baseline") == 1
    assert "lấy lại từ kết quả đã lưu" in screen.status.value


def test_no_measure_or_a_bad_date_is_one_line_on_the_screen(screen: PlannerScreen) -> None:
    for row in screen.rows.values():
        row.ticked.value = False
    assert screen.run() is None
    assert "Chưa chọn giải pháp nào" in _answer_text(screen)
    row = screen.rows["propaganda"]
    row.ticked.value = True
    row.start.value = date(2040, 1, 1)
    assert screen.run() is None
    text = _answer_text(screen)
    assert text.startswith("Không chạy được") or "Không chạy được" in text
    assert "Traceback" not in text


def test_every_label_follows_the_language(screen: PlannerScreen) -> None:
    assert screen.run_button.description == "Chạy mô phỏng"
    assert screen.rows["propaganda"].ticked.description == "Tuyên truyền, giáo dục về Đảng"
    options = dict(screen.rows["propaganda"].villages.options)
    assert all(not name.startswith("V0") for name in options)  # names, ids behind them
    assert "(placeholder)" not in " ".join(options)  # as the figures name them
    screen.run()
    screen.language.set("en")
    assert screen.run_button.description == "Run"
    assert screen.name.value == "My plan"  # the default name follows the language
    assert screen.rows["propaganda"].ticked.description == "Propaganda and education"
    assert "With “My plan”" in _answer_text(screen) or "Full answer" in screen.status.value


def test_the_full_answer_has_figures_and_a_pdf_briefing(screen: PlannerScreen) -> None:
    screen.run()
    images = [o for o in screen.answer.outputs if "image/png" in o.get("data", {})]
    assert len(images) == 3
    href = screen.download.value.split('href="', 1)[1].split('"', 1)[0]
    assert href.startswith("data:application/pdf;base64,")
    assert base64.b64decode(href.split(",", 1)[1]).startswith(b"%PDF")
    assert 'download="Ke-hoach-cua-toi-vi.pdf"' in screen.download.value
