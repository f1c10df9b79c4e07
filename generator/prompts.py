"""The only module that imports questionary: asks, and returns plain answers."""

from __future__ import annotations

from collections.abc import Callable

import questionary
from newproj.errors import Interrupted
from newproj.requirements import PURPOSE_LABELS, Requirement


def _ask(question: questionary.Question) -> str:
    try:
        return str(question.unsafe_ask())
    except KeyboardInterrupt as error:
        raise Interrupted("interrupted; nothing was written") from error


def requirement(req: Requirement, default: str) -> str:
    """One requirement question, its default pre-selected and its help shown."""
    choices = [
        questionary.Choice(f"{value}: {PURPOSE_LABELS[value]}" if req.key == "purpose" else value, value=value)
        for value in req.choices
    ]
    return _ask(
        questionary.select(
            f"{req.question} [{default}]",
            choices=choices,
            default=default,
            instruction=f"({req.help})",
        )
    )


def choose(message: str, options: list[tuple[str, str]]) -> str:
    """Pick one of (label, value) options; the first is the default."""
    choices = [questionary.Choice(label, value=value) for label, value in options]
    return _ask(questionary.select(message, choices=choices, default=choices[0]))


def text(message: str, default: str, problem: Callable[[str], str | None]) -> str:
    """Free text, asked again while problem() has something to say about it."""
    return _ask(
        questionary.text(
            message,
            default=default,
            validate=lambda value: problem(value) or True,
        )
    )
