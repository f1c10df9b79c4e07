"""Pulling a newer template release into a project that has local edits, for every template."""

from __future__ import annotations

import difflib
import hashlib
import shutil
import subprocess
import sys

import pytest
import yaml
from newproj import releases

from tests.support.harness import REPO, newproj, readme_block, run_bash

pytestmark = pytest.mark.e2e
TEMPLATES = ["flask-api", "flask-webapp", "django-fullstack"]
OLDEST = min(releases.packaged_tags(), key=releases.version_key)
NEWEST = releases.packaged_version()
LOCAL_LINE = "LOCAL EDIT BY THE TEAM"


def git(project, *args):
    return subprocess.run(["git", *args], cwd=project, capture_output=True, text=True, check=True).stdout


def commit(project, message):
    git(project, "add", "-A")
    git(project, "-c", "user.name=Dev", "-c", "user.email=dev@example.com", "commit", "-qm", message)


def render(workdir, env, name, template, version, *extra):
    result = newproj(
        "create", name, "-y", "--template", template, "--template-version", version, *extra, env=env, cwd=workdir
    )
    assert result.returncode == 0, result.stderr
    return workdir / name


def plan_edits(old_root, new_root):
    """From two renders: a file and line range the new release rewrites, a file it leaves alone, files it adds."""
    old_files = {
        p.relative_to(old_root).as_posix() for p in old_root.rglob("*") if p.is_file() and ".git" not in p.parts
    }
    new_files = {
        p.relative_to(new_root).as_posix() for p in new_root.rglob("*") if p.is_file() and ".git" not in p.parts
    }
    added = sorted(new_files - old_files - {".env"})
    clash = keep = None
    for name in sorted(old_files & new_files - {".copier-answers.yml", ".env"}):
        old_bytes, new_bytes = (old_root / name).read_bytes(), (new_root / name).read_bytes()
        if b"\0" in old_bytes + new_bytes:
            continue
        old_lines, new_lines = old_bytes.decode().splitlines(), new_bytes.decode().splitlines()
        if old_lines == new_lines:
            if keep is None and name.endswith((".md", ".txt", ".toml", ".cfg", ".gitignore")):
                keep = name
            continue
        for tag, i1, i2, _, _ in difflib.SequenceMatcher(a=old_lines, b=new_lines).get_opcodes():
            if tag == "replace" and clash is None:
                clash = (name, i1, i2)
    return clash, keep, added


def digest(project):
    files = sorted(p for p in project.rglob("*") if p.is_file() and ".git" not in p.parts)
    return {p.relative_to(project).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in files}


@pytest.mark.parametrize("template", TEMPLATES)
def test_update_keeps_local_edits_marks_clashes_and_adds_new_files(template, workdir, cli_env, tmp_path):
    same_name = ("--no-git", "-a", "project_name=shop")
    old_render = render(tmp_path, cli_env, "old-render", template, OLDEST, *same_name)
    new_render = render(tmp_path, cli_env, "new-render", template, NEWEST, *same_name)
    clash, keep, added = plan_edits(old_render, new_render)
    assert clash and keep and added, (clash, keep, added)

    project = render(workdir, cli_env, "shop", template, OLDEST)
    name, start, end = clash
    lines = (project / name).read_text().splitlines()
    lines[start:end] = [f"{LOCAL_LINE} {i}" for i in range(start, end)]
    (project / name).write_text("\n".join(lines) + "\n")
    with (project / keep).open("a") as handle:
        handle.write(f"\n{LOCAL_LINE}: kept\n")
    commit(project, "local edits")

    dry = newproj("update", str(project), "--dry-run", env=cli_env)
    assert dry.returncode == 0 and f"in conflict: {name}" in dry.stdout
    assert git(project, "status", "--porcelain") == ""

    result = newproj("update", str(project), env=cli_env)
    assert result.returncode == 4, result.stdout + result.stderr
    assert f"in conflict: {name}" in result.stdout and "git add -A && git commit" in result.stderr
    for new_file in added:
        assert (project / new_file).exists() and f"added: {new_file}" in result.stdout
    assert f"{LOCAL_LINE}: kept" in (project / keep).read_text()
    merged = (project / name).read_text()
    assert "<<<<<<< before updating" in merged and ">>>>>>> after updating" in merged and LOCAL_LINE in merged
    assert yaml.safe_load((project / ".copier-answers.yml").read_text())["_commit"] == NEWEST

    again = newproj("update", str(project), env=cli_env)
    assert again.returncode == 4 and name in again.stderr

    (project / name).write_text((new_render / name).read_text())
    commit(project, "take the template's side")
    done = newproj("update", str(project), env=cli_env)
    assert done.returncode == 0 and "up to date" in done.stdout
    assert newproj("check", str(project), env=cli_env).returncode == 0

    run_bash(project, readme_block(project, "Set up"))
    run_bash(project, readme_block(project, "Tests"))


