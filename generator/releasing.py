"""Cutting template releases into the packaged bundle, and exporting them for a team.

Maintainers run `python -m newproj.releasing cut X.Y.Z` in a checkout after changing
templates/: it adds one commit with templates/ as it is now, tags it vX.Y.Z, and rewrites
generator/data/templates.bundle. The bundle is a committed file, so the whole release
history travels with every clone and every installed package.
"""

from __future__ import annotations

import filecmp
import shutil
import sys
import tempfile
from pathlib import Path

from newproj import releases
from newproj.errors import BadInput
from newproj.repo import git

IGNORED_PARTS = {"__pycache__", ".pytest_cache", ".ruff_cache", ".mypy_cache"}
RELEASER = ["-c", "user.name=newproj releases", "-c", "user.email=releases@newproj.invalid"]


def template_files(root: Path) -> list[str]:
    """The files of a templates tree that a release carries, as sorted relative paths."""
    return sorted(
        p.relative_to(root).as_posix()
        for p in root.rglob("*")
        if p.is_file()
        and not (set(p.relative_to(root).parts) & (IGNORED_PARTS | {".git"}))
        and p.suffix not in (".pyc", ".pyo")
    )


def differences(released: Path, working: Path) -> list[str]:
    """Paths that differ between two templates trees (added, removed or changed)."""
    old, new = set(template_files(released)), set(template_files(working))
    changed = [p for p in sorted(old & new) if not filecmp.cmp(released / p, working / p, shallow=False)]
    return sorted((old ^ new) | set(changed))


def checkout(bundle: Path, tag: str, into: Path) -> Path:
    """Clone bundle into a new folder and check out tag."""
    git("clone", "-q", str(bundle), str(into))
    git("-c", "advice.detachedHead=false", "checkout", "-q", tag, cwd=into)
    return into


def cut(version: str, templates: Path, bundle: Path) -> str:
    """Record templates as release vVERSION in bundle; return the tag."""
    tag = version if version.startswith("v") else f"v{version}"
    releases.version_key(tag)
    tags = releases.bundle_tags(bundle) if bundle.exists() else {}
    if tags and releases.version_key(tag) <= releases.version_key(releases.latest(tags)):
        raise BadInput(f"{tag} is not newer than the latest release {releases.latest(tags)}")
    with tempfile.TemporaryDirectory(prefix="newproj-release-") as work:
        repo = Path(work) / "repo"
        if tags:
            git("clone", "-q", "--branch", "main", str(bundle), str(repo))
            if not differences(repo, templates):
                raise BadInput(f"templates/ is identical to {releases.latest(tags)}; nothing to release")
        else:
            repo.mkdir()
            git("init", "-q", "-b", "main", cwd=repo)
        for entry in repo.iterdir():
            if entry.name != ".git":
                shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
        for name in template_files(templates):
            (repo / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(templates / name, repo / name)
        git("add", "-A", cwd=repo)
        git(*RELEASER, "commit", "-q", "-m", f"Templates {tag}", cwd=repo)
        git("tag", tag, cwd=repo)
        fresh = Path(work) / "templates.bundle"
        git("bundle", "create", "-q", str(fresh), "--all", cwd=repo)
        bundle.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(fresh, bundle)
    return tag


def export(dest: Path) -> str:
    """Write newproj's templates with every release as a git repository a team can own."""
    if dest.exists() and any(dest.iterdir()):
        raise BadInput(f"{dest} is not empty; choose a new folder for the exported templates")
    tags = releases.packaged_tags()
    git("clone", "-q", "--branch", "main", str(releases.PACKAGED_BUNDLE), str(dest))
    git("remote", "remove", "origin", cwd=dest)
    return releases.latest(tags)


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] != "cut":
        print("usage: python -m newproj.releasing cut X.Y.Z", file=sys.stderr)
        return 2
    root = Path.cwd()
    templates, bundle = root / "templates", root / "generator" / "data" / "templates.bundle"
    if not (templates / "copier.yml").exists():
        print("run this from the root of a newproj checkout", file=sys.stderr)
        return 2
    try:
        tag = cut(argv[1], templates, bundle)
    except BadInput as error:
        print(f"Error: {error}", file=sys.stderr)
        return 2
    print(f"released templates {tag} into {bundle.relative_to(root)}; commit it with templates/")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
