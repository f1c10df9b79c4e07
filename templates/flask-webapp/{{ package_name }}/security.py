"""Redirect targets, proxy trust, health probes and response headers."""

import base64
import hashlib
import ipaddress
import secrets
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, Response, g, request
from werkzeug.middleware.proxy_fix import ProxyFix

HEALTH_PATH = "/health"

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def csp_nonce() -> str:
    """This response's nonce for inline <script> and <style> elements.

    Made on first use in a request; only then does the policy allow that nonce (no
    other inline code runs). Templates call it as `csp_nonce()`; Flask-Admin gets
    it as its `csp_nonce_generator`.
    """
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(18)
    return str(g.csp_nonce)


def allow_event_handlers(*handlers: str) -> None:
    """Let this response run exactly these inline event handlers (onclick="...").

    For markup we do not write (Flask-Admin's): the policy lists each handler's
    hash under script-src-attr with 'unsafe-hashes', so only that exact code runs.
    """
    g.csp_event_handlers = handlers


def _sha256(code: str) -> str:
    digest = hashlib.sha256(code.encode()).digest()
    return f"'sha256-{base64.b64encode(digest).decode()}'"


def content_security_policy() -> str:
    """The policy for this response: the strict one, plus what this response uses."""
    policy = [CONTENT_SECURITY_POLICY]
    nonce = g.get("csp_nonce")
    if nonce is not None:
        allowed = f"'self' 'nonce-{nonce}'"
        policy += [f"script-src {allowed}", f"style-src {allowed}"]
    handlers = g.get("csp_event_handlers")
    if handlers:
        hashes = " ".join(_sha256(code) for code in handlers)
        policy.append(f"script-src-attr 'unsafe-hashes' {hashes}")
    return "; ".join(policy)


def safe_next_url(target: str | None) -> str | None:
    """Return target if it is a path on this site, otherwise None.

    Browsers forgive a lot in a Location header: they drop tabs and newlines,
    read a backslash as a slash and treat "//host" as another site. So only
    plain printable ASCII starting with exactly one "/" gets through.
    """
    if not target or not all("!" <= char <= "~" for char in target):
        return None
    if "\\" in target or not target.startswith("/") or target.startswith("//"):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def add_security_headers(app: Flask) -> None:
    """Send the production security headers on every response."""
    app.add_template_global(csp_nonce)

    @app.after_request
    def set_headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("Content-Security-Policy", content_security_policy())
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        headers.setdefault(
            "Permissions-Policy", "camera=(), microphone=(), geolocation=()"
        )
        # Browsers ignore HSTS over plain HTTP, so it is only sent over HTTPS.
        if request.is_secure and app.config["HSTS_SECONDS"] > 0:
            max_age = app.config["HSTS_SECONDS"]
            headers.setdefault("Strict-Transport-Security", f"max-age={max_age}")
        return response


Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class TrustedProxyFix:
    """Read X-Forwarded-For and -Proto only from a request a trusted proxy sent.

    One hop is trusted (the last address the proxy appended), and only when the
    connection itself comes from one of the proxy networks: a visitor who reaches the
    app directly writes whatever forwarded headers they like, and they are ignored.
    """

    def __init__(self, app: Any, networks: Iterable[str]) -> None:
        self.app = app
        self.fixed = ProxyFix(app, x_for=1, x_proto=1)
        self.networks: list[Network] = [
            ipaddress.ip_network(net, strict=False) for net in networks
        ]

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        if self.is_trusted(environ.get("REMOTE_ADDR", "")):
            return self.fixed(environ, start_response)
        return self.app(environ, start_response)

    def is_trusted(self, address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in network for network in self.networks)


def trust_the_proxy(app: Flask) -> None:
    """Behind a proxy (BEHIND_PROXY), believe the forwarded headers it sends."""
    if app.config["BEHIND_PROXY"]:
        proxy = TrustedProxyFix(app.wsgi_app, app.config["TRUSTED_PROXIES"])
        app.wsgi_app = proxy  # type: ignore[method-assign]


class HealthProbeHost:
    """Let /health answer whatever Host header a probe sends.

    Platforms and load balancers probe the instance address (10.0.3.7:8000), which
    TRUSTED_HOSTS rightly refuses for pages. /health shows nothing private, so for
    it alone the Host header is replaced with a trusted one before Flask checks it.
    """

    def __init__(self, app: Any, host: str) -> None:
        self.app = app
        self.host = host

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        if environ.get("PATH_INFO") == HEALTH_PATH:
            environ = {**environ, "HTTP_HOST": self.host}
        return self.app(environ, start_response)


def welcome_health_probes(app: Flask) -> None:
    """Install HealthProbeHost when the app restricts host names."""
    hosts = app.config.get("TRUSTED_HOSTS")
    if hosts:
        probe = HealthProbeHost(app.wsgi_app, hosts[0].lstrip("."))
        app.wsgi_app = probe  # type: ignore[method-assign]
