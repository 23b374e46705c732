"""The planner's screen: choose measures, press Run, a first answer in seconds, then the full one.

Why a module, not notebook cells: the same screen is the planner notebook's
controls and the committee's web app (``make app`` serves it with Voilà), so
it is written once, tested once, and no code shows on the committee's screen.

What a press of **Run** does, and why in that order:

1. The plan is built from the controls as a scenario (the baseline plus the
   measures ticked) named as the planner named it; a bad choice (a start
   outside the period, say) is one line on the screen, not a traceback.
2. The baseline is run once per horizon and parameter source and then
   reused (it is also stored, so a new session finds it at once).
3. The plan is run on the same seeds (common random numbers). After every
   finished chunk of runs the screen shows a *preliminary* answer: the
   plan and the baseline over the runs finished so far (the same
   replications of each, so the difference is paired), with intervals that
   say how little is known yet. It updates until the full number is in.
4. The full answer is the stored comparison (:func:`sim.compare`), with the
   figures and a PDF briefing to download. Pressing Run again with the same
   settings reads all of it back from the store.
"""

from __future__ import annotations

import base64
import math
import time
from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from sim.analysis.comparison import Comparison, compare, paired_table
from sim.experiments.ensemble import EnsembleResult, run_ensemble
from sim.experiments.experiment import Runner, kept_runner
from sim.experiments.posterior import COMMUNE, parameters_of, resolve_posterior
from sim.inputs.errors import InputError
from sim.inputs.measures import COMMUNE as WHOLE_COMMUNE
from sim.inputs.measures import Measure
from sim.inputs.scenario import Intervention, Scenario
from sim.presentation.i18n import NBSP, parameters_text, percent, scenario_label, t
from sim.presentation.language_switch import LANGUAGE, Language, show_in
from sim.presentation.tables import (
    comparison_view,
    display_name,
    signed_points,
    whole_percent,
    wording_fields,
)

#: The targets the headline sentences speak of (the resolution's two goals).
HEADLINE_TARGETS = ("admissions_every_year_meet_target", "no_white_village_at_horizon")

#: Horizons offered: the end of the 2015-2020 term and of the two terms after it.
HORIZON_YEARS = (2020, 2025, 2030)


