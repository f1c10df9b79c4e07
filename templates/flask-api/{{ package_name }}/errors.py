"""Errors leave as JSON, never as an HTML page, in the shape the docs declare."""

from typing import Any

from flask import Flask
from werkzeug.exceptions import HTTPException
from werkzeug.http import HTTP_STATUS_CODES

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
