"""What every figure says: village names (never ids), the commune, the comparison table's
values, and intervals that stay within what a count or a chance can be.

Every figure of :data:`sim.presentation.plots.FIGURES` is drawn once per language for the
real Nà Hỳ pair (baseline and resolution-2015, four runs each), the
comparison with a cost-of-delay table whose labels are made exactly as
:func:`sim.analysis.comparison.cost_of_delay` makes them from the resolution's
measures; values are read back from the figures' artists.
"""

from __future__ import annotations

import re
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection, PolyCollection
from matplotlib.figure import Figure
from matplotlib.text import Text

from sim.analysis.comparison import _intervention_label, comparison_table, unique_labels
from sim.inputs.commune import load_commune
from sim.model.targets import TARGET_KEYS
from sim.presentation.i18n import smart_number, t
from sim.presentation.plots import FIGURES, scenario_comparison
from sim.presentation.plots.data import commune_facts, scenario_name, target_fields
from sim.presentation.plots.scenarios import DELAY_TARGETS, MEAN_KEY, measure_label
from tests.conftest import NAHY
from tests.ensemble_support import short_scenario
from tests.plot_support import real_ensembles, synthetic_pair

LANGS = ("vi", "en")
VILLAGE_ID = re.compile(r"\bV\d{2}\b")
SNAKE = re.compile(r"\b[a-z]+_[a-z_]+\b")


@pytest.fixture(scope="module")
def real() -> list:
    return real_ensembles()


@pytest.fixture(scope="module")
def delay() -> pd.DataFrame:
    """A cost-of-delay table with the labels cost_of_delay gives the resolution's measures
    (plus a repeated measure, which gets `` (2)``)."""
    interventions = list(short_scenario("resolution-2015").interventions)
    interventions.append(interventions[0])
    labels = unique_labels([_intervention_label(i) for i in interventions])
    rows = [
        {
            "label": label,
            "measure": key,
            "difference": -0.05 * (i % 3),
            "difference_low": -0.05 * (i % 3) - 0.1,
            "difference_high": -0.05 * (i % 3) + 0.1,
        }
        for i, label in enumerate(labels)
        for key in DELAY_TARGETS
    ]
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def figures(real: list, delay: pd.DataFrame) -> dict[tuple[str, str], Figure]:
    drawn = {}
    for lang in LANGS:
        for name, draw in FIGURES.items():
            kwargs = {"delay": delay} if draw is scenario_comparison else {}
            figure = draw(real, lang, **kwargs)
            figure.draw_without_rendering()
            drawn[(name, lang)] = figure
    return drawn


def texts(figure: Figure) -> list[str]:
    return [a.get_text() for a in figure.findobj(Text) if a.get_visible() and a.get_text()]


def tick_labels(figure: Figure) -> list[str]:
    return [
        label.get_text()
        for ax in figure.axes
        for label in [*ax.get_yticklabels(), *ax.get_xticklabels()]
    ]


# -- nothing cut off ---------------------------------------------------------------------


def test_no_text_runs_off_the_figure(figures: dict) -> None:
    """Every title, label and legend entry lies within the figure as it is saved.

    The briefing's files are saved at the figure's own size (not a tight box),
    so a label wider than its panel's room is cut off there: a reader would
    see half a sentence.
    """
    for (name, lang), figure in figures.items():
        renderer = FigureCanvasAgg(figure).get_renderer()
        figure.draw(renderer)
        width, height = figure.bbox.width, figure.bbox.height
        unseen = unseen_ticks(figure)
        for text in figure.findobj(Text):
            if not (text.get_visible() and text.get_text().strip()) or id(text) in unseen:
                continue
            box = text.get_window_extent(renderer)
            inside = box.x0 >= -1 and box.y0 >= -1 and box.x1 <= width + 1 and box.y1 <= height + 1
            assert inside, f"{name} ({lang}): {text.get_text()!r} runs off the figure"


def unseen_ticks(figure: Figure) -> set[int]:
    """Tick labels matplotlib keeps but does not draw (their tick lies outside the view)."""
    unseen = set()
    for ax in figure.axes:
        for axis in (ax.xaxis, ax.yaxis):
            low, high = sorted(axis.get_view_interval())
            for tick in [*axis.get_major_ticks(), *axis.get_minor_ticks()]:
                if not low - 1e-9 <= tick.get_loc() <= high + 1e-9:
                    unseen.update({id(tick.label1), id(tick.label2)})
    return unseen


# -- village names -----------------------------------------------------------------------


