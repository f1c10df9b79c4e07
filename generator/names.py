"""Project and package names: what is allowed, and what to suggest instead."""

from __future__ import annotations

import keyword
import re
import sys

DIST_NAME = re.compile(r"[a-z][a-z0-9_-]{0,49}\Z")
PACKAGE_NAME = re.compile(r"[a-z][a-z0-9_]{0,49}\Z")

# Import names of the generated projects' dependencies and of the folders the
# templates create beside the package: a package with one of these names would
# shadow the real module or clash with the project's own layout.
TAKEN = frozenset(
    {
        "flask",
        "flask_sqlalchemy",
        "flask_migrate",
        "flask_login",
        "flask_wtf",
        "flask_limiter",
        "sqlalchemy",
        "alembic",
        "werkzeug",
        "jinja2",
        "markupsafe",
        "itsdangerous",
        "click",
        "wtforms",
        "limits",
        "blinker",
        "django",
        "rest_framework",
        "drf_spectacular",
        "drf_spectacular_sidecar",
        "django_filters",
        "whitenoise",
        "dj_database_url",
        "gunicorn",
        "psycopg",
        "psycopg2",
        "dotenv",
        "pytest",
        "pytest_django",
        "ruff",
        "yaml",
        "email_validator",
        "asgiref",
        "sqlparse",
        "config",
        "tests",
        "test",
        "migrations",
        "instance",
        "static",
        "templates",
        "accounts",
        "catalog",
        "pages",
        "app",
        "site",
        "setup",
        "manage",
        "axes",
        "staticfiles",
        "build",
        "dist",
        "venv",
        "media",
        "htmlcov",
        "pre_commit",
        "pre_commit_hooks",
        "inflection",
        "uritemplate",
        "jsonschema",
        "referencing",
        "attrs",
        "packaging",
        "pluggy",
        "iniconfig",
        "pygments",
        "flit_core",
        "setuptools",
        "pip",
        "wheel",
    }
)


def package_name_for(project_name: str) -> str:
    """The import name derived from a distribution name."""
    return project_name.replace("-", "_")


def suggestion(name: str) -> str:
    return f"{name}_app" if PACKAGE_NAME.match(f"{name}_app") else "my_project"


def project_name_problem(name: str) -> str | None:
    """Why name cannot be a project (distribution) name, or None."""
    if not DIST_NAME.match(name):
        return (
            f"project name {name!r} must be lowercase letters, digits, '-' and '_', "
            "starting with a letter, at most 50 characters (for example my-shop)"
        )
    return package_name_problem(package_name_for(name))


def package_name_problem(name: str) -> str | None:
    """Why name cannot be the project's Python package name, or None."""
    if not PACKAGE_NAME.match(name):
        return (
            f"package name {name!r} must be lowercase letters, digits and '_', "
            "starting with a letter, at most 50 characters (for example my_shop)"
        )
    if keyword.iskeyword(name) or keyword.issoftkeyword(name):
        kind = "a Python keyword"
    elif name in sys.stdlib_module_names:
        kind = "a standard-library module"
    elif name in TAKEN:
        kind = "a module the generated project already uses"
    else:
        return None
    return f"{name!r} is {kind}; choose another name, for example {suggestion(name)!r}"
