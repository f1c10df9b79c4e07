"""Friendly error pages."""

from flask import Flask, render_template
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError, SecurityError

from .extensions import db

MESSAGES = {
    400: "The request could not be understood. If you sent a form, reload the page and try again.",
    403: "You are not allowed to see this page.",
    405: "This address does not accept that kind of request.",
    413: "What you sent is too large.",
    429: "Too many attempts. Please wait a minute before trying again.",
}


def register(app: Flask) -> None:
    """Attach the error handlers to the app."""

    @app.errorhandler(404)
    def not_found(error: HTTPException) -> tuple[str, int]:
        return render_template("errors/404.html"), 404

    @app.errorhandler(500)
    def server_error(error: InternalServerError) -> tuple[str, int]:
        # A failed query leaves the session unusable until it is rolled back.
        db.session.rollback()
        return render_template("errors/500.html"), 500

    @app.errorhandler(SecurityError)
    def untrusted_host(error: SecurityError) -> tuple[str, int, dict[str, str]]:
        # Raised before URL routing is set up, so the HTML layout cannot be built.
        return "Unknown host: add it to TRUSTED_HOSTS.\n", 400, {"Content-Type": "text/plain"}

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> tuple[str, int]:
        message = "This form has expired or was not sent from this site. Reload it and try again."
        return render_template("errors/error.html", code=400, message=message), 400

    for code in MESSAGES:
        app.register_error_handler(code, _generic_page)


def _generic_page(error: HTTPException) -> tuple[str, int]:
    code = error.code or 500
    return render_template("errors/error.html", code=code, message=MESSAGES[code]), code
