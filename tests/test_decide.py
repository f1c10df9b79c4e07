"""The Flask/Django decision, as a table: every worked example of the decision guide, then the signals."""

from __future__ import annotations

import itertools
import json
import re

import pytest
from newproj.decide import cannot_give, decide, refusal
from newproj.requirements import KEYS, REQUIREMENTS, complete

from tests.support.harness import REPO, newproj

SIGNAL_REASON = re.compile(r"\((\w+)=([\w-]+)\)$")
EVERY_ANSWER_SET = [
    dict(zip(KEYS, values, strict=True)) for values in itertools.product(*(r.choices for r in REQUIREMENTS))
]

WORKED_EXAMPLES = [
    pytest.param({"purpose": "microservice", "data": "none"}, "flask", "flask-api", id="microservice-no-db"),
    pytest.param({"purpose": "model-service", "accounts": "none"}, "flask", "flask-api", id="model-service"),
    pytest.param({"purpose": "api", "data": "few", "lifespan": "months"}, "flask", "flask-api", id="small-api"),
    pytest.param(
        {"purpose": "business-app", "admin": "yes", "data": "many"}, "django", "django-fullstack", id="business-app"
    ),
    pytest.param({"purpose": "content", "pages": "yes"}, "django", "django-fullstack", id="content-site"),
    pytest.param(
        {"purpose": "website", "accounts": "roles", "admin": "yes", "lifespan": "years"},
        "django",
        "django-fullstack",
        id="website-roles-admin",
    ),
    pytest.param(
        {"purpose": "learning", "pages": "yes", "accounts": "login", "admin": "no"},
        "flask",
        "flask-webapp",
        id="learning-pages-login",
    ),
    pytest.param(
        {"purpose": "website", "accounts": "external", "stack_control": "yes", "admin": "no"},
        "flask",
        "flask-webapp",
        id="website-external-idp",
    ),
]

SIGNAL_CASES = [
    pytest.param({"purpose": "api", "data": "many", "lifespan": "years"}, "django", id="large-rest-api-drf"),
    pytest.param({"purpose": "website", "admin": "yes"}, "django", id="staff-screens"),
    pytest.param({"purpose": "website", "accounts": "roles"}, "django", id="roles-permissions"),
    pytest.param({"purpose": "website", "data": "many", "lifespan": "years"}, "django", id="many-models-team"),
    pytest.param({"purpose": "website", "data": "none"}, "flask", id="no-sql-database"),
    pytest.param({"purpose": "website", "stack_control": "yes"}, "flask", id="pick-each-component"),
    pytest.param({"purpose": "prototype"}, "flask", id="prototype"),
    pytest.param({"purpose": "microservice", "lifespan": "years"}, "flask", id="long-lived-microservice"),
]


@pytest.mark.parametrize(("answers", "framework", "template"), WORKED_EXAMPLES)
def test_worked_examples_of_the_decision_guide(answers, framework, template):
    decision = decide(answers)
    assert (decision.framework, decision.template) == (framework, template)


@pytest.mark.parametrize(("answers", "framework"), SIGNAL_CASES)
def test_signals_pull_the_way_the_seeds_say(answers, framework):
    assert decide(answers).framework == framework


@pytest.mark.parametrize(("answers", "framework", "template"), WORKED_EXAMPLES)
def test_reasons_name_the_answers_that_decided(answers, framework, template):
    decision = decide(answers)
    winners = [m.groups() for s in decision.reasons if (m := SIGNAL_REASON.search(s))]
    assert winners, decision.reasons
    for key, value in winners:
        assert decision.answers[key] == value


def test_reasons_are_for_the_winner_and_the_runner_up_gets_its_own():
    decision = decide({"purpose": "business-app", "stack_control": "yes"})
    assert decision.framework == "django"
    assert any("(admin=yes)" in r for r in decision.reasons)
    assert any("(stack_control=yes)" in r for r in decision.runner_up_reasons)
    assert not any("(stack_control=yes)" in r for r in decision.reasons)


@pytest.mark.parametrize(
    ("answers", "close"),
    [
        pytest.param({"purpose": "website"}, True, id="default-website-is-close"),
        pytest.param({"purpose": "business-app"}, False, id="business-app-is-clear"),
        pytest.param({"purpose": "microservice"}, False, id="microservice-is-clear"),
    ],
)
def test_close_calls_are_flagged_with_the_runner_up(answers, close):
    decision = decide(answers)
    assert decision.close_call is close
    assert decision.runner_up != decision.framework
    assert decision.margin == decision.scores[decision.framework] - decision.scores[decision.runner_up]


