import pytest
from django.contrib.auth import get_user_model
from rest_framework import throttling
from rest_framework.test import APIClient

PASSWORD = "correct-horse-battery-staple"


@pytest.fixture(autouse=True)
def _test_settings(settings, request):
    # Each test counts API requests (DRF throttles) in an in-process cache of its
    # own, even when REDIS_URL is set.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": request.node.nodeid,
        }
    }
    # Hashed static file names exist only after collectstatic; tests render pages
    # without running it.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {
            "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        },
    }
    # Django's test client speaks plain HTTP, which production redirects to HTTPS
    # (test_security.py checks that redirect on its own).
    settings.SECURE_SSL_REDIRECT = False
    # Strong password hashing is slow on purpose; tests only need it to work.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def password():
    return PASSWORD


@pytest.fixture
def user(db):
    return get_user_model().objects.create_user(
        "alice", email="alice@example.com", password=PASSWORD
    )


@pytest.fixture
def superuser(db):
    return get_user_model().objects.create_superuser(
        "root", email="root@example.com", password=PASSWORD
    )


@pytest.fixture
def api_client():
    return APIClient()


@pytest.fixture
def small_api_limits(monkeypatch):
    """3 anonymous requests a minute per address, 4 per account.

    DRF reads the rates once, at import: they are patched where it keeps them.
    """
    small = {"anon": "3/minute", "user": "4/minute"}
    monkeypatch.setattr(throttling.SimpleRateThrottle, "THROTTLE_RATES", small)
    return small
