"""A plan the user named ("Kế hoạch của tôi") keeps its name in summary.md, the HTML and the
PDF: nothing slugs it (only its run folder's name is made folder-safe) or drops it."""

from __future__ import annotations

import dataclasses
import json
import re

import pytest

import sim
from sim.presentation.briefing import write_briefing
from sim.presentation.briefing_html import briefing_html
from sim.presentation.briefing_pdf import briefing_pdf
from tests.ensemble_support import short_scenario
from tests.plot_support import real_ensembles
from tests.test_briefing_html import Page
from tests.test_briefing_pdf import pdf_info, pdf_lines, pdf_text

PLAN = "Kế hoạch của tôi"


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> list:
    """The baseline and the resolution renamed as the user's own plan (4 runs each)."""
    scenario = dataclasses.replace(short_scenario("resolution-2015"), name=PLAN)
    plan = sim.run_ensemble(
        scenario, 4, 11, backend="local", workers=1, out=tmp_path_factory.mktemp("plan"), quiet=True
    )
    return [real_ensembles()[0], plan]


@pytest.fixture(scope="module")
def briefing(results: list, tmp_path_factory: pytest.TempPathFactory):
    return write_briefing(results, tmp_path_factory.mktemp("briefing-plan"), "vi", dpi=30)


def test_the_run_is_stored_under_the_name_given(results: list) -> None:
    plan = results[1]
    assert plan.manifest["scenario"]["name"] == PLAN
    assert PLAN not in str(plan.path)  # the folder is made folder-safe, the name is not


def test_summary_md_says_the_plan_by_its_name(briefing) -> None:
    text = briefing.summary_md.read_text(encoding="utf-8")
    assert f"- {PLAN}: khả năng năm nào cũng kết nạp được ít nhất 7" in text
    assert f"| Chỉ tiêu | Giữ nguyên như hiện nay | {PLAN} |" in text
    assert f"kịch bản Giữ nguyên như hiện nay, {PLAN}: mỗi kịch bản 4 lần mô phỏng" in text
    provenance = json.loads(re.search(r"<!-- provenance: (.*) -->", text).group(1))
    assert [s["scenario"] for s in provenance["scenarios"]] == ["baseline", PLAN]
    index = json.loads(briefing.manifest.read_text(encoding="utf-8"))
    assert index["table"][0][-1] == PLAN


def test_the_html_says_the_plan_by_its_name(briefing, results: list) -> None:
    for text in (briefing.html(embed_pdf=False), briefing_html(results, "en", pdf=False)):
        page = Page(text)
        assert f"{PLAN}: " in page.text
        headers = [i for i, (tag, _) in enumerate(page.tags) if tag == "th"]
        assert len(headers) == 3
    assert f"{PLAN}: the chance of admitting at least 7" in page.text


def test_the_pdf_says_the_plan_by_its_name(briefing, results: list) -> None:
    lines = [line for page in pdf_lines(briefing.pdf.read_bytes()) for line in page]
    assert PLAN in lines  # the table's header cell, whole
    assert any(line.startswith(f"{PLAN}: khả năng năm nào cũng") for line in lines)
    record = json.loads(pdf_info(briefing.pdf.read_bytes())["Keywords"])
    assert [s["scenario"] for s in record["scenarios"]] == ["baseline", PLAN]
    english = pdf_text(briefing_pdf(results, "en", dpi=20))
    assert f"{PLAN}: the chance of admitting at least 7" in english
