"""Where a project lands: checks first, then DEST claimed, a staging folder inside it, renames that never replace."""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import stat
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from newproj.errors import BadInput, DestinationInUse, NewprojError

LISTED = 8
NAME_MAX = 255
# Both live inside DEST while a run renders; neither is ever published or committed.
LOCK = ".newproj-lock"
STAGING_PREFIX = ".newproj-staging-"


@dataclass(frozen=True)
class Claim:
    """A destination this run holds: the project renders in `project`, Copier's temporary files go in `tmp`."""

    dest: Path
    root: Path

    @property
    def project(self) -> Path:
        return self.root / "project"

    @property
    def tmp(self) -> Path:
        return self.root / "tmp"


def check(dest: Path) -> None:
    """Refuse a destination that holds anything but an empty git repository, or that cannot be a folder."""
    _check_path(dest)
    if not dest.is_dir():
        return
    if _live_lock(dest):
        raise _in_use(dest)
    _check_empty(dest)


def _in_use(dest: Path) -> DestinationInUse:
    return DestinationInUse(
        f"another newproj run is creating a project in {dest}; wait for it, or choose another folder "
        f"(if none runs, remove {dest / LOCK})"
    )


def _check_empty(dest: Path) -> None:
    in_the_way = sorted(p.name for p in dest.iterdir() if not _ours(p.name))
    if in_the_way:
        shown = ", ".join(in_the_way[:LISTED]) + (
            f" and {len(in_the_way) - LISTED} more" if len(in_the_way) > LISTED else ""
        )
        raise DestinationInUse(
            f"{dest} is not empty ({shown}); choose a new folder or empty this one (newproj never overwrites files)"
        )


def _check_path(dest: Path) -> None:
    long = next((part for part in dest.parts if len(os.fsencode(part)) > NAME_MAX), None)
    if long is not None:
        raise BadInput(
            f"the folder name {long[:24]}... is too long ({len(long)} characters; at most {NAME_MAX}); "
            "choose a shorter one"
        )
    if dest.is_symlink() and not dest.is_dir():
        raise BadInput(
            f"{dest} is a symbolic link to {os.readlink(dest)}, which is not a folder; "
            "remove the link or choose another destination"
        )
    if dest.exists() and not dest.is_dir():
        raise DestinationInUse(f"{dest} is a file; choose a folder that does not exist yet")
    ancestor = _existing_ancestor(dest)
    if not ancestor.is_dir():
        raise BadInput(f"{ancestor} is a file, not a folder; choose a destination outside it")


def _existing_ancestor(path: Path) -> Path:
    while not path.exists() and not path.is_symlink():
        path = path.parent
    return path


def _ours(name: str) -> bool:
    return name == ".git" or name.startswith((LOCK, STAGING_PREFIX))


def _lock_pid(dest: Path) -> int | None:
    try:
        return int((dest / LOCK).read_text(encoding="ascii").strip())
    except (OSError, ValueError):
        return None


def _live_lock(dest: Path) -> bool:
    """A lock held by a running process (this one included); a killed run's lock is stale."""
    pid = _lock_pid(dest)
    return pid is not None and _running(pid)


