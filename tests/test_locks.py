"""Every answer set renders a lock file that matches its pyproject.toml (offline check)."""

from __future__ import annotations

from pathlib import Path

from newproj import locking

from .support.harness import REPO

TEMPLATES = REPO / "templates"


def test_every_template_renders_a_lock() -> None:
    assert locking.locked_templates(TEMPLATES) == ["django-fullstack", "flask-api", "flask-webapp"]


def test_every_answer_set_has_an_up_to_date_lock() -> None:
    assert locking.problems(TEMPLATES) == []


def test_a_changed_requirement_is_reported(tmp_path: Path) -> None:
    lock = "\n".join([locking.HEADER, "#   flask>=3.1,<3.2", "flask==3.0.3 \\", "    --hash=sha256:00"])
    assert locking.recorded_requirements(lock) == ("flask>=3.1,<3.2",)
    assert locking.unsatisfied(("flask>=3.1,<3.2", "gunicorn>=25"), lock) == ["flask>=3.1,<3.2", "gunicorn>=25"]


def test_the_key_matches_the_rendered_lock(tmp_path: Path) -> None:
    from .support.harness import generate

    project = generate(tmp_path / "p", "flask-api", {"purpose": "api"}, "--no-git")
    pyproject = (project / "pyproject.toml").read_text(encoding="utf-8")
    expected = locking.lock_path(TEMPLATES, "flask-api", locking.lock_key(pyproject)).read_text(encoding="utf-8")
    assert (project / "requirements.lock").read_text(encoding="utf-8") == expected
