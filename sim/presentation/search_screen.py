"""The "what does it take?" screen: choose the measures and the chance wanted, press Search.

Why a module, not notebook cells: the planner notebook and the committee's
app show the same screen (:mod:`sim.presentation.planner_screen` is the
other half), so it is written and tested once.

What a press of **Search** does: :func:`sim.analysis.what_it_takes.search`
screens mixes of the measures ticked, races those near the chance wanted
and re-runs the winner on fresh runs, while a progress bar counts the runs
spent against the budget. The answer says how sure it is ("reaches 80 %
with 95 % confidence" or "probably reaches it, not settled within the
budget"), in Vietnamese or English, with the chosen mix, what became of the
cheaper mixes, the chance at the assumed parameter values beside the one
under the calibration, and, for the chosen plan, when it fails (scenario
discovery, :mod:`sim.analysis.discovery`).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sim.analysis.discovery_boxes import BOX
from sim.analysis.race import Estimate
from sim.analysis.search_space import Lever
from sim.analysis.what_it_takes import (
    NONE_OPEN,
    NONE_SHORT,
    SHORT,
    SearchResult,
    answer_kind,
    left_open,
    search,
)
from sim.experiments.experiment import Runner, kept_runner
from sim.experiments.posterior import COMMUNE, parameters_of, resolve_posterior
from sim.inputs.errors import InputError
from sim.inputs.scenario import Scenario
from sim.model.targets import TARGET_KEYS, definitions_for
from sim.presentation.i18n import date_text, interval, number, parameters_text, percent, t
from sim.presentation.language_switch import LANGUAGE, Language, show_in
from sim.presentation.tables import wording_fields

#: The chances a planner can ask for.
CHANCES = (0.5, 0.6, 0.7, 0.8, 0.9)


class SearchScreen:
    """The levers, the target, the chance, the Search button and the answer (display it).

    ``scenario`` is the plan the search varies (its measures are the levers
    offered; those in ``ticked`` are ticked at first), each from 0 to 2 by
    ``step``. ``reps`` runs a mix first, ``trials`` mixes screened,
    ``budget`` runs at most (default: the search's), seed ``seed``, results
    under ``out``. ``discover_reps`` runs
    of the chosen plan under the calibration show when it fails (0: not
    shown).
    """

    def __init__(
        self,
        scenario: Scenario,
        *,
        ticked: Sequence[str] = (),
        target: str = "no_white_village_at_horizon",
        p: float = 0.8,
        reps: int = 20,
        trials: int = 12,
        step: float = 0.5,
        budget: int | None = None,
        seed: int = 2015,
        out: str | Path = "results",
        workers: int | None = None,
        discover_reps: int = 0,
        language: Language = LANGUAGE,
    ) -> None:
        import ipywidgets as widgets

        self.scenario = scenario
        self.reps, self.trials, self.budget, self.seed = reps, trials, budget, seed
        self.step = step
        self.out, self.workers, self.discover_reps = Path(out), workers, discover_reps
        self.language = language
        self.result: SearchResult | None = None
        self.discovery: Any = None
        self._backend: Runner | None = None
        self._shown: SearchResult | None = None
        measures = scenario.commune.measures
        present = list(dict.fromkeys(i.measure for i in scenario.interventions))
        self.levers = {
            name: widgets.Checkbox(
                value=name in ticked, indent=False, layout=widgets.Layout(width="auto")
            )
            for name in present
        }
        self._labels = {name: measures[name].label for name in present}
        self.title = widgets.HTML()
        self.intro = widgets.HTML()
        self.target = widgets.Dropdown(options=[(key, key) for key in TARGET_KEYS], value=target)
        self.target_label = widgets.HTML()
        self.chance = widgets.Dropdown(
            options=[(f"{round(c * 100)} %", c) for c in CHANCES], value=p
        )
        self.chance_label = widgets.HTML()
        self.button = widgets.Button(button_style="primary")
        self.button.on_click(self.run)
        self.progress = widgets.IntProgress(min=0, max=1, value=0, bar_style="info")
        self.status = widgets.HTML()
        self.answer = widgets.Output()
        self.answer.add_class("nahy-search-answer")
        settings = widgets.HBox(
            [self.target_label, self.target, self.chance_label, self.chance],
            layout=widgets.Layout(flex_flow="row wrap", align_items="center", grid_gap="8px"),
        )
        self.widget = widgets.VBox(
            [
                self.title,
                self.intro,
                settings,
                widgets.VBox(list(self.levers.values())),
                widgets.HBox([self.button, self.progress, self.status]),
                self.answer,
            ]
        )
        self._relabel(language.value)
        language.on_change(self._relabel)

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)

    def _relabel(self, lang: str) -> None:
        fields = wording_fields(definitions_for(self.scenario).to_dict(), lang)
        self.title.value = f"<h3>{t('search.title', lang)}</h3>"
        self.intro.value = f"<p>{t('search.intro', lang)}</p>"
        value = self.target.value
        self.target.options = [(t(f"target.{key}", lang, **fields), key) for key in TARGET_KEYS]
        self.target.value = value
        self.target_label.value = f"<b>{t('search.target', lang)}</b>"
        self.chance_label.value = f"<b>{t('search.chance', lang)}</b>"
        for name, box in self.levers.items():
            box.description = self._labels[name][lang]
        self.button.description = t("search.button", lang)
        if self._shown is not None:
            self._draw(self._shown)

    # -- running ------------------------------------------------------------------------

    def run(self, _button: Any = None) -> SearchResult | None:
        """Search, showing the runs spent as it goes, then the answer and when the plan fails."""
        lang = self.language.value
        levers = [Lever(name, step=self.step) for name, box in self.levers.items() if box.value]
        if not levers:
            show_in(self.answer, [t("search.no_lever", lang)])
            return None
        self.button.disabled = True
        try:

            def progress(spent: int, budget: int, what: str) -> None:
                self.progress.max = max(budget, spent, 1)
                self.progress.value = spent
                self.status.value = t(
                    "search.running", self.language.value, spent=spent, budget=budget
                )

            try:
                result = search(
                    self.scenario,
                    levers,
                    target=self.target.value,
                    p=self.chance.value,
                    reps=self.reps,
                    trials=self.trials,
                    budget=self.budget,
                    seed=self.seed,
                    start_step=0,
                    out=self.out,
                    backend=self._workers(),
                    quiet=True,
                    assumed_too=resolve_posterior(COMMUNE, self.scenario.commune) is not None,
                    on_progress=progress,
                )
            except InputError as problem:
                show_in(self.answer, [t("screen.problem", lang, message=str(problem))])
                return None
            self.result = result
            self.discovery = self._discover(result)
            self._shown = result
            self._draw(result)
            return result
        finally:
            self.button.disabled = False

    def _workers(self) -> Runner:
        """One set of worker processes for every search (starting them costs seconds)."""
        if self._backend is None:
            self._backend = kept_runner(self.workers)
        return self._backend

    def _discover(self, result: SearchResult) -> Any:
        """When the chosen plan fails (the plan as written when none was chosen): scenario
        discovery over the calibration's draws."""
        if self.discover_reps <= 0:
            return None
        from sim.analysis.discovery import discover

        return discover(
            result.plan() if result.best is not None else self.scenario,
            result.manifest["target"],
            reps=self.discover_reps,
            seed=self.seed,
            out=self.out,
            backend=self._workers(),
            quiet=True,
        )

    # -- showing -----------------------------------------------------------------------

    def _draw(self, result: SearchResult) -> None:
        from IPython.display import HTML

        lang = self.language.value
        self.progress.max = max(1, self.progress.value)  # done: a full bar, whatever was left
        self.status.value = t(
            "search.spent",
            lang,
            spent=result.manifest["runs_spent"],
            budget=result.manifest["budget"],
        )
        items: list[Any] = [
            HTML(f"<p class='nahy-search-headline'><b>{answer(result, lang)}</b></p>")
        ]
        items.extend(HTML(f"<p>{line}</p>") for line in details(result, lang))
        if result.manifest.get("parameters"):
            where = parameters_text(parameters_of(result.manifest), lang)
            items.append(HTML(f"<p><small>{where}. {t('search.how', lang)}</small></p>"))
        if self.discovery is not None:
            from sim.presentation.discovery_words import discovery_sentence
            from sim.presentation.plots.discovery import discovery_figure

            key = "search.discovery" if result.best is not None else "search.discovery_as_written"
            items.append(HTML(f"<h4>{t(key, lang)}</h4>"))
            if self.discovery.status == BOX:  # otherwise the figure says it, in these words
                items.append(HTML(f"<p>{discovery_sentence(self.discovery, lang)}</p>"))
            items.append(discovery_figure(self.discovery, lang))
        show_in(self.answer, items)


def _shown(estimate: Estimate, lang: str) -> dict[str, Any]:
    low, high = interval(*estimate.interval, lang)
    return {"chance": percent(estimate.p, lang), "low": low, "high": high, "runs": estimate.runs}


def answer(result: SearchResult, lang: str) -> str:
    """The answer and how sure it is, in ``lang`` (the screen's headline)."""
    p = percent(result.manifest["p"], lang)
    confidence = percent(result.manifest["confidence"], lang)
    kind = answer_kind(result)
    if kind == NONE_OPEN:
        return t("search.none_open", lang, p=p, left=left_open(result))
    if kind == NONE_SHORT:
        return t("search.none_short", lang, p=p, confidence=confidence)
    fields = _shown(result.best.fresh, lang)
    return t(f"search.{kind}", lang, p=p, confidence=confidence, **fields)


def details(result: SearchResult, lang: str) -> list[str]:
    """The chosen mix, the chance at the assumed values, and what became of cheaper mixes."""
    best = result.best
    if best is None:
        return []
    measures = result.space.scenario.commune.measures if result.space else {}
    lines = [t("search.effort", lang, effort=number(best.mix.effort, lang, 1))]
    for name, x in best.mix.intensities.items():
        label = measures[name].label[lang] if name in measures else name
        if x > 0:
            start = date_text(best.mix.starts[name], lang)
            lines.append(
                t("search.mix_row", lang, measure=label, intensity=number(x, lang, 2), start=start)
            )
        else:
            lines.append(t("search.not_used", lang, measure=label))
    if best.assumed is not None:
        lines.append(t("search.assumed", lang, **_shown(best.assumed, lang)))
    cheaper = result.closest_cheaper
    if cheaper:
        short = sum(c.verdict == SHORT for c in cheaper)
        lines.append(t("search.cheaper", lang, short=short, open=len(cheaper) - short))
    return lines
