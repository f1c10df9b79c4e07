"""flask-webapp, the expensive proofs on three answer sets, under gunicorn as the Procfile
starts it, driven over HTTP and in headless Chromium:

- roles-admin-many-years on PostgreSQL: register with the confirmation e-mail read from
  the server's console output, reset the password the same way, the managers' page refused
  (403) to a member, the admin refused to non-staff and open to staff, a replayed cookie
  refused after sign-out, sign-in protection shared by three workers, the ten hostile
  `next` targets and CSRF in the browser; and the project's own suite on PostgreSQL.
- external-few: a real browser signs in through a real OpenID provider.
- none-none: no database at all; pages and /health answer, sign-in and admin are 404.

The rich project's description and author are hostile text, so every check also proves
that such text cannot break the project or reach a page unescaped.
"""

from __future__ import annotations

import re
import subprocess
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from markupsafe import escape

from tests.support.flask_webapp import (
    HOSTILE_AUTHOR,
    HOSTILE_DESCRIPTION,
    PROJECT,
    VARIANTS,
    last_link,
    project_for,
    serve_on,
)
from tests.support.harness import (
    bash,
    committed_text,
    fetch,
    free_port,
    generate,
    procfile_command,
    quote,
    run_procfile,
)
from tests.support.oidc import Client, oidc_provider
from tests.support.services import PostgresServer

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

