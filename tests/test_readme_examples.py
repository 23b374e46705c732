"""The README's examples work as written: its Python runs, its TOML loads, its commands parse
and the quick ones run (with small settings, into a temporary folder).

Why: a README whose example has a renamed option or target fails the first
person who copies it. Every ``python -m sim`` line of a shell block is parsed
by the real command line (so a renamed option fails here), each path and
glob it names must exist, and the commands that take seconds run with their
replications cut down, the way the notebooks run in the suite; the ones that
take minutes (calibrate, identify, sensitivity, validate-model) are parsed and
checked, not run, and are exercised by their own tests.
"""

from __future__ import annotations

import glob
import re
import shlex
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from sim.cli.main import build_parser
from tests.conftest import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")
BLOCK = re.compile(r"^```(\w+)\n(.*?)^```", re.MULTILINE | re.DOTALL)
#: the commands run here, and the settings that make them quick
RUN_HERE = {"run", "compare", "search", "record", "validate"}
SMALL = {"--reps": "3", "--trials": "2"}
#: the commands that run ensembles: given SMALL's replications when the README leaves the default
TAKE_REPS = {"run", "compare", "search"}
#: folders an earlier README command writes, and the shipped folders of the same kind
WRITTEN_EARLIER = {"results/calibration/calibrate-2017": "data/nahy/calibration"}


def blocks(language: str) -> list[str]:
    return [body for lang, body in BLOCK.findall(README) if lang == language]


def commands() -> list[list[str]]:
    """Every ``python -m sim ...`` of the shell blocks, continuation lines joined, ``$S``
    expanded, comments dropped, as argument lists after ``-m sim``."""
    found = []
    for body in blocks("sh"):
        text = body.replace("\\\n", " ")
        variables = dict(re.findall(r"^(\w+)=(\S+)$", text, flags=re.MULTILINE))
        for line in text.splitlines():
            match = re.search(r"python -m sim (.*)", line)
            if not match:
                continue
            words = shlex.split(match.group(1), comments=True)
            words = [re.sub(r"\$(\w+)", lambda m, v=variables: v[m.group(1)], w) for w in words]
            found.append(words)
    return found


def expanded(words: list[str]) -> list[str]:
    """Globs expanded from the checkout, as the shell would."""
    out = []
    for word in words:
        matches = sorted(glob.glob(word, root_dir=REPO)) if "*" in word else []
        out += matches or [word]
    return out


def small(words: list[str], out: Path) -> list[str]:
    """The command with SMALL settings and its results under ``out``."""
    words = [WRITTEN_EARLIER.get(word, word) for word in words]
    for option, value in SMALL.items():
        if option in words:
            words[words.index(option) + 1] = value
    if words[0] in TAKE_REPS and "--reps" not in words:  # the default would be 200 runs
        words += ["--reps", SMALL["--reps"]]
    if words[0] == "search" and "--max-reps" not in words:  # the race's looks: 3, then 6
        words += ["--max-reps", "6"]
    if words[0] != "validate":
        words += ["--out", str(out), "--quiet"] if words[0] != "record" else ["--out", str(out)]
    return words


def test_the_readme_has_examples() -> None:
    assert blocks("python") and blocks("toml") and len(commands()) >= 10


def test_the_python_examples_run(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(REPO)
    for body in blocks("python"):
        namespace: dict[str, object] = {}
        exec(compile(body, "README.md", "exec"), namespace)  # noqa: S102 - our own README


def test_the_scenario_example_loads(tmp_path) -> None:
    import shutil

    from sim.inputs.scenario import load_scenario

    commune = shutil.copytree(REPO / "data" / "nahy", tmp_path / "nahy")
    scenarios = [body for body in blocks("toml") if "[[interventions]]" in body]
    assert scenarios
    for i, body in enumerate(scenarios):
        path = commune / "scenarios" / f"readme-{i}.toml"
        path.write_text(body, encoding="utf-8")
        scenario = load_scenario(path)
        assert scenario.interventions


def test_the_limits_example_is_a_valid_limits_table(tmp_path) -> None:
    import shutil

    from sim.inputs.commune import load_commune

    tables = [body for body in blocks("toml") if body.lstrip().startswith("[limits]")]
    assert tables
    commune = shutil.copytree(REPO / "data" / "nahy", tmp_path / "nahy")
    toml = commune / "commune.toml"
    for body in tables:
        tomllib.loads(body)
        toml.write_text(toml.read_text(encoding="utf-8") + "\n" + body, encoding="utf-8")
        assert load_commune(commune).limits is not None


def test_the_measure_example_loads_as_a_measure_of_the_commune(tmp_path) -> None:
    import shutil

    from sim.inputs.commune import load_commune

    examples = [body for body in blocks("toml") if "effects = [" in body]
    assert examples
    commune = shutil.copytree(REPO / "data" / "nahy", tmp_path / "nahy")
    measures = commune / "measures.toml"
    for body in examples:
        names = list(tomllib.loads(body))
        measures.write_text(measures.read_text(encoding="utf-8") + "\n" + body, encoding="utf-8")
        assert set(names) <= set(load_commune(commune).measures)


@pytest.mark.parametrize("words", commands(), ids=lambda w: " ".join(w)[:60])
def test_each_command_parses_and_names_files_that_exist(words: list[str]) -> None:
    words = expanded(words)
    try:
        build_parser().parse_args(words)
    except SystemExit as error:  # argparse said why on stderr
        raise AssertionError(f"python -m sim {' '.join(words)}: rejected") from error
    for word in words[1:]:
        if word.startswith("data/"):  # results/... are written by an earlier line
            assert (REPO / word).exists(), word


@pytest.mark.parametrize(
    "words",
    [w for w in commands() if w[0] in RUN_HERE],
    ids=lambda w: " ".join(w)[:60],
)
def test_the_quick_commands_run(words: list[str], tmp_path) -> None:
    command = [sys.executable, "-m", "sim", *small(expanded(words), tmp_path / "out")]
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Traceback" not in done.stderr
