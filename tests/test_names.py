"""Project and package names: what is refused, and why."""

from __future__ import annotations

import pytest
from newproj.names import package_name_for, package_name_problem, project_name_problem


@pytest.mark.parametrize("name", ["shop", "my-shop", "my_shop2", "a", "inventory-api"])
def test_good_project_names(name):
    assert project_name_problem(name) is None


@pytest.mark.parametrize(
    ("name", "words"),
    [
        pytest.param("{{ 7*7 }}", "lowercase letters", id="jinja"),
        pytest.param("../x", "lowercase letters", id="parent-path"),
        pytest.param("/abs", "lowercase letters", id="absolute-path"),
        pytest.param(".", "lowercase letters", id="dot"),
        pytest.param("a/b", "lowercase letters", id="nested-path"),
        pytest.param("", "lowercase letters", id="empty"),
        pytest.param("My Shop", "lowercase letters", id="space-and-capitals"),
        pytest.param("2fast", "lowercase letters", id="leading-digit"),
        pytest.param("a" * 51, "at most 50", id="too-long"),
        pytest.param("class", "keyword", id="keyword"),
        pytest.param("match", "keyword", id="soft-keyword"),
        pytest.param("json", "standard-library", id="stdlib"),
        pytest.param("email", "standard-library", id="stdlib-email"),
        pytest.param("flask", "already uses", id="dependency-flask"),
        pytest.param("django", "already uses", id="dependency-django"),
        pytest.param("rest-framework", "already uses", id="dependency-drf-after-dash"),
        pytest.param("config", "already uses", id="django-config-package"),
    ],
)
def test_bad_project_names_are_refused_with_a_reason(name, words):
    problem = project_name_problem(name)
    assert problem is not None and words in problem


def test_refusal_suggests_a_usable_name():
    problem = package_name_problem("json")
    assert "'json_app'" in problem
    assert package_name_problem("json_app") is None


def test_package_name_comes_from_the_project_name():
    assert package_name_for("my-shop") == "my_shop"
