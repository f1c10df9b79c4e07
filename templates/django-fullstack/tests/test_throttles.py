"""API request limits: DRF throttles, counted per client address or per account."""

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from rest_framework import throttling
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory, force_authenticate
from rest_framework.views import APIView

from config.env import SettingsError

pytestmark = pytest.mark.django_db


class Ping(APIView):
    """An API view with the project's default authentication, permissions and limits."""

    permission_classes = []

    def get(self, request):
        return Response({"pong": True})


def ping(address="198.51.100.1", user=None, **headers):
    request = APIRequestFactory().get("/ping", REMOTE_ADDR=address, **headers)
    if user is not None:
        force_authenticate(request, user=user)
    return Ping.as_view()(request)


@pytest.mark.usefixtures("small_api_limits")
def test_anonymous_requests_are_limited_per_client_address():
    assert [ping().status_code for _ in range(4)] == [200, 200, 200, 429]
    refused = ping()
    # Counted per minute on the clock, stopped half-way through one (conftest.py).
    assert int(refused["Retry-After"]) == 30
    assert ping(address="198.51.100.2").status_code == 200


@pytest.mark.usefixtures("small_api_limits")
def test_requests_are_counted_by_increments_alone(monkeypatch):
    # A count read and written back lets requests that read it at the same moment,
    # in two workers, all pass (tests/e2e/test_scale.py in newproj sends them so).
    def read_or_write(*args, **kwargs):
        raise AssertionError("the count was read and written back")

    monkeypatch.setattr(cache, "get", read_or_write)
    monkeypatch.setattr(cache, "set", read_or_write)
    assert [ping().status_code for _ in range(4)] == [200, 200, 200, 429]


@pytest.mark.usefixtures("mid_minute")
def test_requests_without_credentials_meet_only_the_anonymous_limit(monkeypatch):
    # A larger anonymous rate than the per-account one: the anonymous one holds.
    rates = {"anon": "5/minute", "user": "2/minute"}
    monkeypatch.setattr(throttling.SimpleRateThrottle, "THROTTLE_RATES", rates)
    assert [ping().status_code for _ in range(6)] == [200] * 5 + [429]


@pytest.mark.usefixtures("small_api_limits")
def test_a_written_x_forwarded_for_buys_no_fresh_requests(settings):
    # Reached directly (not from TRUSTED_PROXIES), whatever the client claims.
    settings.BEHIND_PROXY = True
    statuses = [
        ping(HTTP_X_FORWARDED_FOR=f"203.0.113.{n}").status_code for n in range(4)
    ]
    assert statuses == [200, 200, 200, 429]


@pytest.mark.usefixtures("small_api_limits")
def test_behind_a_trusted_proxy_each_client_has_its_own_count(settings):
    settings.BEHIND_PROXY = True
    for client in ("203.0.113.1", "203.0.113.2"):
        forwarded = {"HTTP_X_FORWARDED_FOR": client}
        statuses = [ping("10.0.0.2", **forwarded).status_code for _ in range(4)]
        assert statuses == [200, 200, 200, 429]


@pytest.mark.usefixtures("small_api_limits")
def test_accounts_are_limited_per_account_not_per_address():
    alice, bob = (
        get_user_model().objects.create_user(name) for name in ("alice", "bob")
    )
    statuses = [
        ping(address=f"198.51.100.{n}", user=alice).status_code for n in range(5)
    ]
    assert statuses == [200] * 4 + [429]
    assert ping(user=bob).status_code == 200


def test_the_rates_come_from_the_environment(monkeypatch, settings):
    from tests.test_security import settings_with

    configured = settings_with(
        monkeypatch, API_ANON_RATE_LIMIT="5/hour", API_USER_RATE_LIMIT="50/minute"
    )["REST_FRAMEWORK"]["DEFAULT_THROTTLE_RATES"]
    assert configured == {"anon": "5/hour", "user": "50/minute"}
    with pytest.raises(SettingsError, match="API_ANON_RATE_LIMIT must be a number"):
        settings_with(monkeypatch, API_ANON_RATE_LIMIT="lots")


def test_the_defaults_are_documented(monkeypatch, settings):
    from tests.test_security import settings_with

    for name in ("API_ANON_RATE_LIMIT", "API_USER_RATE_LIMIT"):
        monkeypatch.delenv(name, raising=False)
    rates = settings_with(monkeypatch)["REST_FRAMEWORK"]["DEFAULT_THROTTLE_RATES"]
    readme = (settings.BASE_DIR / "README.md").read_text(encoding="utf-8")
    for name, rate in (
        ("API_ANON_RATE_LIMIT", rates["anon"]),
        ("API_USER_RATE_LIMIT", rates["user"]),
    ):
        assert f"| `{name}` | `{rate}` |" in readme
