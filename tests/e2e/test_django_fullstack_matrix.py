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
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import pytest

from tests.support.harness import generate, readme_block, run_bash

pytestmark = pytest.mark.e2e

TEMPLATE = "django-fullstack"
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
    ("lifespan", "short"): ([], [".github/dependabot.yml"]),
    ("lifespan", "months"): ([], [".github/dependabot.yml"]),
}
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
    assert_clean(project)


@pytest.mark.parametrize(("answer", "value"), list(ONE_FACTOR), ids=[f"{k}={v}" for k, v in ONE_FACTOR])
def test_one_answer_changed_from_the_base(tmp_path: Path, answer: str, value: str) -> None:
    project = render(tmp_path / "variant", {**BASE, answer: value})
    files = project_files(project)
    present, absent = ONE_FACTOR[(answer, value)]
    assert set(present) <= files, set(present) - files
    assert not set(absent) & files, set(absent) & files
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
