"""The generator under bad input: one line, the right exit code, nothing left behind."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time

import pytest

from tests.support.fixtures import template_root
from tests.support.harness import newproj


def snapshot(folder):
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*"))


def assert_refused(result, code=2, words=()):
    message = result.stderr.strip()
    assert result.returncode == code, (result.stdout, result.stderr)
    assert message.startswith("Error: ") and "\n" not in message, message
    assert "Traceback" not in result.stderr + result.stdout
    for word in words:
        assert word in message, message


def create(workdir, env, source, *args):
    return newproj("create", *args, "--source", str(source), env=env, cwd=workdir)


@pytest.mark.parametrize(
    ("answer", "words"),
    [
        pytest.param("project_name={{ 7*7 }}", ["lowercase"], id="jinja-in-name"),
        pytest.param("project_name=../x", ["lowercase"], id="parent-path"),
        pytest.param("project_name=/abs", ["lowercase"], id="absolute-path"),
        pytest.param("project_name=.", ["lowercase"], id="dot"),
        pytest.param("project_name=a/b", ["lowercase"], id="nested-path"),
        pytest.param("project_name=", ["lowercase"], id="empty"),
        pytest.param("package_name={{ 7*7 }}", ["lowercase"], id="jinja-in-package"),
        pytest.param("project_name=class", ["keyword", "class_app"], id="keyword"),
        pytest.param("project_name=json", ["standard-library", "json_app"], id="stdlib"),
        pytest.param("project_name=flask", ["already uses", "flask_app"], id="dependency-flask"),
        pytest.param("project_name=django", ["already uses"], id="dependency-django"),
        pytest.param("author_email=not an email", ["author_email", "e-mail"], id="bad-email"),
        pytest.param("purpose=blog", ["purpose", "'blog'", "business-app"], id="bad-choice"),
        pytest.param("colour=blue", ["unknown answer key 'colour'"], id="unknown-key"),
        pytest.param("nonsense", ["KEY=VALUE"], id="not-key-value"),
    ],
)
def test_bad_answers_are_refused_before_anything_is_written(workdir, cli_env, fixture_templates, answer, words):
    result = create(workdir, cli_env, fixture_templates, "-y", "-a", answer)
    assert_refused(result, words=words)
    assert snapshot(workdir) == []


@pytest.mark.parametrize("dest", ["/", ".", " "], ids=["root", "here-not-empty", "blank"])
def test_unusable_destinations_are_refused(workdir, cli_env, fixture_templates, dest):
    (workdir / "keep.txt").write_text("mine")
    result = create(workdir, cli_env, fixture_templates, dest, "-y")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert snapshot(workdir) == ["keep.txt"]


def test_a_non_empty_destination_is_refused_and_left_alone(workdir, cli_env, fixture_templates):
    dest = workdir / "shop"
    dest.mkdir()
    (dest / "notes.txt").write_text("mine")
    (dest / "src").mkdir()
    result = create(workdir, cli_env, fixture_templates, "shop", "-y")
    assert_refused(result, words=["not empty", "notes.txt", "src"])
    assert snapshot(workdir) == ["shop", "shop/notes.txt", "shop/src"]
    assert (dest / "notes.txt").read_text() == "mine"


def test_a_file_as_destination_is_refused(workdir, cli_env, fixture_templates):
    (workdir / "shop").write_text("mine")
    assert_refused(create(workdir, cli_env, fixture_templates, "shop", "-y"), words=["is a file"])


@pytest.mark.parametrize(
    ("content", "words"),
    [
        pytest.param("purpose: [unclosed\n", ["not valid YAML", "line"], id="not-yaml"),
        pytest.param("- a\n- b\n", ["mapping"], id="not-a-mapping"),
        pytest.param("purpose: api\nflavour: mint\n", ["unknown answer key 'flavour'"], id="unknown-key"),
        pytest.param("purpose: api\ndata: lots\n", ["data='lots'", "none, few, many"], id="bad-value"),
        pytest.param("pages: 3\n", ["pages", "yes, no"], id="wrong-type"),
        pytest.param("1: api\n", ["key 1", "not text"], id="integer-key"),
        pytest.param("description: {a: [1, 2]}\n", ["description", "text, not dict"], id="nested-value"),
        pytest.param("description: " + "x" * 50_000 + "\n", ["description", "at most"], id="huge-value"),
    ],
)
def test_bad_answers_files_name_the_problem(workdir, cli_env, fixture_templates, tmp_path, content, words):
    preset = tmp_path / "team.yml"
    preset.write_text(content)
    result = create(workdir, cli_env, fixture_templates, "shop", "-y", "--answers-file", str(preset))
    assert_refused(result, words=words)
    assert snapshot(workdir) == []


def test_a_missing_answers_file_is_a_usage_error(workdir, cli_env, fixture_templates):
    result = create(workdir, cli_env, fixture_templates, "shop", "-y", "--answers-file", "nope.yml")
    assert result.returncode == 2 and "nope.yml" in result.stderr and "Traceback" not in result.stderr


def test_yaml_booleans_in_an_answers_file_mean_yes_and_no(workdir, cli_env, fixture_templates, tmp_path):
    preset = tmp_path / "team.yml"
    preset.write_text("purpose: business-app\nadmin: yes\npages: no\n")
    result = create(workdir, cli_env, fixture_templates, "shop", "-y", "--answers-file", str(preset))
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["sigint", "sigterm"])
def test_a_signal_while_rendering_leaves_nothing_behind(workdir, cli_env, tmp_path, signum):
    slow = template_root(tmp_path / "slow", filler=3000)
    proc = subprocess.Popen(
        [sys.executable, "-m", "newproj", "create", "shop", "-y", "--source", str(slow)],
        cwd=workdir,
        env={**os.environ, **cli_env, "CI": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while not any(workdir.iterdir()) and time.monotonic() < deadline:
        time.sleep(0.005)
    assert any(workdir.iterdir()), "rendering never started"
    time.sleep(0.3)
    assert proc.poll() is None, "rendering finished before it could be interrupted"
    proc.send_signal(signum)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "interrupted" in err
    assert snapshot(workdir) == []


@contextlib.contextmanager
def tmpfs(path, options):
    path.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)], check=True)
    try:
        yield path
    finally:
        subprocess.run(["umount", str(path)], check=False)


needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="mounting a small filesystem needs root (CI runs as root)")


@needs_root
def test_a_read_only_destination_gets_a_clear_message(tmp_path, cli_env, fixture_templates):
    with tmpfs(tmp_path / "ro", "ro,size=1m") as place:
        result = create(place, cli_env, fixture_templates, "shop", "-y")
        assert_refused(result, code=1, words=["cannot write", "Read-only"])
        assert snapshot(place) == []


@needs_root
def test_a_full_disk_gets_a_clear_message_and_nothing_left(tmp_path, cli_env):
    big = template_root(tmp_path / "big", filler=400)
    with tmpfs(tmp_path / "small", "size=64k") as place:
        result = create(place, cli_env, big, "shop", "-y")
        assert_refused(result, code=1, words=["No space left"])
        assert snapshot(place) == []