class PlannerScreen:
    """The controls, the Run button and the answer, as one widget (display the object).

    ``baseline`` is the reference scenario; ``initial`` the measures ticked
    when the screen opens (the commune's notebook chooses them: nothing
    about a commune is written here). ``reps`` runs per scenario with
    ``seed``; results are stored under ``out``. ``workers`` worker
    processes are started at the first Run and kept for the next ones.
    """

    def __init__(
        self,
        baseline: Scenario,
        *,
        initial: Sequence[Intervention] = (),
        reps: int = 200,
        seed: int = 2015,
        out: str | Path = "results",
        workers: int | None = None,
        language: Language = LANGUAGE,
    ) -> None:
        import ipywidgets as widgets

        self.baseline = baseline
        self.reps, self.seed, self.out, self.workers = reps, seed, Path(out), workers
        self.language = language
        self.comparison: Comparison | None = None
        self.timings: dict[str, float] = {}
        self._baselines: dict[tuple[str, bool], EnsembleResult] = {}
        self._backend: Runner | None = None
        self._shown: tuple[str, Any] | None = None
        self._default_name = True
        villages = [(display_name(v.name), v.id) for v in baseline.commune.villages]
        chosen = {item.measure: item for item in initial}
        lang = language.value

        self.title = widgets.HTML()
        self.intro = widgets.HTML()
        self.name = widgets.Text(value=t("screen.default_plan", lang))
        self.name.observe(self._renamed, names="value")
        self.name_label = widgets.HTML()
        self.rows = {}
        for measure in baseline.commune.measures.values():
            item = chosen.get(measure.name)
            self.rows[measure.name] = _MeasureRow(
                measure,
                villages,
                ticked=item is not None,
                start=item.start if item else date(baseline.start.year + 1, 1, 1),
                intensity=item.intensity if item else 1.0,
                chosen=item.villages if item and item.villages else (),
            )
        self.heads = [widgets.HTML() for _ in range(4)]
        self.horizon = widgets.Dropdown(
            options=[(str(year), f"{year}-12-31") for year in HORIZON_YEARS],
            value=f"{baseline.horizon.year}-12-31"
            if baseline.horizon.year in HORIZON_YEARS
            else f"{HORIZON_YEARS[0]}-12-31",
        )
        self.horizon_label = widgets.HTML()
        self.calibrated = widgets.Checkbox(
            value=resolve_posterior(COMMUNE, baseline.commune) is not None,
            disabled=resolve_posterior(COMMUNE, baseline.commune) is None,
            indent=False,
            layout=widgets.Layout(width="auto"),
        )
        self.run_button = widgets.Button(button_style="primary")
        self.run_button.on_click(self.run)
        self.progress = widgets.IntProgress(
            min=0, max=reps, value=0, bar_style="info", style={"description_width": "initial"}
        )
        self.status = widgets.HTML()
        self.status.add_class("nahy-status")
        self.answer = widgets.Output()
        self.answer.add_class("nahy-answer")
        self.download = widgets.HTML()
        grid = [*self.heads]
        for row in self.rows.values():
            grid.extend(row.cells)
        self.table = widgets.GridBox(
            grid,
            layout=widgets.Layout(
                grid_template_columns="minmax(18em, 2fr) 11em minmax(14em, 1fr) minmax(12em, 1fr)",
                grid_gap="4px 12px",
                align_items="center",
            ),
        )
        settings = widgets.HBox(
            [self.name_label, self.name, self.horizon_label, self.horizon, self.calibrated],
            layout=widgets.Layout(flex_flow="row wrap", align_items="center", grid_gap="8px"),
        )
        self.widget = widgets.VBox(
            [
                self.title,
                self.intro,
                settings,
                self.table,
                widgets.HBox([self.run_button, self.progress, self.status]),
                self.answer,
                self.download,
            ]
        )
        self._relabel(lang)
        language.on_change(self._relabel)

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)

    # -- the controls ------------------------------------------------------------------

    def _renamed(self, change: dict[str, Any]) -> None:
        self._default_name = change["new"] == t("screen.default_plan", self.language.value)

    def _relabel(self, lang: str) -> None:
        """Every label in ``lang``; the answer shown is drawn again in it."""
        self.title.value = f"<h3>{t('screen.title', lang)}</h3>"
        self.intro.value = f"<p>{_bold(t('screen.intro', lang))}</p>"
        self.name_label.value = f"<b>{t('screen.plan_name', lang)}</b>"
        if self._default_name:
            self.name.value = t("screen.default_plan", lang)
            self._default_name = True
        heads = ("screen.measure", "screen.start", "screen.intensity", "screen.villages")
        for head, key in zip(self.heads, heads, strict=True):
            head.value = f"<b>{t(key, lang)}</b>"
        for row in self.rows.values():
            row.relabel(lang)
        self.horizon_label.value = f"<b>{t('screen.horizon', lang)}</b>"
        self.calibrated.description = t("screen.calibrated", lang)
        self.run_button.description = t("screen.run", lang)
        self.progress.description = self.name.value
        if self._shown is not None:
            self._draw(*self._shown)
            self._offer_download()

    def plan(self) -> Scenario:
        """The plan the controls describe: the baseline plus every measure ticked, named."""
        chosen = [row.intervention() for row in self.rows.values() if row.ticked.value]
        if not chosen:
            raise _NoMeasure
        name = self.name.value.strip() or t("screen.default_plan", self.language.value)
        base = self.baseline.with_horizon(self.horizon.value)
        return replace(base.with_interventions(*chosen), name=name)

    # -- running ------------------------------------------------------------------------

    def prepare(self) -> EnsembleResult:
        """Run (or read back) the baseline for the chosen horizon now, before the first Run.

        Then the planner's first press answers within seconds: only the plan
        is left to run. The screen shows the baseline's progress meanwhile.
        """
        posterior = COMMUNE if self.calibrated.value else None
        reference = self._reference(self._workers(), posterior)
        self.status.value = ""
        self.progress.value = 0
        self.progress.description = self.name.value
        return reference

    def run(self, _button: Any = None) -> Comparison | None:
        """Run the plan against the baseline, showing the preliminary then the full answer."""
        lang = self.language.value
        started = time.perf_counter()
        self.timings = {}
        self.run_button.disabled = True
        try:
            try:
                plan = self.plan()
            except _NoMeasure:
                self._say(t("screen.no_measure", lang))
                return None
            except InputError as problem:
                self._say(t("screen.problem", lang, message=str(problem)))
                return None
            posterior = COMMUNE if self.calibrated.value else None
            backend = self._workers()
            reference = self._reference(backend, posterior)
            self.progress.description = plan.name
            self.progress.value = 0

            def preliminary(rows: pd.DataFrame) -> None:
                self.progress.value = len(rows)
                if len(rows) >= self.reps:
                    return
                base = reference.replications.set_index("replication").loc[rows["replication"]]
                table = paired_table(
                    {reference_label(reference): base.reset_index(), plan.name: rows}
                )
                self.timings.setdefault("first_answer_s", time.perf_counter() - started)
                self._show("preliminary", (table, reference, plan.name, len(rows)))

            self.status.value = t("screen.running", lang, plan=plan.name, done=0, total=self.reps)
            result = self._ensemble(plan, backend, posterior, preliminary)
            comparison = compare(
                [self.baseline.with_horizon(self.horizon.value), plan],
                self.reps,
                self.seed,
                out=self.out,
                backend=backend,
                quiet=True,
                posterior=posterior,
            )
            seconds = time.perf_counter() - started
            self.progress.value = self.reps
            self.comparison = comparison
            self._show("final", (comparison, result.reused, seconds))
            self.timings.setdefault("first_answer_s", time.perf_counter() - started)
            self.timings["final_answer_s"] = time.perf_counter() - started
            self._offer_download()
            return comparison
        finally:
            self.run_button.disabled = False

    def _workers(self) -> Runner:
        """One set of worker processes for every Run (starting them costs seconds)."""
        if self._backend is None:
            self._backend = kept_runner(self.workers)
        return self._backend

    def _reference(self, backend: Runner, posterior: Any) -> EnsembleResult:
        """The baseline at the chosen horizon, run once and then reused."""
        key = (self.horizon.value, posterior is not None)
        if key not in self._baselines:
            scenario = self.baseline.with_horizon(self.horizon.value)
            lang = self.language.value
            self.status.value = t("screen.baseline_running", lang, baseline=_name(scenario, lang))
            self.progress.description = _name(scenario, lang)

            def count(rows: pd.DataFrame) -> None:
                self.progress.value = len(rows)

            self._baselines[key] = self._ensemble(scenario, backend, posterior, count)
        return self._baselines[key]

    def _ensemble(
        self, scenario: Scenario, backend: Runner, posterior: Any, on_progress: Any
    ) -> EnsembleResult:
        """One scenario's runs on the screen's seed, store and workers (stored, then reused)."""
        return run_ensemble(
            scenario,
            self.reps,
            self.seed,
            backend=backend,
            out=self.out,
            quiet=True,
            posterior=posterior,
            on_progress=on_progress,
        )

    # -- showing -----------------------------------------------------------------------

    def _say(self, message: str) -> None:
        self._shown = None
        self.status.value = ""
        self.download.value = ""
        show_in(self.answer, [message])

    def _show(self, kind: str, state: Any) -> None:
        self._shown = (kind, state)
        self._draw(kind, state)

    def _draw(self, kind: str, state: Any) -> None:
        from IPython.display import HTML

        lang = self.language.value
        if kind == "preliminary":
            table, reference, plan, done = state
            targets = reference.manifest.get("targets", {})
            manifest = reference.manifest
            heading = t("screen.preliminary", lang, done=done, total=self.reps)
            self.status.value = t("screen.running", lang, plan=plan, done=done, total=self.reps)
            figures: list[Any] = []
        else:
            comparison, reused, seconds = state
            table, plan = comparison.table, comparison.labels[1]
            targets = comparison.manifest.get("targets", {})
            manifest = comparison.results[comparison.reference].manifest
            key = "screen.from_store" if reused else "screen.final"
            heading = t(key, lang, total=self.reps, seconds=f"{seconds:.0f}")
            self.status.value = heading
            figures = _figures(list(comparison.results.values()), lang)
        parameters = parameters_text(parameters_of(manifest), lang)  # where the rates came from
        names = {table["scenario"].iloc[0]: _label(table["scenario"].iloc[0], lang)}
        sentences = headline_sentences(table, targets, plan, names, lang)
        view = comparison_view(table, targets, lang, names)
        show_in(
            self.answer,
            [
                HTML(f"<p><b>{heading}</b></p>"),
                HTML("".join(f"<p class='nahy-headline'>{s}</p>" for s in sentences)),
                view,
                HTML(f"<p><small>{parameters}. {t('table.how_to_read', lang)}</small></p>"),
                *figures,
            ],
        )
        self.download.value = ""

    def _offer_download(self) -> None:
        """The PDF briefing's link, made after the answer is on the screen (it takes seconds)."""
        if self._shown is None or self._shown[0] != "final":
            return
        comparison = self._shown[1][0]
        lang = self.language.value
        self.download.value = f"<i>{t('screen.preparing_pdf', lang)}</i>"
        results = list(comparison.results.values())
        self.download.value = _download_link(results, lang, comparison.labels[1])


