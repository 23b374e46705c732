"""docs/ODD.md keeps up: every parameter, measure, lever and switch is described.

Why: the ODD description (Grimm et al. 2020) is where researchers read what
the model does. A parameter added to ``parameters.csv``, a measure added to
``data/nahy/measures.toml``, a lever added to ``sim.inputs.lever_vocabulary.LEVERS`` or a
switch added to ``sim.inputs.switches.SWITCHES`` without a word in it would leave
the description silently incomplete, and a module it names that was renamed
would send readers nowhere. These checks read files only (no model run).
"""

from __future__ import annotations

import csv
import re
import tomllib
from pathlib import Path

import pytest

from sim.inputs.lever_vocabulary import LEVERS
from sim.inputs.switches import SWITCHES

REPO = Path(__file__).resolve().parents[1]
ODD = REPO / "docs" / "ODD.md"
PARAMETERS = REPO / "data" / "nahy" / "parameters.csv"
MEASURES = REPO / "data" / "nahy" / "measures.toml"

#: The seven sections of the ODD protocol's 2020 update, in order.
SECTIONS = (
    "Purpose and patterns",
    "Entities, state variables and scales",
    "Process overview and scheduling",
    "Design concepts",
    "Initialisation",
    "Input data",
    "Submodels",
)


@pytest.fixture(scope="module")
def text() -> str:
    return ODD.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def quoted(text: str) -> set[str]:
    """Everything ODD.md writes in backticks."""
    return set(re.findall(r"`([^`\n]+)`", text))


def parameter_names() -> list[str]:
    with PARAMETERS.open(encoding="utf-8", newline="") as f:
        return [row["name"] for row in csv.DictReader(f)]


def test_every_parameter_is_described(quoted: set[str]) -> None:
    names = parameter_names()
    assert names, "parameters.csv has no rows"
    missing = [name for name in names if name not in quoted]
    assert not missing, f"parameters of parameters.csv not named in docs/ODD.md: {missing}"


def measure_names() -> list[str]:
    return list(tomllib.loads(MEASURES.read_text(encoding="utf-8")))


def test_every_measure_is_described(quoted: set[str]) -> None:
    names = measure_names()
    assert names, "measures.toml declares no measure"
    missing = [name for name in names if name not in quoted]
    assert not missing, f"measures of data/nahy/measures.toml not in docs/ODD.md: {missing}"


def test_every_lever_is_described(quoted: set[str]) -> None:
    missing = [name for name in LEVERS if name not in quoted]
    assert not missing, (
        f"levers of sim.inputs.lever_vocabulary.LEVERS not in docs/ODD.md: {missing}"
    )


def test_every_switch_is_described(quoted: set[str]) -> None:
    missing = [name for name in SWITCHES if name not in quoted]
    assert not missing, f"switches of sim.inputs.switches.SWITCHES not in docs/ODD.md: {missing}"


def test_the_seven_sections_are_there_in_order(text: str) -> None:
    positions = []
    for number, title in enumerate(SECTIONS, start=1):
        heading = re.compile(rf"^#{{1,3}}\s+{number}\.?\s+{re.escape(title)}\s*$", re.MULTILINE)
        match = heading.search(text)
        assert match, f"docs/ODD.md has no heading '{number}. {title}'"
        positions.append(match.start())
    assert positions == sorted(positions), "the ODD sections are out of order"


def test_every_module_named_exists(quoted: set[str]) -> None:
    modules = {m for span in quoted for m in re.findall(r"\bsim/[\w/]+\.py\b", span)}
    assert modules, "docs/ODD.md names no module"
    missing = sorted(m for m in modules if not (REPO / m).is_file())
    assert not missing, f"modules named in docs/ODD.md that do not exist: {missing}"
