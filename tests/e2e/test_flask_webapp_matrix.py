"""flask-webapp, one answer at a time: every answer set in the matrix renders, sets up as its
README says, passes its own tests, ruff (and mypy where lifespan=years), and its migrations
match its models. What each answer must bring is checked on the files themselves.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.support.browser import swagger_ui_runs_under_its_policy
from tests.support.flask_webapp import PROJECT, VARIANTS, project_for, serve_on
from tests.support.harness import bash, committed_text, fetch, python, readme_block
from tests.support.schema_fuzz import run_schemathesis

pytestmark = pytest.mark.e2e

# What each variant must (True) or must not (False) contain, by committed path.
EXPECTED_FILES: dict[str, dict[str, bool]] = {
    "login-few": {
        f"{PROJECT}/auth/views.py": True,
        f"{PROJECT}/projects/views.py": True,
        f"{PROJECT}/admin.py": False,
        f"{PROJECT}/roles.py": False,
        "migrations/versions/0003_tasks.py": False,
        ".github/dependabot.yml": False,
    },
    "roles-admin-many-years": {
        f"{PROJECT}/roles.py": True,
        f"{PROJECT}/admin.py": True,
        "migrations/versions/0003_tasks.py": True,
        ".github/dependabot.yml": True,
    },
    "external-few": {
        f"{PROJECT}/auth/oidc.py": True,
        f"{PROJECT}/auth/views.py": False,
        f"{PROJECT}/mail.py": False,
    },
    "none-none": {
        f"{PROJECT}/auth/__init__.py": False,
        f"{PROJECT}/models.py": False,
        "migrations/env.py": False,
        f"{PROJECT}/admin.py": False,
    },
    "staff-only": {
        f"{PROJECT}/admin.py": True,
        f"{PROJECT}/auth/views.py": True,
        f"{PROJECT}/templates/auth/register.html": False,
        f"{PROJECT}/projects/views.py": False,
    },
    "login-no-data": {
        f"{PROJECT}/auth/views.py": True,
        f"{PROJECT}/projects/views.py": False,
        "migrations/versions/0001_users.py": True,
        "migrations/versions/0002_projects.py": False,
    },
    "model-staff": {
        f"{PROJECT}/predict.py": True,
        f"{PROJECT}/openapi.py": True,
        f"{PROJECT}/classifier.py": True,
        f"{PROJECT}/model.json": True,
        f"{PROJECT}/static/api-docs.js": True,
        "tests/test_predict.py": True,
        f"{PROJECT}/admin.py": True,
        f"{PROJECT}/projects/views.py": False,
    },
}
DEPENDENCIES = {
    "none-none": {
        "flask-sqlalchemy": False,
        "flask-login": False,
        "flask-admin": False,
        "authlib": False,
        "flask-smorest": False,
    },
    "model-staff": {"flask-smorest": True, "swagger-ui-bundle": True, "flask-admin": True},
    "external-few": {"authlib": True, "flask-limiter": False},
    "roles-admin-many-years": {"flask-admin": True, "mypy": True},
    "staff-only": {"flask-admin": True, "flask-login": True},
}


@pytest.fixture(scope="module", params=list(VARIANTS))
def variant(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    name = str(request.param)
    return name, project_for(name, tmp_path_factory.getbasetemp() / "flask-webapp")


def has_database(files: dict[str, str]) -> bool:
    return "migrations/env.py" in files


def test_the_answers_bring_their_files_and_dependencies(variant: tuple[str, Path]) -> None:
    name, project = variant
    files = committed_text(project)
    for path, present in EXPECTED_FILES[name].items():
        assert (path in files) is present, f"{name}: {path} should {'' if present else 'not '}be there"
    dependencies = files["pyproject.toml"].split("[tool.setuptools")[0]
    for package, present in DEPENDENCIES.get(name, {}).items():
        assert (f'"{package}' in dependencies) is present, f"{name}: {package}"
    release = "release:" in files["Procfile"]
    assert release is has_database(files)
    assert ("sqlalchemy" in dependencies) is has_database(files)


def test_its_own_tests_and_linters_pass(variant: tuple[str, Path]) -> None:
    name, project = variant
    output = bash(project, readme_block(project, "Tests"))
    summary = re.search(r"(\d+) passed(.*) in ([\d.]+)s", output)
    assert summary, output
    assert "failed" not in summary[2] and "error" not in summary[2] and "skipped" not in summary[2]
    assert "All checks passed!" in output
    assert "already formatted" in output
    if VARIANTS[name].get("lifespan") == "years":
        assert "Success: no issues found" in output


def test_migrations_match_the_models(variant: tuple[str, Path]) -> None:
    _, project = variant
    if not has_database(committed_text(project)):
        assert "flask db" not in (project / "README.md").read_text(encoding="utf-8")
        return
    output = bash(project, f".venv/bin/flask --app {PROJECT} db check")
    assert "No new upgrade operations detected" in output
    heads = bash(project, f".venv/bin/flask --app {PROJECT} db heads")
    assert heads.count("(head)") == 1


def test_setup_and_tests_leave_the_git_tree_clean(variant: tuple[str, Path]) -> None:
    _, project = variant
    assert bash(project, "git status --porcelain") == ""


def test_serving_workers_import_no_alembic(variant: tuple[str, Path]) -> None:
    # What gunicorn's workers load (the Procfile's wsgi:app); `flask db` still has it.
    _, project = variant
    code = (
        f"import sys\nimport {PROJECT}.wsgi\n"
        "print('loaded:', sorted(m for m in sys.modules if m.startswith(('alembic', 'flask_migrate'))))"
    )
    # Warnings the app logs (say, OpenID Connect not configured) may share the output.
    assert "loaded: []" in python(project, code, {"SECRET_KEY": "x"}).splitlines()


def test_the_prediction_api_serves_its_document_and_docs_under_gunicorn(
    tmp_path_factory: pytest.TempPathFactory, browser: Any
) -> None:
    """The model service with staff screens: predictions, a local Swagger UI that the site's
    strict CSP lets run, and Schemathesis with every check finding nothing."""
    project = project_for("model-staff", tmp_path_factory.getbasetemp() / "flask-webapp")
    with serve_on(project, env={"WEB_CONCURRENCY": "2"}) as (base, _):
        flower = {"sepal_length": 6.7, "sepal_width": 3.0, "petal_length": 5.6, "petal_width": 2.2}
        answer = fetch(base + "/api/predict", "POST", json_body=flower)
        assert answer.status == 200 and answer.json()["label"] == "virginica", answer.text
        assert "server-timing" in answer.headers
        assert fetch(base + "/openapi.json").json()["openapi"].startswith("3.")

        swagger_ui_runs_under_its_policy(browser, base, "/api/docs", "/api/predict")

        result = run_schemathesis(base, max_examples=15, time_limit_s=300)
        assert result.ok, result.report()
