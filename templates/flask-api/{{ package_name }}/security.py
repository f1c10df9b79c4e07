"""Proxy handling and the security headers every response gets."""

from flask import Flask, Response, current_app
from werkzeug.middleware.proxy_fix import ProxyFix

HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    # A JSON API loads nothing, so nothing is allowed.
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
    "Cache-Control": "no-store",
}


def init_app(app: Flask) -> None:
    if app.config.get("BEHIND_PROXY"):
        # Trust exactly one proxy hop for the client address and the scheme.
        # Only safe when every request really comes through that proxy.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1)  # type: ignore[method-assign]
    app.after_request(add_security_headers)


def add_security_headers(response: Response) -> Response:
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    max_age = current_app.config.get("HSTS_MAX_AGE", 0)
    if max_age:
        response.headers.setdefault("Strict-Transport-Security", f"max-age={max_age}")
    return response
