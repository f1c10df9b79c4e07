"""Move an update made in a scratch clone into the real repository, all at once or not at all.

The update runs in a clone; the project is only touched here. Every file is staged inside
the project's git folder first (same file system), then, with SIGINT, SIGTERM and SIGHUP held
back, each path is swapped in by rename and the clone's index replaces the project's. A
failure part-way renames everything back; a signal that arrives meanwhile is taken after.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from newproj import repo
from newproj.errors import BadInput, NewprojError

HELD = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}
RECORD = "newproj-update.json"


@dataclass(frozen=True)
class Plan:
    """Paths (relative to the top of the work tree) the update writes or deletes."""

    written: tuple[str, ...]
    deleted: tuple[str, ...]


def git_path(top: Path, name: str) -> Path:
    """A file of the repository's git folder (worktrees included)."""
    found = repo.git("rev-parse", "--git-path", name, cwd=top).stdout.strip()
    return (top / found).resolve()


def tracked_files(top: Path) -> set[str]:
    return set(repo.git("ls-files", "-z", cwd=top).stdout.split("\0")) - {""}


def plan(work_top: Path, extra_written: list[str]) -> Plan:
    """What the clone's working tree has that differs from HEAD (ignored files the template wrote included)."""
    status = repo.git("status", "--porcelain=v1", "-z", "--untracked-files=all", "--no-renames", cwd=work_top).stdout
    written, deleted = set(extra_written), set[str]()
    for entry in status.split("\0"):
        if not entry:
            continue
        name = entry[3:]
        (written if (work_top / name).exists() or (work_top / name).is_symlink() else deleted).add(name)
    return Plan(tuple(sorted(written)), tuple(sorted(deleted)))


def untracked_in_the_way(top: Path, the_plan: Plan) -> list[str]:
    """Files the update would write over that git does not track (untracked or ignored)."""
    tracked = tracked_files(top)
    return [
        name
        for name in the_plan.written
        if name not in tracked and ((top / name).exists() or (top / name).is_symlink())
    ]


def refuse_overwrites(top: Path, the_plan: Plan, shown_from: Path) -> None:
    in_the_way = untracked_in_the_way(top, the_plan)
    if in_the_way:
        names = ", ".join(os.path.relpath(top / n, shown_from) for n in in_the_way)
        raise BadInput(
            f"the update would write over files git does not track: {names}; "
            "move them elsewhere (or commit them), then run the update again; nothing was changed"
        )


def _copy_objects(work_top: Path, top: Path) -> None:
    """Blobs the update wrote (merge stages, new files) into the project's object store; harmless if unused."""
    source, target = git_path(work_top, "objects"), git_path(top, "objects")
    for path in source.rglob("*"):
        relative = path.relative_to(source)
        if not path.is_file() or relative.parts[0] == "info":
            continue
        destination = target / relative
        if not destination.exists():
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, destination)


@contextlib.contextmanager
def _signals_held() -> Iterator[list[int]]:
    """Hold back interrupts; yield a list that receives any that arrived meanwhile."""
    arrived: list[int] = []
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, HELD)
    try:
        yield arrived
    finally:
        pending = signal.sigpending() & HELD
        while pending:
            taken = signal.sigtimedwait(pending, 0)
            if taken is None:
                break
            arrived.append(taken.si_signo)
            pending = signal.sigpending() & HELD
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def apply(work_top: Path, top: Path, the_plan: Plan, record: Mapping[str, object]) -> bool:
    """Swap the planned paths and the index into top; return True if an interrupt arrived meanwhile."""
    _copy_objects(work_top, top)
    staging = git_path(top, "newproj-staging")
    shutil.rmtree(staging, ignore_errors=True)
    (staging / "new").mkdir(parents=True)
    (staging / "old").mkdir()
    try:
        for number, name in enumerate(the_plan.written):
            shutil.copy2(work_top / name, staging / "new" / str(number), follow_symlinks=False)
        shutil.copy2(git_path(work_top, "index"), staging / "index")
        (staging / "record.json").write_text(json.dumps(record), encoding="utf-8")
        with _signals_held() as arrived:
            _swap(top, the_plan, staging)
            # The update is in place. An interrupt from here on could only make newproj call a
            # finished update interrupted (exit 130): the clean-up and the report run to the end.
            for signum in HELD:
                signal.signal(signum, signal.SIG_IGN)
        return bool(arrived)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _swap(top: Path, the_plan: Plan, staging: Path) -> None:
    moved: list[tuple[Path, Path]] = []  # (from, to), to undo in reverse
    made: list[Path] = []
    index, kept_index = git_path(top, "index"), staging / "old" / "index"
    try:
        for number, name in enumerate((*the_plan.written, *the_plan.deleted)):
            target = top / name
            if target.exists() or target.is_symlink():
                backup = staging / "old" / str(number)
                os.rename(target, backup)
                moved.append((target, backup))
            if number < len(the_plan.written):
                made += _make_parents(target.parent, top)
                os.rename(staging / "new" / str(number), target)
                moved.append((staging / "new" / str(number), target))
        os.link(index, kept_index)
        os.replace(staging / "index", index)
        os.replace(staging / "record.json", git_path(top, RECORD))
    except OSError as error:
        for origin, now in reversed(moved):
            with contextlib.suppress(OSError):
                os.rename(now, origin)
        if kept_index.exists():
            with contextlib.suppress(OSError):
                os.replace(kept_index, index)
        for folder in reversed(made):
            with contextlib.suppress(OSError):
                folder.rmdir()
        raise NewprojError(
            f"could not move the update into place ({error.strerror or error}: {error.filename}); "
            "the project was left as it was"
        ) from error


def _make_parents(folder: Path, top: Path) -> list[Path]:
    missing = []
    while folder != top and not folder.exists():
        missing.append(folder)
        folder = folder.parent
    for path in reversed(missing):
        path.mkdir()
    return list(reversed(missing))


def abort(top: Path) -> list[str]:
    """Undo the last update newproj moved into place (while HEAD has not moved); return removed files."""
    record_path = git_path(top, RECORD)
    try:
        record = json.loads(record_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise BadInput("there is no newproj update to undo here (it was committed, or already undone)") from error
    head = repo.git("rev-parse", "HEAD", cwd=top).stdout.strip()
    if record.get("head") != head:
        raise BadInput(
            "the update was committed since; undo it with git revert (newproj update --abort undoes it only before)"
        )
    repo.git("reset", "-q", "--hard", "HEAD", cwd=top)
    tracked = tracked_files(top)
    removed = []
    for name in record.get("added", []):
        path = top / name
        if name not in tracked and path.is_file():
            path.unlink()
            removed.append(name)
            _remove_empty_parents(path.parent, top)
    record_path.unlink()
    return removed


def _remove_empty_parents(folder: Path, top: Path) -> None:
    while folder != top and folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()
        folder = folder.parent
