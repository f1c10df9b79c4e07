"""flask-api end to end: generate with newproj, then set up, test, lint and serve the
project exactly as its README and Procfile say, on SQLite and on a real PostgreSQL.

One project serves every test. Its description and author are hostile text, so each
check also proves that such text cannot break the project; a second, default-answer
render shows that only the files carrying that text differ.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.support.harness import (
    Response,
    bash,
    committed_text,
    fetch,
    generate,
    procfile_command,
    python,
    readme_block,
    run_bash,
    run_procfile,
    serve,
)
from tests.support.services import PostgresServer

pytestmark = pytest.mark.e2e

PROJECT = "demo_api"
HOSTILE_DESCRIPTION = (
    'It\'s "quoted" \\ back\\slash {{ 7*7 }} {% raw %} x {% endraw %} {% if %}\n'
    "<script>alert('x')</script> ''' \"\"\" \\u0022 \\\" ends with a backslash \\"
)
HOSTILE_AUTHOR = 'O\'Brien "Bob" \\ {{ 7*7 }} {% raw %}\n<b>Zoë</b> & co'
# Files that carry the free text; every other file must be the same for any answers.
FREE_TEXT_FILES = {"README.md", "pyproject.toml", ".copier-answers.yml"}
MIGRATION_HEAD = "6a52331bc077"
# The notes API without sign-in (the default purpose would bring accounts).
ANSWERS = {"project_name": PROJECT, "purpose": "api", "accounts": "none", "data": "few"}

COMPILE_AND_IMPORT = f"""
import importlib, pathlib, pkgutil
for path in pathlib.Path(".").rglob("*.py"):
    if ".venv" not in path.parts:
        compile(path.read_text(encoding="utf-8"), str(path), "exec")
import {PROJECT}
for module in pkgutil.walk_packages({PROJECT}.__path__, "{PROJECT}."):
    importlib.import_module(module.name)
print("imported", {PROJECT}.__name__)
"""

READ_POSTGRES = """
import os, psycopg
with psycopg.connect(os.environ["DATABASE_URL"]) as db:
    print(db.execute("SELECT version_num FROM alembic_version").fetchone()[0])
    print(db.execute("SELECT title FROM notes").fetchall())
"""


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The generated project, set up with the README's own commands."""
    answers = {
        **ANSWERS,
        "description": HOSTILE_DESCRIPTION,
        "author_name": HOSTILE_AUTHOR,
    }
    dest = generate(tmp_path_factory.mktemp("flask-api") / PROJECT, "flask-api", answers)
    run_bash(dest, readme_block(dest, "Set up"))
    return dest