PASSWORD = "correct horse battery staple"  # noqa: S105 (a made-up test user)
NEW_PASSWORD = "a whole new password"  # noqa: S105
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
COPIER_LEFTOVER = re.compile(
    r"\{\{-?\s*(?:_copier\w*|project_name|package_name|description|author_\w+|template"
    r"|framework|purpose|pages|accounts|admin|data|lifespan|stack_control|decision_reasons)\b"
    r"|\{%-?\s*(?:if|for|raw|set|macro|include|extends|block)\b"
)
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@pytest.fixture(scope="module")
def rich(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return project_for("roles-admin-many-years", tmp_path_factory.getbasetemp() / "flask-webapp")


@pytest.fixture
def context(browser: Any) -> Iterator[Any]:
    """A browser profile that can only reach loopback: anything else fails at once."""
    ctx = browser.new_context(
        viewport={"width": 1280, "height": 800},
        proxy={"server": "http://127.0.0.1:9", "bypass": "127.0.0.1"},
    )
    try:
        yield ctx
    finally:
        ctx.close()


def flask(project: Path, args: str, env: dict[str, str]) -> str:
    return bash(project, f".venv/bin/flask --app {PROJECT} {args}", env)


def flashes(page: Any) -> str:
    return " ".join(page.locator(".flash").all_inner_texts())


def sign_in(page: Any, base: str, email: str, password: str, remember: bool = False) -> None:
    page.goto(base + "/auth/login")
    page.fill("#email", email)
    page.fill("#password", password)
    if remember:
        page.check("#remember")
    page.click("input[type=submit]")


# --- the rich project: files -----------------------------------------------------------


def test_no_secret_is_committed(rich: Path) -> None:
    files = committed_text(rich)
    assert ".env" not in files and (rich / ".env").is_file()
    assert "flask db heads" in files[".github/workflows/ci.yml"]
    assert "If a template update brings a migration" in files["README.md"]


def test_only_the_free_text_files_depend_on_the_free_text(rich: Path, tmp_path: Path) -> None:
    free_text = {"description", "author_name"}
    answers = {k: v for k, v in VARIANTS["roles-admin-many-years"].items() if k not in free_text}
    plain = generate(tmp_path / PROJECT, "flask-webapp", {"project_name": PROJECT, **answers})
    hostile_files, plain_files = committed_text(rich), committed_text(plain)
    assert hostile_files.keys() == plain_files.keys()
    differing = {name for name in plain_files if plain_files[name] != hostile_files[name]}
    assert differing <= {"README.md", "pyproject.toml", ".copier-answers.yml", f"{PROJECT}/config.py"}
    for name, text in plain_files.items():
        if name == "README.md":
            # The walk-through shows a page template to write: its Jinja is the point.
            text = re.sub(r"```html\n.*?```", "", text, flags=re.DOTALL)
        if not name.startswith(f"{PROJECT}/templates/"):
            assert not COPIER_LEFTOVER.search(text), f"{name} still holds template syntax"


@pytest.mark.parametrize("process", ["web", "release"])
def test_production_without_secret_key_refuses_to_start(rich: Path, process: str) -> None:
    result = run_procfile(rich, process, {"SECRET_KEY": ""})
    assert result.returncode != 0
    assert "Error: SECRET_KEY is not set." in result.stderr
    assert "Traceback" not in result.stderr


def test_its_own_suite_passes_on_postgresql(rich: Path, postgres: PostgresServer) -> None:
    url = postgres.new_database()
    output = bash(rich, ".venv/bin/python -m pytest -q -p no:cacheprovider", {"DATABASE_URL": url})
    assert re.search(r"\d+ passed", output) and "failed" not in output and "error" not in output
    # The suite cleaned up after itself: no table of the app is left.
    leftover = bash(
        rich,
        ".venv/bin/python -c \"import os, sqlalchemy as sa; e = sa.create_engine(os.environ['DATABASE_URL']"
        ".replace('postgresql://', 'postgresql+psycopg://')); print(sorted(sa.inspect(e).get_table_names()))\"",
        {"DATABASE_URL": url},
    )
    assert leftover.strip() in {"[]", "['alembic_version']"}


# --- the rich project under gunicorn on PostgreSQL ---------------------------------------


@pytest.fixture(scope="module")
def served(rich: Path, postgres: PostgresServer) -> Iterator[tuple[str, Path, dict[str, str]]]:
    """Migrated with the release command, served by three workers; yields base, log, env."""
    url = postgres.new_database()
    env = {"DATABASE_URL": url, "WEB_CONCURRENCY": "3"}
    bash(rich, procfile_command(rich, "release"), env)
    # The postgres:// spelling platforms use works too.
    with serve_on(rich, env={**env, "DATABASE_URL": url.replace("postgresql://", "postgres://", 1)}) as (
        base,
        log,
    ):
        yield base, log, env


def test_pages_headers_and_escaping_over_http(served: tuple[str, Path, dict[str, str]]) -> None:
    base, _, _ = served
    health = fetch(base + "/health", headers={"Host": "10.0.3.7:8000"})
    assert (health.status, health.json()) == (200, {"status": "ok", "database": "ok"})
    assert fetch(base + "/", headers={"Host": "evil.example"}).status == 400
    home = fetch(base + "/")
    assert home.status == 200
    assert "default-src 'self'" in home.headers["content-security-policy"]
    assert home.headers["x-frame-options"] == "DENY"
    assert str(escape(HOSTILE_DESCRIPTION)) in home.text and "<script>" not in home.text
    assert str(escape(HOSTILE_AUTHOR)) in home.text and "<b>Zo" not in home.text
    for url, status in [("/projects/", 302), ("/reports", 302), ("/admin/", 302), ("/nope", 404)]:
        assert fetch(base + url).status == status, url
    no_token = fetch(base + "/auth/login", "POST", data=b"email=a%40b.c&password=x", headers=FORM)
    assert no_token.status == 400


def test_sign_in_protection_holds_across_workers(served: tuple[str, Path, dict[str, str]], browser: Any) -> None:
    # Each attempt is a new connection, so three workers share them; the database counts.
    base, _, _ = served
    ctx = browser.new_context()
    try:
        page = ctx.new_page()
        statuses = []
        for _ in range(8):
            ctx.clear_cookies()
            page.goto(base + "/auth/login")
            page.fill("#email", "victim@example.com")
            page.fill("#password", "a wrong guess")
            with page.expect_response(lambda r: r.request.method == "POST") as posted:
                page.click("input[type=submit]")
            statuses.append(posted.value.status)
        assert statuses[:5] == [200] * 5
        assert statuses[5:] == [429] * 3
    finally:
        ctx.close()


def test_a_person_registers_resets_and_meets_roles_and_the_admin(
    served: tuple[str, Path, dict[str, str]], rich: Path, context: Any
) -> None:
    base, log, env = served
    email = "ada@example.com"
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))

    page.goto(base + "/")
    assert page.locator(".lead").inner_text() == HOSTILE_DESCRIPTION
    page.click("text=Create an account")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.fill("#confirm", PASSWORD)
    page.click("input[type=submit]")
    assert "a message with a link is on its way" in flashes(page)
    page.goto(last_link(log, base))  # the confirmation e-mail, from the server's console
    assert page.url == base + "/dashboard"
    assert page.locator("h1").inner_text() == f"Hello, {email}"

    # Forgot the password: the reset e-mail's link, once.
    page.click("text=Sign out")
    page.goto(base + "/auth/reset")
    page.fill("#email", email)
    page.click("input[type=submit]")
    link = last_link(log, base)
    page.goto(link)
    page.fill("#password", NEW_PASSWORD)
    page.fill("#confirm", NEW_PASSWORD)
    page.click("input[type=submit]")
    assert page.url == base + "/dashboard"
    assert fetch(link).status == 302  # used: sends back to the reset form
    assert not errors, f"the browser reported errors: {errors}"

    # A member is refused the managers' page and the admin.
    assert page.goto(base + "/reports").status == 403
    assert page.goto(base + "/admin/").status == 403
    flask(rich, f"users grant-role {email} manager", env)
    flask(rich, f"users make-staff {email}", env)
    assert page.goto(base + "/reports").status == 200
    assert page.goto(base + "/admin/").status == 200
    assert page.goto(base + "/admin/task/").status == 200

    # Projects with tasks, through the pages.
    page.goto(base + "/projects/new")
    page.fill("#name", "Garden")
    page.click("input[type=submit]")
    page.fill("input[name=title]", "Sow beans")
    page.click("text=Add task")
    assert "Sow beans" in page.locator(".project").inner_text()

    # Signed in, a hostile next never leaves the site: the browser is the judge.
    for target in HOSTILE_NEXT:
        page.goto(base + "/auth/login?next=" + urllib.parse.quote(target, safe=""))
        assert page.url == base + "/dashboard", target
    page.close()


