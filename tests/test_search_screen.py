"""The "what does it take?" screen, as a planner uses it: tick measures, choose a chance, Search.

Checks what the person sees: the progress bar counting the runs spent, the
answer saying how sure it is in Vietnamese and then in English, the chosen
mix in the measures' own names, when the plan fails (the scenario-discovery
sentence and figure), and one line when nothing is ticked.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sim.presentation.language_switch import Language
from sim.presentation.search_screen import SearchScreen
from tests.ensemble_support import short_scenario

ASSIGN = "standing_committee_assignment"


def _text(screen: SearchScreen) -> str:
    parts = []
    for output in screen.answer.outputs:
        data = output.get("data", {})
        for mime in ("text/html", "text/markdown", "text/plain"):
            if mime in data:
                parts.append(re.sub(r"<[^>]+>", " ", str(data[mime])))
                break
    return "\n".join(parts)


@pytest.fixture(scope="module")
def searched(tmp_path_factory) -> SearchScreen:
    scenario = short_scenario("resolution-2015")
    language = Language("vi")
    screen = SearchScreen(
        scenario,
        ticked=[ASSIGN],
        target="admissions_term_mean_meets_target",
        p=0.5,
        reps=3,
        trials=3,
        step=1.0,
        budget=30,
        discover_reps=12,
        seed=4,
        out=tmp_path_factory.mktemp("search") / "results",
        workers=1,
        language=language,
    )
    assert screen.run() is not None
    return screen


def test_the_answer_says_how_sure_it_is_in_vietnamese_then_english(searched) -> None:
    result = searched.result
    assert searched.progress.value == result.manifest["runs_spent"] > 0
    assert f"Đã dùng {result.manifest['runs_spent']} lần mô phỏng" in searched.status.value
    page = _text(searched)
    assert re.search(
        r"Đạt 50\u00a0% với độ tin cậy 95\u00a0%|Có thể đạt 50\u00a0%|Có thể không đạt|"
        r"Chưa tổ hợp nào|Không tổ hợp nào",
        page,
    ), page
    if result.best is not None:
        fresh = result.best.fresh
        assert f"trên {fresh.runs} lần mô phỏng mới" in page
        label = result.space.scenario.commune.measures[ASSIGN].label
        assert label["vi"] in page
    assert "không đạt chỉ tiêu khi nào?" in page  # the scenario-discovery heading
    assert any("image/png" in o.get("data", {}) for o in searched.answer.outputs)
    searched.language.set("en")
    english = _text(searched)
    assert re.search(r"Reaches 50\u00a0%|Probably reaches|May not reach|No mix tried", english)
    assert searched.button.description == "Search"
    assert re.search(r"When does (the chosen plan|the plan as written) fail\?", english)
    searched.language.set("vi")


def test_nothing_ticked_is_one_line(tmp_path: Path) -> None:
    screen = SearchScreen(
        short_scenario("resolution-2015"), out=tmp_path, workers=1, language=Language("en")
    )
    assert screen.run() is None
    assert _text(screen).strip() == "Tick at least one measure."
