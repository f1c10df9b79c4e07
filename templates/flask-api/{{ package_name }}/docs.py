"""Interactive API docs at /docs, served from this server: no CDN is contacted.

The OpenAPI document itself is at /openapi.json; APIFlask builds it from the
routes, their input and output schemas and their auth.
"""

from typing import Any

from apiflask import APIFlask
from flask import Blueprint
from swagger_ui_bundle import swagger_ui_path

ASSETS_URL = "/docs/assets"

bp = Blueprint(
    "docs_assets",
    __name__,
    static_folder=swagger_ui_path,
    static_url_path=ASSETS_URL,
)


def init_app(app: APIFlask) -> None:
    # Swagger UI 4 reads OpenAPI 3.0 documents.
    app.config["OPENAPI_VERSION"] = "3.0.3"
    app.config["SWAGGER_UI_CSS"] = f"{ASSETS_URL}/swagger-ui.css"
    app.config["SWAGGER_UI_BUNDLE_JS"] = f"{ASSETS_URL}/swagger-ui-bundle.js"
    app.config["SWAGGER_UI_STANDALONE_PRESET_JS"] = (
        f"{ASSETS_URL}/swagger-ui-standalone-preset.js"
    )
    app.config["DOCS_FAVICON"] = f"{ASSETS_URL}/favicon-32x32.png"
    app.register_blueprint(bp)
    app.spec_processor(require_request_bodies)


def require_request_bodies(spec: dict[str, Any] | str) -> dict[str, Any] | str:
    """Every JSON body a view reads is required (without one the answer is 415)."""
    if isinstance(spec, str):  # only with SPEC_PROCESSOR_PASS_OBJECT, unused here
        return spec
    for operations in spec["paths"].values():
        for operation in operations.values():
            if "requestBody" in operation:
                operation["requestBody"]["required"] = True
    return spec
