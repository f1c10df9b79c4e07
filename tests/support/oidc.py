"""A real OpenID Connect provider for tests: node-oidc-provider on 127.0.0.1, a free port.

The server is `tests/support/oidc/server.mjs` (our configuration of the npm package
`oidc-provider`, installed by `tests/run.sh` with `npm ci`). Plain http on loopback.

    from tests.support.oidc import Client, User, oidc_provider, tamper

    web = Client("web", "web-secret", redirect_uris=["http://127.0.0.1:5000/auth/callback"])
    with oidc_provider(clients=[web], audience="api://default") as op:
        op.issuer                  # "http://127.0.0.1:PORT"; discovery at op.discovery_url
        op.jwks_uri                # the provider's signing keys (RS256, each with a kid)
        token = op.access_token("web", "web-secret", audience="api://default", scope="api:read")
        old = op.expired_access_token("web", "web-secret")   # waits about 2 s
        tamper(token)              # same signature, altered payload: must be refused
        op.browser_sign_in(page)   # page is on the provider's login screen (Playwright sync API)

Access tokens are JWTs (RS256, `kid` in the JWKS) with `iss`, `aud` (the audience),
`exp`, `iat`, `client_id`, `scope`, `jti`; from the client credentials grant their `sub`
is the client id, from a browser sign-in it is the user's `sub`.

Clients (`Client`):
- `client_secret=None` makes a public client (`token_endpoint_auth_method="none"`), for
  which PKCE (S256) is always required; confidential clients require PKCE unless
  `require_pkce=False`. `state` and `nonce` are echoed as the specification says.
- `token_endpoint_auth_method` is "client_secret_basic" (Authlib's default) unless set;
  use "client_secret_post" for libraries that post the secret (mozilla-django-oidc).
- Confidential clients may use the authorization code, refresh token and client
  credentials grants; scopes "openid email profile groups offline_access".

Users (`User`, default `DEFAULT_USERS`): alice (alice@example.com, verified, groups
["admin", "staff"]), bob (bob@example.com, verified, ["staff"]) and mallory
(mallory@example.com, NOT verified, []); every password is "<username>-password".
The id_token carries `email` and `email_verified` (scope "email"), `name` and
`preferred_username` ("profile"), `groups` ("groups"); userinfo returns the same.

Sign-in screen: a form with "Username", "Password" and a "Sign in" button, then a consent
form with "Allow" / "Deny". A wrong password re-renders the form with status 401;
"Cancel" or "Deny" sends the browser back with `error=access_denied`.
End session (RP-initiated logout): `op.end_session_endpoint`, confirm with `op.browser_sign_out(page)`.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .harness import Response, fetch

OIDC_DIR = Path(__file__).resolve().parent / "oidc"
DEFAULT_AUDIENCE = "api://default"
DEFAULT_API_SCOPES = ("api:read", "api:write")


@dataclass(frozen=True)
class Client:
    """A client registered at the provider when it starts."""

    client_id: str
    client_secret: str | None = None
    redirect_uris: Sequence[str] = ()
    post_logout_redirect_uris: Sequence[str] = ()
    token_endpoint_auth_method: str | None = None
    require_pkce: bool = True

    def registration(self) -> dict[str, Any]:
        public = self.client_secret is None
        grants = ["authorization_code", "refresh_token"] if self.redirect_uris else []
        if not public:
            grants.append("client_credentials")
        method = self.token_endpoint_auth_method or ("none" if public else "client_secret_basic")
        return {
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "redirect_uris": list(self.redirect_uris),
            "post_logout_redirect_uris": list(self.post_logout_redirect_uris),
            "grant_types": grants,
            "token_endpoint_auth_method": method,
            "require_pkce": self.require_pkce or public,
        }


@dataclass(frozen=True)
class User:
    """An account in the provider's in-memory store; `username` is also its `sub`."""

    username: str
    password: str
    email: str
    email_verified: bool = True
    name: str = ""
    groups: Sequence[str] = field(default_factory=tuple)


DEFAULT_USERS = (
    User("alice", "alice-password", "alice@example.com", True, "Alice Example", ("admin", "staff")),
    User("bob", "bob-password", "bob@example.com", True, "Bob Example", ("staff",)),
    User("mallory", "mallory-password", "mallory@example.com", False, "Mallory Example", ()),
)


class TokenRequestFailed(AssertionError):
    """The provider's token endpoint refused a request; the message has its answer."""


def tamper(token: str) -> str:
    """The same JWT with one payload claim changed and the original signature kept."""
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["sub"] = f"{claims.get('sub', '')}-tampered"
    claims["scope"] = f"{claims.get('scope', '')} admin".strip()
    altered = base64.urlsafe_b64encode(json.dumps(claims, separators=(",", ":")).encode()).rstrip(b"=").decode()
    return f"{header}.{altered}.{signature}"


def _basic(client_id: str, client_secret: str) -> str:
    from urllib.parse import quote

    pair = f"{quote(client_id, safe='')}:{quote(client_secret, safe='')}".encode()
    return "Basic " + base64.b64encode(pair).decode()


