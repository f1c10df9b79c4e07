"""A small team template repository with releases v1.0.0 to v1.3.0, for update tests.

It has the shape of a real team's export (one copier.yml choosing a starter folder) but tiny
starters, so services render, migrate and test in a second:

- v1.0.0: starters svc-flask (Flask-SQLAlchemy, Flask-Migrate), svc-django and a 4th, worker;
- v1.1.0: a migration in both services, an optional question owner_team (CODEOWNERS);
- v1.2.0rc1: a pre-release (ignored unless --prereleases);
- v1.2.0 (also tagged acme-stable): a required question pagerduty_service, tests/test_security.py
  deleted, a new favicon (binary);
- v1.3.0: docs/runbook.md renamed to docs/operations.md.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

TEAM = ["-c", "user.name=Platform Team", "-c", "user.email=platform@example.com"]

COPIER_V1 = """\
_subdirectory: "{{ template }}"
_answers_file: .copier-answers.yml
template:
  type: str
  choices: [svc-flask, svc-django, worker]
  default: svc-flask
project_name:
  type: str
  default: service
package_name:
  type: str
  default: "{{ project_name | replace('-', '_') }}"
"""
OWNER_QUESTION = """\
owner_team:
  type: str
  help: Which team owns the service
  default: platform
"""
PAGERDUTY_QUESTION = """\
pagerduty_service:
  type: str
  help: The PagerDuty service id alerts go to
"""

ANSWERS = "{{ _copier_answers | to_nice_yaml }}\n"
GITIGNORE = ".venv\n__pycache__/\n*.db\n*.sqlite3\n.env\n"
FAVICON_V1 = bytes(range(256)) + b"\0team-v1"
FAVICON_V2 = bytes(range(255, -1, -1)) + b"\0team-v2"

FLASK_INIT = """\
import os

from flask import Flask
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy

db = SQLAlchemy()


def create_app(database_url=None):
    app = Flask(__name__)
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    app.config["SQLALCHEMY_DATABASE_URI"] = database_url or os.environ.get(
        "DATABASE_URL", "sqlite:///" + os.path.join(here, "service.db")
    )
    db.init_app(app)
    Migrate(app, db)
    from {{ package_name }} import models  # noqa: F401

    return app
"""
FLASK_MODELS = """\
from {{ package_name }} import db


class Account(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(80), nullable=False)
"""
ALEMBIC_ENV = """\
from alembic import context
from flask import current_app

db = current_app.extensions["migrate"].db
if context.is_offline_mode():
    context.configure(url=str(db.engine.url), target_metadata=db.metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    with db.engine.connect() as connection:
        context.configure(connection=connection, target_metadata=db.metadata)
        with context.begin_transaction():
            context.run_migrations()
"""
SCRIPT_MAKO = '''\
"""${message}

Revision ID: ${up_revision}
Revises: ${down_revision | comma,n}
"""
from alembic import op
import sqlalchemy as sa
${imports if imports else ""}
revision = ${repr(up_revision)}
down_revision = ${repr(down_revision)}
branch_labels = ${repr(branch_labels)}
depends_on = ${repr(depends_on)}


def upgrade():
    ${upgrades if upgrades else "pass"}


def downgrade():
    ${downgrades if downgrades else "pass"}
'''


def alembic_revision(revision: str, down: str | None, table: str) -> str:
    return f'''\
"""create {table}"""
import sqlalchemy as sa
from alembic import op

revision = "{revision}"
down_revision = {down!r}
branch_labels = None
depends_on = None


def upgrade():
    op.create_table("{table}", sa.Column("id", sa.Integer, primary_key=True), sa.Column("name", sa.String(80)))


def downgrade():
    op.drop_table("{table}")
'''


FLASK_TEST = """\
from alembic.script import ScriptDirectory
from flask_migrate import upgrade

from {{ package_name }} import create_app, db


def test_migrations_apply_and_history_is_one_line(tmp_path):
    app = create_app("sqlite:///" + str(tmp_path / "test.db"))
    with app.app_context():
        script = ScriptDirectory.from_config(app.extensions["migrate"].migrate.get_config())
        assert len(script.get_heads()) == 1, script.get_heads()
        upgrade()
        assert "account" in db.inspect(db.engine).get_table_names()
"""
SECURITY_TEST = """\
def test_secret_is_not_shipped():
    assert True
"""

DJANGO_SETTINGS = """\
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
SECRET_KEY = "fixture-only"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1"]
INSTALLED_APPS = ["django.contrib.contenttypes", "django.contrib.auth", "core"]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": BASE_DIR / "db.sqlite3"}}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
"""
MANAGE = """\
import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
"""
DJANGO_TEST = """\
import os

import django
from django.core.management import call_command

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()


def test_migration_history_is_one_line_and_applies(tmp_path):
    from django.conf import settings

    settings.DATABASES["default"]["NAME"] = tmp_path / "test.sqlite3"
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)
    call_command("migrate", verbosity=0)
"""


def django_migration(name: str, depends: str | None, model: str) -> str:
    dependencies = f'[("core", "{depends}")]' if depends else "[]"
    return f"""\
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = {dependencies}
    operations = [
        migrations.CreateModel(
            name="{model}",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name", models.CharField(max_length=80)),
            ],
        ),
    ]
