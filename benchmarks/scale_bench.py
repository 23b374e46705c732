"""The cost of scale: one run of a commune 1x, 10x and 100x Nà Hỳ's size.

Why: a district or a province is a commune many times over, and a planner
asking about one wants to know whether the toolkit still answers in
reasonable time and memory. The scaled commune is generated, not stored: a
copy of the commune folder in which every village and every cell is repeated
``k`` times (ids suffixed ``-2``, ``-3``, ...; village cells cover the copies
of their own villages), and the commune's population, households and
members are multiplied by ``k``. Rates and durations are the commune's, so a
run of the scaled commune is ``k`` communes side by side, and its cost per
person-year should not grow with ``k``.

Each scale runs in a fresh interpreter (so that peak memory is that run's
alone: the maximum resident set size the kernel reports), at the assumed
parameter values. Targets (issue 18): cost per person-year at 100x within
1.3x of 1x; one 100x run (about 480,000 people) under 4 GB.

``python -m benchmarks.scale_bench [--scales 1 10 100] [--seed 1]``
"""

from __future__ import annotations

import argparse
import csv
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import tomllib
from collections.abc import Sequence
from pathlib import Path

COMMUNE = Path(__file__).resolve().parents[1] / "data" / "nahy"


def copy_id(identifier: str, copy: int) -> str:
    """The id of copy ``copy`` (1 is the original) of a village or cell."""
    return identifier if copy == 1 else f"{identifier}-{copy}"


def scaled_commune(source: Path, k: int, out: Path) -> Path:
    """Write ``source`` repeated ``k`` times into ``out`` (see the module docstring)."""
    if out.exists():
        shutil.rmtree(out)
    shutil.copytree(source, out, ignore=shutil.ignore_patterns("calibration", "scenarios"))
    (out / "scenarios").mkdir()
    shutil.copy(source / "scenarios" / "baseline.toml", out / "scenarios" / "baseline.toml")
    for name, id_column, refer in (
        ("villages.csv", "village_id", {"host_cell": False}),
        ("cells.csv", "cell_id", {"villages": True}),
    ):
        with (source / name).open(encoding="utf-8", newline="") as file:
            reader = csv.DictReader(file)
            fields, rows = reader.fieldnames, list(reader)
        scaled = []
        for copy in range(1, k + 1):
            for row in rows:
                new = {**row, id_column: copy_id(row[id_column], copy)}
                for column, is_list in refer.items():
                    if row[column]:
                        values = row[column].split(";") if is_list else [row[column]]
                        new[column] = ";".join(copy_id(v, copy) for v in values)
                if "name" in new and copy > 1:
                    new["name"] = f"{row['name']} ({copy})"
                scaled.append(new)
        with (out / name).open("w", encoding="utf-8", newline="") as file:
            writer = csv.DictWriter(file, fieldnames=fields)
            writer.writeheader()
            writer.writerows(scaled)
    text = (source / "commune.toml").read_text(encoding="utf-8")
    commune = tomllib.loads(text)["commune"]
    for key in ("population", "households", "party_members"):
        text = text.replace(f"\n{key} = {commune[key]}\n", f"\n{key} = {commune[key] * k}\n", 1)
    (out / "commune.toml").write_text(text, encoding="utf-8")
    return out / "scenarios" / "baseline.toml"


def measure_one(scenario_path: Path, seed: int) -> dict[str, float]:
    """One run of ``scenario_path`` in this process: times, events, people, peak memory."""
    import sim
    from benchmarks.model_bench import timed_run

    scenario = sim.load_scenario(scenario_path)
    model, (build_s, simulate_s, tables_s) = timed_run(scenario, seed)
    years = model.horizon / 12.0
    people = int(model.pop.size)
    events = int(model.events)
    model.close()
    return {
        "people_at_end": people,
        "population": float(scenario.commune.population),
        "years": years,
        "events": events,
        "build_s": build_s,
        "simulate_s": simulate_s,
        "run_s": build_s + simulate_s + tables_s,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def measure(k: int, seed: int, folder: Path) -> dict[str, float]:
    """:func:`measure_one` of the commune scaled ``k`` times, in a fresh interpreter."""
    scenario = scaled_commune(COMMUNE, k, folder / f"x{k}")
    output = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks.scale_bench",
            "--one",
            str(scenario),
            "--seed",
            str(seed),
        ],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[1],
    ).stdout
    figures = json.loads(output.strip().splitlines()[-1])
    figures["scale"] = k
    person_years = figures["population"] * figures["years"]
    figures["us_per_person_year"] = 1e6 * figures["run_s"] / person_years
    return figures


def main(argv: Sequence[str] | None = None) -> list[dict[str, float]]:
    """Print one line per scale and the cost per person-year against the first scale."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", type=int, nargs="+", default=[1, 10, 100])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--one", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one is not None:
        figures = measure_one(args.one, args.seed)
        print(json.dumps(figures))
        return [figures]
    rows = []
    print(
        f"{'scale':>6}{'people':>10}{'events':>11}{'build s':>9}{'run s':>9}"
        f"{'peak MB':>9}{'us/person-year':>16}{'vs 1x':>7}"
    )
    with tempfile.TemporaryDirectory(prefix="scale-") as folder:
        for k in args.scales:
            row = measure(k, args.seed, Path(folder))
            rows.append(row)
            relative = row["us_per_person_year"] / rows[0]["us_per_person_year"]
            print(
                f"{k:>5}x{row['population']:>10,.0f}{row['events']:>11,}{row['build_s']:>9.2f}"
                f"{row['run_s']:>9.2f}{row['peak_rss_mb']:>9.0f}"
                f"{row['us_per_person_year']:>16.2f}{relative:>7.2f}"
            )
    print(
        "(targets, issue 18: cost per person-year at 100x within 1.3x of 1x; a 100x run "
        "under 4,000 MB)"
    )
    return rows


if __name__ == "__main__":
    main()
