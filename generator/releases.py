"""Template releases: the git bundle shipped in the package and its per-user copy."""

from __future__ import annotations

import functools
import os
import re
import shutil
import tempfile
from pathlib import Path

from newproj import state
from newproj.errors import NewprojError
from newproj.repo import git

PACKAGED_BUNDLE = Path(__file__).with_name("data") / "templates.bundle"
# Recorded as _src_path in every generated project: Copier expands the ~ itself, so
# the same answers file works for every teammate whose newproj has installed its copy.
USER_BUNDLE_PATH = state.HOME_BUNDLE
TAG = re.compile(r"v(\d+)\.(\d+)\.(\d+)\Z")


def version_key(tag: str) -> tuple[int, int, int]:
    match = TAG.match(tag)
    if match is None:
        raise ValueError(f"not a release tag: {tag}")
    major, minor, patch = (int(part) for part in match.groups())
    return major, minor, patch


def bundle_tags(bundle: Path) -> dict[str, str]:
    """Release tags in a bundle, mapped to their commit ids."""
    listing = git("bundle", "list-heads", str(bundle), timeout=state.BUNDLE_CHECK_SECONDS).stdout
    tags = {}
    for line in listing.splitlines():
        commit, _, ref = line.partition(" ")
        name = ref.removeprefix("refs/tags/")
        if ref.startswith("refs/tags/") and TAG.match(name):
            tags[name] = commit
    return tags


@functools.cache
def packaged_tags() -> dict[str, str]:
    if not PACKAGED_BUNDLE.exists():
        raise NewprojError("this newproj has no template releases (templates.bundle is missing); reinstall newproj")
    return bundle_tags(PACKAGED_BUNDLE)


def latest(tags: dict[str, str] | list[str]) -> str:
    return max(tags, key=version_key)


def packaged_version() -> str:
    """The newest template release this newproj carries, e.g. v0.2.0."""
    return latest(packaged_tags())


def user_bundle() -> Path:
    return state.writable_folder() / state.BUNDLE_NAME


def install_user_bundle() -> Path:
    """Make sure the per-user bundle holds every release this newproj carries; never drop a tag."""
    wanted = packaged_tags()
    readable = state.readable_bundle()
    if readable is not None and _holds(bundle_tags(readable), wanted):
        return readable
    target = user_bundle()
    have = bundle_tags(target) if state.is_bundle(target) else {}
    if _holds(have, wanted):
        return target
    if set(have) <= set(wanted):
        _atomic_copy(PACKAGED_BUNDLE, target)
    else:
        _merge_bundles(target, PACKAGED_BUNDLE)
    return target


def _holds(have: dict[str, str], wanted: dict[str, str]) -> bool:
    return all(have.get(tag) == commit for tag, commit in wanted.items())


def _atomic_copy(source: Path, target: Path) -> None:
    fd, tmp = tempfile.mkstemp(prefix=".templates-", suffix=".bundle", dir=target.parent)
    os.close(fd)
    try:
        shutil.copyfile(source, tmp)
        Path(tmp).chmod(0o644)
        os.replace(tmp, target)
    finally:
        Path(tmp).unlink(missing_ok=True)


def _merge_bundles(target: Path, extra: Path) -> None:
    """Rebuild target as a bundle of every tag in both (kept tags win on a clash)."""
    with tempfile.TemporaryDirectory(prefix="newproj-bundle-") as work:
        repo = Path(work) / "repo"
        git("init", "-q", "--bare", str(repo))
        git("fetch", "-q", str(extra), "refs/tags/*:refs/tags/*", cwd=repo)
        git("fetch", "-q", "--force", str(target), "refs/tags/*:refs/tags/*", cwd=repo)
        merged = Path(work) / "merged.bundle"
        git("bundle", "create", "-q", str(merged), "--tags", cwd=repo)
        _atomic_copy(merged, target)
