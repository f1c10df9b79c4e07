"""The example resource: projects, with pages to list, create, edit and delete them."""

from flask import Blueprint

bp = Blueprint("projects", __name__, url_prefix="/projects")

from . import views  # noqa: E402, F401  (the views register themselves on bp)