def test_staff_use_the_admin_under_the_strict_content_security_policy(
    served: tuple[str, Path, dict[str, str]], rich: Path, context: Any
) -> None:
    """Flask-Admin's scripts run (nonce, hashed handlers) and nothing is blocked."""
    base, _, env = served
    email = "keeper@example.com"
    flask(rich, f"users create-staff {email} --password {quote(PASSWORD)}", env)
    context.add_init_script(
        "window.blocked = [];"
        "document.addEventListener('securitypolicyviolation',"
        " e => window.blocked.push(e.violatedDirective + ' ' + e.blockedURI));"
    )
    page = context.new_page()
    refused: list[str] = []
    page.on("console", lambda message: "Content Security Policy" in message.text and refused.append(message.text))
    sign_in(page, base, email, PASSWORD)

    for url in ("/admin/", "/admin/project/", "/admin/project/new/", "/admin/task/new/"):
        response = page.goto(base + url)
        assert response.status == 200, url
        assert "'nonce-" in response.headers["content-security-policy"], url
        page.wait_for_load_state("networkidle")
        assert page.evaluate("window.blocked") == [], url

    # A create through the admin form (select2 widgets and all), then the list shows it.
    page.goto(base + "/admin/project/new/")
    page.fill("#name", "Admin-made project")
    page.click("input[type=submit][value=Save]")
    page.wait_for_url(base + "/admin/project/")
    assert "Admin-made project" in page.locator("table").inner_text()
    # The delete button's confirmation (an inline handler the policy allows) runs.
    asked: list[str] = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    row = page.locator("tr", has_text="Admin-made project")
    row.locator("button[title='Delete Record']").click()
    assert asked == ["Are you sure you want to delete this record?"]
    assert page.evaluate("window.blocked") == [] and refused == []
    page.close()


