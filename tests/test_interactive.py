"""newproj create with a real terminal: tmux types the answers and reads the screen."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
import time
import uuid

import pytest
import yaml

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed (tests/run.sh installs it)")


class Terminal:
    """A tmux session running one command; keys in, screen text out."""

    def __init__(self, command: str, cwd, width: int = 160) -> None:
        self.name = f"newproj-{uuid.uuid4().hex[:8]}"
        subprocess.run(
            [
                "tmux",
                "new-session",
                "-d",
                "-s",
                self.name,
                "-x",
                str(width),
                "-y",
                "60",
                "-c",
                str(cwd),
                f"{command}; echo EXIT=$?; sleep 60",
            ],
            check=True,
        )

    def screen(self) -> str:
        return subprocess.run(["tmux", "capture-pane", "-p", "-t", self.name], capture_output=True, text=True).stdout

    def wait_for(self, text: str, timeout: float = 30) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            screen = self.screen()
            if text in screen:
                return screen
            time.sleep(0.1)
        raise AssertionError(f"never saw {text!r} on screen:\n{self.screen()}")

    def keys(self, *keys: str) -> None:
        for key in keys:
            subprocess.run(["tmux", "send-keys", "-t", self.name, key], check=True)
            time.sleep(0.15)

    def type(self, text: str) -> None:
        subprocess.run(["tmux", "send-keys", "-t", self.name, "-l", text], check=True)
        time.sleep(0.15)

    def close(self) -> None:
        subprocess.run(["tmux", "kill-session", "-t", self.name], check=False)


@pytest.fixture
def terminal(workdir, cli_env, fixture_templates):
    sessions = []

    def start(*args: str, width: int = 160, **extra: str) -> Terminal:
        env = " ".join(f"{k}={shlex.quote(v)}" for k, v in {**cli_env, **extra}.items())
        newproj = f"{shlex.quote(sys.executable)} -m newproj create {' '.join(args)}"
        command = f"env -u CI {env} {newproj} --source {fixture_templates}"
        sessions.append(Terminal(command, workdir, width))
        return sessions[-1]

    yield start
    for session in sessions:
        session.close()


def decline_set_up(term: Terminal) -> None:
    """The fixture templates are a --source of their own: newproj does not offer to run their commands."""
    screen = term.wait_for("EXIT=")
    assert "Set it up now" not in screen
    assert "not set up: this template is not newproj's own" in joined(screen)


def test_questions_recommendation_and_names_in_a_terminal(terminal, workdir):
    term = terminal()
    screen = term.wait_for("What are you building? [website]")
    assert "Your first answer pre-fills the others" in screen
    term.keys("Down", "Down", "Down", "Down", "Enter")  # learning
    screen = term.wait_for("Will people use HTML pages")
    assert "[yes]" in screen
    for question in (
        "Will people sign in? [login]",
        "back-office screens? [no]",
        "relational data? [few]",
        "maintained? [short]",
        "yourself? [no]",
    ):
        term.keys("Enter")
        term.wait_for(question)
    term.keys("Enter")
    screen = term.wait_for("Go with this?")
    assert "Recommended: Flask, template flask-webapp" in screen and "(purpose=learning)" in screen
    term.keys("Enter")
    term.wait_for("Project name")
    term.type("json")
    term.keys("Enter")
    term.wait_for("standard-library module")
    term.type("garden")
    term.keys("Enter")
    term.wait_for("One line about the project")
    term.keys("Enter", "Enter", "Enter")
    decline_set_up(term)
    screen = term.wait_for("EXIT=")
    assert "EXIT=0" in screen, screen
    assert screen.count("Recommended: Flask") == 1, "the recommendation is printed more than once"
    recorded = yaml.safe_load((workdir / "garden" / ".copier-answers.yml").read_text())
    assert recorded["purpose"] == "learning" and recorded["template"] == "flask-webapp"
    assert recorded["project_name"] == "garden"


def test_picking_the_other_framework_is_recorded(terminal, workdir):
    term = terminal("shop")
    term.wait_for("What are you building?")
    for _ in range(7):
        term.keys("Enter")
    term.wait_for("Go with this?")
    term.keys("Down", "Enter")
    term.wait_for("One line about the project")
    term.keys("Enter", "Enter", "Enter")
    decline_set_up(term)
    assert "EXIT=0" in term.wait_for("EXIT=")
    recorded = yaml.safe_load((workdir / "shop" / ".copier-answers.yml").read_text())
    assert recorded["template"] == "flask-webapp"
    assert recorded["decision_reasons"][0].startswith("Chosen by hand")


def test_ctrl_c_at_a_question_exits_130_and_writes_nothing(terminal, workdir):
    term = terminal("shop")
    term.wait_for("What are you building?")
    term.keys("Enter")
    term.wait_for("Will people use HTML pages")
    term.keys("C-c")
    screen = term.wait_for("EXIT=")
    assert "EXIT=130" in screen and "Traceback" not in screen
    assert list(workdir.iterdir()) == []


def joined(screen: str) -> str:
    """The screen's text as one line: a question wrapped at words reads whole again."""
    return " ".join(line.strip() for line in screen.splitlines() if line.strip())


