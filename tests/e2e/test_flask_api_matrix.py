"""flask-api: every answer changes what is rendered (features.md), proved by running it.

Matrix (one factor at a time from purpose=api data=few accounts=none, folded into five
projects so every value of purpose, data, accounts and lifespan is set up, tested, linted
and type-checked at least once): each renders, sets up as its README says, passes its own
tests, ruff, and mypy where lifespan=years.

Expensive proofs (gunicorn from the Procfile, HTTP, schemathesis with every check):
- roles: purpose=api data=many accounts=roles on PostgreSQL: CRUD with a token, 401
  without (with WWW-Authenticate), 403 for a member, migrations from the release line.
- model: purpose=model-service data=none accounts=none: prediction, batch, health, /docs
  in Chromium under its CSP (no inline code), no database file anywhere, nothing SQL
  installed or imported.
- login: purpose=api data=few accounts=login under 3 workers: failed POST /api/tokens are
  refused with 429 after exactly the limits .env.example documents, per account and per
  address, across workers; a spoofed X-Forwarded-For buys no extra guesses.
- oidc: accounts=external against the real OpenID provider: its token accepted, an altered
  and an expired one refused with 401.
"""

from __future__ import annotations

import base64
import re
from pathlib import Path
from typing import Any

import pytest

from tests.support.browser import swagger_ui_runs_under_its_policy
from tests.support.harness import bash, fetch, generate, procfile_command, python, readme_block, run_bash, serve
from tests.support.schema_fuzz import run_schemathesis
from tests.support.services import PostgresServer

pytestmark = pytest.mark.e2e

PROJECT = "matrix_api"
MATRIX: dict[str, dict[str, str]] = {
    "roles": {"purpose": "api", "data": "many", "accounts": "roles", "lifespan": "years"},
    "model": {"purpose": "model-service", "data": "none", "accounts": "none", "lifespan": "years"},
    "oidc": {"purpose": "api", "data": "few", "accounts": "external", "lifespan": "short"},
    "login": {"purpose": "api", "data": "few", "accounts": "login", "lifespan": "months"},
    "userstore": {"purpose": "microservice", "data": "none", "accounts": "login", "lifespan": "months"},
}
SQL_FILES = ("migrations", "{package}/models.py", "{package}/extensions.py")
SETOSA = {"sepal_length": 5.1, "sepal_width": 3.5, "petal_length": 1.4, "petal_width": 0.2}


