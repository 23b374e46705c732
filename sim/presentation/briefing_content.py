"""What a committee briefing says: every word and number of its summary, in one language.

Why apart from the files: the summary takes three forms, ``summary.md``
(:mod:`sim.presentation.briefing_markdown`), ``briefing.pdf`` (:mod:`sim.presentation.briefing_pdf`)
and the HTML of a notebook (:mod:`sim.presentation.briefing_html`), and they must say
the same. So the words are made once, here (:func:`briefing_contents`
returns a :class:`Contents`), from the ensembles alone; each renderer lays
them out and adds no words of its own, and :mod:`sim.presentation.briefing`, which
writes the briefing's folder, calls the renderers. Nothing here imports a
renderer: the words do not depend on how they are shown.

The words: the headline chances in plain words (one sentence per scenario
and goal, with its 95 % interval, and the typical admissions a year), where
the parameters came from (the commune's calibration or the assumed values),
a table of every target by scenario, why "every cell admits every year" is
rare, and the source line; with them, the provenance record every file
carries in its metadata.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from sim.experiments.ensemble import EnsembleResult
from sim.experiments.posterior import parameters_of
from sim.model.targets import TARGET_KEYS
from sim.presentation.i18n import (
    check_language,
    interval,
    parameters_text,
    percent,
    smart_number,
    t,
)
from sim.presentation.plots.data import (
    as_results,
    commune_facts,
    labels,
    provenance,
    source_line,
    target_fields,
)

#: The goals the headline sentences cover (the resolution's two headline goals).
HEADLINE_TARGETS = ("admissions_every_year_meet_target", "no_white_village_at_horizon")


@dataclass(frozen=True)
class Contents:
    """Every word and number of a briefing's summary, in one language.

    ``summary.md``, ``briefing.pdf`` and the HTML all say exactly these (so
    the sentences and the table's numbers are the same in each); ``record``
    is the provenance every file carries in its metadata.
    """

    lang: str
    title: str
    subtitle: str
    sentences: list[str]
    parameters: str
    table: list[list[str]]
    how_to_read: str
    cell_note: str
    source_line: str
    record: dict[str, Any]

    def as_json(self) -> dict[str, Any]:
        """The words for ``briefing.json`` (read back by :meth:`from_json`)."""
        return {
            "subtitle": self.subtitle,
            "sentences": self.sentences,
            "table": self.table,
            "how_to_read": self.how_to_read,
            "cell_note": self.cell_note,
        }

    @classmethod
    def from_json(cls, index: dict[str, Any]) -> Contents:
        """The contents recorded in a ``briefing.json``."""
        record = {key: index.get(key) for key in _RECORD_KEYS}
        return cls(
            lang=index["language"],
            title=index["title"],
            subtitle=index.get("subtitle", ""),
            sentences=list(index.get("sentences", [])),
            parameters=index.get("parameters", ""),
            table=[list(row) for row in index.get("table", [])],
            how_to_read=index.get("how_to_read", ""),
            cell_note=index.get("cell_note", ""),
            source_line=index.get("source_line", ""),
            record={**record, "figure": "summary"},
        )


#: What the provenance record holds (the summary's metadata, and briefing.json's head).
_RECORD_KEYS = (
    "figure",
    "language",
    "title",
    "parameters",
    "source_line",
    "scenarios",
    "delay",
    "made",
)


def headline_sentences(results: list[EnsembleResult], lang: str) -> list[str]:
    """The plain-words headline, one paragraph per scenario: the chance of each headline
    goal with its 95 % interval, and the typical admissions a year (median and the range
    of 9 runs in 10, over the target years)."""
    names = labels(results, lang)
    lines = []
    for result, name in zip(results, names, strict=True):
        fields = target_fields(result, lang)
        parts = []
        for key in HEADLINE_TARGETS:
            entry = result.summary[key]
            low, high = interval(*entry["ci95"], lang)
            parts.append(
                t(
                    "brief.sentence",
                    lang,
                    target=t(f"brief.phrase.{key}", lang, **fields),
                    p=percent(entry["p"], lang),
                    ci=t("ci95_inline", lang),
                    low=low,
                    high=high,
                )
            )
        years = result.manifest.get("targets", {}).get("target_years") or []
        table = result.years[result.years["year"].isin(years)] if years else result.years
        values = table["admissions"].to_numpy(dtype=float)
        p05, p50, p95 = np.quantile(values, [0.05, 0.5, 0.95]) if len(values) else (0, 0, 0)
        parts.append(
            t(
                "brief.median_sentence",
                lang,
                median=smart_number(p50, lang),
                low=smart_number(p05, lang),
                high=smart_number(p95, lang),
            )
        )
        lines.append(
            t(
                "brief.scenario_paragraph",
                lang,
                scenario=name,
                first=parts[0],
                second=parts[1],
                third=parts[2],
            )
        )
    return lines


def parameters_sentence(results: list[EnsembleResult], lang: str) -> str:
    """Where the scenarios' parameters came from, in one sentence.

    Scenarios compared on common random numbers draw the same particles:
    said once, then which scenario keeps which of its own values
    (``migration-low`` its migration rates). Ensembles of different origins
    are named one by one.
    """
    names = labels(results, lang)
    records = [parameters_of(r.manifest) for r in results]
    bases = [parameters_text(record, lang) for record in records]
    if len(set(bases)) > 1:
        return "; ".join(f"{name}: {base}" for name, base in zip(names, bases, strict=True))
    held = [
        t("params.held", lang, scenario=name, names=", ".join(record["held_at_scenario_values"]))
        for name, record in zip(names, records, strict=True)
        if record.get("held_at_scenario_values")
    ]
    return "; ".join([bases[0], *held])


def cell_target_note(results: list[EnsembleResult], lang: str) -> str:
    """Why "every cell admits every year" is rare, in words, from the ensembles' cell tables.

    The target needs every cell of the data in every target year at once:
    each scenario's share of cell-years reaching the quota, beside its chance
    of all of them, says why the second is so much lower than the first; the
    weakest cell (in the last scenario, the measures adopted) says where.
    """
    names = labels(results, lang)
    fields = target_fields(results[-1], lang)
    targets = results[-1].manifest.get("targets", {})
    cells, years = list(targets.get("cells", [])), list(targets.get("target_years", []))
    quota = int(targets.get("admissions_per_cell_per_year_min", 1))
    shares, chances, per_cell = [], [], None
    for result, name in zip(results, names, strict=True):
        table = result.cells[result.cells["cell"].isin(cells) & result.cells["year"].isin(years)]
        met = table["admissions"].to_numpy() >= quota
        shares.append(f"{percent(met.mean() if len(met) else 0.0, lang)} ({name})")
        chances.append(
            f"{percent(result.summary['every_cell_admits_each_year']['p'], lang)} ({name})"
        )
        per_cell = (table["admissions"] >= quota).groupby(table["cell"]).mean()
    weakest = str(per_cell.idxmin()) if per_cell is not None and len(per_cell) else "?"
    weakest_name = commune_facts(results[-1]).cell_names.get(weakest, weakest)
    many = len(results) > 1
    return t(
        "brief.cell_note",
        lang,
        per_cell=fields["per_cell"],
        cells=len(cells),
        years=len(years),
        n=len(cells) * len(years),
        share=", ".join(shares) if many else shares[0].rsplit(" (", 1)[0],
        p=", ".join(chances) if many else chances[0].rsplit(" (", 1)[0],
        weakest=weakest_name,
        weakest_share=percent(float(per_cell.min()), lang) if weakest != "?" else "?",
    )


def summary_table(results: list[EnsembleResult], lang: str) -> list[list[str]]:
    """Rows of the summary table: a header (target, scenarios), then one row per target."""
    names = labels(results, lang)
    fields = target_fields(results[0], lang)
    rows = [[t("brief.target_column", lang), *names]]
    for key in TARGET_KEYS:
        row = [t(f"target.{key}", lang, **fields)]
        for result in results:
            entry = result.summary[key]
            low, high = interval(*entry["ci95"], lang)
            row.append(f"{percent(entry['p'], lang)} ({low}–{high})")
        rows.append(row)
    return rows


def title_text(results: list[EnsembleResult], lang: str) -> str:
    """The summary's title: commune and period."""
    targets = results[0].manifest.get("targets", {})
    start = str(targets.get("start", "????"))[:4]
    end = str(targets.get("horizon", "????"))[:4]
    return t("brief.title", lang, commune=commune_facts(results[0]).name, start=start, end=end)


def briefing_contents(
    results: Any, lang: str = "vi", *, made: datetime | None = None, delay: Any = None
) -> Contents:
    """Every word and number of the summary for these results (ensembles or run folders)."""
    check_language(lang)
    results = as_results(results)
    made = made or datetime.now(UTC).replace(microsecond=0)
    parameters = parameters_sentence(results, lang)
    title = title_text(results, lang)
    line = source_line(results, lang)
    record = {
        "figure": "summary",
        "language": lang,
        "title": title,
        "parameters": parameters,
        "source_line": line,
        "scenarios": provenance(results),
        "delay": str(delay) if isinstance(delay, str | Path) else None,
        "made": made.isoformat(),
    }
    return Contents(
        lang=lang,
        title=title,
        subtitle=t("brief.subtitle", lang),
        sentences=headline_sentences(results, lang),
        parameters=parameters,
        table=summary_table(results, lang),
        how_to_read=t("brief.how_to_read", lang),
        cell_note=cell_target_note(results, lang),
        source_line=line,
        record=record,
    )
