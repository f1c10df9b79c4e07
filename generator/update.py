"""newproj update and newproj check: follow a project's template releases.

An update is made in a scratch clone of the project's repository and moved into place in
one step (see transplant.py): an interrupt or a failure before that leaves the project as it
was, HEAD and index included. In the clone newproj also keeps what Copier would lose (a file
the person edited that the release removes, a binary both sides changed) and merges diverged
migration histories with the project's own tools.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import warnings
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from newproj import migrations, releases, repo, transplant
from newproj.errors import BadInput, ConflictsRemain, DirtyTree, NewprojError, NotAProject, TooNew
from newproj.render import temporary_files_in

ANSWERS_FILE = ".copier-answers.yml"
MARKER = re.compile(r"^(<{7}|>{7}) ", re.MULTILINE)
MARKER_PATTERN = "^(<<<<<<<|>>>>>>>) "
FIXED_BY_DECISION = ("template", "framework")


@dataclass(frozen=True)
class Status:
    """Where a project stands against its template source."""

    project: Path
    source: str
    template: str
    current: str | None  # the release the project's recorded commit is, if any
    newest: str
    up_to_date: bool
    too_new: bool
    bundled: bool  # the source is newproj's own release bundle
    conflicts: tuple[str, ...] = ()
    diverged: tuple[str, ...] = ()

    @property
    def needs_attention(self) -> bool:
        return bool(self.conflicts or self.diverged)


@dataclass(frozen=True)
class Request:
    """What the person asked of `newproj update`."""

    to: str | None = None
    dry_run: bool = False
    answers: Mapping[str, Any] = field(default_factory=dict)
    source: str | None = None
    trust: bool = False
    prereleases: bool = False


@dataclass
class Outcome:
    status: Status
    target: str
    changed: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # the person's copies kept beside the new ones
    merged_migrations: list[str] = field(default_factory=list)
    diverged: list[migrations.Divergence] = field(default_factory=list)
    answers_changed: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    dry_run: bool = False

    @property
    def needs_attention(self) -> bool:
        return bool(self.conflicts or self.diverged)


def read_answers(project: Path) -> dict[str, Any]:
    import yaml

    path = project / ANSWERS_FILE
    if not project.is_dir() or not path.is_file():
        raise NotAProject(
            f"{project} is not a generated project (no {ANSWERS_FILE}); run this in a project newproj created"
        )
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise NotAProject(f"{path} is not valid YAML; restore it from git (git checkout -- {ANSWERS_FILE})") from error
    if not isinstance(data, dict) or not isinstance(data.get("_src_path"), str):
        raise NotAProject(f"{path} does not say which template the project came from (_src_path is missing)")
    releases.check_source(data["_src_path"])
    return data


def _tags(source: str) -> dict[str, str]:
    if source == releases.USER_BUNDLE_PATH:
        releases.install_user_bundle()
    return releases.source_tags(source)


def status(project: Path, prereleases: bool = False, source: str | None = None, deep: bool = False) -> Status:
    """Compare the project's recorded release with the newest its source offers (by commit, not by name)."""
    project = project.absolute()
    answers = read_answers(project)
    source = source or str(answers["_src_path"])
    tags = _tags(source)
    newest = releases.newest_release(tags, prereleases)
    if newest is None:
        raise NewprojError(f"the template source {source} has no release tags (like v1.0.0)")
    recorded = str(answers["_commit"]) if answers.get("_commit") else None
    commit = tags.get(recorded) if recorded else None
    current = _release_at(commit, tags) if commit else None
    version = releases.release_version(current or recorded or "", True)
    up_to_date = commit is not None and commit == tags[newest]
    too_new = not up_to_date and version is not None and version > releases.release_version(newest, True)
    conflicts: tuple[str, ...] = ()
    diverged: tuple[str, ...] = ()
    if deep:
        conflicts = tuple(conflicted_files(project)) if repo.enclosing_work_tree(project) else ()
        diverged = tuple(d.describe() for d in migrations.diverged(project, answers))
    return Status(
        project,
        source,
        str(answers.get("template", "?")),
        current or recorded,
        newest,
        up_to_date,
        too_new,
        source == releases.USER_BUNDLE_PATH,
        conflicts,
        diverged,
    )


def _release_at(commit: str, tags: dict[str, str]) -> str | None:
    """The release tag naming commit (an alias tag on a release commit is that release)."""
    named = [name for name, sha in releases.releases_of(tags, True).items() if sha == commit]
    return max(named, key=lambda n: releases.release_version(n, True)) if named else None


