"""An observed figure in words, with its date, in Vietnamese or English.

Why a module of its own: the heat map of :mod:`sim.presentation.analysis_plots`, the
predictive-check panels of :mod:`sim.presentation.validation_plots` and the researcher
tables of :mod:`sim.presentation.research_tables` all name the figures of
``observed.csv`` (keys ``metric@date`` or ``metric@from..to``, as
:mod:`sim.analysis.observed` writes them), and must name them alike; with the words
here, none of them has to import another for them.
"""

from __future__ import annotations

from datetime import date, timedelta

from sim.presentation.i18n import TEXT, date_text, t


def metric_label(metric: str, lang: str) -> str:
    """An observed metric (:mod:`sim.analysis.observed`) in words; an unknown metric by its name."""
    if f"observed.{metric}" in TEXT:
        return t(f"observed.{metric}", lang)
    if metric.startswith("admissions_min_education_"):
        level = metric.removeprefix("admissions_min_education_")
        if f"education.{level}" in TEXT:
            return t("observed.admissions_min_education", lang, level=t(f"education.{level}", lang))
    elif metric.startswith("admissions_"):
        group = metric.removeprefix("admissions_")
        if f"group.{group}" in TEXT:
            return t("observed.admissions_group", lang, group=t(f"group.{group}", lang))
    return metric


def _period(start: date, end: date, lang: str) -> str:
    """A date, a calendar year, a quarter, or a range of dates."""
    if start == end:
        return date_text(start, lang)
    if start.year == end.year and (start.month, start.day, end.month, end.day) == (1, 1, 12, 31):
        return t("ident.year", lang, year=start.year)
    month_end = date(end.year + end.month // 12, end.month % 12 + 1, 1) - timedelta(days=1)
    whole_quarter = start.day == 1 and start.month in (1, 4, 7, 10) and end == month_end
    if whole_quarter and (end.year, end.month) == (start.year, start.month + 2):
        q = (start.month - 1) // 3 + 1
        # Vietnamese writes quarters in Roman numerals (quý I/2017), English as Q1 2017
        quarter = ("I", "II", "III", "IV")[q - 1] if lang == "vi" else str(q)
        return t("ident.quarter", lang, quarter=quarter, year=start.year)
    return f"{date_text(start, lang)}–{date_text(end, lang)}"


def figure_label(key: str, lang: str) -> str:
    """An observed figure's key (``metric@date`` or ``metric@from..to``) in words, with its date.

    ``population@2022-07-01`` -> ``Dân số đang ở địa phương, 01/07/2022`` (vi) or
    ``Residents living at home, 1 Jul 2022`` (en).
    """
    metric, _, when = key.partition("@")
    if not when:
        return metric_label(metric, lang)
    start, _, end = when.partition("..")
    period = _period(date.fromisoformat(start), date.fromisoformat(end or start), lang)
    return f"{metric_label(metric, lang)}, {period}"
