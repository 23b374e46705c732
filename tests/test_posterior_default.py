"""The forecast draws its parameters from the commune's calibration, by default.

A commune folder may hold ``calibration/posterior.parquet`` (and the
``manifest.json`` ``sim calibrate`` wrote beside it). Every ensemble of its
scenarios then draws each replication's parameters from it unless told
``posterior=None`` (``--no-posterior``); parameters the scenario sets itself
keep the scenario's values; and every output says which. A commune without
the folder behaves exactly as before. The communes here are small temporary
ones with Nà Hỳ's rates (:mod:`tests.calibration_support`), so the runs take
hundredths of a second.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

import sim
from sim.analysis.comparison import compare, comparison_table, cost_of_delay
from sim.analysis.forecast import run_forecast
from sim.analysis.what_it_takes import Lever, search
from sim.cli.main import main
from sim.experiments.ensemble import ensemble_key, replication_seeds, run_chunk, run_ensemble
from sim.experiments.posterior import COMMUNE, load_posterior, resolve_posterior
from sim.experiments.summary import SUMMARY_KEYS
from sim.inputs.commune import load_commune
from sim.inputs.provenance import commune_fingerprint
from sim.model.targets import definitions_for, replication_metrics
from sim.presentation.briefing import write_briefing
from sim.presentation.briefing_content import parameters_sentence
from sim.presentation.plots import admissions_fan
from sim.presentation.plots.data import source_line
from tests.calibration_support import small_commune
from tests.ensemble_support import assert_same_tables

FAST = {"workers": 1, "quiet": True}

TABLE = pd.DataFrame(
    {
        "spotting_rate_cell": [0.004, 0.05, 0.02],
        "leave_hazard_young": [0.02, 0.1, 0.05],
        "weight": [0.2, 0.5, 0.3],
        "distance": [1.0, 1.2, 0.9],  # other columns of a calibration's table are ignored
    }
)

#: A calibration manifest as ``sim calibrate`` writes it (only what is read here).
MANIFEST = {
    "status": "complete",
    "inputs": {"observed.csv": {"sha256": "0" * 64}},
    "seed": 2017,
    "version": "test",
    "observations": [
        {"metric": "admissions", "date_from": "2015-01-01", "date_to": "2017-03-31"},
        {"metric": "population", "date_from": "2022-07-01", "date_to": "2022-07-01"},
    ],
    # rows the calibration did not use do not date it
    "skipped": [{"metric": "callups", "date_from": "2010-01-01", "date_to": "2030-12-31"}],
}

BASE = """\
name = "base"
description = "The small commune as it is."
commune = ".."
horizon = 2016-12-31
seed = 3
"""

MEASURES = (
    BASE.replace('"base"', '"measures"')
    + """
[[interventions]]
measure = "propaganda"
start = 2015-07-01
intensity = 1.0
effort_per_unit = 1.0
"""
)

ASSUMED = "Parameters: the assumed values of parameters.csv (not calibrated)"


def write_calibration(commune: Path, table: pd.DataFrame = TABLE) -> Path:
    folder = commune / "calibration"
    folder.mkdir()
    table.to_parquet(folder / "posterior.parquet")
    (folder / "manifest.json").write_text(json.dumps(MANIFEST), encoding="utf-8")
    return folder


def write_scenarios(commune: Path) -> Path:
    folder = commune / "scenarios"
    folder.mkdir()
    (folder / "baseline.toml").write_text(BASE, encoding="utf-8")
    (folder / "measures.toml").write_text(MEASURES, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def calibrated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small commune with a calibration folder and two scenario files."""
    commune = small_commune(tmp_path_factory.mktemp("calibrated") / "commune")
    write_calibration(commune)
    write_scenarios(commune)
    return commune


