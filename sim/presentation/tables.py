"""Results as tables a reader can read: targets in words, chances as percentages, in vi or en.

Why: the command line prints monospace text for researchers (``pts``,
``Tango score``); a planner in a notebook or a committee member on the app
reads a table whose rows are the targets as the resolution words them,
whose columns are the plans by the names people gave them, and whose cells
say a chance and its interval the way they are written in their language.
Every word comes from :mod:`sim.presentation.i18n`; every number from the same tables
the command line prints (:func:`sim.analysis.comparison.paired_table`,
``summary.json``), so the two can never disagree.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from sim.experiments.ensemble import EnsembleResult
from sim.inputs.parameters import REQUIRED_PARAMETERS
from sim.model.targets import TARGET_KEYS
from sim.presentation.i18n import (
    NBSP,
    TEXT,
    date_text,
    month_name,
    number,
    percent,
    scenario_label,
    smart_number,
    t,
    years_text,
)


def display_name(name: str) -> str:
    """A village's or cell's name as readers see it: ``Bản 1 (placeholder)`` -> ``Bản 1``.

    The data mark names no source gives as placeholders; the mark is for the
    data's readers, not the committee's (figures, tables and the screen all
    show names through here, so they agree).
    """
    return name.replace("(placeholder)", "").strip()


def target_words(targets: dict[str, Any], lang: str) -> dict[str, str]:
    """Each target key's name (``target.<key>``) with this ensemble's thresholds and years."""
    fields = wording_fields(targets, lang)
    return {key: t(f"target.{key}", lang, **fields) for key in TARGET_KEYS}


def forecast_table(result: EnsembleResult, lang: str) -> pd.DataFrame:
    """One ensemble's chance of each target with its 95 % interval, and its admissions a year."""
    targets = result.manifest.get("targets", {})
    names = target_words(targets, lang)
    rows = {}
    for key in TARGET_KEYS:
        p, low, high = result.probability(key)
        rows[names[key]] = {
            t("table.chance", lang): percent(p, lang),
            t("table.interval", lang): _percent_interval(low, high, lang),
        }
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name = t("table.target", lang)
    return table


def admissions_table(result: EnsembleResult, lang: str) -> pd.DataFrame:
    """Admissions in each year of the term: the mean, the median and where 9 runs in 10 fall."""
    rows = {}
    for year, stats in result.summary["admissions_by_year"].items():
        rows[t("table.admissions_year", lang, year=year)] = {
            t("table.mean", lang): number(stats["mean"], lang, 1),
            t("median", lang): number(stats["p50"], lang, 1 if stats["p50"] % 1 else 0),
            t("table.range90", lang): f"{number(stats['p05'], lang)}–{number(stats['p95'], lang)}",
        }
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name = t("year", lang)
    return table


def comparison_view(
    table: pd.DataFrame,
    targets: dict[str, Any],
    lang: str,
    names: dict[str, str] | None = None,
) -> pd.DataFrame:
    """The comparison table (:data:`sim.analysis.comparison.COLUMNS`) as a reader's table.

    One row per target (and the two means), one column per scenario (its
    value with a 95 % interval), then one column per later scenario with its
    change against the first (paired 95 % interval). ``targets`` is an
    ensemble manifest's ``targets`` record (thresholds, years, horizon);
    ``names`` maps the table's scenario labels to what to show (default: the
    readable name of :func:`sim.presentation.i18n.scenario_label`).
    """
    labels = list(dict.fromkeys(table.sort_values("order", kind="stable")["scenario"]))
    shown = {label: (names or {}).get(label) or scenario_label(label, lang) for label in labels}
    words = {**target_words(targets, lang), **_mean_words(targets, lang)}
    reference = shown[labels[0]]
    rows = {}
    for key, wording in words.items():
        part = table[table["measure"] == key].set_index("scenario")
        row = {}
        for label in labels:
            entry = part.loc[label]
            row[shown[label]] = _value(entry, lang)
        for label in labels[1:]:
            entry = part.loc[label]
            row[t("table.change", lang, reference=reference) + _suffix(shown[label], labels)] = (
                _change(entry, lang)
            )
        rows[wording] = row
    view = pd.DataFrame.from_dict(rows, orient="index")
    view.index.name = t("table.target", lang)
    return view


def _suffix(name: str, labels: list[str]) -> str:
    """With one plan the change column needs no name; with several it names the plan."""
    return "" if len(labels) == 2 else f": {name}"


