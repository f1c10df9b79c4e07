"""Lock files for the templates: one hashed requirements file per distinct dependency set.

A template's dependencies depend on the answers (no SQLAlchemy when data=none, Authlib
only for accounts=external, ...), and a project must get its lock offline, at render time.
So maintainers lock every dependency set a template can render ahead of time:

    python -m newproj.locking          # (re)compile templates/_locks/ with uv; needs the index
    python -m newproj.locking --check  # offline: every answer set has an up-to-date lock

Each template's `requirements.lock.jinja` includes `_shared/requirements.lock`, which
finds the lock by the same key this module computes: the SHA-1 of the requirement lines
of the rendered pyproject.toml (the lines `    "...",`).
"""

from __future__ import annotations

import hashlib
import itertools
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml

LOCKS = "_locks"
REQUIREMENT_KEYS = ("purpose", "pages", "accounts", "admin", "data", "lifespan", "stack_control")
# The same pattern as `_shared/requirements.lock` (regex_findall): one requirement per line.
REQUIREMENT_LINE = r'(?m)^    "([^"]+)",$'
HEADER = "# Locked by newproj (python -m newproj.locking) for these requirements:"
PLACEHOLDERS = {
    "project_name": "lockedproject",
    "package_name": "lockedproject",
    "description": "",
    "author_name": "",
    "author_email": "author@example.com",
    "decision_reasons": [],
}


@dataclass(frozen=True)
class DependencySet:
    """One dependency set a template can render: its key, requirements, and an answer set that gives it."""

    template: str
    key: str
    requirements: tuple[str, ...]
    pyproject: str


def lock_key(pyproject_text: str) -> str:
    """The lock file's name (without .txt) for a rendered pyproject.toml."""
    lines = re.findall(REQUIREMENT_LINE, pyproject_text)
    return hashlib.sha1("\n".join(lines).encode()).hexdigest()[:12]  # noqa: S324 - a name, not security


def declared_requirements(pyproject_text: str) -> tuple[str, ...]:
    """The runtime and dev requirements a rendered pyproject.toml declares."""
    project = tomllib.loads(pyproject_text)["project"]
    return (*project.get("dependencies", []), *project.get("optional-dependencies", {}).get("dev", []))


def answer_sets(templates: Path) -> Iterator[dict[str, str]]:
    """Every combination of the requirement answers copier.yml offers."""
    config = yaml.safe_load((templates / "copier.yml").read_text(encoding="utf-8"))
    choices = [_choice_values(config[key]["choices"]) for key in REQUIREMENT_KEYS]
    for values in itertools.product(*choices):
        yield dict(zip(REQUIREMENT_KEYS, values, strict=True))


def _choice_values(choices: Mapping[str, object] | list[object]) -> list[str]:
    return [str(v) for v in (choices.values() if isinstance(choices, Mapping) else choices)]


def locked_templates(templates: Path) -> list[str]:
    """The template folders that render a lock file."""
    return sorted(p.parent.name for p in templates.glob("*/requirements.lock.jinja"))


def dependency_sets(templates: Path, template: str) -> dict[str, DependencySet]:
    """The distinct dependency sets of one template, by lock key."""
    import jinja2
    from jinja2.sandbox import SandboxedEnvironment

    env = SandboxedEnvironment(
        loader=jinja2.FileSystemLoader(str(templates)),
        extensions=["jinja2_ansible_filters.AnsibleCoreFiltersExtension"],
        keep_trailing_newline=True,
    )
    page = env.get_template(f"{template}/pyproject.toml.jinja")
    found: dict[str, DependencySet] = {}
    for answers in answer_sets(templates):
        text = page.render(template=template, framework="", **PLACEHOLDERS, **answers)
        key = lock_key(text)
        if key not in found:
            found[key] = DependencySet(template, key, declared_requirements(text), text)
    return found


def lock_path(templates: Path, template: str, key: str) -> Path:
    return templates / LOCKS / template / f"{key}.txt"


def compile_lock(dependencies: DependencySet, into: Path) -> None:
    """Resolve one dependency set with uv (needs the package index) into a hashed lock file."""
    with tempfile.TemporaryDirectory(prefix="newproj-lock-") as work:
        (Path(work) / "pyproject.toml").write_text(dependencies.pyproject, encoding="utf-8")
        result = subprocess.run(  # noqa: S603 - uv with fixed arguments
            [_uv(), "pip", "compile", "pyproject.toml", "--extra", "dev", "--universal", "--generate-hashes",
             "--python-version", "3.11", "--no-header", "--quiet"],
            cwd=work, capture_output=True, text=True, check=False,
        )  # fmt: skip
    if result.returncode != 0:
        raise RuntimeError(f"uv could not lock {dependencies.template} {dependencies.key}: {result.stderr.strip()}")
    body = result.stdout.replace("lockedproject (pyproject.toml)", "this project (pyproject.toml)")
    header = "\n".join([HEADER, *(f"#   {line}" for line in dependencies.requirements)])
    into.parent.mkdir(parents=True, exist_ok=True)
    into.write_text(f"{header}\n{body}", encoding="utf-8")