def test_a_tie_goes_to_the_smaller_framework_and_says_so():
    decision = decide({"purpose": "website", "accounts": "none", "pages": "yes", "data": "few"})
    assert decision.framework == "flask"
    assert decision.close_call


def test_decision_is_a_pure_function_of_the_answers():
    answers = {"purpose": "content", "accounts": "roles"}
    assert decide(answers) == decide(dict(answers))


@pytest.mark.parametrize(
    ("purpose", "expected"),
    [
        pytest.param(
            "api", {"pages": "no", "accounts": "none", "admin": "no", "data": "few", "lifespan": "months"}, id="api"
        ),
        pytest.param("model-service", {"pages": "no", "accounts": "none", "data": "none"}, id="model-service"),
        pytest.param(
            "business-app",
            {"pages": "yes", "accounts": "login", "admin": "yes", "data": "many", "lifespan": "years"},
            id="business-app",
        ),
        pytest.param("content", {"admin": "yes", "data": "many", "lifespan": "years"}, id="content"),
        pytest.param("prototype", {"accounts": "none", "lifespan": "short", "pages": "yes"}, id="prototype"),
        pytest.param("learning", {"accounts": "login", "lifespan": "short"}, id="learning"),
        pytest.param(
            "website",
            {
                "pages": "yes",
                "accounts": "login",
                "admin": "no",
                "data": "few",
                "lifespan": "months",
                "stack_control": "no",
            },
            id="website",
        ),
    ],
)
def test_purpose_prefills_the_other_defaults(purpose, expected):
    answers = complete({"purpose": purpose})
    assert set(answers) == set(KEYS)
    assert {k: answers[k] for k in expected} == expected


def test_default_purpose_is_website():
    assert complete({})["purpose"] == "website"


def asked_features(answers: dict[str, str]) -> set[str]:
    """What features.md says a template must then contain (accounts and data: every template has them)."""
    asked = {f"{key}=yes" for key in ("pages", "admin") if answers[key] == "yes"}
    if answers["purpose"] == "model-service":
        asked.add("purpose=model-service")
    return asked


# What each template renders; test_every_template_serves_predictions_for_model_service proves
# the purpose=model-service entries against the templates themselves.
TEMPLATE_FEATURES = {
    "flask-api": {"purpose=model-service"},
    "flask-webapp": {"pages=yes", "admin=yes", "purpose=model-service"},
    "django-fullstack": {"pages=yes", "admin=yes", "purpose=model-service"},
}


def test_the_full_product_of_answers_is_every_combination():
    assert len(EVERY_ANSWER_SET) == 8 * 2 * 4 * 2 * 3 * 3 * 2
    assert len({tuple(a.values()) for a in EVERY_ANSWER_SET}) == len(EVERY_ANSWER_SET)


def test_every_recommendation_gives_what_the_answers_ask():
    wrong = []
    for answers in EVERY_ANSWER_SET:
        decision = decide(answers)
        missing = asked_features(answers) - TEMPLATE_FEATURES[decision.template]
        if missing or cannot_give(decision.template, answers):
            wrong.append((answers, decision.template, missing))
    assert not wrong, f"{len(wrong)} answer sets get a template that lacks what they ask, e.g. {wrong[:3]}"


def test_model_service_with_pages_or_staff_screens_gets_a_template_with_pages():
    """A model service with staff screens (the brief's case): pages or admin asked, prediction still given."""
    templates = set()
    for answers in EVERY_ANSWER_SET:
        if answers["purpose"] == "model-service" and "yes" in (answers["pages"], answers["admin"]):
            decision = decide(answers)
            assert "purpose=model-service" in TEMPLATE_FEATURES[decision.template], answers
            templates.add(decision.template)
    assert templates == {"flask-webapp", "django-fullstack"}


@pytest.mark.parametrize("template", sorted(TEMPLATE_FEATURES))
def test_every_template_serves_predictions_for_model_service(copie, template):
    """Rendered with purpose=model-service, each template routes POST /api/predict and its batch form."""
    answers = {"purpose": "model-service", "pages": "yes", "admin": "yes", "accounts": "none", "data": "none"}
    if template == "flask-api":
        answers.update(pages="no", admin="no")
    result = copie.copy(
        extra_answers={"template": template, "project_name": "iris", **answers}, template_dir=REPO / "templates"
    )
    assert result.exit_code == 0, result.exception
    code = "\n".join(p.read_text() for p in (result.project_dir / "iris").rglob("*.py"))
    assert re.search(r"""["']/?api/predict["']""", code), template
    assert re.search(r"""["']/?(api/predict)?/batch["']""", code), template
    model = result.project_dir / "iris" / ("predictions" if template == "django-fullstack" else "") / "model.json"
    assert json.loads(model.read_text())["features"], template


