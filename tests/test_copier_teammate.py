"""A teammate with only Copier, on a project made from newproj's own templates (issue 10, item 8).

The creator makes the project with newproj and pushes it; the teammate clones it on a machine
where newproj has never run (a fresh HOME) and has a virtual environment holding Copier alone.
Copier cannot update such a project: the recorded source, `~/.newproj/templates.bundle`, is
newproj's copy of its releases and is not on that machine. What the teammate gets must be what
the generated README says, must change nothing and must never claim "up to date"; the README's
"For a teammate" commands, run as written, must then update the project, after which plain
Copier works on that machine too.
"""

from __future__ import annotations

import importlib.metadata
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from newproj import releases, releasing

from tests.support.harness import REPO, newproj
from tests.test_quickstart import copy_of_the_repository, network_settings, uv_cache

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(shutil.which("uv") is None, reason="needs uv (tests/run.sh installs it)"),
]

# The Copier newproj is installed and tested with (pyproject.toml allows >=9.17.2,<10).
COPIER = importlib.metadata.version("copier")
CHECK_REFUSED = "Checking is only supported in git-tracked templates."
UPDATE_REFUSED = "ValueError: Local template must be a directory."


def next_version(bundle: Path) -> str:
    major, minor, _ = releases.version_key(releases.latest(releases.bundle_tags(bundle)))
    return f"{major}.{minor + 1}.0"


def releases_with(templates: Path, bundle: Path, work: Path) -> bool:
    """bundle gets a release of templates unless its newest release already is exactly that; True if it did."""
    newest = releases.latest(releases.bundle_tags(bundle))
    if not releasing.differences(releasing.checkout(bundle, newest, work / f"release-{newest}"), templates):
        return False
    releasing.cut(next_version(bundle), templates, bundle)
    return True


def one_more_release(bundle: Path, work: Path) -> str:
    """A newer release than any in bundle: the newest one with a line added to flask-api's README."""
    newest = releases.latest(releases.bundle_tags(bundle))
    tree = releasing.checkout(bundle, newest, work / "next-release")
    readme = tree / "flask-api" / "README.md.jinja"
    readme.write_text(readme.read_text(encoding="utf-8") + "\nA line from the next release.\n", encoding="utf-8")
    return releasing.cut(next_version(bundle), tree, bundle)


def teammate_block(readme: str) -> str:
    section = re.search(r"^### For a teammate\n(.*?)^#", readme + "\n#", flags=re.MULTILINE | re.DOTALL)
    assert section, "the generated README has no 'For a teammate' section"
    blocks = re.findall(r"^```bash\n(.*?)^```", section.group(1), flags=re.MULTILINE | re.DOTALL)
    assert len(blocks) == 1, "the 'For a teammate' section should have one bash block"
    return str(blocks[0])


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True).stdout


def run(command: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=600, check=False)


