"""newproj's own code: strictly typed and lint-clean."""

from __future__ import annotations

import subprocess
import sys

from tests.support.harness import REPO


def test_mypy_strict_is_clean(tmp_path):
    # The package is `newproj` but lives in generator/: give mypy the installed name.
    (tmp_path / "newproj").symlink_to(REPO / "generator")
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "-p", "newproj"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_is_clean():
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "generator", "tests", "bench"], cwd=REPO, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
