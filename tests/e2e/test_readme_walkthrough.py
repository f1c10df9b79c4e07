"""The generated README's closing walk-through, executed literally (issue 11).

Each generated README ends with "Your own resource (or endpoint), step by step": sentences
that say what to do with the code block that follows them. This test renders a project,
sets it up as its README says, then does exactly what the walk-through says, in order:

- "Create `PATH`:" writes the block to PATH;
- "Add to the end of `PATH`:" appends it after two blank lines;
- "In `PATH`, after the line `LINE`, add:" inserts it after that line;
- a bash block is run in the project's folder (its pytest run and migration check included).

A block the test cannot place, a file that is not where the README says, a line that is not
in the file, or a command that fails, fails the test. Then the project's linters run (the
README's Tests block) on the result, and the new test file must hold tests.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.harness import generate, readme_block, run_bash

pytestmark = pytest.mark.e2e

HEADING = re.compile(r"^## Your own (resource|endpoint|model|page), step by step$", re.MULTILINE)
BLOCK = re.compile(r"^```(\w+)\n(.*?)^```$", re.MULTILINE | re.DOTALL)
CREATE = re.compile(r"^Create `([^`]+)`")
APPEND = re.compile(r"^Add to the end of `([^`]+)`")
INSERT = re.compile(r"^In `([^`]+)`, after the line `([^`]+)`, add")


@dataclass(frozen=True)
class Step:
    says: str  # the paragraph just before the block
    language: str
    code: str


def walkthrough(readme: str) -> list[Step]:
    """The steps of the README's walk-through, which must be its last section."""
    found = list(HEADING.finditer(readme))
    assert len(found) == 1, "the README needs one 'Your own ..., step by step' section"
    section = readme[found[0].end() :]
    assert not re.search(r"^## ", section, flags=re.MULTILINE), "the walk-through must be the README's last section"
    steps, start = [], 0
    for block in BLOCK.finditer(section):
        paragraph = section[start : block.start()].strip().split("\n\n")[-1]
        steps.append(Step(" ".join(paragraph.split()), block.group(1), block.group(2)))
        start = block.end()
    return steps


def follow(project: Path, step: Step) -> None:
    """Do what one step says, as a person would."""
    if step.language == "bash":
        run_bash(project, step.code)
        return
    if match := CREATE.match(step.says):
        path = project / match.group(1)
        assert not path.exists(), f"{match.group(1)} already exists; the README says to create it"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(step.code, encoding="utf-8")
    elif match := APPEND.match(step.says):
        path = project / match.group(1)
        path.write_text(path.read_text(encoding="utf-8").rstrip("\n") + "\n\n\n" + step.code, encoding="utf-8")
    elif match := INSERT.match(step.says):
        path = project / match.group(1)
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        where = [i for i, line in enumerate(lines) if line.strip() == match.group(2)]
        assert len(where) == 1, f"{match.group(1)} should have the line {match.group(2)!r} once"
        lines[where[0] + 1 : where[0] + 1] = [step.code]
        path.write_text("".join(lines), encoding="utf-8")
    else:
        raise AssertionError(f"the README does not say what to do with this {step.language} block: {step.says!r}")


def new_files(project: Path) -> list[str]:
    listed = subprocess.run(
        ["git", "ls-files", "--others", "--exclude-standard"], cwd=project, capture_output=True, text=True, check=True
    )
    return listed.stdout.split()


# One project per template, SQLite, lifespan below "years" (no mypy step). Each also takes the
# walk-through a data=none project's README gives (an endpoint or a page and its test): those
# steps touch no database, so this project's environment proves them without setting up another
# (which would double the time).
CASES = {
    "flask-api": {"purpose": "api", "data": "few", "accounts": "login"},
    "flask-webapp": {"purpose": "website", "data": "many", "lifespan": "months"},
    "django-fullstack": {"purpose": "business-app", "data": "few", "lifespan": "months"},
}


@pytest.mark.parametrize("template", sorted(CASES))
def test_the_readme_walkthrough_works_as_written(template: str, tmp_path: Path) -> None:
    answers = CASES[template]
    project = generate(tmp_path / "shop", template, answers)
    without_data = generate(tmp_path / "no-data" / "shop", template, {**answers, "data": "none"})
    steps = walkthrough((project / "README.md").read_text(encoding="utf-8"))
    more_steps = walkthrough((without_data / "README.md").read_text(encoding="utf-8"))
    # As written; pip skips compiling every installed module (Python compiles what it imports).
    run_bash(project, readme_block(project, "Set up"), env={"PIP_NO_COMPILE": "1"})

    # The data=none steps go first; their closing command (the whole suite) is run by the
    # model walk-through's closing block, after everything is in place, rather than twice.
    *more_steps, more_last = more_steps
    last = steps[-1]
    assert more_last.language == last.language == "bash"
    assert set(more_last.code.splitlines()) <= set(last.code.splitlines()), (more_last.code, last.code)
    for step in more_steps:
        follow(project, step)
    before = set(new_files(project))
    for step in steps:
        follow(project, step)
    added = sorted(set(new_files(project)) - before)
    assert any("migrations/" in name and name.endswith(".py") for name in added), f"no migration added: {added}"

    tests = [name for name in new_files(project) if re.fullmatch(r"tests/test_\w+\.py", name)]
    assert len(tests) == 2, f"each walk-through should add one test file: {tests}"
    collected = run_bash(project, f".venv/bin/python -m pytest -q --collect-only {' '.join(tests)}").stdout
    assert re.search(r"^\d+ tests collected", collected, flags=re.MULTILINE), collected
    # The README's own lint steps, on the project with the reader's code in it.
    lint = [line for line in readme_block(project, "Tests").splitlines() if "ruff" in line]
    assert lint, "the README's Tests block names no linter"
    run_bash(project, "\n".join(lint))