@pytest.fixture(scope="module")
def projects(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Each answer set rendered (lazily set up by `project`)."""
    root = tmp_path_factory.mktemp("flask-api-matrix")
    return {
        name: generate(root / name / PROJECT, "flask-api", {"project_name": PROJECT, **answers})
        for name, answers in MATRIX.items()
    }


_ready: set[Path] = set()


def project(projects: dict[str, Path], name: str) -> Path:
    dest = projects[name]
    if dest not in _ready:
        run_bash(dest, readme_block(dest, "Set up"))
        _ready.add(dest)
    return dest


@pytest.mark.parametrize("name", list(MATRIX))
def test_renders_sets_up_and_passes_its_own_checks(projects: dict[str, Path], name: str) -> None:
    dest = project(projects, name)
    for path in dest.rglob("*"):
        if ".venv" not in path.parts and path.is_file() and path.suffix in {".py", ".toml", ".md", ".yml"}:
            text = path.read_text(encoding="utf-8")
            assert not re.findall(r"(?<!\$)\{\{|\{%", text), f"{path} holds template syntax"
    output = bash(dest, readme_block(dest, "Tests"))
    assert re.search(r"\d+ passed", output) and " failed" not in output, output
    assert "All checks passed!" in output and "already formatted" in output
    if MATRIX[name]["lifespan"] == "years":
        assert "Success: no issues found" in output
        assert (dest / ".github" / "dependabot.yml").is_file()
    else:
        assert not (dest / ".github" / "dependabot.yml").exists()


def test_data_none_has_no_sql_layer_at_all(projects: dict[str, Path]) -> None:
    dest = project(projects, "model")
    for name in SQL_FILES:
        assert not (dest / name.format(package=PROJECT)).exists(), name
    assert "release:" not in (dest / "Procfile").read_text()
    pyproject = (dest / "pyproject.toml").read_text()
    assert "sqlalchemy" not in pyproject.lower() and "migrate" not in pyproject.lower()


def test_a_user_store_only_when_accounts_need_one(projects: dict[str, Path]) -> None:
    dest = projects["userstore"]
    tables = re.findall(
        r'create_table\(\s*"(\w+)"',
        "".join(path.read_text() for path in (dest / "migrations" / "versions").glob("*.py")),
    )
    assert sorted(tables) == ["sign_in_failures", "tokens", "users"]
    assert "users" in (dest / "README.md").read_text() and "data=none" in (dest / "README.md").read_text()


def test_serving_workers_do_not_import_alembic(projects: dict[str, Path]) -> None:
    dest = project(projects, "login")
    code = (
        f"import sys\nfrom {PROJECT} import create_app\ncreate_app()\n"
        "print(sorted(m for m in sys.modules if m.startswith(('alembic', 'flask_migrate'))))"
    )
    assert python(dest, code, {"SECRET_KEY": "x"}).strip().endswith("[]")


def json_of(response: Any) -> Any:
    return response.json()


def assert_refused(response: Any, status: int) -> None:
    assert response.status == status, response.text
    assert json_of(response)["status"] == status
    if status == 401:
        assert response.headers["www-authenticate"].startswith("Bearer")


def test_roles_on_postgresql_under_gunicorn(projects: dict[str, Path], postgres: PostgresServer) -> None:
    dest = project(projects, "roles")
    env = {"DATABASE_URL": postgres.new_database()}
    # The project's own suite honours DATABASE_URL, on PostgreSQL, in a database of its own
    # (it builds and drops its schema, migrations included, as a CI job would).
    bash(dest, ".venv/bin/python -m pytest -q -p no:cacheprovider", {"DATABASE_URL": postgres.new_database()})
    bash(dest, procfile_command(dest, "release"), env)
    for name, role in (("ada", "admin"), ("bob", "member")):
        run_bash(dest, f".venv/bin/flask --app {PROJECT} users create {name} --role {role} --password pw-{name}", env)
    with serve(dest, env) as base:
        admin, member = (token(base, name) for name in ("ada", "bob"))
        created = fetch(base + "/api/notes", "POST", {"title": "Milk"}, headers=admin)
        assert created.status == 201, created.text
        url = base + f"/api/notes/{json_of(created)['id']}"
        assert_refused(fetch(base + "/api/notes", "POST", {"title": "x"}), 401)
        assert_refused(fetch(url, "DELETE", headers=member), 403)
        assert_refused(fetch(base + "/api/users", headers=member), 403)
        assert fetch(url, "PATCH", {"body": "2 l"}, headers=member).status == 200
        assert fetch(url, "DELETE", headers=admin).status == 204
        assert fetch(base + "/health", headers={"Host": "10.0.3.7:8000"}).status == 200
        for path in ("/api/notes/2147483648", "/api/notes/99999999999999999999999"):
            assert fetch(base + path).status == 404
        assert (
            fetch(
                base + "/api/notes",
                "POST",
                data=b'{"title": "a\\u0000b"}',
                headers={**admin, "Content-Type": "application/json"},
            ).status
            == 422
        )
        docs = fetch(base + "/docs")
        assert docs.status == 200 and not re.search(r'(?:src|href)="(?:https?:)?//', docs.text)
        result = run_schemathesis(base, schema_path="/openapi.json", headers=admin, max_examples=15, time_limit_s=240)
        assert result.ok, result.report()


def basic(name: str, password: str) -> dict[str, str]:
    pair = base64.b64encode(f"{name}:{password}".encode()).decode()
    return {"Authorization": f"Basic {pair}"}


def token(base: str, name: str) -> dict[str, str]:
    reply = fetch(base + "/api/tokens", "POST", headers=basic(name, f"pw-{name}"))
    assert reply.status == 201, reply.text
    return {"Authorization": f"Bearer {json_of(reply)['token']}"}


def documented_limit(dest: Path, name: str) -> int:
    match = re.search(rf"^# {name}=(\d+)$", (dest / ".env.example").read_text(), re.MULTILINE)
    assert match, f".env.example documents no {name}"
    return int(match.group(1))


def test_token_sign_in_limits_hold_across_three_workers(projects: dict[str, Path]) -> None:
    dest = project(projects, "login")
    per_account = documented_limit(dest, "SIGN_IN_FAILURES_PER_ACCOUNT")
    per_address = documented_limit(dest, "SIGN_IN_FAILURES_PER_ADDRESS")
    env = {"WEB_CONCURRENCY": "3", "DATABASE_URL": f"sqlite:///{dest / 'instance' / 'limits.sqlite3'}"}
    bash(dest, procfile_command(dest, "release"), env)
    run_bash(dest, f".venv/bin/flask --app {PROJECT} users create ada --password pw-ada", env)
    with serve(dest, env) as base:

        def attempt(name: str, password: str = "wrong", **headers: str) -> Any:  # noqa: S107
            # A new connection each time, so gunicorn's 3 workers share the attempts.
            return fetch(base + "/api/tokens", "POST", headers={**basic(name, password), **headers})

        statuses = [attempt("ada").status for _ in range(per_account + 2)]
        assert statuses == [401] * per_account + [429] * 2
        locked = attempt("ada", "pw-ada")
        assert locked.status == 429 and int(locked.headers["retry-after"]) > 0, locked.text
        # Rotating X-Forwarded-For from a direct client (no BEHIND_PROXY) is no new address.
        spoofed = [
            attempt(f"ghost{n}", **{"X-Forwarded-For": f"198.51.100.{n}"}).status
            for n in range(per_address - per_account + 1)
        ]
        assert spoofed == [401] * (per_address - per_account) + [429]


def test_model_service_without_a_database(projects: dict[str, Path], browser: Any) -> None:
    dest = project(projects, "model")
    with serve(dest) as base:
        swagger_ui_runs_under_its_policy(browser, base, "/docs", "/api/predict")
        health = fetch(base + "/health")
        assert (health.status, json_of(health)) == (200, {"status": "ok", "model": "ok"})
        one = fetch(base + "/api/predict", "POST", SETOSA)
        assert one.status == 200 and json_of(one)["label"] == "setosa"
        assert one.headers["server-timing"].startswith("predict;dur=")
        batch = fetch(base + "/api/predict/batch", "POST", {"items": [SETOSA] * 3})
        assert [p["label"] for p in json_of(batch)["predictions"]] == ["setosa"] * 3
        assert fetch(base + "/api/predict/batch", "POST", {"items": [SETOSA] * 101}).status == 422
        result = run_schemathesis(base, schema_path="/openapi.json", max_examples=25, time_limit_s=180)
        assert result.ok, result.report()
    # Tool caches (mypy keeps an SQLite cache) and the virtual environment are not the app's.
    leftovers = [
        p
        for p in dest.rglob("*")
        if p.suffix in {".sqlite3", ".db", ".sqlite"}
        and not any(part.startswith(".") for part in p.relative_to(dest).parts)
    ]
    assert leftovers == []
    installed = bash(dest, ".venv/bin/python -m pip list --format=freeze").lower()
    assert "sqlalchemy" not in installed and "alembic" not in installed


def test_oidc_tokens_from_the_real_provider(projects: dict[str, Path]) -> None:
    from tests.support.oidc import Client, oidc_provider, tamper

    dest = project(projects, "oidc")
    audience = "api://matrix"
    with oidc_provider(clients=[Client("svc", "svc-secret", redirect_uris=[])], audience=audience) as op:
        env = {"OIDC_ISSUER": op.issuer, "OIDC_AUDIENCE": audience}
        bash(dest, procfile_command(dest, "release"), env)
        with serve(dest, env) as base:
            good = op.access_token("svc", "svc-secret", audience=audience)
            me = fetch(base + "/api/me", headers={"Authorization": f"Bearer {good}"})
            assert me.status == 200, me.text
            assert json_of(me)["sub"] == "svc"
            created = fetch(base + "/api/notes", "POST", {"title": "t"}, headers={"Authorization": f"Bearer {good}"})
            assert created.status == 201
            expired = op.expired_access_token("svc", "svc-secret")
            for bad in (tamper(good), expired, good + "x"):
                assert_refused(
                    fetch(base + "/api/notes", "POST", {"title": "t"}, headers={"Authorization": f"Bearer {bad}"}), 401
                )
            assert_refused(fetch(base + "/api/notes", "POST", {"title": "t"}), 401)
