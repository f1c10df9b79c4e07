"""newproj is safe to run on anything: no data loss, no write outside DEST, no hang, no traceback.

Each test is one finding of issue 13 (items 3, 4, 5, 7, 8, 9) or issue 11 (items 1, 2).
"""

from __future__ import annotations

import os
import shlex
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.fixtures import template_root
from tests.support.harness import newproj
from tests.test_bad_input import assert_refused, needs_root, snapshot, tmpfs

HANG = 30  # seconds: far above any honest run, so only a hang can reach it


def create(workdir, env, source, *args, timeout=120):
    """newproj as a separate process: for signals, limits and hangs."""
    return newproj("create", *args, "--source", str(source), env=env, cwd=workdir, timeout=timeout)


@pytest.fixture
def here(monkeypatch, capsys):
    """newproj run inside the test process (the same main() funnel, without the start-up cost)."""
    from newproj import cli

    def run(workdir, env, source, *args):
        for key, value in {**env, "CI": "1"}.items():
            monkeypatch.setenv(key, value)
        monkeypatch.chdir(workdir)
        argv = ["create", *args] + (["--source", str(source)] if source is not None else [])
        with pytest.raises(SystemExit) as exit_:
            cli.main(argv)
        out = capsys.readouterr()
        return subprocess.CompletedProcess(argv, exit_.value.code, out.out, out.err)

    return run


def git(*args, cwd):
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True).stdout.strip()


