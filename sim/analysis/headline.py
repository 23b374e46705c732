"""An ensemble's answer in words and a small table, for the command line and briefings.

Why its own module: the numbers come from ``summary.json`` and the
definitions from the manifest, so the same text can be produced from a
stored result without running anything, and every sentence is worded once.
Percentages are whole numbers; interval bounds are rounded outwards (the
lower bound down, the upper bound up) so a printed interval never claims more
certainty than the computed one.
"""

from __future__ import annotations

import math
from typing import Any

from sim.experiments.posterior import parameters_of
from sim.experiments.summary import QUANTILES
from sim.model.targets import TARGET_KEYS


def percent(p: float) -> str:
    """A probability as a whole percentage; ``<1 %`` and ``>99 %`` near the ends."""
    if p != p:  # NaN
        return "n/a"
    if 0 < p < 0.005:
        return "<1 %"
    if 0.995 < p < 1:
        return ">99 %"
    return f"{round(p * 100):.0f} %"


def interval(ci: list[float] | tuple[float, float]) -> str:
    """A 95 % interval as ``31–37 %``, rounded outwards."""
    low = math.floor(ci[0] * 100 + 1e-9)
    high = math.ceil(ci[1] * 100 - 1e-9)
    return f"{low}–{high} %"


def _span(years: list[int]) -> str:
    if not years:
        return "(no year)"
    return str(years[0]) if len(years) == 1 else f"{years[0]}–{years[-1]}"


def target_phrases(targets: dict[str, Any]) -> dict[str, str]:
    """What each target key means, in words, with this ensemble's thresholds and years."""
    minimum = targets["admissions_per_year_min"]
    per_cell = targets["admissions_per_cell_per_year_min"]
    target_years = _span(targets["target_years"])
    term_years = _span(targets["term_years"])
    horizon = targets["horizon"]
    return {
        "admissions_every_year_meet_target": (
            f"admitting at least {minimum} every year {target_years}"
        ),
        "admissions_term_mean_meets_target": (
            f"admitting at least {minimum} a year on average over {term_years}"
        ),
        "no_white_village_at_horizon": f"no white village (one without members) at {horizon}",
        "every_village_has_cell_at_horizon": f"every village having its own cell at {horizon}",
        "every_cell_admits_each_year": (
            f"every cell admitting at least {per_cell} every year {target_years}"
        ),
    }


def sentences(summary: dict[str, Any], manifest: dict[str, Any]) -> list[str]:
    """The answer in plain words, one sentence per target, then admissions and white villages,
    then where the parameters came from (the commune's calibration or the assumed values):
    the same figures mean something else under each, so the answer always says which."""
    targets = manifest["targets"]
    phrases = target_phrases(targets)
    lines = []
    for key in TARGET_KEYS:
        entry = summary[key]
        lines.append(f"Chance of {phrases[key]}: {percent(entry['p'])} ({interval(entry['ci95'])})")
    by_year = summary["admissions_by_year"]
    middle = ", ".join(
        f"{year}: {_number(stats['p50'])} ({_number(stats['p05'])}–{_number(stats['p95'])})"
        for year, stats in by_year.items()
    )
    lines.append(f"Admissions a year, median (90 % of runs between): {middle}")
    lines.append(_ending_sentence(summary["last_white_village_ends"], targets["horizon"]))
    lines.append(parameters_of({**manifest, **_record(summary)})["sentence"])
    return lines


def _record(summary: dict[str, Any]) -> dict[str, Any]:
    """The summary's ``parameters`` record, if it has one (it wins over the manifest's)."""
    return {"parameters": summary["parameters"]} if "parameters" in summary else {}


def _ending_sentence(ending: dict[str, Any], horizon: str) -> str:
    still = (
        f"some village is still white at {horizon} in {percent(ending['share_some_village_white'])}"
        f" of runs ({interval(ending['share_ci95'])})"
    )
    if ending["median"] is None:
        return f"The last white village does not end by {horizon} in most runs: {still}"
    spread = [f"earliest 5 % of runs by {_month(ending['p05'])}"]
    if ending["p95"] is not None:
        spread.append(f"latest 5 % after {_month(ending['p95'])}")
    return (
        f"The last white village ends in {_month(ending['median'])} "
        f"(median; {', '.join(spread)}); {still}"
    )


def _month(text: str) -> str:
    """``2018-03-01`` -> ``2018-03`` (the months are firsts of months)."""
    return text[:7] if len(text) == 10 and text[4] == "-" else text


def _number(value: float) -> str:
    """A count statistic: one decimal at most, none when it is whole."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def headline_table(summary: dict[str, Any], manifest: dict[str, Any]) -> str:
    """A compact table of the targets and the admissions by year (``python -m sim run``)."""
    phrases = target_phrases(manifest["targets"])
    width = max(len(text) for text in phrases.values())
    lines = [f"{'target':<{width}}  {'chance':>7}  95 % interval"]
    for key in TARGET_KEYS:
        entry = summary[key]
        lines.append(
            f"{phrases[key]:<{width}}  {percent(entry['p']):>7}  {interval(entry['ci95'])}"
        )
    lines.append("")
    header = f"{'admissions':<15}" + "".join(f"{name:>7}" for name in ("mean", *dict(QUANTILES)))
    lines.append(header)
    for year, stats in summary["admissions_by_year"].items():
        cells = "".join(f"{stats[name]:>7.1f}" for name in ("mean", *dict(QUANTILES)))
        lines.append(f"{year:<15}{cells}")
    white = summary["white_villages_at_horizon"]
    lines.append(
        f"{'white villages':<15}"
        + "".join(f"{white[name]:>7.1f}" for name in ("mean", *dict(QUANTILES)))
        + f"   (at {manifest['targets']['horizon']})"
    )
    lines.append("")
    lines.append(
        _ending_sentence(summary["last_white_village_ends"], manifest["targets"]["horizon"])
    )
    return "\n".join(lines)


def describe_run(manifest: dict[str, Any], path: Any, reused: bool) -> str:
    """One line saying what was run, where it is stored and how long it took."""
    scenario = manifest["scenario"]
    timings = manifest.get("timings", {})
    how = (
        "reused from the store"
        if reused
        else f"{timings.get('wall_s', 0):.1f} s on {manifest['backend'].get('workers', 1)} "
        f"{manifest['backend'].get('name', '')} worker(s)"
    )
    where = f"; stored in {path}" if path is not None else ""
    posterior = manifest.get("parameters_drawn_from_posterior")
    drawn = (
        f"; parameters drawn from the posterior {posterior['source']} "
        f"(sha256 {posterior['sha256'][:12]}, {posterior['particles']} particles)"
        if posterior
        else ""
    )
    return (
        f"Scenario {scenario['name']!r} of {scenario['commune']['name']}: {manifest['reps']} runs, "
        f"seed {manifest['seed']}, nahy-sim {manifest['version']} ({how}){where}{drawn}"
    )
