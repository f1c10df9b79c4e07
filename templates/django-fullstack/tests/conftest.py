import gc
import subprocess
from types import SimpleNamespace

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.test import Client, override_settings
from rest_framework import throttling
from rest_framework.test import APIClient

PASSWORD = "correct-horse-battery-staple"


@pytest.fixture(autouse=True, scope="session")
def _test_settings():
    """Settings for the whole run, set once (each change of a setting costs time)."""
    with override_settings(
        # API request counts (DRF throttles) stay in this process, even when
        # REDIS_URL is set; each test empties them (_fresh_cache).
        CACHES={
            "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
        },
        # Hashed static file names exist only after collectstatic; tests render
        # pages without running it.
        STORAGES={
            **django_settings.STORAGES,
            "staticfiles": {
                "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
            },
        },
        # Each test client builds its own middleware, and WhiteNoise's would list every
        # collected static file (hundreds after collectstatic) for every test; it looks
        # a file up when asked instead, as in development.
        WHITENOISE_AUTOREFRESH=True,
        # Django's test client speaks plain HTTP, which production redirects to
        # HTTPS (test_security.py checks that redirect on its own).
        SECURE_SSL_REDIRECT=False,
        # Strong password hashing is slow on purpose; tests only need it to work
        # (test_security.py checks that production uses the strong one).
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        # Sign-ins lock after 3 failures instead of 10, so the lockout tests need
        # fewer of them (test_security.py checks that production keeps 10).
        AXES_FAILURE_LIMIT=3,
    ):
        yield


@pytest.fixture(autouse=True)
def _fresh_cache():
    yield
    cache.clear()


@pytest.fixture(scope="session")
def openapi_fetch(_test_settings, django_db_setup, django_db_blocker):
    """/openapi.json as the site serves it to anyone, fetched once: building it takes
    a while. It is this process's first build, as in a new worker; processes_started
    lists the programs the build tried to run (there should be none)."""
    started = []

    def no_process(args, *more, **options):
        started.append(args)
        raise OSError("no process may be started while building the document")

    with pytest.MonkeyPatch.context() as patch, django_db_blocker.unblock():
        patch.setattr(subprocess, "Popen", no_process)
        response = Client().get("/openapi.json")
    return SimpleNamespace(response=response, processes_started=started)


@pytest.fixture(scope="session")
def openapi_document(openapi_fetch):
    """The parsed /openapi.json (test_openapi.py checks the response itself)."""
    assert openapi_fetch.response.status_code == 200
    return openapi_fetch.response.json()


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


# 20 minutes and 30 seconds past some hour: the throttles' clock in tests.
MID_MINUTE = 1_800_000_000 + 20 * 60 + 30


@pytest.fixture
def mid_minute(monkeypatch):
    """The API throttles' clock stopped halfway through a minute.

    They count in fixed windows of their period; a minute that ended during a test
    would start its count again.
    """
    monkeypatch.setattr(
        throttling.SimpleRateThrottle, "timer", staticmethod(lambda: MID_MINUTE)
    )
    return MID_MINUTE


@pytest.fixture
def small_api_limits(monkeypatch, mid_minute):
    """3 anonymous requests a minute per address, 4 per account.

    DRF reads the rates once, at import: they are patched where it keeps them.
    """
    small = {"anon": "3/minute", "user": "4/minute"}
    monkeypatch.setattr(throttling.SimpleRateThrottle, "THROTTLE_RATES", small)
    return small


def pytest_collection_finish(session):
    # What is loaded by now lives until the end: the garbage collector need not walk
    # it again on every pass.
    gc.freeze()
