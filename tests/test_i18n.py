"""The translation table and the number and date formats of each language."""

from __future__ import annotations

import ast
import unicodedata
from datetime import date
from pathlib import Path

import pytest

from sim.presentation.i18n import (
    LANGUAGES,
    NBSP,
    TEXT,
    date_text,
    fields_of,
    interval,
    month_name,
    month_year,
    number,
    percent,
    scenario_label,
    smart_number,
    t,
)

PLOTS = Path(__file__).resolve().parents[1] / "sim" / "presentation" / "plots"
BRIEFING = Path(__file__).resolve().parents[1] / "sim" / "presentation" / "briefing.py"


def test_every_key_has_every_language_with_the_same_fields() -> None:
    for key, entry in TEXT.items():
        assert set(entry) == set(LANGUAGES), key
        assert all(text.strip() for text in entry.values()), key
        fields = fields_of(key)
        assert fields["vi"] == fields["en"], key


def test_vietnamese_is_composed_unicode() -> None:
    """Decomposed diacritics (e + combining marks) render badly in some fonts and viewers."""
    for key, entry in TEXT.items():
        assert unicodedata.is_normalized("NFC", entry["vi"]), key


@pytest.mark.parametrize(
    ("key", "fields", "expected"),
    [
        ("fan.title", {}, "Kết nạp đảng viên mới mỗi năm"),
        ("status.white", {}, "Bản trắng đảng viên"),
        ("status.joint", {}, "Sinh hoạt ghép"),
        ("status.own_cell", {}, "Có chi bộ riêng"),
        ("fan.target", {"low": 7, "high": 8}, "Chỉ tiêu 7–8 đảng viên/năm"),
        ("probability", {}, "Xác suất"),
        ("ci95", {}, f"Khoảng tin cậy 95{NBSP}%"),
        ("place.home", {}, "Ở địa phương"),
        ("place.away", {}, "Đi làm ăn xa"),
        ("place.military", {}, "Đi nghĩa vụ quân sự"),
        ("youth.title", {}, "Thanh niên 16–30 tuổi của xã đang ở đâu"),
        ("stage.waiting_vote", {}, "Chờ chi bộ xét, biểu quyết"),
        ("stage.waiting_decision", {}, "Chờ cấp ủy ra quyết định"),
        ("stage.waiting_ceremony", {}, "Chờ lễ kết nạp"),
        ("reason.vote", {}, "Chi bộ biểu quyết không đạt 2/3"),
        ("reason.file", {}, "Thiếu người giới thiệu, quá tuổi"),
    ],
)
def test_committee_wording(key: str, fields: dict, expected: str) -> None:
    assert t(key, "vi", **fields) == expected


def test_every_pipeline_step_and_reason_has_a_label() -> None:
    """The pipeline figure names every step the model records and every reason group."""
    from sim.model.population import STAGES as MODEL_STAGES
    from sim.presentation.plots.pipeline import REASONS, STAGES

    assert set(STAGES) == set(MODEL_STAGES) - {"none"}
    for key in [f"stage.{s}" for s in STAGES] + [f"reason.{g}" for g in REASONS]:
        assert set(TEXT[key]) == set(LANGUAGES), key


def test_unknown_key_and_language_are_errors_not_fallbacks() -> None:
    with pytest.raises(KeyError):
        t("no.such.key", "vi")
    with pytest.raises(ValueError, match="unknown language"):
        t("fan.title", "fr")


def test_numbers_decimal_comma_in_vietnamese() -> None:
    assert number(1234.5, "vi", 1) == "1.234,5"
    assert number(1234.5, "en", 1) == "1,234.5"
    assert number(-3, "vi") == "−3"
    assert number(float("nan"), "en") == "–"
    assert smart_number(6.5, "vi") == "6,5"
    assert smart_number(7.0, "vi") == "7"
    assert smart_number(14.5, "en") == "14.5"


def test_percent_and_intervals_round_outwards() -> None:
    assert percent(0.454, "vi") == f"45{NBSP}%"
    assert percent(0.001, "en") == f"<1{NBSP}%"
    assert percent(0.999, "en") == f">99{NBSP}%"
    assert interval(0.2553, 0.3662, "vi") == ("25", f"37{NBSP}%")


def test_month_names_and_dates() -> None:
    assert [month_name(m, "vi") for m in (1, 12)] == ["Thg 1", "Thg 12"]
    assert month_name(3, "vi", short=False) == "tháng 3"
    assert month_name(3, "en") == "Mar"
    assert month_name(3, "en", short=False) == "March"
    assert month_year(date(2018, 3, 1), "vi") == "Thg 3/2018"
    assert month_year("2018-03-01", "en") == "Mar 2018"
    assert date_text(date(2020, 12, 31), "vi") == "31/12/2020"
    assert date_text(date(2020, 12, 31), "en") == "31 Dec 2020"
    with pytest.raises(ValueError):
        month_name(13, "vi")


def test_scenario_labels_follow_the_forecast_conventions() -> None:
    assert scenario_label("baseline", "vi") == "Giữ nguyên như hiện nay"
    assert scenario_label("resolution-2015", "vi") == "Thực hiện Nghị quyết 2015"
    assert scenario_label("resolution-2015", "en") == "Resolution 2015 measures"
    assert scenario_label("stronger-early", "vi") == "stronger-early"


_WORDING_CALLS = {"set_title", "set_xlabel", "set_ylabel", "suptitle", "supxlabel", "text"}


def test_no_wording_outside_the_translation_table() -> None:
    """Plotting code passes no literal words to titles, labels or text: all come from TEXT."""
    offenders = []
    for path in [*sorted(PLOTS.glob("*.py")), BRIEFING]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            if node.func.attr not in _WORDING_CALLS:
                continue
            for arg in node.args:
                literal = isinstance(arg, ast.Constant) and isinstance(arg.value, str)
                if literal and any(ch.isalpha() for ch in arg.value):
                    offenders.append(f"{path.name}:{node.lineno}: {arg.value!r}")
            for keyword in node.keywords:
                value = keyword.value
                if keyword.arg == "label" and isinstance(value, ast.Constant):
                    offenders.append(f"{path.name}:{node.lineno}: label={value.value!r}")
    assert offenders == []
