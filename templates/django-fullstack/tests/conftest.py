import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

PASSWORD = "correct-horse-battery-staple"


@pytest.fixture(autouse=True)
def _test_settings(settings):
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