def start(workdir, env, *args):
    return subprocess.Popen(
        [sys.executable, "-m", "newproj", "create", *args],
        cwd=workdir,
        env={**os.environ, **env, "CI": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for(condition, what):
    deadline = time.monotonic() + 60
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.005)
    assert condition(), what


def staging_leftovers(*folders):
    return [p for folder in folders for p in folder.rglob("*") if p.name.startswith((".newproj-", "copier."))]


def committed_repo(path, files):
    path.mkdir(parents=True, exist_ok=True)
    git("init", "-q", cwd=path)
    for name, text in files.items():
        (path / name).write_text(text)
    git("add", "-A", cwd=path)
    git("-c", "user.name=T", "-c", "user.email=t@example.com", "commit", "-qm", "first", cwd=path)
    return path


# --- item 3: claim DEST, then publish without replacing anything -----------------------------


def test_twenty_racing_creates_leave_one_clean_project_and_refuse_the_rest(workdir, cli_env, fixture_templates):
    runs = [start(workdir, cli_env, "shop", "-y", "--source", str(fixture_templates)) for _ in range(20)]
    outcomes = [(proc.wait(timeout=600), proc.communicate()[1]) for proc in runs]
    codes = sorted(code for code, _ in outcomes)
    assert codes == [0] + [2] * 19, outcomes
    for code, err in outcomes:
        assert "Traceback" not in err
        if code == 2:
            assert err.strip().startswith("Error: ") and "\n" not in err.strip(), err
    shop = workdir / "shop"
    assert git("status", "--porcelain", "--ignored", cwd=shop) == "!! .env"
    tracked = git("ls-files", cwd=shop).split()
    assert {".copier-answers.yml", ".env.example", ".gitignore", "README.md"} <= set(tracked)
    assert not staging_leftovers(workdir)


def test_publishing_never_replaces_a_file_saved_meanwhile(tmp_path):
    from newproj import destination
    from newproj.errors import DestinationInUse

    dest = tmp_path / "shop"
    with pytest.raises(DestinationInUse, match=r"notes\.txt"), destination.claim(dest) as claim:
        (claim.project / "notes.txt").write_text("template")
        (claim.project / "app.py").write_text("template")
        (dest / "notes.txt").write_text("mine")
        destination.publish(claim, dest)
    assert snapshot(tmp_path) == ["shop", "shop/notes.txt"]
    assert (dest / "notes.txt").read_text() == "mine"


def test_a_destination_being_created_is_refused(tmp_path):
    from newproj import destination
    from newproj.errors import DestinationInUse

    dest = tmp_path / "shop"
    with destination.claim(dest) as held:
        with pytest.raises(DestinationInUse, match="another newproj"):
            destination.check(dest)
        with pytest.raises(DestinationInUse, match="another newproj"), destination.claim(dest):
            pass
        assert held.project.is_dir() and (dest / destination.LOCK).exists()
    assert snapshot(tmp_path) == ["shop"]


# --- item 4: a rollback removes only what this run made -----------------------------------


@pytest.fixture(scope="module")
def slow(tmp_path_factory):
    """A template repository big enough to be stopped while it renders (Copier clones it first)."""
    return committed_repo(template_root(tmp_path_factory.mktemp("slow") / "templates", filler=1500), {})


def test_an_interrupted_create_keeps_what_others_put_in_the_parent_it_made(workdir, cli_env, slow):
    proc = start(workdir, cli_env, "x/slow", "-y", "--source", str(slow))
    wait_for(lambda: (workdir / "x" / "slow").exists(), "the destination was never claimed")
    (workdir / "x" / "p1").mkdir()
    (workdir / "x" / "p1" / "README.md").write_text("another project")
    (workdir / "x" / "userstuff").mkdir()
    (workdir / "x" / "userstuff" / "notes.txt").write_text("mine")
    time.sleep(0.3)
    assert proc.poll() is None, "rendering finished before it could be interrupted"
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130 and "Traceback" not in err, err
    assert snapshot(workdir) == ["x", "x/p1", "x/p1/README.md", "x/userstuff", "x/userstuff/notes.txt"]


@pytest.mark.parametrize("signum", [signal.SIGHUP, signal.SIGTERM], ids=["sighup", "sigterm"])
def test_a_signal_leaves_no_staging_folder_or_template_clone(workdir, cli_env, tmp_path, slow, signum):
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    proc = start(workdir, {**cli_env, "TMPDIR": str(scratch)}, "shop", "-y", "--source", str(slow))
    wait_for(lambda: any(workdir.iterdir()), "rendering never started")
    time.sleep(0.5)
    assert proc.poll() is None, "rendering finished before it could be stopped"
    proc.send_signal(signum)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130 and "Traceback" not in err, err
    assert snapshot(workdir) == [] and snapshot(scratch) == []


def test_a_killed_run_is_cleaned_up_by_the_next_run_on_that_destination(
    workdir, cli_env, tmp_path, fixture_templates, slow
):
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    env = {**cli_env, "TMPDIR": str(scratch)}
    proc = start(workdir, env, "shop", "-y", "--source", str(slow))
    wait_for(lambda: staging_leftovers(workdir), "rendering never started")
    time.sleep(0.3)
    proc.kill()
    proc.communicate(timeout=60)
    result = create(workdir, env, fixture_templates, "shop", "-y")
    assert result.returncode == 0, result.stderr
    assert not staging_leftovers(workdir, scratch)
    assert git("status", "--porcelain", cwd=workdir / "shop") == ""


# --- item 5: git only where DEST is the top of its own work tree ---------------------------


def test_an_empty_git_folder_inside_another_repository_never_commits_there(workdir, cli_env, fixture_templates, here):
    committed_repo(workdir, {"tracked.txt": "v1"})
    (workdir / "tracked.txt").write_text("work in progress")
    (workdir / "untracked.txt").write_text("mine")
    (workdir / "sub" / ".git").mkdir(parents=True)
    head, status = git("rev-parse", "HEAD", cwd=workdir), git("status", "--porcelain", cwd=workdir)
    result = here(workdir, cli_env, fixture_templates, "sub", "-y")
    assert_refused(result, words=["sub/.git", "not a git repository"])
    assert git("rev-parse", "HEAD", cwd=workdir) == head
    assert git("status", "--porcelain", cwd=workdir) == status
    assert snapshot(workdir / "sub") == [".git"]


def test_a_no_checkout_clone_is_refused_and_keeps_its_history(workdir, cli_env, fixture_templates, tmp_path, here):
    origin = committed_repo(tmp_path / "origin", {"app.py": "print('hi')\n"})
    git("clone", "-q", "--no-checkout", str(origin), str(workdir / "shop"), cwd=tmp_path)
    head = git("rev-parse", "HEAD", cwd=workdir / "shop")
    result = here(workdir, cli_env, fixture_templates, "shop", "-y")
    assert_refused(result, words=["history"])
    assert git("rev-parse", "HEAD", cwd=workdir / "shop") == head
    assert sorted(p.name for p in (workdir / "shop").iterdir()) == [".git"]


def test_a_locked_index_is_reported_before_anything_is_written(workdir, cli_env, fixture_templates, here):
    shop = workdir / "shop"
    shop.mkdir()
    git("init", "-q", cwd=shop)
    (shop / ".git" / "index.lock").write_text("")
    result = here(workdir, cli_env, fixture_templates, "shop", "-y")
    assert_refused(result, code=1, words=["index.lock"])
    assert sorted(p.name for p in shop.iterdir()) == [".git"]


def test_an_empty_repository_made_with_git_init_gets_the_first_commit(workdir, cli_env, fixture_templates, here):
    shop = workdir / "shop"
    shop.mkdir()
    git("init", "-q", cwd=shop)
    result = here(workdir, cli_env, fixture_templates, "shop", "-y")
    assert result.returncode == 0, result.stderr
    assert git("status", "--porcelain", cwd=shop) == "" and git("rev-list", "--count", "HEAD", cwd=shop) == "1"


# --- item 7: bounded input -------------------------------------------------------------------

BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{b}: &{b} [{', '.join([f'*{a}'] * 9)}]\n" for a, b in zip("abcdefgh", "bcdefghi", strict=True)
)


