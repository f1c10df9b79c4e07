"""newproj wheelhouse: every package the templates' projects need, in one folder, for installing offline.

The dependencies are read at run time from the templates themselves, rendered for every answer
value one factor at a time, so a dependency that only one answer brings is gathered too. A project
installs its hashed `requirements.lock`, so each distinct lock is downloaded as it is (with its hashes,
exactly the pinned versions); a team template without a lock gets its pyproject.toml's requirements,
resolved together, plus what an editable install builds with.
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import sys
import tempfile
import tomllib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from newproj import catalog, requirements
from newproj.errors import BadInput, NewprojError

LOCK = "requirements.lock"
# What `uv venv --seed` puts into a .venv, and what builds an editable install (a template without a lock).
SEED = ("pip", "setuptools", "wheel")
# What a build backend asks for at an editable install (`get_requires_for_build_editable`), beyond itself.
EDITABLE_NEEDS = {"hatchling": ("editables~=0.3",)}
PROBE = {
    "project_name": "wheelhouse-probe",
    "package_name": "wheelhouse_probe",
    "description": "Probe",
    "author_name": "newproj",
    "author_email": "newproj@example.com",
    "decision_reasons": [],
}


class DownloadFailed(NewprojError):
    """pip could not gather the packages (no network, or no wheel for a chosen platform)."""


@dataclass(frozen=True)
class Target:
    """A platform and Python version to gather wheels for; None means this machine's."""

    platform: str | None = None
    python_version: str | None = None

    def pip_flags(self) -> list[str]:
        if self.platform is None and self.python_version is None:
            return ["--prefer-binary"]
        flags = ["--only-binary=:all:", "--implementation", "cp"]
        if self.platform:
            flags += ["--platform", self.platform]
        if self.python_version:
            flags += ["--python-version", self.python_version]
        return flags

    def label(self) -> str:
        return f"{self.platform or 'this platform'}, Python {self.python_version or sys.version.split()[0]}"


@dataclass
class Needs:
    """What one template's projects install: their distinct lock files, and loose requirements where there is none."""

    locks: list[str] = field(default_factory=list)
    loose: set[str] = field(default_factory=set)

    def add_lock(self, text: str) -> None:
        if text not in self.locks:
            self.locks.append(text)


@dataclass
class Gathered:
    folder: Path
    requirements: dict[str, Needs] = field(default_factory=dict)
    wheels: int = 0


def targets(platforms: Sequence[str], versions: Sequence[str]) -> list[Target]:
    """Every platform with every Python version (this machine's when none is given)."""
    chosen_platforms: Sequence[str | None] = platforms or [None]
    chosen_versions: Sequence[str | None] = versions or [None]
    return [Target(p, v) for p in chosen_platforms for v in chosen_versions]


def answer_variants(template: str) -> Iterator[dict[str, str]]:
    """The defaults, then each requirement value in turn (one factor at a time), for one template."""
    seen: set[tuple[str, ...]] = set()
    framework = catalog.BY_NAME[template].framework
    base = requirements.complete({"purpose": "api" if template == "flask-api" else "website"})
    factors = [("purpose", base["purpose"])] + [(r.key, v) for r in requirements.REQUIREMENTS for v in r.choices]
    for key, value in factors:
        answers = {**base, key: value}
        marker = tuple(answers.values())
        if marker not in seen:
            seen.add(marker)
            yield {**answers, "template": template, "framework": framework}


def project_requirements(pyproject: Path) -> set[str]:
    """Dependencies, every optional extra, and the build requirements of one rendered project."""
    data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    project = data.get("project", {})
    found = set(project.get("dependencies", []))
    for extra in project.get("optional-dependencies", {}).values():
        found.update(extra)
    build = data.get("build-system", {}).get("requires", [])
    found.update(build)
    for backend, needs in EDITABLE_NEEDS.items():
        if any(req.lower().startswith(backend) for req in build):
            found.update(needs)
    return found


