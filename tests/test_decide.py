"""The Flask/Django decision, as a table: every worked example of the decision guide, then the signals."""

from __future__ import annotations

import pytest
from newproj.decide import decide
from newproj.requirements import KEYS, complete

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
    winners = [s for s in decision.reasons if "=" in s]
    assert winners, decision.reasons
    for reason in winners:
        key, value = reason.rsplit("(", 1)[1].rstrip(")").split("=")
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
