"""Template releases: the packaged bundle, its per-user copy, and team repositories."""

from __future__ import annotations

import subprocess

import yaml
from newproj import releases, releasing

from tests.support.harness import REPO, newproj


def git(*args, cwd=None):
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True).stdout


def test_templates_folder_is_exactly_the_newest_release(tmp_path):
    newest = releases.latest(releases.bundle_tags(releases.PACKAGED_BUNDLE))
    released = releasing.checkout(releases.PACKAGED_BUNDLE, newest, tmp_path / "released")
    changed = releasing.differences(released, REPO / "templates")
    assert changed == [], (
        f"templates/ differs from release {newest} in {changed}: cut a release "
        "(python -m newproj.releasing cut X.Y.Z) and commit generator/data/templates.bundle"
    )


def test_releases_are_one_tagged_commit_each_on_main(tmp_path):
    clone = tmp_path / "history"
    git("clone", "-q", "--branch", "main", str(releases.PACKAGED_BUNDLE), str(clone))
    tags = releases.bundle_tags(releases.PACKAGED_BUNDLE)
    assert len(tags) >= 2
    history = git("log", "--format=%H", "main", cwd=clone).split()
    assert sorted(tags.values()) == sorted(history)
    ordered = sorted(tags, key=releases.version_key)
    assert [tags[t] for t in ordered] == list(reversed(history))


def test_templates_command_names_the_version_and_installs_the_user_copy(cli_env, home):
    result = newproj("templates", env=cli_env)
    assert result.returncode == 0, result.stderr
    newest = releases.latest(releases.bundle_tags(releases.PACKAGED_BUNDLE))
    assert f"template version: {newest}" in result.stdout
    for name in ("flask-api", "flask-webapp", "django-fullstack"):
        assert name in result.stdout
    assert releases.bundle_tags(home / ".newproj" / "templates.bundle") == releases.packaged_tags()


def test_created_projects_record_the_user_bundle_and_the_release_tag(workdir, cli_env):
    result = newproj("create", "shop", "-y", "--template", "flask-api", "--no-git", env=cli_env, cwd=workdir)
    assert result.returncode == 0, result.stderr
    recorded = yaml.safe_load((workdir / "shop" / ".copier-answers.yml").read_text())
    assert recorded["_src_path"] == "~/.newproj/templates.bundle"
    assert recorded["_commit"] == releases.packaged_version()


def test_an_older_release_can_be_chosen_and_an_unknown_one_is_refused(workdir, cli_env):
    oldest = min(releases.packaged_tags(), key=releases.version_key)
    ok = newproj(
        "create",
        "old",
        "-y",
        "--template",
        "flask-api",
        "--template-version",
        oldest,
        "--no-git",
        env=cli_env,
        cwd=workdir,
    )
    assert ok.returncode == 0, ok.stderr
    assert yaml.safe_load((workdir / "old" / ".copier-answers.yml").read_text())["_commit"] == oldest
    bad = newproj("create", "bad", "-y", "--template-version", "v9.9.9", env=cli_env, cwd=workdir)
    assert bad.returncode == 2 and "no template release v9.9.9" in bad.stderr
    assert not (workdir / "bad").exists()


def test_the_user_copy_keeps_tags_from_a_newer_newproj(home, cli_env, tmp_path):
    newer = tmp_path / "newer"
    git("clone", "-q", "--branch", "main", str(releases.PACKAGED_BUNDLE), str(newer))
    (newer / "NEWER.txt").write_text("from a later newproj\n")
    git("add", "-A", cwd=newer)
    git("-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "later", cwd=newer)
    git("tag", "v99.0.0", cwd=newer)
    user_copy = home / ".newproj" / "templates.bundle"
    user_copy.parent.mkdir()
    git("bundle", "create", "-q", str(user_copy), "--all", cwd=newer)
    assert newproj("templates", env=cli_env).returncode == 0
    kept = releases.bundle_tags(user_copy)
    assert "v99.0.0" in kept and set(releases.packaged_tags()) <= set(kept)


def test_export_gives_a_team_repository_that_create_and_update_can_use(workdir, cli_env, tmp_path):
    team = tmp_path / "team-templates"
    result = newproj("export-templates", str(team), env=cli_env)
    assert result.returncode == 0, result.stderr
    assert set(releases.packaged_tags()) <= set(git("tag", cwd=team).split())
    assert (team / "copier.yml").exists() and git("status", "--porcelain", cwd=team) == ""
    created = newproj(
        "create", "shop", "-y", "--template", "flask-api", "--source", str(team), env=cli_env, cwd=workdir
    )
    assert created.returncode == 0, created.stderr
    recorded = yaml.safe_load((workdir / "shop" / ".copier-answers.yml").read_text())
    assert recorded["_src_path"] == str(team) and recorded["_commit"] == releases.packaged_version()
    (team / "flask-api" / "TEAM.md").write_text("Our team's conventions.\n")
    git("add", "-A", cwd=team)
    git("-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "team change", cwd=team)
    git("tag", "v50.0.0", cwd=team)
    check = newproj("check", str(workdir / "shop"), env=cli_env)
    assert check.returncode == 5 and "v50.0.0" in check.stdout
    updated = newproj("update", str(workdir / "shop"), env=cli_env)
    assert updated.returncode == 0, updated.stderr
    assert (workdir / "shop" / "TEAM.md").exists()
    assert "added: TEAM.md" in updated.stdout


def test_export_refuses_a_folder_that_is_not_empty(tmp_path, cli_env):
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "mine.txt").write_text("mine")
    result = newproj("export-templates", str(tmp_path / "x"), env=cli_env)
    assert result.returncode == 2 and "not empty" in result.stderr