def test_admin_or_pages_never_yields_flask_api():
    for answers in EVERY_ANSWER_SET:
        if "yes" in (answers["admin"], answers["pages"]):
            assert decide(answers).template != "flask-api", answers


@pytest.mark.parametrize(
    ("answers", "needle"),
    [
        pytest.param(
            {"data": "none", "accounts": "roles"}, "data=none gave way to accounts=roles", id="data-none-roles"
        ),
        pytest.param({"data": "none", "admin": "yes"}, "data=none gave way to admin=yes", id="data-none-admin"),
        pytest.param(
            {"accounts": "none", "admin": "yes"}, "accounts=none gave way to admin=yes", id="no-accounts-admin"
        ),
    ],
)
def test_every_contradiction_is_said_in_the_reasons_for_every_combination(answers, needle):
    for full in EVERY_ANSWER_SET:
        if all(full[k] == v for k, v in answers.items()):
            assert any(needle in r for r in decide(full).reasons), full


def test_flask_with_pages_no_and_admin_yes_gives_flask_webapp_and_says_pages_gave_way():
    seen = 0
    for answers in EVERY_ANSWER_SET:
        decision = decide(answers)
        if decision.framework == "flask" and answers["pages"] == "no" and answers["admin"] == "yes":
            seen += 1
            assert decision.template == "flask-webapp"
            assert any(
                r.startswith("pages=no gave way to admin=yes: admin screens are HTML pages") for r in decision.reasons
            )
    assert seen, "no answer set reached the Flask pages=no admin=yes case"


def test_a_tie_goes_to_the_template_covering_more_answers_and_says_so():
    ties = [a for a in EVERY_ANSWER_SET if decide(a).scores["flask"] == decide(a).scores["django"]]
    assert ties
    for answers in ties:
        decision = decide(answers)
        assert any(r.startswith("A tie on the signals") for r in decision.reasons), answers
        if answers["pages"] == "no" and answers["admin"] == "yes":
            assert decision.framework == "django", answers
            assert "covers more of your answers" in " ".join(decision.reasons)


def test_a_template_that_cannot_give_an_answer_names_it():
    assert cannot_give("flask-api", complete({"purpose": "api", "admin": "yes"})) == ("admin=yes",)
    assert cannot_give("flask-api", complete({"purpose": "website"})) == ("pages=yes",)
    assert cannot_give("flask-webapp", complete({"purpose": "api", "admin": "yes"})) == ()
    for answers in EVERY_ANSWER_SET:
        assert cannot_give("django-fullstack", answers) == ()
    assert refusal("flask-api", complete({"purpose": "api"})) is None


@pytest.mark.parametrize(
    ("flags", "answer"),
    [
        pytest.param(["--template", "flask-api", "-a", "purpose=api", "-a", "admin=yes"], "admin=yes", id="template"),
        pytest.param(["--template", "flask-api", "-a", "pages=yes"], "pages=yes", id="template-pages"),
    ],
)
def test_forcing_a_template_that_cannot_give_an_answer_is_refused_in_one_line(tmp_path, flags, answer):
    dest = tmp_path / "shop"
    result = newproj("create", str(dest), "--defaults", "--source", str(REPO / "templates"), *flags)
    assert result.returncode == 2, result.stderr
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("Error: template flask-api cannot give")
    assert answer in result.stderr and "Traceback" not in result.stderr
    assert not dest.exists()


def test_forcing_flask_with_admin_gives_flask_webapp_and_records_why(tmp_path):
    import yaml

    dest = tmp_path / "shop"
    args = [
        "create",
        str(dest),
        "--defaults",
        "--no-git",
        "--framework",
        "flask",
        "-a",
        "purpose=api",
        "-a",
        "admin=yes",
    ]
    result = newproj(*args, "--source", str(REPO / "templates"))
    assert result.returncode == 0, result.stderr
    recorded = yaml.safe_load((dest / ".copier-answers.yml").read_text())
    assert recorded["template"] == "flask-webapp"
    assert any(r.startswith("pages=no gave way to admin=yes") for r in recorded["decision_reasons"])


def test_a_forced_template_is_refused_only_for_what_was_asked_not_for_defaults(tmp_path):
    dest = tmp_path / "shop"
    args = ["create", str(dest), "--defaults", "--no-git", "--template", "flask-api", "-a", "purpose=website"]
    result = newproj(*args, "--source", str(REPO / "templates"))
    assert result.returncode == 0, result.stderr
