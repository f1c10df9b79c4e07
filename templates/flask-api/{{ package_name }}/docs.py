"""The OpenAPI document at /openapi.json, and interactive docs at /docs.

flask-smorest's blueprints record each view's inputs, outputs and docstring; the
document is built from them on its first request, not when the app starts, so
workers that are never asked for it do not pay for it. Swagger UI is served from
this server: no CDN is contacted.
"""

import html
import threading
from string import Template
from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from apispec.ext.marshmallow.openapi import OpenAPIConverter
from flask import Blueprint, Flask, Response, current_app, url_for
from flask_smorest import Api
from flask_smorest import Blueprint as ApiBlueprint
from flask_smorest.spec.plugins import FlaskPlugin
from marshmallow import Schema
from marshmallow.fields import Field
from swagger_ui_bundle import swagger_ui_path

from .config import about
from .errors import HTTP_ERROR_SCHEMA, VALIDATION_ERROR_SCHEMA

# Swagger UI 4 reads OpenAPI 3.0 documents.
OPENAPI_VERSION = "3.0.3"
# app.extensions keys: the built document, and the auth schemes views may require.
DOCUMENT = "openapi_document"
SECURITY_SCHEMES = "openapi_security_schemes"
# Answers every operation that reads a JSON body may give (see blueprints.py); its 422
# comes with its @arguments.
BODY_ERRORS = {
    "400": "Bad Request",
    "413": "Request Entity Too Large",
    "415": "Unsupported Media Type",
}
# Filled in with string.Template ($name), so the file holds no Jinja syntax. No
# inline script: the page's policy (security.py) runs files from this server only.
PAGE = Template("""<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>$title - Swagger UI</title>
  <link rel="stylesheet" href="$assets/swagger-ui.css">
  <link rel="icon" type="image/png" href="$assets/favicon-32x32.png">
</head>
<body>
  <div id="swagger-ui" data-url="$spec_url"></div>
  <script src="$assets/swagger-ui-bundle.js"></script>
  <script src="$assets/swagger-ui-standalone-preset.js"></script>
  <script src="$start"></script>
</body>
</html>
""")
# Starts Swagger UI on the element above, with the document URL it names.
START_SCRIPT = """const element = document.getElementById("swagger-ui");
window.ui = SwaggerUIBundle({
  url: element.dataset.url,
  domNode: element,
  deepLinking: true,
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
  layout: "BaseLayout",
});
"""

bp = Blueprint(
    "openapi",
    __name__,
    static_folder=swagger_ui_path,
    static_url_path="/docs/assets",
)
_building = threading.Lock()


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)


@bp.get("/openapi.json")
def spec() -> dict[str, Any]:
    return document(current_app)


@bp.get("/docs")
def docs() -> str:
    return PAGE.substitute(
        title=html.escape(f"{about()['name']} {about()['version']}"),
        assets=url_for("openapi.static", filename="").rstrip("/"),
        spec_url=html.escape(url_for("openapi.spec")),
        start=url_for("openapi.start_script"),
    )


@bp.get("/docs/start.js")
def start_script() -> Response:
    return Response(START_SCRIPT, mimetype="text/javascript")


def add_security_scheme(app: Flask, name: str, scheme: dict[str, str]) -> None:
    """Declare an auth scheme that operations of the app's document may require."""
    app.extensions.setdefault(SECURITY_SCHEMES, {})[name] = scheme


def document(app: Flask) -> dict[str, Any]:
    """The app's OpenAPI document, built once, on first use."""
    with _building:
        if DOCUMENT not in app.extensions:
            app.extensions[DOCUMENT] = build(app)
    built: dict[str, Any] = app.extensions[DOCUMENT]
    return built


def build(app: Flask) -> dict[str, Any]:
    spec = APISpec(
        title=about()["name"],
        version=about()["version"],
        openapi_version=OPENAPI_VERSION,
        plugins=[FlaskPlugin(), SchemaPlugin(schema_name_resolver=schema_name)],
    )
    spec.components.schema("HTTPError", HTTP_ERROR_SCHEMA)
    spec.components.schema("ValidationError", VALIDATION_ERROR_SCHEMA)
    # flask-smorest refers each input's 422 to this response by name.
    spec.components.response(
        "UNPROCESSABLE_ENTITY", error_response("Validation error", "ValidationError")
    )
    for name, scheme in app.extensions.get(SECURITY_SCHEMES, {}).items():
        spec.components.security_scheme(name, scheme)
    # What the blueprints read while they describe their views. It is never bound
    # to the app: errors.py answers errors, and the routes above serve the document.
    documenter = Api()
    # Error answers are declared per operation, in errors.py's shape.
    documenter.DEFAULT_ERROR_RESPONSE_NAME = None
    for name, blueprint in app.blueprints.items():
        if isinstance(blueprint, ApiBlueprint):
            spec.tag({"name": name.title()})
            blueprint.register_views_in_doc(
                documenter, app, spec, name=name, parameters=None
            )
    return complete(spec.to_dict())


class Converter(OpenAPIConverter):
    """apispec's converter, without the defaults a partial (PATCH) schema never applies."""

    def field2default(self, field: Field[Any], **kwargs: Any) -> dict[str, Any]:
        # marshmallow skips a missing field of a partial load: it stays as it was.
        if getattr(field.parent, "partial", False):
            return {}
        return super().field2default(field, **kwargs)


class SchemaPlugin(MarshmallowPlugin):
    Converter = Converter


def schema_name(schema: type[Schema] | Schema) -> str:
    """A schema's component name; a partial one (for PATCH) is the Update variant."""
    if isinstance(schema, type):
        return schema.__name__
    name = type(schema).__name__
    return f"{name}Update" if schema.partial else name


def error_response(
    description: str,
    schema: str = "HTTPError",
    *,
    headers: dict[str, dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """An error answer for the document, in errors.py's JSON shape."""
    ref = {"$ref": f"#/components/schemas/{schema}"}
    answer = {
        "description": description,
        "content": {"application/json": {"schema": ref}},
    }
    return {**answer, "headers": headers} if headers else answer


def header(description: str, kind: str = "string") -> dict[str, Any]:
    """A header an answer carries, for the document."""
    return {"description": description, "schema": {"type": kind}}


def complete(spec: dict[str, Any]) -> dict[str, Any]:
    """Give each operation its path's parameters and the answers every operation of
    its kind may give, in code order; title the tags."""
    for path, item in spec["paths"].items():
        shared = item.pop("parameters", [])
        for operation in item.values():
            operation["parameters"] = [*shared, *operation.get("parameters", [])]
            operation["tags"] = [tag.title() for tag in operation.get("tags", [])]
            responses = operation["responses"]
            if "requestBody" in operation:
                for code, description in BODY_ERRORS.items():
                    responses.setdefault(code, error_response(description))
            if "{" in path:
                responses.setdefault("404", error_response("Not found"))
            operation["responses"] = dict(sorted(responses.items()))
    return spec
