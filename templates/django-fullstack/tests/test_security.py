"""Production behaviour: settings, headers, HTTPS, proxies."""

import os
import secrets
import subprocess
import sys

import pytest
from django.conf import settings as django_settings
from django.test import RequestFactory
from django.urls import reverse
from django.utils.module_loading import import_string

from config.env import database_config

pytestmark = pytest.mark.django_db


def manage(*args, **env):
    """Run manage.py in a fresh process with these environment variables on top."""
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=django_settings.BASE_DIR,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def production_env(**overrides):
    env = {
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "example.com",
    }
    env.update(overrides)
    return env


def test_production_refuses_to_start_without_a_secret_key():
    result = manage("check", **production_env(SECRET_KEY=""))
    assert result.returncode == 1
    assert result.stderr.startswith("Error: SECRET_KEY is not set.")
    assert "Traceback" not in result.stderr


def test_the_deployment_checklist_passes_with_production_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **production_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_a_bad_admin_url_is_refused():
    result = manage("check", **production_env(ADMIN_URL="https://elsewhere/"))
    assert result.returncode == 1
    assert result.stderr.startswith("Error: ADMIN_URL must be a path")


def test_plain_http_is_redirected_to_https_except_health(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    response = client.get(reverse("home"))
    assert response.status_code == 301
    assert response.url == "https://testserver/"
    assert client.get("/health").status_code == 200


def test_the_proxy_header_is_trusted_only_behind_a_proxy(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    forwarded = {"X-Forwarded-Proto": "https"}
    settings.SECURE_PROXY_SSL_HEADER = None
    assert client.get(reverse("home"), headers=forwarded).status_code == 301
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    assert client.get(reverse("home"), headers=forwarded).status_code == 200


def test_pages_carry_security_headers(client, settings):
    settings.SECURE_HSTS_SECONDS = 3600
    response = client.get(reverse("home"), secure=True)
    assert response.headers["Strict-Transport-Security"] == (
        "max-age=3600; includeSubDomains"
    )
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"
    policy = response.headers.get("Content-Security-Policy") or response.headers.get(
        "Content-Security-Policy-Report-Only"
    )
    assert "script-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy


@pytest.mark.parametrize(
    "url",
    [
        "postgres://u:p@db.internal:5432/shop",
        "postgresql://u:p@db.internal:5432/shop",
        "postgresql+psycopg://u:p@db.internal:5432/shop",
    ],
)
def test_postgres_urls_select_the_postgresql_backend(url):
    config = database_config(url)
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert (config["HOST"], config["PORT"], config["NAME"]) == (
        "db.internal",
        5432,
        "shop",
    )


@pytest.mark.parametrize(
    ("behind_proxy", "expected"), [(False, "10.0.0.2"), (True, "203.0.113.9")]
)
def test_sign_in_limits_count_against_the_real_client(settings, behind_proxy, expected):
    settings.BEHIND_PROXY = behind_proxy
    client_ip = import_string(settings.AXES_CLIENT_IP_CALLABLE)
    request = RequestFactory().get(
        "/",
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="198.51.100.1, 203.0.113.9",
    )
    assert client_ip(request) == expected
