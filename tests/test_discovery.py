"""Scenario discovery (``sim.analysis.discovery``): PRIM finds a known box, the words say it in
both languages, the figure draws it, the command line prints it, and the numbers repeat.

The known answers are synthetic (failure a known function of the parameters,
with noise dimensions); the model's own runs are few and short (two years),
so the file stays fast.
"""

from __future__ import annotations

import math
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.text import Text

from sim.analysis.discovery import analyse_runs, discover, load_discovery
from sim.analysis.discovery_boxes import (
    ALWAYS_FAILS,
    BOX,
    FEW_FAILURES,
    NEVER_FAILS,
    NO_BOX,
    NOTHING_VARIES,
    PEEL_ALPHA,
    choose_step,
    find_boxes,
)
from sim.cli.main import main
from sim.experiments.posterior import resolve_posterior
from sim.inputs.errors import InputError
from sim.model.targets import TARGET_KEYS
from sim.presentation.discovery_words import (
    discovery_sentence,
    discovery_text,
    target_label,
    value_text,
)
from sim.presentation.i18n import percent, t
from sim.presentation.plots.discovery import discovery_figure, write_discovery_figures
from tests.ensemble_support import REPO, short_scenario, write_short_scenario

LANGS = ("vi", "en")
VILLAGE_ID = re.compile(r"\bV\d{2}\b")
SNAKE = re.compile(r"\b[a-z]+_[a-z_]+\b")
TARGET = "no_white_village_at_horizon"


# -- PRIM on a known failure law ------------------------------------------------------------


def known_case(n: int, seed: int) -> tuple[pd.DataFrame, np.ndarray, pd.Series]:
    """Fail (95 %, else 5 %) iff a > 0.7 and b < 0.4; c, d, e are noise. All uniform."""
    rng = np.random.default_rng(seed)
    x = pd.DataFrame(rng.random((n, 5)), columns=list("abcde"))
    inside = (x["a"] > 0.7) & (x["b"] < 0.4)
    fails = rng.random(n) < np.where(inside, 0.95, 0.05)
    return x, fails, inside


def test_prim_recovers_the_box_a_known_failure_law_makes() -> None:
    n = 2000
    x, fails, inside = known_case(n, seed=11)
    found = find_boxes(x, fails)
    assert found.status == BOX
    box = found.table[found.table["box"] == 1].set_index("parameter")
    assert set(box.index) == {"a", "b"}  # the noise dimensions are left free
    assert box.loc["a", "limited"] == "low" and box.loc["b", "limited"] == "high"
    runs = int(box["runs"].iloc[0])
    # A limit moves one peel at a time (PEEL_ALPHA of the box's runs, about PEEL_ALPHA x the
    # box's width along the parameter for uniform draws), and the runs place it no finer than
    # their spacing there (width / runs in the box): two of each is the tolerance.
    for name, end, truth, width in (("a", "low", 0.7, 0.3), ("b", "high", 0.4, 0.4)):
        tolerance = 2 * (PEEL_ALPHA * width + width / runs)
        assert abs(box.loc[name, end] - truth) <= tolerance, (name, box.loc[name, end])
    # the box's figures are the runs inside it, and its density is what the law gives there
    held = np.ones(n, dtype=bool)
    for name in ("a", "b"):
        held &= (x[name] >= box.loc[name, "low"]) & (x[name] <= box.loc[name, "high"])
    assert held.sum() == runs and fails[held].sum() == box["failures"].iloc[0]
    assert box["mass"].iloc[0] == pytest.approx(runs / n)
    assert box["coverage"].iloc[0] == pytest.approx(fails[held].sum() / fails.sum())
    expected = np.where(inside[held], 0.95, 0.05).mean()
    standard_error = math.sqrt(expected * (1 - expected) / runs)
    assert abs(box["density"].iloc[0] - expected) <= 4 * standard_error
    assert box["quasi_p"].max() < 0.05
    assert {"a", "b"} <= set(found.screened)


def test_the_same_runs_give_the_same_boxes() -> None:
    x, fails, _ = known_case(600, seed=3)
    first, again = find_boxes(x, fails), find_boxes(x.copy(), fails.copy())
    pd.testing.assert_frame_equal(first.table, again.table, check_exact=True)
    pd.testing.assert_frame_equal(first.trajectory, again.trajectory, check_exact=True)


def test_the_rule_takes_the_most_failures_beyond_the_base_rate_at_the_threshold() -> None:
    trajectory = pd.DataFrame(
        {
            "coverage": [1.0, 0.9, 0.8, 0.5, 0.2],
            "density": [0.3, 0.45, 0.6, 0.8, 1.0],
            "mass": [1.0, 0.6, 0.4, 0.1875, 0.06],
            "restricted": [0, 1, 1, 2, 2],
        }
    )
    runs, failures = 100, 30
    # excess failures: 0, 9, 12, 9.375, 4.2 -> step 2 unless the threshold excludes it
    assert choose_step(trajectory, 0.3, 0.5, runs, failures) == 2
    assert choose_step(trajectory, 0.3, 0.7, runs, failures) == 3
    assert choose_step(trajectory, 0.3, 1.01, runs, failures) is None


