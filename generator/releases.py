"""Template releases: the git bundle shipped in the package and its per-user copy."""

from __future__ import annotations

import functools
import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

from newproj import state
from newproj.errors import BadSource, NewprojError
from newproj.repo import git

PACKAGED_BUNDLE = Path(__file__).with_name("data") / "templates.bundle"
# Recorded as _src_path in every generated project: Copier expands the ~ itself, so
# the same answers file works for every teammate whose newproj has installed its copy.
USER_BUNDLE_PATH = state.HOME_BUNDLE
TAG = re.compile(r"v(\d+)\.(\d+)\.(\d+)\Z")
# A release of a team's source: a final semantic version, with or without the v.
FINAL = re.compile(r"v?\d+\.\d+\.\d+\Z")
# A pre-release: the same followed by a PEP 440 or semver pre-release part (v1.2.0rc1, v1.2.0-rc.1).
PRERELEASE = re.compile(r"v?\d+\.\d+\.\d+-?(a|alpha|b|beta|rc|c)\.?\d*\Z", re.IGNORECASE)


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


def release_version(tag: str, prereleases: bool = False) -> Any:
    """The packaging Version of a release tag, or None for anything else (alias tags, pre-releases)."""
    from packaging.version import InvalidVersion, Version

    if not (FINAL.match(tag) or (prereleases and PRERELEASE.match(tag))):
        return None
    try:
        return Version(tag)
    except InvalidVersion:
        return None


def source_tags(location: str) -> dict[str, str]:
    """Every tag of a template source (a path or a git URL) mapped to the commit it names."""
    check_source(location)
    listing = git("ls-remote", "--tags", "--", expand(location), check=False)
    if listing.returncode != 0:
        raise NewprojError(f"cannot read the template source {location}; check that it exists and you can reach it")
    tags: dict[str, str] = {}
    for line in listing.stdout.splitlines():
        commit, _, ref = line.partition("\t")
        if not ref.startswith("refs/tags/"):
            continue
        name = ref.removeprefix("refs/tags/")
        if name.endswith("^{}"):  # an annotated tag, peeled to its commit: this line wins
            tags[name.removesuffix("^{}")] = commit
        else:
            tags.setdefault(name, commit)
    return tags


def releases_of(tags: dict[str, str], prereleases: bool = False) -> dict[str, str]:
    """Only the tags that are releases: final semantic versions (and pre-releases when asked)."""
    return {name: commit for name, commit in tags.items() if release_version(name, prereleases) is not None}


def newest_release(tags: dict[str, str], prereleases: bool = False) -> str | None:
    found = releases_of(tags, prereleases)
    return max(found, key=lambda name: release_version(name, prereleases)) if found else None


def check_source(location: str) -> None:
    """A source is a path or a URL; one that starts with - would be read by git as an option."""
    if not location or location.startswith("-") or any(ch in location for ch in "\n\r\0"):
        raise BadSource(
            f"{location!r} is not a template source (a path or a git URL); fix _src_path in .copier-answers.yml"
        )


def expand(location: str) -> str:
    """A recorded source as git can read it: ~ expanded for paths."""
    return str(Path(location).expanduser()) if location.startswith("~") else location


def is_local(location: str) -> bool:
    return location.startswith(("~", "/", ".")) or Path(location).expanduser().exists()


def for_record(location: str) -> str:
    """How a source is written into a project: an absolute path under HOME as ~/..., so it works for teammates."""
    if not is_local(location) or "://" in location:
        return location
    path = Path(location).expanduser().absolute()
    try:
        return "~/" + path.relative_to(Path.home()).as_posix()
    except ValueError:
        return str(path)
