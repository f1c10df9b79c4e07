"""django-fullstack, one answer at a time: every value of every requirement answer renders
a project with exactly the parts that answer asks for, and nothing left of the others.

Rendering and linting every variant is cheap, so every value is covered here. Setting a
project up and running its own tests costs a minute or more, so that runs on a few rich
variants: the base project in test_django_fullstack.py (business app with roles, admin,
related models), the API-only and OpenID Connect projects in
test_django_fullstack_variants.py, and the two below.
"""

from __future__ import annotations

import re
import secrets
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import pytest

from tests.support.harness import bash, fetch, generate, readme_block, run_bash, serve
from tests.support.schema_fuzz import run_schemathesis

pytestmark = pytest.mark.e2e

TEMPLATE = "django-fullstack"
# Schemathesis sends hundreds of requests from one address within a minute: a higher
# anonymous API limit lets its cases reach the views. The limit's 429 is declared in the
# document, and test_scale.py proves the limit itself.
FUZZING_LIMITS = {"API_ANON_RATE_LIMIT": "100000/hour"}
PACKAGE = "shop"
BASE = {
    "purpose": "business-app",
    "pages": "yes",
    "accounts": "roles",
    "admin": "yes",
    "data": "many",
    "lifespan": "years",
    "stack_control": "no",
}
# (answer, value): files that must be there, files that must not.
ONE_FACTOR = {
    ("pages", "no"): (["config/views.py"], ["shop/pages/views.py", "shop/pages/templates/base.html"]),
    ("accounts", "none"): ([], ["shop/accounts/urls.py", "shop/accounts/views.py", "tests/test_accounts.py"]),
    ("accounts", "login"): (
        ["shop/accounts/views.py", "shop/accounts/templates/accounts/login.html", "tests/test_accounts.py"],
        ["shop/accounts/migrations/0002_groups.py", "tests/test_roles.py"],
    ),
    ("accounts", "external"): (
        ["shop/accounts/oidc.py", "tests/test_oidc.py"],
        ["shop/accounts/views.py", "shop/accounts/migrations/0002_groups.py"],
    ),
    ("admin", "no"): ([], ["shop/accounts/admin.py", "shop/catalog/admin.py", "tests/test_admin.py"]),
    ("data", "none"): (
        ["shop/accounts/migrations/0002_groups.py"],
        ["shop/catalog/models.py", "tests/test_catalog.py"],
    ),
    ("data", "few"): (["shop/catalog/models.py"], ["shop/catalog/migrations/0003_category.py"]),
    ("purpose", "model-service"): (
        ["shop/predictions/views.py", "shop/predictions/model.json", "tests/test_predict.py"],
        [],
    ),
    ("lifespan", "short"): ([], [".github/dependabot.yml"]),
    ("lifespan", "months"): ([], [".github/dependabot.yml"]),
}
FORWARDED = {"X-Forwarded-Proto": "https"}
BASE_FILES = [
    "shop/accounts/migrations/0002_groups.py",
    "shop/catalog/migrations/0003_category.py",
    "shop/catalog/admin.py",
    "shop/pages/views.py",
    "tests/test_roles.py",
    ".github/dependabot.yml",
    "config/health.py",
    "tests/test_migrations.py",
]


def render(dest: Path, answers: Mapping[str, str]) -> Path:
    return generate(dest, TEMPLATE, {**answers, "project_name": PACKAGE}, "--no-git")


def project_files(project: Path) -> set[str]:
    return {
        str(path.relative_to(project)) for path in project.rglob("*") if path.is_file() and ".git" not in path.parts
    }


