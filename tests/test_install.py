"""`newproj create --install` and `--run`: a project that is set up and answering, or one clear retry command."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest
import yaml

from tests.support.harness import REPO, fetch, free_port, newproj, readme_block, run_bash

TEMPLATE = "flask-api"  # the quickest to install; every template shares the set-up conventions
UNREACHABLE = "http://127.0.0.1:9/simple"  # the discard port: nothing listens, so connecting fails at once


def create(
    dest: Path, *extra: str, env: Mapping[str, str] | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    return newproj(
        "create",
        str(dest),
        "--defaults",
        "--no-git",
        "--template",
        TEMPLATE,
        "--source",
        str(REPO / "templates"),
        "--trust",
        "--json",
        *extra,
        env=env,
        timeout=timeout,
    )


def without_uv() -> str:
    """PATH with every folder that holds a `uv` left out, so newproj falls back to pip."""
    folders = os.environ.get("PATH", "").split(os.pathsep)
    return os.pathsep.join(f for f in folders if f and not (Path(f) / "uv").exists())


def offline_env(tool: str) -> dict[str, str]:
    """An unreachable package index, no cache and no local mirrors, with short timeouts."""
    if tool == "uv":
        return {
            "UV_INDEX_URL": UNREACHABLE,
            "UV_DEFAULT_INDEX": UNREACHABLE,
            "UV_NO_CACHE": "1",
            "UV_NO_CONFIG": "1",
            "UV_HTTP_TIMEOUT": "5",
            "UV_HTTP_RETRIES": "0",
            "UV_PYTHON_DOWNLOADS": "never",
        }
    return {
        "PATH": without_uv(),
        "PIP_INDEX_URL": UNREACHABLE,
        "PIP_CONFIG_FILE": os.devnull,
        "PIP_FIND_LINKS": "",
        "PIP_NO_CACHE_DIR": "1",
        "PIP_RETRIES": "0",
        "PIP_TIMEOUT": "5",
    }


@pytest.mark.e2e
def test_install_gives_an_environment_in_which_the_project_tests_pass(tmp_path: Path) -> None:
    project = tmp_path / "shop_api"
    result = create(project, "--install")
    assert result.returncode == 0, result.stderr
    setup = json.loads(result.stdout)["install"]
    assert setup["ok"] is True
    assert [s["name"] for s in setup["steps"]] == ["venv", "dependencies", "migrations"]
    assert all(s["exit_code"] == 0 for s in setup["steps"])
    assert setup["steps"][1]["command"].endswith("--require-hashes -r requirements.lock")
    assert_installed_as_locked(project)
    # The migrations ran: the database is at the newest revision already.
    current = run_bash(project, ".venv/bin/flask --app shop_api db current")
    assert "(head)" in current.stdout
    run_bash(project, readme_block(project, "Tests"))


def assert_installed_as_locked(project: Path) -> None:
    """Every package at the version its lock pins, and the project itself not installed (it runs from its folder)."""
    from newproj.locking import pins

    pinned = pins((project / "requirements.lock").read_text())
    listed = run_bash(
        project,
        ".venv/bin/python -c 'import importlib.metadata as m, json; "
        'print(json.dumps({d.metadata["Name"].lower().replace("_", "-"): d.version '
        "for d in m.distributions()}))'",
    )
    installed = json.loads(listed.stdout)
    assert project.name.replace("_", "-") not in installed
    for name in ("flask", "flask-smorest", "sqlalchemy", "pytest", "ruff"):
        assert installed[name] in pinned[name], name


@pytest.mark.e2e
def test_install_falls_back_to_pip_without_uv(tmp_path: Path) -> None:
    project = tmp_path / "shop_api"
    result = create(project, "--install", env={"PATH": without_uv()}, timeout=900)
    assert result.returncode == 0, result.stderr
    setup = json.loads(result.stdout)["install"]
    assert setup["installer"] == "pip"
    assert setup["ok"] is True
    assert_installed_as_locked(project)
    run_bash(project, ".venv/bin/python -m pytest -q")


@pytest.mark.e2e
@pytest.mark.parametrize("tool", ["uv", "pip"])
def test_a_failed_install_keeps_the_project_and_prints_the_retry_command(tmp_path: Path, tool: str) -> None:
    project = tmp_path / "shop_api"
    result = create(project, "--install", env=offline_env(tool), timeout=180)
    assert result.returncode == 3, result.stderr
    setup = json.loads(result.stdout)["install"]
    assert setup["ok"] is False
    assert setup["installer"] == tool
    assert setup["failed_step"] in ("venv", "dependencies")
    assert (project / "pyproject.toml").is_file()
    assert (project / "README.md").is_file()
    assert "Error: the project is in" in result.stderr
    assert f"Retry with:\n  {setup['retry']}" in result.stderr
    assert setup["retry"].startswith(f"cd {project} && ")
    assert "--require-hashes -r requirements.lock" in setup["retry"]
    assert setup["retry"].endswith("flask --app shop_api db upgrade")


@pytest.mark.e2e
def test_the_printed_retry_command_finishes_the_set_up(tmp_path: Path) -> None:
    project = tmp_path / "shop_api"
    failed = create(project, "--install", env=offline_env("uv"), timeout=180)
    assert failed.returncode == 3, failed.stderr
    retry = json.loads(failed.stdout)["install"]["retry"]
    subprocess.run(
        ["bash", "-euo", "pipefail", "-c", retry], cwd=tmp_path, check=True, timeout=600, capture_output=True, text=True
    )
    run_bash(project, ".venv/bin/python -m pytest -q")


def ignore_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)


@pytest.mark.e2e
@pytest.mark.parametrize("inherited", [signal.SIG_DFL, signal.SIG_IGN], ids=["terminal", "background-job"])
def test_run_serves_health_and_stops_on_sigint(tmp_path: Path, inherited: signal.Handlers) -> None:
    """A script's background job starts with SIGINT ignored; newproj --run still stops on it."""
    port = free_port()
    env = {**os.environ, "CI": "true", "FLASK_RUN_PORT": str(port), "PORT": str(port)}
    args = [
        sys.executable,
        "-m",
        "newproj",
        "create",
        str(tmp_path / "shop_api"),
        "--defaults",
        "--no-git",
        "--template",
        TEMPLATE,
        "--source",
        str(REPO / "templates"),
        "--trust",
        "--run",
    ]
    proc = subprocess.Popen(
        args,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        preexec_fn=ignore_sigint if inherited == signal.SIG_IGN else None,
    )
    with watched(proc, tmp_path) as (lines, serving):
        assert serving.wait(300), "newproj never said where it serves:\n" + "".join(lines)
        url = next(m.group(1) for line in lines if (m := re.search(r"^Serving at (\S+)/ ", line)))
        assert url == f"http://127.0.0.1:{port}"
        reply = fetch(f"{url}/health")
        assert reply.status == 200
        assert reply.json() == {"status": "ok", "database": "ok"}
        proc.send_signal(signal.SIGINT)
        assert proc.wait(60) == 0, "".join(lines)
        assert _refused(url), "the development server still answers after newproj stopped"
        assert not _strays(tmp_path), "processes of the development server outlived newproj"
    assert "Stopped the development server." in "".join(lines)


