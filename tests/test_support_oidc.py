"""The test OpenID provider is real: discovery, signed JWTs, expiry, PKCE and a browser sign-in."""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
import pytest

from tests.support.harness import fetch, free_port
from tests.support.oidc import Client, OidcProvider, TokenRequestFailed, oidc_provider, tamper

RP_PORT = free_port()
RP_BASE = f"http://127.0.0.1:{RP_PORT}"
SERVICE = Client("service", "service-secret")
WEB = Client("web", "web-secret", redirect_uris=[f"{RP_BASE}/callback"])


@pytest.fixture(scope="module")
def op() -> Iterator[OidcProvider]:
    with oidc_provider(clients=[SERVICE, WEB], audience="api://default") as provider:
        yield provider


def verify(op: OidcProvider, token: str, audience: str) -> dict[str, Any]:
    """What an API does: check the signature against the provider's JWKS, issuer, audience, expiry."""
    key = jwt.PyJWKClient(op.jwks_uri).get_signing_key_from_jwt(token)
    claims: dict[str, Any] = jwt.decode(
        token,
        key.key,
        algorithms=["RS256", "ES256"],
        audience=audience,
        issuer=op.issuer,
        options={"require": ["exp", "iat", "iss", "aud", "sub"]},
    )
    return claims


def test_discovery_is_served_over_http_on_loopback(op: OidcProvider) -> None:
    metadata = fetch(op.issuer + "/.well-known/openid-configuration").json()
    assert isinstance(metadata, dict)
    assert metadata["issuer"] == op.issuer
    assert metadata["jwks_uri"] == op.jwks_uri
    assert metadata["code_challenge_methods_supported"] == ["S256"]
    assert {"email", "email_verified", "groups"} <= set(metadata["claims_supported"])
    assert all(url.startswith(op.issuer + "/") for key, url in metadata.items() if key.endswith("_endpoint"))


def test_jwks_publishes_public_signing_keys_with_ids(op: OidcProvider) -> None:
    keys = fetch(op.jwks_uri).json()["keys"]  # type: ignore[index]
    assert keys
    for key in keys:
        assert key["kid"] and key["kty"] == "RSA" and key["use"] == "sig"
        assert "d" not in key, "the private part must never be published"


def test_access_token_is_a_jwt_verified_against_the_jwks(op: OidcProvider) -> None:
    token = op.access_token("service", "service-secret", audience="api://default", scope="api:read")
    assert jwt.get_unverified_header(token)["kid"]
    claims = verify(op, token, "api://default")
    assert claims["client_id"] == "service"
    assert claims["scope"] == "api:read"


def test_token_for_another_audience_is_refused(op: OidcProvider) -> None:
    token = op.access_token("service", "service-secret")
    with pytest.raises(jwt.InvalidAudienceError):
        verify(op, token, "api://someone-else")


def test_expired_token_is_refused(op: OidcProvider) -> None:
    token = op.expired_access_token("service", "service-secret")
    with pytest.raises(jwt.ExpiredSignatureError):
        verify(op, token, "api://default")


def test_tampered_token_is_refused(op: OidcProvider) -> None:
    token = op.access_token("service", "service-secret")
    forged = tamper(token)
    assert forged != token and forged.rsplit(".", 1)[1] == token.rsplit(".", 1)[1]
    with pytest.raises(jwt.InvalidSignatureError):
        verify(op, forged, "api://default")


def test_wrong_client_secret_gets_no_token(op: OidcProvider) -> None:
    with pytest.raises(TokenRequestFailed, match="invalid_client"):
        op.access_token("service", "not-the-secret")


def test_authorization_request_without_pkce_is_refused(op: OidcProvider) -> None:
    query = {"client_id": "web", "redirect_uri": f"{RP_BASE}/callback", "response_type": "code", "scope": "openid"}
    reply = fetch(op.authorization_endpoint + "?" + urlencode({**query, "state": "s1"}))
    assert reply.status in (302, 303)
    back = parse_qs(urlsplit(reply.headers["location"]).query)
    assert back["error"] == ["invalid_request"]
    assert "PKCE" in back["error_description"][0]
    assert back["state"] == ["s1"]


@dataclass
class RelyingParty:
    """A throwaway web app: authorization code flow with PKCE (S256), state and nonce."""

    op: OidcProvider
    pending: dict[str, dict[str, str]] = field(default_factory=dict)
    signed_in: dict[str, Any] = field(default_factory=dict)
    wrong_verifier_answer: str = ""

    def login_redirect(self) -> str:
        state, nonce, verifier = secrets.token_urlsafe(24), secrets.token_urlsafe(24), secrets.token_urlsafe(48)
        self.pending[state] = {"nonce": nonce, "verifier": verifier}
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        query = {
            "client_id": WEB.client_id,
            "redirect_uri": WEB.redirect_uris[0],
            "response_type": "code",
            "scope": "openid email profile groups",
            "state": state,
            "nonce": nonce,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
        return self.op.authorization_endpoint + "?" + urlencode(query)

    def callback(self, query: dict[str, list[str]]) -> str:
        if "error" in query:
            return f"error: {query['error'][0]}"
        expected = self.pending.pop(query["state"][0])
        form = {"grant_type": "authorization_code", "code": query["code"][0], "redirect_uri": WEB.redirect_uris[0]}
        try:
            self.op.token_request("web", "web-secret", {**form, "code_verifier": "x" * 43})
        except TokenRequestFailed as refused:
            self.wrong_verifier_answer = str(refused)
        tokens = self.op.token_request("web", "web-secret", {**form, "code_verifier": expected["verifier"]})
        claims = verify(self.op, tokens["id_token"], WEB.client_id)
        assert claims["nonce"] == expected["nonce"]
        self.signed_in = claims
        return f"signed in as {claims['email']}"


@pytest.fixture
def relying_party(op: OidcProvider) -> Iterator[RelyingParty]:
    app = RelyingParty(op)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            url = urlsplit(self.path)
            if url.path == "/login":
                self.send_response(302)
                self.send_header("Location", app.login_redirect())
                self.end_headers()
                return
            body = app.callback(parse_qs(url.query)).encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", RP_PORT), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield app
    server.shutdown()
    server.server_close()


@pytest.fixture
def login_screen(op: OidcProvider, relying_party: RelyingParty, browser: Any) -> Iterator[Any]:
    """A fresh browser that asked the relying party to sign in and landed on the provider's login screen."""
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{RP_BASE}/login")
    assert page.url.startswith(op.issuer + "/interaction/")
    yield page
    context.close()


@pytest.mark.browser
def test_browser_signs_in_with_code_and_pkce(op: OidcProvider, relying_party: RelyingParty, login_screen: Any) -> None:
    op.browser_sign_in(login_screen, username="alice")
    assert login_screen.text_content("body") == "signed in as alice@example.com"
    claims = relying_party.signed_in
    assert claims["sub"] == "alice"
    assert claims["email_verified"] is True
    assert claims["groups"] == ["admin", "staff"]
    assert "invalid_grant" in relying_party.wrong_verifier_answer


@pytest.mark.browser
def test_wrong_password_stays_on_the_login_screen(
    op: OidcProvider, relying_party: RelyingParty, login_screen: Any
) -> None:
    login_screen.get_by_label("Username").fill("alice")
    login_screen.get_by_label("Password").fill("bob-password")
    login_screen.get_by_role("button", name="Sign in").click()
    assert login_screen.get_by_role("alert").text_content() == "Wrong username or password."
    assert login_screen.url.startswith(op.issuer + "/interaction/")
    assert relying_party.signed_in == {}