@pytest.fixture(scope="module")
def plain(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same project with the default free text (rendered, never set up)."""
    dest = tmp_path_factory.mktemp("flask-api-plain") / PROJECT
    return generate(dest, "flask-api", ANSWERS)


def test_only_the_free_text_files_depend_on_the_answers(project: Path, plain: Path) -> None:
    hostile_files, plain_files = committed_text(project), committed_text(plain)
    assert hostile_files.keys() == plain_files.keys()
    differing = {name for name in plain_files if plain_files[name] != hostile_files[name]}
    assert differing <= FREE_TEXT_FILES


def test_no_template_syntax_is_left(plain: Path) -> None:
    for name, text in committed_text(plain).items():
        # GitHub Actions expressions are ${{ ... }}; anything else is leftover Jinja.
        leftover = re.findall(r"(?<!\$)\{\{|\{%|\{#", text)
        assert not leftover, f"{name} still holds template syntax"


def test_every_python_file_compiles_and_every_module_imports(project: Path) -> None:
    assert f"imported {PROJECT}" in python(project, COMPILE_AND_IMPORT)


def test_readme_tests_pass(project: Path) -> None:
    output = bash(project, readme_block(project, "Tests"))
    summary = re.search(r"(\d+) passed(.*) in ([\d.]+)s", output)
    assert summary, output
    passed, rest = int(summary[1]), summary[2]
    assert passed >= 40
    assert "failed" not in rest and "skipped" not in rest and "error" not in rest
    assert "All checks passed!" in output  # ruff check
    assert "already formatted" in output  # ruff format --check


def test_setup_and_tests_leave_the_git_tree_clean(project: Path) -> None:
    assert bash(project, "git status --porcelain") == ""


def test_migrations_match_the_models(project: Path) -> None:
    output = bash(project, f".venv/bin/flask --app {PROJECT} db check")
    assert "No new upgrade operations detected" in output


def body(response: Response) -> Any:
    return response.json()


def assert_json_error(response: Response, status: int) -> None:
    assert response.status == status, response.text
    assert response.headers["content-type"] == "application/json"
    assert body(response)["status"] == status
    assert "<html" not in response.text.lower()


def check_api(base: str) -> None:
    """Health, headers, the description, a full CRUD round trip and JSON errors over HTTP."""
    health = fetch(base + "/health")
    assert (health.status, body(health)) == (200, {"status": "ok", "database": "ok"})
    assert health.headers["x-content-type-options"] == "nosniff"
    assert health.headers["x-frame-options"] == "DENY"
    assert health.headers["strict-transport-security"].startswith("max-age=")
    assert health.headers["content-security-policy"].startswith("default-src 'none'")

    about = body(fetch(base + "/"))
    assert about["description"] == " ".join(HOSTILE_DESCRIPTION.split())

    created = fetch(base + "/api/notes", "POST", {"title": "Milk", "body": "2 litres"})
    assert created.status == 201
    note = body(created)
    assert created.headers["location"].endswith(f"/api/notes/{note['id']}")
    url = base + f"/api/notes/{note['id']}"

    assert body(fetch(url)) == note
    patched = fetch(url, "PATCH", {"body": "3 litres"})
    assert (patched.status, body(patched)["body"]) == (200, "3 litres")
    replaced = fetch(url, "PUT", {"title": "Oat milk"})
    assert (body(replaced)["title"], body(replaced)["body"]) == ("Oat milk", "")
    listing = body(fetch(base + "/api/notes?per_page=1"))
    assert (listing["per_page"], len(listing["items"])) == (1, 1)
    assert listing["total"] >= 1

    invalid = fetch(base + "/api/notes", "POST", {"body": "no title"})
    assert_json_error(invalid, 422)
    assert body(invalid)["fields"] == {"title": ["Missing data for required field."]}

    assert fetch(url, "DELETE").status == 204
    assert_json_error(fetch(url), 404)
    assert_json_error(fetch(base + "/no/such/path"), 404)
    wrong_method = fetch(base + "/api/notes", "DELETE")
    assert_json_error(wrong_method, 405)
    assert "POST" in wrong_method.headers["allow"]
    malformed = fetch(base + "/api/notes", "POST", data=b"{oops", headers={"Content-Type": "application/json"})
    assert_json_error(malformed, 400)
    # Chunked, so no Content-Length: valid JSON in the first MiB must not pass for the body.
    streamed = fetch(
        base + "/api/notes",
        "POST",
        data=b'{"title": "cut short"}' + b" " * 2**20 + b"!",
        headers={"Content-Type": "application/json", "Transfer-Encoding": "chunked"},
    )
    assert_json_error(streamed, 413)
    assert_json_error(fetch(base + "/", headers={"Host": "evil.example"}), 400)
    assert fetch(base + "/health", headers={"Host": "10.0.3.7:8000"}).status == 200


def test_gunicorn_from_the_procfile_serves_the_api_on_sqlite(project: Path) -> None:
    with serve(project) as base:
        check_api(base)


def test_the_same_on_postgresql(project: Path, postgres: PostgresServer) -> None:
    url = postgres.new_database()
    # Migrate with a postgresql:// URL; serve with the postgres:// spelling platforms use.
    bash(project, procfile_command(project, "release"), {"DATABASE_URL": url})
    check = bash(project, f"flask --app {PROJECT} db check", {"DATABASE_URL": url})
    assert "No new upgrade operations detected" in check
    with serve(project, {"DATABASE_URL": url.replace("postgresql://", "postgres://", 1)}) as base:
        check_api(base)
        assert fetch(base + "/api/notes", "POST", {"title": "kept in PostgreSQL"}).status == 201

    stored = python(project, READ_POSTGRES, {"DATABASE_URL": url})
    assert MIGRATION_HEAD in stored
    assert "kept in PostgreSQL" in stored


@pytest.mark.parametrize("process", ["web", "release"])
def test_production_without_secret_key_refuses_to_start(project: Path, process: str) -> None:
    # SECRET_KEY set but empty, so the .env file cannot fill it in.
    result = run_procfile(project, process, {"SECRET_KEY": ""})
    assert result.returncode != 0
    assert "Error: SECRET_KEY is not set." in result.stderr
    assert "Traceback" not in result.stderr
