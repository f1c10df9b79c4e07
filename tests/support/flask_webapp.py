"""flask-webapp projects for the end-to-end tests: each answer set generated and set up once
per test session (the matrix and the expensive proofs share them), and gunicorn on a port
chosen in advance (an OpenID provider must know the callback address before the app runs).
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator, Mapping
from pathlib import Path

from .harness import generate, readme_block, run_bash, run_server

PROJECT = "demo_site"
# Free text that must never break the project or reach a page unescaped.
HOSTILE_DESCRIPTION = (
    'It\'s "quoted" \\ back\\slash {{ 7*7 }} {% raw %} x {% endraw %} {% if %}\n'
    "<script>alert('x')</script> <img src=x onerror=alert(1)> ''' \"\"\" \\u0022 \\\" "
    "ends with a backslash \\"
)
HOSTILE_AUTHOR = 'O\'Brien "Bob" \\ {{ 7*7 }} {% raw %}\n<b>Zoë</b> & co, Ltd'
TEMPLATE = "flask-webapp"
# One factor at a time from the learning default (accounts=login, admin=no, data=few,
# lifespan=short), plus the rich and the bare ends of the range.
VARIANTS: dict[str, dict[str, str]] = {
    "login-few": {"purpose": "learning"},
    "roles-admin-many-years": {
        "purpose": "business-app",
        "accounts": "roles",
        "admin": "yes",
        "data": "many",
        "lifespan": "years",
        "description": HOSTILE_DESCRIPTION,
        "author_name": HOSTILE_AUTHOR,
    },
    "external-few": {"purpose": "website", "accounts": "external", "stack_control": "yes", "admin": "no"},
    "none-none": {"purpose": "website", "accounts": "none", "admin": "no", "data": "none"},
    "staff-only": {"purpose": "website", "accounts": "none", "admin": "yes", "data": "none"},
    "login-no-data": {"purpose": "learning", "data": "none"},
    # A model service with staff screens: the prediction API next to pages and Flask-Admin.
    "model-staff": {"purpose": "model-service", "pages": "yes", "admin": "yes"},
}
_projects: dict[str, Path] = {}


def project_for(variant: str, root: Path, **free_text: str) -> Path:
    """The variant's project, generated and set up with its README's own commands (cached)."""
    key = variant + repr(sorted(free_text.items()))
    if key not in _projects:
        answers = {"project_name": PROJECT, **VARIANTS[variant], **free_text}
        dest = generate(root / variant / PROJECT, TEMPLATE, answers)
        run_bash(dest, readme_block(dest, "Set up"))
        _projects[key] = dest
    return _projects[key]


@contextlib.contextmanager
def serve_on(
    project: Path, port: int | None = None, env: Mapping[str, str] | None = None
) -> Iterator[tuple[str, Path]]:
    """The Procfile's web process on 127.0.0.1:port; yields its base URL and its log file."""
    with run_server(project, env, port=port) as server:
        yield server.base, server.log


def last_link(log: Path, base: str) -> str:
    """The newest link the app e-mailed (printed to the console, so in the server's log)."""
    links = re.findall(rf"^({re.escape(base)}/\S+)$", log.read_text(encoding="utf-8"), re.MULTILINE)
    assert links, f"no e-mailed link in the server's output:\n{log.read_text()[-3000:]}"
    return str(links[-1])
