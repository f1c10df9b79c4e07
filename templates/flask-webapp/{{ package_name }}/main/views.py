"""Main views."""

from flask import render_template
from flask_login import current_user, login_required
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from ..extensions import db
from . import bp


@bp.get("/")
def index() -> str:
    return render_template("main/index.html")


@bp.get("/dashboard")
@login_required
def dashboard() -> str:
    return render_template("main/dashboard.html", user=current_user)


@bp.get("/health")
def health() -> tuple[dict[str, str], int]:
    """Liveness plus one database round trip, for load balancers and uptime checks."""
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        return {"status": "error", "database": "unreachable"}, 503
    return {"status": "ok", "database": "ok"}, 200