@contextlib.contextmanager
def watched(proc: subprocess.Popen[str], folder: Path) -> Iterator[tuple[list[str], threading.Event]]:
    """newproj's output as it comes, and an event set when it says where it serves; nothing left running after."""
    lines: list[str] = []
    serving = threading.Event()
    reader = threading.Thread(target=_collect, args=(proc, lines, serving), daemon=True)
    reader.start()
    try:
        yield lines, serving
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        _kill_strays(folder)
        reader.join(10)


def _collect(proc: subprocess.Popen[str], lines: list[str], serving: threading.Event) -> None:
    for line in proc.stdout or ():
        lines.append(line)
        if line.startswith("Serving at "):
            serving.set()


def _strays(folder: Path) -> list[int]:
    """Processes still working inside folder."""
    found = []
    for entry in Path("/proc").iterdir():
        with contextlib.suppress(OSError):
            if entry.name.isdigit() and Path(os.readlink(entry / "cwd")).is_relative_to(folder):
                found.append(int(entry.name))
    return found


def _kill_strays(folder: Path) -> None:
    """If newproj failed to stop its server, do not leave it running after the test."""
    for pid in _strays(folder):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def _refused(url: str) -> bool:
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            fetch(f"{url}/health", timeout=1)
        except OSError:
            return True
        time.sleep(0.1)
    return False


