"""Reading settings from environment variables (used by config/settings.py)."""

import os
import re

import dj_database_url
from django.core.exceptions import ImproperlyConfigured


class SettingsError(ImproperlyConfigured, RuntimeError):
    """A setting is missing or wrong.

    manage.py prints it as one "Error: ..." line, and so does gunicorn, which loads
    the app before starting workers (preload_app) and reports a RuntimeError that way.
    """


def env_bool(name, default=False):
    """Read a yes/no variable: 1, true, yes and on mean yes."""
    value = os.environ.get(name, "").strip().lower()
    if not value:
        return default
    return value in {"1", "true", "yes", "on"}


def env_int(name, default):
    """Read a whole-number variable."""
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, not {value!r}.") from None


def env_list(name, default=()):
    """Read a comma-separated variable as a list."""
    items = [item.strip() for item in os.environ.get(name, "").split(",")]
    return [item for item in items if item] or list(default)


def database_config(url):
    """Turn a database URL into an entry of Django's DATABASES.

    postgres://, postgresql:// and SQLAlchemy-style postgresql+psycopg:// URLs all
    select Django's PostgreSQL backend, which uses psycopg 3.
    """
    url = re.sub(r"^postgres(ql)?(\+psycopg2?)?://", "postgresql://", url.strip())
    try:
        return dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
    except ValueError as error:
        message = f"DATABASE_URL is not a usable database URL: {error}"
        raise SettingsError(message) from None
