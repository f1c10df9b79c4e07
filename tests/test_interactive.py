"""newproj create with a real terminal: tmux types the answers and reads the screen."""

from __future__ import annotations

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

    def __init__(self, command: str, cwd) -> None:
        self.name = f"newproj-{uuid.uuid4().hex[:8]}"
        subprocess.run(
            [
                "tmux",
                "new-session",
                "-d",
                "-s",
                self.name,
                "-x",
                "160",
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

    def start(*args: str) -> Terminal:
        env = " ".join(f"{k}={shlex.quote(v)}" for k, v in cli_env.items())
        newproj = f"{shlex.quote(sys.executable)} -m newproj create {' '.join(args)}"
        command = f"env -u CI {env} {newproj} --source {fixture_templates}"
        sessions.append(Terminal(command, workdir))
        return sessions[-1]

    yield start
    for session in sessions:
        session.close()


def decline_set_up(term: Terminal) -> None:
    """The fixture templates cannot be installed: answer No to setting up now."""
    term.wait_for("Set it up now")
    term.keys("Down", "Enter")


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
    term.keys("C-u")
    term.type("json")
    term.keys("Enter")
    term.wait_for("standard-library module")
    term.keys("C-u")
    term.type("garden")
    term.keys("Enter")
    term.wait_for("One line about the project")
    term.keys("Enter", "Enter", "Enter")
    decline_set_up(term)
    screen = term.wait_for("EXIT=")
    assert "EXIT=0" in screen, screen
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
