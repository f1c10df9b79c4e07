"""Every git command newproj runs lives here."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from newproj.errors import BadInput, GitFailed

FALLBACK_NAME = "newproj"
FALLBACK_EMAIL = "newproj@localhost.invalid"
# The first commit of a generated project is newproj's, not the person's: their hooks
# and signing setup are for their own commits, and must not break creation.
_QUIET = ["-c", "commit.gpgsign=false", "-c", "core.hooksPath=/dev/null", "-c", "init.defaultBranch=main"]


# Variables that would point git at another repository than the folder it runs in.
_REDIRECTS = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY", "GIT_COMMON_DIR", "GIT_NAMESPACE")


def git_env() -> dict[str, str]:
    """The environment for git: no prompts, plain English, and no redirection to another repository."""
    env = {k: v for k, v in os.environ.items() if k not in _REDIRECTS}
    return {**env, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"}


def git(
    *args: str,
    cwd: Path | None = None,
    check: bool = True,
    timeout: float | None = None,
    stdin: str | None = None,
) -> subprocess.CompletedProcess[str]:
    try:
        result = subprocess.run(
            ["git", *_QUIET, *args],
            cwd=cwd,
            env=git_env(),
            input=stdin,
            capture_output=True,
            text=True,
            errors="replace",
            check=False,
            timeout=timeout,
        )
    except FileNotFoundError as error:
        raise GitFailed("git is not installed; install git (newproj runs it to read and commit templates)") from error
    except subprocess.TimeoutExpired as error:
        raise GitFailed(f"git {args[0]} did not finish within {timeout:.0f} s; check the files it reads") from error
    if check and result.returncode != 0:
        raise GitFailed(f"git {args[0]} failed: {last_line(result.stderr or result.stdout)}")
    return result


def last_line(output: str) -> str:
    """git's own last words, e.g. 'fatal: not a git repository'."""
    lines = [line.strip() for line in output.strip().splitlines() if line.strip()]
    return lines[-1] if lines else "no output"


def require(why: str) -> None:
    """Stop before any question when git is needed but missing."""
    if shutil.which("git") is None:
        raise GitFailed(f"git is not installed (or not on PATH); install git: newproj needs it {why}")


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


def own_repository(dest: Path) -> bool:
    """True when dest holds a git repository newproj may make the first commit in; refuse anything else."""
    if not (dest / ".git").exists():
        return False
    top = enclosing_work_tree(dest)
    if top is None or top.resolve() != dest.resolve():
        where = f"git says {dest} is inside {top}" if top is not None else "git cannot read it"
        raise BadInput(
            f"{dest / '.git'} is not a git repository ({where}); remove that .git folder, "
            "or run git init there first, or choose another folder"
        )
    if git("rev-parse", "--verify", "-q", "HEAD", cwd=dest, check=False).returncode == 0:
        raise BadInput(
            f"{dest} is a git repository with history; newproj only starts new repositories: "
            "choose an empty folder, or one made with git init"
        )
    lock = Path(git("rev-parse", "--git-path", "index.lock", cwd=dest).stdout.strip())
    if not lock.is_absolute():
        lock = dest / lock
    if lock.exists():
        raise GitFailed(
            f"git's index is locked ({lock}): another git command is running there, or one crashed; "
            "remove that file once no git runs in it, then try again"
        )
    return True


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
