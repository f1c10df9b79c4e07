"""The Copier template root as plain Copier users meet it (through pytest-copie)."""

from __future__ import annotations

import pytest
import yaml
from newproj.catalog import NAMES

from tests.support.harness import REPO

ROOT = REPO / "templates"
CONFIG = yaml.safe_load((ROOT / "copier.yml").read_text())


def test_no_feature_that_would_force_trust():
    assert not {"_tasks", "_migrations", "_jinja_extensions"} & set(CONFIG)


def test_every_question_has_a_type_help_and_default():
    questions = {k: v for k, v in CONFIG.items() if not k.startswith("_")}
    for name, spec in questions.items():
        assert {"type", "help", "default"} <= set(spec), name


def test_template_choices_are_the_catalog():
    assert sorted(CONFIG["template"]["choices"].values()) == sorted(NAMES)
    for name in NAMES:
        assert (ROOT / name / "{{ _copier_conf.answers_file }}.jinja").is_file()


@pytest.mark.parametrize("template", NAMES)
def test_plain_copier_renders_each_template_and_records_answers(copie, template):
    result = copie.copy(extra_answers={"template": template, "project_name": "plain-shop"}, template_dir=ROOT)
    assert result.exit_code == 0, result.exception
    recorded = yaml.safe_load((result.project_dir / ".copier-answers.yml").read_text())
    assert recorded["template"] == template and recorded["package_name"] == "plain_shop"
    assert (result.project_dir / "plain_shop").is_dir()
    leftovers = [p for p in result.project_dir.rglob("*.jinja")]
    assert leftovers == []


@pytest.mark.parametrize(
    "answers",
    [
        pytest.param({"project_name": "Bad Name"}, id="project-name"),
        pytest.param({"project_name": "ok", "package_name": "flask"}, id="package-shadows-dependency"),
        pytest.param({"author_email": "nobody"}, id="email"),
        pytest.param({"purpose": "blog"}, id="purpose-not-a-choice"),
    ],
)
def test_plain_copier_refuses_bad_answers_too(copie, answers):
    result = copie.copy(extra_answers={"template": "flask-api", **answers}, template_dir=ROOT)
    assert result.exit_code != 0
