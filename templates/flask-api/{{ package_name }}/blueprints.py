"""The Blueprint every API module makes: flask-smorest's, reading JSON bodies strictly.

A view's @bp.arguments reads its body after the decorators above it (credentials,
for one) have let the request through, so an anonymous write is refused unread.
The body must be JSON (415 otherwise) that parses (400), however deeply nested.
"""

from typing import Any

import flask_smorest
from flask import Request, abort
from marshmallow import Schema
from webargs.flaskparser import FlaskParser


class JSONBodyParser(FlaskParser):
    """webargs' Flask parser, with a body that is not JSON refused, not ignored."""

    def load_json(self, req: Request, schema: Schema) -> Any:
        if not req.is_json:
            abort(415, "Send the body as JSON with Content-Type: application/json.")
        try:
            return req.get_json()
        except RecursionError:
            abort(400, "The JSON body is nested too deeply.")


class Blueprint(flask_smorest.Blueprint):  # type: ignore[misc]  # untyped base
    """flask-smorest's Blueprint, whose @arguments read bodies with JSONBodyParser."""

    ARGUMENTS_PARSER = JSONBodyParser()