class OidcProvider:
    """A running provider; build it with `oidc_provider(...)`."""

    def __init__(self, issuer: str, audience: str, users: Sequence[User]) -> None:
        self.issuer = issuer
        self.audience = audience
        self.users = {user.username: user for user in users}
        self.discovery_url = issuer + "/.well-known/openid-configuration"
        self.metadata: dict[str, Any] = dict(_json(fetch(self.discovery_url)))
        self.jwks_uri: str = self.metadata["jwks_uri"]
        self.token_endpoint: str = self.metadata["token_endpoint"]
        self.authorization_endpoint: str = self.metadata["authorization_endpoint"]
        self.userinfo_endpoint: str = self.metadata["userinfo_endpoint"]
        self.end_session_endpoint: str = self.metadata["end_session_endpoint"]

    def token_request(self, client_id: str, client_secret: str | None, form: dict[str, str]) -> dict[str, Any]:
        """POST to the token endpoint (HTTP Basic for a secret); return the JSON answer or raise."""
        from urllib.parse import urlencode

        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        if client_secret is None:
            form = {**form, "client_id": client_id}
        else:
            headers["Authorization"] = _basic(client_id, client_secret)
        reply = fetch(self.token_endpoint, method="POST", data=urlencode(form).encode(), headers=headers)
        if reply.status != 200:
            raise TokenRequestFailed(f"token endpoint answered {reply.status}: {reply.text}")
        return dict(_json(reply))

    def access_token(
        self, client_id: str, client_secret: str, audience: str | None = None, scope: str | None = None
    ) -> str:
        """A signed JWT access token from the client credentials grant."""
        return self._client_credentials(client_id, client_secret, audience, scope, {})

    def expired_access_token(
        self, client_id: str, client_secret: str, audience: str | None = None, scope: str | None = None
    ) -> str:
        """A provider-issued JWT access token that lived one second and has expired."""
        token = self._client_credentials(client_id, client_secret, audience, scope, {"newproj_expires_in": "1"})
        time.sleep(2.1)
        return token

    def _client_credentials(
        self, client_id: str, client_secret: str, audience: str | None, scope: str | None, extra: dict[str, str]
    ) -> str:
        form = {"grant_type": "client_credentials", "resource": audience or self.audience, **extra}
        form["scope"] = scope if scope is not None else " ".join(DEFAULT_API_SCOPES)
        return str(self.token_request(client_id, client_secret, form)["access_token"])

    def browser_sign_in(self, page: Any, username: str = "alice", password: str | None = None) -> None:
        """On the provider's login screen: sign in, allow, and wait until the browser is back at the app."""
        if password is None:
            password = self.users[username].password
        if page.url.startswith(self.issuer + "/interaction/") and page.get_by_label("Username").count():
            page.get_by_label("Username").fill(username)
            page.get_by_label("Password").fill(password)
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_load_state()
        if page.url.startswith(self.issuer + "/interaction/") and page.get_by_role("button", name="Allow").count():
            page.get_by_role("button", name="Allow").click()
        page.wait_for_url(lambda url: not url.startswith(self.issuer), timeout=15_000)

    def browser_sign_out(self, page: Any) -> None:
        """On the provider's end-session screen: confirm, and wait until the browser has left it."""
        page.get_by_role("button", name="Sign out").click()
        page.wait_for_url(lambda url: not url.startswith(self.end_session_endpoint), timeout=15_000)


def _json(reply: Response) -> dict[str, Any]:
    if reply.status != 200:
        raise AssertionError(f"provider answered {reply.status}: {reply.text[:500]}")
    value = reply.json()
    assert isinstance(value, dict)
    return value


def node_modules_ready() -> Path:
    """The provider's folder, once `npm ci` has been run in it (tests/run.sh does that)."""
    if not (OIDC_DIR / "node_modules" / "oidc-provider").is_dir():
        raise RuntimeError(f"run `npm ci` in {OIDC_DIR} first (tests/run.sh does it)")
    if shutil.which("node") is None:
        raise RuntimeError("node is missing: install Debian's 'nodejs' package")
    return OIDC_DIR


def _wait_ready(proc: subprocess.Popen[bytes], ready: Path, log: Path, timeout: float = 30) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if ready.exists():
            return str(json.loads(ready.read_text())["issuer"])
        if proc.poll() is not None:
            raise RuntimeError(f"the OIDC provider exited with {proc.returncode}:\n{log.read_text()[-4000:]}")
        time.sleep(0.05)
    raise RuntimeError(f"the OIDC provider did not start within {timeout} s:\n{log.read_text()[-4000:]}")


@contextlib.contextmanager
def oidc_provider(
    clients: Sequence[Client],
    audience: str = DEFAULT_AUDIENCE,
    users: Sequence[User] = DEFAULT_USERS,
    api_scopes: Sequence[str] = DEFAULT_API_SCOPES,
    access_token_ttl: int = 600,
) -> Iterator[OidcProvider]:
    """Start the provider with these clients, users and one API (`audience`); stop it after."""
    folder = node_modules_ready()
    root = Path(tempfile.mkdtemp(prefix="newproj-oidc-"))
    config = {
        "ready_file": str(root / "ready.json"),
        "clients": [client.registration() for client in clients],
        "users": [{**asdict(user), "groups": list(user.groups)} for user in users],
        "resource": {"audience": audience, "scope": " ".join(api_scopes), "ttl": access_token_ttl},
    }
    (root / "config.json").write_text(json.dumps(config))
    log = root / "log"
    env = {**os.environ, "NODE_ENV": "production"}
    with log.open("wb") as out:
        proc = subprocess.Popen(
            ["node", "server.mjs", str(root / "config.json")],
            cwd=folder,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield OidcProvider(_wait_ready(proc, root / "ready.json", log), audience, users)
    finally:
        from .harness import stop

        stop(proc, grace=5)
        shutil.rmtree(root, ignore_errors=True)
