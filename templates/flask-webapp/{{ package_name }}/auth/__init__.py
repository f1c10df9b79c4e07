"""Registration, sign-in and sign-out."""

from flask import Blueprint

bp = Blueprint("auth", __name__, url_prefix="/auth")

from . import views  # noqa: E402, F401  (the views register themselves on bp)