def test_no_figure_shows_a_village_id(figures: dict, real: list) -> None:
    names = commune_facts(real[0]).village_names
    assert names["V08"] == "Bản 8"  # the data's names (placeholders cleaned)
    for (name, lang), figure in figures.items():
        words = texts(figure) + tick_labels(figure)
        found = [w for w in words if VILLAGE_ID.search(w)]
        assert not found, f"{name} ({lang}) shows village ids: {found}"
    for lang in LANGS:
        rows = tick_labels(figures[("03-villages", lang)])
        assert set(names.values()) <= set(rows)


@pytest.mark.parametrize("lang", LANGS)
def test_delay_labels_give_measures_in_words_and_villages_by_name(
    figures: dict, real: list, delay: pd.DataFrame, lang: str
) -> None:
    villages = commune_facts(real[0]).village_names
    figure = figures[("06-comparison", lang)]
    (ax,) = [ax for ax in figure.axes if ax.get_xlabel() == t("compare.delay_axis", lang)]
    shown = [label.get_text() for label in ax.get_yticklabels()]
    raw = list(dict.fromkeys(delay["label"]))
    assert len(shown) == len(raw) == 7
    for label, source in zip(shown, raw, strict=True):
        assert not VILLAGE_ID.search(label) and not SNAKE.search(label), label
        measure = source.split(" (")[0]
        words = commune_facts(real[0]).measure_labels[measure][lang]
        assert " ".join(label.split()).startswith(words)
        ids = re.search(r"\(([A-Z0-9,]+)\)", source)
        for village in ids.group(1).split(",") if ids else []:
            name = villages[village]  # a name is never split: it sits whole on one line
            whole = re.compile(rf"(^|[(, ]){re.escape(name)}($|[),])")
            assert any(whole.search(line) for line in label.split("\n")), (name, label)
    assert shown[0].endswith("(Bản 6, Bản 7, Bản 8, Bản 9, Bản 10)")
    assert " (2)\n(Bản 6" in shown[-1]  # the repeated measure keeps its number


def test_long_village_lists_break_only_between_names() -> None:
    villages = {f"V{i:02d}": f"Bản Nậm Chua {i}" for i in range(1, 11)}
    label = "targeted_sourcing (" + ",".join(villages) + ")"
    names = {name: m.label for name, m in load_commune(NAHY).measures.items()}
    shown = measure_label(label, "vi", villages, names, width=30)
    lines = shown.split("\n")
    assert lines[0] == "Khảo sát, tạo nguồn có trọng"  # the measure wraps at spaces
    body = [line.strip("(),") for line in lines[2:]]
    assert all(part in villages.values() for line in body for part in line.split(", "))
    assert ", ".join(body) == ", ".join(villages.values())
    assert measure_label("propaganda (2)", "en", villages, names) == "Propaganda and education (2)"
    assert measure_label("new_measure", "en", villages, names) == "new measure"  # not snake_case


# -- the commune ---------------------------------------------------------------------------


def test_every_figure_names_the_commune(figures: dict) -> None:
    wanted = {"vi": "xã Nà Hỳ", "en": "Nà Hỳ commune"}
    for (name, lang), figure in figures.items():
        foot = [a.get_text() for a in figure.findobj(Text) if a.get_gid() == "source-line"] + [
            figure.sim_provenance["title"]
        ]
        assert any(wanted[lang] in " ".join(text.split()) for text in foot), (name, lang)
        assert wanted[lang] in figure.sim_provenance["source_line"]


# -- the comparison figure draws the comparison table ---------------------------------------


def title(ax) -> str:
    """An axes' title as read (the house style puts titles on the left), on one line."""
    return " ".join((ax.get_title("left") or ax.get_title()).split())


def gid(figure: Figure, name: str):
    (artist,) = [a for a in figure.findobj() if a.get_gid() == name]
    return artist


def segments_x(collection: LineCollection) -> list[tuple[float, float]]:
    return [(float(s[0][0]), float(s[1][0])) for s in collection.get_segments()]


def check_against_table(figure: Figure, results: list, table: pd.DataFrame, lang: str) -> None:
    fields = target_fields(results[0], lang)
    means = table[table["measure"] == MEAN_KEY].sort_values("order")
    mean_title = t("compare.mean", lang, **fields)
    (mean_ax,) = [ax for ax in figure.axes if title(ax) == mean_title]
    words = [a.get_text() for a in mean_ax.texts]
    for result, row in zip(results, means.itertuples(), strict=True):
        name = scenario_name(result)
        (x,) = gid(figure, f"scenario:{name}:mean").get_xdata()
        assert x == pytest.approx(row.value)  # the mean of the runs, not the median
        ((low, high),) = segments_x(gid(figure, f"scenario:{name}:mean-interval"))
        assert (low, high) == pytest.approx((row.low, row.high))
        assert smart_number(row.value, lang) in words
    for order, result in enumerate(results[1:], start=1):
        name = scenario_name(result)
        rows = table[(table["order"] == order)].set_index("measure").loc[list(TARGET_KEYS)]
        dots = gid(figure, f"scenario:{name}:difference").get_xdata()
        assert list(dots) == pytest.approx(list(rows["difference"] * 100))
        spans = segments_x(gid(figure, f"scenario:{name}:difference-interval"))
        low, high = rows["difference_low"] * 100, rows["difference_high"] * 100
        expected = np.column_stack([low, high])
        assert np.ravel(spans) == pytest.approx(np.ravel(expected))


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> list:
    return synthetic_pair(tmp_path_factory.mktemp("synthetic"))


