"""The application factory."""

import os
from collections.abc import Mapping
from typing import Any

from dotenv import find_dotenv, load_dotenv
from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from . import config
from .extensions import csrf, db, limiter, login_manager, migrate
from .security import add_security_headers


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Create and configure the application.

    Without test_config, settings come from the environment; a .env file in the
    current folder (or a parent) fills in what the real environment lacks.
    """
    app = Flask(__name__, instance_relative_config=True)
    if test_config is None:
        load_dotenv(find_dotenv(usecwd=True), override=False)
        app.config.from_mapping(config.from_environ(os.environ))
    else:
        app.config.from_mapping(test_config)

    if app.config["BEHIND_PROXY"]:
        # Trust exactly one proxy hop for the client address and the scheme.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1)  # type: ignore[method-assign]
    if app.config["SECURITY_HEADERS"]:
        add_security_headers(app)

    db.init_app(app)
    migrate.init_app(app, db)
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)

    from . import auth, errors, main

    app.register_blueprint(auth.bp)
    app.register_blueprint(main.bp)
    errors.register(app)
    return app
