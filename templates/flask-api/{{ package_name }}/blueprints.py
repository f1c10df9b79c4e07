"""The Blueprint every API module makes: flask-smorest's, reading JSON bodies strictly.

A view's @bp.arguments reads its body after the decorators above it (credentials,
for one) have let the request through, so an anonymous write is refused unread.
The body must be JSON (415 otherwise) that parses (400), however deeply nested,
and no longer than MAX_CONTENT_LENGTH, even when it is sent in chunks (413).
"""

from typing import Any

import flask_smorest
from flask import Request, abort
from marshmallow import Schema
from webargs.flaskparser import FlaskParser
from werkzeug.exceptions import BadRequest


class JSONBodyParser(FlaskParser):
    """webargs' Flask parser, with a body that is not JSON refused, not ignored."""

    def load_json(self, req: Request, schema: Schema) -> Any:
        if not req.is_json:
            abort(415, "Send the body as JSON with Content-Type: application/json.")
        if reaches_the_limit(req):
            abort(413)
        try:
            return req.get_json()
        except BadRequest:
            abort(400, "The body is not valid JSON (UTF-8).")
        except RecursionError:
            abort(400, "The JSON body is nested too deeply.")


def reaches_the_limit(req: Request) -> bool:
    """Whether a streamed (chunked) body is as long as MAX_CONTENT_LENGTH allows.

    Such a body has no length to check up front, and Werkzeug stops reading it at
    the limit without an error: one that reaches the limit may go on, so it is
    refused rather than read cut short.
    """
    limit = req.max_content_length
    if req.content_length is not None or limit is None:
        return False  # Werkzeug itself refuses a Content-Length over the limit
    return len(req.get_data(cache=True)) >= limit


class Blueprint(flask_smorest.Blueprint):  # type: ignore[misc]  # untyped base
    """flask-smorest's Blueprint, whose @arguments read bodies with JSONBodyParser."""

    ARGUMENTS_PARSER = JSONBodyParser()
