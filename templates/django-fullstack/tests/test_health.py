import pytest
from django.db import OperationalError
from django.http import HttpResponse
from django.utils.cache import add_never_cache_headers

from config import health

pytestmark = pytest.mark.django_db


def test_health_reports_the_database_and_static_files(client):
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "static": "ok"}
    # As django.utils.cache.add_never_cache_headers writes them.
    never_cache = HttpResponse()
    add_never_cache_headers(never_cache)
    assert response.headers["Cache-Control"] == never_cache.headers["Cache-Control"]
    assert "Expires" in response.headers


def test_health_answers_any_host_over_plain_http(client, settings):
    # Platform probes use the instance's address and plain HTTP.
    settings.ALLOWED_HOSTS = ["example.com"]
    settings.SECURE_SSL_REDIRECT = True
    response = client.get("/health", headers={"Host": "10.0.3.7:8000"})
    assert response.status_code == 200
    assert client.get("/", headers={"Host": "10.0.3.7:8000"}).status_code == 400


def test_health_carries_the_security_headers_of_every_other_response(client, settings):
    settings.SECURE_HSTS_SECONDS = 3600
    for response in (
        client.get("/health", headers={"Host": "10.0.3.7:8000"}, secure=True),
        client.post("/health", secure=True),
    ):
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["Referrer-Policy"] == "same-origin"
        assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"
        assert response.headers["Strict-Transport-Security"].startswith("max-age=3600")
    # Over plain HTTP (a platform probe) there is no HSTS, as on any other page.
    assert "Strict-Transport-Security" not in client.get("/health").headers


class UnreachableDatabase:
    vendor = "postgresql"

    def cursor(self):
        raise OperationalError("connection refused")


def test_health_is_503_when_the_database_is_down(client, monkeypatch):
    monkeypatch.setattr(health, "connection", UnreachableDatabase())
    response = client.get("/health")
    assert response.status_code == 503
    assert response.json()["database"] == "unavailable"


def test_health_is_503_when_redis_does_not_answer(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    response = client.get("/health")
    assert response.status_code == 503
    assert response.json() == {
        "status": "error",
        "database": "ok",
        "static": "ok",
        "redis": "unavailable",
    }


@pytest.fixture
def nothing_collected(settings, tmp_path):
    """Production's static files storage, with an empty STATIC_ROOT."""
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {
            "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        },
    }


@pytest.mark.usefixtures("nothing_collected")
def test_health_is_503_when_static_files_were_not_collected(client):
    response = client.get("/health")
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "ok", "static": "missing"}


@pytest.mark.usefixtures("nothing_collected")
def test_collecting_later_does_not_make_a_running_process_healthy(client, settings):
    # The storage read its (missing) manifest when first used; pages stay broken
    # until the process restarts, and /health says so.
    assert client.get("/health").status_code == 503
    (settings.STATIC_ROOT / "staticfiles.json").write_text(
        '{"paths": {"a.css": "a.0123456789ab.css"}, "version": "1.1"}'
    )
    assert client.get("/health").status_code == 503


@pytest.mark.usefixtures("nothing_collected")
def test_health_in_development_needs_no_collected_static_files(client, settings):
    # runserver with DEBUG serves static files from the apps: nothing to collect.
    settings.DEBUG = True
    response = client.get("/health")
    assert response.status_code == 200


def test_health_only_answers_reads(client):
    assert client.post("/health").status_code == 405