def conflicted_files(project: Path) -> list[str]:
    """Unmerged files, and tracked files holding conflict markers (committed ones too), relative to project."""
    unmerged = repo.git("diff", "--name-only", "--relative", "--diff-filter=U", cwd=project).stdout.split()
    marked = repo.git("grep", "-l", "-I", "-E", MARKER_PATTERN, "--", ".", cwd=project, check=False).stdout.split()
    return sorted(set(unmerged) | {name for name in marked if _has_markers(project / name)})


def _has_markers(path: Path) -> bool:
    try:
        return bool(MARKER.search(path.read_text(encoding="utf-8")))
    except (OSError, UnicodeDecodeError):
        return False


def refuse_unready(project: Path) -> Path:
    """An update needs a git repository with no uncommitted changes and no conflicts left; return its top."""
    top = repo.enclosing_work_tree(project)
    if top is None:
        raise NotAProject(
            f"{project} is not in a git repository; updates need one (git init && git add -A && git commit)"
        )
    conflicts = conflicted_files(project)
    if conflicts:
        raise ConflictsRemain(_conflict_help(conflicts))
    if not repo.is_clean(project):
        raise DirtyTree(
            f"{project} has uncommitted changes; commit or stash them (git stash -u), then run the update again "
            "(to undo an update newproj applied instead: newproj update --abort)"
        )
    return top


def _conflict_help(conflicts: list[str]) -> str:
    return (
        f"conflicts to resolve in {', '.join(conflicts)}: keep the right lines in each and delete the "
        "<<<<<<< ======= >>>>>>> markers (a file the release removes: keep it or git rm it), "
        "then: git add -A && git commit"
    )


def too_new_message(current: Status, name: str) -> str:
    where = (
        f"{name} comes from template {current.current}, newer than the newest release of its source ({current.newest})"
    )
    if current.bundled:
        return f"{where}: install a newer newproj (uv tool install --force ./newproj from an up-to-date clone)"
    if releases.is_local(current.source):
        return f"{where}: bring the template clone up to date (git -C {current.source} pull --tags), then retry"
    return f"{where}: point the project at the repository that has it (newproj update --source URL)"


def new_answers(recorded: Mapping[str, Any], given: Mapping[str, Any]) -> dict[str, Any]:
    """The answers an update records: the changed ones, and the decision's reasons recomputed.

    A change that would switch framework or template is refused: that is a new project, not an update.
    """
    from newproj import requirements
    from newproj.decide import decide

    changed = {k: v for k, v in given.items() if recorded.get(k) != v}
    for key in FIXED_BY_DECISION:
        if key in changed:
            raise BadInput(
                f"{key} cannot change in an update ({recorded.get(key)} -> {changed[key]}); "
                "create a new project with newproj create and move your code"
            )
    if not any(key in requirements.KEYS for key in changed):
        return changed
    wanted = {k: str(recorded[k]) for k in requirements.KEYS if k in recorded}
    wanted.update({k: str(v) for k, v in changed.items() if k in requirements.KEYS})
    decision = decide(wanted)
    template = recorded.get("template")
    by_hand = any(str(r).startswith("Chosen by hand") for r in recorded.get("decision_reasons") or [])
    if template and decision.template != template and not by_hand:
        raise BadInput(
            f"with {', '.join(f'{k}={v}' for k, v in changed.items())} newproj recommends {decision.template}, "
            f"not this project's {template}; an update cannot switch template (create a new project instead)"
        )
    reasons = list(decision.reasons)
    if by_hand:
        reasons.insert(0, f"Chosen by hand: {template} (newproj recommended {decision.template}).")
    return {
        **changed,
        **{k: v for k, v in decision.answers.items() if k in requirements.KEYS},
        "decision_reasons": reasons,
    }


def update(project: Path, request: Request | None = None) -> Outcome:
    """Pull the newest (or the given) template release into the project with a 3-way merge."""
    request = request or Request()
    project = project.absolute()
    if request.source is not None:
        releases.check_source(request.source)
    current = status(project, request.prereleases, source=request.source and releases.for_record(request.source))
    if current.too_new:
        raise TooNew(too_new_message(current, project.name))
    top = refuse_unready(project)
    recorded = read_answers(project)
    target = _target(request, current)
    outcome = Outcome(current, target, dry_run=request.dry_run)
    outcome.answers_changed = new_answers(recorded, request.answers)
    moved = request.source is not None and current.source != recorded["_src_path"]
    if current.up_to_date and request.to is None and not outcome.answers_changed and not moved:
        return outcome
    with _scratch_clone(top) as work_top:
        work = work_top / project.relative_to(top)
        ignored_written = _run_in_clone(work, project, recorded, outcome, request, moved)
        if not request.dry_run:
            the_plan = transplant.plan(work_top, ignored_written)
            transplant.refuse_overwrites(top, the_plan, project)
            head = repo.git("rev-parse", "HEAD", cwd=top).stdout.strip()
            tracked = transplant.tracked_files(top)
            record = {"head": head, "added": [n for n in the_plan.written if n not in tracked]}
            if transplant.apply(work_top, top, the_plan, record):
                outcome.notes.append(
                    "an interrupt arrived while the update was moved into place; it was finished first"
                )
    return outcome