def test_degenerate_runs_say_why_and_have_no_box() -> None:
    rng = np.random.default_rng(0)
    x = pd.DataFrame(rng.random((300, 3)), columns=list("abc"))
    cases = {
        NEVER_FAILS: np.zeros(300, bool),
        ALWAYS_FAILS: np.ones(300, bool),
        FEW_FAILURES: np.arange(300) < 5,
        NO_BOX: rng.random(300) < 0.3,  # failure unrelated to the parameters
    }
    for status, fails in cases.items():
        found = find_boxes(x, fails)
        assert found.status == status and found.table.empty, status
    constant = find_boxes(pd.DataFrame({"a": np.full(300, 0.5)}), rng.random(300) < 0.3)
    assert constant.status == NOTHING_VARIES and constant.parameters == ()


# -- the words and the figure, on a known box ----------------------------------------------------

#: Uncertain parameters of the commune's calibration with their prior ranges (calibrate-2017).
RANGES = {
    "leave_after_upper_secondary_2y": (0.4, 0.8),
    "return_within_5y": (0.2, 0.95),
    "callup_share": (0.01, 0.08),
    "spotting_rate_white": (0.0, 0.015),
    "plan_source_ratio": (1.0, 3.0),
}


@pytest.fixture(scope="module")
def known() -> object:
    """A discovery of the real plan whose failures follow a known law of two parameters."""
    n, rng = 400, np.random.default_rng(5)
    values = pd.DataFrame({k: rng.uniform(low, high, n) for k, (low, high) in RANGES.items()})
    inside = (values["leave_after_upper_secondary_2y"] > 0.6) & (values["return_within_5y"] < 0.5)
    fails = rng.random(n) < np.where(inside, 0.9, 0.1)
    outcomes = pd.DataFrame({"replication": np.arange(n), **{k: True for k in TARGET_KEYS}})
    outcomes[TARGET] = ~fails
    result = analyse_runs(
        short_scenario("resolution-2015"),
        TARGET,
        values,
        outcomes,
        seed=5,
        source="prior",
        parameters={"kind": "prior"},
    )
    assert result.status == BOX
    assert set(result.box(1)["parameter"]) == {"leave_after_upper_secondary_2y", "return_within_5y"}
    return result


@pytest.mark.parametrize("lang", LANGS)
def test_the_sentence_gives_the_box_in_words_and_numbers(known, lang: str) -> None:
    sentence = discovery_sentence(known, lang)
    box = known.box(1)
    first = box.iloc[0]
    for number in (known.base_rate, first["coverage"], first["density"]):
        assert percent(float(number), lang) in sentence
    limits = box.set_index("parameter")
    leave = limits.loc["leave_after_upper_secondary_2y"]
    back = limits.loc["return_within_5y"]
    assert leave["limited"] == "low" and back["limited"] == "high"
    assert value_text("leave_after_upper_secondary_2y", leave["low"], lang) in sentence
    assert value_text("return_within_5y", back["high"], lang) in sentence
    for name in ("leave_after_upper_secondary_2y", "return_within_5y"):
        words = t(f"param.{name}", lang)
        assert (words[0].lower() + words[1:]) in sentence
    assert not SNAKE.search(sentence)
    assert target_label(known, lang) in sentence
    if lang == "vi":
        assert "không đạt chủ yếu khi" in sentence and " trên " in sentence
        assert "trường hợp" in sentence and "số lần mô phỏng" in sentence
    else:
        assert "fails mainly when" in sentence and " is above " in sentence
    assert discovery_sentence(known, lang) in discovery_text(known, lang)


@pytest.mark.parametrize("lang", LANGS)
def test_the_figure_names_the_parameters_and_keeps_every_word_inside(
    known, lang: str, tmp_path: Path
) -> None:
    figure = discovery_figure(known, lang)
    renderer = FigureCanvasAgg(figure).get_renderer()
    figure.draw(renderer)
    labels = [
        " ".join(label.get_text().split()) for ax in figure.axes for label in ax.get_yticklabels()
    ]
    for name in known.box(1)["parameter"]:
        assert any(label.startswith(t(f"param.{name}", lang)) for label in labels), labels
    words = [a.get_text() for a in figure.findobj(Text) if a.get_visible() and a.get_text()]
    for text in words:
        assert not VILLAGE_ID.search(text) and not SNAKE.search(text), text
    assert t("disc.legend.box", lang) in words
    title = figure.sim_provenance["title"]
    assert title == t("disc.title", lang, plan=t("scenario.resolution", lang, year="2015"))
    if lang == "vi":
        assert "không đạt chỉ tiêu" in title and "Nghị quyết" in title
    width, height = figure.bbox.width, figure.bbox.height
    for text in figure.findobj(Text):
        if text.get_visible() and text.get_text().strip():
            box = text.get_window_extent(renderer)
            inside = box.x0 >= -1 and box.y0 >= -1 and box.x1 <= width + 1 and box.y1 <= height + 1
            assert inside, f"{text.get_text()!r} runs off the figure"
    (png,) = write_discovery_figures(
        known, figure=tmp_path / f"discovery.{lang}.png", lang=lang, dpi=60
    )
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000


