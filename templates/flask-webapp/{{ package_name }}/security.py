"""Redirect targets and response headers."""

from urllib.parse import urlsplit

from flask import Flask, Response, request

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

    @app.after_request
    def set_headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        # Browsers ignore HSTS over plain HTTP, so it is only sent over HTTPS.
        if request.is_secure and app.config["HSTS_SECONDS"] > 0:
            max_age = app.config["HSTS_SECONDS"]
            headers.setdefault("Strict-Transport-Security", f"max-age={max_age}")
        return response
