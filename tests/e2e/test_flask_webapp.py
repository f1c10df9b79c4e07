"""flask-webapp end to end: generate with newproj, set up, test, lint and serve the project
exactly as its README and Procfile say, on SQLite and on a real PostgreSQL, and use the site
in headless Chromium the way a person would.

One project serves most tests. Its description and author are hostile text, so every check
also proves that such text cannot break the project or reach a page unescaped.
"""

from __future__ import annotations

import base64
import re
import struct
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from markupsafe import escape

from tests.support.harness import (
    REPO,
    bash,
    committed_text,
    fetch,
    generate,
    newproj,
    procfile_command,
    python,
    readme_block,
    run_bash,
    run_procfile,
    serve,
)
from tests.support.services import PostgresServer

pytestmark = pytest.mark.e2e

PROJECT = "demo_site"
TEMPLATE = "flask-webapp"
HOSTILE_DESCRIPTION = (
    'It\'s "quoted" \\ back\\slash {{ 7*7 }} {% raw %} x {% endraw %} {% if %}\n'
    "<script>alert('x')</script> <img src=x onerror=alert(1)> ''' \"\"\" \\u0022 \\\" "
    "ends with a backslash \\"
)
HOSTILE_AUTHOR = 'O\'Brien "Bob" \\ {{ 7*7 }} {% raw %}\n<b>Zoë</b> & co, Ltd'
# Files that carry the free text; every other file must be the same for any answers.
FREE_TEXT_FILES = {"README.md", "pyproject.toml", ".copier-answers.yml", f"{PROJECT}/config.py"}
MIGRATION_HEAD = "2d19d94f823c"
PASSWORD = "correct horse battery staple"  # noqa: S105 (a made-up test user)
# Every vector from the security checklist (shared/design/security-checklist.md).
HOSTILE_NEXT = [
    "https://evil.example/",
    "//evil.example/",
    "///evil.example/",
    "/\\evil.example/",
    "\\\\evil.example",
    "http:evil.example",
    "javascript:alert(1)",
    " //evil.example",
    "/\t/evil.example",
    "HTTPS://evil.example",
]
# Copier's own syntax: a question name inside {{ }} or a {% %} tag outside the app's
# HTML templates would be leftover Jinja. (The app's templates use Jinja on purpose.)
COPIER_LEFTOVER = re.compile(
    r"\{\{-?\s*(?:_copier\w*|project_name|package_name|description|author_\w+|template"
    r"|framework|purpose|pages|accounts|admin|data|lifespan|stack_control|decision_reasons)\b"
    r"|\{%-?\s*(?:if|for|raw|set|macro|include)\b"
)

COMPILE_AND_IMPORT = f"""
import importlib, pathlib, pkgutil
for path in pathlib.Path(".").rglob("*.py"):
    if ".venv" not in path.parts:
        compile(path.read_text(encoding="utf-8"), str(path), "exec")
import {PROJECT}
for module in pkgutil.walk_packages({PROJECT}.__path__, "{PROJECT}."):
    importlib.import_module(module.name)
from {PROJECT} import config
assert config.SITE_DESCRIPTION == {HOSTILE_DESCRIPTION!r}, config.SITE_DESCRIPTION
assert config.SITE_AUTHOR == {HOSTILE_AUTHOR!r}, config.SITE_AUTHOR
print("imported", {PROJECT}.__name__)
"""

READ_POSTGRES = """
import os, psycopg
with psycopg.connect(os.environ["DATABASE_URL"]) as db:
    print(db.execute("SELECT version_num FROM alembic_version").fetchone()[0])
    for name, hashed in db.execute("SELECT username, password_hash FROM users ORDER BY id"):
        print(name, hashed.split(":")[0], len(hashed))
"""

# Decodes a PNG in the browser and counts its distinct colours (no image library needed).
COUNT_COLOURS = """async (url) => {
    const image = new Image();
    image.src = url;
    await image.decode();
    const canvas = document.createElement("canvas");
    canvas.width = image.width;
    canvas.height = image.height;
    const context = canvas.getContext("2d");
    context.drawImage(image, 0, 0);
    const pixels = context.getImageData(0, 0, image.width, image.height).data;
    const colours = new Set();
    for (let i = 0; i < pixels.length; i += 4) {
        colours.add((pixels[i] << 16) | (pixels[i + 1] << 8) | pixels[i + 2]);
    }
    return colours.size;
}"""


