"""Priors: the distributions are proper, and the [priors] table is checked like everything else."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import sim
from sim.inputs.priors import Prior

PRIORS = [
    Prior("a", "uniform", 0.2, 0.6),
    Prior("b", "loguniform", 0.004, 0.05),
    Prior("c", "triangular", 9.0, 18.0, mode=12.0),
    Prior("d", "normal", 0.01, 0.08, mean=0.03, sd=0.02),
]


@pytest.mark.parametrize("prior", PRIORS, ids=lambda p: p.dist)
def test_density_integrates_to_one_and_matches_the_quantiles(prior: Prior) -> None:
    x = np.linspace(prior.low, prior.high, 200_001)
    density = np.exp(prior.logpdf(x))
    assert np.trapezoid(density, x) == pytest.approx(1.0, abs=2e-3)
    # the mean by the density equals the mean of the quantile function
    by_density = np.trapezoid(x * density, x)
    by_quantiles = prior.ppf((np.arange(100_000) + 0.5) / 100_000).mean()
    assert by_quantiles == pytest.approx(by_density, rel=2e-3)
    assert prior.ppf(0.0) == pytest.approx(prior.low)
    assert prior.ppf(1.0) == pytest.approx(prior.high)
    assert prior.logpdf(prior.low - 1e-9) == -np.inf
    assert prior.logpdf(prior.high + 1e-9) == -np.inf


@pytest.mark.parametrize("prior", PRIORS, ids=lambda p: p.dist)
def test_density_in_proposal_space_integrates_to_one(prior: Prior) -> None:
    z = np.linspace(prior.to_space(prior.low), prior.to_space(prior.high), 200_001)
    assert np.trapezoid(np.exp(prior.logpdf_space(z)), z) == pytest.approx(1.0, abs=2e-3)
    assert prior.from_space(prior.to_space(0.04 if prior.dist != "triangular" else 12.0)) == (
        pytest.approx(0.04 if prior.dist != "triangular" else 12.0)
    )


def test_loguniform_is_uniform_in_the_logarithm() -> None:
    prior = PRIORS[1]
    draws = prior.sample(np.random.default_rng(1), 40_000)
    share_below_geometric_middle = np.mean(draws < np.sqrt(prior.low * prior.high))
    assert share_below_geometric_middle == pytest.approx(0.5, abs=0.01)


def test_scenario_file_priors_are_loaded_and_kept_by_copies(scenario_file: Path) -> None:
    text = scenario_file.read_text(encoding="utf-8").replace(
        "[parameters]",
        "[priors]\n"
        'leave_hazard_young = { dist = "loguniform", low = 0.02, high = 0.1 }\n'
        'return_within_5y = { dist = "triangular", low = 0.2, mode = 0.35, high = 0.6 }\n\n'
        "[parameters]",
    )
    scenario_file.write_text(text, encoding="utf-8")
    scenario = sim.load_scenario(scenario_file)
    assert list(scenario.priors) == ["leave_hazard_young", "return_within_5y"]
    assert scenario.priors["return_within_5y"].mode == 0.35
    copy = scenario.with_parameters(leave_hazard_young=0.03)
    assert copy.priors == scenario.priors
    assert scenario.to_dict()["priors"]["leave_hazard_young"] == {
        "dist": "loguniform",
        "low": 0.02,
        "high": 0.1,
    }


def test_a_scenario_without_priors_keeps_its_old_metadata(scenario_file: Path) -> None:
    """Stored ensembles are keyed by to_dict(): adding the priors feature must not change it."""
    assert "priors" not in sim.load_scenario(scenario_file).to_dict()


BAD = [
    (
        'nonsense_rate = { dist = "uniform", low = 0, high = 1 }',
        "priors.nonsense_rate",
        "unknown parameter 'nonsense_rate'",
    ),
    (
        'leave_hazard_youngg = { dist = "uniform", low = 0, high = 1 }',
        "priors.leave_hazard_youngg",
        "did you mean 'leave_hazard_young'",
    ),
    ("return_within_5y = 0.3", "priors.return_within_5y", "is not a table"),
    ("return_within_5y = { low = 0.2, high = 0.6 }", "priors.return_within_5y.dist", "missing"),
    (
        'return_within_5y = { dist = "gamma", low = 0.2, high = 0.6 }',
        "priors.return_within_5y.dist",
        "'gamma' is not allowed; allowed: uniform, loguniform",
    ),
    (
        'return_within_5y = { dist = "uniform", low = 0.2 }',
        "priors.return_within_5y.high",
        "missing (required)",
    ),
    (
        'return_within_5y = { dist = "uniform", low = 0.6, high = 0.2 }',
        "priors.return_within_5y.high",
        "0.2 is not above low 0.6",
    ),
    (
        'return_within_5y = { dist = "uniform", low = 0.2, high = 1.5 }',
        "priors.return_within_5y.high",
        "1.5 is outside [0, 1] (probability",
    ),
    (
        'leave_hazard_young = { dist = "uniform", low = -0.1, high = 0.1 }',
        "priors.leave_hazard_young.low",
        "-0.1 is negative (rate: allowed >= 0)",
    ),
    (
        'leave_hazard_young = { dist = "loguniform", low = 0, high = 0.1 }',
        "priors.leave_hazard_young.low",
        "loguniform needs low > 0",
    ),
    (
        'leave_hazard_young = { dist = "uniform", low = "a", high = 0.1 }',
        "priors.leave_hazard_young.low",
        "'a' is not a number",
    ),
    (
        'cultivation_months = { dist = "triangular", low = 9, mode = 20, high = 18 }',
        "priors.cultivation_months.mode",
        "20 is outside [low, high]",
    ),
    (
        'callup_share = { dist = "normal", mean = 0.03, sd = 0, low = 0.01, high = 0.08 }',
        "priors.callup_share.sd",
        "(allowed: > 0)",
    ),
    (
        'callup_share = { dist = "normal", mean = 0.9, sd = 0.01, low = 0.01, high = 0.08 }',
        "priors.callup_share",
        "has almost no mass",
    ),
]


@pytest.mark.parametrize(
    ("line", "field", "message"), BAD, ids=[b[1] + ":" + b[2][:12] for b in BAD]
)
def test_bad_priors_are_one_line_problems(
    scenario_file: Path, line: str, field: str, message: str
) -> None:
    text = scenario_file.read_text(encoding="utf-8") + f"\n[priors]\n{line}\n"
    scenario_file.write_text(text, encoding="utf-8")
    with pytest.raises(sim.InputError) as error:
        sim.load_scenario(scenario_file)
    problems = error.value.problems
    assert len(problems) == 1, [str(p) for p in problems]
    assert problems[0].file == str(scenario_file)
    assert problems[0].field == field
    assert message in problems[0].message
    assert "\n" not in str(problems[0])


def test_the_nahy_calibration_scenario_declares_priors_inside_the_data_ranges() -> None:
    scenario = sim.load_scenario(
        Path(__file__).resolve().parents[1] / "data/nahy/scenarios/calibrate-2017.toml"
    )
    table = scenario.commune.parameter_table.set_index("name")
    assert len(scenario.priors) >= 6
    for name, prior in scenario.priors.items():
        assert table.loc[name, "low"] <= prior.low < prior.high <= table.loc[name, "high"], name


def test_a_misspelt_key_names_the_right_one_and_the_missing_one(scenario_file: Path) -> None:
    text = scenario_file.read_text(encoding="utf-8")
    text += '\n[priors]\nreturn_within_5y = { dist = "uniform", low = 0.2, hi = 0.6 }\n'
    scenario_file.write_text(text, encoding="utf-8")
    with pytest.raises(sim.InputError) as error:
        sim.load_scenario(scenario_file)
    assert [(p.field, p.message.split(";")[0]) for p in error.value.problems] == [
        ("priors.return_within_5y.hi", "unknown key (did you mean 'high'?)"),
        ("priors.return_within_5y.high", "missing (required)"),
    ]
