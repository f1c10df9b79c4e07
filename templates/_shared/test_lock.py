"""requirements.lock pins every dependency pyproject.toml declares, at an allowed version."""

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]


def declared() -> list[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))[
        "project"
    ]
    return [*project["dependencies"], *project["optional-dependencies"]["dev"]]


def lock_text() -> str:
    return (ROOT / "requirements.lock").read_text(encoding="utf-8")


def pinned_versions(name: str) -> list[str]:
    pattern = r"(?m)^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)"
    return [
        version
        for found, version in re.findall(pattern, lock_text())
        if canonicalize_name(found) == canonicalize_name(name)
    ]


@pytest.mark.parametrize("line", declared())
def test_every_requirement_is_pinned_within_its_range(line: str) -> None:
    requirement = Requirement(line)
    versions = pinned_versions(requirement.name)
    assert versions, f"{requirement.name} is not in requirements.lock"
    for version in versions:
        assert requirement.specifier.contains(version, prereleases=True), line