def answers_file(kind, folder):
    path = folder / "answers.yml"
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "dev-zero":
        return Path("/dev/zero")
    elif kind == "folder":
        path.mkdir()
    else:
        contents = {
            "yaml-bomb": BOMB.encode(),
            "too-big": b"purpose: api\n" + b"# padding\n" * 200_000,
            "binary": b"purpose: \xff\xfe\x00\x01\n",
        }
        path.write_bytes(contents[kind])
    return path


@pytest.mark.parametrize(
    ("kind", "words"),
    [
        ("fifo", ["regular file"]),
        ("dev-zero", ["regular file"]),
        ("folder", ["regular file"]),
        ("yaml-bomb", ["aliases"]),
        ("too-big", ["larger than"]),
        ("binary", ["UTF-8"]),
    ],
)
def test_hostile_answers_files_get_one_line_without_hanging(
    workdir, cli_env, fixture_templates, tmp_path, kind, words, here
):
    path = answers_file(kind, tmp_path)
    args = ("shop", "-y", "--answers-file", str(path))
    if kind in ("fifo", "dev-zero", "yaml-bomb"):  # could hang: only a separate process can time out
        result = create(workdir, cli_env, fixture_templates, *args, timeout=HANG)
    else:
        result = here(workdir, cli_env, fixture_templates, *args)
    assert_refused(result, words=[*words])
    assert snapshot(workdir) == []


def test_a_huge_answer_on_the_command_line_is_refused(workdir, cli_env, fixture_templates, here):
    result = here(workdir, cli_env, fixture_templates, "shop", "-y", "-a", "description=" + "x" * 100_000)
    assert_refused(result, words=["description", "characters"])
    assert snapshot(workdir) == []


def test_a_bundle_copy_that_is_not_a_bundle_is_replaced_without_hanging(cli_env, home):
    (home / ".newproj").mkdir()
    (home / ".newproj" / "templates.bundle").symlink_to("/dev/zero")
    result = newproj("templates", env=cli_env, timeout=HANG)
    assert result.returncode == 0, result.stderr
    bundle = home / ".newproj" / "templates.bundle"
    assert not bundle.is_symlink() and bundle.read_bytes().startswith(b"# v")


def test_a_killed_dry_run_leaves_nothing_the_next_one_does_not_remove(workdir, cli_env, fixture_templates, tmp_path):
    dead = subprocess.Popen(["true"])
    dead.wait()
    scratch = tmp_path / "tmp"
    (scratch / f"newproj-dry-run-{dead.pid}-abc123" / "project").mkdir(parents=True)
    result = create(workdir, {**cli_env, "TMPDIR": str(scratch)}, fixture_templates, "shop", "-y", "--dry-run")
    assert result.returncode == 0, result.stderr
    assert snapshot(scratch) == [] and snapshot(workdir) == []


