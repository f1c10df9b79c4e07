"""Reading settings from environment variables (used by config/settings.py)."""

import ipaddress
import os
import re
from urllib.parse import unquote, urlsplit

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


RATE = re.compile(r"[1-9][0-9]*/(second|minute|hour|day|[smhd])")


def env_rate(name, default):
    """Read a request rate such as 100/minute (second, minute, hour or day)."""
    value = os.environ.get(name, "").strip() or default
    if not RATE.fullmatch(value):
        raise SettingsError(
            f"{name} must be a number of requests per second, minute, hour or day,"
            f" such as 100/minute, not {value!r}."
        )
    return value


def env_networks(name, default):
    """Read a comma-separated list of addresses or networks (10.0.0.0/8, ::1)."""
    try:
        networks = env_list(name, default)
        return [ipaddress.ip_network(item, strict=False) for item in networks]
    except ValueError as error:
        raise SettingsError(f"{name}: {error}.") from None


def database_config(url):
    """Turn a database URL into an entry of Django's DATABASES.

    postgres://, postgresql:// and SQLAlchemy-style postgresql+psycopg:// URLs all
    select Django's PostgreSQL backend, which uses psycopg 3.
    """
    url = re.sub(r"^postgres(ql)?(\+psycopg2?)?://", "postgresql://", url.strip())
    try:
        config = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
    except ValueError as error:
        message = f"DATABASE_URL is not a usable database URL: {error}"
        raise SettingsError(message) from None
    if config["ENGINE"] == "django.db.backends.postgresql":
        # Give up on a server that does not answer instead of hanging a worker.
        options = config.setdefault("OPTIONS", {})
        options.setdefault("connect_timeout", env_int("DATABASE_CONNECT_TIMEOUT", 5))
    return config


# Environment variables that only the platforms named here set, and whose router
# always sits in front of the app, ending HTTPS and writing X-Forwarded-*.
PLATFORM_MARKERS = {
    "DYNO": "Heroku",
    "RENDER": "Render",
    "FLY_APP_NAME": "Fly.io",
    "RAILWAY_ENVIRONMENT": "Railway",
}


def on_a_platform():
    """True when running on a platform whose router always fronts the app."""
    return any(os.environ.get(name) for name in PLATFORM_MARKERS)


def smtp_config(url):
    """Split an EMAIL_URL into host, port, user, password, STARTTLS and SSL flags.

    smtp://host:25, smtp+tls://user:password@host:587 (STARTTLS) and
    smtps://user:password@host:465 (TLS from the start) are understood.
    """
    parts = urlsplit(url.strip())
    if parts.scheme not in {"smtp", "smtp+tls", "smtps"} or not parts.hostname:
        raise SettingsError(
            "EMAIL_URL must look like smtp+tls://user:password@smtp.example.com:587"
            f" (schemes: smtp, smtp+tls, smtps), not {parts.scheme or url!r}."
        )
    use_ssl = parts.scheme == "smtps"
    default_port = {"smtp": 25, "smtp+tls": 587, "smtps": 465}[parts.scheme]
    return (
        parts.hostname,
        parts.port or default_port,
        unquote(parts.username or ""),
        unquote(parts.password or ""),
        parts.scheme == "smtp+tls",
        use_ssl,
    )