def test_plain_copier_update_for_a_teammate_with_a_fresh_home(workdir, cli_env, tmp_path):
    project = render(workdir, cli_env, "shop", "flask-api", OLDEST)
    teammate = tmp_path / "teammate-home"
    teammate.mkdir()
    env = {"HOME": str(teammate), "GIT_CONFIG_NOSYSTEM": "1"}
    assert newproj("templates", env=env).returncode == 0  # any newproj command installs the release history
    copier = [sys.executable, "-m", "copier"]
    check = subprocess.run(
        [*copier, "check-update"], cwd=project, env={**env, "PATH": "/usr/bin:/bin"}, capture_output=True, text=True
    )
    assert check.returncode == 0 and "New template version available" in check.stdout + check.stderr
    update = subprocess.run(
        [*copier, "update", "--defaults", "--conflict", "inline"],
        cwd=project,
        env={**env, "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
    )
    assert update.returncode == 0, update.stderr
    assert yaml.safe_load((project / ".copier-answers.yml").read_text())["_commit"] == NEWEST


def test_installed_package_updates_with_no_network(workdir, cli_env, tmp_path):
    if shutil.which("unshare") is None or subprocess.run(["unshare", "-n", "true"]).returncode != 0:
        pytest.fail("unshare -n is needed to prove the update runs with no network")
    venv = tmp_path / "venv"
    subprocess.run(["uv", "venv", "--quiet", "--python", sys.executable, str(venv)], check=True)
    build = tmp_path / "src"
    subprocess.run(["git", "clone", "-q", str(REPO), str(build)], check=True)
    for changed in ("generator", "templates", "pyproject.toml"):  # the working tree under test, not only HEAD
        target = build / changed
        shutil.rmtree(target) if target.is_dir() else target.unlink()
        (shutil.copytree if (REPO / changed).is_dir() else shutil.copy)(REPO / changed, target)
    subprocess.run(
        ["uv", "pip", "install", "--quiet", "--python", str(venv / "bin" / "python"), str(build)], check=True
    )
    installed = venv / "bin" / "newproj"
    assert (
        "site-packages"
        in subprocess.run(
            [str(venv / "bin" / "python"), "-c", "import newproj; print(newproj.__file__)"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )
    env = {**cli_env, "PATH": f"{venv / 'bin'}:/usr/bin:/bin"}
    offline = ["unshare", "-n"]
    create = subprocess.run(
        [*offline, str(installed), "create", "shop", "-y", "--template", "flask-api", "--template-version", OLDEST],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
    )
    assert create.returncode == 0, create.stderr
    update = subprocess.run(
        [*offline, str(installed), "update", "shop"], cwd=workdir, env=env, capture_output=True, text=True
    )
    assert update.returncode == 0, update.stdout + update.stderr
    assert yaml.safe_load((workdir / "shop" / ".copier-answers.yml").read_text())["_commit"] == NEWEST


def test_refusals_change_nothing(workdir, cli_env, tmp_path):
    project = render(workdir, cli_env, "shop", "flask-api", OLDEST)
    (project / "scratch.txt").write_text("work in progress")
    before = digest(project)
    dirty = newproj("update", str(project), env=cli_env)
    assert dirty.returncode == 2 and "uncommitted changes" in dirty.stderr
    assert digest(project) == before
    (project / "scratch.txt").unlink()

    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "app.py").write_text("print('hi')\n")
    for command in ("update", "check"):
        result = newproj(command, str(plain), env=cli_env)
        assert result.returncode == 2 and "not a generated project" in result.stderr
    assert [p.name for p in plain.iterdir()] == ["app.py"]

    current = render(workdir, cli_env, "current", "flask-api", NEWEST)
    before = digest(current)
    same = newproj("update", str(current), env=cli_env)
    assert same.returncode == 0 and "up to date" in same.stdout
    assert digest(current) == before

    future = render(workdir, cli_env, "future", "flask-api", NEWEST)
    answers = future / ".copier-answers.yml"
    answers.write_text(answers.read_text().replace(f"_commit: {NEWEST}", "_commit: v99.0.0"))
    commit(future, "made by a newer newproj")
    before = digest(future)
    newer = newproj("update", str(future), env=cli_env)
    assert newer.returncode == 2 and "install a newer newproj" in newer.stderr and "Traceback" not in newer.stderr
    assert digest(future) == before
