"""Errors leave as JSON, never as an HTML page."""

from flask import Flask, Response, jsonify
from werkzeug.exceptions import HTTPException, UnprocessableEntity


class ValidationFailed(UnprocessableEntity):
    """422 with the problems found, field by field."""

    description = "Some fields of the request are invalid."

    def __init__(
        self, fields: dict[str, list[str]], description: str | None = None
    ) -> None:
        super().__init__(description)
        self.fields = fields


def init_app(app: Flask) -> None:
    # Covers every HTTP error, including the 500 Flask makes from an unhandled
    # exception (which it logs before calling this handler).
    app.register_error_handler(HTTPException, http_error)


def http_error(error: HTTPException) -> Response:
    body: dict[str, object] = {
        "status": error.code,
        "error": error.name,
        "message": error.description,
    }
    if isinstance(error, ValidationFailed):
        body["fields"] = error.fields
    response = jsonify(body)
    response.status_code = error.code or 500
    # Keep the headers an error carries, such as Allow on a 405.
    for name, value in error.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    return response