# --- item 8: every row that gave a traceback gives one line -----------------------------------


def destination_case(kind, workdir):
    if kind == "dangling-symlink":
        (workdir / "shop").symlink_to(workdir / "nowhere")
        return "shop", ["symbolic link"]
    if kind == "symlink-loop":
        (workdir / "shop").symlink_to(workdir / "loop")
        (workdir / "loop").symlink_to(workdir / "shop")
        return "shop", ["symbolic link"]
    if kind == "file-child":
        (workdir / "notes.txt").write_text("mine")
        return "notes.txt/shop", ["notes.txt", "is a file"]
    return "x" * 300, ["too long"]


@pytest.mark.parametrize("kind", ["dangling-symlink", "symlink-loop", "file-child", "long-component"])
def test_unusable_destination_paths_get_one_line(workdir, cli_env, fixture_templates, kind, here):
    dest, words = destination_case(kind, workdir)
    before = snapshot(workdir)
    result = here(workdir, cli_env, fixture_templates, dest, "-y", "-a", "project_name=shop")
    assert_refused(result, words=words)
    assert snapshot(workdir) == before


@pytest.mark.parametrize(
    ("change", "words"),
    [
        pytest.param(lambda path: path.write_bytes(b"\xff\xfe\x00garbage"), ["copier.yml", "UTF-8"], id="binary"),
        pytest.param(lambda path: path.write_text(path.read_text() + "\n1: foo\n"), ["copier.yml", "1"], id="int-key"),
    ],
)
def test_a_broken_copier_yml_gets_one_line(workdir, cli_env, fixture_templates, change, words, here):
    change(fixture_templates / "copier.yml")
    assert_refused(here(workdir, cli_env, fixture_templates, "shop", "-y"), words=words)
    assert snapshot(workdir) == []


def test_a_file_in_place_of_the_state_folder_is_kept_and_worked_around(workdir, cli_env, home, here):
    (home / ".newproj").write_text("mine")
    result = here(workdir, cli_env, None, "shop", "-y")
    assert result.returncode == 0, result.stderr
    assert (home / ".newproj").read_text() == "mine"