def _value(entry: pd.Series, lang: str) -> str:
    if entry["kind"] == "probability":
        return t(
            "table.value_interval",
            lang,
            value=percent(entry["value"], lang),
            low=whole_percent(entry["low"], down=True),
            high=whole_percent(entry["high"], down=False) + f"{NBSP}%",
        )
    if entry["low"] != entry["low"]:
        return number(entry["value"], lang, 2)
    return t(
        "table.value_interval",
        lang,
        value=number(entry["value"], lang, 2),
        low=number(entry["low"], lang, 2),
        high=number(entry["high"], lang, 2),
    )


def _change(entry: pd.Series, lang: str) -> str:
    if entry["kind"] == "probability":
        return t(
            "table.change_points",
            lang,
            value=signed_points(entry["difference"]),
            low=signed_points(entry["difference_low"], rounding=math.floor),
            high=signed_points(entry["difference_high"], rounding=math.ceil),
        )
    return t(
        "table.change_number",
        lang,
        value=_signed_number(entry["difference"], lang),
        low=_signed_number(entry["difference_low"], lang),
        high=_signed_number(entry["difference_high"], lang),
    )


def signed_points(difference: float, rounding: Any = round) -> str:
    """A difference of chances in whole percentage points: ``+12``, ``−3``, ``0``.

    Interval ends are rounded outwards (``rounding=math.floor`` for the lower
    end, ``math.ceil`` for the upper), so a printed interval never claims more
    certainty than the computed one.
    """
    if difference != difference:
        return "–"
    shift = 1e-9 if rounding is math.floor else -1e-9 if rounding is math.ceil else 0.0
    points = int(rounding(difference * 100 + shift))
    return f"+{points}" if points > 0 else f"−{-points}" if points < 0 else "0"


def _signed_number(value: float, lang: str) -> str:
    if value != value:
        return "–"
    text = number(abs(value), lang, 2)
    return f"+{text}" if value > 0 else f"−{text}" if value < 0 else text


def _percent_interval(low: float, high: float, lang: str) -> str:
    return f"{whole_percent(low, down=True)}–{whole_percent(high, down=False)}{NBSP}%"


def whole_percent(p: float, down: bool) -> str:
    """A bound as a whole percentage, rounded outwards and kept within 0–100."""
    value = math.floor(p * 100 + 1e-9) if down else math.ceil(p * 100 - 1e-9)
    return str(min(100, max(0, value)))


def wording_fields(targets: dict[str, Any], lang: str) -> dict[str, Any]:
    """The fields target wordings use (``{min}``, ``{years}``, ...) from a manifest's targets."""
    horizon = targets.get("horizon")
    return {
        "min": targets.get("admissions_per_year_min", "?"),
        "per_cell": targets.get("admissions_per_cell_per_year_min", "?"),
        "years": years_text(targets.get("target_years", [])),
        "term": years_text(targets.get("term_years", [])),
        "horizon": date_text(horizon, lang) if horizon else "?",
    }


def _mean_words(targets: dict[str, Any], lang: str) -> dict[str, str]:
    fields = wording_fields(targets, lang)
    return {
        "admissions_term_mean": t("table.admissions_mean", lang, term=fields["term"]),
        "white_villages_at_horizon": t("table.white_villages", lang, horizon=fields["horizon"]),
    }


# -- words shared by the notebooks' views --------------------------------------------------------


def month_text(when: Any, lang: str) -> str:
    """A month in a sentence: ``tháng 3/2018`` (vi) or ``March 2018`` (en)."""
    day = pd.Timestamp(when).date()
    name = month_name(day.month, lang, short=False)
    return f"{name}/{day.year}" if lang == "vi" else f"{name} {day.year}"


def short_number(value: float, lang: str) -> str:
    """A parameter's value as written (up to four significant digits): ``0,05``, ``19,12``."""
    if value != value:
        return "–"
    text = f"{float(value):.4g}"
    if "e" in text or (abs(value) >= 1000 and float(value).is_integer()):
        return number(float(value), lang, 0 if abs(value) >= 1 else 6)
    if lang == "vi":
        text = text.replace(".", ",")
    return text.replace("-", "−")


def chance_text(p: float, low: float, high: float, lang: str) -> str:
    """A chance with its 95 % interval, ``45 % (30–61 %)``: bounds rounded outwards, in 0–100 %."""
    return t(
        "table.value_interval",
        lang,
        value=percent(p, lang),
        low=whole_percent(low, down=True),
        high=whole_percent(high, down=False) + f"{NBSP}%",
    )


