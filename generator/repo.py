"""Every git command newproj runs lives here."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from newproj.errors import GitFailed

FALLBACK_NAME = "newproj"
FALLBACK_EMAIL = "newproj@localhost.invalid"
# The first commit of a generated project is newproj's, not the person's: their hooks
# and signing setup are for their own commits, and must not break creation.
_QUIET = ["-c", "commit.gpgsign=false", "-c", "core.hooksPath=/dev/null", "-c", "init.defaultBranch=main"]


def git(*args: str, cwd: Path | None = None, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"}
    try:
        result = subprocess.run(["git", *_QUIET, *args], cwd=cwd, env=env, capture_output=True, text=True, check=False)
    except FileNotFoundError as error:
        raise GitFailed("git is not installed; install git, or pass --no-git") from error
    if check and result.returncode != 0:
        detail = (result.stderr or result.stdout).strip().splitlines()
        raise GitFailed(f"git {args[0]} failed: {detail[-1] if detail else 'no output'}")
    return result


def config_value(key: str) -> str | None:
    """A value from the person's git config, or None."""
    try:
        value = git("config", "--get", key, check=False).stdout.strip()
    except GitFailed:
        return None
    return value or None


def enclosing_work_tree(path: Path) -> Path | None:
    """The top of the git work tree that contains path (path may not exist yet)."""
    probe = path
    while not probe.exists():
        probe = probe.parent
    try:
        result = git("rev-parse", "--show-toplevel", cwd=probe, check=False)
    except GitFailed:
        return None
    return Path(result.stdout.strip()) if result.returncode == 0 else None


def is_clean(path: Path) -> bool:
    return git("status", "--porcelain", cwd=path).stdout.strip() == ""


def has_identity(cwd: Path) -> bool:
    result = git("var", "GIT_COMMITTER_IDENT", cwd=cwd, check=False)
    return result.returncode == 0 and bool(config_value("user.email") or os.environ.get("GIT_COMMITTER_EMAIL"))


def commit_all(
    path: Path, message: str, init: bool, author: tuple[str, str] = (FALLBACK_NAME, FALLBACK_EMAIL)
) -> tuple[str, bool]:
    """Stage and commit everything in path, as author when git has no identity; return (commit id, used author)."""
    if init:
        git("init", "-q", cwd=path)
    git("add", "-A", cwd=path)
    fallback = not has_identity(path)
    identity = ["-c", f"user.name={author[0]}", "-c", f"user.email={author[1]}"] if fallback else []
    git(*identity, "commit", "-q", "--no-verify", "-m", message, cwd=path)
    return git("rev-parse", "HEAD", cwd=path).stdout.strip(), fallback


def tracked(path: Path, name: str) -> bool:
    return git("ls-files", "--error-unmatch", name, cwd=path, check=False).returncode == 0
