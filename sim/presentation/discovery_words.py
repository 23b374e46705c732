"""A discovery in words: the committee's sentence and the table, in Vietnamese and English.

:mod:`sim.analysis.discovery` finds the ranges of the uncertain parameters
in which a plan fails most; this module says them as a committee reads
them: "The plan … misses the target … in 40 % of runs; it fails mainly when
… is above 48 % and … is below 0.0077 a year (these cover 40 % of failures;
within them the plan fails 77 % of the time)". Every word comes from
:mod:`sim.presentation.i18n` (``disc.*`` keys); parameters are named by their
``param.<name>`` translation, else (English only) by the commune's
``parameters.csv`` description, else by their name. Values are written as
each parameter's kind reads (:data:`sim.inputs.parameters.REQUIRED_PARAMETERS`):
probabilities as percentages, rates with their unit, in each language's
number format. Nothing here knows a commune.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path
from typing import Any

from sim.analysis.discovery import DiscoveryResult
from sim.analysis.discovery_boxes import (
    ALWAYS_FAILS,
    BOX,
    FEW_FAILURES,
    FEW_SUCCESSES,
    NEVER_FAILS,
    NO_BOX,
    NOTHING_VARIES,
)
from sim.inputs.parameters import REQUIRED_PARAMETERS
from sim.presentation.i18n import (
    NBSP,
    TEXT,
    check_language,
    parameters_text,
    percent,
    scenario_label,
    t,
)
from sim.presentation.tables import wording_fields

#: The sentence of each outcome that has no box.
_NO_BOX_KEYS = {
    NEVER_FAILS: "disc.never",
    ALWAYS_FAILS: "disc.always",
    FEW_FAILURES: "disc.few_failures",
    FEW_SUCCESSES: "disc.few_successes",
    NOTHING_VARIES: "disc.nothing_varies",
    NO_BOX: "disc.no_box",
}


# -- parameters and their values ----------------------------------------------------------


def parameter_name(name: str, lang: str, descriptions: dict[str, str] | None = None) -> str:
    """A parameter in words: its translation, else (English) its ``parameters.csv``
    description, else its name."""
    check_language(lang)
    if f"param.{name}" in TEXT:
        return t(f"param.{name}", lang)
    if lang == "en" and descriptions and descriptions.get(name):
        return descriptions[name]
    return name


def parameter_unit(name: str, lang: str) -> str:
    """The unit a parameter's values are read in (``""`` when the value says it: a percentage,
    a multiplier)."""
    kind = REQUIRED_PARAMETERS.get(name, ("",))[0]
    if kind in ("probability", "multiplier", "count", ""):
        return ""
    return t(f"kind.{kind}", lang) if f"kind.{kind}" in TEXT else ""


def value_text(name: str, value: float, lang: str, digits: int = 2, unit: bool = True) -> str:
    """A parameter's value as its kind reads: ``48 %``, ``3,5 %`` (probabilities), ``0,0077
    mỗi năm`` (rates; without ``unit``, ``0,0077``), ``1,8`` (multipliers), with ``digits``
    significant digits."""
    kind = REQUIRED_PARAMETERS.get(name, ("",))[0]
    if kind == "probability":
        return f"{_significant(value * 100, digits, lang)}{NBSP}%"
    words = parameter_unit(name, lang) if unit else ""
    text = _significant(value, digits, lang)
    return f"{text} {words}" if words else text


def range_text(name: str, low: float, high: float, lang: str) -> str:
    """A range with its unit once: ``48–100 %``, ``0,0053–0,060 mỗi năm``."""
    a, b = _range_texts(name, low, high, lang, unit=False)
    kind = REQUIRED_PARAMETERS.get(name, ("",))[0]
    if kind == "probability":
        return f"{a.removesuffix(f'{NBSP}%')}–{b}"
    words = parameter_unit(name, lang)
    return f"{a}–{b} {words}" if words else f"{a}–{b}"


def _significant(value: float, digits: int, lang: str) -> str:
    """``value`` with ``digits`` significant digits (whole numbers kept whole), in ``lang``'s
    number format; never in exponent form."""
    if value != value:
        return "–"
    if value == 0:
        return "0"
    magnitude = math.floor(math.log10(abs(value)))
    decimals = max(0, digits - 1 - magnitude)
    text = f"{value:,.{decimals}f}"
    if lang == "vi":
        text = text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    return text.replace("-", "−")


def _range_texts(
    name: str, low: float, high: float, lang: str, unit: bool = True
) -> tuple[str, str]:
    """The two ends in words, with as many digits as it takes to tell them apart."""
    for digits in (2, 3, 4):
        a = value_text(name, low, lang, digits, unit)
        b = value_text(name, high, lang, digits, unit)
        if a != b:
            return a, b
    return a, b


def condition(row: Any, lang: str, descriptions: dict[str, str] | None = None) -> str:
    """One restricted parameter as a clause: ``… is above 48 %`` / ``… trên 48 %``."""
    words = _lower_first(parameter_name(str(row["parameter"]), lang, descriptions))
    limited = str(row["limited"])
    if limited == "low":
        return t(
            "disc.above", lang, name=words, value=value_text(row["parameter"], row["low"], lang)
        )
    if limited == "high":
        return t(
            "disc.below", lang, name=words, value=value_text(row["parameter"], row["high"], lang)
        )
    low, high = _range_texts(str(row["parameter"]), float(row["low"]), float(row["high"]), lang)
    return t("disc.between", lang, name=words, low=low, high=high)


def conditions(rows: Any, lang: str, descriptions: dict[str, str] | None = None) -> str:
    """The box's clauses joined as a sentence reads them (``A, B and C``; semicolons when a
    parameter's name holds a comma)."""
    clauses = [condition(row, lang, descriptions) for _, row in rows.iterrows()]
    if len(clauses) == 1:
        return clauses[0]
    separator = "; " if any("," in clause for clause in clauses) else ", "
    last = t("disc.and", lang)
    if separator == "; ":
        last = f";{last}"
    return separator.join(clauses[:-1]) + last + clauses[-1]


