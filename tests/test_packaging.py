"""The project's set-up files agree with each other and with the README."""

from __future__ import annotations

import re
import tomllib

from tests.conftest import REPO

#: conda spells some pip extras as packages of their own
CONDA_EXTRAS = {"dask[distributed]": ("distributed",)}
#: and names others differently
CONDA_NAMES = {"build": "python-build"}


def pyproject_requirements() -> dict[str, str]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    requirements = project["dependencies"] + project["optional-dependencies"]["dev"]
    pairs = {}
    for requirement in requirements:
        name, spec = re.match(r"([A-Za-z0-9_.\-\[\]]+)\s*(.*)", requirement).groups()
        pairs[name.lower()] = spec.replace(" ", "")
    return pairs


def conda_requirements() -> dict[str, str]:
    pairs = {}
    text = (REPO / "environment.yml").read_text(encoding="utf-8")
    for line in text.split("dependencies:", 1)[1].splitlines():
        match = re.match(r"\s+-\s+([A-Za-z0-9_.\-]+)\s*([<>=!,.0-9*]*)\s*$", line)
        if match:
            pairs[match.group(1).lower()] = match.group(2)
    return pairs


def test_environment_yml_mirrors_pyproject() -> None:
    pip, conda = pyproject_requirements(), conda_requirements()
    expected = {"python": ">=3.11"}
    for name, spec in pip.items():
        base = re.sub(r"\[.*\]", "", name)
        expected[CONDA_NAMES.get(base, base)] = spec
        for extra in CONDA_EXTRAS.get(name, ()):
            expected[extra] = spec
    assert conda == expected


def test_every_make_command_in_the_readme_exists() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    targets = set(re.findall(r"^([a-z][a-z-]*):", makefile, flags=re.MULTILINE))
    used = set(re.findall(r"\bmake ([a-z][a-z-]*)", readme))
    assert {"forecast", "test"} <= used
    assert used <= targets, used - targets


def test_ci_runs_the_readme_test_command() -> None:
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert "make test" in ci


def test_a_plain_install_gets_every_subpackage_and_the_apps_template() -> None:
    """What `pip install .` ships: every package under sim/ (the editable install of the
    Makefile would hide a missing one) and the committee app's Voilà template."""
    import fnmatch

    from setuptools import find_packages

    tool = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]
    found = tool["setuptools"]["packages"]["find"]
    shipped = set(find_packages(str(REPO), include=found["include"]))
    on_disk = {
        ".".join(init.parent.relative_to(REPO).parts)
        for init in (REPO / "sim").rglob("__init__.py")
    }
    assert on_disk and on_disk <= shipped, f"not shipped: {sorted(on_disk - shipped)}"
    data = tool["setuptools"]["package-data"]["sim.presentation"]
    template = [
        p.relative_to(REPO / "sim" / "presentation").as_posix()
        for p in (REPO / "sim" / "presentation" / "app_files").rglob("*")
        if p.is_file()
    ]
    assert template and all(any(fnmatch.fnmatch(f, pattern) for pattern in data) for f in template)
