"""newproj update and newproj check: follow a project's template releases."""

from __future__ import annotations

import re
import tempfile
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from newproj import releases, repo
from newproj.errors import ConflictsRemain, DirtyTree, NewprojError, NotAProject, TooNew

ANSWERS_FILE = ".copier-answers.yml"
MARKER = re.compile(r"^(<{7}|>{7}) ", re.MULTILINE)


@dataclass(frozen=True)
class Status:
    """Where a project stands against its template source."""

    project: Path
    source: str
    template: str
    current: str | None
    newest: str

    @property
    def up_to_date(self) -> bool:
        return self.current is not None and _key(self.current) >= _key(self.newest)

    @property
    def too_new(self) -> bool:
        return self.current is not None and _key(self.current) > _key(self.newest)


@dataclass
class Outcome:
    status: Status
    target: str
    changed: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    dry_run: bool = False


def _version(tag: str) -> Any:
    from packaging.version import InvalidVersion, Version

    try:
        return Version(tag)
    except InvalidVersion:
        return None


def _key(tag: str) -> Any:
    from packaging.version import Version

    return _version(tag) or Version("0")


def read_answers(project: Path) -> dict[str, Any]:
    import yaml

    path = project / ANSWERS_FILE
    if not project.is_dir() or not path.is_file():
        raise NotAProject(
            f"{project} is not a generated project (no {ANSWERS_FILE}); run this in a project newproj created"
        )
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise NotAProject(f"{path} is not valid YAML; restore it from git (git checkout -- {ANSWERS_FILE})") from error
    if not isinstance(data, dict) or "_src_path" not in data:
        raise NotAProject(f"{path} does not say which template the project came from (_src_path is missing)")
    return data


def newest_tag(source: str) -> str:
    """The highest version tag a template source holds (newproj's bundle, or a team repo)."""
    if source == releases.USER_BUNDLE_PATH:
        releases.install_user_bundle()
    location = str(Path(source).expanduser()) if source.startswith(("~", "/", ".")) else source
    listing = repo.git("ls-remote", "--tags", location, check=False)
    if listing.returncode != 0:
        raise NewprojError(f"cannot read the template source {source}; check that it exists and you can reach it")
    tags = {
        line.split("refs/tags/")[1].removesuffix("^{}") for line in listing.stdout.splitlines() if "refs/tags/" in line
    }
    versions = [t for t in tags if _version(t) is not None]
    if not versions:
        raise NewprojError(f"the template source {source} has no version tags")
    return max(versions, key=_key)


def status(project: Path) -> Status:
    """Compare the project's recorded release with the newest its source offers."""
    project = project.absolute()
    answers = read_answers(project)
    source = str(answers["_src_path"])
    newest = newest_tag(source)
    current = answers.get("_commit")
    return Status(project, source, str(answers.get("template", "?")), str(current) if current else None, newest)


def conflicted_files(project: Path) -> list[str]:
    """Files git has as unmerged, or tracked files that still hold conflict markers."""
    unmerged = repo.git("diff", "--name-only", "--diff-filter=U", cwd=project).stdout.split()
    changed = repo.git("diff", "--name-only", "HEAD", cwd=project, check=False).stdout.split()
    marked = [name for name in changed if _has_markers(project / name)]
    return sorted(set(unmerged) | set(marked))


def _has_markers(path: Path) -> bool:
    try:
        return bool(MARKER.search(path.read_text(encoding="utf-8")))
    except (OSError, UnicodeDecodeError):
        return False


def refuse_unready(project: Path) -> None:
    """An update needs a git repository with no uncommitted changes and no conflicts left."""
    if repo.enclosing_work_tree(project) is None:
        raise NotAProject(
            f"{project} is not in a git repository; updates need one (git init && git add -A && git commit)"
        )
    conflicts = conflicted_files(project)
    if conflicts:
        raise ConflictsRemain(_conflict_help(conflicts))
    if not repo.is_clean(project):
        raise DirtyTree(f"{project} has uncommitted changes; commit or stash them, then run the update again")


def _conflict_help(conflicts: list[str]) -> str:
    return (
        f"conflict markers remain in {', '.join(conflicts)}; edit each file to keep the right lines "
        "and delete the <<<<<<< ======= >>>>>>> markers, then: git add -A && git commit"
    )


def update(project: Path, dry_run: bool = False, to: str | None = None) -> Outcome:
    """Pull the newest (or the given) template release into the project with a 3-way merge."""
    current = status(project)
    if current.too_new:
        raise TooNew(
            f"{project.name} comes from template {current.current}, newer than this newproj's newest "
            f"({current.newest}): upgrade newproj (pip install --upgrade newproj)"
        )
    refuse_unready(current.project)
    outcome = Outcome(current, to or current.newest, dry_run=dry_run)
    if current.up_to_date and to is None:
        return outcome
    if dry_run:
        with tempfile.TemporaryDirectory(prefix="newproj-update-") as scratch:
            trial = Path(scratch) / "project"
            repo.git("clone", "-q", str(current.project), str(trial))
            _apply(trial, outcome)
    else:
        _apply(current.project, outcome)
    return outcome


def _apply(project: Path, outcome: Outcome) -> None:
    import copier

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            copier.run_update(
                project,
                vcs_ref=outcome.target,
                defaults=True,
                overwrite=True,
                conflict="inline",
                skip_answered=True,
                quiet=True,
                unsafe=False,
            )
    except KeyboardInterrupt:
        raise
    except Exception as error:
        detail = " ".join(str(error).split()) or type(error).__name__
        raise NewprojError(
            f"the update could not be applied: {detail}; undo with: git reset --hard && git clean -fd"
        ) from error
    _classify(project, outcome)


def _classify(project: Path, outcome: Outcome) -> None:
    porcelain = repo.git("status", "--porcelain", "--untracked-files=all", cwd=project).stdout
    conflicts = set(conflicted_files(project))
    for line in porcelain.splitlines():
        code, name = line[:2], line[3:]
        if name in conflicts or "U" in code:
            continue
        if code == "??" or "A" in code:
            outcome.added.append(name)
        elif "D" in code:
            outcome.removed.append(name)
        else:
            outcome.changed.append(name)
    outcome.conflicts = sorted(conflicts)


def conflict_error(outcome: Outcome) -> ConflictsRemain:
    return ConflictsRemain(_conflict_help(outcome.conflicts))