"""


def django_models(*names: str) -> str:
    body = "from django.db import models\n"
    for name in names:
        body += f"\n\nclass {name}(models.Model):\n    name = models.CharField(max_length=80)\n"
    return body


def _write(root: Path, files: dict[str, str | bytes]) -> None:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)


def _release(root: Path, tag: str, *aliases: str) -> None:
    subprocess.run(["git", "add", "-A"], cwd=root, check=True)
    subprocess.run(["git", *TEAM, "commit", "-qm", f"Templates {tag}"], cwd=root, check=True)
    for name in (tag, *aliases):
        subprocess.run(["git", "tag", name], cwd=root, check=True)


def _common(folder: str) -> dict[str, str | bytes]:
    return {
        f"{folder}/{{{{ _copier_conf.answers_file }}}}.jinja": ANSWERS,
        f"{folder}/.gitignore": GITIGNORE,
        f"{folder}/docs/runbook.md": "# Runbook\n\nRestart the service with the platform's deploy button.\n",
        f"{folder}/static/favicon.ico": FAVICON_V1,
        f"{folder}/tests/test_security.py": SECURITY_TEST,
        f"{folder}/tests/__init__.py": "",
    }


def build(root: Path) -> Path:
    """Write the team template repository with its five release tags; return it."""
    root.mkdir(parents=True)
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=root, check=True)
    pkg = "svc-flask/{{ package_name }}"
    _write(
        root,
        {
            "copier.yml": COPIER_V1,
            **_common("svc-flask"),
            f"{pkg}/__init__.py.jinja": FLASK_INIT,
            f"{pkg}/models.py.jinja": FLASK_MODELS,
            "svc-flask/migrations/alembic.ini": "[alembic]\n",
            "svc-flask/migrations/env.py": ALEMBIC_ENV,
            "svc-flask/migrations/script.py.mako": SCRIPT_MAKO,
            "svc-flask/migrations/versions/0001_accounts.py": alembic_revision("0001", None, "account"),
            "svc-flask/tests/test_app.py.jinja": FLASK_TEST,
            **_common("svc-django"),
            "svc-django/manage.py": MANAGE,
            "svc-django/config/__init__.py": "",
            "svc-django/config/settings.py": DJANGO_SETTINGS,
            "svc-django/core/__init__.py": "",
            "svc-django/core/models.py": django_models("Account"),
            "svc-django/core/migrations/__init__.py": "",
            "svc-django/core/migrations/0001_initial.py": django_migration("0001_initial", None, "Account"),
            "svc-django/tests/test_app.py": DJANGO_TEST,
            "worker/{{ _copier_conf.answers_file }}.jinja": ANSWERS,
            "worker/worker.py.jinja": "def main():\n    print('{{ project_name }} works')\n",
        },
    )
    _release(root, "v1.0.0")
    (root / "copier.yml").write_text(COPIER_V1 + OWNER_QUESTION)
    _write(
        root,
        {
            "svc-flask/CODEOWNERS.jinja": "* @acme/{{ owner_team }}\n",
            "svc-django/CODEOWNERS.jinja": "* @acme/{{ owner_team }}\n",
            "svc-flask/migrations/versions/0002_audit.py": alembic_revision("0002", "0001", "audit"),
            "svc-django/core/migrations/0002_audit.py": django_migration("0002_audit", "0001_initial", "Audit"),
            "svc-django/core/models.py": django_models("Account", "Audit"),
        },
    )
    _release(root, "v1.1.0")
    _write(root, {"svc-flask/PRERELEASE.md": "unfinished\n"})
    _release(root, "v1.2.0rc1")
    (root / "svc-flask" / "PRERELEASE.md").unlink()
    (root / "copier.yml").write_text(COPIER_V1 + OWNER_QUESTION + PAGERDUTY_QUESTION)
    for folder in ("svc-flask", "svc-django"):
        (root / folder / "tests" / "test_security.py").unlink()
        _write(
            root,
            {
                f"{folder}/static/favicon.ico": FAVICON_V2,
                f"{folder}/ALERTS.md.jinja": "Alerts go to {{ pagerduty_service }}.\n",
            },
        )
    _release(root, "v1.2.0", "acme-stable")
    for folder in ("svc-flask", "svc-django"):
        (root / folder / "docs" / "runbook.md").rename(root / folder / "docs" / "operations.md")
    _release(root, "v1.3.0")
    return root


def build_with_tasks(root: Path) -> Path:
    """A one-starter template whose v1.1.0 asks Copier to run a task (it needs --trust)."""
    root.mkdir(parents=True)
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=root, check=True)
    _write(
        root,
        {
            "copier.yml": COPIER_V1,
            "worker/{{ _copier_conf.answers_file }}.jinja": ANSWERS,
            "worker/worker.py": "print('v1')\n",
        },
    )
    _release(root, "v1.0.0")
    (root / "copier.yml").write_text(COPIER_V1 + '_tasks:\n  - "touch TASK_RAN"\n')
    _write(root, {"worker/worker.py": "print('v2')\n"})
    _release(root, "v1.1.0")
    return root