def _running(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _remove_stale(dest: Path, pid: int) -> None:
    """What a killed run (pid) left in dest: its staging folders and its lock, never anything else."""
    for entry in dest.glob(f"{STAGING_PREFIX}{pid}-*"):
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
    if _lock_pid(dest) == pid:
        (dest / LOCK).unlink(missing_ok=True)


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def _make_folders(dest: Path) -> list[Path]:
    """Create dest and any missing parents, one at a time; return the folders this call made."""
    missing = []
    probe = dest
    while not probe.is_dir():
        missing.append(probe)
        probe = probe.parent
    made: list[Path] = []
    try:
        for folder in reversed(missing):
            with contextlib.suppress(FileExistsError):
                folder.mkdir()
                made.append(folder)
    except BaseException:
        _remove_empty(made)
        raise
    return made


def _remove_empty(made: list[Path]) -> None:
    """Remove folders this run made, deepest first, only while they are empty."""
    for folder in reversed(made):
        try:
            folder.rmdir()
        except OSError:
            return


def _take_lock(dest: Path) -> None:
    for _ in range(2):
        if _write_lock(dest):
            return
        pid = _lock_pid(dest)
        if pid is None or _running(pid):
            break
        _remove_stale(dest, pid)
    raise _in_use(dest)


def _write_lock(dest: Path) -> bool:
    """Create the lock, pid already inside, in one step (a hard link); False when there is one."""
    draft = dest / f"{LOCK}.{os.getpid()}"
    draft.write_text(f"{os.getpid()}\n", encoding="ascii")
    try:
        os.link(draft, dest / LOCK)
    except FileExistsError:
        return False
    except OSError:  # a filesystem without hard links: exclusive create, then the pid
        return _write_lock_exclusively(dest)
    finally:
        draft.unlink(missing_ok=True)
    return True


def _write_lock_exclusively(dest: Path) -> bool:
    try:
        fd = os.open(dest / LOCK, os.O_CREAT | os.O_EXCL | os.O_WRONLY | os.O_NOFOLLOW, 0o644)
    except FileExistsError:
        return False
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(f"{os.getpid()}\n")
    return True


def _cannot_write(dest: Path, error: OSError) -> NewprojError:
    if error.errno == errno.ENOTDIR:
        return BadInput(f"{dest} is inside a file, not a folder; choose another destination")
    if error.errno == errno.ENAMETOOLONG:
        return BadInput(f"{dest} is too long a path for this system; choose a shorter one")
    return NewprojError(f"cannot write in {dest.parent}: {error.strerror}; choose another destination")


@contextlib.contextmanager
def claim(dest: Path) -> Iterator[Claim]:
    """Hold dest for this run; on failure remove only what this run made (parents only while empty)."""
    try:
        made = _make_folders(dest)
    except OSError as error:
        raise _cannot_write(dest, error) from error
    root, locked = None, False
    try:
        _take_lock(dest)
        locked = True
        _check_empty(dest)
        root = Path(tempfile.mkdtemp(prefix=f"{STAGING_PREFIX}{os.getpid()}-", dir=dest))
        Claim(dest, root).project.mkdir(mode=0o777 & ~_umask())
        yield Claim(dest, root)
    except OSError as error:
        _release(dest, root, made, locked)
        raise _cannot_write(dest, error) from error
    except BaseException:
        _release(dest, root, made, locked)
        raise
    _release(dest, root, [], locked)


def _release(dest: Path, root: Path | None, made: list[Path], locked: bool) -> None:
    if root is not None:
        shutil.rmtree(root, ignore_errors=True)
    if locked:
        (dest / LOCK).unlink(missing_ok=True)
    # An interrupt can land between writing the lock's draft and the try that removes it.
    (dest / f"{LOCK}.{os.getpid()}").unlink(missing_ok=True)
    _remove_empty(made)


def publish(held: Claim, dest: Path) -> None:
    """Move the finished project into dest by renames onto names reserved first: nothing is ever replaced."""
    moved: list[Path] = []
    target = dest
    try:
        for entry in sorted(held.project.iterdir()):
            target = dest / entry.name
            _place(entry, target)
            moved.append(target)
    except BaseException as error:
        for placed in reversed(moved):
            placed.rename(held.project / placed.name)
        if isinstance(error, OSError):
            raise DestinationInUse(
                f"{target.name} appeared in {dest} while newproj was writing; nothing was overwritten "
                "and nothing was left behind: move it away and run newproj again"
            ) from error
        raise


def _place(entry: Path, target: Path) -> None:
    """Reserve target exclusively, then rename entry onto the reservation."""
    is_folder = stat.S_ISDIR(os.lstat(entry).st_mode)
    if is_folder:
        target.mkdir()
    else:
        os.close(os.open(target, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    try:
        entry.rename(target)
    except BaseException:
        with contextlib.suppress(OSError):
            target.rmdir() if is_folder else target.unlink()
        raise


DRY_RUN_PREFIX = "newproj-dry-run-"


def scratch() -> contextlib.AbstractContextManager[str]:
    """A temporary folder away from the destination (for --dry-run); a killed dry run's is removed here."""
    base = Path(tempfile.gettempdir())
    with contextlib.suppress(OSError):
        for old in base.glob(f"{DRY_RUN_PREFIX}*-*"):
            pid = old.name.removeprefix(DRY_RUN_PREFIX).split("-", 1)[0]
            if pid.isdigit() and not _running(int(pid)) and old.is_dir() and not old.is_symlink():
                shutil.rmtree(old, ignore_errors=True)
    return tempfile.TemporaryDirectory(prefix=f"{DRY_RUN_PREFIX}{os.getpid()}-")


def resolve(dest: str) -> Path:
    if not dest.strip():
        raise BadInput("the destination is empty; give a folder name, for example: newproj create my-shop")
    return Path(dest).expanduser().absolute()