def test_copied_cookies_stop_working_after_sign_out(
    served: tuple[str, Path, dict[str, str]], rich: Path, context: Any
) -> None:
    base, _, env = served
    flask(rich, f"users create grace@example.com --password '{PASSWORD}'", env)
    page = context.new_page()
    sign_in(page, base, "grace@example.com", PASSWORD, remember=True)
    assert page.url == base + "/dashboard"
    stolen = {cookie["name"]: cookie for cookie in context.cookies()}
    assert stolen["remember_token"]["secure"] and stolen["remember_token"]["httpOnly"]
    page.click("text=Sign out")
    for name in ("session", "remember_token"):
        cookie = stolen[name]
        reply = fetch(base + "/dashboard", headers={"Cookie": f"{name}={cookie['value']}"})
        assert reply.status == 302, name
    page.close()


def test_a_form_without_its_token_is_refused_in_the_browser(
    served: tuple[str, Path, dict[str, str]], context: Any
) -> None:
    base, _, _ = served
    page = context.new_page()
    page.goto(base + "/auth/login")
    page.locator("input[name=csrf_token]").evaluate("field => field.remove()")
    page.fill("#email", "nobody@example.com")
    page.fill("#password", PASSWORD)
    with page.expect_response(lambda reply: reply.request.method == "POST") as posted:
        page.click("input[type=submit]")
    assert posted.value.status == 400
    assert "This form has expired or was not sent from this site." in page.content()
    page.close()


# --- accounts=external: a real OpenID provider -------------------------------------------


def test_a_real_browser_signs_in_through_the_openid_provider(
    tmp_path_factory: pytest.TempPathFactory, context: Any, postgres: PostgresServer
) -> None:
    project = project_for("external-few", tmp_path_factory.getbasetemp() / "flask-webapp")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    web = Client("webapp", "webapp-secret", redirect_uris=[base + "/auth/callback"])
    url = postgres.new_database()
    with oidc_provider(clients=[web]) as op:
        env = {
            "DATABASE_URL": url,
            "OIDC_ISSUER": op.issuer,
            "OIDC_CLIENT_ID": "webapp",
            "OIDC_CLIENT_SECRET": "webapp-secret",
        }
        bash(project, procfile_command(project, "release"), env)
        with serve_on(project, port, env):
            page = context.new_page()
            requested: list[str] = []
            page.on("request", lambda request: requested.append(request.url))
            page.goto(base + "/projects/")
            assert page.url.startswith(op.issuer)
            to_provider = [url for url in requested if url.startswith(op.authorization_endpoint)]
            authorize = urllib.parse.parse_qs(urllib.parse.urlsplit(to_provider[0]).query)
            op.browser_sign_in(page, "alice")
            assert page.url == base + "/projects/"
            assert "alice@example.com" in page.locator("header").inner_text()
            page.click("text=Sign out")
            assert "You are signed out." in flashes(page)
            assert page.locator("header").inner_text().count("Sign in") == 1
            page.close()
    assert authorize["code_challenge_method"] == ["S256"]
    assert authorize["state"] and authorize["nonce"]


# --- accounts=none, data=none: no database at all ----------------------------------------


def test_a_project_without_accounts_or_data_has_no_database(tmp_path_factory: pytest.TempPathFactory) -> None:
    project = project_for("none-none", tmp_path_factory.getbasetemp() / "flask-webapp")
    files = committed_text(project)
    assert not any(name.startswith("migrations/") for name in files)
    assert "sqlalchemy" not in files["pyproject.toml"].lower()
    assert "release:" not in files["Procfile"]
    with serve_on(project) as (base, _):
        health = fetch(base + "/health", headers={"Host": "10.0.3.7:8000"})
        assert (health.status, health.json()) == (200, {"status": "ok"})
        assert fetch(base + "/").status == 200
        for url in ("/auth/login", "/auth/register", "/admin/", "/projects/"):
            assert fetch(base + url).status == 404, url
    assert not (project / "instance").exists() or not any((project / "instance").iterdir())
    subprocess.run(["git", "status", "--porcelain"], cwd=project, check=True)