def ruff(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ruff", *args, "--no-cache", "."],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )


def assert_clean(project: Path) -> None:
    """Python that compiles, no Jinja left anywhere, ruff check and format clean."""
    for path in project.rglob("*"):
        if not path.is_file() or ".git" in path.parts or path.suffix in {".ico", ".png"}:
            continue
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".py":
            compile(text, str(path), "exec")
        # Django's own templates use {% %} and {{ }}; test_pages.py has hostile text.
        if path.suffix not in {".html", ".txt"}:
            text = text.replace("{{ 7*7 }}", "")
            assert not re.findall(r"(?<!\$)\{\{|\{%|\{#", text), path
    checked = ruff(project, "check")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    formatted = ruff(project, "format", "--check")
    assert formatted.returncode == 0, formatted.stdout + formatted.stderr


def test_the_base_variant_has_every_optional_part(tmp_path: Path) -> None:
    project = render(tmp_path / "base", BASE)
    files = project_files(project)
    assert set(BASE_FILES) <= files
    # purpose=business-app: no prediction API, no model setting.
    assert not any(f.startswith("shop/predictions/") for f in files)
    assert "MODEL_PATH" not in (project / "config/settings.py").read_text()
    assert_clean(project)


@pytest.mark.parametrize(("answer", "value"), list(ONE_FACTOR), ids=[f"{k}={v}" for k, v in ONE_FACTOR])
def test_one_answer_changed_from_the_base(tmp_path: Path, answer: str, value: str) -> None:
    project = render(tmp_path / "variant", {**BASE, answer: value})
    files = project_files(project)
    present, absent = ONE_FACTOR[(answer, value)]
    assert set(present) <= files, set(present) - files
    assert not set(absent) & files, set(absent) & files
    assert_clean(project)


def test_a_model_service_without_pages_is_api_only_and_clean(tmp_path: Path) -> None:
    answers = {"purpose": "model-service", "pages": "no", "accounts": "roles", "lifespan": "years"}
    project = render(tmp_path / "api", answers)
    files = project_files(project)
    assert {"shop/predictions/views.py", "tests/test_predict.py", "config/views.py"} <= files
    assert not any(f.startswith("shop/pages/") for f in files)
    assert_clean(project)


# Set up as the README says, then the project's own tests, lint and migrations ---------

FULL_RUNS = {
    # The defaults for a website: sign-up and sign-in, one model, no admin.
    "website": {"purpose": "website"},
    # A contradiction resolved: roles without data keep only the user store.
    "roles-without-data": {"purpose": "website", "accounts": "roles", "data": "none", "lifespan": "short"},
}


@pytest.mark.parametrize("name", list(FULL_RUNS))
def test_the_project_sets_up_and_passes_its_own_checks(tmp_path: Path, name: str) -> None:
    project = generate(tmp_path / name, TEMPLATE, {**FULL_RUNS[name], "project_name": PACKAGE})
    run_bash(project, readme_block(project, "Set up"))
    result = run_bash(project, readme_block(project, "Tests"))
    output = result.stdout + result.stderr
    assert re.search(r"\d+ passed", output) and " failed" not in output, output[-4000:]
    assert "All checks passed!" in output
    assert "No changes detected" in output


# A model service with staff screens, proved under gunicorn ------------------------------

MODEL_SERVICE = {"purpose": "model-service", "pages": "yes", "admin": "yes"}
SETOSA = {"sepal_length": 5.1, "sepal_width": 3.5, "petal_length": 1.4, "petal_width": 0.2}


def test_a_model_service_with_staff_screens_serves_predictions(tmp_path: Path) -> None:
    """pages=yes admin=yes (accounts=none, data=none): set up as the README says, its own
    checks pass; then gunicorn from the Procfile answers predictions, and Schemathesis
    (every check) finds nothing against the live /openapi.json."""
    project = generate(tmp_path / "model", TEMPLATE, {**MODEL_SERVICE, "project_name": PACKAGE})
    run_bash(project, readme_block(project, "Set up"))
    result = run_bash(project, readme_block(project, "Tests"))
    output = result.stdout + result.stderr
    assert re.search(r"\d+ passed", output) and " failed" not in output, output[-4000:]
    assert "All checks passed!" in output and "No changes detected" in output

    env = {
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "BEHIND_PROXY": "1",
        "WEB_CONCURRENCY": "2",
        **FUZZING_LIMITS,
    }
    bash(project, "python manage.py migrate --noinput && python manage.py collectstatic --noinput", env)
    with serve(project, env) as base:
        one = fetch(base + "/api/predict", "POST", SETOSA, headers=FORWARDED)
        assert one.status == 200, one.text
        assert one.json()["label"] == "setosa"
        assert one.headers["server-timing"].startswith("predict;dur=")
        batch = fetch(base + "/api/predict/batch", "POST", {"items": [SETOSA] * 3}, headers=FORWARDED)
        assert [p["label"] for p in batch.json()["predictions"]] == ["setosa"] * 3
        too_many = fetch(base + "/api/predict/batch", "POST", {"items": [SETOSA] * 101}, headers=FORWARDED)
        assert too_many.status == 400 and "items" in too_many.json()
        assert fetch(base + "/admin/", headers=FORWARDED).status == 302  # staff sign in first
        assert fetch(base + "/", headers=FORWARDED).status == 200  # the pages stay

        found = run_schemathesis(base, headers=FORWARDED, max_examples=15, time_limit_s=300)
        assert found.ok, found.report()