@pytest.fixture(scope="module")
def plain(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same commune without a calibration folder."""
    commune = small_commune(tmp_path_factory.mktemp("plain") / "commune")
    write_scenarios(commune)
    return commune


def base(commune: Path) -> sim.Scenario:
    return sim.load_scenario(commune / "scenarios" / "baseline.toml")


def measures(commune: Path) -> sim.Scenario:
    return sim.load_scenario(commune / "scenarios" / "measures.toml")


def expected_sentence(commune: Path) -> str:
    return (
        f"Parameters: drawn from the commune's calibration ({commune / 'calibration'}, "
        "3 particles, calibrated to the observed 2015–2022 record)"
    )


@pytest.fixture(scope="module")
def drawn(calibrated: Path) -> sim.EnsembleResult:
    """The default ensemble of the calibrated commune."""
    return run_ensemble(base(calibrated), 6, 4, out=None, **FAST)


@pytest.fixture(scope="module")
def assumed(calibrated: Path) -> sim.EnsembleResult:
    """The same ensemble asked for at the assumed values."""
    return run_ensemble(base(calibrated), 6, 4, out=None, posterior=None, **FAST)


# -- the commune knows its calibration ----------------------------------------------------


def test_the_commune_knows_its_calibration_without_changing_its_fingerprint(
    calibrated: Path, plain: Path, tmp_path: Path
) -> None:
    assert load_commune(calibrated).calibration_path == calibrated / "calibration"
    assert load_commune(plain).calibration_path is None
    # a folder without the table is not a calibration
    half = small_commune(tmp_path / "half")
    (half / "calibration").mkdir()
    (half / "calibration" / "manifest.json").write_text("{}", encoding="utf-8")
    assert load_commune(half).calibration_path is None
    # the same data files, with and without a calibration: the same data
    assert commune_fingerprint(load_commune(calibrated)) == commune_fingerprint(load_commune(plain))


# -- run_ensemble ---------------------------------------------------------------------------


def test_by_default_each_replication_draws_its_particle_from_the_commune_calibration(
    calibrated: Path, drawn: sim.EnsembleResult
) -> None:
    posterior = load_posterior(calibrated / "calibration")
    assert drawn.replications["posterior_particle"].tolist() == [
        posterior.draw(4, i)[0] for i in range(6)
    ]
    for record in (drawn.manifest, drawn.summary):
        assert record["parameters_drawn_from_posterior"]["sha256"] == posterior.sha256
        parameters = record["parameters"]
        assert parameters["kind"] == "posterior" and parameters["commune_calibration"] is True
        assert parameters["sha256"] == posterior.sha256
        assert parameters["calibration"] == str(calibrated / "calibration")
        assert parameters["observed"] == {"from": "2015-01-01", "to": "2022-07-01"}
        assert parameters["drawn"] == ["spotting_rate_cell", "leave_hazard_young"]
        assert parameters["held_at_scenario_values"] == {}
        assert parameters["sentence"] == expected_sentence(calibrated)
    assert drawn.manifest["key"] == ensemble_key(base(calibrated), 4, 6, posterior)[0]
    # replication 3 is exactly a run with its particle's values and its own seed
    row, values = posterior.draw(4, 3)
    assert values == {k: TABLE.loc[row, k] for k in ("spotting_rate_cell", "leave_hazard_young")}
    scenario = base(calibrated)
    alone = sim.run(scenario.with_parameters(**values), replication_seeds(4, 6)[3])
    metrics = replication_metrics(alone, definitions_for(scenario)).scalars
    for column in ("admissions_total", "members_at_horizon", "events"):
        expected = metrics[column] if column != "events" else alone.metadata["events"]
        assert drawn.replications.loc[3, column] == expected


def test_no_posterior_runs_at_the_assumed_values_and_says_so(
    calibrated: Path, plain: Path, drawn: sim.EnsembleResult, assumed: sim.EnsembleResult
) -> None:
    assert "posterior_particle" not in assumed.replications
    assert "parameters_drawn_from_posterior" not in assumed.manifest
    for record in (assumed.manifest, assumed.summary):
        assert record["parameters"]["kind"] == "assumed"
        assert record["parameters"]["sentence"] == ASSUMED
    # exactly the uncalibrated commune's ensemble: same tables, same store key
    as_before = run_ensemble(base(plain), 6, 4, out=None, **FAST)
    assert_same_tables(assumed.tables(), as_before.tables())
    assert assumed.manifest["key"] == as_before.manifest["key"]
    assert not drawn.replications["admissions_total"].equals(
        assumed.replications["admissions_total"]
    ) or not drawn.replications["events"].equals(assumed.replications["events"])
    same = run_ensemble(base(calibrated), 6, 4, out=None, posterior=False, **FAST)
    assert_same_tables(same.tables(), assumed.tables())


def test_a_commune_without_calibration_behaves_as_before(plain: Path) -> None:
    scenario = base(plain)
    result = run_ensemble(scenario, 3, 2, out=None, **FAST)
    assert result.manifest["key"] == ensemble_key(scenario, 2, 3)[0]
    assert "posterior_sha256" not in ensemble_key(scenario, 2, 3)[1]
    assert tuple(result.summary) == (*SUMMARY_KEYS, "parameters")
    assert result.summary["parameters"]["sentence"] == ASSUMED
    assert resolve_posterior(COMMUNE, scenario.commune) is None
    with pytest.raises(sim.InputError, match="holds no posterior.parquet"):
        resolve_posterior(True, scenario.commune)


def test_the_scenario_own_parameters_win_over_drawn_values(calibrated: Path) -> None:
    scenario = base(calibrated).with_parameters(leave_hazard_young=0.07)
    result = run_ensemble(scenario, 4, 4, out=None, **FAST)
    record = result.manifest["parameters"]
    assert record["held_at_scenario_values"] == {"leave_hazard_young": 0.07}
    assert record["drawn"] == ["spotting_rate_cell"]
    assert record["sentence"] == (
        expected_sentence(calibrated) + "; the scenario's own values for leave_hazard_young"
    )
    posterior = load_posterior(calibrated / "calibration")
    row, values = posterior.draw(4, 1)
    alone = sim.run(
        scenario.with_parameters(spotting_rate_cell=values["spotting_rate_cell"]),
        replication_seeds(4, 4)[1],
    )
    assert result.replications.loc[1, "events"] == alone.metadata["events"]
    # a worker given a drawn value for a parameter the scenario sets keeps the scenario's
    seed = replication_seeds(4, 4)[0]
    definitions = definitions_for(scenario)
    forced = run_chunk(scenario, definitions, [(0, seed)], {0: (1, {"leave_hazard_young": 0.9})})[
        "replications"
    ]
    plain = run_chunk(scenario, definitions, [(0, seed)])["replications"]
    assert forced.drop_columns(["posterior_particle"]).equals(plain)
    # never the key of an ensemble in which drawn values overrode the scenario's
    key, inputs = ensemble_key(scenario, 4, 4, posterior)
    assert inputs["posterior_held_at_scenario_values"] == ["leave_hazard_young"]


def test_an_explicit_posterior_still_works(calibrated: Path, tmp_path: Path) -> None:
    other = tmp_path / "elsewhere"
    other.mkdir()
    TABLE.assign(weight=[0.0, 0.0, 1.0]).to_parquet(other / "posterior.parquet")
    result = run_ensemble(base(calibrated), 3, 4, out=None, posterior=other, **FAST)
    assert set(result.replications["posterior_particle"]) == {2}
    record = result.manifest["parameters"]
    assert record["commune_calibration"] is False
    assert record["sentence"] == (
        f"Parameters: drawn from the posterior {other / 'posterior.parquet'} (3 particles)"
    )
    # the commune's own folder named explicitly is still the commune's calibration
    own = run_ensemble(base(calibrated), 3, 4, out=None, posterior=calibrated / "calibration")
    assert own.manifest["parameters"]["sentence"] == expected_sentence(calibrated)


@pytest.mark.parametrize(
    ("content", "name"),
    [(b"PAR1 not a parquet file", "posterior.parquet"), (b"{not json", "manifest.json")],
)
def test_an_unreadable_calibration_is_one_input_error_naming_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes, name: str
) -> None:
    commune = small_commune(tmp_path / "commune")
    folder = write_calibration(commune)
    (folder / name).write_bytes(content)
    scenarios = write_scenarios(commune)
    with pytest.raises(sim.InputError) as caught:
        run_ensemble(base(commune), 2, 1, out=None, **FAST)
    (problem,) = caught.value.problems
    assert str(problem).startswith(f"{folder / name}: (file): not readable")
    args = ["run", str(scenarios / "baseline.toml"), "--reps", "2", "--out", str(tmp_path)]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and str(folder / name) in err
    assert main([*args, "--no-posterior", "--workers", "1", "--quiet"]) == 0  # the way out


# -- forecast, command line ------------------------------------------------------------------


def test_the_forecast_says_which_parameters_it_used(calibrated: Path, tmp_path: Path) -> None:
    files = [calibrated / "scenarios" / "baseline.toml"]
    run_forecast(files, 2, 1, out=tmp_path / "drawn", **FAST)
    text = (tmp_path / "drawn" / "forecast.txt").read_text(encoding="utf-8")
    assert f"  {expected_sentence(calibrated)}\n" in text
    index = json.loads((tmp_path / "drawn" / "forecast.json").read_text(encoding="utf-8"))
    (entry,) = index["scenarios"]
    assert entry["parameters"]["kind"] == "posterior"
    assert entry["sentences"][-1] == expected_sentence(calibrated)
    assert entry["summary"]["parameters"]["sha256"] == entry["parameters"]["sha256"]

    run_forecast(files, 2, 1, out=tmp_path / "assumed", posterior=None, **FAST)
    text = (tmp_path / "assumed" / "forecast.txt").read_text(encoding="utf-8")
    assert f"  {ASSUMED}\n" in text and "calibration" not in text


def test_the_commands_take_no_posterior(
    calibrated: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scenarios = calibrated / "scenarios"
    common = ["--reps", "2", "--seed", "1", "--workers", "1", "--quiet", "--out", str(tmp_path)]
    run = ["run", str(scenarios / "baseline.toml"), *common]
    assert main(run) == 0
    assert expected_sentence(calibrated) in capsys.readouterr().out
    assert main([*run, "--no-posterior"]) == 0
    out = capsys.readouterr().out
    assert ASSUMED in out and "posterior" not in out.splitlines()[0]
    assert main([*run, "--no-posterior", "--posterior", str(calibrated / "calibration")]) == 2
    capsys.readouterr()
    forecast = ["forecast", "--commune", str(calibrated), *common[:-1], str(tmp_path / "f")]
    assert main([*forecast, "--no-posterior"]) == 0
    out = capsys.readouterr().out
    assert out.count(ASSUMED) == 1  # baseline.toml only: measures.toml is not forecast
    pair = [str(scenarios / "baseline.toml"), str(scenarios / "measures.toml")]
    assert main(["compare", *pair, *common]) == 0
    assert expected_sentence(calibrated) in capsys.readouterr().out
    assert main(["compare", *pair, *common, "--no-posterior"]) == 0
    assert ASSUMED in capsys.readouterr().out


# -- comparisons, cost of delay, search ----------------------------------------------------------


def test_paired_scenarios_draw_the_same_particle_for_each_replication(calibrated: Path) -> None:
    posterior = load_posterior(calibrated / "calibration")
    comparison = compare([base(calibrated), measures(calibrated)], 4, 5, out=None, **FAST)
    particles = [r.replications["posterior_particle"].tolist() for r in comparison.results.values()]
    assert particles == [[posterior.draw(5, i)[0] for i in range(4)]] * 2
    assert comparison.manifest["parameters"]["sha256"] == posterior.sha256
    assert comparison.text().splitlines()[1] == expected_sentence(calibrated)

    held = dataclasses.replace(
        base(calibrated).with_parameters(leave_hazard_young=0.07), name="held"
    )
    with_held = compare([base(calibrated), held], 2, 5, out=None, **FAST)
    assert with_held.manifest["parameters"]["sentence"] == (
        expected_sentence(calibrated) + "; held keeps its own values for leave_hazard_young"
    )
    # drawn and not drawn are not paired
    assumed = run_ensemble(base(calibrated), 4, 5, out=None, posterior=None, **FAST)
    drawn = comparison.results["base"]
    with pytest.raises(ValueError, match="drew its parameters otherwise"):
        comparison_table({"drawn": drawn, "assumed": assumed})


def test_the_cost_of_delay_draws_the_same_particles(calibrated: Path) -> None:
    delay = cost_of_delay(measures(calibrated), 2, 5, months=6, out=None, **FAST)
    particles = {
        tuple(r.replications["posterior_particle"]) for r in delay.comparison.results.values()
    }
    assert len(particles) == 1
    assert delay.text().splitlines()[1] == expected_sentence(calibrated)
    plain = cost_of_delay(measures(calibrated), 2, 5, months=6, out=None, posterior=None, **FAST)
    assert plain.text().splitlines()[1] == ASSUMED


def test_the_search_draws_from_the_calibration_and_keys_its_study_by_it(
    calibrated: Path, tmp_path: Path
) -> None:
    file = calibrated / "scenarios" / "measures.toml"
    options = {
        "target": "admissions_term_mean_meets_target",
        "p": 0.5,
        "reps": 2,
        "seed": 1,
        "trials": 2,
        "start_step": 0,
        "out": tmp_path,
        **FAST,
    }
    lever = [Lever("propaganda", 0.5, 0.5)]
    drawn = search(file, lever, **options)
    sha = load_posterior(calibrated / "calibration").sha256
    assert drawn.manifest["posterior_sha256"] == sha
    assert drawn.manifest["parameters"]["sentence"] == expected_sentence(calibrated)
    assert expected_sentence(calibrated) in drawn.text()
    assumed = search(file, lever, posterior=None, **options)
    assert "posterior_sha256" not in assumed.manifest
    assert assumed.path != drawn.path and ASSUMED in assumed.text()


# -- the briefing and the figures ----------------------------------------------------------------

VI_DRAWN = "Tham số: lấy từ hiệu chỉnh của xã theo số liệu quan sát 2015–2022"
EN_DRAWN = "Parameters: drawn from the commune's calibration to the observed 2015–2022 record"
VI_ASSUMED = "Tham số: giá trị giả định trong parameters.csv (chưa hiệu chỉnh)"


def test_the_briefing_says_which_in_vietnamese_and_english(
    drawn: sim.EnsembleResult, assumed: sim.EnsembleResult, tmp_path: Path
) -> None:
    assert parameters_sentence([drawn], "vi") == VI_DRAWN
    assert parameters_sentence([drawn], "en") == EN_DRAWN
    assert parameters_sentence([assumed], "vi") == VI_ASSUMED
    assert parameters_sentence([assumed], "en") == ASSUMED
    # ensembles of different origins are named one by one
    mixed = parameters_sentence([drawn, dataclasses.replace(assumed)], "en")
    assert EN_DRAWN in mixed and ASSUMED in mixed
    briefing = write_briefing([drawn], tmp_path / "vi", "vi", dpi=30)
    assert briefing.parameters == VI_DRAWN
    summary = briefing.summary_md.read_text(encoding="utf-8")
    assert f"\n{VI_DRAWN}.\n" in summary
    assert "tham số từ hiệu chỉnh của xã (số liệu 2015–2022)" in summary  # the source line
    index = json.loads(briefing.manifest.read_text(encoding="utf-8"))
    assert index["parameters"] == VI_DRAWN
    assert index["scenarios"][0]["parameters"]["kind"] == "posterior"


def test_every_figure_source_line_says_which(
    drawn: sim.EnsembleResult, assumed: sim.EnsembleResult
) -> None:
    assert "parameters from the commune's calibration (2015–2022 record)" in source_line(
        [drawn], "en"
    )
    assert "tham số giả định (chưa hiệu chỉnh)" in source_line([assumed], "vi")
    figure = admissions_fan([drawn], "en")
    assert "calibration (2015–2022 record)" in figure.sim_provenance["source_line"]
    assert figure.sim_provenance["scenarios"][0]["parameters"]["commune_calibration"] is True


def test_results_stored_before_the_record_existed_read_as_assumed(
    assumed: sim.EnsembleResult, tmp_path: Path
) -> None:
    old = dataclasses.replace(
        assumed,
        manifest={k: v for k, v in assumed.manifest.items() if k != "parameters"},
        summary={k: v for k, v in assumed.summary.items() if k != "parameters"},
    )
    assert parameters_sentence([old], "en") == ASSUMED
    assert "assumed parameters (not calibrated)" in source_line([old], "en")


def test_a_copied_calibration_folder_is_found_where_the_commune_is(
    calibrated: Path, tmp_path: Path
) -> None:
    """The calibration travels with the commune folder: a copy draws from its own copy."""
    copy = tmp_path / "copy"
    shutil.copytree(calibrated, copy)
    result = run_ensemble(base(copy), 2, 4, out=None, **FAST)
    assert result.manifest["parameters"]["calibration"] == str(copy / "calibration")
