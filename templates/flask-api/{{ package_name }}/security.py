"""Host checks, proxy handling and the security headers every response gets."""

import ipaddress
from collections.abc import Iterable
from typing import Any

from flask import Flask, Request, Response, current_app, request
from werkzeug.middleware.proxy_fix import ProxyFix

# Platform and load-balancer probes call these by the instance's own address.
ANY_HOST_PATHS = frozenset({"/health"})

HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Cache-Control": "no-store",
}
# A JSON API loads nothing, so nothing is allowed.
API_POLICY = "default-src 'none'; frame-ancestors 'none'"
# The docs page runs Swagger UI from this server only (its start-up script is inline).
DOCS_POLICY = (
    "default-src 'none'; script-src 'self' 'unsafe-inline'; style-src 'self'"
    " 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'"
)


class HostCheckedRequest(Request):
    """A request whose Host must be one of TRUSTED_HOSTS, except on ANY_HOST_PATHS."""

    allowed_hosts: list[str] | None = None

    @property
    def trusted_hosts(self) -> list[str] | None:
        if self.path in ANY_HOST_PATHS:
            return None
        return self.allowed_hosts

    @trusted_hosts.setter
    def trusted_hosts(self, value: Any) -> None:
        """Flask sets this from its own TRUSTED_HOSTS, which stays None here."""


def init_app(app: Flask) -> None:
    # Flask checks its own TRUSTED_HOSTS on every path, so the list moves here.
    hosts = app.config["TRUSTED_HOSTS"]
    app.config["TRUSTED_HOSTS"] = None
    app.request_class = type(
        "AppRequest", (HostCheckedRequest,), {"allowed_hosts": list(hosts)}
    )
    if app.config.get("BEHIND_PROXY"):
        proxy = TrustedProxyFix(app.wsgi_app, app.config["TRUSTED_PROXIES"])
        app.wsgi_app = proxy  # type: ignore[method-assign]
    app.after_request(add_security_headers)


Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class TrustedProxyFix:
    """Read X-Forwarded-For and -Proto only from a request a trusted proxy sent.

    One hop is trusted (the last address the proxy appended), and only when the
    connection itself comes from one of the proxy networks: a client who reaches the
    API directly writes whatever forwarded headers it likes, and they are ignored.
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


def add_security_headers(response: Response) -> Response:
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    docs = request.endpoint == "openapi.docs"
    response.headers.setdefault(
        "Content-Security-Policy", DOCS_POLICY if docs else API_POLICY
    )
    max_age = current_app.config.get("HSTS_MAX_AGE", 0)
    if max_age:
        response.headers.setdefault("Strict-Transport-Security", f"max-age={max_age}")
    return response