@pytest.mark.parametrize("value", ["", None], ids=["empty", "unset"])
def test_an_empty_or_missing_home_never_writes_at_the_root(workdir, cli_env, value):
    shutil.rmtree("/.newproj", ignore_errors=True)
    env = {k: v for k, v in {**os.environ, **cli_env}.items() if k != "HOME"}
    if value is not None:
        env["HOME"] = value
    result = subprocess.run(
        [sys.executable, "-m", "newproj", "templates"], env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert not Path("/.newproj").exists()


@needs_root
@pytest.mark.parametrize(
    "args", [["templates"], ["create", "shop", "-y"], ["create", "shop", "-y", "--dry-run"]], ids=" ".join
)
def test_a_read_only_home_still_works(workdir, cli_env, tmp_path, args):
    with tmpfs(tmp_path / "home", "ro,size=1m") as home:
        result = newproj(*args, env={**cli_env, "HOME": str(home)}, cwd=workdir)
        assert result.returncode == 0, result.stderr
        assert snapshot(home) == []


@needs_root
def test_an_empty_mount_point_as_destination_is_filled_in_place(workdir, cli_env, fixture_templates, here):
    with tmpfs(workdir / "shop", "size=8m") as shop:
        result = here(workdir, cli_env, fixture_templates, "shop", "-y")
        assert result.returncode == 0, result.stderr
        assert git("status", "--porcelain", cwd=shop) == ""
        assert not staging_leftovers(shop)


def test_few_file_descriptors_give_one_line(workdir, cli_env, fixture_templates):
    command = shlex.join([sys.executable, "-m", "newproj", "create", "shop", "-y", "--source", str(fixture_templates)])
    result = subprocess.run(
        ["bash", "-c", f"ulimit -n 8 && exec {command}"],
        cwd=workdir,
        env={**os.environ, **cli_env, "CI": "1"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert_refused(result, code=1, words=["open files", "ulimit -n"])
    assert snapshot(workdir) == []


# --- item 9: messages that are true ----------------------------------------------------------


def test_git_failures_are_told_in_words(workdir, cli_env, tmp_path, here):
    missing = f"file://{tmp_path}/nowhere.git"
    result = here(workdir, cli_env, missing, "shop", "-y")
    assert_refused(result, code=1, words=["git", "nowhere.git"])
    assert "exit code" not in result.stderr
    assert snapshot(workdir) == []


def test_an_unsafe_template_is_refused_without_naming_a_flag_newproj_lacks(workdir, cli_env, fixture_templates, here):
    with (fixture_templates / "copier.yml").open("a") as config:
        config.write('\n_tasks: ["touch PWNED"]\n')
    result = here(workdir, cli_env, fixture_templates, "shop", "-y")
    assert_refused(result, words=["tasks"])
    assert "--trust" not in result.stderr and not (workdir / "PWNED").exists()


def test_next_steps_quote_the_destination_for_the_shell(workdir, cli_env, fixture_templates, here):
    dest = "x$(touch PWNED) y"
    result = here(workdir, cli_env, fixture_templates, dest, "-y", "-a", "project_name=shop")
    assert result.returncode == 0, result.stderr
    line = next(line.strip() for line in result.stdout.splitlines() if line.strip().startswith("cd "))
    assert shlex.split(line) == ["cd", str(workdir / dest)]


def test_a_team_template_is_named_as_itself(workdir, cli_env, tmp_path, here):
    team = template_root(tmp_path / "team-starter")
    result = here(workdir, cli_env, team, "shop", "-y")
    assert result.returncode == 0, result.stderr
    assert "from team-starter" in result.stdout
    message = git("log", "-1", "--format=%s", cwd=workdir / "shop")
    assert "team-starter" in message and "from newproj" not in message


def test_an_interrupted_install_says_the_project_was_created_and_committed(
    workdir, cli_env, fixture_templates, monkeypatch, capsys
):
    from newproj import cli, install

    def interrupted(project, *args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(install, "set_up", interrupted)
    monkeypatch.setenv("HOME", cli_env["HOME"])
    monkeypatch.chdir(workdir)
    with pytest.raises(SystemExit) as exit_:
        cli.main(["create", "shop", "-y", "--install", "--trust", "--source", str(fixture_templates)])
    err = capsys.readouterr().err.strip()
    assert exit_.value.code == 130
    assert "nothing was written" not in err and "created and committed" in err and str(workdir / "shop") in err
    assert git("status", "--porcelain", cwd=workdir / "shop") == ""


# --- issue 11, items 1 and 2: checks first, no traceback at start-up ---------------------------


def catches(pid, signum):
    """Whether the process has its own handler for signum (newproj sets one as its first act)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    mask = next(line.split()[1] for line in status.splitlines() if line.startswith("SigCgt:"))
    return bool(int(mask, 16) & (1 << (signum - 1)))


# Measured from newproj's first line of code: before it, Python itself is starting up (and an
# editable install's import hook runs there), where a Ctrl-C is Python's fatal error, not newproj's.
@pytest.mark.parametrize("delay", [0, 0.05, 0.15, 0.3, 0.5])
def test_ctrl_c_during_start_up_is_one_line(workdir, cli_env, fixture_templates, delay):
    proc = start(workdir, cli_env, "shop", "-y", "--source", str(fixture_templates))
    wait_for(lambda: catches(proc.pid, signal.SIGHUP) or proc.poll() is not None, "newproj never started")
    time.sleep(delay)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert "Traceback" not in err, err
    assert proc.returncode in (130, -signal.SIGINT), err
    assert snapshot(workdir) == []


@pytest.fixture
def no_git_path(tmp_path):
    folder = tmp_path / "bin-without-git"
    folder.mkdir()
    return str(folder)


def test_without_git_no_git_works_from_a_local_folder(workdir, cli_env, fixture_templates, no_git_path, here):
    result = here(workdir, {**cli_env, "PATH": no_git_path}, fixture_templates, "shop", "-y", "--no-git")
    assert result.returncode == 0, result.stderr
    assert not (workdir / "shop" / ".git").exists()


@pytest.mark.parametrize(
    ("args", "advice"),
    [
        pytest.param(["--source", "FIXTURE"], "--no-git", id="commit-needs-git"),
        pytest.param(["--no-git"], "template releases", id="bundle-needs-git"),
        pytest.param(["--no-git", "--source", "https://example.com/t.git"], "t.git", id="clone-needs-git"),
    ],
)
def test_without_git_the_run_stops_before_asking_anything(
    workdir, cli_env, fixture_templates, no_git_path, args, advice, here
):
    args = [str(fixture_templates) if a == "FIXTURE" else a for a in args]
    result = here(workdir, {**cli_env, "PATH": no_git_path}, None, "shop", *args)
    assert_refused(result, code=1, words=["install git", advice])
    if advice != "--no-git":
        assert "--no-git" not in result.stderr
    assert snapshot(workdir) == []


@pytest.mark.parametrize("dest", ["My Shop", "flask"])
def test_a_destination_that_is_not_a_project_name_is_refused_before_any_question(dest, tmp_path, monkeypatch):
    from newproj import create, prompts
    from newproj.errors import BadInput

    def no_questions(*args, **kwargs):
        raise AssertionError("a question was asked before the destination was checked")

    for name in ("requirement", "text", "choose"):
        monkeypatch.setattr(prompts, name, no_questions)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(BadInput, match="project_name"):
        create.plan(create.Inputs(given={}, dest=dest, interactive=True))


def test_a_non_empty_folder_typed_at_the_name_prompt_is_asked_again(tmp_path, monkeypatch):
    from newproj import create, prompts

    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "notes.txt").write_text("mine")
    monkeypatch.chdir(tmp_path)
    seen = {}

    def text(question, default, problem):
        if "name" in question.lower() and "author" not in question.lower():
            seen["taken"] = problem("taken")
            seen["free"] = problem("free")
            return "free"
        return default

    monkeypatch.setattr(prompts, "text", text)
    given = {"purpose": "api", **dict.fromkeys(["pages", "admin"], "no")}
    answers = create.project_answers(create.Inputs(given=given, interactive=True))
    assert answers["project_name"] == "free"
    assert seen["free"] is None and "not empty" in seen["taken"]


# --- fuzzing: never a traceback, never a write outside DEST ------------------------------------

KEYS = [
    "purpose",
    "pages",
    "accounts",
    "admin",
    "project_name",
    "description",
    "author_name",
    "package_name",
    "_src_path",
]
TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=60)
YAML_TEXT = st.one_of(
    TEXT,
    st.dictionaries(
        st.sampled_from(KEYS), st.one_of(TEXT, st.integers(), st.booleans(), st.lists(TEXT, max_size=3))
    ).map(lambda d: yaml.safe_dump(d, allow_unicode=True)),
)


@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
@given(pairs=st.lists(st.tuples(st.sampled_from(KEYS), TEXT), max_size=3), content=st.none() | YAML_TEXT)
def test_fuzzed_answers_never_give_a_traceback_or_write_outside_dest(
    pairs, content, tmp_path_factory, fixture_templates, home, monkeypatch, capsys
):
    from newproj import cli

    base = tmp_path_factory.mktemp("fuzz")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("CI", "1")
    monkeypatch.chdir(base)
    args = ["create", "shop", "-y", "--source", str(fixture_templates)]
    args += [arg for key, value in pairs for arg in ("-a", f"{key}={value}")]
    if content is not None:
        (base / "answers.yml").write_text(content, encoding="utf-8")
        args += ["--answers-file", "answers.yml"]
    before = snapshot(base)
    with pytest.raises(SystemExit) as exit_:
        cli.main(args)
    err = capsys.readouterr().err
    assert exit_.value.code in (0, 2), err
    assert "Traceback" not in err
    if exit_.value.code == 2:
        assert err.strip().startswith("Error: ") and "\n" not in err.strip(), err
    assert [p for p in snapshot(base) if not p.startswith("shop")] == before