def _target(request: Request, current: Status) -> str:
    if request.to is None:
        return current.newest
    tags = _tags(current.source)
    if request.to not in tags:
        known = ", ".join(sorted(releases.releases_of(tags, True), key=lambda n: releases.release_version(n, True)))
        raise BadInput(f"the template source has no release {request.to}; it has: {known}")
    return request.to


@contextmanager
def _scratch_clone(top: Path) -> Iterator[Path]:
    """A clone of the project's repository that borrows its objects; removed afterwards, whatever happens."""
    with (
        tempfile.TemporaryDirectory(prefix="newproj-update-") as scratch,
        # Copier's own clones too, so an interrupt at any moment leaves none behind.
        temporary_files_in(Path(scratch) / "tmp"),
    ):
        work_top = Path(scratch) / "repo"
        repo.git("clone", "-q", "--shared", "--no-checkout", "--", str(top), str(work_top))
        head = repo.git("rev-parse", "HEAD", cwd=top).stdout.strip()
        repo.git("-c", "advice.detachedHead=false", "checkout", "-q", head, cwd=work_top)
        yield work_top


def _run_in_clone(
    work: Path, project: Path, recorded: Mapping[str, Any], outcome: Outcome, request: Request, moved: bool
) -> list[str]:
    """Apply the release in the clone, keep what Copier would lose, merge migrations; return ignored files written."""
    work_top = Path(repo.git("rev-parse", "--show-toplevel", cwd=work).stdout.strip())
    base = repo.git("rev-parse", "HEAD", cwd=work_top).stdout.strip()
    if moved:
        _set_answer_line(work / ANSWERS_FILE, "_src_path", outcome.status.source)
        repo.commit_all(work_top, "newproj: the template source moved", init=False)
    with tempfile.TemporaryDirectory(prefix="newproj-old-render-") as old_root:
        _render(outcome.status.source, recorded, Path(old_root), str(recorded.get("_commit")), request.trust)
        _copier_update(work, outcome, request)
        if moved:
            repo.git("reset", "-q", "--soft", base, cwd=work_top)
        ignored = _ignored_files(work_top)
        _record_release_name(work / ANSWERS_FILE, outcome.target, _tags(outcome.status.source))
        answers_now = read_answers(work)
        _refuse_unknown_keys(request.answers, answers_now, outcome.target)
        _keep_lost_edits(work, work_top, project, Path(old_root), outcome)
    _merge_migrations(work, project, answers_now, outcome, request.dry_run)
    _classify(work, work_top, outcome)
    return ignored


def _render(source: str, answers: Mapping[str, Any], into: Path, ref: str, trust: bool) -> None:
    """The project's template release as it was rendered, to tell the person's edits from the template's."""
    import copier

    data = {k: v for k, v in answers.items() if not k.startswith("_")}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            copier.run_copy(
                releases.expand(source), into, data=data, vcs_ref=ref, defaults=True, quiet=True, unsafe=trust
            )
    except KeyboardInterrupt:
        raise
    except Exception as error:
        raise NewprojError(f"cannot render the project's template release {ref}: {_one_line(error)}") from error


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split()) or type(error).__name__


def _copier_update(work: Path, outcome: Outcome, request: Request) -> None:
    import copier
    from copier import errors as copier_errors

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            copier.run_update(
                work,
                data=dict(outcome.answers_changed),
                vcs_ref=outcome.target,
                defaults=True,
                overwrite=True,
                conflict="inline",
                skip_answered=True,
                quiet=True,
                unsafe=request.trust,
            )
    except KeyboardInterrupt:
        raise
    except copier_errors.UnsafeTemplateError as error:
        raise BadInput(
            "the template release asks to run tasks or migrations; review them, then rerun with --trust "
            f"({_one_line(error)}); nothing was changed"
        ) from error
    except (ValueError, copier_errors.UserMessageError) as error:
        raise BadInput(f"{_one_line(error)}; give the answer with -a KEY=VALUE; nothing was changed") from error
    except Exception as error:
        raise NewprojError(f"the update could not be applied: {_one_line(error)}; nothing was changed") from error