@pytest.mark.parametrize("lang", LANGS)
def test_comparison_draws_the_tables_values(real: list, synthetic: list, lang: str) -> None:
    for results in (real, synthetic):  # the synthetic pair: 40 paired runs that differ
        table = comparison_table({scenario_name(r): r for r in results})
        check_against_table(scenario_comparison(results, lang), results, table, lang)
    figure = scenario_comparison(real, lang)
    titles = " ".join(title(ax) for ax in figure.axes)
    labels = " ".join(ax.get_xlabel() for ax in figure.axes)
    if lang == "en":
        assert "Mean admissions a year" in titles and "Change in probability" in titles
        assert "Mean of the runs" in labels and "paired runs" in labels
    else:
        assert "bình quân" in titles and "Thay đổi xác suất" in titles
        assert "Trung bình các lần mô phỏng" in labels and "so theo cặp" in labels


def test_comparison_of_unpaired_runs_draws_each_scenarios_own_values(real: list) -> None:
    other = replace(real[1], manifest={**real[1].manifest, "seed": 12})
    figure = scenario_comparison([real[0], other], "en")
    own = [comparison_table({scenario_name(r): r}) for r in (real[0], other)]
    for order, part in enumerate(own):
        row = part[part["measure"] == MEAN_KEY].iloc[0]
        name = scenario_name([real[0], other][order])
        (x,) = gid(figure, f"scenario:{name}:mean").get_xdata()
        assert x == pytest.approx(row["value"])
    assert "independent runs" in " ".join(ax.get_xlabel() for ax in figure.axes)


# -- intervals stay within what they can be -----------------------------------------------

#: gid suffix -> (low, high) a value of that kind can take.
RANGES = {
    "count-band": (0.0, np.inf),
    "mean-interval": (0.0, np.inf),
    "chance-interval": (0.0, 100.0),
    "difference-interval": (-100.0, 100.0),
}


def interval_values(figure: Figure) -> dict[str, list[float]]:
    """Every interval's ends, by kind: whiskers along x, bands along y."""
    found: dict[str, list[float]] = {}
    for artist in figure.findobj():
        name = artist.get_gid() or ""
        kind = next((k for k in RANGES if k in name), None)
        if kind is None:
            continue
        if isinstance(artist, LineCollection):
            values = [x for pair in segments_x(artist) for x in pair]
        elif isinstance(artist, PolyCollection):
            values = [float(y) for path in artist.get_paths() for y in path.vertices[:, 1]]
        else:
            continue
        found.setdefault(kind, []).extend(values)
    return found


def zero_heavy(result):
    """An ensemble that admits almost no one: means near zero, chances at zero."""
    runs = result.replications.copy()
    runs[MEAN_KEY] = [0.0] * (len(runs) - 1) + [3.0]
    for key in TARGET_KEYS:
        runs[key] = False
    years = result.years.assign(admissions=0)
    summary = {**result.summary}
    for key in TARGET_KEYS:
        summary[key] = {"p": 0.0, "ci95": [0.0, 0.6]}
    return replace(result, replications=runs, years=years, summary=summary)


def test_intervals_of_counts_and_chances_stay_within_their_range(
    figures: dict, real: list, synthetic: list
) -> None:
    drawn = [figures[(name, "vi")] for name in FIGURES]
    drawn += [draw(synthetic, "en") for draw in FIGURES.values()]
    drawn.append(scenario_comparison([zero_heavy(real[0]), real[1]], "vi"))
    seen: set[str] = set()
    for figure in drawn:
        for kind, values in interval_values(figure).items():
            low, high = RANGES[kind]
            values = np.asarray(values, dtype=float)
            assert np.isfinite(values).all()
            assert values.min() >= low and values.max() <= high, (kind, values.min())
            seen.add(kind)
    assert seen == set(RANGES)  # every kind of interval was found and checked
    lows = segments_x(gid(drawn[-1], f"scenario:{scenario_name(real[0])}:mean-interval"))
    assert lows[0][0] == 0.0  # the normal interval of [0, 0, 0, 3] is cut at zero
