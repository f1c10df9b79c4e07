"""run_schemathesis() finds a real bug in a live API and reports nothing once it is fixed."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask, Response, jsonify, request
from werkzeug.exceptions import HTTPException
from werkzeug.serving import WSGIRequestHandler, make_server

from tests.support.harness import free_port
from tests.support.schema_fuzz import run_schemathesis

ITEM = {
    "type": "object",
    "required": ["id", "name"],
    "additionalProperties": False,
    "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
}
ERROR = {"type": "object", "required": ["message"], "properties": {"message": {"type": "string"}}}
NEW_ITEM = {
    "type": "object",
    "required": ["name"],
    "additionalProperties": False,
    "properties": {"name": {"type": "string", "minLength": 1, "maxLength": 40}},
}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


SCHEMA = {
    "openapi": "3.0.3",
    "info": {"title": "Items", "version": "1"},
    "paths": {
        "/items": {
            "post": {
                "operationId": "createItem",
                "requestBody": {"required": True, "content": {"application/json": {"schema": NEW_ITEM}}},
                "responses": {"201": _json(ITEM, "Created"), "400": _json(ERROR, "Invalid item")},
            }
        },
        "/items/{item_id}": {
            "get": {
                "operationId": "getItem",
                "parameters": [
                    {"name": "item_id", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1}}
                ],
                "responses": {"200": _json(ITEM, "The item"), "404": _json(ERROR, "No such item")},
            }
        },
    },
}


def items_app(buggy: bool) -> Flask:
    """A tiny item API; the buggy one trusts its input and answers errors in HTML."""
    app = Flask(__name__)
    items: dict[int, dict[str, Any]] = {}

    @app.get("/openapi.json")
    def schema() -> Response:
        return jsonify(SCHEMA)

    @app.post("/items")
    def create() -> tuple[Response, int]:
        data = request.get_json(silent=True)
        valid = isinstance(data, dict) and set(data) == {"name"} and isinstance(data["name"], str)
        if not buggy and not (valid and 1 <= len(data["name"]) <= 40):  # type: ignore[index]
            return jsonify(message='send {"name": "1 to 40 characters"}'), 400
        item = {"id": len(items) + 1, "name": data["name"]}  # type: ignore[index]
        items[item["id"]] = item
        return jsonify(item), 201

    @app.get("/items/<int:item_id>")
    def read(item_id: int) -> tuple[Response, int]:
        if item_id not in items:
            return jsonify(message="no such item"), 404
        return jsonify(items[item_id]), 200

    if not buggy:

        @app.errorhandler(HTTPException)
        def http_error(error: HTTPException) -> Response:
            reply = error.get_response()  # keeps headers such as Allow on a 405
            reply.data = json.dumps({"message": error.description})
            reply.content_type = "application/json"
            return reply

    return app


class QuietHandler(WSGIRequestHandler):
    def log_request(self, *args: object) -> None:
        pass


def serve(app: Flask) -> Iterator[str]:
    server = make_server("127.0.0.1", free_port(), app, threaded=True, request_handler=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture
def buggy_api() -> Iterator[str]:
    yield from serve(items_app(buggy=True))


@pytest.fixture
def fixed_api() -> Iterator[str]:
    yield from serve(items_app(buggy=False))


def test_schemathesis_finds_the_server_error_and_the_undocumented_answers(buggy_api: str) -> None:
    result = run_schemathesis(buggy_api, max_examples=5, time_limit_s=150)
    assert not result.ok
    titles = {failure.title for failure in result.failures}
    assert {"Server error", "Undocumented Content-Type"} <= titles, result.report()
    assert "curl -X POST" in result.report()


def test_schemathesis_reports_nothing_for_the_fixed_api(fixed_api: str) -> None:
    result = run_schemathesis(fixed_api, max_examples=5, time_limit_s=150)
    assert result.ok, result.report()
    assert result.summary["operations"]["tested"] == 2
