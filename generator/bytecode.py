"""Compiled bytecode of installed dependencies, kept once and reused by every later project.

A project's first import of its dependencies (its migrations, under --install) compiles each
module: seconds of CPU, and the same seconds for every project that installs the same packages.
After a set-up, the compiled files of .venv's site-packages are kept in newproj's cache, each
stamped with a hash of the source it was compiled from (PEP 552). A later set-up copies in a
kept file only where the hash matches the source it installed, re-stamped with that source's
own modification time and size, so Python's usual timestamp check accepts it and a file from
another version of a package is never used.

Everything here is an optimisation: a cache that cannot be read or written costs the compile
time back, never the set-up.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

HEADER = 16  # magic number, flags, then either mtime and size or the source hash (PEP 552)
TIMESTAMP, CHECKED_HASH = 0, 0b11
TAG = sys.implementation.cache_tag or ""
SUFFIX = f".{TAG}.pyc"


def cache_folder() -> Path | None:
    """Where kept bytecode lives for this Python: the user's cache folder, or None when there is none."""
    from platformdirs import user_cache_path

    with contextlib.suppress(Exception):  # no HOME, say: then there is simply no cache
        return Path(user_cache_path("newproj")) / "bytecode" / TAG
    return None


def site_packages(venv: Path) -> Path | None:
    """The site-packages of a venv made with this Python (another Python's bytecode would not load)."""
    folder = venv / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}" / "site-packages"
    return folder if folder.is_dir() else None


def _compiled(root: Path) -> Iterator[Path]:
    """Every bytecode file of this Python under root (optimised .opt-N files are left alone)."""
    for folder, _dirs, files in os.walk(root):
        if os.path.basename(folder) == "__pycache__":
            for name in files:
                if name.endswith(SUFFIX) and ".opt-" not in name:
                    yield Path(folder, name)


def source_of(pyc: Path) -> Path:
    """mod/__pycache__/name.cpython-311.pyc -> mod/name.py"""
    return pyc.parent.parent / (pyc.name[: -len(SUFFIX)] + ".py")


def _stamp(stat: os.stat_result) -> bytes:
    return (int(stat.st_mtime) & 0xFFFFFFFF).to_bytes(4, "little") + (stat.st_size & 0xFFFFFFFF).to_bytes(4, "little")


def _write(path: Path, data: bytes) -> None:
    """Write whole or not at all: another newproj (or Python itself) may read the file meanwhile."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".newproj-", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def _flags(data: bytes) -> int:
    return int.from_bytes(data[4:8], "little")


def keep(venv: Path, cache: Path | None = None) -> int:
    """Copy into the cache each compiled file of venv that matches its source; return how many were new."""
    root, cache = site_packages(venv), cache or cache_folder()
    if root is None or cache is None:
        return 0
    return _each(root, cache, _keep_one)


def _each(source: Path, target: Path, one: Callable[[Path, Path], int]) -> int:
    """one(file, its place under target) for each compiled file under source; how many it took."""
    taken = 0
    with contextlib.suppress(OSError):
        for found in _compiled(source):
            taken += one(found, target / found.relative_to(source))
    return taken


def _keep_one(pyc: Path, kept: Path) -> int:
    try:
        source = source_of(pyc)
        data, stat = pyc.read_bytes(), source.stat()
        if data[:4] != importlib.util.MAGIC_NUMBER or _flags(data) != TIMESTAMP or data[8:HEADER] != _stamp(stat):
            return 0  # not compiled from the source beside it as it is now
        with contextlib.suppress(FileNotFoundError):
            if kept.read_bytes()[HEADER:] == data[HEADER:]:
                return 0  # kept already (most likely reused from here)
        digest = importlib.util.source_hash(source.read_bytes())
        _write(kept, data[:4] + CHECKED_HASH.to_bytes(4, "little") + digest + data[HEADER:])
    except OSError:
        return 0
    return 1


def reuse(venv: Path, cache: Path | None = None) -> int:
    """Copy kept bytecode into venv wherever it was compiled from the very source installed there; return how many."""
    root, cache = site_packages(venv), cache or cache_folder()
    if root is None or cache is None or not cache.is_dir():
        return 0
    return _each(cache, root, _reuse_one)


def _reuse_one(kept: Path, pyc: Path) -> int:
    try:
        source = source_of(pyc)
        if pyc.exists() or not source.is_file():
            return 0
        data = kept.read_bytes()
        if data[:4] != importlib.util.MAGIC_NUMBER or _flags(data) != CHECKED_HASH:
            return 0
        if data[8:HEADER] != importlib.util.source_hash(source.read_bytes()):
            return 0  # another version of the package: Python compiles its own
        _write(pyc, data[:4] + TIMESTAMP.to_bytes(4, "little") + _stamp(source.stat()) + data[HEADER:])
    except OSError:
        return 0
    return 1


_keeping: list[threading.Thread] = []


def keep_in_background(venv: Path) -> None:
    """Keep venv's bytecode from a thread, so the set-up or the starting server does not wait for it."""
    thread = threading.Thread(target=keep, args=(venv,), name="newproj-keep-bytecode", daemon=True)
    thread.start()
    _keeping.append(thread)


def finish_keeping(timeout: float = 30.0) -> None:
    """Let the keeping threads end before newproj exits (a thread cut short leaves whole files only)."""
    while _keeping:
        _keeping.pop().join(timeout)