# -- the model's runs ---------------------------------------------------------------------------


def test_posterior_runs_carry_their_particles_values() -> None:
    scenario = short_scenario("baseline")
    result = discover(scenario, TARGET, reps=6, seed=2, workers=1, out=None, quiet=True)
    posterior = resolve_posterior("commune", scenario.commune)
    for row in result.runs.itertuples(index=False):
        particle, values = posterior.draw(2, row.replication)
        assert row.posterior_particle == particle
        for name in result.summary["parameters_record"]["drawn"]:
            assert getattr(row, name) == values[name]
    assert result.status == ALWAYS_FAILS  # no white village by 2016: never
    assert "in all 6 runs" in discovery_sentence(result, "en")
    assert "cả 6 lần mô phỏng" in discovery_sentence(result, "vi")


def test_prior_runs_repeat_whatever_the_workers_and_are_reused(tmp_path: Path) -> None:
    scenario = short_scenario("baseline")
    options = {"reps": 12, "seed": 4, "source": "prior", "quiet": True}
    one = discover(scenario, TARGET, workers=1, out=tmp_path / "a", **options)
    two = discover(scenario, TARGET, workers=2, out=tmp_path / "b", **options)
    pd.testing.assert_frame_equal(one.runs, two.runs, check_exact=True)
    pd.testing.assert_frame_equal(one.table, two.table, check_exact=True)
    assert one.summary == two.summary
    assert one.manifest["key"] == two.manifest["key"] and not one.reused
    assert one.manifest["parameters"]["kind"] == "prior"
    assert {"callup_share", "return_within_5y"} <= set(one.parameters)
    again = discover(scenario, TARGET, workers=1, out=tmp_path / "a", **options)
    assert again.reused and again.path == one.path
    pd.testing.assert_frame_equal(again.runs, one.runs, check_exact=True)
    assert {p.name for p in one.path.iterdir()} >= {"manifest.json", "runs.parquet", "table.csv"}


def test_bad_settings_are_every_problem_at_once() -> None:
    scenario = short_scenario("baseline")
    with pytest.raises(InputError) as error:
        discover(scenario, "no_white_villages", reps=0, source="guess", threshold=1.5, out=None)
    text = str(error.value)
    assert "did you mean 'no_white_village_at_horizon'" in text
    assert all(field in text for field in ("reps", "source", "threshold"))
    with pytest.raises(InputError, match="--prior"):
        discover(scenario, TARGET, reps=3, posterior=None, out=None)


# -- the command line ---------------------------------------------------------------------------


def test_discover_prints_the_table_and_sentence_and_writes_figures(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    scenario = write_short_scenario(tmp_path / "scenarios", source="resolution-2015")
    figure = tmp_path / "figure.png"
    args = ["discover", str(scenario), "--target", "admissions_every_year_meet_target"]
    args += ["--reps", "12", "--seed", "3", "--workers", "1", "--quiet"]
    assert main([*args, "--out", str(tmp_path / "out"), "--figure", str(figure)]) == 0
    out = capsys.readouterr().out
    folder = Path(re.search(r"Stored in (\S+)", out).group(1))
    result = load_discovery(folder)
    assert discovery_sentence(result, "en") in out
    assert result.status in (FEW_FAILURES, NEVER_FAILS)  # 12 runs: too few to find a box
    assert figure.read_bytes()[:4] == b"\x89PNG"
    assert (folder / "discovery.vi.png").is_file() and (folder / "discovery.en.png").is_file()
    assert main([*args, "--out", str(tmp_path / "out"), "--lang", "vi"]) == 0
    assert discovery_sentence(result, "vi") in capsys.readouterr().out


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--target", "no_white_villages"], "did you mean 'no_white_village_at_horizon'"),
        (["--no-posterior"], "use --prior"),
        (["--threshold", "2"], "threshold: 2.0 (allowed: a share in (0, 1])"),
    ],
)
def test_discover_bad_input_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture, extra: list[str], message: str
) -> None:
    scenario = write_short_scenario(tmp_path / "scenarios")
    assert main(["discover", str(scenario), "--out", str(tmp_path), *extra]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.splitlines()) == 1, err


def test_prim_is_used_without_loading_pyplot() -> None:
    """A discovery must not make the process register its later figures with pyplot."""
    code = (
        "import sys, numpy as np, pandas as pd\n"
        "from sim.analysis.discovery_boxes import find_boxes\n"
        "x = pd.DataFrame(np.random.default_rng(1).random((300, 3)), columns=list('abc'))\n"
        "assert find_boxes(x, x['a'] > 0.6).status == 'box'\n"
        "print('matplotlib.pyplot' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "False"
