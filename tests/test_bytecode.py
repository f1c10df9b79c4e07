"""Bytecode compiled in one project's .venv is reused by the next, only where it came from the same source."""

from __future__ import annotations

import os
import py_compile
import subprocess
import sys
from pathlib import Path

from newproj import bytecode

VERSION = f"python{sys.version_info.major}.{sys.version_info.minor}"


def venv_with(tmp_path: Path, name: str, modules: dict[str, str]) -> Path:
    """A folder shaped like a venv, with modules installed in its site-packages (no bytecode yet)."""
    venv = tmp_path / name
    site = venv / "lib" / VERSION / "site-packages"
    for relative, text in modules.items():
        path = site / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return venv


def site(venv: Path) -> Path:
    return venv / "lib" / VERSION / "site-packages"


def compile_all(venv: Path) -> None:
    """What Python does on first import: a timestamp-checked pyc beside each source."""
    for source in site(venv).rglob("*.py"):
        py_compile.compile(str(source), doraise=True, invalidation_mode=py_compile.PycInvalidationMode.TIMESTAMP)


def imported_from(venv: Path, module: str) -> tuple[str, str]:
    """Import module in a fresh interpreter that may not write bytecode: its value, and Python's verbose account."""
    done = subprocess.run(
        [sys.executable, "-v", "-c", f"import {module}; print({module}.VALUE)"],
        env={**os.environ, "PYTHONPATH": str(site(venv)), "PYTHONDONTWRITEBYTECODE": "1"},
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip(), done.stderr


MODULES = {"shop/__init__.py": "VALUE = 'shop'\n", "shop/models.py": "VALUE = 'models'\n", "solo.py": "VALUE = 42\n"}


def test_the_next_venv_loads_the_kept_bytecode_instead_of_compiling(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    first = venv_with(tmp_path, "first", MODULES)
    compile_all(first)
    assert bytecode.keep(first, cache) == 3

    second = venv_with(tmp_path, "second", MODULES)
    # The second install's files are newer: a plain copy of the first pyc would fail Python's timestamp check.
    for source in site(second).rglob("*.py"):
        os.utime(source, (source.stat().st_atime, source.stat().st_mtime + 7))
    assert bytecode.reuse(second, cache) == 3

    value, account = imported_from(second, "shop.models")
    assert value == "models"
    for pyc in (site(second) / "shop" / "__pycache__").glob("*.pyc"):
        assert f"code object from '{pyc}'" in account


def test_a_different_source_at_the_same_path_gets_no_kept_bytecode(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    first = venv_with(tmp_path, "first", MODULES)
    compile_all(first)
    bytecode.keep(first, cache)

    upgraded = venv_with(tmp_path, "upgraded", {**MODULES, "solo.py": "VALUE = 43\n"})
    assert bytecode.reuse(upgraded, cache) == 2
    assert not (site(upgraded) / "__pycache__" / f"solo{bytecode.SUFFIX}").exists()
    value, account = imported_from(upgraded, "solo")
    assert value == "43"
    assert f"solo{bytecode.SUFFIX}'" not in account  # compiled from its own source, not loaded from a kept file


def test_bytecode_that_no_longer_matches_its_source_is_not_kept(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    venv = venv_with(tmp_path, "edited", {"solo.py": "VALUE = 1\n"})
    compile_all(venv)
    source = site(venv) / "solo.py"
    source.write_text("VALUE = 2  # edited after compiling\n", encoding="utf-8")
    assert bytecode.keep(venv, cache) == 0
    assert not cache.exists() or not any(cache.rglob("*.pyc"))


def test_keeping_twice_writes_nothing_new_and_reusing_never_overwrites(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    venv = venv_with(tmp_path, "venv", MODULES)
    compile_all(venv)
    assert bytecode.keep(venv, cache) == 3
    assert bytecode.keep(venv, cache) == 0
    # Everything there is compiled already: nothing to copy in.
    assert bytecode.reuse(venv, cache) == 0


def test_an_unwritable_cache_costs_nothing_but_the_reuse(tmp_path: Path) -> None:
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the cache folder would go\n")
    venv = venv_with(tmp_path, "venv", MODULES)
    compile_all(venv)
    assert bytecode.keep(venv, blocked / "bytecode") == 0
    assert bytecode.reuse(venv_with(tmp_path, "next", MODULES), blocked / "bytecode") == 0
    assert not list(tmp_path.rglob(".newproj-*.tmp"))


def test_a_venv_of_another_python_is_left_alone(tmp_path: Path) -> None:
    other = tmp_path / "other" / "lib" / "python2.7" / "site-packages"
    other.mkdir(parents=True)
    assert bytecode.site_packages(tmp_path / "other") is None
    assert bytecode.keep(tmp_path / "other", tmp_path / "cache") == 0
