"""The templates newproj ships, and which framework each belongs to."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

Framework = Literal["flask", "django"]
FRAMEWORKS: tuple[Framework, ...] = ("flask", "django")
FRAMEWORK_NAMES: Mapping[str, str] = {"flask": "Flask", "django": "Django"}


@dataclass(frozen=True)
class Template:
    """A template folder under templates/ and what it is for."""

    name: str
    framework: Framework
    summary: str


TEMPLATES: tuple[Template, ...] = (
    Template(
        "flask-api", "flask", "Flask JSON API: SQLAlchemy models, Flask-Migrate, CRUD with pagination, JSON errors."
    ),
    Template(
        "flask-webapp",
        "flask",
        "Flask site with pages: sign-up and sign-in (Flask-Login), forms with CSRF, SQLAlchemy.",
    ),
    Template(
        "django-fullstack", "django", "Django 5.2 LTS: admin, custom user, REST API (DRF) with docs, pages and sign-in."
    ),
)
BY_NAME: Mapping[str, Template] = {t.name: t for t in TEMPLATES}
NAMES: tuple[str, ...] = tuple(BY_NAME)


def template_for(framework: str, pages: str) -> str:
    """The template a framework uses, given whether people use HTML pages."""
    if framework == "django":
        return "django-fullstack"
    return "flask-webapp" if pages == "yes" else "flask-api"