class _NoMeasure(Exception):
    """No measure is ticked: there is no plan to run."""


class _MeasureRow:
    """One measure's controls: ticked or not, start, intensity, villages (greyed out for a
    measure that acts on the whole commune only)."""

    def __init__(
        self,
        measure: Measure,
        villages: list[tuple[str, str]],
        *,
        ticked: bool,
        start: date,
        intensity: float,
        chosen: Sequence[str],
    ) -> None:
        import ipywidgets as widgets

        self.measure = measure.name
        self.label = measure.label
        self.whole_commune = measure.targets == WHOLE_COMMUNE
        self.ticked = widgets.Checkbox(value=ticked, indent=False)
        self.start = widgets.DatePicker(value=start)
        self.intensity = widgets.FloatSlider(
            value=intensity, min=0.0, max=3.0, step=0.25, readout_format=".2f"
        )
        self.villages = widgets.SelectMultiple(
            options=villages, value=tuple(chosen), rows=3, disabled=self.whole_commune
        )
        for control in (self.start, self.intensity, self.villages):
            control.layout.width = "auto"
        self.cells = [self.ticked, self.start, self.intensity, self.villages]

    def relabel(self, lang: str) -> None:
        self.ticked.description = self.label[lang]
        self.ticked.description_allow_html = False
        self.ticked.layout.width = "auto"

    def intervention(self) -> Intervention:
        return Intervention(
            measure=self.measure,
            start=self.start.value,
            intensity=float(self.intensity.value),
            villages=None if self.whole_commune else tuple(self.villages.value) or None,
        )


