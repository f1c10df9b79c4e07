"""The API's front door: what it is, and whether it is healthy."""

from flask import Blueprint, current_app, url_for
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from .config import about
from .extensions import db

bp = Blueprint("status", __name__)


@bp.get("/")
def index() -> dict[str, object]:
    return {
        **about(),
        "links": {
            "notes": url_for("notes.list_notes"),
            "health": url_for("status.health"),
        },
    }


@bp.get("/health")
def health() -> tuple[dict[str, str], int]:
    try:
        db.session.execute(select(1)).scalar_one()
    except SQLAlchemyError:
        current_app.logger.exception("Health check failed: database unreachable")
        db.session.rollback()
        return {"status": "error", "database": "unavailable"}, 503
    return {"status": "ok", "database": "ok"}, 200