@pytest.mark.parametrize(
    "flags",
    [["--run", "--no-install"], ["--dry-run", "--install"], ["--dry-run", "--run"]],
    ids=["run-without-install", "dry-run-install", "dry-run-run"],
)
def test_flags_that_cannot_work_together_are_refused_before_anything_is_written(
    tmp_path: Path, flags: list[str]
) -> None:
    project = tmp_path / "shop_api"
    result = create(project, *flags)
    assert result.returncode == 2
    assert result.stderr.startswith("Error: ")
    assert not project.exists()


def test_without_install_nothing_is_installed_and_json_says_so(tmp_path: Path) -> None:
    project = tmp_path / "shop_api"
    result = create(project)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["install"] is None
    assert not (project / ".venv").exists()


def test_help_does_not_import_rich() -> None:
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "newproj", "create", "--help"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "--install / --no-install" in result.stdout
    for line in ("purpose       api, microservice, model-service", "accounts      none, login, roles, external"):
        assert line in result.stdout  # the answer keys and their values
    assert "--port" in result.stdout and "--wheelhouse" in result.stdout and "--trust" in result.stdout
    imported = {line.rsplit("|", 1)[-1].strip() for line in result.stderr.splitlines()}
    assert "click" in imported
    assert not {name for name in imported if name.split(".")[0] == "rich"}


TEAM_PYPROJECT = """[build-system]
requires = ["setuptools>=68"]
build-backend = "setuptools.build_meta"

[project]
name = "{{ project_name }}"
version = "0.1.0"

[project.optional-dependencies]
dev = []

[tool.setuptools]
packages = ["{{ package_name }}"]
"""
# Run without a shell, the redirection is two more arguments to python, so `shell-ran` never appears.
TEAM_RELEASE = "release: python -c \"open('release-ran', 'w').close()\" > shell-ran\n"


@pytest.fixture
def team_template(tmp_path: Path) -> Path:
    """A team's template (not newproj's own) whose Procfile has a release line that leaves a marker."""
    from tests.support.fixtures import template_root

    root = template_root(tmp_path / "team")
    for name in ("flask-api", "flask-webapp", "django-fullstack"):
        (root / name / "pyproject.toml.jinja").write_text(TEAM_PYPROJECT)
        (root / name / "Procfile").write_text(TEAM_RELEASE)
    return root


def test_a_team_templates_release_line_is_refused_without_trust(tmp_path: Path, team_template: Path) -> None:
    project = tmp_path / "shop"
    args = ["create", str(project), "--defaults", "--source", str(team_template), "--install"]
    result = newproj(*args)
    assert result.returncode == 2, result.stderr
    assert result.stderr.count("\n") == 1 and "add --trust" in result.stderr
    assert not project.exists()
    assert not list(tmp_path.rglob("release-ran")) and not list(tmp_path.rglob("shell-ran"))


def test_a_team_template_is_not_set_up_at_a_prompt_without_trust(team_template: Path) -> None:
    from newproj import install

    assert install.wanted(None, False, interactive=True, trusted=False) is False


@pytest.mark.e2e
def test_with_trust_the_release_line_is_shown_then_run_without_a_shell(tmp_path: Path, team_template: Path) -> None:
    project = tmp_path / "shop"
    args = ["create", str(project), "--defaults", "--no-git", "--source", str(team_template), "--install", "--trust"]
    result = newproj(*args)
    assert result.returncode == 0, result.stderr
    shown = result.stderr.index("Running the template's set-up commands")
    ran = result.stderr.index("Applied migrations")
    assert "release-ran" in result.stderr[shown:ran] and "shell-ran" in result.stderr[shown:ran]  # shown, then run
    assert (project / "release-ran").exists()
    assert not (project / "shell-ran").exists()


# A release step that takes two seconds, and a server that notes when it started (it answers 404 on /health,
# which is an answer: newproj only waits for one).
SLOW_RELEASE = (
    'release: python -c "import pathlib, sys, time; time.sleep(2); '
    "pathlib.Path('released').write_text(repr(time.time())); sys.exit({code})\"\n"
)
NOTING_SERVER = (
    "web: python -c \"import pathlib, time; pathlib.Path('server-started').write_text(repr(time.time()))\" "
    "&& exec python -m http.server --bind 127.0.0.1 $PORT\n"
)