def test_a_teammate_with_only_copier_is_told_what_to_install_and_the_readme_commands_update(tmp_path: Path) -> None:
    # The creator: newproj has run, its releases (with today's templates/) are in ~/.newproj.
    creator = tmp_path / "creator"
    (creator / ".newproj").mkdir(parents=True)
    (creator / ".gitconfig").write_text("[user]\n\tname = Creator\n\temail = creator@example.com\n")
    bundle = creator / ".newproj" / "templates.bundle"
    shutil.copyfile(releases.PACKAGED_BUNDLE, bundle)
    unreleased = releases_with(REPO / "templates", bundle, tmp_path)
    creator_env = {"HOME": str(creator), "GIT_CONFIG_NOSYSTEM": "1"}
    origin = tmp_path / "origin"
    origin.mkdir()
    made = newproj("create", "shop", "--defaults", "-a", "purpose=api", cwd=origin, env=creator_env)
    assert made.returncode == 0, made.stderr
    shop = origin / "shop"
    if unreleased:  # templates/ changed since the packaged release: the creator's project takes them
        updated = newproj("update", str(shop), env=creator_env)
        assert updated.returncode == 0, updated.stderr
        git(shop, "add", "-A")
        git(shop, "-c", "user.name=Creator", "-c", "user.email=creator@example.com", "commit", "-qm", "templates/")
    assert yaml.safe_load((shop / ".copier-answers.yml").read_text())["_src_path"] == "~/.newproj/templates.bundle"

    # The teammate: a fresh HOME, Copier alone in a virtual environment, the project cloned.
    home = tmp_path / "teammate"
    home.mkdir()
    here = tmp_path / "downloads"
    here.mkdir()
    env = {
        **network_settings(),
        "HOME": str(home),
        "PATH": os.pathsep.join([str(home / ".local" / "bin"), str(Path(shutil.which("uv") or "").parent), os.defpath]),
        "UV_CACHE_DIR": uv_cache(),
        "UV_PYTHON_DOWNLOADS": "never",
        "GIT_CONFIG_NOSYSTEM": "1",
        "LANG": "C.UTF-8",
    }
    venv = tmp_path / "copier-only"
    assert run(["uv", "venv", "-q", str(venv)], tmp_path, env).returncode == 0
    installed = run(
        ["uv", "pip", "install", "-q", "--python", str(venv / "bin" / "python"), f"copier=={COPIER}"], tmp_path, env
    )
    assert installed.returncode == 0, installed.stderr
    assert run([str(venv / "bin" / "python"), "-c", "import newproj"], tmp_path, env).returncode != 0
    copier = str(venv / "bin" / "copier")
    git(here, "clone", "-q", str(shop), "shop")
    project = here / "shop"
    head = git(project, "rev-parse", "HEAD")
    readme = (project / "README.md").read_text(encoding="utf-8")
    answers = (project / ".copier-answers.yml").read_text(encoding="utf-8")
    assert "installs newproj and runs `newproj update`" in " ".join(answers.split())

    check = run([copier, "check-update"], project, env)
    assert (check.returncode, check.stdout, check.stderr.strip()) == (1, "", CHECK_REFUSED)
    update = run([copier, "update", "--defaults"], project, env)
    assert update.returncode == 1 and update.stderr.strip().splitlines()[-1] == UPDATE_REFUSED
    assert git(project, "status", "--porcelain") == "" and git(project, "rev-parse", "HEAD") == head
    flat = " ".join(readme.split())
    assert f"`{UPDATE_REFUSED}`" in flat and f"`{CHECK_REFUSED}` (exit 1)" in flat  # the README says what they see

    # The teammate follows the README with a newer newproj (one more release than the project has).
    copy_of_the_repository(here / "newproj")
    shipped = here / "newproj" / "generator" / "data" / "templates.bundle"
    shutil.copyfile(bundle, shipped)
    newest = one_more_release(shipped, tmp_path)
    followed = run(["bash", "-euo", "pipefail", "-c", teammate_block(readme)], here, env)
    assert followed.returncode == 0, followed.stdout + followed.stderr
    assert f"to {newest}" in followed.stdout
    assert yaml.safe_load((project / ".copier-answers.yml").read_text())["_commit"] == newest
    assert "A line from the next release." in (project / "README.md").read_text(encoding="utf-8")

    # newproj has run here now, so plain Copier works on this machine, and tells the truth.
    git(project, "add", "-A")
    git(project, "-c", "user.name=Teammate", "-c", "user.email=mate@example.com", "commit", "-qm", "update")
    check = run([copier, "check-update"], project, env)
    assert (check.returncode, check.stdout.strip()) == (0, "Project is up-to-date!"), check.stderr
    again = run([copier, "update", "--defaults"], project, env)
    assert again.returncode == 0 and f"Keeping template version {newest.lstrip('v')}" in again.stderr, again.stderr
    assert git(project, "status", "--porcelain") == ""