def _uv() -> str:
    uv = shutil.which("uv")
    if uv is None:
        raise RuntimeError("locking needs uv on PATH (python -m pip install uv)")
    return uv


def recorded_requirements(lock_text: str) -> tuple[str, ...]:
    """The requirements a lock file says it was compiled for (its header)."""
    lines = iter(lock_text.splitlines())
    if next(lines, "") != HEADER:
        return ()
    return tuple(line[4:] for line in itertools.takewhile(lambda line: line.startswith("#   "), lines))


def pins(lock_text: str) -> dict[str, list[str]]:
    """Package name (canonical) to every version the lock pins for it (one per marker)."""
    from packaging.utils import canonicalize_name

    found: dict[str, list[str]] = {}
    for match in re.finditer(r"(?m)^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)", lock_text):
        found.setdefault(canonicalize_name(match[1]), []).append(match[2])
    return found


def unsatisfied(requirements: tuple[str, ...], lock_text: str) -> list[str]:
    """Requirements the lock's pins do not meet (missing, or a pin outside the specifier)."""
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    pinned = pins(lock_text)
    problems = []
    for line in requirements:
        requirement = Requirement(line)
        versions = pinned.get(canonicalize_name(requirement.name), [])
        if not versions or not all(requirement.specifier.contains(v, prereleases=True) for v in versions):
            problems.append(line)
    return problems


def _walk(templates: Path) -> Iterator[tuple[str, set[str], str, DependencySet, Path]]:
    """Every (template, its set keys, key, dependency set, lock path) the answers can need."""
    for template in locked_templates(templates):
        sets = dependency_sets(templates, template)
        for key, dependencies in sets.items():
            yield template, set(sets), key, dependencies, lock_path(templates, template, key)


def _stale(templates: Path, wanted: Mapping[str, set[str]]) -> list[Path]:
    """Lock files that no answer set of their template uses any more."""
    return [
        old
        for template, keys in wanted.items()
        for old in sorted((templates / LOCKS / template).glob("*.txt"))
        if old.stem not in keys
    ]


def problems(templates: Path) -> list[str]:
    """Offline: what is missing, stale or out of date among the lock files."""
    found = []
    wanted: dict[str, set[str]] = {}
    for template, keys, _key, dependencies, path in _walk(templates):
        wanted[template] = keys
        if not path.exists():
            found.append(f"{template}: no lock for {', '.join(dependencies.requirements)}")
            continue
        text = path.read_text(encoding="utf-8")
        if recorded_requirements(text) != dependencies.requirements:
            found.append(f"{path.relative_to(templates)} was locked for other requirements")
        found += [
            f"{path.relative_to(templates)} does not satisfy {line}"
            for line in unsatisfied(dependencies.requirements, text)
        ]
    found += [f"{old.relative_to(templates)} is used by no answer set" for old in _stale(templates, wanted)]
    return found


def relock(templates: Path) -> list[Path]:
    """Compile a lock for every dependency set that lacks an up-to-date one; drop stale ones."""
    written = []
    wanted: dict[str, set[str]] = {}
    for template, keys, _key, dependencies, path in _walk(templates):
        wanted[template] = keys
        if path.exists() and recorded_requirements(path.read_text(encoding="utf-8")) == dependencies.requirements:
            continue
        compile_lock(dependencies, path)
        written.append(path)
    for old in _stale(templates, wanted):
        old.unlink()
    return written


def main(argv: list[str]) -> int:
    templates = Path.cwd() / "templates"
    if not (templates / "copier.yml").exists():
        print("run this from the root of a newproj checkout", file=sys.stderr)
        return 2
    if argv == ["--check"]:
        found = problems(templates)
        print("\n".join(found) or "every answer set has an up-to-date lock")
        return 1 if found else 0
    if argv:
        print("usage: python -m newproj.locking [--check]", file=sys.stderr)
        return 2
    try:
        written = relock(templates)
    except RuntimeError as error:
        print(f"Error: {error}", file=sys.stderr)
        return 1
    print(f"{len(written)} lock file(s) written under templates/{LOCKS}/")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
