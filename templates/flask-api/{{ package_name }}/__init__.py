"""A Flask JSON API, built by the application factory below."""

import os
from collections.abc import Mapping
from typing import Any

from dotenv import find_dotenv, load_dotenv
from flask import Flask

from . import errors, notes, security, status
from .config import from_env
from .extensions import db, migrate


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Create and configure the app; tests pass their own complete config."""
    app = Flask(__name__, instance_relative_config=True)
    if test_config is None:
        # The same .env lookup as the flask command; real variables win.
        load_dotenv(find_dotenv(usecwd=True))
        app.config.from_mapping(from_env(os.environ))
    else:
        app.config.from_mapping(test_config)

    db.init_app(app)
    migrate.init_app(app, db, render_as_batch=True)
    errors.init_app(app)
    security.init_app(app)
    app.register_blueprint(status.bp)
    app.register_blueprint(notes.bp)
    return app