def slow_release_template(tmp_path: Path, code: int) -> Path:
    from tests.support.fixtures import template_root

    root = template_root(tmp_path / "team")
    for name in ("flask-api", "flask-webapp", "django-fullstack"):
        (root / name / "pyproject.toml.jinja").write_text(TEAM_PYPROJECT)
        (root / name / "README.md.jinja").write_text("# {{ project_name }}\n")
        (root / name / "Procfile").write_text(SLOW_RELEASE.format(code=code) + NOTING_SERVER)
    return root


def run_with_slow_release(tmp_path: Path, code: int) -> tuple[Path, int, subprocess.CompletedProcess[str]]:
    project, port = tmp_path / "shop", free_port()
    args = ["create", str(project), "--defaults", "--no-git", "--source", str(slow_release_template(tmp_path, code))]
    proc = subprocess.Popen(
        [sys.executable, "-m", "newproj", *args, "--install", "--trust", "--run", "--port", str(port)],
        env={**os.environ, "CI": "true"},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    with watched(proc, tmp_path) as (lines, serving):
        if code == 0:
            assert serving.wait(300), "newproj never said where it serves:\n" + "".join(lines)
            proc.send_signal(signal.SIGINT)
        proc.wait(300)
    return project, port, subprocess.CompletedProcess(args, proc.returncode, "".join(lines), "")


@pytest.mark.e2e
def test_run_starts_the_server_while_the_migrations_run_and_serves_once_they_end(tmp_path: Path) -> None:
    project, port, result = run_with_slow_release(tmp_path, 0)
    assert result.returncode == 0, result.stdout
    started, released = (float((project / name).read_text()) for name in ("server-started", "released"))
    assert started < released, "the server waited for the migrations instead of starting beside them"
    out = result.stdout
    assert out.index("Applied migrations") < out.index(f"Serving at http://127.0.0.1:{port}/")
    assert not _strays(tmp_path)


@pytest.mark.e2e
def test_a_failed_migration_stops_the_server_started_beside_it(tmp_path: Path) -> None:
    project, port, result = run_with_slow_release(tmp_path, 4)
    assert result.returncode == 3, result.stdout
    assert (project / "server-started").exists()  # it had started
    assert "Applying migrations failed (exit 4)" in result.stdout
    assert "Serving at" not in result.stdout
    assert not _strays(tmp_path), "the development server outlived the failed set-up"
    assert _refused(f"http://127.0.0.1:{port}")


def test_port_flag_is_checked_before_anything_is_written(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = create(tmp_path / "shop_api", "--run", "--port", str(port))
    assert result.returncode == 2
    assert result.stderr == f"Error: port {port} is in use (Address already in use); choose another with --port\n"
    assert not (tmp_path / "shop_api").exists()


FLASK_ROLES = {
    "purpose": "api",
    "pages": "no",
    "accounts": "roles",
    "admin": "no",
    "data": "few",
    "lifespan": "months",
    "stack_control": "no",
    "description": "Recipes",
    "author_name": "Ada Lovelace",
    "author_email": "ada@example.com",
}
SIGN_IN_API = """
from shop_api import create_app
reply = create_app().test_client().post("/api/tokens", auth=({name!r}, "s3cret-pass"))
print(reply.status_code, sorted(reply.get_json()))
"""
SIGN_IN_WEBAPP = """
from club import create_app
from club.extensions import db
from club.models import User
with create_app().app_context():
    user = db.session.scalar(db.select(User))
    print(user.email, user.role, user.check_password("s3cret-pass"), user.confirmed_at is not None)
"""


@pytest.mark.e2e
def test_the_printed_first_account_commands_make_a_flask_account_that_signs_in(tmp_path: Path) -> None:
    """flask-webapp with roles: the next steps make a confirmed account that manages, through `flask users`."""
    project = tmp_path / "club"
    args = ["create", str(project), "--defaults", "--no-git", "--template", "flask-webapp", "--json", "--install"]
    answers = ["-a", "purpose=learning", "-a", "accounts=roles", "-a", "author_email=ada@example.com"]
    result = newproj(*args, *answers, "--source", str(REPO / "templates"), "--trust", timeout=600)
    assert result.returncode == 0, result.stderr
    step = json.loads(result.stdout)["next_steps"][1]
    assert step.startswith("# your first account (asks for a password)\n")
    commands = step.splitlines()[1:]
    assert commands == [
        ".venv/bin/flask --app club users create ada@example.com",
        ".venv/bin/flask --app club users grant-role ada@example.com manager",
    ]
    typed = [f"{line} --password s3cret-pass" if " users create " in line else line for line in commands]
    run_bash(project, "\n".join(typed))
    signed_in = run_bash(project, f".venv/bin/python -c {shlex.quote(SIGN_IN_WEBAPP)}")
    assert signed_in.stdout.split() == ["ada@example.com", "manager", "True", "True"]


@pytest.mark.e2e
@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed (tests/run.sh installs it)")
def test_a_flask_api_first_account_is_offered_at_the_terminal_and_signs_in(tmp_path: Path) -> None:
    """At a terminal, after --install: the user name asked (the author's offered), the password asked by the app."""
    from tests.test_interactive import Terminal, joined

    answers = " ".join(f"-a {shlex.quote(f'{k}={v}')}" for k, v in FLASK_ROLES.items())
    newproj_cmd = f"{shlex.quote(sys.executable)} -m newproj create shop_api --no-git --template flask-api {answers}"
    source = f"--source {shlex.quote(str(REPO / 'templates'))} --trust --install"
    term = Terminal(f"env -u CI -u PYTHONDONTWRITEBYTECODE {newproj_cmd} {source}", tmp_path)
    try:
        term.wait_for("Create your first account now?", timeout=600)
        term.keys("Enter")
        assert "User name for your first account [ada]" in joined(term.wait_for("User name for your first"))
        term.type("grace")
        term.keys("Enter")
        for prompt in ("Password:", "Repeat for confirmation:"):
            term.wait_for(prompt, timeout=60)
            term.type("s3cret-pass")
            term.keys("Enter")
        term.wait_for("Start it now?", timeout=60)
        term.keys("Down", "Enter")  # No
        screen = joined(term.wait_for("EXIT=", timeout=60))
    finally:
        term.close()
    assert "Created user grace (admin)." in screen and "EXIT=0" in screen
    signed_in = run_bash(tmp_path / "shop_api", f".venv/bin/python -c {shlex.quote(SIGN_IN_API.format(name='grace'))}")
    assert signed_in.stdout.strip() == "201 ['expires_at', 'token']"


@pytest.mark.parametrize(
    ("template", "answers", "expected"),
    [
        (
            "flask-webapp",
            {"accounts": "none", "admin": "yes"},
            ".venv/bin/flask --app club users create-staff ada@example.com",
        ),
        (
            "flask-webapp",
            {"accounts": "login", "admin": "no"},
            ".venv/bin/flask --app club users create ada@example.com",
        ),
        ("flask-webapp", {"accounts": "external", "admin": "yes", "stack_control": "yes"}, None),
        ("flask-api", {"purpose": "api", "accounts": "login"}, ".venv/bin/flask --app club users create ada"),
        ("flask-api", {"purpose": "api", "accounts": "external"}, None),
        ("django-fullstack", {"accounts": "none", "admin": "yes"}, ".venv/bin/python manage.py createsuperuser"),
    ],
    ids=["webapp-staff-only", "webapp-login", "webapp-external", "api-login", "api-external", "django-admin"],
)
def test_the_first_account_is_made_with_the_apps_own_cli(
    tmp_path: Path, template: str, answers: dict[str, str], expected: str | None
) -> None:
    """Which command makes the first account, read from the rendered app's CLI; none where sign-in is elsewhere."""
    from newproj import install

    from tests.support.harness import generate

    data = {"purpose": "website", **answers, "author_email": "ada@example.com"}
    project = generate(tmp_path / "club", template, data, "--no-git")
    recorded = yaml.safe_load((project / ".copier-answers.yml").read_text())
    account = install.account_command(project, recorded)
    assert (account.typed() if account else None) == expected
