"""Errors leave as JSON, never as an HTML page, in the shape the docs declare."""

from typing import Any

from flask import Flask, abort, current_app, request
from werkzeug.exceptions import HTTPException
from werkzeug.http import HTTP_STATUS_CODES

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
ErrorResponse = tuple[dict[str, Any], int, list[tuple[str, str]]]


def init_app(app: Flask) -> None:
    # Covers every HTTP error, including the 500 Flask makes from an unhandled
    # exception (which it logs before calling this handler).
    app.register_error_handler(HTTPException, http_error)
    app.before_request(check_json_body)


def http_error(error: HTTPException) -> ErrorResponse:
    # Keep the headers an error carries, such as Allow on a 405.
    headers = [(k, v) for k, v in error.get_headers() if k.lower() != "content-type"]
    body, status = error_body(error.code or 500, error.description)
    if status == 422:
        # webargs puts what was wrong with each field in the error's data.
        data: dict[str, Any] = getattr(error, "data", None) or {}
        body["message"] = "Some fields of the request are invalid."
        body["fields"] = field_errors(data.get("messages"))
    return body, status, headers


def error_body(status: int, message: str | None = None) -> tuple[dict[str, Any], int]:
    """The JSON every error answers with: its status, name and message."""
    name = HTTP_STATUS_CODES.get(status, "Error")
    return {"status": status, "error": name, "message": message or name}, status


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
    # flask-smorest's @arguments records where each input is read in the view's _apidoc.
    inputs = getattr(view, "_apidoc", {}).get("arguments", {}).get("parameters", [])
    return any(given.get("in") == "json" for given in inputs)