def reference_label(result: EnsembleResult) -> str:
    """The label the comparison gives the baseline: its scenario name."""
    return str(result.manifest["scenario"]["name"])


def headline_sentences(
    table: pd.DataFrame,
    targets: dict[str, Any],
    plan: str,
    names: dict[str, str],
    lang: str,
) -> list[str]:
    """One sentence per headline target: the plan's chance, its interval, its change.

    The change is *higher* or *lower* only when its paired 95 % interval
    excludes zero; otherwise the sentence says the plan is no different
    from the reference and gives the interval of the difference.
    """
    fields = wording_fields(targets, lang)
    reference = next(iter(names.values()))
    ci = t("ci95_inline", lang)
    lines = []
    for key in HEADLINE_TARGETS:
        row = table[(table["measure"] == key) & (table["scenario"] == plan)].iloc[0]
        low, high = row["difference_low"], row["difference_high"]
        bounds = {
            "low": signed_points(low, rounding=math.floor),
            "high": signed_points(high, rounding=math.ceil),
            "ci": ci,
            "reference": reference,
        }
        if low > 0:
            points = signed_points(row["difference"]).lstrip("+")
            change = t("screen.higher", lang, points=points, **bounds)
        elif high < 0:
            points = signed_points(-row["difference"]).lstrip("+")
            change = t("screen.lower", lang, points=points, **bounds)
        else:
            change = t("screen.same", lang, **bounds)
        lines.append(
            t(
                "screen.headline",
                lang,
                plan=plan,
                target=t(f"brief.phrase.{key}", lang, **fields),
                p=percent(row["value"], lang),
                ci=ci,
                low=whole_percent(row["low"], down=True),
                high=whole_percent(row["high"], down=False) + NBSP + "%",
                change=change,
            )
        )
    return lines


def _label(name: str, lang: str) -> str:
    return scenario_label(name, lang)


def _name(scenario: Scenario, lang: str) -> str:
    return scenario_label(scenario.name, lang)


def _bold(text: str) -> str:
    """``**Run**`` -> ``<b>Run</b>`` (the intro's one piece of Markdown)."""
    parts = text.split("**")
    return "".join(f"<b>{part}</b>" if i % 2 else part for i, part in enumerate(parts))


def _figures(results: list[EnsembleResult], lang: str) -> list[Any]:
    from sim.presentation.plots import admissions_fan, target_probabilities, village_timeline

    return [
        draw(results, lang) for draw in (admissions_fan, target_probabilities, village_timeline)
    ]


def _download_link(results: list[EnsembleResult], lang: str, plan: str) -> str:
    """A link that downloads the briefing PDF, carried in the page (no server route needed)."""
    from sim.presentation.briefing_pdf import briefing_pdf

    data = base64.b64encode(briefing_pdf(results, lang)).decode("ascii")
    from sim.experiments.store import slug

    filename = f"{slug(plan)}-{lang}.pdf"
    return (
        f'<a download="{filename}" href="data:application/pdf;base64,{data}" '
        f'class="nahy-download">{t("screen.download", lang)}</a>'
    )