def _set_answer_line(path: Path, key: str, value: str) -> None:
    import yaml

    line = yaml.safe_dump({key: value}, default_flow_style=False, width=10_000).strip()
    text = path.read_text(encoding="utf-8")
    path.write_text(re.sub(rf"^{re.escape(key)}:.*$", lambda _: line, text, count=1, flags=re.M), encoding="utf-8")


def _record_release_name(answers_path: Path, target: str, tags: Mapping[str, str]) -> None:
    """Copier records `git describe`, which may pick an alias tag on the same commit: record the release."""
    recorded = read_answers(answers_path.parent).get("_commit")
    if recorded != target and tags.get(str(recorded)) == tags.get(target):
        _set_answer_line(answers_path, "_commit", target)


def _refuse_unknown_keys(given: Mapping[str, Any], recorded: Mapping[str, Any], target: str) -> None:
    unknown = sorted(k for k in given if k not in recorded)
    if unknown:
        raise BadInput(f"the template at {target} asks no question {unknown[0]!r}; nothing was changed")


def _ignored_files(work_top: Path) -> list[str]:
    """Ignored files in the clone right after Copier: the template wrote them (a clone has none of its own)."""
    listing = repo.git("status", "--porcelain=v1", "-z", "--ignored", "--untracked-files=all", cwd=work_top).stdout
    return sorted(e[3:] for e in listing.split("\0") if e.startswith("!! ") and not e.endswith("/"))


def _keep_lost_edits(work: Path, work_top: Path, project: Path, old_root: Path, outcome: Outcome) -> None:
    """A file the person edited that the release removes, or a binary both changed: a conflict, their copy kept."""
    prefix = work.relative_to(work_top)
    stages: list[str] = []
    for line in repo.git("ls-files", "-s", "-z", "--full-name", "--", ".", cwd=work).stdout.split("\0"):
        if not line:
            continue
        info, name = line.split("\t", 1)
        mode = info.split()[0]
        relative = Path(name).relative_to(prefix).as_posix()
        old, mine, new = old_root / relative, project / relative, work / relative
        if not old.is_file() or not mine.is_file() or mine.read_bytes() == old.read_bytes():
            continue
        if not new.exists():
            shutil.copy2(mine, new)
            outcome.notes.append(f"the release removes {relative}, which you changed: your version stays there")
            stages += _stage_lines(work_top, name, mode, old, mine, None)
        elif not _binary(mine, new) or new.read_bytes() == mine.read_bytes():
            continue
        elif new.read_bytes() == old.read_bytes():  # Copier cannot merge a binary: the person's stays
            shutil.copy2(mine, new)
        else:
            beside = new.with_name(f"{new.stem}.mine{new.suffix}")
            shutil.copy2(mine, beside)
            outcome.kept.append(beside.relative_to(work).as_posix())
            stages += _stage_lines(work_top, name, mode, old, mine, new)
    if stages:
        repo.git("update-index", "--index-info", cwd=work_top, stdin="\n".join(stages) + "\n")


def _stage_lines(top: Path, name: str, mode: str, old: Path, mine: Path, new: Path | None) -> list[str]:
    """Index lines for an unmerged entry: 1 the old template, 2 the person's, 3 the new template (if any)."""
    lines = [f"0 {'0' * 40}\t{name}"]
    for number, path in ((1, old), (2, mine), (3, new)):
        if path is not None:
            sha = repo.git("hash-object", "-w", "--", str(path), cwd=top).stdout.strip()
            lines.append(f"{mode} {sha} {number}\t{name}")
    return lines


def _binary(*paths: Path) -> bool:
    return any(b"\0" in path.read_bytes()[:8000] for path in paths)


def _merge_migrations(work: Path, project: Path, answers: Mapping[str, Any], outcome: Outcome, dry_run: bool) -> None:
    """Diverged histories get a merge migration made by the project's own environment, or the command."""
    found = migrations.diverged(work, dict(answers))
    python = migrations.venv_python(project)
    if not found or dry_run or python is None:
        outcome.diverged = found
        return
    env_file, copied = project / ".env", work / ".env"
    if env_file.is_file() and not copied.exists():
        shutil.copy2(env_file, copied)
    try:
        for divergence in found:
            if migrations.merge(work, divergence, python):
                outcome.merged_migrations.append(divergence.describe())
    finally:
        if env_file.is_file():
            copied.unlink(missing_ok=True)
    outcome.diverged = migrations.diverged(work, dict(answers))


