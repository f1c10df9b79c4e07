"""Entry point for gunicorn (see the Procfile)."""

from . import create_app

app = create_app()