# --- fixtures -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def timings() -> dict[str, float]:
    return {}


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory, timings: dict[str, float]) -> Path:
    """The generated project, set up with the README's own commands in a fresh venv."""
    answers = {
        "project_name": PROJECT,
        "purpose": "learning",
        "description": HOSTILE_DESCRIPTION,
        "author_name": HOSTILE_AUTHOR,
    }
    dest = generate(tmp_path_factory.mktemp(TEMPLATE) / PROJECT, TEMPLATE, answers)
    assert not (dest / ".venv").exists()
    started = time.monotonic()
    run_bash(dest, readme_block(dest, "Set up"))
    timings["set up"] = time.monotonic() - started
    return dest


@pytest.fixture(scope="module")
def plain(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same project with the default free text (rendered, never set up)."""
    dest = tmp_path_factory.mktemp("flask-webapp-plain") / PROJECT
    return generate(dest, TEMPLATE, {"project_name": PROJECT, "purpose": "learning"})


@pytest.fixture
def context(browser: Any) -> Iterator[Any]:
    """A fresh browser profile that can only reach this machine's loopback address.

    Every other request, a redirect to another site included, goes to a proxy address
    where nothing listens, so it fails at once and never leaves the machine.
    """
    ctx = browser.new_context(
        viewport={"width": 1280, "height": 800},
        proxy={"server": "http://127.0.0.1:9", "bypass": "127.0.0.1"},
    )
    try:
        yield ctx
    finally:
        ctx.close()


# --- helpers --------------------------------------------------------------------------


def answers_of(project: Path) -> dict[str, Any]:
    return yaml.safe_load((project / ".copier-answers.yml").read_text(encoding="utf-8"))


def flashes(page: Any) -> str:
    return " ".join(page.locator(".flash").all_inner_texts())


def colour_count(context: Any, png: bytes) -> int:
    """Distinct colours in a PNG, decoded by the browser on a blank page."""
    page = context.new_page()
    try:
        url = "data:image/png;base64," + base64.b64encode(png).decode()
        return int(page.evaluate(COUNT_COLOURS, url))
    finally:
        page.close()


# --- generation -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "answers",
    [
        {"purpose": "learning"},
        {"purpose": "learning", "pages": "yes", "accounts": "login", "admin": "no"},
        {"purpose": "website", "accounts": "external", "stack_control": "yes", "admin": "no"},
    ],
    ids=["learning", "learning-pages-login", "website-external-auth"],
)
def test_answers_that_lead_here_render_this_template(tmp_path: Path, answers: dict[str, str]) -> None:
    args = ["create", str(tmp_path / "site"), "--defaults", "--no-git", "--source", str(REPO / "templates")]
    for key, value in {"project_name": PROJECT, **answers}.items():
        args += ["-a", f"{key}={value}"]
    result = newproj(*args)
    assert result.returncode == 0, result.stdout + result.stderr
    recorded = answers_of(tmp_path / "site")
    assert recorded["template"] == TEMPLATE
    assert recorded["framework"] == "flask"
    assert recorded["decision_reasons"], "the answers file must say why Flask was chosen"
    assert all(isinstance(reason, str) and reason for reason in recorded["decision_reasons"])
    assert (tmp_path / "site" / PROJECT / "auth" / "views.py").is_file()


def test_only_the_free_text_files_depend_on_the_answers(project: Path, plain: Path) -> None:
    hostile_files, plain_files = committed_text(project), committed_text(plain)
    assert hostile_files.keys() == plain_files.keys()
    differing = {name for name in plain_files if plain_files[name] != hostile_files[name]}
    assert differing <= FREE_TEXT_FILES
    # In particular the app's HTML templates never contain answer text.
    assert not any(name.endswith(".html") for name in differing)


def test_no_copier_syntax_is_left(plain: Path) -> None:
    files = committed_text(plain)
    assert f"{PROJECT}/templates/base.html" in files
    for name, text in files.items():
        if name.startswith(f"{PROJECT}/templates/"):
            continue
        assert not COPIER_LEFTOVER.search(text), f"{name} still holds template syntax"


def test_the_first_commit_holds_the_project_but_no_secret(project: Path) -> None:
    files = committed_text(project)
    assert ".env" not in files
    assert (project / ".env").is_file()
    assert "SECRET_KEY=replace-with-a-long-random-string" in files[".env.example"]
    assert f"{PROJECT}/wsgi.py" in files
    assert f"migrations/versions/{MIGRATION_HEAD}_create_users_table.py" in files
    for name in ("Procfile", "gunicorn.conf.py", ".pre-commit-config.yaml", ".github/workflows/ci.yml"):
        assert name in files
    assert "check-merge-conflict" in files[".pre-commit-config.yaml"]
    assert "flask db check" in files[".github/workflows/ci.yml"]
    assert "newproj update" in files["README.md"]


# --- the README, run as written -------------------------------------------------------


def test_every_python_file_compiles_and_every_module_imports(project: Path) -> None:
    assert f"imported {PROJECT}" in python(project, COMPILE_AND_IMPORT)


def test_readme_tests_pass(project: Path, timings: dict[str, float]) -> None:
    started = time.monotonic()
    output = bash(project, readme_block(project, "Tests"))
    timings["tests block"] = time.monotonic() - started
    summary = re.search(r"(\d+) passed(.*) in ([\d.]+)s", output)
    assert summary, output
    passed, rest, seconds = int(summary[1]), summary[2], float(summary[3])
    timings["pytest"] = seconds
    print(f"\nflask-webapp timings (s): {timings}")
    assert passed >= 80
    assert "failed" not in rest and "skipped" not in rest and "error" not in rest
    assert "All checks passed!" in output  # ruff check, with the S rules
    assert "already formatted" in output  # ruff format --check


def test_ruff_selects_the_security_rules(project: Path) -> None:
    config = (project / "pyproject.toml").read_text(encoding="utf-8")
    selected = re.search(r"^select = \[(.*)\]$", config, flags=re.MULTILINE)
    assert selected and '"S"' in selected[1]


def test_setup_and_tests_leave_the_git_tree_clean(project: Path) -> None:
    assert bash(project, "git status --porcelain") == ""


def test_migrations_match_the_models(project: Path) -> None:
    output = bash(project, f".venv/bin/flask --app {PROJECT} db check")
    assert "No new upgrade operations detected" in output


# --- gunicorn over HTTP ---------------------------------------------------------------


def check_http(base: str) -> None:
    """Health, headers, escaping, error pages, the stylesheet and refused requests."""
    health = fetch(base + "/health")
    assert (health.status, health.json()) == (200, {"status": "ok", "database": "ok"})

    home = fetch(base + "/")
    assert home.status == 200
    assert home.headers["content-type"].startswith("text/html")
    policy = home.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert home.headers["x-content-type-options"] == "nosniff"
    assert home.headers["x-frame-options"] == "DENY"
    assert home.headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert home.headers["cross-origin-opener-policy"] == "same-origin"
    assert str(escape(HOSTILE_DESCRIPTION)) in home.text
    assert str(escape(HOSTILE_AUTHOR)) in home.text
    assert "<script>" not in home.text and "<img src=x" not in home.text and "<b>Zo" not in home.text

    css = fetch(base + "/static/style.css")
    assert css.status == 200 and css.headers["content-type"].startswith("text/css")
    missing = fetch(base + "/no/such/page")
    assert missing.status == 404 and "Page not found" in missing.text

    protected = fetch(base + "/dashboard")
    assert protected.status == 302
    assert protected.headers["location"] == "/auth/login?next=%2Fdashboard"

    no_token = fetch(
        base + "/auth/login",
        "POST",
        data=b"email=a%40example.com&password=x",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert no_token.status == 400 and "This form has expired" in no_token.text
    assert fetch(base + "/health", headers={"Host": "evil.example"}).status == 400
    too_big = fetch(
        base + "/auth/login",
        "POST",
        data=b"x" * (2 * 1024 * 1024),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert too_big.status == 413


def browse(context: Any, base: str, tmp_path: Path, user: str) -> None:
    """Register, sign out, come back through sign-in with remember me, as a person would."""
    email = f"{user}@example.com"
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    # CSP violations and failed loads (a missing stylesheet or icon) show up here.
    errors: list[str] = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))

    page.goto(base + "/")
    assert page.locator(".lead").inner_text() == HOSTILE_DESCRIPTION
    assert HOSTILE_AUTHOR.replace("\n", " ") in " ".join(page.locator("footer").inner_text().split("\n"))
    assert page.locator("script, img, b").count() == 0
    header = page.locator(".site-header")
    assert header.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(29, 35, 48)"

    page.click("text=Create an account")
    page.fill("#username", user)
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.fill("#confirm", PASSWORD)
    page.click("input[type=submit]")
    assert page.url == base + "/dashboard"
    assert page.locator("h1").inner_text() == f"Hello, {user}"
    assert "Your account is ready" in flashes(page)

    page.click("text=Sign out")
    assert page.url == base + "/"
    assert "You are signed out." in flashes(page)

    page.goto(base + "/dashboard")
    assert page.url == base + "/auth/login?next=%2Fdashboard"
    assert "Please sign in to see that page." in flashes(page)
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.check("#remember")
    page.click("input[type=submit]")
    assert page.url == base + "/dashboard"  # back where the visitor wanted to go
    assert page.locator("h1").inner_text() == f"Hello, {user}"

    cookies = {cookie["name"]: cookie for cookie in context.cookies()}
    for name in ("session", "remember_token"):
        assert cookies[name]["secure"] and cookies[name]["httpOnly"]
        assert cookies[name]["sameSite"] == "Lax"
    assert cookies["session"]["expires"] == -1  # gone when the browser closes
    assert cookies["remember_token"]["expires"] > time.time() + 13 * 24 * 3600

    shot = tmp_path / f"signed-in-{user}.png"
    page.screenshot(path=str(shot), full_page=True)
    png = shot.read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])
    assert width >= 1280 and height >= 800
    assert colour_count(context, png) >= 20, "the signed-in screenshot is blank"
    assert not dialogs, f"hostile text ran as script: {dialogs}"
    assert not errors, f"the browser reported errors: {errors}"

    # The remember-me cookie alone signs the person back in (a browser restart).
    context.clear_cookies()
    context.add_cookies([{**cookies["remember_token"]}])
    page.goto(base + "/dashboard")
    assert page.url == base + "/dashboard"
    assert page.locator("h1").inner_text() == f"Hello, {user}"

    # Signed in, a hostile next never leaves the site: the browser is the judge.
    for target in HOSTILE_NEXT:
        page.goto(base + "/auth/login?next=" + urllib.parse.quote(target, safe=""))
        assert page.url == base + "/dashboard", target
    page.close()


def refuse_form_without_token(context: Any, base: str) -> None:
    """The sign-in form, its CSRF field removed, is refused and signs nobody in."""
    context.clear_cookies()
    page = context.new_page()
    page.goto(base + "/auth/login")
    page.locator("input[name=csrf_token]").evaluate("field => field.remove()")
    page.fill("#email", "nobody@example.com")
    page.fill("#password", PASSWORD)
    with page.expect_response(lambda reply: reply.request.method == "POST") as posted:
        page.click("input[type=submit]")
    assert posted.value.status == 400
    assert "This form has expired or was not sent from this site." in page.content()
    page.goto(base + "/dashboard")
    assert page.url.startswith(base + "/auth/login")
    page.close()


def test_gunicorn_from_the_procfile_serves_the_site_on_sqlite(project: Path, context: Any, tmp_path: Path) -> None:
    with serve(project) as base:
        check_http(base)
        browse(context, base, tmp_path, "ada")
        refuse_form_without_token(context, base)


def test_the_same_on_postgresql(project: Path, postgres: PostgresServer, context: Any, tmp_path: Path) -> None:
    url = postgres.new_database()
    # Migrate with a postgresql:// URL; serve with the postgres:// spelling platforms use.
    bash(project, procfile_command(project, "release"), {"DATABASE_URL": url})
    check = bash(project, f".venv/bin/flask --app {PROJECT} db check", {"DATABASE_URL": url})
    assert "No new upgrade operations detected" in check
    with serve(project, {"DATABASE_URL": url.replace("postgresql://", "postgres://", 1)}) as base:
        check_http(base)
        browse(context, base, tmp_path, "grace")
        refuse_form_without_token(context, base)

    script = f".venv/bin/python - <<'PYTHON'\n{READ_POSTGRES}\nPYTHON\n"
    stored = run_bash(project, script, {"DATABASE_URL": url}).stdout.split("\n")
    assert stored[0] == MIGRATION_HEAD
    name, method, length = stored[1].split()
    assert (name, method) == ("grace", "scrypt")
    assert 128 < int(length) <= 255  # would not fit the usual String(128)


@pytest.mark.parametrize("process", ["web", "release"])
def test_production_without_secret_key_refuses_to_start(project: Path, process: str) -> None:
    # SECRET_KEY set but empty, so the .env file cannot fill it in.
    result = run_procfile(project, process, {"SECRET_KEY": ""})
    assert result.returncode != 0
    assert "Error: SECRET_KEY is not set." in result.stderr
    assert "Traceback" not in result.stderr