def template_needs(template: str, source_spec: str | None) -> Needs:
    """Every answer variant's lock file (or, without one, its pyproject.toml's requirements), as rendered."""
    from newproj.create import resolve_source
    from newproj.render import render

    source = resolve_source(source_spec)
    needs = Needs()
    with tempfile.TemporaryDirectory(prefix="newproj-wheelhouse-") as scratch:
        for index, answers in enumerate(answer_variants(template)):
            into = Path(scratch) / str(index)
            render(source, {**PROBE, **answers}, into, only=("pyproject.toml", LOCK))
            if (into / LOCK).is_file():
                needs.add_lock((into / LOCK).read_text(encoding="utf-8"))
            elif (into / "pyproject.toml").is_file():
                needs.loose |= project_requirements(into / "pyproject.toml")
    return needs


def gather(
    folder: Path,
    templates: Sequence[str],
    chosen: Sequence[Target],
    source: str | None = None,
    echo: Callable[[str], None] | None = None,
) -> Gathered:
    """Download every wheel the templates' projects need into folder, for each target."""
    for name in templates:
        if name not in catalog.BY_NAME:
            raise BadInput(f"no template named {name!r}; use one of: {', '.join(catalog.NAMES)}")
    folder.mkdir(parents=True, exist_ok=True)
    result = Gathered(folder)
    for name in templates:
        if echo is not None:
            echo(f"Reading {name}'s dependencies (every answer variant)")
        result.requirements[name] = template_needs(name, source)
    with _pip() as pip:
        for target in chosen:
            _download(pip, folder, list(SEED), target)
            for name, needs in result.requirements.items():
                if echo is not None:
                    echo(f"Downloading {name}'s {len(needs.locks)} lock file(s) for {target.label()}")
                _download_locks(pip, folder, needs.locks, target)
                # One resolution per template: the starters may pin different versions of a shared package.
                if needs.loose:
                    _download(pip, folder, sorted(needs.loose), target)
    result.wheels = len(list(folder.glob("*.whl")))
    return result


@contextlib.contextmanager
def _pip() -> Iterator[list[str]]:
    """A pip to run: this Python's, else one in a throwaway venv (uv tool and pipx installs carry none)."""
    if _has_pip(sys.executable):
        yield [sys.executable, "-m", "pip"]
        return
    with tempfile.TemporaryDirectory(prefix="newproj-pip-") as scratch:
        venv = Path(scratch) / "venv"
        uv = shutil.which("uv")
        argv = [uv, "venv", "-q", "--seed", str(venv)] if uv else [sys.executable, "-m", "venv", str(venv)]
        made = subprocess.run(argv, capture_output=True, text=True, check=False)  # noqa: S603
        if made.returncode != 0:
            raise DownloadFailed(f"could not make a venv with pip to download with: {made.stderr.strip()[-300:]}")
        yield [str(venv / "bin" / "python"), "-m", "pip"]


def _has_pip(python: str) -> bool:
    probe = [python, "-c", "import pip"]
    return subprocess.run(probe, capture_output=True, check=False).returncode == 0  # noqa: S603


def _download_locks(pip: list[str], folder: Path, locks: list[str], target: Target) -> None:
    """Each lock exactly as pinned, its hashes checked (it is complete, so no dependencies are resolved)."""
    with tempfile.TemporaryDirectory(prefix="newproj-locks-") as scratch:
        for index, text in enumerate(locks):
            lock = Path(scratch) / f"{index}.txt"
            lock.write_text(text, encoding="utf-8")
            _download(pip, folder, ["--require-hashes", "--no-deps", "-r", str(lock)], target)


def _download(pip: list[str], folder: Path, wanted: list[str], target: Target) -> None:
    argv = [*pip, "download", "--disable-pip-version-check", "-q", "--dest", str(folder), *target.pip_flags(), *wanted]
    done = subprocess.run(argv, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        last = (done.stderr or done.stdout).strip().splitlines()
        raise DownloadFailed(
            f"pip download failed for {target.label()}: {last[-1] if last else 'no output'}; "
            "check the network (PyPI must be reachable) and the --platform/--python-version values"
        )
