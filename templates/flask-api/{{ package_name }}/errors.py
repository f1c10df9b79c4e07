"""Errors leave as JSON, never as an HTML page, in the shape the docs declare."""

from typing import Any

from apiflask import APIFlask, abort
from apiflask.exceptions import HTTPError
from flask import current_app, request
from werkzeug.exceptions import HTTPException
from werkzeug.http import HTTP_STATUS_CODES

# Extra responses of every operation that reads a JSON body: malformed or too
# deeply nested JSON (400), a body over MAX_CONTENT_LENGTH (413), not JSON (415).
BODY_ERRORS = [400, 413, 415]
BODY_METHODS = {"POST", "PUT", "PATCH"}

HTTP_ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "status": {"type": "integer"},
        "error": {"type": "string"},
        "message": {"type": "string"},
    },
    "required": ["status", "error", "message"],
}
VALIDATION_ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        **HTTP_ERROR_SCHEMA["properties"],
        "fields": {"type": "object", "additionalProperties": {}},
    },
    "required": ["status", "error", "message", "fields"],
}


def init_app(app: APIFlask) -> None:
    app.config["HTTP_ERROR_SCHEMA"] = HTTP_ERROR_SCHEMA
    app.config["VALIDATION_ERROR_SCHEMA"] = VALIDATION_ERROR_SCHEMA
    app.error_processor(error_body)
    # Covers every HTTP error, including the 500 Flask makes from an unhandled
    # exception (which it logs before calling this handler).
    app.register_error_handler(HTTPException, werkzeug_error)
    app.before_request(check_json_body)


def werkzeug_error(error: HTTPException) -> tuple[dict[str, Any], int, Any]:
    # Keep the headers an error carries, such as Allow on a 405.
    headers = {k: v for k, v in error.get_headers() if k.lower() != "content-type"}
    code = error.code or 500
    return error_body(HTTPError(code, message=error.description, headers=headers))


def error_body(error: HTTPError) -> tuple[dict[str, Any], int, Any]:
    status = error.status_code
    body: dict[str, Any] = {
        "status": status,
        "error": HTTP_STATUS_CODES.get(status, "Error"),
        "message": error.message or HTTP_STATUS_CODES.get(status, "Error"),
    }
    if status == 422:
        body["message"] = "Some fields of the request are invalid."
        body["fields"] = field_errors(error.detail)
    return body, status, error.headers


def field_errors(detail: Any) -> dict[str, Any]:
    """Flatten webargs' {location: {field: messages}} into {field: messages}."""
    fields: dict[str, Any] = {}
    for messages in (detail or {}).values():
        fields.update({str(name): problem for name, problem in messages.items()})
    return fields


def check_json_body() -> None:
    """Where a view reads a JSON body, refuse anything else, and JSON too deep
    to parse, before the view's input validation sees it."""
    if request.method not in BODY_METHODS or not reads_json_body():
        return
    if not request.is_json:
        abort(415, "Send the body as JSON with Content-Type: application/json.")
    try:
        request.get_json()
    except RecursionError:
        abort(400, "The JSON body is nested too deeply.")


def reads_json_body() -> bool:
    view = current_app.view_functions.get(request.endpoint or "")
    # APIFlask's @input records the body schema in the view's _spec.
    return bool(getattr(view, "_spec", {}).get("body"))