def _lower_first(text: str) -> str:
    """``Tỷ lệ …`` -> ``tỷ lệ …`` (an acronym such as ``UBND`` keeps its capitals)."""
    if len(text) > 1 and text[1].isupper():
        return text
    return text[:1].lower() + text[1:]


# -- the sentence ---------------------------------------------------------------------------


def plan_label(result: DiscoveryResult, lang: str) -> str:
    """The plan's name for readers (the forecast's conventional names in words)."""
    return scenario_label(str(result.summary.get("scenario", "?")), lang)


def target_label(result: DiscoveryResult, lang: str) -> str:
    """The target in words, with its years and horizon (``target.<key>``)."""
    fields = wording_fields(result.manifest.get("targets", {}), lang)
    return t(f"target.{result.target}", lang, **fields)


def descriptions_of(result: DiscoveryResult) -> dict[str, str]:
    """The commune's ``parameters.csv`` descriptions, by name (empty if the file is not found)."""
    commune = (result.manifest.get("scenario") or {}).get("commune") or {}
    folder = commune.get("path")
    if not folder:
        return {}
    candidates = [Path(folder)]
    scenario_file = result.manifest.get("scenario_file")
    if scenario_file:
        candidates.append(Path(scenario_file).parent / folder)
    for candidate in candidates:
        path = candidate / "parameters.csv"
        if path.is_file():
            try:
                with path.open(encoding="utf-8", newline="") as f:
                    return {row["name"]: row.get("description", "") for row in csv.DictReader(f)}
            except (OSError, KeyError, csv.Error):
                return {}
    return {}


def discovery_sentence(result: DiscoveryResult, lang: str) -> str:
    """What a committee reads: how often the plan fails, and mainly when (or why nothing can
    be said)."""
    check_language(lang)
    fields = {
        "plan": plan_label(result, lang),
        "target": target_label(result, lang),
        "reps": result.reps,
        "failures": result.failures,
        "base": percent(result.base_rate, lang),
        "least": int(result.summary.get("min_cases", 10)),
        "threshold": percent(result.threshold, lang),
    }
    if result.status != BOX:
        return t(_NO_BOX_KEYS[result.status], lang, **fields)
    box = result.box(1)
    first = box.iloc[0]
    return t(
        "disc.sentence",
        lang,
        **fields,
        conditions=conditions(box, lang, descriptions_of(result)),
        coverage=percent(float(first["coverage"]), lang),
        density=percent(float(first["density"]), lang),
    )


def parameters_line(result: DiscoveryResult, lang: str, short: bool = False) -> str:
    """Where the runs' parameters came from: the calibration, a posterior, or the priors."""
    record = result.manifest.get("parameters") or {}
    if record.get("kind") == "prior":
        key = "disc.source.prior" if short else "disc.params.prior"
        return t(key, lang)
    return parameters_text(record, lang, short=short)


# -- the table ------------------------------------------------------------------------------


def discovery_rows(result: DiscoveryResult, lang: str) -> list[dict[str, str]]:
    """The table in words: one row per box and restricted parameter (the box's figures on its
    first row)."""
    descriptions = descriptions_of(result)
    rows = []
    for number, box in result.table.groupby("box", sort=True):
        for i, (_, row) in enumerate(box.iterrows()):
            name = str(row["parameter"])
            rows.append(
                {
                    "box": str(number) if i == 0 else "",
                    "coverage": percent(float(row["coverage"]), lang) if i == 0 else "",
                    "density": percent(float(row["density"]), lang) if i == 0 else "",
                    "mass": percent(float(row["mass"]), lang) if i == 0 else "",
                    "runs": str(int(row["runs"])) if i == 0 else "",
                    "parameter": parameter_name(name, lang, descriptions),
                    "range": range_text(name, float(row["low"]), float(row["high"]), lang),
                    "full": range_text(name, float(row["full_low"]), float(row["full_high"]), lang),
                }
            )
    return rows


_COLUMNS = ("box", "coverage", "density", "mass", "runs", "parameter", "range", "full")


def discovery_text(result: DiscoveryResult, lang: str = "en") -> str:
    """What ``python -m sim discover`` prints: the header, the table, the notes, the sentence."""
    check_language(lang)
    lines = [
        t(
            "disc.header",
            lang,
            plan=plan_label(result, lang),
            target=target_label(result, lang),
            reps=result.reps,
            seed=result.summary.get("seed", "?"),
        ),
        parameters_line(result, lang),
        t(
            "disc.base",
            lang,
            base=percent(result.base_rate, lang),
            failures=result.failures,
            reps=result.reps,
            threshold=percent(result.threshold, lang),
        ),
        "",
    ]
    rows = discovery_rows(result, lang)
    if rows:
        header = {key: t(f"disc.col.{key}", lang) for key in _COLUMNS}
        widths = {key: max(len(header[key]), *(len(row[key]) for row in rows)) for key in _COLUMNS}
        right = {"coverage", "density", "mass", "runs"}

        def line(row: dict[str, str]) -> str:
            cells = [
                row[key].rjust(widths[key]) if key in right else row[key].ljust(widths[key])
                for key in _COLUMNS
            ]
            return "  ".join(cells).rstrip()

        lines += [line(header), *(line(row) for row in rows), "", t("disc.legend", lang), ""]
    lines.append(discovery_sentence(result, lang))
    return "\n".join(lines) + "\n"