def test_typing_replaces_each_default_and_the_author_signs_the_first_commit(terminal, workdir, tmp_path):
    bare_home = tmp_path / "bare-home"  # no git identity, as on a workshop laptop
    bare_home.mkdir()
    term = terminal(HOME=str(bare_home))
    term.wait_for("What are you building?")
    for _ in range(7):
        term.keys("Enter")
    term.wait_for("Go with this?")
    term.keys("Enter")
    for question, typed in (
        ("Project name (lowercase, e.g. my-shop) [myproject]", "recipe-club"),
        ("One line about the project [A project generated by newproj]", "Recipes for the club"),
        ("Author or team name [Your Name]", "Ada Lovelace"),
        ("Author e-mail [you@example.com]", "ada@example.com"),
    ):
        term.wait_for(question)
        term.type(typed)
        term.keys("Enter")
    decline_set_up(term)
    assert "EXIT=0" in term.wait_for("EXIT=")
    recorded = yaml.safe_load((workdir / "recipe-club" / ".copier-answers.yml").read_text())
    assert recorded["project_name"] == "recipe-club"
    assert recorded["description"] == "Recipes for the club"
    assert (recorded["author_name"], recorded["author_email"]) == ("Ada Lovelace", "ada@example.com")
    author = subprocess.run(
        ["git", "log", "-1", "--format=%an <%ae>"], cwd=workdir / "recipe-club", capture_output=True, text=True
    )
    assert author.stdout.strip() == "Ada Lovelace <ada@example.com>"


def test_a_bad_answer_is_said_beside_the_prompt_and_asked_again(terminal, workdir):
    term = terminal("shop")
    term.wait_for("What are you building?")
    for _ in range(8):
        term.keys("Enter")
    term.wait_for("One line about the project")
    term.keys("Enter")
    term.wait_for("Author or team name")
    term.keys("Enter")
    term.wait_for("Author e-mail [")
    term.type("not-an-address")
    term.keys("Enter")
    screen = term.wait_for("give an e-mail address like name@example.com")
    lines = [line for line in screen.splitlines() if line.strip()]
    problem = next(i for i, line in enumerate(lines) if "give an e-mail address" in line)
    assert "not-an-address" in lines[problem - 1], "the message is not on the line below the prompt"
    term.type("me@example.com")
    term.keys("Enter")
    decline_set_up(term)
    assert "EXIT=0" in term.wait_for("EXIT=")


def test_term_dumb_gets_plain_numbered_questions_without_cursor_codes(terminal, workdir, tmp_path):
    raw = tmp_path / "raw.txt"
    term = terminal("shop", TERM="dumb")
    subprocess.run(["tmux", "pipe-pane", "-o", "-t", term.name, f"cat >> {shlex.quote(str(raw))}"], check=True)
    screen = term.wait_for("Choose 1-8 [4]:")
    assert "  2) microservice: a microservice with one focused job" in screen
    term.type("8")
    term.keys("Enter")
    term.wait_for("Choose 1-2 [1]:")
    term.type("maybe")
    term.keys("Enter")
    term.wait_for("'maybe' is not one of the choices")
    for _ in range(6):
        term.keys("Enter")
    screen = term.wait_for("Go with this?")
    term.keys("Enter")
    term.wait_for("One line about the project [")
    term.keys("Enter", "Enter", "Enter")
    assert "EXIT=0" in term.wait_for("EXIT=")
    recorded = yaml.safe_load((workdir / "shop" / ".copier-answers.yml").read_text())
    assert recorded["purpose"] == "learning"
    output = raw.read_bytes()
    assert b"Choose 1-8" in output
    cursor_moves = [m for m in re.findall(rb"\x1b\[[0-9;?]*[A-Za-z]", output) if m[-1:] in b"ABCDHJKfhl"]
    assert not cursor_moves, cursor_moves[:5]


def test_a_60_column_terminal_wraps_questions_at_words_and_keeps_whole_choices(terminal, workdir):
    term = terminal("shop", width=60)
    screen = term.wait_for("What are you building?")
    assert "model-service" in screen and "business-app" in screen
    for _ in range(6):
        term.keys("Enter")
    question = "Do you need to pick each component (ORM, auth, storage) yourself? [no]"
    screen = term.wait_for("yourself? [no]")
    assert question in joined(screen)
    assert all(len(line.rstrip()) <= 60 for line in screen.splitlines())
    term.keys("Enter")
    term.wait_for("Go with this?")
    term.keys("Enter")
    term.wait_for("One line about the project")
    term.keys("Enter", "Enter", "Enter")
    decline_set_up(term)
    assert "EXIT=0" in term.wait_for("EXIT=")


@pytest.mark.parametrize("value", ["false", "0"])
def test_ci_set_to_a_false_value_at_a_terminal_still_asks(terminal, workdir, value):
    term = terminal("shop", CI=value)
    term.wait_for("What are you building? [website]")
    term.keys("C-c")
    assert "EXIT=130" in term.wait_for("EXIT=")