def _classify(work: Path, work_top: Path, outcome: Outcome) -> None:
    prefix = work.relative_to(work_top).as_posix()
    listing = repo.git("status", "--porcelain=v1", "-z", "--untracked-files=all", "--no-renames", "--", ".", cwd=work)
    conflicts = set(conflicted_files(work))
    for entry in listing.stdout.split("\0"):
        if not entry:
            continue
        code, name = entry[:2], entry[3:]
        name = name.removeprefix(f"{prefix}/") if prefix != "." else name
        if name in conflicts or "U" in code or name in outcome.kept:
            continue
        if code == "??" or "A" in code:
            outcome.added.append(name)
        elif not (work / name).exists():
            outcome.removed.append(name)
        else:
            outcome.changed.append(name)
    outcome.conflicts = sorted(conflicts)


def attention_error(outcome: Outcome) -> ConflictsRemain:
    """Exit 4: what is left to do, and how to undo the update instead."""
    parts = []
    if outcome.conflicts:
        parts.append(_conflict_help(outcome.conflicts))
    if outcome.kept:
        parts.append(f"your versions are kept beside the new ones as {', '.join(outcome.kept)}")
    for divergence in outcome.diverged:
        parts.append(f"{divergence.describe()}; merge them with: {divergence.command}")
    undo = "to undo the update instead: newproj update --abort (or: git reset --hard && git clean -fd)"
    return ConflictsRemain("; ".join([*parts, undo]))


@dataclass(frozen=True)
class Surveyed:
    """One project of `newproj check`: its status, or why it could not be read."""

    project: Path
    status: Status | None
    error: NewprojError | None

    @property
    def exit_code(self) -> int:
        from newproj.errors import EXIT_CONFLICTS, EXIT_UPDATE_AVAILABLE, EXIT_USAGE

        if self.error is not None:
            return self.error.exit_code
        if self.status is None or self.status.needs_attention:
            return EXIT_CONFLICTS
        if self.status.too_new:
            return EXIT_USAGE
        return 0 if self.status.up_to_date else EXIT_UPDATE_AVAILABLE


def survey(projects: list[Path], prereleases: bool = False) -> list[Surveyed]:
    """Status of each project, conflicts and diverged migrations included; one unreadable project stops none."""
    found = []
    for project in projects:
        try:
            found.append(Surveyed(project, status(project, prereleases, deep=True), None))
        except NewprojError as error:
            found.append(Surveyed(project, None, error))
    return found


SEVERITY = (4, 2, 1, 5)  # what a fleet's exit code reports first: attention, bad input, failure, update available


def survey_exit(surveyed: list[Surveyed]) -> int:
    codes = {s.exit_code for s in surveyed}
    return next((code for code in SEVERITY if code in codes), max(codes, default=0))


def abort(project: Path) -> list[str]:
    """Undo the update newproj moved into place last (before it was committed)."""
    top = repo.enclosing_work_tree(project.absolute())
    if top is None:
        raise NotAProject(f"{project} is not in a git repository; there is no update to undo")
    return transplant.abort(top)


def trust_warning(project: Path, request: Request) -> str:
    """What --trust lets the template run: its tasks and migrations, from its copier.yml at the target."""
    current = status(project.absolute(), request.prereleases, source=request.source)
    config = _template_config(current.source, request.to or current.newest)
    commands = [str(t) for t in config.get("_tasks") or []]
    for migration in config.get("_migrations") or []:
        commands.append(str(migration.get("command", migration) if isinstance(migration, dict) else migration))
    if not commands:
        return "Warning: --trust given; this template release asks to run nothing."
    return "Warning: --trust lets the template run these commands on this machine: " + "; ".join(commands)


def _template_config(source: str, ref: str) -> dict[str, Any]:
    import yaml

    with tempfile.TemporaryDirectory(prefix="newproj-trust-") as scratch:
        clone = Path(scratch) / "template"
        repo.git("clone", "-q", "--no-checkout", "--", releases.expand(source), str(clone))
        for name in ("copier.yml", "copier.yaml"):
            shown = repo.git("show", "--end-of-options", f"{ref}:{name}", cwd=clone, check=False)
            if shown.returncode == 0:
                loaded = yaml.safe_load(shown.stdout)
                return loaded if isinstance(loaded, dict) else {}
    return {}
