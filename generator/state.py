"""newproj's own state folder (~/.newproj): where it lives, and a fallback when HOME cannot hold it."""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

from newproj.errors import NewprojError

FOLDER_NAME = ".newproj"
BUNDLE_NAME = "templates.bundle"
# How every recorded _src_path names the per-user bundle; Copier expands the ~ itself.
HOME_BUNDLE = f"~/{FOLDER_NAME}/{BUNDLE_NAME}"
BUNDLE_SIGNATURES = (b"# v2 git bundle\n", b"# v3 git bundle\n")
BUNDLE_CHECK_SECONDS = 20


def home() -> Path | None:
    """The person's home folder, or None when HOME is unset, empty or not absolute."""
    value = os.environ.get("HOME", "")
    return Path(value) if value and os.path.isabs(value) else None


def home_folder() -> Path | None:
    where = home()
    return where / FOLDER_NAME if where is not None else None


def _usable(folder: Path) -> bool:
    """True when folder is (or can be made) a real folder we may write in."""
    try:
        folder.mkdir(mode=0o755, exist_ok=True)
    except OSError:
        return False
    info = os.lstat(folder)
    return stat.S_ISDIR(info.st_mode) and os.access(folder, os.W_OK | os.X_OK)


def _private_fallback() -> Path:
    """A folder only this user owns in the system's temporary folder."""
    uid = os.getuid()
    folder = Path(tempfile.gettempdir()) / f"newproj-{uid}"
    try:
        folder.mkdir(mode=0o700, exist_ok=True)
        info = os.lstat(folder)
        if stat.S_ISDIR(info.st_mode) and info.st_uid == uid and not info.st_mode & 0o022:
            return folder
        return Path(tempfile.mkdtemp(prefix="newproj-"))
    except OSError as error:
        raise NewprojError(
            f"newproj has nowhere to keep its template releases: {folder} cannot be written "
            f"({error.strerror}); set HOME to a folder you can write"
        ) from error


def writable_folder() -> Path:
    """~/.newproj when HOME can hold it, else a private folder in the system's temporary folder."""
    folder = home_folder()
    if folder is not None and _usable(folder):
        return folder
    return _private_fallback()


def readable_bundle() -> Path | None:
    """The per-user bundle in HOME, if one is there to read (HOME may be read-only)."""
    folder = home_folder()
    if folder is None:
        return None
    path = folder / BUNDLE_NAME
    return path if is_bundle(path) else None


def is_bundle(path: Path) -> bool:
    """A regular file that starts like a git bundle (never follows a path to a device or a FIFO)."""
    try:
        info = os.lstat(path)
        if not stat.S_ISREG(info.st_mode):
            return False
        with path.open("rb") as handle:
            head = handle.read(len(BUNDLE_SIGNATURES[0]))
    except OSError:
        return False
    return head in BUNDLE_SIGNATURES


def recorded(bundle: Path) -> str:
    """How a project records the bundle: the ~ form for the home copy, so teammates share answers files."""
    folder = home_folder()
    if folder is not None and bundle == folder / BUNDLE_NAME:
        return HOME_BUNDLE
    return str(bundle)
