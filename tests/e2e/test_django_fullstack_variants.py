"""django-fullstack variants beyond the base project, each set up as its README says and
proved over HTTP under gunicorn as its Procfile starts it:

- API only (purpose=api: pages=no, admin=no, accounts=none): `/` answers JSON, `/admin/`
  is 404, reads are public and writes refused without a token, the OpenAPI document is
  public and Schemathesis (every check) finds nothing against it, /health fails while
  static files are missing.
- OpenID Connect (accounts=external): a real Chromium signs in through a real OpenID
  provider (node oidc-provider on loopback) to the production site behind HTTPS, and
  the API takes writes with an access token that provider issues while refusing an
  altered or expired one (checked against the provider's published keys) with 401.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.django_fullstack_proxy import https_proxy
from tests.support.django_fullstack_servers import web_process
from tests.support.harness import bash, fetch, free_port, generate, readme_block, run_bash, serve
from tests.support.oidc import Client, OidcProvider, oidc_provider, tamper
from tests.support.schema_fuzz import run_schemathesis

pytestmark = pytest.mark.e2e

TEMPLATE = "django-fullstack"
PROJECT = "shop"
API_AUDIENCE = "https://shop.example/api"
ROBOT = Client("robot", "robot-secret", redirect_uris=[])
FORWARDED = {"X-Forwarded-Proto": "https"}

# Schemathesis sends hundreds of requests from one address within a minute: a higher
# anonymous API limit lets its cases reach the views. The limit's 429 is declared in the
# document, and test_scale.py proves the limit itself.
FUZZING_LIMITS = {"API_ANON_RATE_LIMIT": "100000/hour"}


def production_env(**extra: str) -> dict[str, str]:
    return {
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "BEHIND_PROXY": "1",
        "WEB_CONCURRENCY": "2",
        **extra,
    }


def set_up(dest: Path, answers: dict[str, str]) -> Path:
    """Render, then the README's Set up and Tests blocks; the project's own checks pass."""
    project = generate(dest, TEMPLATE, {**answers, "project_name": PROJECT})
    run_bash(project, readme_block(project, "Set up"))
    result = run_bash(project, readme_block(project, "Tests"))
    output = result.stdout + result.stderr
    assert re.search(r"\d+ passed", output) and " failed" not in output, output[-4000:]
    assert "All checks passed!" in output and "No changes detected" in output
    return project


# API only ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def api_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return set_up(tmp_path_factory.mktemp("api") / PROJECT, {"purpose": "api"})


def test_api_only_health_fails_until_static_files_are_collected(api_project: Path) -> None:
    env = production_env()
    bash(api_project, "python manage.py migrate --noinput", env)
    with web_process(api_project, env) as base:
        health = fetch(base + "/health")
        assert (health.status, health.json()["static"]) == (503, "missing")
    bash(api_project, ".venv/bin/python manage.py collectstatic --noinput", env)
    with serve(api_project, env) as base:
        assert fetch(base + "/health").json() == {"status": "ok", "database": "ok", "static": "ok"}


def test_api_only_serves_json_without_pages_or_admin(api_project: Path) -> None:
    env = production_env(**FUZZING_LIMITS)
    bash(api_project, "python manage.py migrate --noinput && python manage.py collectstatic --noinput", env)
    with serve(api_project, env) as base:
        index = fetch(base + "/", headers=FORWARDED)
        assert index.status == 200 and index.headers["content-type"] == "application/json"
        assert index.json()["openapi"] == "/openapi.json"
        assert fetch(base + "/admin/", headers=FORWARDED).status == 404
        assert fetch(base + "/accounts/login/", headers=FORWARDED).status == 404
        document = fetch(base + "/openapi.json", headers=FORWARDED)
        assert document.status == 200
        assert "/api/products/" in document.json()["paths"]
        assert fetch(base + "/api/products/", headers=FORWARDED).json()["count"] == 0
        new = {"name": "Kettle", "sku": "kettle", "price": "30.00"}
        refused = fetch(base + "/api/products/", "POST", new, headers=FORWARDED)
        assert refused.status == 401
        docs = fetch(base + "/api/docs/", headers=FORWARDED)
        assert docs.status == 200 and "swagger-ui" in docs.text

        # The live document, every Schemathesis check: zero failures.
        result = run_schemathesis(base, headers=FORWARDED, max_examples=15, time_limit_s=300)
        assert result.ok, result.report()


# OpenID Connect --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def oidc_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = set_up(tmp_path_factory.mktemp("oidc") / PROJECT, {"purpose": "website", "accounts": "external"})
    env = production_env()
    bash(project, "python manage.py migrate --noinput && python manage.py collectstatic --noinput", env)
    return project


@pytest.fixture(scope="module")
def oidc_site(oidc_project: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, OidcProvider, str]]:
    """The production site behind HTTPS, registered at a real OpenID provider.

    Yields the HTTPS address, the provider, and the gunicorn address behind the proxy.
    """
    port = free_port()
    site = f"https://127.0.0.1:{port}"
    secret = secrets.token_urlsafe(16)
    # mozilla-django-oidc sends the client secret in the token request's body.
    redirect_uris = [f"{site}/accounts/oidc/callback/"]
    client = Client("shop", secret, redirect_uris, token_endpoint_auth_method="client_secret_post")  # noqa: S106
    with oidc_provider(clients=[client, ROBOT], audience=API_AUDIENCE) as op:
        env = production_env(
            OIDC_ISSUER=op.issuer, OIDC_CLIENT_ID="shop", OIDC_CLIENT_SECRET=secret, OIDC_AUDIENCE=API_AUDIENCE
        )
        with (
            serve(oidc_project, env) as backend,
            https_proxy(backend, tmp_path_factory.mktemp("tls"), port=port) as base,
        ):
            assert base == site
            yield site, op, backend


@pytest.mark.browser
def test_a_browser_signs_in_through_the_openid_provider(
    browser: object, oidc_site: tuple[str, OidcProvider, str]
) -> None:
    site, op, _ = oidc_site
    context = browser.new_context(ignore_https_errors=True, base_url=site)
    page = context.new_page()
    try:
        page.goto("/dashboard/")
        assert page.url.startswith(op.issuer + "/interaction/")  # off to the provider
        op.browser_sign_in(page, "alice")
        page.wait_for_selector("h1 >> text=Dashboard")
        assert page.url == f"{site}/dashboard/"
        cookies = {c["name"]: c for c in context.cookies()}
        assert cookies["sessionid"]["secure"] and cookies["sessionid"]["httpOnly"]

        page.click("text=Sign out")
        page.wait_for_url(site + "/")
        # Signed out of the site (the provider's own session may well go on).
        after = context.request.get(f"{site}/dashboard/", max_redirects=0)
        assert after.status == 302
        assert after.headers["location"].startswith("/accounts/login/")
    finally:
        context.close()


def test_the_api_takes_the_providers_tokens_and_refuses_altered_or_expired_ones(
    oidc_site: tuple[str, OidcProvider, str],
) -> None:
    _, op, backend = oidc_site
    products = backend + "/api/products/"

    def post(name: str, token: str | None) -> object:
        headers = {**FORWARDED, **({"Authorization": f"Bearer {token}"} if token else {})}
        return fetch(products, "POST", {"name": name, "sku": name.lower(), "price": "9.50"}, headers=headers)

    token = op.access_token(ROBOT.client_id, "robot-secret", audience=API_AUDIENCE)
    created = post("Kettle", token)
    assert created.status == 201, created.text
    assert created.json()["created_by"] == "oidc-robot"

    # No credentials: 401 with the scheme to use, as the OpenAPI document declares.
    anonymous = post("Teapot", None)
    assert anonymous.status == 401 and anonymous.headers["www-authenticate"].startswith("Bearer")
    document = fetch(backend + "/openapi.json", headers=FORWARDED).json()
    scheme = document["components"]["securitySchemes"]["oidcBearer"]
    assert (scheme["type"], scheme["scheme"], scheme["bearerFormat"]) == ("http", "bearer", "JWT")
    assert "401" in document["paths"]["/api/products/"]["post"]["responses"]

    expired = op.expired_access_token(ROBOT.client_id, "robot-secret", audience=API_AUDIENCE)
    for bad in (tamper(token), expired, token + "x"):
        refused = post("Teapot", bad)
        assert refused.status == 401, (bad, refused.text)
    names = [p["name"] for p in fetch(products, headers=FORWARDED).json()["results"]]
    assert names == ["Kettle"]
