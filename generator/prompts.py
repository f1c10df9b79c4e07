"""The only module that imports questionary: asks, and returns plain answers.

Defaults are shown as `[default]` and taken on Enter; typing replaces them (nothing is pre-filled).
A problem with an answer is said on the line below the prompt, which is then asked again.
On TERM=dumb (or no TERM) the questions are plain numbered lines, wrapped at words.
"""

from __future__ import annotations

import os
import shutil
import textwrap
from collections.abc import Callable, Sequence

import click
from newproj.errors import Interrupted
from newproj.requirements import PURPOSE_LABELS, Requirement

NARROW = 80  # below this many columns, choices show their value only (a label would be cut off)
ANSWER_ROOM = 18  # columns kept free after a question for questionary's "? " and the answer it echoes
Problem = Callable[[str], str | None]


def plain() -> bool:
    """True on terminals that cannot draw a menu: TERM unset or dumb."""
    return os.environ.get("TERM", "") in ("", "dumb", "unknown")


def width() -> int:
    return max(20, shutil.get_terminal_size((80, 24)).columns)


def wrap(text: str, indent: str = "") -> str:
    """Text folded at word boundaries to the terminal's width."""
    return textwrap.fill(text, width=width() - 1, subsequent_indent=indent, break_on_hyphens=False)


def _lead(message: str) -> str:
    """Print all but the last line of the wrapped question; return the last for questionary to show.

    questionary draws its question on one row, so a long one would wrap mid-word; the answer it
    appends after the question needs room too.
    """
    lines = textwrap.wrap(message, width=max(20, width() - ANSWER_ROOM), break_on_hyphens=False) or [""]
    for index, line in enumerate(lines[:-1]):
        _say(("? " if index == 0 else "  ") + line)
    return lines[-1]


def _interrupted(error: BaseException) -> Interrupted:
    return Interrupted("interrupted; nothing was written")


def _ask(question: object) -> str:
    try:
        return str(question.unsafe_ask())  # type: ignore[attr-defined]
    except (KeyboardInterrupt, EOFError) as error:
        raise _interrupted(error) from error


def _line(prompt: str) -> str:
    try:
        return input(prompt)
    except (KeyboardInterrupt, EOFError) as error:
        raise _interrupted(error) from error


def _say(text: str) -> None:
    click.echo(text)


def _select(message: str, help_text: str, options: Sequence[tuple[str, str]], default: str) -> str:
    """One choice out of (label, value) options."""
    if plain():
        return _numbered(message, help_text, options, default)
    import questionary

    short = width() < NARROW
    choices = [questionary.Choice(value if short else label, value=value) for label, value in options]
    if short and help_text:
        _say(wrap(f"({help_text})"))
    last = _lead(f"{message} [{default}]")
    qmark = "?" if last == f"{message} [{default}]" else " "
    instruction = None if short or not help_text else f"({help_text})"
    return _ask(questionary.select(last, choices=choices, default=default, instruction=instruction, qmark=qmark))


def _numbered(message: str, help_text: str, options: Sequence[tuple[str, str]], default: str) -> str:
    values = [value for _, value in options]
    number = values.index(default) + 1
    _say(wrap(message))
    if help_text:
        _say(wrap(f"({help_text})"))
    for index, (label, _) in enumerate(options, start=1):
        _say(wrap(f"  {index}) {label}", indent="     "))
    while True:
        answer = _line(f"Choose 1-{len(values)} [{number}]: ").strip()
        if not answer:
            return default
        if answer.isdigit() and 1 <= int(answer) <= len(values):
            return values[int(answer) - 1]
        if answer in values:
            return answer
        _say(wrap(f"  ! {answer!r} is not one of the choices; type a number from 1 to {len(values)}"))


def requirement(req: Requirement, default: str) -> str:
    """One requirement question, its default pre-selected and its help shown."""
    options = [(f"{v}: {PURPOSE_LABELS[v]}" if req.key == "purpose" else v, v) for v in req.choices]
    return _select(req.question, req.help, options, default)


def choose(message: str, options: list[tuple[str, str]]) -> str:
    """Pick one of (label, value) options; the first is the default."""
    if plain() or width() >= NARROW:
        return _select(message, "", options, options[0][1])
    import questionary

    # Narrow: the labels are the choices themselves, so fold them instead of showing bare values.
    room = width() - 6
    choices = [questionary.Choice(textwrap.shorten(label, room, placeholder="..."), value) for label, value in options]
    last = _lead(message)
    return _ask(questionary.select(last, choices=choices, default=choices[0], qmark="?" if last == message else " "))


def confirm(message: str, default: bool = True) -> bool:
    """Yes or no; Enter takes the default."""
    options = [("Yes", "yes"), ("No", "no")] if default else [("No", "no"), ("Yes", "yes")]
    return _select(message, "", options, "yes" if default else "no") == "yes"


def text(message: str, default: str, problem: Problem) -> str:
    """Free text: Enter takes the default shown in brackets; a problem is said below and the question asked again."""
    while True:
        answer = _text_once(f"{message} [{default}]").strip() or default
        why = problem(answer)
        if why is None:
            return answer
        _say(wrap(f"  ! {why}", indent="    "))


def _text_once(message: str) -> str:
    if plain():
        return _line(wrap(message) + ": ")
    import questionary

    last = _lead(message)
    return _ask(questionary.text(last, qmark="?" if last == message else " "))
