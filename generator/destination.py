"""Where a project lands: checks first, a staging folder beside it, one move at the end."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from newproj.errors import BadInput, DestinationInUse, NewprojError

LISTED = 8


def check(dest: Path) -> None:
    """Refuse a destination that holds anything but an empty git repository."""
    if dest.exists() and not dest.is_dir():
        raise DestinationInUse(f"{dest} is a file; choose a folder that does not exist yet")
    if not dest.exists():
        return
    in_the_way = sorted(p.name for p in dest.iterdir() if p.name != ".git")
    if in_the_way:
        shown = ", ".join(in_the_way[:LISTED]) + (
            f" and {len(in_the_way) - LISTED} more" if len(in_the_way) > LISTED else ""
        )
        raise DestinationInUse(
            f"{dest} is not empty ({shown}); choose a new folder or empty this one (newproj never overwrites files)"
        )


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def _first_missing(path: Path) -> Path | None:
    missing = None
    while not path.exists():
        missing, path = path, path.parent
    return missing


@contextlib.contextmanager
def staging(dest: Path) -> Iterator[Path]:
    """A temporary folder beside dest; removed, with any parents made for it, unless published."""
    created = _first_missing(dest.parent)
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.newproj-", dir=dest.parent))
        tmp.chmod(0o777 & ~_umask())  # mkdtemp makes it private; the project folder should not be
    except OSError as error:
        if created is not None:
            shutil.rmtree(created, ignore_errors=True)
        raise NewprojError(f"cannot write in {dest.parent}: {error.strerror}; choose another destination") from error
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        if created is not None:
            shutil.rmtree(created, ignore_errors=True)
        raise
    shutil.rmtree(tmp, ignore_errors=True)


def publish(tmp: Path, dest: Path) -> None:
    """Move the finished project into place: one rename when dest does not exist yet."""
    if not dest.exists():
        tmp.rename(dest)
        tmp.mkdir()  # staging() removes it; the project itself now lives at dest
        return
    moved: list[Path] = []
    try:
        for entry in sorted(tmp.iterdir()):
            target = dest / entry.name
            entry.rename(target)
            moved.append(target)
    except BaseException:
        for target in moved:
            target.rename(tmp / target.name)
        raise


def scratch() -> contextlib.AbstractContextManager[str]:
    """A temporary folder away from the destination (for --dry-run)."""
    return tempfile.TemporaryDirectory(prefix="newproj-dry-run-")


def resolve(dest: str) -> Path:
    if not dest.strip():
        raise BadInput("the destination is empty; give a folder name, for example: newproj create my-shop")
    return Path(dest).expanduser().absolute()