def parameter_words(name: str, lang: str) -> str:
    """A parameter in words (``param.<name>``); a parameter without a translation by its name."""
    return t(f"param.{name}", lang) if f"param.{name}" in TEXT else name


def parameter_unit(name: str, lang: str) -> str:
    kind = REQUIRED_PARAMETERS.get(name, ("",))[0]
    return t(f"kind.{kind}", lang) if f"kind.{kind}" in TEXT else ""


# -- the commune, the scenario and one run (quickstart) -----------------------------------------


def commune_text(commune: Any, lang: str) -> str:
    """The commune in one sentence: villages, cells, people and members at the data date."""
    return t(
        "nb.commune",
        lang,
        commune=commune.name,
        villages=len(commune.villages),
        cells=len(commune.cells),
        people=number(commune.population, lang),
        members=number(commune.party_members, lang),
        date=date_text(commune.data_date, lang),
    )


def village_table(commune: Any, lang: str) -> pd.DataFrame:
    """One row per village (by its name in ``villages.csv``): people, households, members."""
    rows = [
        {
            t("nb.village", lang): display_name(village.name),
            t("nb.population", lang): number(village.population, lang),
            t("nb.households", lang): number(village.households, lang),
            t("nb.village_members", lang): number(
                village.members_official + village.members_probationary, lang
            ),
        }
        for village in commune.villages
    ]
    return pd.DataFrame(rows).set_index(t("nb.village", lang))


def scenario_text(scenario: Any, lang: str) -> str:
    """A scenario in one sentence: its name in words, its measures and its period."""
    return t(
        "nb.scenario",
        lang,
        scenario=scenario_label(scenario.name, lang),
        n=len(scenario.interventions),
        start=date_text(scenario.start, lang),
        horizon=date_text(scenario.horizon, lang),
    )


def measures_table(scenario: Any, lang: str) -> pd.DataFrame:
    """A scenario's measures: the measure in words, its start, intensity and villages by name."""
    names = {village.id: display_name(village.name) for village in scenario.commune.villages}
    measures = scenario.commune.measures
    rows = [
        {
            t("screen.measure", lang): measures[item.measure].label[lang],
            t("screen.start", lang): date_text(item.start, lang),
            t("screen.intensity", lang): short_number(item.intensity, lang),
            t("nb.where", lang): ", ".join(names.get(v, v) for v in item.villages)
            if item.villages
            else t("nb.all_villages", lang),
        }
        for item in scenario.interventions
    ]
    return pd.DataFrame(rows).set_index(t("screen.measure", lang))


def run_admissions_table(admissions: pd.Series, lang: str) -> pd.DataFrame:
    """One run's admissions per year (:meth:`sim.model.results.RunResult.admissions_by_year`)."""
    index = pd.Index([str(year) for year in admissions.index], name=t("year", lang))
    values = [number(float(v), lang) for v in admissions.to_numpy()]
    return pd.DataFrame({t("fan.ylabel", lang): values}, index=index)


def ending_sentences(result: EnsembleResult, lang: str) -> list[str]:
    """When the last white village is eliminated, how often one is left, how many are left."""
    summary = result.summary
    horizon_date = result.manifest.get("targets", {}).get("horizon")
    horizon = date_text(horizon_date, lang) if horizon_date else "?"
    ending = summary["last_white_village_ends"]
    if ending.get("median") is None or ending.get("p05") is None:
        first = t("nb.no_last_white", lang, horizon=horizon)
    elif ending.get("p95") is None:
        first = t(
            "nb.last_white_open",
            lang,
            median=month_text(ending["median"], lang),
            early=month_text(ending["p05"], lang),
        )
    else:
        first = t(
            "nb.last_white",
            lang,
            median=month_text(ending["median"], lang),
            early=month_text(ending["p05"], lang),
            late=month_text(ending["p95"], lang),
        )
    low, high = ending["share_ci95"]
    still = t(
        "nb.still_white",
        lang,
        horizon=horizon,
        p=percent(ending["share_some_village_white"], lang),
        ci=t("ci95_inline", lang),
        low=whole_percent(low, down=True),
        high=whole_percent(high, down=False) + f"{NBSP}%",
    )
    white = summary["white_villages_at_horizon"]
    mean = t(
        "nb.white_mean",
        lang,
        horizon=horizon,
        mean=number(white["mean"], lang, 1),
        low=_count(white["p05"], lang),
        high=_count(white["p95"], lang),
    )
    return [first, still, mean]


def _count(value: float, lang: str) -> str:
    """A quantile of a count: never below 0, one decimal at most."""
    return smart_number(max(0.0, float(value)), lang)
